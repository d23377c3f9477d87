"""The generic design API: rule → OC → PoS for two-arm and one-arm, binary and normal designs.

Oracles: closed forms (normal OC with conjugate priors, O'Hagan et al. 2005 with a SD per arm,
Spiegelhalter et al. 1986 predictive power), Lee & Liu (2008) predictive probabilities (via the
generic interim PoS), exact enumeration; analytic vs Monte Carlo within 4 MCSE elsewhere.
"""

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
    OneArmBinaryDesign,
    OneArmDesignPrior,
    OneArmNormalDesign,
    OneArmRule,
    ThreeZoneRule,
    TwoArmDesignPrior,
    ZTestRule,
    assurance,
    assurance_exact,
    interim_design_prior,
    pos,
    pos_interim,
    predictive_power,
    predictive_probability_2arm,
    two_sided,
)
from bayes_iris.errors import InputError
from bayes_iris.seeds import rng

FLAT = BetaMix.single(1, 1)
LOWER = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])


def _within(est, exact, se, k=4.0):
    return abs(est - exact) < k * se + 1e-12


# -- two-arm binary ------------------------------------------------------------------------------
def test_binary_pos_exact_equals_predictive_sum_and_monte_carlo():
    d = BinaryDesign(LOWER, FLAT, FLAT, 80, 60)
    t, c = BetaMix.single(6, 18), BetaMix([0.6, 0.4], [10, 3], [15, 5])
    res = pos(d, TwoArmDesignPrior(t, c))
    assert res.assurance == pytest.approx(assurance_exact(d, t, c), abs=1e-12)
    mc = assurance(d, BinaryDesignPrior(control=c, treatment=t), n_draws=40000, seed=5)
    assert _within(mc.assurance, res.assurance, mc.mcse)
    assert res.mcse == 0 and res.assurance < res.p_benefit


def test_binary_expected_power_quadrature_vs_monte_carlo():
    d = BinaryDesign(LOWER, FLAT, FLAT, 150, 150)
    dp = BinaryDesignPrior(control=BetaMix.single(35, 65), log_rr=NormMix.single(-0.3, 0.3))
    exact = pos(d, dp, relevant=0.8)
    mc = assurance(d, dp, n_draws=40000, seed=2, relevant=0.8)
    assert _within(mc.assurance, exact.assurance, mc.mcse)
    assert _within(mc.expected_power, exact.expected_power, mc.expected_power_mcse)
    assert _within(mc.p_relevant, exact.p_relevant, np.sqrt(0.25 / 40000))
    assert exact.p_benefit == pytest.approx(stats.norm.cdf(0.0, -0.3, 0.3), abs=1e-9)


# -- two-arm normal, a SD per arm ---------------------------------------------------------------
def test_normal_oc_closed_form_with_conjugate_priors_and_two_sds():
    """Single normal priors: success iff ȳ₁ > a + b ȳ₂, so OC is one normal cdf."""
    s1, s2, n1, n2 = 1.0, 2.5, 40, 60
    p1, p2 = NormMix.single(0.1, 0.5), NormMix.single(-0.2, 0.3)
    rule = BayesRule(criteria=[Criterion(prob=0.9, threshold=0.1)])
    d = NormalDesign(rule, p1, p2, n1, n2, sigma=s1, sigma2=s2)
    se1, se2 = s1 / np.sqrt(n1), s2 / np.sqrt(n2)
    v1 = 1 / (1 / 0.25 + 1 / se1**2)
    v2 = 1 / (1 / 0.09 + 1 / se2**2)
    # m1 - m2 > q + z sqrt(v1+v2), m_i = v_i (mu0_i/s0_i^2 + ybar_i/se_i^2)
    z = stats.norm.ppf(0.9)
    for t1, t2 in [(0.5, 0.0), (0.2, 0.1), (-0.1, 0.0)]:
        mean = v1 * (0.1 / 0.25 + t1 / se1**2) - v2 * (-0.2 / 0.09 + t2 / se2**2)
        sd = np.sqrt((v1 / se1) ** 2 + (v2 / se2) ** 2)
        expected = stats.norm.sf(0.1 + z * np.sqrt(v1 + v2), mean, sd)
        assert float(d.oc(t1, t2)) == pytest.approx(expected, abs=1e-8)


