"""Dask: an OC grid with a full MCMC refit per simulated trial on a 2-worker LocalCluster."""

import warnings

import numpy as np
import pytest
from scipy import special, stats

from bayes_iris.design import BayesRule, Criterion
from bayes_iris.design.distributed import mcmc_oc_grid, run_grid


def _quadrature_prob(y1, n1, y2, n2, sd=1.5):
    """P(p1 > p2 | y) under independent N(0, sd²) priors on logit p (2-D grid quadrature)."""
    z = np.linspace(-9, 9, 1201)
    dz = z[1] - z[0]
    post = []
    for y, n in ((y1, n1), (y2, n2)):
        logp = stats.norm.logpdf(z, 0, sd) + stats.binom.logpmf(y, n, special.expit(z))
        w = np.exp(logp - logp.max())
        post.append(w / (w.sum() * dz))
    cdf2 = np.cumsum(post[1]) * dz
    return float(np.sum(post[0] * cdf2) * dz)  # logit is monotone: p1 > p2 <=> z1 > z2


def test_run_grid_keeps_order():
    assert run_grid(abs, [-3, 1, -2], n_workers=2, processes=False) == [3, 1, 2]


def test_mcmc_refit_per_trial_on_two_workers():
    rule = BayesRule(criteria=[Criterion(prob=0.9)])
    df = mcmc_oc_grid([(25, 25, 0.55, 0.3)], rule, n_trials=2, batch=1, draws=300, tune=300,
                      seed=5, n_workers=2, processes=True)
    trials = df.attrs["trials"]
    assert len(trials) == 2 and df["n_trials"].iloc[0] == 2
    for t in trials.itertuples():
        exact = _quadrature_prob(t.y1, 25, t.y2, 25)
        assert abs(t.prob_criterion_1 - exact) < 0.06
    assert df["p_success"].iloc[0] == trials["success"].mean()
    assert {"max_rhat", "min_ess", "divergences", "status", "mcse"} <= set(df.columns)
    assert df["max_rhat"].iloc[0] < 1.05


@pytest.mark.slow
def test_mcmc_oc_matches_exact_enumeration_with_quadrature_decisions():
    """OC from 40 MCMC refits per scenario vs the exact OC (enumeration over all outcomes with
    the posterior probability by 2-D quadrature) — agreement within Monte Carlo error."""
    rule = BayesRule(criteria=[Criterion(prob=0.9)])
    n = 20
    scenarios = [(n, n, 0.5, 0.3), (n, n, 0.3, 0.3)]
    with warnings.catch_warnings(record=True):
        # across 80 fits a max rank-R-hat slightly above 1.01 happens by chance; the gate warns
        # (correctly) and the recorded diagnostics are checked below instead
        warnings.simplefilter("always")
        df = mcmc_oc_grid(scenarios, rule, n_trials=40, batch=20, draws=500, tune=500, seed=8,
                          n_workers=2, processes=True)
    assert df["max_rhat"].max() < 1.03 and df["divergences"].sum() == 0
    D = np.array([[_quadrature_prob(a, n, b, n) > 0.9 for b in range(n + 1)]
                  for a in range(n + 1)], float)
    for row in df.itertuples():
        pm1 = stats.binom.pmf(np.arange(n + 1), n, row.p_treat)
        pm2 = stats.binom.pmf(np.arange(n + 1), n, row.p_control)
        exact = pm1 @ D @ pm2
        assert abs(row.p_success - exact) < 4 * np.sqrt(exact * (1 - exact) / 40) + 0.03
