"""sample_size with design priors from published facts or from a results folder."""

import numpy as np
import pandas as pd
import pytest

from bayes_iris.design import (
    BetaMix,
    BinaryDesignPrior,
    NormMix,
    alc_design_prior,
    clinical_design_prior,
    sample_size,
)
from bayes_iris.design.design_priors import bridged_design_prior
from bayes_iris.errors import InputError
from bayes_iris.results.tables import design_prior_from_results

CURVE_COLUMNS = ["n_total", "n_treat", "n_control", "assurance", "mcse", "power_at_point",
                 "p_benefit"]


@pytest.fixture
def results(tmp_path):
    """A results folder with FABRICATED upstream tables (the readers: tests/results)."""
    (tmp_path / "tables").mkdir()
    pd.DataFrame([{"provenance": "synthetic", "model": "piecewise", "log_ratio_mean": 1.1,
                   "log_ratio_sd": 0.25, "sd_patient_log_alc_day29": 0.7,
                   "p_rise50_placebo": 0.3, "p_rise50_cyt107": 0.9, "day": 29}]).to_csv(
        tmp_path / "tables" / "design_inputs_alc.csv", index=False)
    pd.DataFrame([
        {"provenance": "published", "case": "sepsis_mortality", "prior": "minimally_informative",
         "log_mean": np.log(0.75), "log_sd": 0.15},
        {"provenance": "published", "case": "sepsis_secondary_infection",
         "prior": "minimally_informative", "log_mean": 0.05, "log_sd": 0.4},
    ]).to_csv(tmp_path / "tables" / "reanalysis_summary.csv", index=False)
    return tmp_path


def test_fallbacks_are_labelled():
    assert clinical_design_prior("mortality").source.startswith("FALLBACK")
    dp = alc_design_prior()
    assert dp.source.startswith("FALLBACK") and "ASSUMPTION" in dp.assumptions[0]
    bridge = bridged_design_prior(dp, -0.2, 0.1, 0.35, seed=1)
    assert "ASSUMPTION" in bridge.source


def test_mortality_sample_size_with_pooled_rr_design_prior(results):
    res = sample_size("mortality", design_prior_from_results(results, "mortality"), n_grid=[100, 300, 600, 1000], n_sim=3000,
                      seed=1, target=0.6)
    # two-arm curves also carry expected power (success given a relevant effect) and its MCSE
    assert list(res.curve.columns) == [*CURVE_COLUMNS, "expected_power", "expected_power_mcse",
                                       "p_relevant"]
    assert "sepsis_mortality" in res.design_prior_source
    a = res.curve["assurance"].to_numpy()
    assert a[-1] > a[0]
    assert np.all(a <= res.curve["p_benefit"] + 4 * res.curve["mcse"])
    assert res.recommended_n in (300, 600, 1000)
    assert res.curve.loc[res.curve["n_total"] == res.recommended_n, "assurance"].iloc[0] >= 0.6
    assert "mortality on CYT107 is lower" in res.rule


def test_alc_sample_size_with_trajectory_posterior(results):
    res = sample_size("alc", design_prior_from_results(results, "alc"), n_grid=[4, 8, 16, 32],
                      n_sim=4000, seed=2)
    assert res.recommended_n is not None
    assert res.design_prior_source.startswith("trajectory posterior")
    assert res.curve["mcse"].max() < 0.01


def test_unreachable_target_gives_none_and_says_why():
    dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(0.0, 0.3), label="null")
    res = sample_size("mortality", dp, n_grid=[200, 400], n_sim=2000, target=0.8)
    assert res.recommended_n is None
    assert "P(benefit)" in res.note


def test_allocation_and_engines_agree():
    dp = BinaryDesignPrior(control=0.4, log_rr=NormMix.single(np.log(0.6), 0.1))
    kw = dict(n_grid=[90, 180], allocation=2.0, n_sim=20000, seed=3)
    rb = sample_size("mortality", dp, engine="rao-blackwell", **kw)
    jx = sample_size("mortality", dp, engine="jax", **kw)
    assert rb.curve["n_treat"].tolist() == [60, 120]
    diff = (rb.curve["assurance"] - jx.curve["assurance"]).abs()
    assert np.all(diff < 4 * np.hypot(rb.curve["mcse"], jx.curve["mcse"]))


