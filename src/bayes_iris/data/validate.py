"""Validating tables: text to typed columns (parse), then value checks (pandera), then the rules.

Every table arrives here as text (:mod:`bayes_iris.data.text`; from a CSV, a Parquet file or an
in-memory frame), indexed by the line a user would see it on. :func:`parse_table` checks the header
against :data:`~bayes_iris.data.schema.TABLES` and parses each cell to its column's type;
:func:`check_values` applies the pandera value checks; :func:`validate_frames` runs both on each
table and then the cross-table rules of :mod:`bayes_iris.data.consistency`. :func:`validate_data`
does all of it for an in-memory trial.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..errors import ProblemList
from .consistency import check_consistency
from .meta import check_meta
from .schema import (
    DOCS,
    EXTRA_PREFIX,
    TABLE_ORDER,
    TABLES,
    ColumnSpec,
    TableSpec,
    cast_table,
    pandera_schema,
)
from .text import FALSE_TOKENS, MISSING_TOKENS, TRUE_TOKENS, frame_to_text, is_missing
from .trial import TrialData, TrialMeta

__all__ = ["check_values", "parse_column", "parse_table", "validate_data", "validate_frames"]


def parse_column(raw: pd.Series, spec: ColumnSpec, fname: str, problems: ProblemList) -> pd.Series:
    """Parse one text column to ``spec.kind`` (nullable dtypes); record every unparsable value.

    Parameters
    ----------
    raw : pandas.Series
        Text cells, indexed by file line.
    spec : ColumnSpec
        The column's type and whether it may be missing.
    fname : str
        File name for the problems.
    problems : ProblemList
        Gets one problem per missing (where not allowed) or unparsable cell.

    Returns
    -------
    pandas.Series
        ``str``, ``boolean``, ``float64`` or ``Int64``; unparsable cells are missing.

    Examples
    --------
    >>> from bayes_iris.data.schema import TABLES
    >>> problems = ProblemList()
    >>> raw = pd.Series(["3", "x", ""], index=[2, 3, 4])
    >>> parse_column(raw, TABLES["labs"].column("study_day"), "labs.csv", problems).tolist()
    [3, <NA>, <NA>]
    >>> [str(p).split(" -> ")[0] for p in problems.items]
    ["labs.csv, row 4, column 'study_day': missing value", "labs.csv, row 3, column 'study_day': 'x' is not a whole number"]
    """
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


def parse_table(
    raw: pd.DataFrame, spec: TableSpec, fname: str, problems: ProblemList
) -> pd.DataFrame:
    """Parse a text table: check its header, parse each column, add absent optional ones empty.

    Missing required columns and unknown ones (with a guess at the intended name) are problems on
    line 1; columns named ``x_...`` are kept as text.
    """
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
            out[c.name] = parse_column(raw[c.name], c, fname, problems)
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


def check_values(df: pd.DataFrame, spec: TableSpec, fname: str, problems: ProblemList) -> None:
    """Value ranges, allowed values and unique keys of a parsed table (pandera), as problems."""
    try:
        pandera_schema(spec.name, typed=False).validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        seen_dupes: set[int] = set()
        for rec in fc.to_dict(orient="records"):
            line = rec.get("index")
            line = None if line is None or is_missing(line) else int(line)
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


def validate_frames(
    meta: TrialMeta | None,
    raw: dict[str, pd.DataFrame | None],
    files: dict[str, str],
    problems: ProblemList,
) -> dict[str, pd.DataFrame]:
    """Parse and check the raw text tables; then, if all four parsed, the cross-table rules.

    Parameters
    ----------
    meta : TrialMeta or None
        ``trial.yaml`` (None if it was invalid).
    raw : dict
        Text frame of each table indexed by file line, or None where the file could not be read.
    files : dict
        File name of each table.
    problems : ProblemList
        Collects every problem found.

    Returns
    -------
    dict
        The parsed tables (still indexed by file line) of those that parsed; a table is left out
        only if a required column is missing *and* it had problems.
    """
    parsed: dict[str, pd.DataFrame] = {}
    for table in TABLE_ORDER:
        frame = raw.get(table)
        if frame is None:
            continue
        spec = TABLES[table]
        before = len(problems)
        df = parse_table(frame, spec, files[table], problems)
        missing_cols = any(c not in frame.columns for c in spec.required)
        if not missing_cols:
            check_values(df, spec, files[table], problems)
        if len(problems) == before or not missing_cols:
            parsed[table] = df
    if all(t in parsed for t in TABLE_ORDER):
        check_consistency(meta, parsed, files, problems)
    return parsed


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
    problems = ProblemList()
    check_meta(trial.meta, problems)
    raw = {t: frame_to_text(getattr(trial, t)) for t in TABLE_ORDER}
    files = {t: f"{t}.csv" for t in TABLE_ORDER}
    parsed = validate_frames(trial.meta, raw, files, problems)
    problems.raise_if_any()
    return TrialData(
        meta=trial.meta,
        source=trial.source,
        **{t: cast_table(parsed[t], TABLES[t]) for t in TABLE_ORDER},
    )
