"""Run the numbered analysis scripts of ``analyses/`` in order, with caching.

The main job (``bayes-iris run`` / ``bayes-iris report``) is a sequence of steps, each a script
``analyses/NN_name.py`` with the options of :func:`bayes_iris.artifacts.script_parser`. Every step
runs as a subprocess of the current interpreter (a crash or a memory-hungry fit cannot take the
runner down, and each step starts with a clean PyTensor/JAX state); its console output is kept in
``<results>/logs/<step>.log``.

Caching: a step is skipped when the run key (hash of the trial's content, the seed, ``--fast``,
the code — the library minus the report package — the script, and the outputs of the steps before
it) equals the key recorded the last time it succeeded, and every output it recorded in
``manifest.json`` still exists with the recorded sha256. A missing or modified output makes the
step run again. The ledger of the runner is ``<results>/pipeline.json``; the report reads it to
say which step failed, was not run, or left stale artefacts behind.

Exit codes of a step: 0 ok · 2 bad input (the runner stops and re-raises it as
:class:`~bayes_iris.errors.InputError`) · 3 diagnostics failed under ``--strict`` (the runner
stops and raises :class:`~bayes_iris.errors.ConvergenceError`) · anything else: the step failed;
the runner records it and carries on with the next steps (the report shows the failure).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__, atomic
from .artifacts import MANIFEST, sha256_file
from .errors import ConvergenceError, InputError, Problem
from .seeds import DEFAULT_SEED

LEDGER = "pipeline.json"
LOG_DIR = "logs"
DEFAULT_TRIAL_NAME = "iris7-synthetic"


# -- the steps and what each one declares -------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """One analysis step: its script stem (``analyses/<stem>.py``), title and declared outputs."""

    stem: str
    title: str
    tables: tuple[str, ...]
    figures: tuple[str, ...]

    @property
    def number(self) -> str:
        return self.stem.split("_", 1)[0]

    @property
    def outputs(self) -> tuple[str, ...]:
        """Declared outputs as paths relative to the results folder."""
        return tuple(f"tables/{t}.csv" for t in self.tables) + tuple(
            f"figures/{f}.png" for f in self.figures
        )


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "01_data",
        "Data: CONSORT counts, baseline table, observed lymphocyte counts",
        ("consort", "baseline", "labs_long", "parameters_synthetic"),
        ("observed_alc",),
    ),
    StepSpec(
        "02_trajectories",
        "Lymphocyte trajectories (ALC, CD4+, CD8+)",
        (
            "trajectory_effects",
            "prior_sensitivity",
            "loo_compare",
            "design_inputs_alc",
            "diagnostics_trajectories",
        ),
        (
            "trajectory_alc",
            "trajectory_cd4",
            "trajectory_cd8",
            "day29_ratio_forest",
            "effects_by_day",
            "ppc_alc",
            "prior_predictive_alc",
            "trace_alc",
        ),
    ),
    StepSpec(
        "03_adverse_events",
        "Adverse events (Berry & Berry hierarchy)",
        ("ae_summary", "ae_soc_summary", "ae_two_arm_builtin", "diagnostics_adverse_events"),
        ("ae_shrinkage", "ae_forest", "respiratory_distress_3of15"),
    ),
    StepSpec(
        "04_summary_reanalysis",
        "Reanalysis of published summary data",
        ("reanalysis_summary",),
        ("reanalysis_triplot_sepsis_mortality", "reanalysis_triplot_sepsis_secondary_infection"),
    ),
    StepSpec(
        "05_phase3_design",
        "Phase III design",
        ("design_sample_size", "design_recommendations", "design_oc", "design_boundaries"),
        ("design_assurance_curves", "design_oc_curves", "design_boundaries"),
    ),
)

STEP_BY_STEM = {s.stem: s for s in STEPS}


def step_of_artefact(relpath: str) -> StepSpec | None:
    """The step that declares ``relpath`` (e.g. ``"tables/consort.csv"``), if any.

    Examples
    --------
    >>> step_of_artefact("tables/ae_summary.csv").stem
    '03_adverse_events'
    """
    for spec in STEPS:
        if relpath in spec.outputs:
            return spec
    return None


def find_manifest_record(steps: dict[str, Any], stem: str) -> dict[str, Any] | None:
    """The manifest record of step ``stem`` (keyed by the stem, its name, or its number).

    Examples
    --------
    >>> find_manifest_record({"trajectories": {"status": "ok"}}, "02_trajectories")
    {'status': 'ok'}
    """
    if stem in steps:
        return steps[stem]
    number, _, name = stem.partition("_")
    if name and name in steps:
        return steps[name]
    for key, rec in steps.items():
        if key.split("_", 1)[0] == number:
            return rec
    return None


# -- locating the repository --------------------------------------------------------------------
def repo_root() -> Path:
    """The checkout that holds ``analyses/`` and ``report/``.

    ``BAYES_IRIS_ROOT`` wins; otherwise the folder above ``src/`` of this (editable) install, then
    the current folder and its parents.
    """
    candidates: list[Path] = []
    if os.environ.get("BAYES_IRIS_ROOT"):
        root = Path(os.environ["BAYES_IRIS_ROOT"])
        if not ((root / "analyses").is_dir() and (root / "report").is_dir()):
            raise InputError(
                Problem(
                    "BAYES_IRIS_ROOT does not point to a bayes-iris checkout (no analyses/ and "
                    "report/ folders)",
                    file=root,
                    column="BAYES_IRIS_ROOT",
                    hint="unset it, or point it at a clone of the repository",
                )
            )
        return root
    candidates.append(Path(__file__).resolve().parents[2])
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents]
    for c in candidates:
        if (c / "analyses").is_dir() and (c / "report").is_dir():
            return c
    raise InputError(
        Problem(
            "cannot find the bayes-iris checkout (a folder with analyses/ and report/)",
            hint="run from a clone of the repository, or set BAYES_IRIS_ROOT to it; the analysis "
            "scripts and the report sources are not part of the installed package",
        )
    )


def analyses_dir() -> Path:
    return repo_root() / "analyses"


def discover_steps(root: Path | None = None) -> list[Path]:
    """The numbered scripts ``analyses/NN_*.py``, in order."""
    folder = (root or repo_root()) / "analyses"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py") if p.is_file())


# -- hashing --------------------------------------------------------------------------------------
def _hash_update_tree(
    h: Any, folder: Path, patterns: Sequence[str], exclude: Sequence[str] = ()
) -> None:
    for pattern in patterns:
        for p in sorted(folder.rglob(pattern)):
            rel = p.relative_to(folder).as_posix()
            if any(rel.startswith(e) for e in exclude) or "__pycache__" in rel:
                continue
            h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")


def code_hash() -> str:
    """Hash of the library source that the analyses depend on (the report package excluded)."""
    h = hashlib.sha256(__version__.encode())
    _hash_update_tree(
        h,
        Path(__file__).resolve().parent,
        ["*.py", "*.yaml", "*.yml", "*.json"],
        exclude=("report/", "cli/", "pipeline.py"),
    )
    return h.hexdigest()


def data_hash(data: Path | None) -> str:
    """Hash of a trial folder's files (``None``: the bundled trial)."""
    h = hashlib.sha256()
    folder = data if data is not None else bundled_trial_dir()
    if folder is None:
        h.update(b"bundled:" + __version__.encode())
        return h.hexdigest()
    _hash_update_tree(h, Path(folder), ["*"])
    return h.hexdigest()


