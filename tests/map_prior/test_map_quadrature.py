"""The MAP prior by quadrature: RBesT's published AS numbers (oracle), the adaptive
Gauss-Hermite study likelihoods against direct numerical integration, the normal-data
hyperposterior against its one-dimensional closed form, importance-sampling Monte Carlo, and
determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from bayes_iris import seeds
from bayes_iris.map_prior import (
    HistoricalData,
    MAPModel,
    TauPrior,
    ankylosing_spondylitis,
    application,
    cyt107_alc_codata,
    fit_map_quadrature,
)
from bayes_iris.map_prior import quadrature as Q


def test_ankylosing_spondylitis_matches_rbest():
    """RBesT vignette (gMAP, N(0, 2²) on the logit mean, τ ~ HalfNormal(1)): MAP mixture mean
    0.2554589 and SD 0.0866205 from about 4000 MCMC draws (RBesT's own Monte Carlo error is the
    tolerance, plus 0.002 for two mixture approximations); ELIR ESS of RBesT's mixture 37.6."""
    res = application("ankylosing_spondylitis")
    s = res.summary.iloc[0]
    se_mean, se_sd = 0.0866205 / np.sqrt(4000), 0.0866205 / np.sqrt(2 * 4000)
    assert abs(s["mixture_mean"] - 0.2554589) < 4 * se_mean + 0.002
    assert abs(s["mixture_sd"] - 0.0866205) < 4 * se_sd + 0.002
    assert abs(s["mixture_mean"] - s["map_mean"]) < 0.001   # the mixture fits the predictive
    assert abs(s["mixture_sd"] - s["map_sd"]) < 0.001
    assert s["ess_elir"] == pytest.approx(37.6, rel=0.1)
    assert s["status"] == "ok" and s["method"] == "quadrature"
    assert res.conflict((1, 6)) > 0.1 and res.conflict((5, 6)) < 0.05


@pytest.mark.parametrize("mu,tau", [(-1.0, 0.3), (-1.2, 0.01), (-0.5, 2.0), (-1.0, 1e-5),
                                    (2.0, 0.5)])
def test_study_marginals_match_direct_integration(mu, tau):
    m = MAPModel(ankylosing_spondylitis())
    got = Q.study_log_marginal(m, np.array([mu]), np.array([tau]))[0]
    t = m.data.table
    for j, (r, n) in enumerate(zip(t["r"], t["n"], strict=True)):
        def f(th, r=r, n=n):
            return np.exp(r * th - n * np.logaddexp(0, th)) * stats.norm.pdf(th, mu, tau)
        ref = integrate.quad(f, mu - 12 * tau, mu + 12 * tau, epsabs=0, epsrel=1e-12,
                             limit=400, points=[mu])[0]
        assert got[j] == pytest.approx(np.log(ref), abs=1e-8)


def _normal_reference(model: MAPModel):
    """Closed forms for normal data: ``∫ p(μ) Πⱼ N(yⱼ | μ, seⱼ² + τ²) dμ`` and ``E[μ | τ, y]``
    (conjugate), integrated over τ by adaptive quadrature."""
    y, se = model.data.table["y"].to_numpy(), model.data.table["se"].to_numpy()
    m0, s0 = model.mean_prior
    scale = model.tau_prior.scale

    def parts(tau):
        v = se**2 + tau**2
        prec = 1 / s0**2 + np.sum(1 / v)
        mean = (m0 / s0**2 + np.sum(y / v)) / prec
        # log ∫ N(μ|m0,s0²) Π N(y|μ,v) dμ, by completing the square
        logc = (-0.5 * (np.sum(y**2 / v) + m0**2 / s0**2 - mean**2 * prec)
                - 0.5 * np.sum(np.log(2 * np.pi * v)) - 0.5 * np.log(2 * np.pi * s0**2)
                + 0.5 * np.log(2 * np.pi / prec))
        return np.exp(logc) * 2 * stats.norm.pdf(tau, 0, scale), mean

    z = integrate.quad(lambda t: parts(t)[0], 0, 20 * scale, limit=400)[0]
    e_mu = integrate.quad(lambda t: parts(t)[0] * parts(t)[1], 0, 20 * scale, limit=400)[0] / z
    med = None
    lo, hi = 0.0, 20 * scale
    for _ in range(60):
        med = (lo + hi) / 2
        if integrate.quad(lambda t: parts(t)[0], 0, med, limit=400)[0] / z < 0.5:
            lo = med
        else:
            hi = med
    return e_mu, med


def test_normal_hyperposterior_matches_its_closed_form():
    m = MAPModel(cyt107_alc_codata(), tau_prior=TauPrior(scale=0.5), mean_prior=(0.0, 1.5))
    e_mu, tau_med = _normal_reference(m)
    g = Q.hyper_posterior(m)
    assert float(g.w @ g.mu) == pytest.approx(e_mu, abs=1e-6)
    assert float(g.tau_quantiles(0.5)) == pytest.approx(tau_med, rel=2e-3)
    mean, _ = g.moments(m.inverse_link)
    assert mean == pytest.approx(e_mu, abs=1e-6)   # identity link: E θ* = E μ


