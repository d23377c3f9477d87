"""Fit a MAP prior: sample the random-effects model, draw the predictive, approximate it by a
mixture (EM, components by AIC/BIC), robustify, and report ESS, shrinkage and diagnostics.

Two routes to the same MAP prior: :func:`fit_map` (MCMC, the one call of
:func:`bayes_iris.inference.fit` in this package is in :func:`_sample`) and
:func:`fit_map_quadrature` (deterministic two-dimensional quadrature over ``(μ, τ)``,
:mod:`.quadrature`: no sampler, no compile step, the same numbers in every process). The
pipeline uses the quadrature; the MCMC fit is its cross-check.

Predictive draws: for each posterior draw ``(μ, τ)``, ``k`` draws ``θ* = μ + τ z``
(``z ~ N(0, 1)`` from the run seed's ``"map_prior.predictive"`` stream), mapped to the natural
scale (expit, identity, exp). The summary gives the Monte Carlo standard errors of the MAP's
mean and SD by batch means (20 consecutive batches of the draws in chain order, so that the
autocorrelation of the chains is inside the batches).

References
----------
Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ (2010). Summarizing historical
information on controls in clinical trials. Clinical Trials 7:5-18.

Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032.

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive
priors with the R Bayesian evidence synthesis tools. Journal of Statistical Software
100(19):1-32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..design.map import MAPMixture, conflict_pvalue, ess, map_mixture, robust
from ..errors import InputError
from ..seeds import rng
from .historical import (
    HistoricalData,
    ankylosing_spondylitis,
    cyt107_alc_codata,
    septic_shock_placebo_mortality,
)
from .model import MAPModel, TauPrior


@dataclass
class MAPResult:
    """A fitted MAP prior: the fit, the predictive draws, the mixture approximation, the robust
    prior and the tables a report shows (:meth:`tables`)."""

    model: MAPModel
    fit: object
    predictive: np.ndarray
    approximation: MAPMixture
    robust_prior: object
    robust_weight: float
    shrinkage: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def mixture(self):
        return self.approximation.mixture

    def tables(self) -> dict[str, pd.DataFrame]:
        """Named tables: ``summary``, ``shrinkage``, ``mixture_fits``, ``mixture``, ``data``."""
        mix = self.mixture
        comp = pd.DataFrame({"component": np.arange(1, mix.n_components + 1), "w": mix.w,
                             **({"a": mix.a, "b": mix.b} if hasattr(mix, "a")
                                else {"m": mix.m, "s": mix.s})})
        return {"summary": self.summary, "shrinkage": self.shrinkage,
                "mixture_fits": self.approximation.fits, "mixture": comp,
                "data": self.model.data.table}

    @property
    def ess(self) -> dict[str, float]:
        """ELIR ESS of the MAP mixture and of the robust prior (patients, or the reference
        unit of a normal endpoint)."""
        s = self.summary.iloc[0]
        return {"map": float(s["ess_elir"]), "robust": float(s["robust_ess_elir"])}

    def conflict(self, data: tuple, *, kind: Literal["box", "tail"] = "box",
                 robust_prior: bool = False) -> float:
        """Prior-data conflict p-value of new data under the MAP (or robust MAP) prior."""
        return conflict_pvalue(self.robust_prior if robust_prior else self.mixture, data,
                               kind=kind)


def _sample(model: MAPModel, config, *, cache_dir=None, provenance=None, strict=False):
    """The package's only call of the sampler (its signature is the inference API's)."""
    from ..inference import fit

    return fit(model, config, cache_dir=cache_dir, provenance=provenance, strict=strict)


def _flat(idata, var: str) -> np.ndarray:
    x = np.asarray(idata["posterior"][var].values, float)
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def fit_map(model: MAPModel, config, *, cache_dir: str | Path | None = None,
            provenance: str | None = None, strict: bool = False, n_predictive: int = 40_000,
            robust_weight: float = 0.2, robust_mean: float | None = None,
            robust_n: float = 1.0, criterion: Literal["aic", "bic"] = "aic",
            penalty: float = 6.0, sigma: float | None = None) -> MAPResult:
    """Fit the MAP prior of ``model`` with sampler ``config`` (a ``SamplerConfig``).

    ``sigma``: the reference sampling SD of a normal endpoint (its ESS unit; required for the
    robust component of a normal MAP). ``robust_weight``, ``robust_mean``, ``robust_n``: the
    vague component (:func:`bayes_iris.design.map.robust`).
    """
    if model.data.likelihood == "normal" and sigma is None:
        raise InputError("a normal MAP needs sigma, the reference sampling SD", column="sigma")
    res = _sample(model, config, cache_dir=cache_dir, provenance=provenance, strict=strict)
    idata = res.idata
    mu, tau = _flat(idata, "mu"), _flat(idata, "tau")
    theta = _flat(idata, "theta")  # (S, J)
    k = int(np.ceil(n_predictive / mu.size))
    z = rng(int(config.seed), "map_prior.predictive").standard_normal((mu.size, k))
    pred_link = (mu[:, None] + tau[:, None] * z).ravel()
    pred = model.inverse_link(pred_link)
    if model.data.likelihood == "binomial":
        pred = np.clip(pred, 1e-12, 1 - 1e-12)
    approx = map_mixture(pred, model.data.likelihood, criterion=criterion, penalty=penalty,
                         sigma=sigma)
    rob = robust(approx.mixture, robust_weight, mean=robust_mean, n=robust_n)

    obs = model.data.observed()
    nat = model.inverse_link(theta)
    q = np.quantile(nat, [0.025, 0.5, 0.975], axis=0)
    shrink = obs.assign(shrunk_median=q[1], shrunk_lower95=q[0], shrunk_upper95=q[2],
                        shrunk_mean=nat.mean(axis=0))
    batches = np.array_split(pred.reshape(mu.size, k), 20, axis=0)
    b_mean = np.array([b.mean() for b in batches])
    b_sd = np.array([b.std(ddof=1) for b in batches])
    d = res.diagnostics
    qs = np.quantile(pred, [0.025, 0.5, 0.975])
    summary = pd.DataFrame([{
        **_model_fields(model),
        "mu_median": float(np.median(mu)), "tau_median": float(np.median(tau)),
        "tau_lower95": float(np.quantile(tau, 0.025)),
        "tau_upper95": float(np.quantile(tau, 0.975)),
        "map_mean": float(pred.mean()), "map_sd": float(pred.std(ddof=1)),
        "map_mean_mcse": float(b_mean.std(ddof=1) / np.sqrt(b_mean.size)),
        "map_sd_mcse": float(b_sd.std(ddof=1) / np.sqrt(b_sd.size)),
        "map_lower95": qs[0], "map_median": qs[1], "map_upper95": qs[2],
        **_mixture_fields(approx, rob, robust_weight),
        "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences,
        "status": d.status, "n_predictive": pred.size, "method": f"mcmc ({config.sampler})",
    }])
    return MAPResult(model, res, pred, approx, rob, robust_weight, shrink, summary,
                     notes=list(d.messages))


def fit_map_quadrature(model: MAPModel, *, robust_weight: float = 0.2,
                       robust_mean: float | None = None, robust_n: float = 1.0,
                       criterion: Literal["aic", "bic"] = "aic", penalty: float = 6.0,
                       sigma: float | None = None, n_predictive: int = 20_000) -> MAPResult:
    """The MAP prior of ``model`` by quadrature (:mod:`.quadrature`): the same tables as
    :func:`fit_map`, exact to grid tolerance (Monte Carlo errors 0), no sampler.
    ``predictive`` holds the deterministic quantile sample of ``n_predictive`` points (for
    figures); the mixture is fitted to the exact cell masses, weighted as ``n_predictive``
    draws.

    Examples
    --------
    >>> from bayes_iris.map_prior.historical import ankylosing_spondylitis
    >>> res = fit_map_quadrature(MAPModel(ankylosing_spondylitis()))
    >>> s = res.summary.iloc[0]
    >>> round(float(s["map_mean"]), 3), s["method"], s["status"]
    (0.258, 'quadrature', 'ok')
    """
    from . import quadrature as Q

    if model.data.likelihood == "normal" and sigma is None:
        raise InputError("a normal MAP needs sigma, the reference sampling SD", column="sigma")
    grid = Q.hyper_posterior(model)
    table = Q.predictive_table(grid)
    link_sample = Q.predictive_quantile_sample(table, n_predictive)
    pred = model.inverse_link(link_sample)
    points, mass = Q.predictive_cells(table)
    points = model.inverse_link(points)
    if model.data.likelihood == "binomial":
        pred = np.clip(pred, 1e-12, 1 - 1e-12)
        points = np.clip(points, 1e-12, 1 - 1e-12)
    approx = map_mixture(points, model.data.likelihood, criterion=criterion, penalty=penalty,
                         sigma=sigma, weights=mass / mass.sum() * n_predictive)
    rob = robust(approx.mixture, robust_weight, mean=robust_mean, n=robust_n)
    shrink = pd.concat([model.data.observed(), Q.shrinkage(model, grid)], axis=1)
    mean, sd = grid.moments(model.inverse_link)
    qs = model.inverse_link(np.interp([0.025, 0.5, 0.975], (np.arange(pred.size) + 0.5)
                                      / pred.size, link_sample))
    tq = grid.tau_quantiles([0.025, 0.5, 0.975])
    status = "ok" if grid.edge_mass < 1e-6 else "warning"
    notes = [] if status == "ok" else [
        f"{grid.edge_mass:.1e} of the hyperparameter posterior lies on the grid's edge"]
    summary = pd.DataFrame([{
        **_model_fields(model),
        "mu_median": float(grid.mu_quantiles(0.5)),
        "tau_median": float(tq[1]), "tau_lower95": float(tq[0]), "tau_upper95": float(tq[2]),
        "map_mean": mean, "map_sd": sd, "map_mean_mcse": 0.0, "map_sd_mcse": 0.0,
        "map_lower95": float(qs[0]), "map_median": float(qs[1]), "map_upper95": float(qs[2]),
        **_mixture_fields(approx, rob, robust_weight),
        "max_rhat": np.nan, "min_ess_bulk": np.nan, "divergences": 0, "status": status,
        "n_predictive": pred.size, "method": "quadrature",
    }])
    return MAPResult(model, None, pred, approx, rob, robust_weight, shrink, summary,
                     notes=notes)


def _model_fields(model: MAPModel) -> dict:
    """The summary row's description of the meta-analytic model (both routes)."""
    return {"map": model.data.name, "likelihood": model.data.likelihood,
            "n_studies": model.data.n_studies, "tau_prior": model.tau_prior.label(),
            "mean_prior": f"N({model.mean_prior[0]:g}, {model.mean_prior[1]:g}^2)"}


