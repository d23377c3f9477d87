"""Mixtures: conjugate updates checked against brute-force integration; ESS; predictives."""

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_iris.design import BetaMix, NormMix, beta_from_quantiles, normal_from_quantiles
from bayes_iris.errors import InputError
from bayes_iris.seeds import rng


def test_beta_mixture_posterior_matches_numerical_bayes():
    prior = BetaMix([0.6, 0.4], [2, 20], [8, 10])
    post = prior.posterior(7, 12)
    lik = lambda p: stats.binom.pmf(7, 12, p)  # noqa: E731
    z = integrate.quad(lambda p: prior.pdf(p) * lik(p), 0, 1)[0]
    for x in (0.2, 0.45, 0.7):
        assert post.pdf(x) == pytest.approx(prior.pdf(x) * lik(x) / z, rel=1e-8)
    # exact weights: w_k B(a_k+r, b_k+n-r)/B(a_k, b_k), normalised
    from scipy.special import beta as B

    raw = prior.w * B(prior.a + 7, prior.b + 5) / B(prior.a, prior.b)
    np.testing.assert_allclose(post.w, raw / raw.sum(), rtol=1e-12)


def test_normal_mixture_posterior_matches_numerical_bayes():
    prior = NormMix([0.3, 0.7], [-1.0, 2.0], [1.0, 0.5])
    post = prior.posterior(mean=1.0, se=0.8)
    z = integrate.quad(lambda t: prior.pdf(t) * stats.norm.pdf(1.0, t, 0.8), -20, 20)[0]
    for x in (-0.5, 1.0, 2.2):
        assert post.pdf(x) == pytest.approx(prior.pdf(x) * stats.norm.pdf(1.0, x, 0.8) / z,
                                            rel=1e-8)


def test_ess_known_values():
    """ELIR ESS of Beta(a,b) is a+b and of N(m, s²) is σ²/s² (Neuenschwander et al. 2020)."""
    assert BetaMix.single(3, 9).ess("elir") == pytest.approx(12, rel=1e-6)
    assert BetaMix.single(30, 70).ess("moment") == pytest.approx(100, rel=1e-10)
    assert NormMix.single(1.0, 0.5, sigma=2.0).ess("elir") == pytest.approx(16, rel=1e-6)
    # a two-component mixture of identical components is the component
    same = BetaMix([0.5, 0.5], [4, 4], [6, 6])
    assert same.ess("elir") == pytest.approx(10, rel=1e-6)
    # robustification lowers the information
    informative = BetaMix.single(20, 60)
    assert informative.robustify(0.2).ess("elir") < informative.ess("elir")


def test_beta_binomial_predictive_against_monte_carlo():
    prior = BetaMix([0.5, 0.5], [2, 10], [5, 3])
    pmf = prior.predictive(15)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    r = rng(7, "test.predictive")
    y = r.binomial(15, prior.sample(r, 200000))
    freq = np.bincount(y, minlength=16) / y.size
    se = np.sqrt(pmf * (1 - pmf) / y.size)
    assert np.all(np.abs(freq - pmf) < 5 * se + 1e-12)


def test_normal_predictive_and_quantiles():
    prior = NormMix([0.5, 0.5], [0.0, 3.0], [1.0, 1.0])
    pred = prior.predictive(se=2.0)
    np.testing.assert_allclose(pred.s, np.sqrt(5.0))
    q = prior.ppf([0.1, 0.5, 0.9])
    np.testing.assert_allclose(prior.cdf(q), [0.1, 0.5, 0.9], atol=1e-9)


def test_elicitation_round_trip():
    b = beta_from_quantiles(0.25, 0.45)
    np.testing.assert_allclose(stats.beta.ppf([0.025, 0.975], b.a[0], b.b[0]), [0.25, 0.45],
                               atol=1e-6)
    n = normal_from_quantiles(np.log(0.5), np.log(1.1))
    np.testing.assert_allclose(n.ppf([0.025, 0.975]), np.log([0.5, 1.1]), atol=1e-8)


@pytest.mark.parametrize(
    "make",
    [lambda: BetaMix([1.0], [0.0], [1.0]), lambda: BetaMix([0.5], [1.0, 2.0], [1.0, 2.0]),
     lambda: NormMix([1.0], [0.0], [-1.0]), lambda: BetaMix.single(1, 1).posterior(5, 3),
     lambda: BetaMix.single(1, 1).robustify(1.2), lambda: beta_from_quantiles(0.5, 0.2)],
)
def test_bad_input_raises_input_error(make):
    with pytest.raises(InputError):
        make()
