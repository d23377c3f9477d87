"""The runner's ledger (``<results>/pipeline.json``) and the keys that decide whether a step is
reused.

A step is reused when its run key — hash of the trial's content, the seed, ``--fast``, the code
(the library minus the report, the command line and this package), the step's script, and the
outputs of the steps before it — equals the key recorded the last time it succeeded, and every
output it recorded in ``manifest.json`` still exists with the recorded sha256. The report reads
the ledger to say which step failed, was not run, or left stale artefacts behind.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import atomic
from .._version import __version__
from ..fingerprints import sha256_file
from ..results.tables import LEDGER

__all__ = [
    "Ledger",
    "PipelineResult",
    "StepOutcome",
    "code_hash",
    "data_hash",
    "outputs_intact",
    "read_json",
    "step_key",
]

#: Outcomes after which a step's outputs may be reused.
REUSABLE = {"ok", "warning", "cached"}


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
    """The outcome of :func:`bayes_iris.pipeline.run_pipeline`."""

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
    """Hash of the library source that the analyses depend on (the report package, the command
    line and the runner excluded: changing them never changes a step's numbers)."""
    h = hashlib.sha256(__version__.encode())
    _hash_update_tree(
        h,
        Path(__file__).resolve().parents[1],
        ["*.py", "*.yaml", "*.yml", "*.json"],
        exclude=("report/", "cli/", "pipeline/"),
    )
    return h.hexdigest()


def data_hash(data: Path | None) -> str:
    """Hash of a trial folder's files (``None``: the bundled trial)."""
    from ..data import bundled_path

    h = hashlib.sha256()
    _hash_update_tree(h, Path(data) if data is not None else bundled_path(), ["*"])
    return h.hexdigest()


def step_key(run_base: dict[str, Any], script: Path, upstream: list[tuple[str, str]]) -> str:
    """The run key of one step: the run's inputs, the script, and the upstream outputs."""
    h = hashlib.sha256(json.dumps(run_base, sort_keys=True).encode())
    h.update(script.read_bytes())
    h.update(json.dumps(upstream).encode())
    return h.hexdigest()


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; ``{}`` when missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def outputs_intact(results: Path, record: dict[str, Any] | None) -> bool:
    """Whether every output of a manifest record exists with its recorded sha256."""
    if not record or not record.get("outputs"):
        return False
    for out in record["outputs"]:
        p = results / out["path"]
        if not p.is_file() or sha256_file(p) != out.get("sha256"):
            return False
    return True


# -- the ledger -----------------------------------------------------------------------------------
class Ledger:
    """``pipeline.json`` of one results folder: the run's inputs and one entry per step.

    Entries of earlier runs of the same trial are kept (the report shows them as stale); a folder
    that held another trial starts empty.
    """

    def __init__(self, results: Path, run: dict[str, Any]) -> None:
        self.path = Path(results) / LEDGER
        self.previous = read_json(self.path)
        same_trial = self.previous.get("run", {}).get("trial") in (None, run.get("trial"))
        self.data: dict[str, Any] = {
            "run": dict(run),
            "steps": dict(self.previous.get("steps", {})) if same_trial else {},
        }

    def previous_step(self, stem: str) -> dict[str, Any]:
        """The entry of ``stem`` from before this run (``{}`` if none)."""
        return self.previous.get("steps", {}).get(stem, {})

    def reusable(self, stem: str, key: str) -> bool:
        """Whether the previous run of ``stem`` had this key and succeeded."""
        prev = self.previous_step(stem)
        return prev.get("key") == key and prev.get("status") in REUSABLE

    def missing(self, stem: str, message: str) -> None:
        self.data["steps"][stem] = {"status": "missing", "message": message}

    def record(self, outcome: StepOutcome, record: dict[str, Any] | None) -> None:
        """Enter a step's outcome (and the manifest record it refers to) and save."""
        entry = {k: v for k, v in asdict(outcome).items() if k != "cached"}
        entry["finished"] = _now()
        entry["cached"] = outcome.cached
        entry["record_finished"] = (record or {}).get("finished")
        if outcome.cached:
            entry["seconds"] = self.previous_step(outcome.stem).get("seconds", 0.0)
        self.data["steps"][outcome.stem] = entry
        self.save()

    def finish(self) -> None:
        self.data["run"]["finished"] = _now()

    def save(self) -> None:
        atomic.write_text(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_base(data: Path | None, seed: int, fast: bool) -> dict[str, Any]:
    """What every step's key depends on: data, seed, ``--fast``, code, Python version."""
    return {
        "data": data_hash(data),
        "seed": seed,
        "fast": bool(fast),
        "code": code_hash(),
        "python": sys.version.split()[0],
    }
