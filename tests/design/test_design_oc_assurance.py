"""OC and assurance: exact vs Monte Carlo within MC error; limits; ceilings; engines agree."""

import numpy as np
import pytest
from scipy import stats

from bayes_iris.design import (
    BayesRule,
    BetaMix,
    BinaryDesign,
    BinaryDesignPrior,
    Criterion,
    NormalDesign,
    NormalDesignPrior,
    NormMix,
    ZTestRule,
    assurance,
    assurance_exact,
    ohagan_assurance,
    simulate_binary_jax,
    simulate_binary_numpy,
)
from bayes_iris.seeds import rng

RULE = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)], endpoint="mortality")
FLAT = BetaMix.single(1, 1)


def test_exact_binary_oc_matches_simulation():
    d = BinaryDesign(RULE, FLAT, BetaMix.single(3, 7), 60, 40)
    r = rng(3, "test.oc")
    n = 40000
    y1, y2 = r.binomial(60, 0.2, n), r.binomial(40, 0.4, n)
    sim = d.decision[y1, y2].mean()
    exact = float(d.oc(0.2, 0.4))
    assert abs(sim - exact) < 4 * np.sqrt(exact * (1 - exact) / n)


def test_normal_oc_quadrature_matches_simulation_with_mixture_priors():
    prior1 = NormMix.single(0.0, 5.0)
    prior2 = NormMix([0.8, 0.2], [0.1, 0.0], [0.15, 2.0])
    rule = BayesRule(criteria=[Criterion(prob=0.9), Criterion(prob=0.5, threshold=0.2)])
    d = NormalDesign(rule, prior1, prior2, 50, 30, sigma=1.0)
    exact = float(d.oc(0.5, 0.1))
    r = rng(4, "test.ocn")
    n = 40000
    hit = d.decide(r.normal(0.5, d.se1, n), r.normal(0.1, d.se2, n)).mean()
    assert abs(hit - exact) < 4 * np.sqrt(exact * (1 - exact) / n)


def test_bayes_rule_with_vague_priors_has_z_test_power():
    vague = NormMix.single(0.0, 1e4)
    rule = BayesRule(criteria=[Criterion(prob=0.975)])
    d = NormalDesign(rule, vague, vague, 100, 100, sigma=1.0)
    assert float(d.oc(0.4, 0.0)) == pytest.approx(ohagan_assurance(0.4, 0.0, 1.0, 100), abs=1e-4)


def test_binary_assurance_exact_vs_monte_carlo():
    d = BinaryDesign(RULE, FLAT, FLAT, 80, 80)
    t, c = BetaMix.single(6, 18), BetaMix.single(10, 15)
    exact = assurance_exact(d, t, c)
    res = assurance(d, BinaryDesignPrior(control=c, treatment=t), n_draws=20000, seed=5)
    assert abs(res.assurance - exact) < 4 * res.mcse
    assert res.mcse > 0


def test_assurance_tends_to_power_as_design_variance_vanishes():
    d = BinaryDesign(RULE, FLAT, FLAT, 150, 150)
    dp = BinaryDesignPrior(control=BetaMix.single(35, 65),
                           log_rr=NormMix.single(np.log(0.7), 0.3))
    power = float(d.oc(0.35 * 0.7, 0.35))
    gaps = []
    for f in (1.0, 0.1, 1e-4):
        res = assurance(d, dp.shrink(f), n_draws=4000, seed=6)
        gaps.append(abs(res.assurance - power))
    assert gaps[-1] < 0.01
    assert gaps[0] > gaps[-1]


def test_assurance_never_exceeds_probability_of_benefit():
    d = BinaryDesign(RULE, FLAT, FLAT, 2000, 2000)
    dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(-0.05, 0.3))
    res = assurance(d, dp, n_draws=4000, seed=7)
    p_benefit = stats.norm.cdf(0, -0.05, 0.3)
    assert res.p_benefit == pytest.approx(p_benefit, abs=0.03)
    assert res.assurance < p_benefit
    # normal endpoint: closed form and MC both below P(δ > 0)
    for v in (0.01, 0.1, 1.0):
        assert ohagan_assurance(0.1, v, 1.0, 10**6) < stats.norm.sf(0, 0.1, np.sqrt(v))


def test_normal_bayes_assurance_vs_ohagan_with_vague_priors():
    vague = NormMix.single(0.0, 1e4)
    rule = BayesRule(criteria=[Criterion(prob=0.975)])
    d = NormalDesign(rule, vague, vague, 80, 80, sigma=1.0)
    dp = NormalDesignPrior(delta=NormMix.single(0.35, 0.2), sigma=1.0)
    res = assurance(d, dp, n_draws=30000, seed=8)
    assert abs(res.assurance - ohagan_assurance(0.35, 0.04, 1.0, 80)) < 4 * res.mcse


def test_jax_engine_agrees_with_numpy_reference_and_exact():
    designs = [BinaryDesign(RULE, FLAT, FLAT, n, n) for n in (20, 60, 150)]
    t, c = BetaMix.single(6, 18), BetaMix.single(10, 15)
    dp = BinaryDesignPrior(control=c, treatment=t)
    a = simulate_binary_jax(designs, dp, 30000, seed=9)
    b = simulate_binary_numpy(designs, dp, 30000, seed=9)
    exact = np.array([assurance_exact(d, t, c) for d in designs])
    assert np.all(np.abs(a.success - b.success) < 4 * np.hypot(a.mcse, b.mcse))
    assert np.all(np.abs(a.success - exact) < 4 * a.mcse + 1e-12)
    assert np.all(np.abs(b.success - exact) < 4 * b.mcse + 1e-12)
    again = simulate_binary_jax(designs, dp, 30000, seed=9)
    np.testing.assert_array_equal(a.success, again.success)  # same seed, same numbers


def test_jax_engine_handles_unequal_arms_and_padding():
    designs = [BinaryDesign(ZTestRule(alternative="less"), None, None, n, m)
               for n, m in ((30, 15), (45, 22))]
    dp = BinaryDesignPrior(control=0.4, treatment=0.2)
    a = simulate_binary_jax(designs, dp, 12345, seed=1, batch=1000)
    exact = np.array([float(d.oc(0.2, 0.4)) for d in designs])
    assert np.all(np.abs(a.success - exact) < 4 * a.mcse)


def test_jax_engine_high_rates_and_large_increments():
    """Rates above 1/2 (failures drawn instead) and sample-size gaps above 32 (chunked)."""
    rule = BayesRule(criteria=[Criterion(prob=0.975)])
    designs = [BinaryDesign(rule, FLAT, FLAT, n, n) for n in (7, 75)]
    dp = BinaryDesignPrior(control=0.6, treatment=0.85)
    a = simulate_binary_jax(designs, dp, 20000, seed=4)
    exact = np.array([float(d.oc(0.85, 0.6)) for d in designs])
    assert np.all(np.abs(a.success - exact) < 4 * a.mcse + 1e-9)


@pytest.mark.slow
def test_engines_match_exact_assurance_at_a_million_trials():
    designs = [BinaryDesign(RULE, FLAT, FLAT, n, n) for n in (30, 120, 300)]
    t, c = BetaMix.single(6, 18), BetaMix.single(10, 15)
    dp = BinaryDesignPrior(control=c, treatment=t)
    exact = np.array([assurance_exact(d, t, c) for d in designs])
    for engine in (simulate_binary_jax, simulate_binary_numpy):
        res = engine(designs, dp, 1_000_000, seed=12)
        assert np.all(np.abs(res.success - exact) < 4 * res.mcse)
        assert res.mcse.max() < 6e-4
