"""Fit a MAP prior: sample the random-effects model, draw the predictive, approximate it by a
mixture (EM, components by AIC/BIC), robustify, and report ESS, shrinkage and diagnostics.

The one call of :func:`bayes_iris.inference.fit` in this package is in :func:`_sample`.

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
        "map": model.data.name, "likelihood": model.data.likelihood,
        "n_studies": model.data.n_studies, "tau_prior": model.tau_prior.label(),
        "mean_prior": f"N({model.mean_prior[0]:g}, {model.mean_prior[1]:g}^2)",
        "mu_median": float(np.median(mu)), "tau_median": float(np.median(tau)),
        "tau_lower95": float(np.quantile(tau, 0.025)),
        "tau_upper95": float(np.quantile(tau, 0.975)),
        "map_mean": float(pred.mean()), "map_sd": float(pred.std(ddof=1)),
        "map_mean_mcse": float(b_mean.std(ddof=1) / np.sqrt(b_mean.size)),
        "map_sd_mcse": float(b_sd.std(ddof=1) / np.sqrt(b_sd.size)),
        "map_lower95": qs[0], "map_median": qs[1], "map_upper95": qs[2],
        "mixture_components": approx.mixture.n_components,
        "mixture_mean": approx.mixture.mean, "mixture_sd": approx.mixture.sd,
        "ess_elir": _safe_ess(approx.mixture, "elir"),
        "ess_moment": _safe_ess(approx.mixture, "moment"),
        "robust_weight": robust_weight, "robust_ess_elir": _safe_ess(rob, "elir"),
        "robust_ess_moment": _safe_ess(rob, "moment"),
        "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "divergences": d.divergences,
        "status": d.status, "n_predictive": pred.size,
    }])
    return MAPResult(model, res, pred, approx, rob, robust_weight, shrink, summary,
                     notes=list(d.messages))


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


def application(name: str, config, *, cache_dir=None, **kw) -> MAPResult:
    """One of :data:`APPLICATIONS`, fitted with ``config``.

    The septic-shock MAP is real published data; the CYT107 MAP is ILLUSTRATIVE (derived and
    assumed standard errors, one COVID-19 study) and is robustified with weight 0.5.
    """
    if name not in APPLICATIONS:
        raise InputError(f"unknown MAP application {name!r}", column="name",
                         hint=f"one of {', '.join(APPLICATIONS)}")
    make, tau, mean, sigma, weight = APPLICATIONS[name]
    data: HistoricalData = make()
    model = MAPModel(data, tau_prior=tau, mean_prior=mean)
    return fit_map(model, config, cache_dir=cache_dir, sigma=sigma, robust_weight=weight,
                   **kw)
