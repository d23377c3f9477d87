"""Posterior treatment effects of the trajectory models: tidy tables plus the draws behind them.

:func:`summarise` returns a :class:`TrajectoryResult` whose ``effects`` table has one row per
(marker, model, prior_set, quantity, arm, day). This is the contract of
``tables/trajectory_effects.csv`` (read by the report; columns :data:`EFFECT_COLUMNS`):

==============  ==========================================================================
column          meaning
==============  ==========================================================================
marker          "alc" | "cd4" | "cd8"
model           time-course shape ("piecewise" | "spline"); joint fits: "joint_<shape>"
prior_set       "default" | "vague" | "skeptical" | "enthusiastic" | "custom"
quantity        "ratio": ratio of geometric-mean counts CYT107 / placebo (typical patient);
                "fold_from_baseline": geometric-mean fold change from day 0 within ``arm``;
                "p_above_900": probability that a *new* patient's measured ALC exceeds
                900/mm³ (posterior predictive: new patient effects, new site, residual);
                "regimen_contrast": ratio twice-weekly / weekly
arm             "cyt107/placebo" (ratio), "placebo" | "cyt107" | "weekly" | "twice_weekly"
                (fold, p_above_900), "twice_weekly/weekly" (regimen_contrast)
day             study day (the trial's visit schedule)
median, mean,   posterior summaries on the natural scale (ratio, fold, or probability);
lower95,        95 % equal-tailed credible interval
upper95
log_mean,       posterior mean and SD on the log scale (ratio, fold, contrast; NaN for
log_sd          probabilities)
p_gt_1, p_gt_2, posterior probabilities that the ratio / fold exceeds 1, 2, 3 (NaN for
p_gt_3          probabilities)
==============  ==========================================================================

Also :func:`design_inputs` (one row: ``tables/design_inputs_alc.csv``, columns
:data:`DESIGN_INPUTS_COLUMNS`, read by the design step) and :func:`prior_sensitivity` (columns
:data:`PRIOR_SENSITIVITY_COLUMNS`). Seed streams: ``trajectory.new_patient.<marker>.<group>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from .. import seeds
from ..data.trial import ramp_bases
from ..result import LOWER_Q, UPPER_Q, Result
from .priors import statement

__all__ = [
    "DESIGN_INPUTS_COLUMNS",
    "EFFECT_COLUMNS",
    "PRIOR_SENSITIVITY_COLUMNS",
    "TrajectoryResult",
    "design_inputs",
    "new_patient_log_counts",
    "new_site_variance_factor",
    "prior_sensitivity",
    "summarise",
]

#: Columns of ``tables/trajectory_effects.csv``.
EFFECT_COLUMNS = [
    "marker", "model", "prior_set", "quantity", "arm", "day", "median", "mean", "lower95",
    "upper95", "log_mean", "log_sd", "p_gt_1", "p_gt_2", "p_gt_3",
]
#: Columns of ``tables/design_inputs_alc.csv`` (one row), which the design step reads.
DESIGN_INPUTS_COLUMNS = [
    "model", "log_ratio_mean", "log_ratio_sd", "sd_patient_log_alc_day29", "p_rise50_placebo",
    "p_rise50_cyt107", "day",
]
#: Columns of ``tables/prior_sensitivity.csv``.
PRIOR_SENSITIVITY_COLUMNS = [
    "prior_set", "marker", "day", "prior_log_mean", "prior_log_sd", "prior_p_gt_2", "median",
    "lower95", "upper95", "log_mean", "log_sd", "p_gt_1", "p_gt_2", "p_gt_3",
]
THRESHOLD_ALC = 900.0
N_NEW_PER_DRAW = 100
MAX_DRAWS = 2000


@dataclass(frozen=True)
class TrajectoryResult(Result):
    """The effects table of one trajectory fit and the posterior draws it summarises.

    ``draws``: ``log_ratio`` (dims sample, marker, day), ``log_fold`` (sample, marker, group,
    day) and ``log_regimen_contrast`` (sample, marker, day).
    """

    TABLES: ClassVar[dict[str, str]] = {"trajectory_effects": "effects"}

    effects: pd.DataFrame
    draws: xr.Dataset


def _stacked(idata: xr.DataTree, var: str) -> xr.DataArray:
    return idata["posterior"][var].stack(sample=("chain", "draw")).transpose("sample", ...)


def _log_row(logs: np.ndarray) -> dict[str, float]:
    nat = np.exp(logs)
    return {
        "median": float(np.median(nat)), "mean": float(np.mean(nat)),
        "lower95": float(np.quantile(nat, LOWER_Q)), "upper95": float(np.quantile(nat, UPPER_Q)),
        "log_mean": float(np.mean(logs)), "log_sd": float(np.std(logs, ddof=1)),
        "p_gt_1": float(np.mean(logs > 0)), "p_gt_2": float(np.mean(logs > math.log(2))),
        "p_gt_3": float(np.mean(logs > math.log(3))),
    }


def _prob_row(p: np.ndarray) -> dict[str, float]:
    return {
        "median": float(np.median(p)), "mean": float(np.mean(p)),
        "lower95": float(np.quantile(p, LOWER_Q)), "upper95": float(np.quantile(p, UPPER_Q)),
        "log_mean": np.nan, "log_sd": np.nan, "p_gt_1": np.nan, "p_gt_2": np.nan,
        "p_gt_3": np.nan,
    }


def _thin(n: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, MAX_DRAWS)).astype(int))


def new_site_variance_factor(n_sites: int) -> float:
    r"""Variance of a new site's effect around the fitted intercept, in units of :math:`\tau^2`.

    The model's site effects are zero-sum (:math:`u_s = \tau z_s`, :math:`\sum_s z_s = 0`): that
    is the reparametrisation of independent site effects :math:`v_s \sim N(0, \tau^2)` in which
    their mean :math:`\bar v` over the :math:`S` observed sites moved into the intercept
    (:math:`\alpha = \alpha^* + \bar v`, :math:`u_s = v_s - \bar v`). A priori
    :math:`\bar v \sim N(0, \tau^2/S)`, independent of the deviations :math:`u_s`, and the data
    cannot tell :math:`\bar v` from :math:`\alpha^*`; with an intercept prior much wider than
    :math:`\tau/\sqrt S` its posterior given :math:`\tau` stays :math:`N(0, \tau^2/S)`. A new
    site's effect relative to the fitted intercept is :math:`v_{new} - \bar v`, so

    .. math:: v_{new} - \bar v \mid \tau \sim N\left(0, \tau^2 (1 + 1/S)\right).

    Drawing it as :math:`N(0, \tau^2)` would leave out the uncertainty of the observed sites'
    mean (a variance :math:`\tau^2/S`: 25 % of the site variance with four sites).

    References
    ----------
    Gelman A. Analysis of variance — why it is more important than ever. Ann Stat
    2005;33(1):1-53 (finite-population vs superpopulation variance of batched effects).
    Gelman A, Hill J. Data Analysis Using Regression and Multilevel/Hierarchical Models.
    Cambridge University Press 2007, section 12.8 (predictions for new groups).

    Examples
    --------
    >>> new_site_variance_factor(4)
    1.25
    """
    if n_sites < 1:
        raise ValueError("n_sites must be >= 1")
    return 1.0 + 1.0 / n_sites


def new_patient_log_counts(fit: Any, model: Any, marker: str, group: str, *, seed: int,
                           n_per_draw: int = N_NEW_PER_DRAW) -> np.ndarray:
    r"""Posterior predictive log counts of new patients, shape ``(draws, n_per_draw, days)``.

    For each (thinned) posterior draw, ``n_per_draw`` new patients at new sites:

    .. math::

        y_{new}(t) = \mu_g(t) + a + b\, r_1(t) + u_{new} + \varepsilon(t),\quad
        (a, b) \sim \mathrm{MVN}(0, \Sigma),\quad
        u_{new} \sim N\left(0, \tau^2 (1 + 1/S)\right),\quad
        \varepsilon(t) \sim \sigma\, t_\nu

    with :math:`\mu_g` the typical-patient curve of ``group``, :math:`\Sigma` the patient-effect
    covariance, :math:`\tau` the site SD, :math:`S` the number of observed sites and independent
    Student-t measurement noise at every scheduled day. The site variance includes the
    uncertainty of the observed sites' mean, which the zero-sum constraint moved into the
    intercept (:func:`new_site_variance_factor`).
    """
    idata = fit.idata
    rng = seeds.rng(seed, f"trajectory.new_patient.{marker}.{group}")
    mk = list(model.markers).index(marker)
    mu = _stacked(idata, "mu_day").sel(marker=marker, group=group).values  # (S, day)
    keep = _thin(mu.shape[0])
    mu = mu[keep]
    stds = _stacked(idata, "chol_patient_stds").values[keep]  # (S, K)
    corr = _stacked(idata, "chol_patient_corr").values[keep]  # (S, K, K)
    cov = stds[:, :, None] * corr * stds[:, None, :]
    k = cov.shape[-1]
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(k))
    z = rng.standard_normal((len(keep), n_per_draw, k))
    eff = np.einsum("skl,snl->snk", chol, z)
    a, b = eff[:, :, 2 * mk], eff[:, :, 2 * mk + 1]
    sd_site = _stacked(idata, "sd_site").sel(marker=marker).values[keep]
    sd_new_site = sd_site * math.sqrt(new_site_variance_factor(len(model.obs.sites)))
    u = sd_new_site[:, None] * rng.standard_normal((len(keep), n_per_draw))
    sigma = _stacked(idata, "sigma").sel(marker=marker).values[keep]
    nu = _stacked(idata, "nu").values[keep]
    days = np.asarray(idata["posterior"]["day"].values, dtype=float)
    r1, _ = ramp_bases(days, model.obs.dosing_end_day)
    eps = sigma[:, None, None] * rng.standard_t(nu[:, None, None],
                                                 size=(len(keep), n_per_draw, len(days)))
    return (mu[:, None, :] + a[:, :, None] + u[:, :, None] + b[:, :, None] * r1[None, None, :]
            + eps)


def summarise(fit: Any, model: Any, *, seed: int, model_label: str | None = None,
              prior_set: str | None = None) -> TrajectoryResult:
    """Posterior treatment effects of a fitted :class:`~bayes_iris.trajectory.TrajectoryModel`.

    Parameters
    ----------
    fit : FitResult
        From :func:`bayes_iris.inference.fit` on ``model``.
    model : TrajectoryModel
        The specification that was fitted.
    seed : int
        Run seed (posterior predictive draws for new patients use the streams
        ``trajectory.new_patient.*``).
    model_label, prior_set : str, optional
        Values of the ``model`` and ``prior_set`` columns (default: ``model.label`` and the
        model's prior set).

    Returns
    -------
    TrajectoryResult
        ``effects`` (columns :data:`EFFECT_COLUMNS`, documented in the module docstring) and
        ``draws`` (``log_ratio``, ``log_fold``, ``log_regimen_contrast``; dims sample, marker,
        [group,] day).

    Examples
    --------
    A fit under ``pymc.testing.mock_sample`` (prior draws, no MCMC) exercises the plumbing:

    >>> import pymc as pm
    >>> from pymc.testing import mock_sample
    >>> from bayes_iris.data import simulate_trial
    >>> from bayes_iris.inference import SamplerConfig, fit
    >>> from bayes_iris.trajectory import TrajectoryModel
    >>> tm = TrajectoryModel(simulate_trial(1).data)
    >>> real, pm.sample = pm.sample, mock_sample
    >>> try:
    ...     f = fit(tm, SamplerConfig(seed=1, sampler="pymc", draws=20, chains=1,
    ...                               log_likelihood=False, progressbar=False))
    ... finally:
    ...     pm.sample = real
    >>> res = summarise(f, tm, seed=1)
    >>> list(res.effects.columns) == EFFECT_COLUMNS, sorted(res.draws.data_vars)
    (True, ['log_fold', 'log_ratio', 'log_regimen_contrast'])
    """
    idata = fit.idata
    label = model_label or model.label
    pset = prior_set or model.prior_set
    mu = _stacked(idata, "mu_day")  # sample, marker, group, day
    days = [int(d) for d in mu["day"].values]
    log_ratio = mu.sel(group="cyt107") - mu.sel(group="placebo")
    log_fold = mu - mu.isel(day=0)
    log_reg = mu.sel(group="twice_weekly") - mu.sel(group="weekly")
    rows: list[dict[str, Any]] = []
    base = {"model": label, "prior_set": pset}
    for marker in model.markers:
        for d in days:
            rows.append({**base, "marker": marker, "quantity": "ratio", "arm": "cyt107/placebo",
                         "day": d, **_log_row(log_ratio.sel(marker=marker, day=d).values)})
        for g in ("placebo", "cyt107", "weekly", "twice_weekly"):
            for d in days:
                rows.append({**base, "marker": marker, "quantity": "fold_from_baseline",
                             "arm": g, "day": d,
                             **_log_row(log_fold.sel(marker=marker, group=g, day=d).values)})
        for d in days:
            rows.append({**base, "marker": marker, "quantity": "regimen_contrast",
                         "arm": "twice_weekly/weekly", "day": d,
                         **_log_row(log_reg.sel(marker=marker, day=d).values)})
        if marker == "alc":
            for g in ("placebo", "cyt107"):
                sims = new_patient_log_counts(fit, model, marker, g, seed=seed)
                p = (sims > math.log(THRESHOLD_ALC)).mean(axis=1)  # (draws, day)
                for j, d in enumerate(days):
                    rows.append({**base, "marker": marker, "quantity": "p_above_900", "arm": g,
                                 "day": d, **_prob_row(p[:, j])})
    table = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    draws = xr.Dataset({"log_ratio": log_ratio.reset_index("sample", drop=True),
                        "log_fold": log_fold.reset_index("sample", drop=True),
                        "log_regimen_contrast": log_reg.reset_index("sample", drop=True)})
    return TrajectoryResult(effects=table, draws=draws)


def _day_index(days: list[int], day: int) -> int:
    return int(np.argmin(np.abs(np.asarray(days) - day)))


def design_inputs(fit: Any, model: Any, *, seed: int, day: int = 29) -> pd.DataFrame:
    """One-row table of what the phase III design needs from the ALC trajectory fit.

    ``log_ratio_mean``/``log_ratio_sd``: posterior of the day-``day`` log ratio CYT107/placebo;
    ``sd_patient_log_alc_day29``: posterior mean of the SD of a new patient's measured log ALC at
    that day within an arm — patient intercept and slope, a new site (:math:`\\tau^2(1 + 1/S)`,
    :func:`new_site_variance_factor`), and residual (:math:`\\sigma^2\\nu/(\\nu-2)`) variance;
    ``p_rise50_<arm>``: posterior mean probability that
    a new patient's measured ALC at that day is ≥ 1.5 × their measured day-0 ALC (the registry's
    primary endpoint, baseline taken as the day-0 draw).

    Examples
    --------
    >>> DESIGN_INPUTS_COLUMNS[-1]
    'day'
    """
    idata = fit.idata
    mk = list(model.markers).index("alc")
    mu = _stacked(idata, "mu_day").sel(marker="alc")
    days = [int(d) for d in mu["day"].values]
    j = _day_index(days, day)
    lr = (mu.sel(group="cyt107") - mu.sel(group="placebo")).isel(day=j).values
    stds = _stacked(idata, "chol_patient_stds").values
    corr = _stacked(idata, "chol_patient_corr").values
    r1, _ = ramp_bases(np.array([days[j]], dtype=float), model.obs.dosing_end_day)
    sa, sb = stds[:, 2 * mk], stds[:, 2 * mk + 1]
    rho = corr[:, 2 * mk, 2 * mk + 1]
    nu = _stacked(idata, "nu").values
    sigma = _stacked(idata, "sigma").sel(marker="alc").values
    site = _stacked(idata, "sd_site").sel(marker="alc").values
    var = (sa**2 + (r1[0] * sb) ** 2 + 2 * r1[0] * rho * sa * sb
           + site**2 * new_site_variance_factor(len(model.obs.sites))
           + sigma**2 * nu / (nu - 2.0))
    out = {"model": model.shape, "log_ratio_mean": float(lr.mean()),
           "log_ratio_sd": float(lr.std(ddof=1)),
           "sd_patient_log_alc_day29": float(np.sqrt(var).mean())}
    for g in ("placebo", "cyt107"):
        sims = new_patient_log_counts(fit, model, "alc", g, seed=seed)
        rise = sims[:, :, j] - sims[:, :, 0] >= math.log(1.5)
        out[f"p_rise50_{g}"] = float(rise.mean())
    out["day"] = days[j]
    return pd.DataFrame([out], columns=DESIGN_INPUTS_COLUMNS)


def prior_sensitivity(results: list[tuple[str, dict[str, Any], TrajectoryResult]], *,
                      marker: str = "alc", day: int = 29) -> pd.DataFrame:
    """One row per prior set: the prior statement and the posterior of the day-``day`` ratio.

    ``results`` holds ``(prior_set, resolved prior dict, TrajectoryResult)``.

    Examples
    --------
    >>> list(prior_sensitivity([]).columns)[:3]
    ['prior_set', 'marker', 'day']
    """
    rows = []
    for name, priors, res in results:
        t = res.effects
        sub = t[(t.quantity == "ratio") & (t.marker == marker)]
        if sub.empty:
            continue
        days = sub["day"].tolist()
        row = sub.iloc[_day_index(days, day)]
        st = statement(priors)
        rows.append({"prior_set": name, "marker": marker, "day": int(row["day"]),
                     "prior_log_mean": st["mu"], "prior_log_sd": st["sd"],
                     "prior_p_gt_2": st["p_gt_2"],
                     **{k: row[k] for k in ("median", "lower95", "upper95", "log_mean", "log_sd",
                                            "p_gt_1", "p_gt_2", "p_gt_3")}})
    return pd.DataFrame(rows, columns=PRIOR_SENSITIVITY_COLUMNS)
