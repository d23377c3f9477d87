"""Exact conjugate two-arm comparisons on the toolkit's one beta mixture (``BetaMix``): closed
forms, Monte Carlo and the RBesT oracle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from bayes_iris import seeds
from bayes_iris.design.distributions import BetaMix
from bayes_iris.errors import InputError
from bayes_iris.reanalysis.two_arm import (
    beta_mix_quantile,
    compare_two_arms,
    prob_difference_greater,
    prob_odds_ratio_greater,
    prob_ratio_greater,
)

# ORACLES.md — RBesT introduction vignette (Weber et al. 2021, J Stat Softw 100(19))
RBEST_W = [0.4612914, 0.1917812, 0.1893896, 0.1575378]
RBEST_A = [33.9513487, 19.4400089, 12.2692310, 2.2521243]
RBEST_B = [103.0146367, 41.5205219, 55.9202833, 5.4812202]


def _miller(a1: int, b1: int, a2: int, b2: int) -> float:
    """P(X1 > X2), X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), integer a1: exact finite sum.

    (Evan Miller's closed form for Bayesian A/B testing; derived from the beta-function identity.)
    """
    total = 0.0
    for i in range(a1):
        total += np.exp(special.betaln(a2 + i, b1 + b2) - np.log(b1 + i)
                        - special.betaln(1 + i, b1) - special.betaln(a2, b2))
    return float(total)


def test_rbest_oracle_two_arm_robust_mixture():
    """ORACLES.md: P(θt − θc > 0 | 1/6 vs 14/24) = 0.9917197 ± 1e-5."""
    prior_c = BetaMix(RBEST_W, RBEST_A, RBEST_B)
    assert prior_c.mean == pytest.approx(0.2554589, abs=1e-7)
    assert prior_c.sd == pytest.approx(0.0866205, abs=1e-7)
    post_c = prior_c.robustify(0.2).posterior(1, 6)
    post_t = BetaMix.single(0.5, 1).posterior(14, 24)
    assert prob_difference_greater(post_t, post_c, 0.0) == pytest.approx(0.9917197, abs=1e-5)


def test_conjugate_update_matches_scipy():
    post = BetaMix.single(1, 1).posterior(3, 15)
    ref = stats.beta(4, 13)
    assert post.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert post.sd == pytest.approx(ref.std(), rel=1e-12)
    for q in (0.025, 0.5, 0.975):
        assert beta_mix_quantile(post, q) == pytest.approx(ref.ppf(q), rel=1e-10)
        assert float(post.ppf(q)) == pytest.approx(ref.ppf(q), rel=1e-10)


def test_mixture_update_weights_by_marginal_likelihood():
    prior = BetaMix([0.5, 0.5], [2, 20], [20, 2])
    post = prior.posterior(9, 10)
    # beta-binomial marginal likelihoods (the binomial coefficient cancels)
    m1 = np.exp(special.betaln(2 + 9, 20 + 1) - special.betaln(2, 20))
    m2 = np.exp(special.betaln(20 + 9, 2 + 1) - special.betaln(20, 2))
    assert post.w[1] == pytest.approx(m2 / (m1 + m2), rel=1e-10)
    # mixture quantile solves the mixture CDF
    q = beta_mix_quantile(post, 0.3)
    assert float(post.cdf(q)) == pytest.approx(0.3, abs=1e-10)


@pytest.mark.parametrize("a1,b1,a2,b2", [(4, 13, 1, 7), (15, 10, 3, 6), (1, 1, 1, 1), (7, 2, 2, 9)])
def test_prob_greater_matches_exact_sum(a1, b1, a2, b2):
    t, c = BetaMix.single(a1, b1), BetaMix.single(a2, b2)
    assert prob_difference_greater(t, c, 0.0) == pytest.approx(_miller(a1, b1, a2, b2), abs=1e-9)


def test_two_arm_probabilities_match_monte_carlo():
    t = BetaMix.single(0.5, 0.5).posterior(3, 15)   # singular Jeffreys end points
    c = BetaMix.single(0.5, 0.5).posterior(0, 6)
    rng = seeds.rng(11, "test.binary.mc")
    n = 400_000
    xt, xc = t.sample(rng, n), c.sample(rng, n)
    for delta in (-0.1, 0.0, 0.1, 0.3):
        p = prob_difference_greater(t, c, delta)
        mc = float(np.mean(xt - xc > delta))
        assert abs(p - mc) < 4 * np.sqrt(p * (1 - p) / n) + 1e-4
    for r in (0.5, 2.0, 10.0):
        p = prob_ratio_greater(t, c, r)
        assert abs(p - float(np.mean(xt > r * xc))) < 4 * np.sqrt(p * (1 - p) / n) + 1e-4
        p = prob_odds_ratio_greater(t, c, r)
        mc = float(np.mean(xt / (1 - xt) > r * xc / (1 - xc)))
        assert abs(p - mc) < 4 * np.sqrt(p * (1 - p) / n) + 1e-4


def test_builtin_3of15_vs_0of6_quantiles_match_monte_carlo():
    """IRIS-7-C&D (Daix et al. 2023): fever and respiratory distress, 3/15 CYT107 vs 0/6 placebo."""
    res = compare_two_arms(3, 15, 0, 6)
    tab = res.table.set_index("quantity")
    assert tab.loc["p_treated", "mean"] == pytest.approx(4 / 17, rel=1e-12)
    assert tab.loc["p_control", "median"] == pytest.approx(stats.beta.ppf(0.5, 1, 7), rel=1e-10)
    rng = seeds.rng(5, "test.binary.quantiles")
    n = 400_000
    xt, xc = rng.beta(4, 13, n), rng.beta(1, 7, n)
    for name, draws in (("risk_difference", xt - xc), ("risk_ratio", xt / xc),
                        ("odds_ratio", xt / (1 - xt) / (xc / (1 - xc)))):
        for col, q in (("median", 0.5), ("lower95", 0.025), ("upper95", 0.975)):
            exact = tab.loc[name, col]
            # the exact quantile's CDF level, by Monte Carlo, within MC error of q
            assert abs(float(np.mean(draws <= exact)) - q) < 4 * np.sqrt(q * (1 - q) / n)
    # P(excess risk > margin) is decreasing in the margin
    assert np.all(np.diff(res.probabilities.p_excess.to_numpy()) < 0)


@pytest.mark.parametrize("args", [(16, 15, 0, 6), (3, 15, -1, 6), (3, 0, 0, 6), (2.5, 15, 0, 6)])
def test_bad_counts_raise_input_error(args):
    with pytest.raises(InputError):
        compare_two_arms(*args)


def test_bad_mixture_raises_input_error():
    with pytest.raises(InputError):
        BetaMix([1.0], [0.0], [1.0])
    with pytest.raises(InputError):
        BetaMix([1.0, 2.0], [1.0], [1.0])


def test_result_shape_and_draws():
    res = compare_two_arms(3, 15, 0, 6)
    assert list(res.table.columns) == ["quantity", "mean", "median", "lower95", "upper95"]
    assert set(res.tables()) == {"two_arm", "two_arm_probabilities"}
    dens = res.draws["density"]
    # the stored densities are the exact posteriors Beta(4, 13) and Beta(1, 7)
    x = dens["risk"].values
    np.testing.assert_allclose(dens.sel(arm="treated"), stats.beta.pdf(x, 4, 13), rtol=1e-10)
    np.testing.assert_allclose(dens.sel(arm="control"), stats.beta.pdf(x, 1, 7), rtol=1e-10)