def test_ohagan_assurance_with_two_sds():
    """Flat analysis priors: assurance = Φ((m − z s)/√(v + s²)), s² = σ₁²/n₁ + σ₂²/n₂."""
    s1, s2, n1, n2, m, v = 1.0, 1.8, 70, 50, 0.4, 0.09
    d = NormalDesign(ZTestRule(alpha=0.025), None, None, n1, n2, sigma=s1, sigma2=s2)
    s = np.sqrt(s1**2 / n1 + s2**2 / n2)
    closed = stats.norm.cdf((m - 1.959963985 * s) / np.sqrt(v + s**2))
    res = pos(d, TwoArmDesignPrior(NormMix.single(m, np.sqrt(v)), 0.0))
    assert res.assurance == pytest.approx(closed, abs=1e-7)
    vague = NormMix.single(0.0, 1e5)
    db = NormalDesign(BayesRule(criteria=[Criterion(prob=0.975)]), vague, vague, n1, n2,
                      sigma=s1, sigma2=s2)
    assert pos(db, TwoArmDesignPrior(NormMix.single(m, np.sqrt(v)), 0.0)).assurance == \
        pytest.approx(closed, abs=1e-5)


def test_normal_pos_mixture_priors_per_arm_vs_monte_carlo():
    rule = BayesRule(criteria=[Criterion(prob=0.9), Criterion(prob=0.5, threshold=0.2)])
    d = NormalDesign(rule, NormMix.single(0, 5), NormMix([0.8, 0.2], [0.1, 0], [0.15, 2]),
                     50, 30, sigma=1.0, sigma2=1.7)
    dp = TwoArmDesignPrior(NormMix.single(0.5, 0.2), NormMix([0.5, 0.5], [0.0, 0.2],
                                                              [0.1, 0.1]))
    res = pos(d, dp, relevant=0.2)
    r = rng(3, "test.generic.normal")
    n = 100_000
    tt, cc = dp.treatment.sample(r, n), dp.control.sample(r, n)
    hit = d.decide(r.normal(tt, d.se1), r.normal(cc, d.se2))
    assert _within(hit.mean(), res.assurance, hit.std() / np.sqrt(n))
    rel = (tt - cc) >= 0.2
    assert _within(hit[rel].mean(), res.expected_power, hit[rel].std() / np.sqrt(rel.sum()))


def test_normal_design_prior_matches_per_arm_prior():
    vague = NormMix.single(0.0, 1e4)
    d = NormalDesign(BayesRule(criteria=[Criterion(prob=0.975)]), vague, vague, 80, 80, 1.0)
    a = pos(d, NormalDesignPrior(delta=NormMix.single(0.35, 0.2), sigma=1.0, control_mean=0.3))
    b = pos(d, TwoArmDesignPrior(NormMix.single(0.65, 0.2), 0.3))
    assert a.assurance == pytest.approx(b.assurance, abs=1e-12)


# -- interim probability of success ------------------------------------------------------------
@pytest.mark.parametrize(("z_t", "t"), [(1.0, 0.5), (2.2, 0.3), (-0.5, 0.7)])
def test_interim_pos_is_spiegelhalter_predictive_power(z_t, t):
    n, sigma = 200, 1.0
    m = round(t * n)
    se = sigma / np.sqrt(m)
    d = NormalDesign(ZTestRule(alpha=0.025), None, None, n, n, sigma=sigma)
    res = pos_interim(d, (z_t * np.sqrt(2) * se, se, m), (0.0, se, m))
    assert res.assurance == pytest.approx(predictive_power(z_t, m / n, 0.025), abs=1e-7)


