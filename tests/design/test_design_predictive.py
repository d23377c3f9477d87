"""Predictive probabilities and interim designs: analytic vs Monte Carlo."""

import numpy as np
import pytest
from scipy import stats

from bayes_iris.design import (
    BayesRule,
    BetaMix,
    BinaryDesign,
    Criterion,
    NormalDesign,
    NormMix,
    predictive_probability_2arm,
    predictive_probability_normal,
    safety_boundaries,
    sequential_oc,
    simulate_interim_design,
    stopping_boundaries,
)
from bayes_iris.errors import InputError
from bayes_iris.seeds import rng

RULE = BayesRule(criteria=[Criterion(prob=0.95)])
FLAT = BetaMix.single(1, 1)


def test_two_arm_predictive_probability_vs_monte_carlo():
    d = BinaryDesign(RULE, FLAT, BetaMix.single(2, 8), 30, 30)
    pp = predictive_probability_2arm(d, 9, 15, 4, 15)
    r = rng(1, "test.pp2")
    n = 40000
    t1 = FLAT.posterior(9, 15).sample(r, n)
    t2 = BetaMix.single(2, 8).posterior(4, 15).sample(r, n)
    hit = d.decision[9 + r.binomial(15, t1), 4 + r.binomial(15, t2)].mean()
    assert abs(hit - pp) < 4 * np.sqrt(pp * (1 - pp) / n)


def test_normal_predictive_probability_vs_monte_carlo_with_informative_prior():
    prior2 = NormMix([0.7, 0.3], [0.0, 0.5], [0.1, 1.0])
    rule = BayesRule(criteria=[Criterion(prob=0.9)])
    d = NormalDesign(rule, NormMix.single(0, 2), prior2, 60, 40, sigma=1.0)
    pp = predictive_probability_normal(d, 0.35, 30, 0.05, 20)
    r = rng(2, "test.ppn")
    n = 40000
    th1 = NormMix.single(0, 2).posterior(0.35, 1 / np.sqrt(30)).sample(r, n)
    th2 = prior2.posterior(0.05, 1 / np.sqrt(20)).sample(r, n)
    f1 = (30 * 0.35 + 30 * r.normal(th1, 1 / np.sqrt(30))) / 60
    f2 = (20 * 0.05 + 20 * r.normal(th2, 1 / np.sqrt(20))) / 40
    hit = d.decide(f1, f2).mean()
    assert abs(hit - pp) < 4 * np.sqrt(pp * (1 - pp) / n)


def test_interim_simulation_vs_exact_enumeration():
    d = BinaryDesign(RULE, FLAT, FLAT, 20, 20)
    th1, th2 = 0.55, 0.3
    sim = simulate_interim_design(d, [0.5], th1, th2, futility_pp=0.2, n_sim=4000, seed=3)
    success = stop = 0.0
    pm1, pm2 = stats.binom.pmf(np.arange(11), 10, th1), stats.binom.pmf(np.arange(11), 10, th2)
    D = d.decision.astype(float)
    for x1 in range(11):
        for x2 in range(11):
            w = pm1[x1] * pm2[x2]
            if predictive_probability_2arm(d, x1, 10, x2, 10) < 0.2:
                stop += w
            else:
                success += w * (pm1 @ D[x1: x1 + 11, x2: x2 + 11] @ pm2)
    assert abs(sim["p_success"] - success) < 4 * sim["mcse"]
    assert sim["p_stop_futility"] == pytest.approx(stop, abs=4 * np.sqrt(stop * (1 - stop) / 4000))
    assert sim["expected_n"] == pytest.approx(40 - 20 * sim["p_stop_futility"])


def test_safety_boundaries_are_the_first_crossing():
    b = safety_boundaries([10, 20, 40], threshold=0.1, prob=0.9)
    for row in b.itertuples():
        post = FLAT.posterior(row.stop_min_x, row.n)
        assert post.sf(0.1) > 0.9
        assert FLAT.posterior(row.stop_min_x - 1, row.n).sf(0.1) <= 0.9


def test_sequential_oc_vs_simulation():
    b = stopping_boundaries([10, 20, 30], 30, 0.3, 0.85, theta_l=0.1, theta_u=0.95)
    oc = sequential_oc(b, [0.45]).iloc[0]
    r = rng(4, "test.seq")
    x = np.cumsum(r.random((20000, 30)) < 0.45, axis=1)
    stopped = np.zeros(20000, bool)
    fut = eff = 0
    for row in b.itertuples():
        xs = x[:, row.n - 1]
        f = ~stopped & (xs <= row.futility_max_x)
        e = ~stopped & (xs >= row.efficacy_min_x)
        fut += f.sum()
        eff += e.sum()
        stopped |= f | e
    assert abs(fut / 20000 - oc.p_stop_futility) < 0.015
    assert abs(eff / 20000 - oc.p_stop_efficacy) < 0.015


def test_predictive_bad_counts():
    d = BinaryDesign(RULE, FLAT, FLAT, 20, 20)
    with pytest.raises(InputError):
        predictive_probability_2arm(d, 12, 10, 3, 10)


@pytest.mark.parametrize("lower_tail", [True, False])
def test_two_arm_futility_boundary_is_the_first_futile_count(lower_tail):
    from bayes_iris.design import futility_boundary_2arm

    rule = BayesRule(criteria=[Criterion(prob=0.95, lower_tail=lower_tail)])
    d = BinaryDesign(rule, FLAT, FLAT, 60, 60)
    b = futility_boundary_2arm(d, 30, 30, [8, 12, 16], pp_threshold=0.1)
    step = -1 if lower_tail else 1  # one step towards the favourable side
    for row in b.itertuples():
        assert row.stop_if == ("x1 >=" if lower_tail else "x1 <=")
        assert predictive_probability_2arm(d, row.boundary_x1, 30, row.control_events, 30) < 0.1
        assert predictive_probability_2arm(d, row.boundary_x1 + step, 30, row.control_events,
                                           30) >= 0.1