def test_quadrature_agrees_with_importance_sampling_monte_carlo():
    """Independent Monte Carlo: (μ, τ) from the prior, weights Πⱼ Lⱼ, θ* = μ + τ z; the MAP's
    natural-scale mean and SD agree within 4 Monte Carlo SEs (normal co-data and a binomial
    example with weak data, where prior draws are efficient)."""
    r = seeds.rng(13, "test.map.importance")
    weak = HistoricalData("weak", "binomial", pd.DataFrame({
        "study": ["a", "b", "c"], "r": [3, 9, 5], "n": [20, 25, 30], "source": "toy data",
        "time_point": "-", "derived": False, "note": ""}), "toy", "risk")
    for model in (MAPModel(cyt107_alc_codata(), tau_prior=TauPrior(scale=0.5),
                           mean_prior=(0.0, 1.5)),
                  MAPModel(weak, tau_prior=TauPrior(scale=0.5), mean_prior=(-1.0, 1.0))):
        n = 400_000
        mu = r.normal(*model.mean_prior, n)
        tau = np.abs(r.normal(0, model.tau_prior.scale, n))
        lw = Q.study_log_marginal(model, mu, tau).sum(axis=-1)
        w = np.exp(lw - lw.max())
        w /= w.sum()
        x = model.inverse_link(mu + tau * r.standard_normal(n))
        m_mc = w @ x
        sd_mc = np.sqrt(w @ (x - m_mc) ** 2)
        ess = 1 / np.sum(w**2)
        assert ess > 2000
        g = Q.hyper_posterior(model)
        mean, sd = g.moments(model.inverse_link)
        assert mean == pytest.approx(m_mc, abs=4 * sd_mc / np.sqrt(ess))
        assert sd == pytest.approx(sd_mc, rel=4 / np.sqrt(2 * ess) + 1e-3)


def test_septic_shock_map_is_deterministic_and_cited():
    a = application("septic_shock_mortality")
    b = application("septic_shock_mortality")
    pd.testing.assert_frame_equal(a.summary, b.summary)
    np.testing.assert_array_equal(a.mixture.a, b.mixture.a)
    s = a.summary.iloc[0]
    # 5 placebo arms, 24 % to 49 % mortality: the MAP centres between them, wide
    assert 0.3 < s["map_mean"] < 0.42 and s["map_sd"] > 0.08
    assert s["robust_ess_elir"] < s["ess_elir"] < sum(a.model.data.table["n"])
    sh = a.shrinkage
    pooled = s["map_median"]
    assert np.all(np.abs(sh["shrunk_median"] - pooled)
                  <= np.abs(sh["estimate"] - pooled) + 1e-9)
    assert np.all((sh["shrunk_lower95"] < sh["shrunk_median"])
                  & (sh["shrunk_median"] < sh["shrunk_upper95"]))


def test_zero_count_study_and_bad_method():
    d = HistoricalData("zero", "binomial", pd.DataFrame({
        "study": ["a", "b"], "r": [0, 4], "n": [15, 40], "source": "toy data",
        "time_point": "-", "derived": False, "note": ""}), "toy", "risk")
    res = fit_map_quadrature(MAPModel(d, tau_prior=TauPrior(scale=0.5)))
    assert res.summary.iloc[0]["status"] == "ok"
    assert 0 < res.summary.iloc[0]["map_mean"] < 0.3
    from bayes_iris.errors import InputError

    with pytest.raises(InputError):
        application("septic_shock_mortality", method="mcmc")   # MCMC needs a sampler config
    with pytest.raises(InputError, match="sigma"):
        fit_map_quadrature(MAPModel(cyt107_alc_codata()))


@pytest.mark.slow
def test_quadrature_agrees_with_mcmc_for_both_applications():
    """Analytic (quadrature) against Monte Carlo (nutpie, the MCMC route): the MAP's mean and SD
    within 4 batch-means MCSEs (plus 0.002 for the two mixture approximations), and the ESS."""
    from bayes_iris.inference import SamplerConfig

    for name in ("septic_shock_mortality", "cyt107_alc"):
        q = application(name).summary.iloc[0]
        cfg = SamplerConfig.for_run(11, stream="map_prior.sampler", progressbar=False,
                                    log_likelihood=False, target_accept=0.99)
        m = application(name, cfg).summary.iloc[0]
        assert abs(q["map_mean"] - m["map_mean"]) < 4 * m["map_mean_mcse"] + 0.002, name
        assert abs(q["map_sd"] - m["map_sd"]) < 4 * m["map_sd_mcse"] + 0.002, name
        assert q["ess_elir"] == pytest.approx(m["ess_elir"], rel=0.15), name
