"""Interrupted runs: SIGKILL mid-run leaves only complete artefacts, and the next run finishes the job.

A real analysis script is started as a subprocess and killed (SIGKILL: no cleanup handlers run) as
soon as a sign of progress shows up in its results folder — the first file under ``fits/`` (the
netCDF of a finished fit being written) or under ``tables/``. Then:

- every artefact present (non-hidden ``.nc``, ``.csv``, ``.json``, ``.png``) is complete and loadable;
- whatever else is there is a temporary file of ``bayes_iris.atomic`` (``atomic.is_temp``), never
  mistaken for an artefact, and removed by the next write of the same artefact / ``clean_stale``;
- the same command run again exits 0, leaves no temporary file, and reuses what was complete (a
  finished fit is loaded from the cache: its file is not rewritten).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import e2e_helpers as H
import pytest

from bayes_iris import atomic

FIT_SCRIPTS = [s for s in ("02_trajectories", "03_adverse_events") if s in H.scripts()]
# Default tier: one kill test on the quickest fitting step (~1 min: a cold fit, killed, then the
# rerun); the trajectory step (five fits, ~3 min twice over) is in the slow tier.
KILL_DEFAULT = [s for s in FIT_SCRIPTS if s == "03_adverse_events"]
KILL_SLOW = [pytest.param(s, marks=pytest.mark.slow) for s in FIT_SCRIPTS if s not in KILL_DEFAULT]


def _start(argv: list, log: Path) -> subprocess.Popen:
    fh = open(log, "wb")  # closed in _kill_when
    proc = subprocess.Popen([str(a) for a in argv], stdout=fh, stderr=subprocess.STDOUT,
                            cwd=H.REPO, env=H.env(), start_new_session=True)
    proc._hardening_log = fh  # type: ignore[attr-defined]
    return proc


def _any_entry(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            return any(True for _ in it)
    except FileNotFoundError:
        return False


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 400) -> bool:
    """Poll ``ready()`` every 5 ms; SIGKILL the process group as soon as it holds.

    Returns True if the process was still running when killed.
    """
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                return False
            if ready():
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
                return True
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        raise AssertionError(f"no sign of progress within {timeout} s")
    finally:
        proc._hardening_log.close()  # type: ignore[attr-defined]


def assert_artefacts_complete(results: Path) -> dict[str, list[Path]]:
    """Every artefact loads; every other file is a recognised temporary. Returns both lists."""
    import matplotlib.image as mpimg
    import pandas as pd

    from bayes_iris.inference import load_fit

    artefacts, temps = [], []
    for p in sorted(results.rglob("*")):
        if any(atomic.is_temp(part) for part in p.relative_to(results).parts):
            temps.append(p)
            continue
        assert not p.name.startswith("."), f"unrecognised hidden file {p}"
        if p.is_dir():
            continue
        artefacts.append(p)
        if p.suffix == ".nc":
            tree = load_fit(p)
            assert tree is not None, f"corrupt fit {p}"
            assert "posterior" in tree.children and tree.attrs.get("cache_key"), p
        elif p.suffix == ".csv":
            df = pd.read_csv(p)
            assert "provenance" in df.columns, p
        elif p.suffix == ".json":
            json.loads(p.read_text())
        elif p.suffix == ".png":
            assert mpimg.imread(p).size > 0, p
    return {"artefacts": artefacts, "temps": temps}


@pytest.mark.parametrize("script", KILL_DEFAULT + KILL_SLOW)
def test_kill_while_saving_fit_then_resume(script, tmp_path):
    """Kill at the first sign of a fit being saved; nothing corrupt; the rerun completes it."""
    results = tmp_path / "results"
    argv = [H.PYTHON, H.ANALYSES / f"{script}.py", "--fast", "--results", results, "--seed", "11"]
    proc = _start(argv, tmp_path / "run1.log")
    killed = _kill_when(proc, lambda: _any_entry(results / "fits"))
    assert killed, "the script finished before it could be killed:\n" + (
        tmp_path / "run1.log").read_text()[-3000:]
    first = assert_artefacts_complete(results)
    manifest = results / "manifest.json"
    if manifest.exists():  # the step must not be recorded as finished
        steps = json.loads(manifest.read_text()).get("steps", {})
        assert not any(script.split("_", 1)[1] == k for k in steps), steps
    complete_fits = {p: (H.sha256(p), p.stat().st_mtime_ns) for p in first["artefacts"]
                     if p.suffix == ".nc"}

    proc2 = H.run_proc(argv, timeout=900)
    assert proc2.returncode == 0, proc2.stdout[-3000:] + proc2.stderr[-3000:]
    second = assert_artefacts_complete(results)
    assert second["temps"] == [], f"stale temporaries left behind: {second['temps']}"
    # what was complete is reused, not recomputed
    for p, (digest, mtime) in complete_fits.items():
        assert (H.sha256(p), p.stat().st_mtime_ns) == (digest, mtime), f"{p} was recomputed"
    steps = json.loads(manifest.read_text())["steps"]
    assert any(script.split("_", 1)[1] == k for k in steps), steps


def _complete_fit(results: Path) -> bool:
    folder = results / "fits"
    try:
        with os.scandir(folder) as it:
            return any(e.name.endswith(".nc") and not atomic.is_temp(e.name) for e in it)
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("script", FIT_SCRIPTS)
def test_kill_after_first_fit_recomputes_only_missing(script, tmp_path):
    """Kill once the first fit is complete: the rerun loads it from the cache (file untouched)
    and computes only the fits that were missing."""
    results = tmp_path / "results"
    argv = [H.PYTHON, H.ANALYSES / f"{script}.py", "--fast", "--results", results, "--seed", "12"]
    proc = _start(argv, tmp_path / "run1.log")
    assert _kill_when(proc, lambda: _complete_fit(results)), "finished before the kill"
    first = assert_artefacts_complete(results)
    fits = {p: p.stat().st_mtime_ns for p in first["artefacts"] if p.suffix == ".nc"}
    assert fits, "no complete fit"
    proc2 = H.run_proc(argv, timeout=1800)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    second = assert_artefacts_complete(results)
    assert second["temps"] == []
    assert {p: p.stat().st_mtime_ns for p in fits} == fits, "a complete fit was recomputed"
    after = [p for p in second["artefacts"] if p.suffix == ".nc"]
    if script == "02_trajectories":  # five fits in --fast: the missing ones were computed
        assert len(after) > len(fits), (sorted(fits), after)
    steps = json.loads((results / "manifest.json").read_text())["steps"]
    assert any(script.split("_", 1)[1] == k for k in steps), steps


def test_kill_simulate_leaves_no_partial_trial(tmp_path):
    """``bayes-iris simulate`` killed while it writes: --out is absent or complete, never partial."""
    out = tmp_path / "sim"
    argv = [H.BIN, "simulate", "--out", out, "--seed", "5"]
    proc = _start(argv, tmp_path / "sim.log")
    _kill_when(proc, lambda: any(p.name.startswith(".sim") for p in tmp_path.iterdir())
               or out.exists(), timeout=120)
    from bayes_iris.data import load_trial

    if out.exists():  # the rename happened before the kill: it must be a whole, valid trial
        assert load_trial(out).n_patients == 27
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert all(atomic.is_temp(p) for p in leftovers), leftovers
    # the same command completes, and cleans the killed run's temporary folder
    proc2 = H.run_proc(argv + (["--force"] if out.exists() else []), timeout=120)
    assert proc2.returncode == 0, proc2.stderr
    assert load_trial(out).n_patients == 27
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- the atomic layer itself (fast, no subprocess) ----------------------------------------------
def test_killed_writer_temp_is_recognised_and_cleaned(tmp_path):
    """A temporary left by a dead process is hidden, is_temp, and removed on the next write."""
    proc = subprocess.Popen(["true"])  # its pid belongs to a process that has exited
    proc.wait()
    stale = tmp_path / f".t.csv.tmp-{proc.pid}-0123abcd.csv"
    stale.write_text("half a ta")
    live = tmp_path / f".t.csv.tmp-{os.getpid()}-89abcdef.csv"  # a concurrent writer: kept
    live.write_text("in progress")
    assert atomic.is_temp(stale) and atomic.is_temp(live)
    assert not atomic.is_temp(tmp_path / "t.csv")
    atomic.write_text(tmp_path / "t.csv", "a\n1\n")
    assert not stale.exists() and live.exists()
    assert (tmp_path / "t.csv").read_text() == "a\n1\n"
    stale.write_text("again")
    (tmp_path / "fits").mkdir()
    stale_dir = tmp_path / "fits" / f".m.nc.tmp-{proc.pid}-0123abcd.nc"
    stale_dir.write_bytes(b"\x89HDF")
    removed = atomic.clean_stale(tmp_path)
    assert set(removed) == {stale, stale_dir} and live.exists()


def test_exception_inside_atomic_write_leaves_old_file(tmp_path):
    dest = tmp_path / "m.json"
    atomic.write_text(dest, '{"v": 1}')

    def broken(p: Path) -> None:
        p.write_text('{"v": 2, "trunc')
        raise RuntimeError("writer died")

    with pytest.raises(RuntimeError):
        atomic.write_with(dest, broken)
    assert json.loads(dest.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_atomic_dir_failure_keeps_previous_folder(tmp_path):
    dest = tmp_path / "trial"
    with atomic.atomic_dir(dest) as d:
        (d / "a.csv").write_text("x\n1\n")
    with pytest.raises(RuntimeError), atomic.atomic_dir(dest) as d:
        (d / "a.csv").write_text("x\n2\n")
        raise RuntimeError("killed")
    assert (dest / "a.csv").read_text() == "x\n1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trial"]
