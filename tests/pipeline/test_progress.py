"""A run you can watch: progress lines of the runner and of the fits, with output to a pipe.

The fake checkout's one step (a FIXTURE, not an analysis) runs a fake slow fit through
``bayes_iris.progress.fit_progress`` — feeding it draws like nutpie's ``progress_callback`` — and
then stays silent for a while; the runner runs in a subprocess whose stderr is a pipe (not a
terminal), with a 1-second heartbeat. The test records when each line arrives.
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

from bayes_iris import progress
from bayes_iris.pipeline.monitor import PlainMonitor, RichMonitor

REAL_REPORT = Path(__file__).resolve().parents[2] / "report"

SLOW_STEP = '''
"""FIXTURE step: a fake slow fit, then a silent phase (test only)."""
import sys, time
from types import SimpleNamespace
from bayes_iris import progress

def main():
    with progress.fit_progress("fake_fit", sampler="fake", chains=2, draws=40, tune=20):
        callback = progress.sampler_callback()
        for i in range(1, 13):
            time.sleep(0.4)
            chains = [SimpleNamespace(finished_draws=5 * i, total_draws=60, divergences=0)] * 2
            callback(chains)
    print("some ordinary output of the step")
    time.sleep(3.5)  # silent: no fit, no output
    return 0

if __name__ == "__main__":
    sys.exit(main())
'''


def _checkout(root: Path) -> Path:
    (root / "analyses").mkdir(parents=True)
    (root / "report").symlink_to(REAL_REPORT)
    (root / "analyses" / "01_slow.py").write_text(textwrap.dedent(SLOW_STEP))
    return root


def test_non_tty_run_prints_a_line_at_least_every_heartbeat(tmp_path):
    root = _checkout(tmp_path / "repo")
    results = tmp_path / "res"
    env = {**os.environ, "BAYES_IRIS_ROOT": str(root), progress.HEARTBEAT_ENV: "1",
           "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    env.pop(progress.MODE_ENV, None)
    code = ("from bayes_iris.pipeline import run_pipeline; "
            f"run_pipeline(None, {str(results)!r}, steps=['01'], progress=True)")
    arrivals: list[tuple[float, str]] = []
    with subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, ""):
            arrivals.append((time.monotonic(), line.rstrip("\n")))
        assert proc.wait(timeout=120) == 0, "\n".join(t for _, t in arrivals)
    text = [t for _, t in arrivals]
    joined = "\n".join(text)
    start = next(i for i, t in enumerate(text) if "step 1/1 01_slow: started" in t)
    end = next(i for i, t in enumerate(text) if "step 01_slow: ok in" in t)
    # the fit's start, its draws with the time left, its end, and the runner's heartbeat in the
    # silent phase, each on its own timestamped line
    assert "01_slow | fit fake_fit: start — fake, 2 chains × (20 tune + 40 draws)" in joined
    assert "draws" in joined and "left" in joined, joined
    assert "01_slow | fit fake_fit: done in" in joined
    assert "01_slow: still running" in joined
    assert all(t.startswith("[") and "] " in t for t in text[start:end + 1]), joined
    # never silent for longer than the heartbeat (1 s) plus the runner's polling slack
    times = [a for a, _ in arrivals[start:end + 1]]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 2.5, (max(gaps), joined)
    # the step's own output and the progress lines went to its log, not to the console
    assert "some ordinary output of the step" not in joined
    log = (results / "logs" / "01_slow.log").read_text()
    assert "some ordinary output of the step" in log
    assert "[progress] fit fake_fit: done in" in log


def test_plain_monitor_heartbeat_only_when_silent():
    buf = io.StringIO()
    m = PlainMonitor(buf, heartbeat=0.2)
    m.step_started("02_x", 2, 5)
    m.tick()  # just printed: no heartbeat yet
    assert "still running" not in buf.getvalue()
    time.sleep(0.25)
    m.tick()
    assert "02_x: still running" in buf.getvalue()
    m.step_finished("02_x", "cached", None)
    assert buf.getvalue().rstrip().endswith("step 02_x: reused (inputs unchanged)")


def test_rich_monitor_shows_fit_draws_and_time_left():
    from rich.console import Console

    buf = io.StringIO()
    m = RichMonitor(Console(file=buf, force_terminal=True, width=140))
    m.step_started("02_trajectories", 2, 5)
    m.step_event("02_trajectories", {"event": "start", "name": "alc_piecewise_default",
                                     "kind": "fit", "total": 6000})
    m.step_event("02_trajectories", {"event": "draws", "name": "alc_piecewise_default",
                                     "kind": "fit", "total": 6000, "done": 3000, "left": 30})
    task = m.progress.tasks[-1]
    assert task.total == 6000 and task.completed == 3000
    assert task.fields == {"draws": "3000/6000 draws", "left": "about 30 s left"}
    m.step_event("02_trajectories", {"event": "end", "name": "alc_piecewise_default",
                                     "kind": "fit", "elapsed": 61.0, "ok": True})
    m.step_finished("02_trajectories", "ok", 75.0)
    m.close()
    out = buf.getvalue()
    assert "fit alc_piecewise_default: done in 1 min 01 s" in out
    assert "step 02_trajectories: ok in 1 min 15 s" in out


def test_fit_progress_plain_lines_and_events(tmp_path):
    buf = io.StringIO()
    with progress.fit_progress("m", sampler="nutpie", chains=2, draws=10, tune=10, mode="plain",
                               stream=buf, heartbeat=0.05):
        cb = progress.sampler_callback()
        cb([SimpleNamespace(finished_draws=10, total_draws=20, divergences=1)] * 2)
        time.sleep(0.2)
    out = buf.getvalue()
    assert "fit m: start — nutpie, 2 chains × (10 tune + 10 draws)" in out
    assert "draws 20/40 (50 %)" in out and "2 divergences" in out
    assert "fit m: done in" in out
    assert progress.sampler_callback() is None  # outside a fit

    ev = io.StringIO()
    try:
        with progress.activity("x", mode="events", stream=ev, heartbeat=None):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    events = [progress.parse_event(line) for line in ev.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["start", "end"]
    assert events[-1]["ok"] is False
