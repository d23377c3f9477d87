"""The schema as data (bayes_iris.data.schema): documented columns, pandera schemas, dtypes."""

from __future__ import annotations

from bayes_iris.data import load_bundled
from bayes_iris.data.schema import TABLES, columns_table, pandera_schema


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
