"""Reading a trial folder: files to raw text frames and ``trial.yaml``, then :func:`load_trial`.

A trial folder holds ``trial.yaml`` and four tables, each as ``<table>.csv`` or ``<table>.parquet``:
``patients``, ``labs``, ``adverse_events``, ``outcomes`` (columns: :mod:`bayes_iris.data.schema`,
``docs/trial-data.md``). A synthetic trial also holds ``truth.json``. Other files are ignored.

Loading collects **all** problems before it gives up and raises one :class:`InputError`; each
:class:`Problem` names the file, the row (the 1-based line in the CSV as an editor shows it: the header
is line 1, the first record line 2; for Parquet the record number + 1, the same convention) and the
column, and says how to fix it. Nothing downstream sees data that failed validation.

Checks, in order:

1. here, on the files: present (one format per table), not too big (``max_bytes``) or empty; UTF-8
   text; comma-delimited; every record with as many fields as the header; no duplicate column name;
2. :mod:`~bayes_iris.data.meta`: ``trial.yaml`` parsed with ``yaml.safe_load``, checked against
   :class:`TrialMeta` and its rules;
3. :mod:`~bayes_iris.data.validate`: required columns present, unknown columns rejected (prefix ``x_``
   to keep your own); every value parsed to its column's type, no missing values where not allowed;
   value ranges, allowed values and unique keys (pandera);
4. :mod:`~bayes_iris.data.consistency`: the rules between tables (known patients, one outcomes row
   and a day-0 ALC per patient, declared arms and regimens, nothing after death or follow-up, ...).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, ProblemList
from .meta import parse_meta
from .schema import DOCS, TABLE_ORDER, TABLES, cast_table
from .text import is_missing, value_to_text
from .trial import TrialData, TrialMeta
from .validate import validate_frames

__all__ = ["MAX_FILE_BYTES", "load_trial"]

MAX_FILE_BYTES = 100 * 1024 * 1024  # 100 MiB per file: a 1000-patient trial is a few MB


def _find_file(folder: Path, table: str, problems: ProblemList) -> Path | None:
    csv_path, pq_path = folder / f"{table}.csv", folder / f"{table}.parquet"
    if csv_path.exists() and pq_path.exists():
        problems.add(
            f"both {table}.csv and {table}.parquet exist", file=str(folder), hint="keep one of them"
        )
        return None
    for path in (csv_path, pq_path):
        if path.exists():
            return path
    problems.add(
        f"missing table '{table}' ({table}.csv or {table}.parquet)",
        file=str(folder),
        hint=f"add it; an empty table needs its header line (see {DOCS})",
    )
    return None


def _check_size(path: Path, problems: ProblemList, max_bytes: int) -> bool:
    size = path.stat().st_size
    if size > max_bytes:
        problems.add(
            f"file is too large ({size / 2**20:.1f} MiB > {max_bytes / 2**20:.1f} MiB)",
            file=path.name,
            hint="is this the right file? raise the limit with max_bytes= if it is",
        )
        return False
    if size == 0:
        problems.add(
            "file is empty", file=path.name, hint="a table with no rows still needs its header line"
        )
        return False
    return True


def _decode(path: Path, data: bytes, problems: ProblemList) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.add(
            f"not UTF-8 text (byte 0x{data[err.start]:02x})",
            file=path.name,
            row=line,
            hint="save the file as UTF-8 (in Excel: 'CSV UTF-8')",
        )
        return None


def _read_csv_raw(path: Path, problems: ProblemList) -> pd.DataFrame | None:
    text = _decode(path, path.read_bytes(), problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(
            "file is empty", file=path.name, hint="a table with no rows still needs its header line"
        )
        return None
    if "\x00" in text:
        problems.add(
            "file contains NUL bytes: not a text CSV",
            file=path.name,
            row=text[: text.index("\x00")].count("\n") + 1,
            hint="export the table as CSV text (UTF-8), or as Parquet",
        )
        return None
    first = text.lstrip("\r\n").splitlines()[0]
    if "," not in first and any(d in first for d in (";", "\t", "|")):
        delim = next(d for d in (";", "\t", "|") if d in first)
        problems.add(
            f"the header is not comma-separated (found {delim!r})",
            file=path.name,
            row=1,
            hint="save as comma-separated CSV (decimal point '.', delimiter ',')",
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records, lines = [], []
    try:
        for rec in reader:
            if not rec or all(not f.strip() for f in rec):
                continue
            if header is None:
                header = [h.strip() for h in rec]
                continue
            if len(rec) != len(header):
                problems.add(
                    f"has {len(rec)} fields but the header has {len(header)}",
                    file=path.name,
                    row=reader.line_num,
                    hint="check for an unquoted comma or a missing value",
                )
                continue
            records.append(rec)
            lines.append(reader.line_num)
    except csv.Error as err:
        problems.add(
            f"cannot parse CSV: {err}", file=path.name, row=reader.line_num, hint="check quoting"
        )
        return None
    assert header is not None
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in dupes:
        problems.add(
            "duplicate column name", file=path.name, row=1, column=h, hint="each column once"
        )
    if dupes:
        return None
    return pd.DataFrame(records, columns=header, index=pd.Index(lines, dtype="int64"), dtype=str)


def _read_parquet_raw(path: Path, problems: ProblemList) -> pd.DataFrame | None:
    try:
        df = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises many types for a corrupt file
        problems.add(
            f"cannot read Parquet file: {type(err).__name__}: {err}",
            file=path.name,
            hint="write it with pandas.DataFrame.to_parquet or use CSV",
        )
        return None
    out = {}
    for col in df.columns:
        s = df[col]
        out[str(col).strip()] = ["" if is_missing(v) else value_to_text(v) for v in s.tolist()]
    return pd.DataFrame(out, index=pd.Index(np.arange(2, len(df) + 2), dtype="int64"), dtype=str)


def _read_raw(path: Path, problems: ProblemList, max_bytes: int) -> pd.DataFrame | None:
    if not _check_size(path, problems, max_bytes):
        return None
    if path.suffix == ".parquet":
        return _read_parquet_raw(path, problems)
    return _read_csv_raw(path, problems)


def _read_meta(folder: Path, problems: ProblemList, max_bytes: int) -> TrialMeta | None:
    path = folder / "trial.yaml"
    if not path.exists():
        problems.add(
            "missing trial.yaml",
            file=str(folder),
            hint=f"add trial.yaml with name, provenance, arms, visit_schedule ({DOCS})",
        )
        return None
    if not _check_size(path, problems, max_bytes):
        return None
    text = _decode(path, path.read_bytes(), problems)
    if text is None:
        return None
    return parse_meta(text, problems)


def load_trial(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> TrialData:
    """Read and validate a trial folder; raise :class:`InputError` listing every problem.

    Parameters
    ----------
    path : str or Path
        Folder with ``trial.yaml`` and the four tables (CSV or Parquet).
    max_bytes : int
        Largest file accepted (default 100 MiB).

    Returns
    -------
    TrialData

    Examples
    --------
    >>> from bayes_iris.data import bundled_path
    >>> trial = load_trial(bundled_path())
    >>> trial.is_synthetic, trial.n_patients
    (True, 27)
    """
    folder = Path(path)
    problems = ProblemList()
    if not folder.exists():
        raise InputError(
            Problem(
                "trial folder does not exist",
                file=str(folder),
                hint="give the folder holding trial.yaml and the tables",
            )
        )
    if not folder.is_dir():
        raise InputError(
            Problem(
                "not a folder",
                file=str(folder),
                hint="give the folder holding trial.yaml and the tables",
            )
        )
    meta = _read_meta(folder, problems, max_bytes)
    raw: dict[str, pd.DataFrame | None] = {}
    files: dict[str, str] = {}
    for table in TABLE_ORDER:
        f = _find_file(folder, table, problems)
        files[table] = f.name if f is not None else f"{table}.csv"
        raw[table] = _read_raw(f, problems, max_bytes) if f is not None else None
    parsed = validate_frames(meta, raw, files, problems)
    problems.raise_if_any()
    assert meta is not None
    return TrialData(
        meta=meta,
        source=folder.resolve(),
        **{t: cast_table(parsed[t], TABLES[t]) for t in TABLE_ORDER},
    )
