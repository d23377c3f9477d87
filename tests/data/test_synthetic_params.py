"""The generator's parameters (bayes_iris.data.synthetic.params, params_table): validation and
the documented table of every parameter."""

from __future__ import annotations

import pytest

from bayes_iris.data import SyntheticParams, parameter_table


def test_params_reject_inconsistent_values():
    with pytest.raises(ValueError, match="visit_schedule"):
        SyntheticParams(visit_schedule=(3, 0, 7))
    with pytest.raises(ValueError, match="positive-definite"):
        SyntheticParams(corr_intercept=(0.99, -0.99, 0.99))
    with pytest.raises(ValueError, match="extra"):
        SyntheticParams(colour="blue")


def test_parameter_table_covers_every_parameter():
    table = parameter_table()
    assert list(table.columns) == ["name", "value", "unit", "source", "reasoning"]
    assert table["name"].is_unique
    stems = {n.split(".")[0] for n in table["name"]}
    assert stems == set(SyntheticParams.model_fields) - {"ae_terms"} | {"ae"}
    assert (table["source"].str.startswith("FACTS.md [") | (table["source"] == "assumption")).all()
    assert (table["reasoning"].str.len() > 0).all()
    assert table.set_index("name").loc["fold_reference", "value"] == "baseline"