@pytest.mark.parametrize("kwargs", [dict(endpoint="death"), dict(target=1.5),
                                    dict(allocation=0), dict(endpoint="mortality", n_grid=[1])])
def test_sample_size_bad_input(kwargs):
    with pytest.raises(InputError):
        sample_size(**{"endpoint": "safety", **kwargs})


# -- the exact search: first and sustained crossings, caps, progress, purpose -------------------
def test_saw_toothed_safety_curve_reports_first_and_sustained_crossings():
    """The issue's example: the safety design first reaches 0.8 at n = 70 but dips below again;
    every n is checked here against the exact single-arm assurance."""
    from bayes_iris.design import (
        OneSampleRule,
        SingleArmDesignPrior,
        assurance_single_arm,
        safety_design_prior,
    )

    res = sample_size("safety")
    rule = OneSampleRule(prob=0.9, threshold=0.10)
    ns = np.arange(4, 121)
    a = np.array([assurance_single_arm(rule, BetaMix.single(1, 1), n, safety_design_prior())
                  for n in ns])
    ok = a >= 0.8
    first = int(ns[np.argmax(ok)])
    sustained = int(ns[np.nonzero(~ok)[0][-1] + 1])
    assert (res.first_crossing_n, res.sustained_n, res.recommended_n) == (first, sustained,
                                                                           sustained)
    assert first < sustained and "not the first crossing" in res.recommendation
    assert isinstance(SingleArmDesignPrior(rate=0.2), SingleArmDesignPrior)


def test_exact_path_has_no_monte_carlo_and_power_is_the_oc():
    res = sample_size("rise50", metric="power")
    assert (res.curve["mcse"] == 0).all() and res.method.startswith("exact")
    from bayes_iris.design import default_design_prior, preset_design

    dp = default_design_prior("rise50")
    row = res.curve.iloc[len(res.curve) // 2]
    d = preset_design("rise50").with_n(int(row.n_treat), int(row.n_control))
    assert row.power_at_point == pytest.approx(float(d.oc(*dp.point())), abs=1e-12)
    steps = np.diff(res.curve["n_total"])
    assert steps.min() == 2  # the refined window walks the 1:1 lattice


def test_generic_design_needs_no_endpoint_name():
    from bayes_iris.design import (
        BayesRule,
        Criterion,
        NormalDesign,
        TwoArmDesignPrior,
    )

    d = NormalDesign(BayesRule(criteria=[Criterion(prob=0.975)], endpoint="change in SOFA"),
                     NormMix.single(0, 10), NormMix.single(0, 10), 1, 1, sigma=3.0, sigma2=4.0)
    dp = TwoArmDesignPrior(NormMix.single(1.5, 0.5), 0.0)
    res = sample_size(d, dp, n_max=600, allocation=2.0)
    assert res.endpoint == "change in SOFA" and res.purpose == ""
    assert (res.curve["n_treat"] == 2 * res.curve["n_control"]).all()
    hit = res.curve[res.curve.n_total == res.recommended_n].iloc[0]
    assert hit.assurance >= 0.8
    below = res.curve[res.curve.n_total < res.recommended_n]
    assert (below.assurance < 0.8).iloc[-1]  # the step before the recommendation misses


def test_cap_is_a_clear_input_error():
    with pytest.raises(InputError, match="cap of 10000") as err:
        sample_size("mortality", n_max=100_000_000)
    assert err.value.problems[0].column == "n_max"


def test_biomarker_sizes_are_labelled_mechanistic():
    assert sample_size("alc", n_grid=[10, 20]).purpose.startswith("phase II / mechanistic")
    assert sample_size("rise50", n_grid=[10, 20]).purpose.startswith("phase II / mechanistic")
    assert sample_size("mortality", n_grid=[100]).purpose.startswith("phase III")


def test_progress_lines_when_not_a_terminal(capsys):
    sample_size("safety", n_max=120, progress=True)
    err = capsys.readouterr().err
    assert "sample size (one arm binary)" in err and "(100 %)" in err