def _mixture_fields(approx, rob, robust_weight: float) -> dict:
    """The summary row's mixture, robust mixture and their effective sample sizes."""
    return {"mixture_components": approx.mixture.n_components,
            "mixture_mean": approx.mixture.mean, "mixture_sd": approx.mixture.sd,
            "ess_elir": _safe_ess(approx.mixture, "elir"),
            "ess_moment": _safe_ess(approx.mixture, "moment"),
            "robust_weight": robust_weight, "robust_ess_elir": _safe_ess(rob, "elir"),
            "robust_ess_moment": _safe_ess(rob, "moment")}


def _safe_ess(mixture, method: str) -> float:
    try:
        return ess(mixture, method)
    except InputError:
        return float("nan")


#: The worked applications: (data, τ prior, mean prior, reference σ, robust weight).
APPLICATIONS = {
    "ankylosing_spondylitis": (ankylosing_spondylitis, TauPrior(scale=1.0), (0.0, 2.0), None,
                               0.2),
    "septic_shock_mortality": (septic_shock_placebo_mortality, TauPrior(scale=1.0), (0.0, 2.0),
                               None, 0.2),
    "septic_shock_mortality_tau05": (septic_shock_placebo_mortality, TauPrior(scale=0.5),
                                     (0.0, 2.0), None, 0.2),
    # ESS unit of the CYT107 effect: total patients of a 1:1 trial, i.e. σ = 2 × SD(log ALC)
    "cyt107_alc": (cyt107_alc_codata, TauPrior(scale=0.5), (0.0, 1.5), 1.6, 0.5),
}


