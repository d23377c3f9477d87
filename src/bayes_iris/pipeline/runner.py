"""Run the numbered analysis scripts of ``analyses/`` in order, with caching.

The main job (``bayes-iris run`` / ``bayes-iris report``) is a sequence of steps, each a script
``analyses/NN_name.py`` that follows the step-script contract (:mod:`bayes_iris.pipeline.script`).
Every step runs as a subprocess of the current interpreter (a crash or a memory-hungry fit cannot
take the runner down, and each step starts with a clean PyTensor/JAX state); its console output
is kept in ``<results>/logs/<step>.log``, and its progress events (fits: start, draws, heartbeat,
end; :mod:`bayes_iris.progress`) are relayed as they arrive to a monitor
(:mod:`bayes_iris.pipeline.monitor`): a rich display on a terminal, timestamped lines with a
heartbeat otherwise. Whether a step is reused is decided by the ledger
(:mod:`bayes_iris.pipeline.ledger`).

Exit codes of a step: 0 ok · 2 bad input (the runner stops and re-raises it as
:class:`~bayes_iris.errors.InputError`) · 3 diagnostics failed under ``--strict`` (the runner
stops and raises :class:`~bayes_iris.errors.ConvergenceError`) · anything else: the step failed;
the runner records it and carries on with the next steps (the report shows the failure).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from .. import atomic, progress
from ..errors import ConvergenceError, ExitCode, InputError, Problem
from ..paths import discover_steps, repo_root, results_folder
from ..results.tables import LOG_DIR, MANIFEST, STEPS, find_manifest_record
from ..seeds import DEFAULT_SEED
from . import ledger as L
from .ledger import PipelineResult, StepOutcome
from .monitor import Monitor, NullMonitor, choose_monitor

__all__ = ["diagnostics_failures", "load_trial_meta", "run_pipeline"]


def load_trial_meta(data: Path | None) -> tuple[str, str, str]:
    """Validate the trial (raising :class:`InputError` on bad input) and return
    ``(name, provenance kind, provenance label)``."""
    from ..data import load_bundled, load_trial

    trial = load_bundled() if data is None else load_trial(Path(data))
    return trial.meta.name, trial.meta.provenance.kind, trial.provenance_label


def _tail(text: str, n: int = 25) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines[-n:])


def _select(scripts: list[Path], steps: Sequence[str] | None) -> list[Path]:
    if not steps:
        return scripts
    chosen = []
    for want in steps:
        hits = [
            s
            for s in scripts
            if s.stem == want or s.stem.split("_", 1)[0] == want or s.stem.split("_", 1)[-1] == want
        ]
        if not hits:
            raise InputError(
                Problem(
                    f"unknown step {want!r}",
                    column="steps",
                    hint="known steps: " + ", ".join(s.stem for s in scripts),
                )
            )
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def _step_env(root: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1",
           progress.MODE_ENV: "events"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root / "src"), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    return env


def _pump(stream: IO[str], name: str, out: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        out.put((name, line))
    out.put((name, None))


def stream_process(cmd: list[str], *, cwd: Path, env: dict[str, str], stem: str,
                   monitor: Monitor, tick: float = 0.5) -> tuple[int, str, str]:
    """Run ``cmd``, hand its progress events to ``monitor`` as they arrive, and return
    ``(exit code, stdout, stderr)``; in the returned stderr, events read as human lines."""
    out: dict[str, list[str]] = {"stdout": [], "stderr": []}
    with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, bufsize=1) as proc:
        lines: queue.Queue = queue.Queue()
        pumps = [threading.Thread(target=_pump, args=(s, n, lines), daemon=True)
                 for s, n in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))]
        for t in pumps:
            t.start()
        open_streams = 2
        while open_streams:
            try:
                name, line = lines.get(timeout=tick)
            except queue.Empty:
                monitor.tick()
                continue
            if line is None:
                open_streams -= 1
                continue
            event = progress.parse_event(line.rstrip("\n"))
            if event is None:
                out[name].append(line)
            else:
                monitor.step_event(stem, event)
                if event.get("event") != "draws":
                    out[name].append(f"[progress] {progress.describe(event)}\n")
            monitor.tick()
        for t in pumps:
            t.join(timeout=1.0)
        code = proc.wait()
    return code, "".join(out["stdout"]), "".join(out["stderr"])


def _run_script(script: Path, *, root: Path, results: Path, data: Path | None, seed: int,
                fast: bool, strict: bool, key: str,
                monitor: Monitor | None = None) -> StepOutcome:
    """Run one step script as a subprocess; relay its progress; log its output; classify its
    exit code."""
    cmd = [sys.executable, str(script), "--results", str(results), "--seed", str(seed)]
    if data is not None:
        cmd += ["--data", str(data)]
    if fast:
        cmd.append("--fast")
    if strict:
        cmd.append("--strict")
    t0 = time.perf_counter()
    code, stdout, stderr = stream_process(cmd, cwd=root, env=_step_env(root), stem=script.stem,
                                          monitor=monitor or NullMonitor())
    seconds = time.perf_counter() - t0
    log_rel = f"{LOG_DIR}/{script.stem}.log"
    atomic.write_text(
        results / log_rel,
        f"$ {' '.join(cmd)}\n--- stdout ---\n{stdout}\n"
        f"--- stderr ---\n{stderr}\n--- exit {code} ---\n",
    )
    record = _record(results, script.stem)
    diag = (record or {}).get("status")
    if code == ExitCode.OK:
        status = "warning" if diag in {"warning", "failed"} else "ok"
    elif code == ExitCode.INPUT:
        status = "input-error"
    elif code == ExitCode.CONVERGENCE and strict:
        status = "strict-failed"
    else:
        status = "failed"
    return StepOutcome(script.stem, status, exit_code=code, seconds=round(seconds, 2), key=key,
                       log=log_rel, diagnostics_status=diag,
                       message=_tail(stderr or stdout) if code else "")


def _record(results: Path, stem: str) -> dict[str, Any] | None:
    return find_manifest_record(L.read_json(results / MANIFEST).get("steps", {}), stem)


def _stop_if_needed(outcome: StepOutcome, results: Path, strict: bool) -> None:
    """Raise what the runner must not carry on after (bad input; strict diagnostics)."""
    if outcome.status == "input-error":
        raise InputError(
            Problem(
                f"step {outcome.stem} rejected its input:\n{outcome.message}",
                hint=f"full log: {results / (outcome.log or '')}",
            )
        )
    if outcome.status == "strict-failed":
        raise ConvergenceError(
            f"step {outcome.stem}: diagnostics failed (see {results / LOG_DIR})")
    if strict and outcome.status in L.REUSABLE and outcome.diagnostics_status not in (None, "ok"):
        raise ConvergenceError(
            f"step {outcome.stem}{' (cached)' if outcome.cached else ''}: recorded diagnostics "
            f"status {outcome.diagnostics_status!r}"
        )


def run_pipeline(
    data: Path | None = None,
    results: Path | None = None,
    seed: int = DEFAULT_SEED,
    fast: bool = False,
    strict: bool = False,
    steps: Sequence[str] | None = None,
    *,
    use_cache: bool = True,
    progress: bool | str = True,
    on_step: Callable[[StepOutcome], None] | None = None,
) -> PipelineResult:
    """Run the analysis steps in order, reusing cached steps whose inputs have not changed.

    Parameters
    ----------
    data : Path, optional
        Trial folder; ``None`` runs the bundled SYNTHETIC trial.
    results : Path, optional
        Results folder; default ``results/<slug of the trial name>`` under the current folder.
    seed : int
        Run seed handed to every step.
    fast : bool
        Small budgets (smoke tests).
    strict : bool
        Stop with :class:`ConvergenceError` when a step's diagnostics fail (a step exiting 3, or a
        cached step whose recorded status is not "ok").
    steps : sequence of str, optional
        Run only these steps (stem, number such as ``"02"``, or name such as ``"trajectories"``).
    use_cache : bool
        ``False`` runs every step again.
    progress : bool or str
        What to show on stderr while the steps run (:mod:`bayes_iris.pipeline.monitor`):
        ``True`` a rich display with each step's time and each fit's draws on a terminal, else
        one timestamped line per step and fit event with a heartbeat at least every
        ``$BAYES_IRIS_HEARTBEAT_S`` seconds (default 30); ``"plain"`` / ``"rich"`` force one;
        ``False`` nothing.

    Returns
    -------
    PipelineResult

    Raises
    ------
    InputError
        Bad trial folder or options, or a step rejected its input (exit code 2).
    ConvergenceError
        Under ``strict``, a step's diagnostics failed.

    Examples
    --------
    Skipped in the test run (runs a step subprocess and writes ``results/`` here):

    >>> from bayes_iris.pipeline import run_pipeline
    >>> res = run_pipeline(fast=True, steps=["01"])  # doctest: +SKIP
    >>> res.ok  # doctest: +SKIP
    True
    """
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise InputError(
            Problem(f"seed must be a non-negative integer, got {seed!r}", column="seed")
        )
    root = repo_root()
    scripts = discover_steps(root)
    if data is not None:
        data = Path(data).resolve()
    trial_name, kind, label = load_trial_meta(data)  # validates: nothing is written before this
    results = (Path(results) if results is not None else results_folder(trial_name)).resolve()
    selected = _select(scripts, steps)
    expected = [s.stem for s in STEPS] if not steps else []
    missing = [stem for stem in expected if stem not in {p.stem for p in scripts}]

    res = PipelineResult(results, trial_name, kind, label, seed, fast)
    base = L.run_base(data, seed, fast)
    ledger = L.Ledger(results, {**base, "data_dir": str(data) if data else "bundled",
                                "strict": strict, "started": L._now(), "trial": trial_name,
                                "provenance": kind, "provenance_label": label})
    for stem in missing:
        ledger.missing(stem, f"analyses/{stem}.py does not exist")
        res.steps.append(StepOutcome(stem, "missing", message=f"analyses/{stem}.py does not exist"))

    upstream: list[tuple[str, str]] = []
    monitor = choose_monitor(progress)
    try:
        for i, script in enumerate(selected, start=1):
            stem = script.stem
            key = L.step_key(base, script, upstream)
            record = _record(results, stem)
            monitor.step_started(stem, i, len(selected))
            if use_cache and ledger.reusable(stem, key) and L.outputs_intact(results, record):
                outcome = StepOutcome(stem, "cached", exit_code=0, cached=True, key=key,
                                      log=ledger.previous_step(stem).get("log"),
                                      diagnostics_status=(record or {}).get("status"))
            else:
                outcome = _run_script(script, root=root, results=results, data=data, seed=seed,
                                      fast=fast, strict=strict, key=key, monitor=monitor)
                record = _record(results, stem)
            monitor.step_finished(stem, outcome.status,
                                  None if outcome.cached else outcome.seconds)
            res.steps.append(outcome)
            ledger.record(outcome, record)
            if on_step is not None:
                on_step(outcome)
            _stop_if_needed(outcome, results, strict)
            if record is not None and outcome.status in L.REUSABLE:
                upstream += [(o["path"], o.get("sha256", "")) for o in record.get("outputs", [])]
    finally:
        monitor.close()
    ledger.finish()
    if results.exists() or selected or missing:
        ledger.save()
    if strict and (bad := diagnostics_failures(results)):
        raise ConvergenceError("diagnostics tables flag failing fits: " + "; ".join(bad))
    return res


def diagnostics_failures(results: Path) -> list[str]:
    """``"<table>/<model>: <status>"`` for every row of ``tables/diagnostics*.csv`` whose status
    is not "ok" (the gate that ``--strict`` enforces on the whole results folder)."""
    import pandas as pd

    out = []
    for path in sorted((Path(results) / "tables").glob("diagnostics*.csv")):
        try:
            df = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as err:
            out.append(f"{path.name}: unreadable ({err})")
            continue
        if "status" not in df.columns:
            out.append(f"{path.name}: no status column")
            continue
        for _, row in df[df["status"].astype(str) != "ok"].iterrows():
            out.append(f"{path.stem}/{row.get('model', '?')}: {row['status']}")
    return out
