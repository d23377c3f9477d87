"""The folder of a trajectory OC run: its settings, and one file per finished trial.

Layout of ``<folder>``::

    oc.json                      the settings of the run (seed, scenarios, rule, sizes, sampler)
    trials/s<k>-t<i>.json        one finished trial: scenario number k, trial number i

Every file is written atomically (:mod:`bayes_iris.atomic`) the moment its trial finishes, so a
run killed at any point leaves complete files only, and a rerun with the same settings skips the
finished trials. File names are made of numbers only: scenario names are data (they stay inside
the JSON and never become paths). The settings key leaves out the number of trials, so a run can
be extended from 100 to 200 trials without recomputing the first 100; any other change (seed,
scenarios, rule, sizes, sampler) is refused with the file named.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .. import atomic
from ..errors import InputError, Problem

__all__ = ["TRIAL_FILE", "OCStore", "roundtrip"]

SETTINGS_FILE = "oc.json"
TRIAL_FILE = re.compile(r"s(?P<s>\d{1,4})-t(?P<t>\d{1,7})\.json")


def _clean(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats as ``None`` (strict JSON; read back as NaN)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def roundtrip(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` as it reads back from its file (so fresh and resumed runs hold equal objects).

    Examples
    --------
    >>> roundtrip({"a": 0.1, "b": float("nan")})
    {'a': 0.1, 'b': None}
    """
    return json.loads(json.dumps(_clean(record), sort_keys=True, allow_nan=False))


class OCStore:
    """Settings file and per-trial files of one OC run in ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> s = OCStore(d, {"seed": 1}, key="k1")
    >>> _ = s.write(0, 3, {"success": True})
    >>> OCStore(d, {"seed": 1}, key="k1").load()
    {(0, 3): {'success': True}}
    """

    def __init__(self, folder: str | Path, settings: dict[str, Any], *, key: str) -> None:
        self.folder = Path(folder)
        self.key = key
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(Problem("is not a folder", file=str(self.folder), column="--results"))
        path = self.folder / SETTINGS_FILE
        if path.is_file():
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
                stored_key = stored.get("key") if isinstance(stored, dict) else None
            except (OSError, ValueError):
                stored_key = None
            if stored_key != key:
                raise InputError(Problem(
                    "this folder holds a trajectory OC run with other settings (seed, scenarios, "
                    "rule, trial sizes or sampler)", file=str(path),
                    hint="use another --results folder, or the settings of that run "
                         "(the number of trials may change)"))
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic.write_text(path, json.dumps(_clean({"key": key, "settings": settings}),
                                               indent=2, sort_keys=True) + "\n")
        (self.folder / "trials").mkdir(exist_ok=True)

    def trial_path(self, scenario: int, trial: int) -> Path:
        """``trials/s<scenario>-t<trial>.json`` (numbers only)."""
        return self.folder / "trials" / f"s{int(scenario)}-t{int(trial)}.json"

    def write(self, scenario: int, trial: int, record: dict[str, Any]) -> dict[str, Any]:
        """Write one finished trial atomically; returns the record as it reads back."""
        clean = roundtrip(record)
        atomic.write_text(self.trial_path(scenario, trial),
                          json.dumps({"key": self.key, "record": clean}, sort_keys=True) + "\n")
        return clean

    def load(self) -> dict[tuple[int, int], dict[str, Any]]:
        """The finished trials ``{(scenario, trial): record}``; unreadable or foreign files are
        skipped (recomputed), leftover temporary files removed."""
        trials = self.folder / "trials"
        atomic.clean_stale(trials)
        out: dict[tuple[int, int], dict[str, Any]] = {}
        for path in sorted(trials.iterdir()):
            m = TRIAL_FILE.fullmatch(path.name)
            if m is None or not path.is_file():
                continue
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict) and doc.get("key") == self.key and isinstance(
                    doc.get("record"), dict):
                out[(int(m["s"]), int(m["t"]))] = doc["record"]
        return out
