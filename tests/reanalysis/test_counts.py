"""2×2 counts: the arms are treated symmetrically (swap → reciprocal ratio; 0/n vs 0/n → no
evidence either way), the quadrature engine reproduces the exact independent-uniform answer
(oracle: the conjugate beta posteriors), the normal approximation is the textbook one, and
absurd counts are refused with a clear message."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.integrate import cumulative_trapezoid

from bayes_iris import reanalysis as S
from bayes_iris.cli import main as cli_main
from bayes_iris.design.distributions import BetaMix
from bayes_iris.errors import InputError
from bayes_iris.reanalysis import counts as C
from bayes_iris.reanalysis.two_arm import prob_odds_ratio_greater, prob_ratio_greater

ROWS = ["median", "lower95", "upper95", "p_benefit", "p_benefit_mcid", "p_harm"]


def _table(c, **kw):
    return S.reanalyze(c, S.prior_grid(0.8), **kw).table.set_index("prior")


def _assert_reciprocal(t, ts, rel=1e-7, abs_p=1e-8):
    """``ts`` (arms swapped) is the mirror image of ``t`` under every prior: the ratio's
    median and limits are reciprocal, P(benefit) and P(harm) exchange. Priors with a mean
    (optimistic / pessimistic) swap roles with their mirror images."""
    mirror = {"optimistic": "pessimistic", "pessimistic": "optimistic"}
    for prior in t.index:
        r, m = t.loc[prior], ts.loc[mirror.get(prior, prior)]
        assert r["median"] * m["median"] == pytest.approx(1.0, rel=rel), prior
        assert r["lower95"] * m["upper95"] == pytest.approx(1.0, rel=rel), prior
        assert r["upper95"] * m["lower95"] == pytest.approx(1.0, rel=rel), prior
        assert r["p_benefit"] == pytest.approx(m["p_harm"], abs=abs_p), prior
        assert r["log_mean"] == pytest.approx(-m["log_mean"], abs=1e-7), prior


def test_issue_examples_zero_events_and_swapped_arms():
    """Issue #13: 0/50 vs 0/50 gave median RR 0.0017 and P(benefit) 0.94; 10/50 vs 15/50 and
    the swapped table gave 0.631 vs 1/1.40."""
    t = _table(S.Counts.parse("0/50,0/50"))
    for prior in ("minimally_informative", "independent_beta", "neutral_weak",
                  "neutral_strong"):
        assert t.loc[prior, "median"] == pytest.approx(1.0, abs=1e-8), prior
        assert t.loc[prior, "p_benefit"] == pytest.approx(0.5, abs=1e-9), prior
    # a symmetric prior with a mean: the data say nothing, the posterior leans as the prior
    assert t.loc["optimistic", "p_benefit"] == pytest.approx(
        1 - t.loc["pessimistic", "p_benefit"], abs=1e-9)
    a, b = S.Counts.parse("10/50,15/50"), S.Counts.parse("15/50,10/50")
    _assert_reciprocal(_table(a), _table(b))


@pytest.mark.parametrize("measure", ["RR", "OR"])
@pytest.mark.parametrize("method", ["exact", "normal"])
def test_swapping_arms_gives_the_reciprocal_under_every_prior(measure, method):
    c = S.Counts.parse("3/15,0/6", measure=measure)
    _assert_reciprocal(_table(c, method=method), _table(c.swapped(), method=method))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nt=st.integers(1, 400), nc=st.integers(1, 400), ft=st.floats(0, 1), fc=st.floats(0, 1),
       measure=st.sampled_from(["RR", "OR"]))
def test_symmetry_property(nt, nc, ft, fc, measure):
    """Any table: swapping arms mirrors the exact and quadrature rows; equal tables give
    P(benefit) = 1/2 and a median ratio of 1."""
    c = S.Counts(events_treated=round(ft * nt), n_treated=nt, events_control=round(fc * nc),
                 n_control=nc, measure=measure)
    t = _table(c)
    _assert_reciprocal(t, _table(c.swapped()), rel=1e-6, abs_p=1e-7)
    same = _table(S.Counts(events_treated=c.events_treated, n_treated=nt,
                           events_control=c.events_treated, n_control=nt, measure=measure))
    assert np.allclose(same.loc[["minimally_informative", "neutral_weak"], "p_benefit"], 0.5,
                       atol=1e-8)
    assert np.allclose(same.loc[["minimally_informative", "neutral_weak"], "median"], 1.0,
                       rtol=1e-7)


@pytest.mark.parametrize("text,measure", [
    ("3/15,2/12", "RR"), ("3/15,0/6", "RR"), ("3/15,0/6", "OR"), ("0/50,0/50", "RR"),
    ("15/15,0/6", "RR"), ("15/15,6/6", "OR"), ("300/1000,400/1000", "OR"),
    ("30000/100000,31000/100000", "RR"),
    ("3000000/10000000,3010000/10000000", "OR"), ("1/10000000,3/10000000", "RR"),
])
def test_quadrature_reproduces_exact_independent_uniform_posterior(text, measure):
    """Oracle: with ψ given the prior it has under independent uniform priors on the two risks
    (Laplace(0, 1) for the log RR; the logistic difference for the log OR), the adaptive
    quadrature must give the exact conjugate posterior CDF of the ratio — from 6 patients to
    10⁷ per arm."""
    c = S.Counts.parse(text, measure=measure)
    g = C.psi_grid(c)
    post = C.normalised(g, C.log_marginal_likelihood(c, g) + C.log_induced_prior(measure, g))
    cdf = cumulative_trapezoid(post, g, initial=0.0)
    cdf /= cdf[-1]
    t = BetaMix.single(1, 1).posterior(c.events_treated, c.n_treated)
    cc = BetaMix.single(1, 1).posterior(c.events_control, c.n_control)
    sf = prob_ratio_greater if measure == "RR" else prob_odds_ratio_greater
    a = c.normal_approximation()
    for r in np.exp(a.psi_hat + a.se * np.array([-2.0, -1.0, 0.0, 1.0, 2.0])):
        assert float(np.interp(np.log(r), g, cdf)) == pytest.approx(1 - sf(t, cc, r),
                                                                    abs=1e-4)


def test_induced_priors_are_the_independent_uniform_ones():
    """Monte Carlo check of the two induced densities (and hence of the nuisance priors)."""
    from bayes_iris import seeds

    r = seeds.rng(5, "test.reanalysis.induced")
    u1, u2 = r.uniform(size=(2, 400_000))
    for measure, psi in (("RR", np.log(u1) - np.log(u2)),
                         ("OR", np.log(u1 / (1 - u1)) - np.log(u2 / (1 - u2)))):
        for lo, hi in ((-0.5, 0.5), (1.0, 3.0), (-6.0, -2.0)):
            x = np.linspace(lo, hi, 401)
            p = np.trapezoid(np.exp(C.log_induced_prior(measure, x)), x)
            mc = np.mean((psi > lo) & (psi < hi))
            assert p == pytest.approx(mc, abs=4 * np.sqrt(mc * (1 - mc) / psi.size) + 1e-4)


def test_beta_prior_rows_are_the_exact_conjugate_answers():
    """Jeffreys (minimally_informative) and uniform (independent_beta) rows against Monte Carlo
    from the two beta posteriors (3/15 vs 0/6)."""
    from bayes_iris import seeds

    t = _table(S.builtin_case("iv-fever-respiratory-distress").data)
    r = seeds.rng(11, "test.reanalysis.beta_rows")
    n = 400_000
    for prior, a in (("minimally_informative", 0.5), ("independent_beta", 1.0)):
        rr = r.beta(3 + a, 12 + a, n) / r.beta(0 + a, 6 + a, n)
        row = t.loc[prior]
        assert row["p_harm"] == pytest.approx(np.mean(rr > 1), abs=4 * np.sqrt(0.25 / n))
        assert row["p_benefit_mcid"] == pytest.approx(np.mean(rr < 0.8), abs=4 * np.sqrt(
            0.25 / n))
        assert np.log(row["median"]) == pytest.approx(np.median(np.log(rr)), abs=0.02)
        assert row["log_mean"] == pytest.approx(np.mean(np.log(rr)), abs=0.02)
        assert row["method"] == "beta_exact" and "each arm" in row["prior_description"]
    m0, s0 = C.beta_prior_moments(0.5, "RR")
    assert (m0, s0) == (0.0, pytest.approx(np.sqrt(2 * np.pi**2 / 3)))


def test_normal_approximation_is_the_textbook_one_with_the_documented_correction():
    a = S.Counts.parse("10/50,15/50").normal_approximation()
    assert a.psi_hat == pytest.approx(np.log(10 / 50) - np.log(15 / 50))
    assert a.se == pytest.approx(np.sqrt(1 / 10 - 1 / 50 + 1 / 15 - 1 / 50))
    assert not a.corrected
    o = S.Counts.parse("10/50,15/50", measure="OR").normal_approximation()
    assert o.se == pytest.approx(np.sqrt(1 / 10 + 1 / 40 + 1 / 15 + 1 / 35))
    z = S.Counts.parse("3/15,0/6").normal_approximation()   # a zero cell: +0.5 everywhere
    assert z.corrected
    assert z.psi_hat == pytest.approx(np.log(3.5 / 16) - np.log(0.5 / 7))
    full = S.Counts.parse("15/15,6/6").normal_approximation()   # zero non-events
    assert full.corrected and full.se > 0 and full.psi_hat == pytest.approx(
        np.log(15.5 / 16) - np.log(6.5 / 7))
    t = _table(S.Counts.parse("10/50,15/50"), method="normal")
    row = t.loc["neutral_weak"]
    prec = 1 / t.loc["neutral_weak", "prior_sd_log"] ** 2 + 1 / a.se**2
    m = a.psi_hat / a.se**2 / prec
    assert row["log_mean"] == pytest.approx(m, rel=1e-10)
    assert row["p_benefit"] == pytest.approx(stats.norm.cdf(0, m, np.sqrt(1 / prec)), rel=1e-9)
    assert set(t["method"]) == {"normal_approximation"}
    assert "independent_beta" not in t.index


@pytest.mark.parametrize("kwargs,column,text", [
    (dict(events_treated=16, n_treated=15, events_control=0, n_control=6), "events_treated",
     "> n"),
    (dict(events_treated=-1, n_treated=15, events_control=0, n_control=6), "events_treated",
     "greater than or equal to 0"),
    (dict(events_treated=3.5, n_treated=15, events_control=0, n_control=6), "events_treated",
     "whole numbers"),
    (dict(events_treated=True, n_treated=15, events_control=0, n_control=6), "events_treated",
     "whole numbers"),
    (dict(events_treated=3, n_treated=float("nan"), events_control=0, n_control=6),
     "n_treated", "whole numbers"),
    (dict(events_treated=3, n_treated=500_000_000, events_control=0, n_control=6),
     "n_treated", "less than or equal to 10000000"),
    (dict(events_treated=3, n_treated=0, events_control=0, n_control=6), "n_treated",
     "greater than or equal to 1"),
])
def test_absurd_counts_raise_input_error_naming_the_column(kwargs, column, text):
    with pytest.raises(InputError) as err:
        S.Counts(**kwargs)
    p = err.value.problems[0]
    assert p.column == column and text in p.message
    if "10000000" in text:
        assert "not a trial count" in p.hint


def test_counts_at_the_cap_are_accepted_and_exact():
    c = S.Counts(events_treated=4_000_000, n_treated=10_000_000, events_control=4_010_000,
                 n_control=10_000_000)
    t = _table(c)
    a = c.normal_approximation()
    assert np.log(t.loc["minimally_informative", "median"]) == pytest.approx(a.psi_hat,
                                                                             abs=1e-5)
    assert t.loc["minimally_informative", "log_sd"] == pytest.approx(a.se, rel=1e-3)
    # 95 % interval: width 2·1.96·se, not a meaningless one
    width = np.log(t.loc["neutral_weak", "upper95"] / t.loc["neutral_weak", "lower95"])
    assert width == pytest.approx(2 * 1.96 * a.se, rel=0.01)


@pytest.mark.parametrize("argv", [
    ["reanalyze", "--counts", "500000000/500000000,1/600000000"],
    ["reanalyze", "--counts", "3.5/15,0/6"],
    ["reanalyze", "--counts", "3/15,0/6", "--method", "bayes"],
])
def test_cli_refuses_absurd_counts_with_exit_2(argv, capsys):
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_cli_normal_approximation(capsys):
    assert cli_main(["reanalyze", "--counts", "3/15,0/6", "--method", "normal"]) == 0
    assert "normal_approximation" in capsys.readouterr().out