def application(name: str, config=None, *, cache_dir=None,
                method: Literal["quadrature", "mcmc"] | None = None, **kw) -> MAPResult:
    """One of :data:`APPLICATIONS`: by quadrature (``config=None``, the default) or by MCMC
    with sampler ``config`` (``method="mcmc"``, the default when a config is given).

    The septic-shock MAP is real published data; the CYT107 MAP is ILLUSTRATIVE (derived and
    assumed standard errors, one COVID-19 study) and is robustified with weight 0.5.

    Examples
    --------
    >>> res = application("septic_shock_mortality")
    >>> round(float(res.summary.iloc[0]["map_mean"]), 3), res.summary.iloc[0]["method"]
    (0.365, 'quadrature')
    """
    if name not in APPLICATIONS:
        raise InputError(f"unknown MAP application {name!r}", column="name",
                         hint=f"one of {', '.join(APPLICATIONS)}")
    make, tau, mean, sigma, weight = APPLICATIONS[name]
    data: HistoricalData = make()
    model = MAPModel(data, tau_prior=tau, mean_prior=mean)
    method = method or ("mcmc" if config is not None else "quadrature")
    if method == "quadrature":
        return fit_map_quadrature(model, sigma=sigma, robust_weight=weight, **kw)
    if method != "mcmc" or config is None:
        raise InputError(f"method {method!r} needs " + ("a sampler config" if method == "mcmc"
                                                         else "'quadrature' or 'mcmc'"),
                         column="method")
    return fit_map(model, config, cache_dir=cache_dir, sigma=sigma, robust_weight=weight,
                   **kw)