def test_interim_pos_with_observed_se_and_informative_priors_vs_monte_carlo():
    """Interim SEs as observed (not σ/√m), a SD per arm, informative analysis priors."""
    p1, p2 = NormMix.single(0.0, 1.0), NormMix([0.7, 0.3], [0.0, 0.5], [0.1, 1.0])
    rule = BayesRule(criteria=[Criterion(prob=0.9)])
    d = NormalDesign(rule, p1, p2, 60, 40, sigma=1.0, sigma2=1.5)
    i1, i2 = (0.35, 0.21, 30), (0.05, 0.36, 20)
    res = pos_interim(d, i1, i2)
    post1, post2 = p1.posterior(0.35, 0.21), p2.posterior(0.05, 0.36)
    r = rng(8, "test.generic.interim")
    n = 100_000
    th1, th2 = post1.sample(r, n), post2.sample(r, n)
    f1 = r.normal(th1, 1.0 / np.sqrt(30))  # future 30 patients' mean
    f2 = r.normal(th2, 1.5 / np.sqrt(20))
    # the final posterior is the interim posterior updated with the future patients' means
    hit = rule.decide_normal(post1, post2, f1, f2, 1.0 / np.sqrt(30), 1.5 / np.sqrt(20))
    assert _within(hit.mean(), res.assurance, hit.std() / np.sqrt(hit.size))


def test_interim_binary_equals_two_arm_predictive_probability():
    rule = BayesRule(criteria=[Criterion(prob=0.95)])
    d = BinaryDesign(rule, FLAT, BetaMix.single(2, 8), 30, 30)
    assert pos_interim(d, (9, 15), (4, 15)).assurance == pytest.approx(
        predictive_probability_2arm(d, 9, 15, 4, 15), abs=1e-12)


def test_lee_liu_oracles_through_the_generic_interim_pos():
    """Lee & Liu (2008): PP = 0.5655589 (Beta(0.6, 0.4)) and 0.9874431 (3:1 mixture)."""
    rule = OneArmRule(criteria=[Criterion(prob=0.9, threshold=0.6)])
    d = OneArmBinaryDesign(rule, BetaMix.single(0.6, 0.4), 40)
    assert pos_interim(d, (16, 23)).assurance == pytest.approx(0.5655589, abs=1e-6)
    d2 = OneArmBinaryDesign(rule, BetaMix([0.75, 0.25], [1, 25], [1, 15]), 40)
    assert pos_interim(d2, (20, 23)).assurance == pytest.approx(0.9874431, abs=1e-6)


def test_interim_design_prior_is_the_updated_prior():
    dp = interim_design_prior(NormMix.single(0, 1), (0.4, 0.2), NormMix.single(0, 1),
                              (0.1, 0.3))
    assert dp.treatment.m[0] == pytest.approx(0.4 / 0.04 / (1 + 1 / 0.04))


# -- one-arm designs ----------------------------------------------------------------------------
def test_one_arm_normal_oc_is_the_z_test_and_pos_matches_monte_carlo():
    rule = OneArmRule(criteria=[Criterion(prob=0.975, threshold=0.0)])
    d = OneArmNormalDesign(rule, None, 36, sigma=2.0)
    for theta in (0.0, 0.5, 1.0):
        assert float(d.oc(theta)) == pytest.approx(
            stats.norm.sf(1.959963985 - theta / (2 / 6)), abs=1e-8)
    dm = OneArmNormalDesign(OneArmRule(criteria=[Criterion(prob=0.9, threshold=0.2)]),
                            NormMix([0.5, 0.5], [0.0, 0.6], [0.2, 1.0]), 25, sigma=1.0)
    dp = OneArmDesignPrior(NormMix.single(0.5, 0.3))
    res = pos(dm, dp)
    r = rng(4, "test.generic.onearm")
    th = dp.theta.sample(r, 20000)
    ybar = r.normal(th, dm.se)
    hit = np.array([dm.rule.decide(dm.prior.posterior(y, dm.se)) for y in ybar])
    assert _within(hit.mean(), res.assurance, hit.std() / np.sqrt(hit.size))


