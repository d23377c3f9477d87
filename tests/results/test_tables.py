"""The results folder's contract: one column list per table, shared by writer and readers, and the
typed readers of the upstream tables the design step consumes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pymc.testing import mock_sample

from bayes_iris.data import load_bundled
from bayes_iris.design.design_priors import SYNTHETIC_NOTE
from bayes_iris.errors import InputError
from bayes_iris.inference import SamplerConfig, diagnostics_table, fit
from bayes_iris.report import sections
from bayes_iris.results import tables as T
from bayes_iris.results.store import ResultsDir
from bayes_iris.trajectory import TrajectoryModel, effects

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The trajectory step's writers on a mock-sampled fit, through the real ResultsDir."""
    trial = load_bundled()
    tm = TrajectoryModel(trial)
    real = pm.sample
    pm.sample = mock_sample
    try:
        f = fit(tm, SamplerConfig(seed=1, sampler="pymc", draws=40, chains=1, progressbar=False,
                                  log_likelihood=False))
    finally:
        pm.sample = real
    root = tmp_path_factory.mktemp("results")
    rd = ResultsDir(root, trial)
    rd.write_table("design_inputs_alc", effects.design_inputs(f, tm, seed=1))
    rd.write_table("diagnostics_trajectories", diagnostics_table([(tm.name, f.diagnostics)]))
    return root


def test_design_inputs_written_by_trajectories_are_read_by_design(written):
    """The column list the design reads is the one the trajectory step writes, and a table the
    writer produced passes the reader (before: two hand-kept lists)."""
    header = pd.read_csv(written / "tables" / "design_inputs_alc.csv").columns.tolist()
    assert header == ["provenance", *effects.DESIGN_INPUTS_COLUMNS]
    assert T.DESIGN_INPUTS_COLUMNS is effects.DESIGN_INPUTS_COLUMNS
    got = T.read_alc_inputs(written)
    assert got.day == 29 and got.log_ratio_sd > 0
    assert SYNTHETIC_NOTE in got.source


def test_diagnostics_columns_are_one_list(written):
    header = pd.read_csv(written / "tables" / "diagnostics_trajectories.csv").columns.tolist()
    assert header == ["provenance", *T.DIAGNOSTICS_COLUMNS]
    assert sections.DIAGNOSTICS_COLUMNS is T.DIAGNOSTICS_COLUMNS
    for name, cols in T.TABLE_COLUMNS.items():
        if name.startswith("diagnostics_"):
            assert cols is T.DIAGNOSTICS_COLUMNS


def test_every_contract_table_is_declared_by_a_step():
    declared = {t for s in T.STEPS for t in s.tables}
    assert set(T.TABLE_COLUMNS) <= declared


@pytest.fixture
def results(tmp_path):
    (tmp_path / "tables").mkdir()
    pd.DataFrame([{"provenance": "synthetic", "model": "piecewise", "log_ratio_mean": 1.1,
                   "log_ratio_sd": 0.25, "sd_patient_log_alc_day29": 0.7,
                   "p_rise50_placebo": 0.3, "p_rise50_cyt107": 0.9, "day": 29}]).to_csv(
        tmp_path / "tables" / "design_inputs_alc.csv", index=False)
    pd.DataFrame([
        {"provenance": "published", "case": "sepsis_mortality", "prior": "minimally_informative",
         "log_mean": np.log(0.75), "log_sd": 0.15},
        {"provenance": "published", "case": "sepsis_mortality", "prior": "skeptical",
         "log_mean": 0.0, "log_sd": 0.2},
    ]).to_csv(tmp_path / "tables" / "reanalysis_summary.csv", index=False)
    return tmp_path


def test_readers_use_upstream_tables_and_label_synthetic(results):
    alc = T.read_alc_inputs(results)
    assert alc.log_ratio_mean == 1.1
    assert SYNTHETIC_NOTE in alc.source
    post = T.read_reanalysis(results, "mortality")
    assert (post.log_mean, post.log_sd) == (pytest.approx(np.log(0.75)), 0.15)
    assert "published" in post.source and "sepsis_mortality" in post.source
    assert T.read_reanalysis(results, "mortality", prior="skeptical").log_mean == 0.0
    assert T.read_reanalysis(results, "infection") is None  # no such row: the caller falls back
    dp = T.design_prior_from_results(results, "mortality")
    assert "sepsis_mortality" in dp.source
    assert T.design_prior_from_results(results / "nothing", "mortality").source.startswith(
        "FALLBACK")


def test_reader_errors_name_file_row_column(tmp_path):
    (tmp_path / "tables").mkdir()
    pd.DataFrame([{"case": "sepsis_mortality", "prior": "minimally_informative",
                   "log_mean": 0.1, "log_sd": -1}]).to_csv(
        tmp_path / "tables" / "reanalysis_summary.csv", index=False)
    with pytest.raises(InputError) as err:
        T.read_reanalysis(tmp_path, "mortality")
    p = err.value.problems[0]
    assert p.column == "log_sd" and p.row == 2 and "reanalysis_summary.csv" in str(p.file)
    pd.DataFrame([{"log_ratio_mean": 1.0}]).to_csv(tmp_path / "tables" / "design_inputs_alc.csv",
                                                   index=False)
    with pytest.raises(InputError, match="missing column"):
        T.read_alc_inputs(tmp_path)
