"""Model checks of the trajectory models: prior and posterior predictive draws, and PSIS-LOO.

:func:`prior_predictive` (table) and :func:`prior_predictive_draws` (curves for the figure) show
what the priors imply before seeing data; :func:`posterior_predictive` replicates the observations
for the posterior predictive check; :func:`loo_compare` ranks fits of the same observations.
Seed streams: ``trajectory.prior_predictive``, ``trajectory.ppc``. The predictive draws are
compiled with numba, with fast-math off like every fit
(:func:`bayes_iris.inference.determinism.configure`): the same seed gives the same draws whatever
the compile cache holds.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from .. import seeds
from ..inference.determinism import configure as _ieee_math
from .model import GROUPS, TrajectoryModel

__all__ = ["loo_compare", "posterior_predictive", "prior_predictive", "prior_predictive_draws"]


def prior_predictive(model: TrajectoryModel, *, seed: int, draws: int = 500,
                     day: int = 29) -> pd.DataFrame:
    """Prior predictive check: implied typical-patient counts at ``day`` by group and marker.

    Returns one row per (marker, group) with quantiles (2.5, 25, 50, 75, 97.5 %) of the implied
    count (cells/mm³) and of the implied ratio to placebo; the default priors should give
    clinically plausible ranges (tens to a few thousand cells/mm³ for ALC).

    Examples
    --------
    >>> from bayes_iris.data import simulate_trial
    >>> t = prior_predictive(TrajectoryModel(simulate_trial(1).data), seed=1, draws=200)
    >>> bool(t.query("group == 'placebo'")["q50"].between(100, 3000).all())
    True
    """
    _ieee_math()
    with model.build() as m:
        pri = pm.sample_prior_predictive(
            draws=draws, model=m, var_names=["mu_day"],
            random_seed=seeds.int_seed(seed, "trajectory.prior_predictive"), backend="numba",
        )
    mu = pri["prior"]["mu_day"].stack(sample=("chain", "draw"))
    days = [int(d) for d in mu["day"].values]
    d = days[int(np.argmin(np.abs(np.asarray(days) - day)))]
    rows = []
    qs = (0.025, 0.25, 0.5, 0.75, 0.975)
    for marker in model.markers:
        for g in GROUPS:
            v = np.exp(mu.sel(marker=marker, group=g, day=d).values)
            ratio = np.exp((mu.sel(marker=marker, group=g, day=d)
                            - mu.sel(marker=marker, group="placebo", day=d)).values)
            rows.append({"marker": marker, "group": g, "day": d,
                         **{f"q{round(q * 1000) / 10:g}": float(np.quantile(v, q)) for q in qs},
                         **{f"ratio_q{round(q * 1000) / 10:g}": float(np.quantile(ratio, q))
                            for q in qs}})
    return pd.DataFrame(rows)


def prior_predictive_draws(model: TrajectoryModel, *, seed: int, draws: int = 500) -> xr.Dataset:
    """Prior draws of the typical-patient curves ``mu_day`` (for :func:`plot_prior_predictive`)."""
    _ieee_math()
    with model.build() as m:
        pri = pm.sample_prior_predictive(
            draws=draws, model=m, var_names=["mu_day"],
            random_seed=seeds.int_seed(seed, "trajectory.prior_predictive"), backend="numba",
        )
    return pri["prior"].to_dataset()


def posterior_predictive(fit: Any, model: TrajectoryModel, *, seed: int,
                         max_draws: int = 400) -> xr.Dataset:
    """Replicated observations ``y`` (log scale) for posterior predictive checks.

    Uses up to ``max_draws`` evenly thinned posterior draws. Returns a Dataset with ``y_rep``
    (dims sample, obs_observed) and the observed frame's columns as coordinates.
    """
    post = fit.idata["posterior"].to_dataset()
    n = post.sizes["chain"] * post.sizes["draw"]
    keep = np.unique(np.linspace(0, n - 1, min(n, max_draws)).astype(int))
    stacked = post.stack(sample=("chain", "draw")).isel(sample=keep)
    thin = stacked.reset_index("sample", drop=True).rename({"sample": "draw"}).expand_dims(
        chain=[0]).transpose("chain", "draw", ...)
    tree = xr.DataTree.from_dict({"posterior": thin})
    _ieee_math()
    with model.build() as m:
        pp = pm.sample_posterior_predictive(
            tree, model=m, var_names=["y"], random_seed=seeds.int_seed(seed, "trajectory.ppc"),
            freeze_vars=[v.name for v in m.free_RVs],
            progressbar=False, backend="numba",
        )
    y = pp["posterior_predictive"]["y"].isel(chain=0).rename({"draw": "sample"})
    return xr.Dataset({"y_rep": y})


def loo_compare(fits: dict[str, Any]) -> pd.DataFrame:
    """PSIS-LOO comparison of fits of the same observations (``log_likelihood`` var ``y``).

    Returns a table with ``model, rank, elpd_loo, p_loo, elpd_diff, dse, weight, warning``.

    References
    ----------
    Vehtari A, Gelman A, Gabry J. Practical Bayesian model evaluation using leave-one-out
    cross-validation and WAIC. Stat Comput 2017;27:1413-1432.

    Examples
    --------
    >>> loo_compare({}).empty
    True
    """
    import arviz as az

    cols = ["model", "rank", "elpd_loo", "p_loo", "elpd_diff", "dse", "weight", "warning"]
    if not fits:
        return pd.DataFrame(columns=cols)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cmp = az.compare({k: v.idata for k, v in fits.items()}, var_name="y", round_to="none")
    pareto = any("Pareto" in str(w.message) for w in caught)
    cmp = cmp.reset_index().rename(columns={"index": "model", "elpd": "elpd_loo",
                                            "p": "p_loo", "p_loo": "p_loo"})
    for c in cols:
        if c not in cmp.columns:
            cmp[c] = np.nan
    if pareto:
        cmp["warning"] = True
    return cmp[cols]
