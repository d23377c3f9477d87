"""Reading, validating and writing trial folders.

A trial folder holds ``trial.yaml`` and four tables, each as ``<table>.csv`` or ``<table>.parquet``:
``patients``, ``labs``, ``adverse_events``, ``outcomes`` (columns: :mod:`bayes_iris.data.schema`,
``docs/trial-data.md``). A synthetic trial also holds ``truth.json``. Other files are ignored.

Validation collects **all** problems before it gives up and raises one :class:`InputError`; each
:class:`Problem` names the file, the row (the 1-based line in the CSV as an editor shows it: the header
is line 1, the first record line 2; for Parquet the record number + 1, the same convention) and the
column, and says how to fix it. Nothing downstream sees data that failed validation.

Checks, in order: files present (one format per table) and not too big (``max_bytes``) or empty;
UTF-8 text; comma-delimited; every record with as many fields as the header; ``trial.yaml`` parsed with
``yaml.safe_load`` and checked against :class:`TrialMeta`; required columns present, unknown columns
rejected (prefix ``x_`` to keep your own); every value parsed to its column's type (integers, finite
numbers, true/false), no missing values where not allowed; value ranges and allowed values (pandera);
duplicate patients and duplicate patient-day lab rows; then cross-table checks: unknown patients in
labs, adverse events and outcomes; every patient with one outcome row and a day-0 ALC; arms and regimens
declared in ``trial.yaml``; no lab draw, event or onset after death, after last follow-up or outside
follow-up; consistent outcome days; grade-5 events only for patients who died.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml
from pydantic import ValidationError

from .. import atomic
from ..errors import InputError, Problem
from .schema import EXTRA_PREFIX, TABLES, ColumnSpec, TableSpec
from .trial import LAB_MARKERS, TrialData, TrialMeta

MAX_FILE_BYTES = 100 * 1024 * 1024  # 100 MiB per file: a 1000-patient trial is a few MB
MAX_PROBLEMS = 200
BUNDLED = ("iris7-synthetic",)
DOCS = "docs/trial-data.md"
MISSING_TOKENS = frozenset({"", "NA", "N/A", "NaN", "nan", "<NA>", "None", "null", "NULL"})
TRUE_TOKENS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TOKENS = frozenset({"false", "f", "no", "n", "0"})
TABLE_ORDER = ("patients", "labs", "adverse_events", "outcomes")


class _Problems:
    """Collects problems; keeps the first :data:`MAX_PROBLEMS` and counts the rest."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.dropped = 0

    def add(
        self,
        message: str,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(message, file=file, row=row, column=column, hint=hint))
        else:
            self.dropped += 1

    def __len__(self) -> int:
        return len(self.items) + self.dropped

    def raise_if_any(self) -> None:
        if not self:
            return
        items = list(self.items)
        if self.dropped:
            items.append(
                Problem(
                    f"... and {self.dropped} more problems not shown",
                    hint="fix the ones above and validate again",
                )
            )
        raise InputError(items)


# ------------------------------------------------------------------------------------------
# Raw reading
# ------------------------------------------------------------------------------------------


def _find_file(folder: Path, table: str, problems: _Problems) -> Path | None:
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


def _check_size(path: Path, problems: _Problems, max_bytes: int) -> bool:
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


def _decode(path: Path, data: bytes, problems: _Problems) -> str | None:
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


def _read_csv_raw(path: Path, problems: _Problems) -> pd.DataFrame | None:
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


def _read_parquet_raw(path: Path, problems: _Problems) -> pd.DataFrame | None:
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
        out[str(col).strip()] = ["" if _is_missing_obj(v) else _obj_to_text(v) for v in s.tolist()]
    return pd.DataFrame(out, index=pd.Index(np.arange(2, len(df) + 2), dtype="int64"), dtype=str)