def bundled_trial_dir() -> Path | None:
    """The folder of the bundled synthetic trial."""
    from .data import bundled_path

    return bundled_path()


def load_trial_meta(data: Path | None) -> tuple[str, str, str]:
    """Validate the trial (raising :class:`InputError` on bad input) and return
    ``(name, provenance kind, provenance label)``."""
    try:
        from .data import load_bundled, load_trial
    except ImportError:  # the data layer is not installed yet: trust the scripts to validate
        if data is not None and not Path(data).is_dir():
            raise InputError(
                Problem(
                    "trial folder not found", file=data, hint="pass --data a folder with trial.yaml"
                )
            ) from None
        return (Path(data).name if data is not None else DEFAULT_TRIAL_NAME, "unknown", "")
    trial = load_bundled() if data is None else load_trial(Path(data))
    return trial.meta.name, trial.meta.provenance.kind, trial.provenance_label


# -- results ------------------------------------------------------------------------------------
@dataclass
class StepOutcome:
    """What happened to one step in this run."""

    stem: str
    status: str  # ok | warning | failed | strict-failed | input-error | missing | cached
    exit_code: int | None = None
    seconds: float = 0.0
    cached: bool = False
    key: str = ""
    log: str | None = None
    message: str = ""
    diagnostics_status: str | None = None  # the manifest's status of the step (ok|warning|failed)


