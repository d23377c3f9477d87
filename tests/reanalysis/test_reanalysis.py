"""Reanalysis of published summaries: conjugate normal closed forms, the grid engine against the
exact beta answer, and the built-in cases reproducing their published inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayes_iris import reanalysis as S
from bayes_iris import seeds
from bayes_iris.errors import InputError


def _mortality():
    # FACTS.md, meta-analysis PMID 42055480, sepsis mortality RR 1.01 (0.36–2.81)
    return S.Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR")


def test_minimally_informative_reproduces_published_inputs():
    for name, (v, lo, hi) in {"sepsis_mortality": (1.01, 0.36, 2.81),
                              "sepsis_secondary_infection": (1.05, 0.48, 2.30)}.items():
        case = S.builtin_case(name)
        res = S.reanalyze(case.data, S.prior_grid(case.mcid), case=name)
        row = res.table.set_index("prior").loc["minimally_informative"]
        assert row["median"] == pytest.approx(v, rel=0.01)
        # published CI limits are rounded and not exactly symmetric on the log scale
        assert row["lower95"] == pytest.approx(lo, rel=0.02)
        assert row["upper95"] == pytest.approx(hi, rel=0.02)
        assert row["case"] == name


def test_normal_update_matches_closed_form():
    e = _mortality()
    se = (np.log(2.81) - np.log(0.36)) / (2 * stats.norm.ppf(0.975))
    assert e.se == pytest.approx(se, rel=1e-12)
    grid = S.prior_grid(0.8, extra=[S.Prior(name="mine", mean=-0.3, sd=0.2)])
    res = S.reanalyze(e, grid, baseline_risk=0.3)
    row = res.table.set_index("prior").loc["mine"]
    prec = 1 / 0.2**2 + 1 / se**2
    m = (-0.3 / 0.2**2 + np.log(1.01) / se**2) / prec
    s = np.sqrt(1 / prec)
    assert row["log_mean"] == pytest.approx(m, rel=1e-10)
    assert row["log_sd"] == pytest.approx(s, rel=1e-10)
    assert row["median"] == pytest.approx(np.exp(m), rel=1e-10)
    assert row["upper95"] == pytest.approx(np.exp(m + 1.959963984540054 * s), rel=1e-10)
    assert row["p_benefit"] == pytest.approx(stats.norm.cdf(0, m, s), rel=1e-10)
    assert row["p_benefit_mcid"] == pytest.approx(stats.norm.cdf(np.log(0.8), m, s), rel=1e-10)
    assert row["p_harm"] == pytest.approx(1 - row["p_benefit"], abs=1e-14)
    # absolute risk difference at baseline 0.3: monotone transform of the RR quantiles
    assert row["ard_median"] == pytest.approx(0.3 * (np.exp(m) - 1), rel=1e-10)
    assert row["ard_lower95"] < row["ard_median"] < row["ard_upper95"]


def test_prior_grid_parameterisation_is_as_documented():
    g = {p.name: p for p in S.prior_grid(0.8)}
    d = np.log(1.25)
    for name, p_out in (("neutral_weak", 0.5), ("neutral_moderate", 0.25), ("neutral_strong", 0.05)):
        p = g[name]
        assert p.mean == 0
        assert stats.norm.cdf(-d, 0, p.sd) + stats.norm.sf(d, 0, p.sd) == pytest.approx(p_out)
    assert g["optimistic"].mean == pytest.approx(np.log(0.8))
    assert stats.norm.sf(0, g["optimistic"].mean, g["optimistic"].sd) == pytest.approx(0.15)
    assert stats.norm.cdf(0, g["pessimistic"].mean, g["pessimistic"].sd) == pytest.approx(0.15)
    # sceptical priors pull the posterior towards 1; optimistic towards the MCID
    t = S.reanalyze(_mortality(), S.prior_grid(0.8)).table.set_index("prior")
    assert t.loc["neutral_strong", "upper95"] < t.loc["neutral_weak", "upper95"]
    assert t.loc["optimistic", "p_benefit"] > t.loc["neutral_weak", "p_benefit"] > (
        t.loc["pessimistic", "p_benefit"])


def test_counts_large_sample_agree_with_normal_approximation():
    c = S.Counts(events_treated=300, n_treated=1000, events_control=400, n_control=1000,
                 measure="OR")
    res = S.reanalyze(c, S.prior_grid(0.8)).table.set_index("prior")
    lor = np.log(300 / 700) - np.log(400 / 600)
    se = np.sqrt(1 / 300 + 1 / 700 + 1 / 400 + 1 / 600)
    assert res.loc["minimally_informative", "log_mean"] == pytest.approx(lor, abs=0.01)
    assert res.loc["minimally_informative", "log_sd"] == pytest.approx(se, rel=0.02)
    assert res.loc["independent_beta", "log_mean"] == pytest.approx(lor, abs=0.01)
    approx = S.reanalyze(c, S.prior_grid(0.8), method="normal").table.set_index("prior")
    assert approx.loc["minimally_informative", "log_mean"] == pytest.approx(lor, abs=1e-3)
    assert approx.loc["minimally_informative", "log_sd"] == pytest.approx(se, rel=1e-3)
    for prior in ("neutral_moderate", "optimistic"):   # exact quadrature vs the approximation
        assert res.loc[prior, "median"] == pytest.approx(approx.loc[prior, "median"], rel=0.01)


def test_counts_builtin_probabilities_match_monte_carlo():
    """The independent-beta row (3/15 vs 0/6) against direct simulation from the two betas."""
    res = S.reanalyze(S.builtin_case("iv-fever-respiratory-distress").data, S.prior_grid(0.8))
    row = res.table.set_index("prior").loc["independent_beta"]
    rng = seeds.rng(3, "test.summary.mc")
    n = 400_000
    rr = rng.beta(4, 13, n) / rng.beta(1, 7, n)
    assert row["p_harm"] == pytest.approx(np.mean(rr > 1), abs=4 * np.sqrt(0.25 / n))
    assert row["log_mean"] == pytest.approx(np.mean(np.log(rr)), abs=0.01)
    assert row["log_sd"] == pytest.approx(np.std(np.log(rr)), rel=0.01)


@pytest.mark.parametrize("kwargs", [
    dict(value=1.0, lower=1.2, upper=2.0),        # lower > estimate
    dict(value=-1.0, lower=-2.0, upper=0.5),      # non-positive ratio
    dict(value=1.0, lower=0.0, upper=2.0),        # zero CI limit on a ratio
])
def test_bad_estimates_raise(kwargs):
    with pytest.raises(InputError):
        S.Estimate(measure="RR", **kwargs)


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError, match="treated events 16 > n 15"):
        S.Counts.parse("16/15,0/6")
    with pytest.raises(InputError):
        S.Counts.parse("3-15")
    with pytest.raises(InputError):
        S.reanalyze(_mortality(), S.prior_grid(0.8), baseline_risk=1.2)
    with pytest.raises(InputError):
        S.prior_grid(1.25)   # not on the benefit side
    with pytest.raises(InputError):
        S.prior_grid(-0.8)
    with pytest.raises(InputError):
        S.builtin_case("no-such-case")


def test_grid_overrides_merge_and_unknown_keys_name_the_known_ones():
    g = {p.name: p for p in S.prior_grid(0.8, overrides={"neutral_strong": {"p_beyond": 0.01}})}
    d = np.log(1.25)
    p = g["neutral_strong"]
    assert stats.norm.cdf(-d, 0, p.sd) + stats.norm.sf(d, 0, p.sd) == pytest.approx(0.01)
    assert S.statement(p, np.log(0.8))["p_beyond_mcid"] == pytest.approx(0.01)
    with pytest.raises(InputError, match="neutral_moderate"):
        S.prior_grid(0.8, overrides={"neutral_stronk": {"p_beyond": 0.01}})
    with pytest.raises(InputError):
        S.prior_grid(0.8, overrides={"optimistic": {"p_wrong_side": 1.5}})


def test_result_shape_draws_are_the_densities_behind_the_table():
    res = S.reanalyze(_mortality(), S.prior_grid(0.8))
    assert list(res.tables()) == ["reanalysis_summary"]
    assert list(res.table.columns) == S.REANALYSIS_COLUMNS
    d = res.draws
    assert list(d["prior"].values) == res.table["prior"].tolist()
    psi = d["psi"].values
    # each posterior density integrates to 1, and its mean is the table's log_mean
    for name, row in res.table.set_index("prior").iterrows():
        post = d["posterior"].sel(prior=name).values
        assert np.trapezoid(post, psi) == pytest.approx(1.0, abs=1e-3)
        assert np.trapezoid(psi * post, psi) == pytest.approx(row["log_mean"], abs=1e-3)
