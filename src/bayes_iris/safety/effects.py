"""Summaries of a fitted adverse-event hierarchy: per-AE and per-SOC tables and their draws.

The columns of ``tables/ae_summary.csv`` and ``tables/ae_soc_summary.csv`` are
:data:`AE_TABLE_COLUMNS` and :data:`SOC_TABLE_COLUMNS` (one row per model and AE / SOC). For the
point-mass models, :math:`\\theta = (1 - z)\\tilde\\theta` with :math:`z \\sim \\mathrm{Bernoulli}(w)`
drawn from the ``safety.point_mass`` seed stream; :math:`P(\\theta > 0)` is Rao–Blackwellised,
:math:`E[(1 - w)\\,1\\{\\tilde\\theta > 0\\}]` (module :mod:`bayes_iris.safety.model`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from .. import seeds
from ..result import LOWER_Q, UPPER_Q, Result
from .model import AEModel

__all__ = ["AE_TABLE_COLUMNS", "SOC_TABLE_COLUMNS", "SafetyResult", "summarise"]


@dataclass(frozen=True)
class SafetyResult(Result):
    """Per-AE and per-SOC summaries of one fitted AE model and the draws behind them."""

    TABLES: ClassVar[dict[str, str]] = {"ae_summary": "ae_table", "ae_soc_summary": "soc_table"}

    ae_table: pd.DataFrame
    soc_table: pd.DataFrame
    draws: xr.Dataset


#: Columns of ``tables/ae_summary.csv``.
AE_TABLE_COLUMNS = [
    "model", "soc", "term", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo", "raw_rate_cyt107",
    "raw_rate_placebo", "raw_log_or", "measure", "p_theta_gt_0", "p_point_mass", "theta_mean",
    "theta_sd", "rd_median", "rd_lower95", "rd_upper95", "or_median", "or_lower95", "or_upper95",
]
#: Columns of ``tables/ae_soc_summary.csv``.
SOC_TABLE_COLUMNS = [
    "model", "soc", "n_terms", "pi_mean", "pi_lower95", "pi_upper95", "p_mu_theta_gt_0",
    "mu_theta_median", "mu_theta_lower95", "mu_theta_upper95", "or_soc_median", "or_soc_lower95",
    "or_soc_upper95", "p_any_theta_gt_0",
]


def _flat(idata, name: str) -> np.ndarray:
    """Posterior draws of ``name`` stacked to (draws, ...)."""
    da = idata.posterior[name]
    da = da.stack(sample=("chain", "draw")).transpose("sample", ...)
    return np.asarray(da.values)


def _q(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.quantile(x, 0.5, axis=0), np.quantile(x, LOWER_Q, axis=0),
            np.quantile(x, UPPER_Q, axis=0))


def summarise(fit: Any, model: AEModel, *, seed: int) -> SafetyResult:
    """Per-AE and per-SOC tables (columns :data:`AE_TABLE_COLUMNS`, :data:`SOC_TABLE_COLUMNS`)
    and the draws behind them.

    Parameters
    ----------
    fit : FitResult
        From :func:`bayes_iris.inference.fit` on ``model``.
    model : AEModel
        The specification that was fitted.
    seed : int
        Run seed; the point mass is realised from the ``safety.point_mass`` stream.

    Returns
    -------
    SafetyResult
        ``draws``: ``theta`` (point mass realised), ``w`` (conditional point-mass probabilities),
        ``p_placebo`` and ``p_cyt107`` (risks, or rates per patient-day for the Poisson model);
        dims ``sample, ae``.

    Examples
    --------
    >>> import pandas as pd
    >>> import pymc as pm
    >>> from pymc.testing import mock_sample
    >>> from bayes_iris.inference import SamplerConfig, fit
    >>> inc = pd.DataFrame(dict(soc=["A", "A", "B"], term=["a1", "a2", "b1"], n_placebo=[1, 0, 2],
    ...     N_placebo=10, n_cyt107=[5, 1, 2], N_cyt107=17, events_placebo=[1, 0, 2],
    ...     events_cyt107=[6, 1, 2], exposure_placebo=500.0, exposure_cyt107=900.0))
    >>> spec = AEModel(inc, "1a")  # no Potential: prior draws stand in for the posterior
    >>> real, pm.sample = pm.sample, mock_sample
    >>> try:
    ...     f = fit(spec, SamplerConfig(seed=1, sampler="pymc", draws=30, chains=1,
    ...                                 log_likelihood=False, progressbar=False))
    ... finally:
    ...     pm.sample = real
    >>> res = summarise(f, spec, seed=1)
    >>> list(res.tables()), res.draws["theta"].dims
    (['ae_summary', 'ae_soc_summary'], ('sample', 'ae'))
    """
    idata = fit.idata
    inc = model.incidence
    gamma = _flat(idata, "gamma")
    if model.point_mass:
        slab = _flat(idata, "theta_slab")
        w = _flat(idata, "w_point_mass")
        z = seeds.rng(seed, "safety.point_mass").random(w.shape) < w
        theta = np.where(z, 0.0, slab)
        p_gt0 = np.mean((1 - w) * (slab > 0), axis=0)
        p_pm = np.mean(w, axis=0)
    else:
        theta = _flat(idata, "theta")
        w = np.zeros_like(theta)
        p_gt0 = np.mean(theta > 0, axis=0)
        p_pm = np.full(theta.shape[1], np.nan)
    if model.kind == "poisson":
        pc, ptr = np.exp(gamma), np.exp(gamma + theta)
        measure = "rate_ratio; rd = rate difference per 100 patient-days"
        rd = 100 * (ptr - pc)
        raw_c = inc.events_placebo / inc.exposure_placebo
        raw_t = inc.events_cyt107 / inc.exposure_cyt107
        raw_eff = np.log((inc.events_cyt107 + 0.5) / inc.exposure_cyt107) - np.log(
            (inc.events_placebo + 0.5) / inc.exposure_placebo)
    else:
        pc = 1 / (1 + np.exp(-gamma))
        ptr = 1 / (1 + np.exp(-(gamma + theta)))
        measure = "odds_ratio; rd = risk difference"
        rd = ptr - pc
        raw_c = inc.n_placebo / inc.N_placebo
        raw_t = inc.n_cyt107 / inc.N_cyt107
        raw_eff = (np.log((inc.n_cyt107 + 0.5) / (inc.N_cyt107 - inc.n_cyt107 + 0.5))
                   - np.log((inc.n_placebo + 0.5) / (inc.N_placebo - inc.n_placebo + 0.5)))
    rd_m, rd_l, rd_u = _q(rd)
    or_m, or_l, or_u = _q(np.exp(theta))
    ae_table = pd.DataFrame({
        "model": model.kind, "soc": inc.soc.to_numpy(), "term": inc.term.to_numpy(),
        "n_cyt107": inc.n_cyt107.to_numpy(), "N_cyt107": inc.N_cyt107.to_numpy(),
        "n_placebo": inc.n_placebo.to_numpy(), "N_placebo": inc.N_placebo.to_numpy(),
        "raw_rate_cyt107": np.asarray(raw_t, float), "raw_rate_placebo": np.asarray(raw_c, float),
        "raw_log_or": np.asarray(raw_eff, float), "measure": measure,
        "p_theta_gt_0": p_gt0, "p_point_mass": p_pm,
        "theta_mean": theta.mean(axis=0), "theta_sd": theta.std(axis=0),
        "rd_median": rd_m, "rd_lower95": rd_l, "rd_upper95": rd_u,
        "or_median": or_m, "or_lower95": or_l, "or_upper95": or_u,
    })[AE_TABLE_COLUMNS]

    mu_t = _flat(idata, "mu_theta")
    socs = model.socs
    soc_idx = np.array([socs.index(s) for s in inc.soc])
    if model.point_mass:
        pi = _flat(idata, "pi")
        pi_m, pi_l, pi_u = pi.mean(axis=0), *np.quantile(pi, [LOWER_Q, UPPER_Q], axis=0)
    else:
        pi_m = pi_l = pi_u = np.full(len(socs), np.nan)
    mu_m, mu_l, mu_u = _q(mu_t)
    any_gt0 = [float(np.mean(np.any(theta[:, soc_idx == b] > 0, axis=1)))
               for b in range(len(socs))]
    soc_table = pd.DataFrame({
        "model": model.kind, "soc": socs,
        "n_terms": [int(np.sum(soc_idx == b)) for b in range(len(socs))],
        "pi_mean": pi_m, "pi_lower95": pi_l, "pi_upper95": pi_u,
        "p_mu_theta_gt_0": np.mean(mu_t > 0, axis=0),
        "mu_theta_median": mu_m, "mu_theta_lower95": mu_l, "mu_theta_upper95": mu_u,
        "or_soc_median": np.exp(mu_m), "or_soc_lower95": np.exp(mu_l),
        "or_soc_upper95": np.exp(mu_u), "p_any_theta_gt_0": any_gt0,
    })[SOC_TABLE_COLUMNS]
    dims = ("sample", "ae")
    draws = xr.Dataset({"theta": (dims, theta), "w": (dims, w), "p_placebo": (dims, pc),
                        "p_cyt107": (dims, ptr)}, coords={"ae": model.terms})
    return SafetyResult(ae_table=ae_table, soc_table=soc_table, draws=draws)