def test_one_arm_binary_pos_is_beta_binomial():
    rule = OneArmRule(criteria=[Criterion(prob=0.9, threshold=0.1)])
    d = OneArmBinaryDesign(rule, FLAT, 50)
    dp = OneArmDesignPrior(BetaMix.single(4, 13))
    res = pos(d, dp)
    expected = BetaMix.single(4, 13).predictive(50) @ d.success.astype(float)
    assert res.assurance == pytest.approx(expected, abs=1e-12)


# -- three zones and two-sided rules -------------------------------------------------------------
def _zone_rules(one_arm=False):
    cls = OneArmRule if one_arm else BayesRule
    go = cls(criteria=[Criterion(prob=0.8, threshold=0.05), Criterion(prob=0.5, threshold=0.15)])
    nogo = cls(criteria=[Criterion(prob=0.8, threshold=0.15, lower_tail=True)])
    return ThreeZoneRule(go=go, nogo=nogo)


def test_binary_three_zones_sum_to_one_and_match_simulation():
    d = BinaryDesign(_zone_rules(), FLAT, FLAT, 40, 40)
    z = d.zones(0.45, 0.3)
    assert z["go"] + z["consider"] + z["no-go"] == pytest.approx(1.0, abs=1e-12)
    r = rng(5, "test.zones.binary")
    y1, y2 = r.binomial(40, 0.45, 50000), r.binomial(40, 0.3, 50000)
    Z = d.zone_matrix[y1, y2]
    for code, name in ((2, "go"), (1, "consider"), (0, "no-go")):
        p = float(z[name])
        assert _within((Z == code).mean(), p, np.sqrt(p * (1 - p) / 50000))
    res = pos(d, TwoArmDesignPrior(BetaMix.single(9, 11), BetaMix.single(6, 14)))
    assert sum(res.zones.values()) == pytest.approx(1.0, abs=1e-12)


def test_normal_three_zones_sum_to_one_and_match_simulation():
    prior = NormMix.single(0.0, 10.0)
    d = NormalDesign(_zone_rules(), prior, prior, 30, 30, sigma=0.6, sigma2=0.8)
    z = d.zones(0.2, 0.05)
    assert z["go"] + z["consider"] + z["no-go"] == pytest.approx(1.0, abs=1e-9)
    r = rng(6, "test.zones.normal")
    n = 40000
    y1, y2 = r.normal(0.2, d.se1, n), r.normal(0.05, d.se2, n)
    go = d.rule.go.decide_normal(prior, prior, y1, y2, d.se1, d.se2)
    nogo = d.rule.nogo.decide_normal(prior, prior, y1, y2, d.se1, d.se2) & ~go
    for est, name in ((go.mean(), "go"), (nogo.mean(), "no-go")):
        p = float(z[name])
        assert _within(est, p, np.sqrt(p * (1 - p) / n))
    zo = OneArmNormalDesign(_zone_rules(one_arm=True), None, 30, 0.6).zones(0.12)
    assert zo["go"] + zo["consider"] + zo["no-go"] == pytest.approx(1.0, abs=1e-12)


def test_two_sided_normal_rule_is_the_two_sided_z_test():
    flat = NormMix.single(0.0, 1e5)
    d = NormalDesign(two_sided(0.975), flat, flat, 50, 50, sigma=1.0)
    se = np.sqrt(2 / 50)
    for delta in (0.0, 0.3, -0.4):
        expected = stats.norm.sf(1.959963985 - delta / se) + stats.norm.cdf(
            -1.959963985 - delta / se)
        assert float(d.oc(delta, 0.0)) == pytest.approx(expected, abs=1e-5)


def test_three_zone_rule_validation():
    with pytest.raises(InputError):
        ThreeZoneRule(go=BayesRule(criteria=[Criterion(prob=0.9)]),
                      nogo=OneArmRule(criteria=[Criterion(prob=0.9)]))
    with pytest.raises(InputError):
        pos(BinaryDesign(LOWER, FLAT, FLAT, 10, 10),
            TwoArmDesignPrior(NormMix.single(0, 1), NormMix.single(0, 1)))
