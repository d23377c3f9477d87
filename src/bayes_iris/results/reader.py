"""Read a results folder: manifest, runner ledger, tables, figures, and their state.

The report never computes: it reads what the analysis steps wrote and says, for each step and
each artefact, whether it is there, whether it is intact (sha256 as recorded in ``manifest.json``)
and whether it belongs to the latest run of the pipeline (``pipeline.json``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..fingerprints import sha256_file
from .tables import LEDGER, MANIFEST, STEP_BY_STEM, find_manifest_record

RESULTS_ENV = "BAYES_IRIS_RESULTS"


@dataclass
class StepState:
    """The state of one step as the report sees it.

    ``state`` is one of "ok", "warning" (diagnostics flagged something), "failed", "stale"
    (artefacts exist but come from an earlier run or were modified since), "not-run" or "missing"
    (the script does not exist).
    """

    stem: str
    state: str
    messages: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None
    ledger: dict[str, Any] | None = None

    @property
    def has_artefacts(self) -> bool:
        return bool(self.record and self.record.get("outputs"))


@dataclass
class ArtefactState:
    """``state``: "ok", "missing", "modified" (sha256 differs from the manifest) or "unrecorded"."""

    relpath: str
    path: Path
    state: str
    stem: str | None = None


class ResultsReader:
    """Read-only view of one results folder.

    Examples
    --------
    >>> import tempfile
    >>> r = ResultsReader(tempfile.mkdtemp())
    >>> r.step_state("02_trajectories").state
    'not-run'
    >>> r.read_table("consort") is None
    True
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @classmethod
    def from_env(cls, default: str | Path | None = None) -> ResultsReader:
        """The folder named by ``$BAYES_IRIS_RESULTS`` (else ``default``, else the current folder)."""
        return cls(os.environ.get(RESULTS_ENV) or default or Path.cwd())

    @staticmethod
    def _json(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return self._json(self.root / MANIFEST)

    @cached_property
    def ledger(self) -> dict[str, Any]:
        return self._json(self.root / LEDGER)

    # -- provenance --------------------------------------------------------------------------
    @property
    def provenance_kind(self) -> str:
        prov = self.manifest.get("provenance")
        if isinstance(prov, dict) and prov.get("kind") in {"synthetic", "real"}:
            return str(prov["kind"])
        kind = self.ledger.get("run", {}).get("provenance")
        return kind if kind in {"synthetic", "real"} else "unknown"

    @property
    def provenance_label(self) -> str:
        label = self.manifest.get("provenance_label") or self.ledger.get("run", {}).get(
            "provenance_label"
        )
        if label:
            return str(label)
        return "no analysis step has recorded the trial's provenance in this results folder"

    @property
    def trial_name(self) -> str:
        return str(self.manifest.get("trial") or self.ledger.get("run", {}).get("trial") or "?")

    # -- steps -------------------------------------------------------------------------------
    def step_record(self, stem: str) -> dict[str, Any] | None:
        steps = self.manifest.get("steps")
        return find_manifest_record(steps, stem) if isinstance(steps, dict) else None

    def step_ledger(self, stem: str) -> dict[str, Any] | None:
        steps = self.ledger.get("steps")
        return steps.get(stem) if isinstance(steps, dict) else None

    def step_state(self, stem: str) -> StepState:
        """Combine the runner's ledger and the step's manifest record into one state."""
        rec, led = self.step_record(stem), self.step_ledger(stem)
        msgs: list[str] = []
        if led is not None and led.get("status") in {
            "failed",
            "missing",
            "input-error",
            "strict-failed",
        }:
            status = led["status"]
            what = {
                "missing": f"analyses/{stem}.py does not exist",
                "input-error": "it rejected its input (exit 2)",
                "strict-failed": "its diagnostics failed under --strict (exit 3)",
            }.get(status, f"it exited with code {led.get('exit_code')}")
            if status == "missing":
                msgs.append(f"The latest run could not run step {stem}: {what}.")
            else:
                msgs.append(f"In the latest run, step {stem} failed: {what}.")
            if led.get("message") and status != "missing":
                msgs.append(str(led["message"]))
            if rec is not None and rec.get("outputs"):
                msgs.append("The artefacts shown below come from an EARLIER run and may be stale.")
                return StepState(stem, "stale", msgs, rec, led)
            return StepState(stem, "missing" if status == "missing" else "failed", msgs, rec, led)
        if rec is None:
            msgs.append(f"Step {stem} has not run: no record in manifest.json.")
            return StepState(stem, "not-run", msgs, rec, led)
        run_seed = self.ledger.get("run", {}).get("seed")
        if run_seed is not None and rec.get("seed") is not None and rec["seed"] != run_seed:
            msgs.append(
                f"Stale: step {stem} ran with seed {rec['seed']}, the latest pipeline run "
                f"used seed {run_seed}."
            )
        bad = [a for a in self.step_artefacts(stem) if a.state in {"missing", "modified"}]
        for a in bad:
            msgs.append(f"Stale: {a.relpath} is {a.state} since step {stem} recorded it.")
        if msgs:
            return StepState(stem, "stale", msgs, rec, led)
        status = rec.get("status", "ok")
        if status == "failed":
            return StepState(
                stem,
                "failed",
                [f"Step {stem} recorded status 'failed'.", *self._diag_messages(rec)],
                rec,
                led,
            )
        if status == "warning":
            return StepState(
                stem,
                "warning",
                [f"Step {stem}: diagnostics flagged a problem.", *self._diag_messages(rec)],
                rec,
                led,
            )
        return StepState(stem, "ok", [], rec, led)

    @staticmethod
    def _diag_messages(rec: dict[str, Any]) -> list[str]:
        diag = rec.get("diagnostics")
        out: list[str] = []
        if isinstance(diag, dict):
            for k, v in diag.items():
                if isinstance(v, dict):
                    flag = v.get("status")
                    if flag not in (None, "ok"):
                        msgs = v.get("messages") or ""
                        if isinstance(msgs, list):
                            msgs = "; ".join(str(m) for m in msgs)
                        out.append(f"{k}: {flag} {msgs}".strip())
                elif k in {"messages", "message"} and v:
                    out.append(str(v))
        return out

    def step_artefacts(self, stem: str) -> list[ArtefactState]:
        rec = self.step_record(stem)
        if not rec:
            return []
        out = []
        for o in rec.get("outputs", []) or []:
            rel = str(o.get("path", ""))
            out.append(self._artefact_state(rel, o.get("sha256"), stem))
        return out

    def _artefact_state(self, relpath: str, sha: str | None, stem: str | None) -> ArtefactState:
        path = self.root / relpath
        if not path.is_file():
            return ArtefactState(relpath, path, "missing", stem)
        if sha is None:
            return ArtefactState(relpath, path, "unrecorded", stem)
        return ArtefactState(relpath, path, "ok" if sha256_file(path) == sha else "modified", stem)

    def artefact(self, relpath: str) -> ArtefactState:
        """State of ``relpath`` (e.g. ``"tables/consort.csv"``) against every manifest record."""
        steps = self.manifest.get("steps")
        if isinstance(steps, dict):
            for stem, rec in steps.items():
                for o in (rec or {}).get("outputs", []) or []:
                    if o.get("path") == relpath:
                        return self._artefact_state(relpath, o.get("sha256"), stem)
        return self._artefact_state(relpath, None, None)

    # -- artefacts ---------------------------------------------------------------------------
    def table_path(self, name: str) -> Path:
        return self.root / "tables" / f"{name}.csv"

    def figure_path(self, name: str) -> Path:
        return self.root / "figures" / f"{name}.png"

    def read_table(self, name: str) -> pd.DataFrame | None:
        """``tables/<name>.csv`` as a DataFrame (strings kept as strings), or ``None``."""
        path = self.table_path(name)
        if not path.is_file():
            return None
        try:
            return pd.read_csv(path, keep_default_na=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError):
            return None

    def diagnostics_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """Every ``tables/diagnostics*.csv`` with its name, in name order."""
        folder = self.root / "tables"
        out = []
        for p in sorted(folder.glob("diagnostics*.csv")) if folder.is_dir() else []:
            df = self.read_table(p.stem)
            if df is not None:
                out.append((p.stem, df))
        return out

    def expected_steps(self) -> list[str]:
        """The declared steps plus any other step the manifest or ledger mentions."""
        seen = list(STEP_BY_STEM)
        for source in (self.ledger.get("steps"), self.manifest.get("steps")):
            if isinstance(source, dict):
                for k in source:
                    if not any(find_manifest_record({k: {}}, s) is not None for s in seen):
                        seen.append(k)
        return seen
