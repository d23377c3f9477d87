"""The schema as data (bayes_iris.data.schema): documented columns, pandera schemas, dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from bayes_iris.data import TrialData, load_bundled
from bayes_iris.data.schema import (
    TABLE_ORDER,
    TABLES,
    column_checks,
    columns_table,
    normalise_tables,
    pandera_schema,
)


def test_bundled_trial_is_valid_and_typed():
    trial = load_bundled()
    assert trial.is_synthetic and trial.provenance_label.startswith("SYNTHETIC")
    assert trial.n_patients == 27
    for table in TABLES:
        pandera_schema(table).validate(getattr(trial, table))  # dtypes and values
    assert trial.patients["patient_id"].is_unique
    assert 29 in trial.meta.visit_schedule and trial.meta.dosing_end_day == 28


def test_columns_table_documents_every_column():
    t = columns_table()
    for name, spec in TABLES.items():
        assert set(t.loc[t["table"] == name, "column"]) == set(spec.column_names)


def test_one_set_of_value_checks_serves_the_loaded_and_the_parsed_tables():
    """The validator's schema (typed=False) and the users' (typed=True) check the same values with
    the same messages; only dtypes, missingness and duplicate reporting differ."""
    for table, spec in TABLES.items():
        typed, parsed = pandera_schema(table), pandera_schema(table, typed=False)
        for c in spec.columns:
            a, b = typed.columns[c.name], parsed.columns[c.name]
            assert [ch.error for ch in a.checks] == [ch.error for ch in b.checks]
            assert [ch.error for ch in a.checks] == [ch.error for ch in column_checks(c)]
            assert a.nullable == c.nullable and b.nullable
            assert a.dtype is not None and b.dtype is None


def test_value_checks_reject_what_they_say():
    labs = load_bundled().labs.copy()
    labs.loc[3, "alc"] = 0.0
    labs.loc[4, "cd4"] = 2e6
    with pytest.raises(pa.errors.SchemaErrors) as info:
        pandera_schema("labs").validate(labs, lazy=True)
    failures = info.value.failure_cases[["column", "index", "check"]].to_dict(orient="records")
    assert {"column": "alc", "index": 3, "check": "must be > 0"} in failures
    assert {"column": "cd4", "index": 4, "check": "must be ≤ 1e+06"} in failures


def test_normalise_tables_orders_columns_and_casts_dtypes():
    trial = load_bundled()
    shuffled = {t: getattr(trial, t) for t in TABLE_ORDER}
    shuffled["labs"] = shuffled["labs"][list(reversed(shuffled["labs"].columns))].assign(
        x_note="n", study_day=lambda d: d["study_day"].astype(float)
    )
    out = normalise_tables(TrialData(meta=trial.meta, **shuffled))
    assert out.labs.columns.tolist() == [*TABLES["labs"].column_names, "x_note"]
    assert out.labs["study_day"].dtype == np.int64
    pd.testing.assert_frame_equal(out.labs.drop(columns="x_note"), trial.labs)
