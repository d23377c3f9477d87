"""Oracle tests: published numbers (../shared/ORACLES.md) reproduced by the design engine."""

import numpy as np
import pytest
from scipy import stats

from bayes_iris.design import (
    BayesRule,
    BetaMix,
    BinaryDesign,
    Criterion,
    NormalDesign,
    NormalDesignPrior,
    NormMix,
    ZTestRule,
    assurance,
    ohagan_assurance,
    predictive_power,
    predictive_probability,
    predictive_probability_normal,
    prob_difference,
    stopping_boundaries,
)

# RBesT introduction vignette: 4-component MAP prior for the placebo response rate.
MAP_W = np.array([0.4612914, 0.1917812, 0.1893896, 0.1575378])
MAP_A = [33.9513487, 19.4400089, 12.2692310, 2.2521243]
MAP_B = [103.0146367, 41.5205219, 55.9202833, 5.4812202]


def test_lee_liu_predictive_probability_beta_prior():
    """Lee & Liu (2008), Clinical Trials 5:93-106: x=16/23, Nmax=40, p0=0.6, θT=0.9."""
    pp = predictive_probability(16, 23, 40, 0.6, 0.9, BetaMix.single(0.6, 0.4))
    assert pp == pytest.approx(0.5655589, abs=1e-6)


def test_lee_liu_predictive_probability_mixture_prior():
    """phase1b tests: x=20/23 with a 3:1 mixture of Beta(1,1) and Beta(25,15)."""
    prior = BetaMix([0.75, 0.25], [1, 25], [1, 15])
    assert predictive_probability(20, 23, 40, 0.6, 0.9, prior) == pytest.approx(0.9874431,
                                                                               abs=1e-6)


def test_lee_liu_stopping_boundaries():
    """Looks at 10/20/30/40, p0=0.2, θT=0.8, θL=0.1, θU=0.9, Beta(1,1)."""
    b = stopping_boundaries([10, 20, 30, 40], 40, 0.2, 0.8, theta_l=0.1, theta_u=0.9)
    assert b["futility_max_x"].tolist() == [0, 2, 5, 9]
    assert b["efficacy_min_x"].tolist() == [4, 7, 9, 10]
    np.testing.assert_allclose(b["post_prob_at_futility"], [0.0859, 0.1787, 0.3931, 0.704],
                               atol=1e-3)


def test_rbest_map_mixture_moments():
    """RBesT vignette: the MAP mixture's mean 0.2554589 and sd 0.0866205."""
    m = BetaMix(MAP_W, MAP_A, MAP_B)
    assert m.mean == pytest.approx(0.2554589, abs=1e-6)
    assert m.sd == pytest.approx(0.0866205, abs=1e-6)


def test_rbest_two_arm_binary_robust_mixture():
    """RBesT vignette: robust MAP (w=0.2 on Beta(1,1)), treatment Beta(0.5,1); 1/6 vs 14/24."""
    placebo = BetaMix(MAP_W, MAP_A, MAP_B).robustify(0.2, 1, 1)
    treat = BetaMix.single(0.5, 1)
    p = prob_difference(treat.posterior(14, 24), placebo.posterior(1, 6))
    assert p == pytest.approx(0.9917197, abs=1e-5)


def test_rbest_normal_dual_criterion():
    """RBesT normal-endpoint article (Crohn's disease): p1, p2 and the decision."""
    placebo = NormMix([0.50104846, 0.41871594, 0.08023561],
                      [-51.42408665, -47.25917128, -55.07086416],
                      [19.04525409, 7.85193726, 44.57325], sigma=88).robustify(0.2, -50, 88)
    active = NormMix.single(-50, 88, sigma=88)
    rule = BayesRule(criteria=[Criterion(prob=0.95, threshold=0, lower_tail=True),
                               Criterion(prob=0.5, threshold=-50, lower_tail=True)])
    post_a, post_p = active.posterior(-29.2, 14.0), placebo.posterior(-63.1, 13.9)
    p1, p2 = rule.probabilities(post_a, post_p)
    assert p1 == pytest.approx(0.06270104, abs=1e-6)
    assert p2 == pytest.approx(3.827361e-06, abs=1e-6)
    assert rule.decide(post_a, post_p) is False


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(0.0, [1.8, 2.3, 2.4, 2.6, 2.8, 2.6]), (0.3, [89.7, 82.1, 79.5, 79.5, 81.9, 89.8])],
)
def test_schmidli_table2_exact_enumeration(delta, expected):
    """Schmidli et al. (2014) Biometrics, Table 2 (uniform priors, 40 vs 38, P(δ>0) > 0.975)."""
    rule = BayesRule(criteria=[Criterion(prob=0.975)])
    design = BinaryDesign(rule, BetaMix.single(1, 1), BetaMix.single(1, 1), 40, 38)
    pc = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    oc = 100 * design.oc(pc + delta, pc)
    np.testing.assert_allclose(oc, expected, atol=2.5)


def test_ohagan_closed_form_vs_monte_carlo():
    """O'Hagan, Stevens & Campbell (2005): closed-form assurance vs Monte Carlo within 4 MCSE."""
    m, sd, sigma, n = 0.3, 0.25, 1.0, 120
    design = NormalDesign(ZTestRule(alpha=0.025), None, None, n, n, sigma=sigma)
    dp = NormalDesignPrior(delta=NormMix.single(m, sd), sigma=sigma)
    res = assurance(design, dp, n_draws=40000, seed=11)
    exact = ohagan_assurance(m, sd**2, sigma, n, alpha=0.025)
    assert abs(res.assurance - exact) < 4 * res.mcse
    assert exact < stats.norm.sf(0, m, sd)  # never above P(δ > 0)


def test_ohagan_limit_equals_power():
    """v → 0: assurance is the ordinary power 1 - Φ(z_α - m/s)."""
    s = np.sqrt(2 / 100)
    power = stats.norm.sf(stats.norm.isf(0.025) - 0.4 / s)
    assert ohagan_assurance(0.4, 1e-12, 1.0, 100) == pytest.approx(power, abs=1e-9)


@pytest.mark.parametrize(("z_t", "t"), [(1.0, 0.5), (2.2, 0.3), (-0.5, 0.7)])
def test_spiegelhalter_predictive_power(z_t, t):
    """Spiegelhalter, Freedman & Blackburn (1986): flat prior, PP closed form; the general
    normal predictive probability (quadrature) must agree with it."""
    expected = stats.norm.cdf((z_t / np.sqrt(t) - stats.norm.isf(0.025)) * np.sqrt(t / (1 - t)))
    assert predictive_power(z_t, t, 0.025) == pytest.approx(expected, abs=1e-12)
    n, sigma = 200, 1.0
    m = round(t * n)
    ybar1 = z_t * sigma * np.sqrt(2 / m)  # interim z statistic with ȳ2 = 0
    design = NormalDesign(ZTestRule(alpha=0.025), None, None, n, n, sigma=sigma)
    pp = predictive_probability_normal(design, ybar1, m, 0.0, m)
    assert pp == pytest.approx(predictive_power(z_t, m / n, 0.025), abs=1e-5)
