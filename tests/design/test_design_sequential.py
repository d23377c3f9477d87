"""Bayesian group-sequential designs.

Oracles: with a flat prior, a constant posterior-probability threshold calibrated to one-sided
α = 0.025 is Pocock's boundary and O'Brien-Fleming-shaped thresholds are OBF's (Jennison &
Turnbull 2000, Tables 2.1 and 2.3: C_P(2) = 2.178, C_P(5) = 2.413, C_B(2) = 1.977,
C_B(5) = 2.040); exact recursion vs vectorised simulation within Monte Carlo error.
"""

import numpy as np
import pytest
from scipy import stats

from bayes_iris.design import BayesRule, BetaMix, BinaryDesign, Criterion, NormMix
from bayes_iris.design.predictive import predictive_probability_2arm
from bayes_iris.design.sequential import GroupSequentialNormal, calibrate
from bayes_iris.design.sequential_binary import (
    GroupSequentialBinary,
    calibrate_binary,
    predictive_matrix,
)
from bayes_iris.errors import InputError


def _equal(K, n=20):
    sizes = np.arange(1, K + 1) * n
    return GroupSequentialNormal(n1=sizes, n2=sizes, sigma1=1.0, sigma2=1.0, efficacy=0.99)


@pytest.mark.parametrize(("K", "z"), [(2, 2.178), (5, 2.413)])
def test_constant_posterior_threshold_is_pocock(K, z):
    zs = calibrate(_equal(K), 0.025, shape="constant").boundaries()["efficacy_z"]
    np.testing.assert_allclose(zs, z, atol=2e-3)


@pytest.mark.parametrize(("K", "c_b"), [(2, 1.977), (5, 2.040)])
def test_obf_shaped_thresholds_are_obrien_fleming(K, c_b):
    zs = calibrate(_equal(K), 0.025, shape="obf").boundaries()["efficacy_z"].to_numpy()
    np.testing.assert_allclose(zs, c_b * np.sqrt(K / np.arange(1, K + 1)), atol=3e-3)


def test_single_look_is_the_fixed_design():
    d = GroupSequentialNormal(n1=[80], n2=[80], sigma1=1.0, sigma2=1.0, efficacy=0.975)
    power = stats.norm.sf(1.959963985 - 0.4 / np.sqrt(2 / 80))
    assert d.oc(0.4)["p_efficacy"] == pytest.approx(power, abs=1e-9)


@pytest.mark.parametrize("kind", ["predictive", "posterior"])
def test_normal_exact_oc_matches_simulation(kind):
    d = GroupSequentialNormal(n1=[30, 60, 90], n2=[30, 60, 90], sigma1=1.0, sigma2=1.5,
                              efficacy=[0.999, 0.995, 0.98], futility=[0.1, 0.2],
                              futility_kind=kind, prior=NormMix.single(0.1, 0.3))
    for delta in (0.0, 0.3):
        e, s = d.oc(delta), d.simulate(delta, 200_000, seed=3)
        assert abs(e["p_efficacy"] - s["p_efficacy"]) < 4 * s["mcse"]
        assert abs(e["expected_n"] - s["expected_n"]) < 4 * s["expected_n_mcse"]
        se = np.sqrt(s["looks"]["p_stop_futility"] * (1 - s["looks"]["p_stop_futility"])
                     / 200_000)
        assert np.all(np.abs(e["looks"]["p_stop_futility"] - s["looks"]["p_stop_futility"])
                      < 4 * se + 1e-9)
        assert e["p_efficacy"] + e["p_futility"] == pytest.approx(1.0, abs=1e-6)


def test_predictive_futility_bound_has_the_stated_predictive_probability():
    d = GroupSequentialNormal(n1=[40, 80], n2=[40, 80], sigma1=1.0, sigma2=1.0,
                              efficacy=[0.999, 0.975], futility=[0.2])
    b = d.boundaries()
    info = b["information"].to_numpy()
    z_t = b["futility_delta"].iloc[0] * np.sqrt(info[0])
    # flat prior: PP at the bound is Spiegelhalter's predictive power with the final z bound
    t = info[0] / info[1]
    zk = b["efficacy_z"].iloc[1]
    pp = stats.norm.cdf((z_t / np.sqrt(t) - zk) * np.sqrt(t / (1 - t)))
    assert pp == pytest.approx(0.2, abs=1e-9)


def test_binary_exact_oc_matches_simulation():
    rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    flat = BetaMix.single(1, 1)
    d = GroupSequentialBinary(rule, flat, flat, n1=[60, 120, 180], n2=[60, 120, 180],
                              efficacy=[0.999, 0.995, 0.98], futility=[0.1, 0.2])
    for th in ((0.35, 0.35), (0.22, 0.35)):
        e, s = d.oc(*th), d.simulate(*th, 100_000, seed=4)
        assert abs(e["p_efficacy"] - s["p_efficacy"]) < 4 * s["mcse"]
        assert abs(e["expected_n"] - s["expected_n"]) < 4 * s["expected_n_mcse"]


def test_binary_futility_matrix_is_the_two_arm_predictive_probability():
    rule = BayesRule(criteria=[Criterion(prob=0.95)])
    flat = BetaMix.single(1, 1)
    d = GroupSequentialBinary(rule, flat, BetaMix.single(2, 8), n1=[15, 30], n2=[15, 30],
                              efficacy=[0.9999, 0.95], futility=[0.2])
    E, F = d.regions()[0]
    final = BinaryDesign(rule, flat, BetaMix.single(2, 8), 30, 30)
    for x1, x2 in [(3, 3), (6, 4), (9, 4), (2, 8)]:
        pp = predictive_probability_2arm(final, x1, 15, x2, 15)
        assert F[x1, x2] == ((pp < 0.2) and not E[x1, x2])
    P = predictive_matrix(BetaMix([0.5, 0.5], [1, 5], [1, 5]), 10, 25)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)


def test_binary_calibration_controls_the_worst_null_rate():
    rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    flat = BetaMix.single(1, 1)
    d0 = GroupSequentialBinary(rule, flat, flat, n1=[60, 120], n2=[60, 120], efficacy=0.99)
    d, table = calibrate_binary(d0, 0.025, null_rates=[0.2, 0.35, 0.5])
    assert table["type_I_error"].max() <= 0.025
    loose = GroupSequentialBinary(rule, flat, flat, n1=[60, 120], n2=[60, 120],
                                  efficacy=d.efficacy[0] - 0.003)
    assert max(loose.oc(p, p, binding=False)["p_efficacy"] for p in (0.2, 0.35, 0.5)) > 0.02


def test_bad_designs_raise():
    with pytest.raises(InputError):
        GroupSequentialNormal(n1=[50, 40], n2=[50, 40], sigma1=1, sigma2=1, efficacy=0.99)
    with pytest.raises(InputError):
        GroupSequentialNormal(n1=[50, 100], n2=[50, 100], sigma1=1, sigma2=1, efficacy=1.5)
    with pytest.raises(InputError):
        GroupSequentialNormal(n1=[50, 100], n2=[50, 100], sigma1=1, sigma2=1, efficacy=0.99,
                              prior=NormMix([0.5, 0.5], [0, 1], [1, 1]))
