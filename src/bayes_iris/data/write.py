"""Writing a trial folder: validated first, written atomically, byte-for-byte reproducible.

:func:`write_trial` validates the trial with the same checks as loading
(:func:`~bayes_iris.data.validate.validate_data`) and writes ``trial.yaml``, the four tables and,
for a synthetic trial, ``truth.json`` into a temporary folder that replaces ``dest`` in one step
(:func:`bayes_iris.atomic.atomic_dir`): a reader sees no folder or a complete one. The CSV text is
deterministic (:func:`csv_text`), so the same trial always gives the same bytes — the bundled trial's
``SHA256SUMS`` rely on it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import atomic
from ..errors import InputError, Problem
from .meta import meta_yaml
from .schema import TABLE_ORDER
from .text import frame_to_text
from .trial import TrialData
from .validate import validate_data

if TYPE_CHECKING:  # for annotations only: the synthetic generator sits above this module
    from .synthetic import SyntheticTrial, Truth

__all__ = ["csv_text", "write_trial"]


def csv_text(df: pd.DataFrame) -> str:
    """Deterministic CSV text: shortest round-trip float repr, empty for missing, true/false.

    Examples
    --------
    >>> print(csv_text(pd.DataFrame({"alc": [0.1, None], "alc_bdl": [False, True]})), end="")
    alc,alc_bdl
    0.1,false
    ,true
    """
    buf = io.StringIO()
    frame_to_text(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_trial(
    trial: TrialData | SyntheticTrial,
    dest: str | Path,
    truth: Truth | None = None,
    *,
    overwrite: bool = False,
    fmt: str = "csv",
) -> Path:
    """Validate ``trial`` and write it as a trial folder, atomically.

    Parameters
    ----------
    trial : TrialData or SyntheticTrial
        The trial (a :class:`~bayes_iris.data.synthetic.SyntheticTrial` brings its truth along).
    dest : str or Path
        Folder to create. An existing non-empty folder is refused unless ``overwrite``.
    truth : Truth, optional
        Written to ``truth.json``.
    overwrite : bool
        Replace an existing non-empty folder.
    fmt : {"csv", "parquet"}
        Table format.

    Returns
    -------
    Path
        ``dest``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bayes_iris.data import simulate_trial
    >>> out = write_trial(simulate_trial(5), pathlib.Path(tempfile.mkdtemp()) / "t5")
    >>> sorted(p.name for p in out.iterdir())[:3]
    ['adverse_events.csv', 'labs.csv', 'outcomes.csv']
    """
    if hasattr(trial, "data") and hasattr(trial, "truth"):
        truth = truth if truth is not None else trial.truth
        trial = trial.data
    if not isinstance(trial, TrialData):
        raise InputError(f"expected TrialData or SyntheticTrial, got {type(trial).__name__}")
    if fmt not in ("csv", "parquet"):
        raise InputError(f"unknown format {fmt!r}", column="fmt", hint="csv or parquet")
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())) and not overwrite:
        raise InputError(
            Problem(
                "destination exists and is not empty",
                file=str(dest),
                hint="choose a new folder, or overwrite (--force)",
            )
        )
    trial = validate_data(trial)
    with atomic.atomic_dir(dest) as tmp:
        (tmp / "trial.yaml").write_text(meta_yaml(trial.meta), encoding="utf-8")
        for t in TABLE_ORDER:
            df = getattr(trial, t)
            if fmt == "csv":
                (tmp / f"{t}.csv").write_text(csv_text(df), encoding="utf-8")
            else:
                df.to_parquet(tmp / f"{t}.parquet", index=False)
        if truth is not None:
            (tmp / "truth.json").write_text(truth.to_json(), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; a trial folder is ordinary data
    return dest