def _is_missing_obj(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _obj_to_text(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return str(v)


def _read_raw(path: Path, problems: _Problems, max_bytes: int) -> pd.DataFrame | None:
    if not _check_size(path, problems, max_bytes):
        return None
    if path.suffix == ".parquet":
        return _read_parquet_raw(path, problems)
    return _read_csv_raw(path, problems)


# ------------------------------------------------------------------------------------------
# Parsing to types
# ------------------------------------------------------------------------------------------


def _missing_mask(s: pd.Series) -> pd.Series:
    return s.str.strip().isin(MISSING_TOKENS)


def _parse_column(raw: pd.Series, spec: ColumnSpec, fname: str, problems: _Problems) -> pd.Series:
    """Parse one text column to ``spec.kind`` (nullable dtypes); record every unparsable value."""
    text = raw.astype(str).str.strip()
    missing = text.isin(MISSING_TOKENS)
    hint_type = {
        "int": "a whole number",
        "float": "a number (decimal point '.')",
        "bool": "true or false",
        "str": "text",
    }[spec.kind]
    if not spec.nullable:
        for line in raw.index[missing]:
            problems.add(
                "missing value",
                file=fname,
                row=int(line),
                column=spec.name,
                hint=f"this column needs {hint_type} on every row",
            )
    if spec.kind == "str":
        return text.where(~missing, other=None).astype("str")
    if spec.kind == "bool":
        low = text.str.lower()
        ok = low.isin(TRUE_TOKENS | FALSE_TOKENS)
        for line, val in text[~ok & ~missing].items():
            problems.add(
                f"{val!r} is not true/false",
                file=fname,
                row=int(line),
                column=spec.name,
                hint="use true or false",
            )
        values = [
            pd.NA if (m or not o) else (v in TRUE_TOKENS)
            for v, m, o in zip(low, missing, ok, strict=True)
        ]
        return pd.Series(values, index=raw.index, dtype="boolean")
    num = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = ~missing & num.isna()
    for line, val in text[bad].items():
        problems.add(
            f"{val!r} is not {hint_type}",
            file=fname,
            row=int(line),
            column=spec.name,
            hint=f"this column holds {hint_type}",
        )
    num = num.astype("float64")
    inf = np.isinf(num.to_numpy())
    for line, val in text[inf].items():
        problems.add(
            f"{val!r} is not a finite number",
            file=fname,
            row=int(line),
            column=spec.name,
            hint="use a finite value, or leave empty if missing",
        )
    num[inf] = np.nan
    if spec.kind == "float":
        return num
    frac = num.notna() & (num != np.round(num))
    for line, val in text[frac].items():
        problems.add(
            f"{val!r} is not a whole number",
            file=fname,
            row=int(line),
            column=spec.name,
            hint="this column holds whole numbers",
        )
    too_big = num.notna() & (num.abs() > 2**53)
    for line, val in text[too_big].items():
        problems.add(
            f"{val!r} is out of range",
            file=fname,
            row=int(line),
            column=spec.name,
            hint=f"{spec.name}: {spec.description}",
        )
    num[frac | too_big] = np.nan
    return num.round().astype("Int64")


def _parse_table(
    raw: pd.DataFrame, spec: TableSpec, fname: str, problems: _Problems
) -> pd.DataFrame:
    known = set(spec.column_names)
    for col in spec.required:
        if col not in raw.columns:
            problems.add(
                "missing required column",
                file=fname,
                row=1,
                column=col,
                hint=f"add the column (see {DOCS}: {spec.name})",
            )
    for col in raw.columns:
        if col in known or col.startswith(EXTRA_PREFIX):
            continue
        if not col:
            problems.add(
                "empty column name",
                file=fname,
                row=1,
                hint="name the column, or remove it (a trailing comma in the header?)",
            )
            continue
        close = difflib.get_close_matches(col, spec.column_names, n=1, cutoff=0.5)
        guess = f"did you mean '{close[0]}'? " if close else ""
        problems.add(
            "unknown column",
            file=fname,
            row=1,
            column=col,
            hint=f"{guess}rename it '{EXTRA_PREFIX}{col}' to keep it as an extra "
            "column, or remove it",
        )
    out = {}
    for c in spec.columns:
        if c.name in raw.columns:
            out[c.name] = _parse_column(raw[c.name], c, fname, problems)
        elif c.kind == "bool" and not c.nullable:
            out[c.name] = pd.Series(False, index=raw.index, dtype="boolean")
        elif c.kind == "str":
            out[c.name] = pd.Series(None, index=raw.index, dtype="str")
        elif c.kind == "int":
            out[c.name] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        else:
            out[c.name] = pd.Series(np.nan, index=raw.index, dtype="float64")
    for col in raw.columns:
        if col.startswith(EXTRA_PREFIX):
            out[col] = raw[col].astype("str")
    return pd.DataFrame(out, index=raw.index)


# ------------------------------------------------------------------------------------------
# Value checks (pandera) and cross-table checks
# ------------------------------------------------------------------------------------------


def _value_schema(spec: TableSpec) -> pa.DataFrameSchema:
    cols = {}
    for c in spec.columns:
        checks = []
        if c.ge is not None:
            checks.append(pa.Check.ge(c.ge, error=f"must be ≥ {c.ge:g}"))
        if c.le is not None:
            checks.append(pa.Check.le(c.le, error=f"must be ≤ {c.le:g}"))
        if c.gt is not None:
            checks.append(pa.Check.gt(c.gt, error=f"must be > {c.gt:g}"))
        if c.isin is not None:
            checks.append(pa.Check.isin(list(c.isin), error=f"must be one of {', '.join(c.isin)}"))
        if c.kind == "str":
            checks.append(pa.Check(lambda s: s.str.len() > 0, error="must not be empty"))
        cols[c.name] = pa.Column(None, checks=checks, nullable=True, required=True)
    return pa.DataFrameSchema(
        cols,
        unique=list(spec.unique) if spec.unique else None,
        report_duplicates="exclude_first",
        name=spec.name,
    )


def _value_checks(df: pd.DataFrame, spec: TableSpec, fname: str, problems: _Problems) -> None:
    try:
        _value_schema(spec).validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        seen_dupes: set[int] = set()
        for rec in fc.to_dict(orient="records"):
            line = rec.get("index")
            line = None if line is None or _is_missing_obj(line) else int(line)
            check = str(rec.get("check"))
            if "uniqueness" in check or "duplicates" in check:
                if line is None or line in seen_dupes:
                    continue
                seen_dupes.add(line)
                keys = ", ".join(spec.unique or ())
                values = ", ".join(str(df.at[line, k]) for k in spec.unique or ())
                problems.add(
                    f"duplicate row for ({keys}) = ({values})",
                    file=fname,
                    row=line,
                    column=keys,
                    hint="each key once: remove or merge the duplicates",
                )
                continue
            column = rec.get("column")
            value = rec.get("failure_case")
            problems.add(
                f"value {value!r} {check}",
                file=fname,
                row=line,
                column=None if column is None else str(column),
                hint=_hint_for(spec, column),
            )


def _hint_for(spec: TableSpec, column: Any) -> str:
    try:
        c = spec.column(str(column))
    except KeyError:
        return f"see {DOCS}"
    unit = f" ({c.unit})" if c.unit else ""
    return f"{c.name}: {c.description}{unit}"


def _check_meta_extra(meta: TrialMeta, problems: _Problems, fname: str = "trial.yaml") -> None:
    sched = meta.visit_schedule
    if list(sched) != sorted(set(sched)) or min(sched) < 0:
        problems.add(
            "visit_schedule must be increasing, without repeats, days >= 0",
            file=fname,
            column="visit_schedule",
            hint="e.g. [0, 3, 7, 14, 21, 29, 42, 60, 90]",
        )
    if 0 not in sched:
        problems.add(
            "visit_schedule must include day 0 (baseline)",
            file=fname,
            column="visit_schedule",
            hint="add 0",
        )
    if max(sched) > meta.follow_up_days:
        problems.add(
            "visit_schedule goes beyond follow_up_days",
            file=fname,
            column="visit_schedule",
            hint="raise follow_up_days or drop the late visits",
        )
    if meta.dosing_end_day > meta.follow_up_days:
        problems.add(
            "dosing_end_day is after follow_up_days",
            file=fname,
            column="dosing_end_day",
            hint="dosing ends within follow-up (IRIS-7: day 28 of 90)",
        )
    names = [a.name for a in meta.arms]
    if sorted(names) != ["cyt107", "placebo"]:
        problems.add(
            f"arms must be exactly placebo and cyt107, got {names}",
            file=fname,
            column="arms",
            hint="declare each arm once",
        )
    regimens = [r for a in meta.arms for r in a.regimens]
    if len(set(regimens)) != len(regimens):
        problems.add(
            "a regimen is declared twice",
            file=fname,
            column="arms",
            hint="regimen names must be unique across arms",
        )
    for key, value in meta.detection_limits.items():
        if key not in LAB_MARKERS:
            problems.add(
                f"unknown marker {key!r}",
                file=fname,
                column="detection_limits",
                hint=f"markers: {', '.join(LAB_MARKERS)}",
            )
        elif not (math.isfinite(value) and value > 0):
            problems.add(
                f"detection limit {value!r} must be a positive number",
                file=fname,
                column=f"detection_limits.{key}",
                hint="in the marker's units",
            )
    for key in meta.units:
        if key not in LAB_MARKERS:
            problems.add(
                f"unknown marker {key!r}",
                file=fname,
                column="units",
                hint=f"markers: {', '.join(LAB_MARKERS)}",
            )


def _read_meta(folder: Path, problems: _Problems, max_bytes: int) -> TrialMeta | None:
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
    try:
        obj = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problems.add(
            f"not valid YAML: {getattr(err, 'problem', None) or err}",
            file="trial.yaml",
            row=None if mark is None else mark.line + 1,
            hint="check indentation and colons",
        )
        return None
    if not isinstance(obj, dict):
        problems.add(
            "trial.yaml must be a mapping (key: value lines)",
            file="trial.yaml",
            hint=f"see the example in {DOCS}",
        )
        return None
    try:
        meta = TrialMeta.model_validate(obj)
    except ValidationError as err:
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"])
            problems.add(
                e["msg"],
                file="trial.yaml",
                column=loc or None,
                hint=f"see the trial.yaml example in {DOCS}",
            )
        return None
    _check_meta_extra(meta, problems)
    return meta


def _cross_checks(
    meta: TrialMeta | None, t: dict[str, pd.DataFrame], files: dict[str, str], problems: _Problems
) -> None:
    pat = t.get("patients")
    if pat is None:
        return
    ids = set(pat["patient_id"].dropna())
    fp = files["patients"]
    if meta is not None:
        arms = {a.name: a for a in meta.arms}
        for line, arm, reg in zip(pat.index, pat["arm"], pat["regimen"], strict=True):
            if pd.isna(arm) or pd.isna(reg):
                continue
            if arm not in arms:
                problems.add(
                    f"arm {arm!r} is not declared in trial.yaml",
                    file=fp,
                    row=int(line),
                    column="arm",
                    hint=f"declared: {', '.join(arms)}",
                )
            elif reg not in arms[arm].regimens:
                problems.add(
                    f"regimen {reg!r} is not declared for arm {arm!r} in trial.yaml",
                    file=fp,
                    row=int(line),
                    column="regimen",
                    hint=f"declared for {arm}: {', '.join(arms[arm].regimens)}",
                )
        for name in arms:
            if len(pat) and not (pat["arm"] == name).any():
                problems.add(
                    f"no patient in arm {name!r}",
                    file=fp,
                    column="arm",
                    hint="a trial needs patients in both arms",
                )
    if len(pat) == 0:
        problems.add("no patients", file=fp, hint="the patients table has no rows")

    out = t.get("outcomes")
    follow = meta.follow_up_days if meta is not None else None
    death: dict[str, Any] = {}
    last: dict[str, Any] = {}
    if out is not None:
        fo = files["outcomes"]
        for line, pid in zip(out.index, out["patient_id"], strict=True):
            if pd.notna(pid) and pid not in ids:
                problems.add(
                    f"patient {pid!r} is not in patients",
                    file=fo,
                    row=int(line),
                    column="patient_id",
                    hint="fix the id or add the patient",
                )
        missing = sorted(ids - set(out["patient_id"].dropna()))
        for pid in missing[:20]:
            problems.add(
                f"patient {pid!r} has no outcomes row",
                file=fo,
                column="patient_id",
                hint="every patient needs one row (empty days = not observed)",
            )
        if len(missing) > 20:
            problems.add(
                f"... and {len(missing) - 20} more patients without an outcomes row",
                file=fo,
                column="patient_id",
                hint="one outcomes row per patient",
            )
        for line, r in out.iterrows():
            pid = r["patient_id"]
            d, lf = r["death_day"], r["last_follow_up_day"]
            if pd.notna(pid):
                death[pid], last[pid] = d, lf
            if follow is not None:
                for col in (
                    "death_day",
                    "last_follow_up_day",
                    "secondary_infection_day",
                    "icu_discharge_day",
                    "hospital_discharge_day",
                ):
                    v = r[col]
                    if pd.notna(v) and v > follow:
                        problems.add(
                            f"day {v} is after the end of follow-up (day {follow})",
                            file=fo,
                            row=int(line),
                            column=col,
                            hint="check the day, or follow_up_days in trial.yaml",
                        )
            if pd.notna(d) and pd.notna(lf) and d != lf:
                problems.add(
                    f"last_follow_up_day {lf} differs from death_day {d}",
                    file=fo,
                    row=int(line),
                    column="last_follow_up_day",
                    hint="for a patient who died, last_follow_up_day = death_day",
                )
            for col in ("secondary_infection_day", "icu_discharge_day", "hospital_discharge_day"):
                v = r[col]
                if pd.isna(v):
                    continue
                if pd.notna(d) and v > d:
                    problems.add(
                        f"{col} {v} is after death (day {d})",
                        file=fo,
                        row=int(line),
                        column=col,
                        hint="events end at death",
                    )
                elif pd.notna(lf) and v > lf:
                    problems.add(
                        f"{col} {v} is after last_follow_up_day {lf}",
                        file=fo,
                        row=int(line),
                        column=col,
                        hint="last_follow_up_day is the last day status is known",
                    )
            icu, hosp = r["icu_discharge_day"], r["hospital_discharge_day"]
            if pd.notna(icu) and pd.notna(hosp) and hosp < icu:
                problems.add(
                    f"hospital discharge (day {hosp}) before ICU discharge (day {icu})",
                    file=fo,
                    row=int(line),
                    column="hospital_discharge_day",
                    hint="hospital discharge is on or after ICU discharge",
                )

    labs = t.get("labs")
    if labs is not None:
        fl = files["labs"]
        has_baseline: set[str] = set()
        for line, r in labs.iterrows():
            pid, day = r["patient_id"], r["study_day"]
            if pd.isna(pid):
                continue
            if pid not in ids:
                problems.add(
                    f"patient {pid!r} is not in patients",
                    file=fl,
                    row=int(line),
                    column="patient_id",
                    hint="fix the id or add the patient",
                )
                continue
            if pd.isna(day):
                continue
            if day == 0 and pd.notna(r["alc"]):
                has_baseline.add(pid)
            if follow is not None and day > follow:
                problems.add(
                    f"study day {day} is after the end of follow-up (day {follow})",
                    file=fl,
                    row=int(line),
                    column="study_day",
                    hint="check the day, or follow_up_days in trial.yaml",
                )
            d, lf = death.get(pid), last.get(pid)
            if d is not None and pd.notna(d) and day > d:
                problems.add(
                    f"lab draw on day {day}, after death (day {d})",
                    file=fl,
                    row=int(line),
                    column="study_day",
                    hint="check the day or death_day",
                )
            elif lf is not None and pd.notna(lf) and day > lf:
                problems.add(
                    f"lab draw on day {day}, after last_follow_up_day {lf}",
                    file=fl,
                    row=int(line),
                    column="study_day",
                    hint="check the day or last_follow_up_day",
                )
            for m in LAB_MARKERS:
                flag = r[f"{m}_bdl"]
                if pd.notna(flag) and bool(flag) and pd.isna(r[m]):
                    problems.add(
                        f"{m}_bdl is true but {m} is empty",
                        file=fl,
                        row=int(line),
                        column=f"{m}_bdl",
                        hint="record the detection limit as the value, or set false",
                    )
        missing_bl = sorted(ids - has_baseline)
        for pid in missing_bl[:20]:
            problems.add(
                f"patient {pid!r} has no baseline (study_day 0) ALC",
                file=fl,
                column="alc",
                hint="the entry criterion needs a day-0 ALC per patient",
            )
        if len(missing_bl) > 20:
            problems.add(
                f"... and {len(missing_bl) - 20} more patients without a baseline ALC",
                file=fl,
                column="alc",
                hint="a day-0 ALC per patient",
            )

    ae = t.get("adverse_events")
    if ae is not None:
        fa = files["adverse_events"]
        for line, r in ae.iterrows():
            pid, day = r["patient_id"], r["onset_day"]
            if pd.isna(pid):
                continue
            if pid not in ids:
                problems.add(
                    f"patient {pid!r} is not in patients",
                    file=fa,
                    row=int(line),
                    column="patient_id",
                    hint="fix the id or add the patient",
                )
                continue
            d, lf = death.get(pid), last.get(pid)
            if pd.notna(day):
                if follow is not None and day > follow:
                    problems.add(
                        f"onset day {day} is after the end of follow-up (day {follow})",
                        file=fa,
                        row=int(line),
                        column="onset_day",
                        hint="check the day, or follow_up_days in trial.yaml",
                    )
                elif d is not None and pd.notna(d) and day > d:
                    problems.add(
                        f"onset on day {day}, after death (day {d})",
                        file=fa,
                        row=int(line),
                        column="onset_day",
                        hint="check the onset day or death_day",
                    )
                elif lf is not None and pd.notna(lf) and day > lf:
                    problems.add(
                        f"onset on day {day}, after last_follow_up_day {lf}",
                        file=fa,
                        row=int(line),
                        column="onset_day",
                        hint="check the onset day or last_follow_up_day",
                    )
            if pd.notna(r["grade"]) and r["grade"] == 5 and pid in death and pd.isna(death[pid]):
                problems.add(
                    "grade 5 (fatal) event for a patient without a death_day",
                    file=fa,
                    row=int(line),
                    column="grade",
                    hint="grade 5 means death: fix the grade or the outcomes row",
                )


# ------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------


def _finalise(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    out = df.copy()
    for c in spec.columns:
        if c.name in out.columns and str(out[c.name].dtype) != c.dtype:
            out[c.name] = out[c.name].astype(c.dtype)
    return out.reset_index(drop=True)


def _validate_frames(
    meta: TrialMeta | None,
    raw: dict[str, pd.DataFrame | None],
    files: dict[str, str],
    problems: _Problems,
) -> dict[str, pd.DataFrame]:
    parsed: dict[str, pd.DataFrame] = {}
    for table in TABLE_ORDER:
        frame = raw.get(table)
        if frame is None:
            continue
        spec = TABLES[table]
        before = len(problems)
        df = _parse_table(frame, spec, files[table], problems)
        missing_cols = any(c not in frame.columns for c in spec.required)
        if not missing_cols:
            _value_checks(df, spec, files[table], problems)
        if len(problems) == before or not missing_cols:
            parsed[table] = df
    if all(t in parsed for t in TABLE_ORDER):
        _cross_checks(meta, parsed, files, problems)
    return parsed


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
    problems = _Problems()
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
    parsed = _validate_frames(meta, raw, files, problems)
    problems.raise_if_any()
    assert meta is not None
    return TrialData(
        meta=meta,
        source=folder.resolve(),
        **{t: _finalise(parsed[t], TABLES[t]) for t in TABLE_ORDER},
    )


def _frame_to_text(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        out[str(col)] = [
            "" if _is_missing_obj(v) else _obj_to_text(v) for v in df[col].astype(object).tolist()
        ]
    return pd.DataFrame(out, index=pd.Index(np.arange(2, len(df) + 2), dtype="int64"), dtype=str)


def validate_data(trial: TrialData) -> TrialData:
    """Validate an in-memory trial with the same checks as :func:`load_trial`.

    Rows are numbered as they would be in the written CSV (header = line 1). Returns the trial with
    normalised dtypes; raises :class:`InputError` listing every problem.

    Examples
    --------
    >>> from bayes_iris.data import simulate_trial
    >>> validate_data(simulate_trial(3).data).n_patients
    27
    """
    problems = _Problems()
    _check_meta_extra(trial.meta, problems)
    raw = {t: _frame_to_text(getattr(trial, t)) for t in TABLE_ORDER}
    files = {t: f"{t}.csv" for t in TABLE_ORDER}
    parsed = _validate_frames(trial.meta, raw, files, problems)
    problems.raise_if_any()
    return TrialData(
        meta=trial.meta,
        source=trial.source,
        **{t: _finalise(parsed[t], TABLES[t]) for t in TABLE_ORDER},
    )


def normalise_tables(trial: TrialData) -> TrialData:
    """Cast the tables to the schema's dtypes and column order (no validation)."""
    tables = {}
    for t in TABLE_ORDER:
        spec = TABLES[t]
        df = getattr(trial, t).copy()
        cols = [c.name for c in spec.columns if c.name in df.columns]
        extra = [c for c in df.columns if c not in cols]
        df = df[cols + extra]
        tables[t] = _finalise(df, spec)
    return TrialData(meta=trial.meta, source=trial.source, **tables)


def _csv_text(df: pd.DataFrame) -> str:
    """Deterministic CSV text: shortest round-trip float repr, empty for missing, true/false."""
    text = _frame_to_text(df)
    buf = io.StringIO()
    text.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def meta_yaml(meta: TrialMeta) -> str:
    """``trial.yaml`` text of ``meta``."""
    return yaml.safe_dump(
        meta.model_dump(mode="json", exclude_none=True),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def write_trial(
    trial: Any, dest: str | Path, truth: Any = None, *, overwrite: bool = False, fmt: str = "csv"
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
                (tmp / f"{t}.csv").write_text(_csv_text(df), encoding="utf-8")
            else:
                df.to_parquet(tmp / f"{t}.parquet", index=False)
        if truth is not None:
            (tmp / "truth.json").write_text(truth.to_json(), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; a trial folder is ordinary data
    return dest


def bundled_path(name: str = "iris7-synthetic") -> Path:
    """Folder of a bundled trial shipped with the package."""
    if name not in BUNDLED:
        raise InputError(
            f"unknown bundled trial {name!r}",
            column="name",
            hint=f"bundled trials: {', '.join(BUNDLED)}",
        )
    return Path(str(resources.files("bayes_iris.data") / "bundled" / name))


def load_bundled(name: str = "iris7-synthetic") -> TrialData:
    """Load a trial shipped with the package (default: the SYNTHETIC ``iris7-synthetic``).

    Examples
    --------
    >>> t = load_bundled()
    >>> t.provenance_label.startswith("SYNTHETIC")
    True
    >>> t.patients["arm"].value_counts().to_dict()
    {'cyt107': 17, 'placebo': 10}
    """
    return load_trial(bundled_path(name))


def load_truth(path: str | Path) -> Any:
    """The :class:`~bayes_iris.data.synthetic.Truth` of a synthetic trial folder (None if absent)."""
    from .synthetic import Truth

    f = Path(path) / "truth.json"
    if not f.exists():
        return None
    return Truth.from_json(f.read_text(encoding="utf-8"))


def load_bundled_truth(name: str = "iris7-synthetic") -> Any:
    """The truth of a bundled synthetic trial.

    Examples
    --------
    >>> 2 < load_bundled_truth().alc_day29_ratio < 3
    True
    """
    return load_truth(bundled_path(name))


__all__ = [
    "MAX_FILE_BYTES",
    "bundled_path",
    "load_bundled",
    "load_bundled_truth",
    "load_trial",
    "load_truth",
    "meta_yaml",
    "normalise_tables",
    "validate_data",
    "write_trial",
]
