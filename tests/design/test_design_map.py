"""MAP priors, the pure parts: EM mixture fits (parameter recovery), component choice, gamma
mixtures (conjugacy vs numerical Bayes), robustification, ESS and prior-data conflict."""

import numpy as np
import pytest
from scipy import integrate, stats

from bayes_iris.design import BetaMix, NormMix
from bayes_iris.design.gamma_mix import GammaMix
from bayes_iris.design.map import conflict_pvalue, ess, map_mixture, robust
from bayes_iris.design.mixture_fit import automixfit, fit_mixture
from bayes_iris.errors import InputError
from bayes_iris.seeds import rng


def _component_means(mix):
    if isinstance(mix, NormMix):
        return mix.m
    if isinstance(mix, BetaMix):
        return mix.a / (mix.a + mix.b)
    return mix.a / mix.b


@pytest.mark.parametrize(
    ("true", "family"),
    [(BetaMix([0.3, 0.7], [8, 40], [30, 60]), "beta"),
     (NormMix([0.4, 0.6], [-1.0, 1.5], [0.5, 0.8]), "normal"),
     (GammaMix([0.5, 0.5], [5.0, 40.0], [10.0, 20.0]), "gamma")],
)
def test_em_recovers_a_two_component_mixture(true, family):
    x = true.sample(rng(11, f"test.em.{family}"), 40_000)
    fit = fit_mixture(x, family, 2)
    assert fit.converged
    order = np.argsort(_component_means(fit.mixture))
    assert np.all(np.diff(_component_means(true)) > 0)  # the true components are ordered
    np.testing.assert_allclose(np.asarray(fit.mixture.w)[order], true.w, atol=0.03)
    assert fit.mixture.mean == pytest.approx(true.mean, abs=0.01 * abs(true.mean) + 0.005)
    assert fit.mixture.sd == pytest.approx(true.sd, rel=0.03)


def test_automixfit_chooses_the_number_of_components():
    one = BetaMix.single(30, 70).sample(rng(1, "test.auto1"), 8000)
    two = NormMix([0.5, 0.5], [-2.0, 2.0], [0.5, 0.5]).sample(rng(2, "test.auto2"), 8000)
    assert automixfit(one, "beta")[0].n_components == 1
    mix, table = automixfit(two, "normal", criterion="bic")
    assert mix.n_components == 2 and table["chosen"].sum() == 1


def test_gamma_mixture_posterior_matches_numerical_bayes():
    prior = GammaMix([0.6, 0.4], [2.0, 30.0], [1.0, 10.0])
    post = prior.posterior(7, 2.5)
    lik = lambda lam: stats.poisson.pmf(7, 2.5 * lam)  # noqa: E731
    z = integrate.quad(lambda lam: prior.pdf(lam) * lik(lam), 0, 60, limit=200)[0]
    for lam in (1.0, 2.5, 4.0):
        assert post.pdf(lam) == pytest.approx(prior.pdf(lam) * lik(lam) / z, rel=1e-7)
    pmf = prior.predictive(2.5)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert GammaMix.single(12.0, 4.0).ess() == pytest.approx(4.0, rel=1e-6)
    assert GammaMix.single(12.0, 4.0).ess("moment") == pytest.approx(4.0, rel=1e-12)


def test_robust_map_weights_and_ess():
    m = BetaMix([0.6, 0.4], [20, 8], [60, 30])
    r = robust(m, 0.2)
    assert r.w[-1] == pytest.approx(0.2) and r.a[-1] + r.b[-1] == pytest.approx(2.0)
    assert ess(r) < ess(m)
    with pytest.raises(InputError, match="undefined"):
        ess(robust(m, 0.2, mean=0.2, n=1.0))  # Beta(0.4, 1.6)
    nm = NormMix.single(-50.0, 10.0, sigma=88.0)
    assert robust(nm, 0.2, mean=-50).s[-1] == pytest.approx(88.0)
    g = robust(GammaMix.single(40.0, 20.0), 0.3)
    assert g.a[-1] == pytest.approx(2.0) and g.b[-1] == pytest.approx(1.0)


def test_box_pvalue_binomial_by_enumeration():
    prior = BetaMix([0.8, 0.2], [20, 1], [60, 1])
    pred = prior.predictive(40)
    for y in (2, 10, 25):
        expected = pred[pred <= pred[y]].sum()
        assert conflict_pvalue(prior, (y, 40)) == pytest.approx(expected, abs=1e-12)
    tail = conflict_pvalue(prior, (25, 40), kind="tail")
    assert tail == pytest.approx(2 * pred[25:].sum(), abs=1e-12)


def test_box_pvalue_normal_equals_two_sided_tail_for_one_component():
    prior = NormMix.single(1.0, 0.5)
    for obs in (0.2, 1.1, 2.9):
        p = 2 * stats.norm.sf(abs(obs - 1.0) / np.sqrt(0.25 + 0.3**2))
        assert conflict_pvalue(prior, (obs, 0.3)) == pytest.approx(p, abs=1e-5)
        assert conflict_pvalue(prior, (obs, 0.3), kind="tail") == pytest.approx(p, abs=1e-9)


def test_map_mixture_reports_moments_and_bad_input():
    x = BetaMix([0.5, 0.5], [20, 10], [80, 10]).sample(rng(7, "test.mapmix"), 20000)
    fit = map_mixture(x, "binomial")
    mom = fit.moments()
    assert mom["draws"].iloc[0] == pytest.approx(mom["mixture"].iloc[0], abs=0.003)
    with pytest.raises(InputError):
        map_mixture(x, "weibull")
    with pytest.raises(InputError):
        fit_mixture(np.array([0.5, 1.5] * 50), "beta", 1)
