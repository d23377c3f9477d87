"""The trial-folder schema: every column of every table, as data, and the pandera schemas built from it.

The column specifications (:data:`TABLES`) are the single source of truth: the loader
(:mod:`bayes_iris.data.io`) parses with them, the pandera schemas (:func:`pandera_schema`) check values
with them, and ``docs/trial-data.md`` documents them (:func:`columns_table`).

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

from .trial import LAB_MARKERS

EXTRA_PREFIX = "x_"
KINDS = ("str", "int", "float", "bool")


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
    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    unique: tuple[str, ...] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
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
assert {f"{m}" for m in LAB_MARKERS} <= set(LABS.column_names)


def pandera_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of ``table`` (value checks after parsing; dtypes as loaded).

    Examples
    --------
    >>> s = pandera_schema("labs")
    >>> sorted(s.columns)[:3]
    ['alc', 'alc_bdl', 'cd4']
    """
    spec = TABLES[table]
    cols = {}
    for c in spec.columns:
        checks = []
        if c.ge is not None:
            checks.append(pa.Check.ge(c.ge))
        if c.le is not None:
            checks.append(pa.Check.le(c.le))
        if c.gt is not None:
            checks.append(pa.Check.gt(c.gt))
        if c.isin is not None:
            checks.append(pa.Check.isin(list(c.isin)))
        if c.kind == "str":
            checks.append(
                pa.Check(lambda s: s.str.len() > 0, element_wise=False, error="empty text")
            )
        cols[c.name] = pa.Column(
            c.dtype, checks=checks, nullable=c.nullable, required=True, coerce=False
        )
    return pa.DataFrameSchema(
        cols,
        unique=list(spec.unique) if spec.unique else None,
        report_duplicates="all",
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