@dataclass
class PipelineResult:
    """The outcome of :func:`run_pipeline`."""

    results_dir: Path
    trial: str
    provenance_kind: str
    provenance_label: str
    seed: int
    fast: bool
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[StepOutcome]:
        return [s for s in self.steps if s.status in {"failed", "missing", "strict-failed"}]

    @property
    def warnings(self) -> list[StepOutcome]:
        return [
            s
            for s in self.steps
            if s.status == "warning" or (s.cached and s.diagnostics_status == "warning")
        ]

    @property
    def ok(self) -> bool:
        return not self.failed


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def _outputs_intact(results: Path, record: dict[str, Any] | None) -> bool:
    if not record or not record.get("outputs"):
        return False
    for out in record["outputs"]:
        p = results / out["path"]
        if not p.is_file() or sha256_file(p) != out.get("sha256"):
            return False
    return True


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


def run_pipeline(
    data: Path | None = None,
    results: Path | None = None,
    seed: int = DEFAULT_SEED,
    fast: bool = False,
    strict: bool = False,
    steps: Sequence[str] | None = None,
    *,
    use_cache: bool = True,
    progress: bool = True,
    on_step: Callable[[StepOutcome], None] | None = None,
) -> PipelineResult:
    """Run the analysis steps in order, reusing cached steps whose inputs have not changed.

    Parameters
    ----------
    data : Path, optional
        Trial folder; ``None`` runs the bundled SYNTHETIC trial.
    results : Path, optional
        Results folder; default ``results/<trial name>`` under the current folder.
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
    progress : bool
        Show a rich progress display on stderr.

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
    >>> from bayes_iris.pipeline import run_pipeline
    >>> res = run_pipeline(fast=True, steps=["01"])  # doctest: +SKIP
    >>> res.ok  # doctest: +SKIP
    True
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    seeds_ok = isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0
    if not seeds_ok:
        raise InputError(
            Problem(f"seed must be a non-negative integer, got {seed!r}", column="seed")
        )
    root = repo_root()
    scripts = discover_steps(root)
    if data is not None:
        data = Path(data).resolve()
    trial_name, kind, label = load_trial_meta(data)  # validates: nothing is written before this
    results = Path(results) if results is not None else Path("results") / trial_name
    results = results.resolve()
    selected = _select(scripts, steps)
    expected = [s.stem for s in STEPS] if not steps else []
    missing = [stem for stem in expected if stem not in {p.stem for p in scripts}]

    res = PipelineResult(results, trial_name, kind, label, seed, fast)
    ledger_path = results / LEDGER
    old_ledger = _read_json(ledger_path)
    run_base = {
        "data": data_hash(data),
        "seed": seed,
        "fast": bool(fast),
        "code": code_hash(),
        "python": sys.version.split()[0],
    }
    ledger: dict[str, Any] = {
        "run": {
            **run_base,
            "data_dir": str(data) if data else "bundled",
            "strict": strict,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "trial": trial_name,
            "provenance": kind,
            "provenance_label": label,
        },
        "steps": dict(old_ledger.get("steps", {}))
        if old_ledger.get("run", {}).get("trial") in (None, trial_name)
        else {},
    }
    for stem in missing:
        ledger["steps"][stem] = {
            "status": "missing",
            "message": f"analyses/{stem}.py does not exist",
        }
        res.steps.append(StepOutcome(stem, "missing", message=f"analyses/{stem}.py does not exist"))

    def save_ledger() -> None:
        atomic.write_text(ledger_path, json.dumps(ledger, indent=2, sort_keys=True) + "\n")

    console = Console(stderr=True)
    upstream: list[tuple[str, str]] = []
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(root / "src"), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
        transient=True,
    ) as bar:
        for script in selected:
            stem = script.stem
            h = hashlib.sha256(json.dumps(run_base, sort_keys=True).encode())
            h.update(script.read_bytes())
            h.update(json.dumps(upstream).encode())
            key = h.hexdigest()
            manifest = _read_json(results / MANIFEST)
            record = find_manifest_record(manifest.get("steps", {}), stem)
            prev = old_ledger.get("steps", {}).get(stem, {})
            task = bar.add_task(f"{stem}", total=None)
            outcome: StepOutcome
            if (
                use_cache
                and prev.get("key") == key
                and prev.get("status") in {"ok", "warning", "cached"}
                and _outputs_intact(results, record)
            ):
                outcome = StepOutcome(
                    stem,
                    "cached",
                    exit_code=0,
                    cached=True,
                    key=key,
                    log=prev.get("log"),
                    diagnostics_status=(record or {}).get("status"),
                )
            else:
                cmd = [sys.executable, str(script), "--results", str(results), "--seed", str(seed)]
                if data is not None:
                    cmd += ["--data", str(data)]
                if fast:
                    cmd.append("--fast")
                if strict:
                    cmd.append("--strict")
                t0 = time.perf_counter()
                proc = subprocess.run(
                    cmd, cwd=root, env=env, capture_output=True, text=True, check=False
                )
                seconds = time.perf_counter() - t0
                log_rel = f"{LOG_DIR}/{stem}.log"
                atomic.write_text(
                    results / log_rel,
                    f"$ {' '.join(cmd)}\n--- stdout ---\n{proc.stdout}\n"
                    f"--- stderr ---\n{proc.stderr}\n--- exit {proc.returncode} ---\n",
                )
                manifest = _read_json(results / MANIFEST)
                record = find_manifest_record(manifest.get("steps", {}), stem)
                diag = (record or {}).get("status")
                code = proc.returncode
                if code == 0:
                    status = "warning" if diag in {"warning", "failed"} else "ok"
                elif code == 2:
                    status = "input-error"
                elif code == 3 and strict:
                    status = "strict-failed"
                else:
                    status = "failed"
                outcome = StepOutcome(
                    stem,
                    status,
                    exit_code=code,
                    seconds=round(seconds, 2),
                    key=key,
                    log=log_rel,
                    diagnostics_status=diag,
                    message=_tail(proc.stderr or proc.stdout) if code else "",
                )
            bar.update(task, description=f"{stem}: {outcome.status}", total=1, completed=1)
            res.steps.append(outcome)
            entry = {k: v for k, v in asdict(outcome).items() if k != "cached"}
            entry["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
            entry["cached"] = outcome.cached
            entry["record_finished"] = (record or {}).get("finished")
            if outcome.cached:
                entry["seconds"] = prev.get("seconds", 0.0)
            ledger["steps"][stem] = entry
            save_ledger()
            if on_step is not None:
                on_step(outcome)
            if outcome.status == "input-error":
                raise InputError(
                    Problem(
                        f"step {stem} rejected its input:\n{outcome.message}",
                        hint=f"full log: {results / (outcome.log or '')}",
                    )
                )
            if outcome.status == "strict-failed":
                raise ConvergenceError(f"step {stem}: diagnostics failed (see {results / LOG_DIR})")
            if (
                strict
                and outcome.status in {"ok", "warning", "cached"}
                and (outcome.diagnostics_status not in (None, "ok"))
            ):
                raise ConvergenceError(
                    f"step {stem}{' (cached)' if outcome.cached else ''}: recorded diagnostics "
                    f"status {outcome.diagnostics_status!r}"
                )
            if record is not None and outcome.status in {"ok", "warning", "cached"}:
                upstream += [(o["path"], o.get("sha256", "")) for o in record.get("outputs", [])]
    ledger["run"]["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    if results.exists() or selected or missing:
        save_ledger()
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
