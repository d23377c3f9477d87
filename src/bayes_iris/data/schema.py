"""The trial-folder schema: every column of every table, as data, and the pandera schemas built from it.

The column specifications (:data:`TABLES`) are the single source of truth: the parser
(:mod:`bayes_iris.data.validate`) reads text with them, the pandera schemas (:func:`pandera_schema`,
one builder for the validator's and the users') check values with them, :func:`normalise_tables` casts
frames to their dtypes, and ``docs/trial-data.md`` documents them (:func:`columns_table`).

Policy on columns: every *required* column must be present; *optional* columns may be absent (they
are then added, empty); any other column is rejected (typos such as ``alc_count`` are the common case)
unless its name starts with ``x_`` — such user extension columns are kept as text and otherwise ignored.

Examples
--------
>>> sorted(TABLES)
['adverse_events', 'labs', 'outcomes', 'patients']
>>> [c.name for c in TABLES["labs"].columns if c.required]
['patient_id', 'study_day', 'alc']
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from .trial import LAB_MARKERS, TrialData

__all__ = [
    "DOCS",
    "EXTRA_PREFIX",
    "TABLES",
    "TABLE_ORDER",
    "ColumnSpec",
    "TableSpec",
    "cast_table",
    "column_checks",
    "columns_table",
    "normalise_tables",
    "pandera_schema",
]

EXTRA_PREFIX = "x_"
KINDS = ("str", "int", "float", "bool")
DOCS = "docs/trial-data.md"  # where users read the schema; named in every hint about columns


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type (``kind``), whether it is required / may be missing, its allowed values."""

    name: str
    kind: str
    description: str
    required: bool = True
    nullable: bool = False
    unit: str = ""
    ge: float | None = None
    le: float | None = None
    gt: float | None = None
    isin: tuple[str, ...] | None = None

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column after loading."""
        if self.kind == "int":
            return "Int64" if self.nullable else "int64"
        if self.kind == "float":
            return "float64"
        if self.kind == "bool":
            return "boolean" if self.nullable else "bool"
        return "str"


@dataclass(frozen=True)
class TableSpec:
    """One table: its columns in file order and the key that must be unique (if any)."""

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    unique: tuple[str, ...] | None = None

    @property
    def column_names(self) -> list[str]:
        """Every column's name, in order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """The names of the columns a file must have."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name`` (``KeyError`` if the table has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


C = ColumnSpec
_DAY = "study day"
_CELLS = "cells/mm³"
# Upper bound of a lymphocyte count: 10⁶/mm³ is beyond any leukaemia; larger values are unit errors.
_MAX_CELLS = 1e6

PATIENTS = TableSpec(
    "patients",
    "one row per randomised patient",
    (
        C("patient_id", "str", "unique patient identifier"),
        C(
            "arm",
            "str",
            "randomised arm; must be declared in trial.yaml",
            isin=("placebo", "cyt107"),
        ),
        C(
            "regimen",
            "str",
            "dosing regimen; must be one declared for the arm in trial.yaml "
            "(synthetic trial: placebo, weekly, twice_weekly)",
        ),
        C("site", "str", "recruiting site"),
        C("country", "str", "ISO 3166 alpha-2 country code (US, FR, ...)"),
        C("age", "int", "age at randomisation", unit="years", ge=18, le=110),
        C("sex", "str", "sex", isin=("F", "M")),
        C("sofa", "int", "SOFA score at randomisation", unit="points", ge=0, le=24),
        C("apache2", "int", "APACHE II score at randomisation", unit="points", ge=0, le=71),
        C(
            "route",
            "str",
            "CYT107/placebo route: IM, or SC if INR > 2.5 or platelets < 35,000/mm³",
            isin=("IM", "SC", "IV"),
        ),
        C(
            "infection_source",
            "str",
            "primary source of sepsis (lung, abdomen, urinary, ...)",
            required=False,
            nullable=True,
        ),
        C(
            "charlson",
            "int",
            "Charlson comorbidity index",
            required=False,
            nullable=True,
            unit="points",
            ge=0,
            le=40,
        ),
        C(
            "baseline_alc",
            "float",
            "mean of the two qualifying ALCs (registry definition)",
            required=False,
            nullable=True,
            unit=_CELLS,
            gt=0,
        ),
    ),
    unique=("patient_id",),
)

LABS = TableSpec(
    "labs",
    "long format: one row per patient and study day with a blood draw",
    (
        C("patient_id", "str", "patient identifier (must be in patients)"),
        C(
            "study_day",
            "int",
            "day of the draw; 0 = baseline, before the first dose",
            unit=_DAY,
            ge=0,
        ),
        C(
            "alc",
            "float",
            "absolute lymphocyte count; empty = not measured",
            nullable=True,
            unit=_CELLS,
            gt=0,
            le=_MAX_CELLS,
        ),
        C(
            "cd4",
            "float",
            "CD4+ T-cell count; empty = not measured",
            required=False,
            nullable=True,
            unit=_CELLS,
            gt=0,
            le=_MAX_CELLS,
        ),
        C(
            "cd8",
            "float",
            "CD8+ T-cell count; empty = not measured",
            required=False,
            nullable=True,
            unit=_CELLS,
            gt=0,
            le=_MAX_CELLS,
        ),
        C(
            "alc_bdl",
            "bool",
            "true: below detection; the value recorded is the detection limit",
            required=False,
        ),
        C("cd4_bdl", "bool", "as alc_bdl, for cd4", required=False),
        C("cd8_bdl", "bool", "as alc_bdl, for cd8", required=False),
    ),
    unique=("patient_id", "study_day"),
)

ADVERSE_EVENTS = TableSpec(
    "adverse_events",
    "one row per adverse event (may have no rows)",
    (
        C("patient_id", "str", "patient identifier (must be in patients)"),
        C("soc", "str", "MedDRA system organ class"),
        C("term", "str", "MedDRA preferred term"),
        C(
            "grade",
            "int",
            "CTCAE grade 1-5 (5 = fatal: the patient must have a death_day)",
            ge=1,
            le=5,
        ),
        C("serious", "bool", "serious adverse event"),
        C("onset_day", "int", "study day of onset", unit=_DAY, ge=0),
        C("related", "bool", "investigator-assessed relationship to study drug", required=False),
    ),
)

OUTCOMES = TableSpec(
    "outcomes",
    "one row per patient; empty day = the event was not observed",
    (
        C("patient_id", "str", "patient identifier (one row for every patient)"),
        C("death_day", "int", "study day of death", nullable=True, unit=_DAY, ge=0),
        C(
            "last_follow_up_day",
            "int",
            "last day vital status is known (= death_day if died)",
            unit=_DAY,
            ge=0,
        ),
        C(
            "secondary_infection_day",
            "int",
            "first secondary infection",
            nullable=True,
            unit=_DAY,
            ge=0,
        ),
        C("icu_discharge_day", "int", "ICU discharge alive", nullable=True, unit=_DAY, ge=0),
        C(
            "hospital_discharge_day",
            "int",
            "hospital discharge alive",
            required=False,
            nullable=True,
            unit=_DAY,
            ge=0,
        ),
        C(
            "organ_support_free_days_28",
            "int",
            "days alive and free of organ support to day 28",
            required=False,
            nullable=True,
            unit="days",
            ge=0,
            le=28,
        ),
    ),
    unique=("patient_id",),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (PATIENTS, LABS, ADVERSE_EVENTS, OUTCOMES)}
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)  # the order tables are read, checked and written
assert {f"{m}" for m in LAB_MARKERS} <= set(LABS.column_names)


def column_checks(c: ColumnSpec) -> list[pa.Check]:
    """The value checks of one column, each with the message a user reads when it fails.

    Examples
    --------
    >>> [ch.error for ch in column_checks(TABLES["adverse_events"].column("grade"))]
    ['must be ≥ 1', 'must be ≤ 5']
    """
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
    return checks


def pandera_schema(table: str, *, typed: bool = True) -> pa.DataFrameSchema:
    """The pandera schema of ``table``.

    Parameters
    ----------
    table : str
        One of :data:`TABLES`.
    typed : bool
        True (default): the schema of a *loaded* table — dtypes as loaded, missing values only where
        the column allows them, every duplicate key reported. False: the validator's value checks on
        freshly parsed columns — dtypes and missingness were already checked by the parser, and a
        duplicate key is reported on each repeat after the first.

    Examples
    --------
    >>> s = pandera_schema("labs")
    >>> sorted(s.columns)[:3]
    ['alc', 'alc_bdl', 'cd4']
    """
    spec = TABLES[table]
    cols = {
        c.name: pa.Column(
            c.dtype if typed else None,
            checks=column_checks(c),
            nullable=c.nullable if typed else True,
            required=True,
            coerce=False,
        )
        for c in spec.columns
    }
    return pa.DataFrameSchema(
        cols,
        unique=list(spec.unique) if spec.unique else None,
        report_duplicates="all" if typed else "exclude_first",
        strict=False,
        name=table,
    )


def columns_table() -> pd.DataFrame:
    """Every column of every table (for the documentation).

    Examples
    --------
    >>> columns_table().columns.tolist()
    ['table', 'column', 'type', 'required', 'missing allowed', 'unit', 'allowed', 'description']
    """
    rows = []
    for t in TABLES.values():
        for c in t.columns:
            allowed = []
            if c.isin:
                allowed.append(" | ".join(c.isin))
            for op, v in (("≥", c.ge), (">", c.gt), ("≤", c.le)):
                if v is not None:
                    allowed.append(f"{op} {v:g}")
            rows.append(
                {
                    "table": t.name,
                    "column": c.name,
                    "type": c.kind,
                    "required": "yes" if c.required else "no",
                    "missing allowed": "yes" if c.nullable else "no",
                    "unit": c.unit,
                    "allowed": ", ".join(allowed),
                    "description": c.description,
                }
            )
    return pd.DataFrame(rows)


def cast_table(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """A copy of ``df`` with every spec column cast to its loaded dtype and a fresh 0-based index.

    Examples
    --------
    >>> cast_table(pd.DataFrame({"grade": [1.0, 2.0]}), TABLES["adverse_events"])["grade"].dtype
    dtype('int64')
    """
    out = df.copy()
    for c in spec.columns:
        if c.name in out.columns and str(out[c.name].dtype) != c.dtype:
            out[c.name] = out[c.name].astype(c.dtype)
    return out.reset_index(drop=True)


def normalise_tables(trial: TrialData) -> TrialData:
    """``trial`` with its tables in schema column order (extra columns last) and dtypes (no checks).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> t = load_bundled()
    >>> normalise_tables(t).labs.columns.tolist() == t.labs.columns.tolist()
    True
    """
    tables = {}
    for t in TABLE_ORDER:
        spec = TABLES[t]
        df = getattr(trial, t).copy()
        cols = [c.name for c in spec.columns if c.name in df.columns]
        extra = [c for c in df.columns if c not in cols]
        df = df[cols + extra]
        tables[t] = cast_table(df, spec)
    return TrialData(meta=trial.meta, source=trial.source, **tables)
