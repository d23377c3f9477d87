"""The adverse-event step as a function: sampler policy, the fits of each model kind, summaries.

``analyses/03_adverse_events.py`` and ``bayes-iris safety`` both call :func:`run`, so they share
sampler settings (:func:`sampler_config`, seed stream ``safety.sampler``) and cached fits.
The step fits the point-mass model (``bb``) — and, unless ``fast``, also model 1a (no point mass)
and the Poisson model with exposure — through :func:`bayes_iris.inference.fit` like every other
analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import xarray as xr

from ..data.trial import TrialData
from ..errors import InputError
from ..inference import FitResult, SamplerConfig, diagnostics_table, fit
from ..result import Result, combine_draws
from .effects import SafetyResult, summarise
from .model import MODEL_KINDS, AEModel, ae_incidence
from .priors import AEPriors, ae_priors

__all__ = ["BUDGET", "SafetyAnalysis", "figures", "fit_model", "run", "sampler_config"]

STEP = "adverse_events"
#: Draws and tuning steps per chain of the AE fits (the funnel of the SOC variances needs a long
#: adaptation).
BUDGET = {"full": {"draws": 2000, "tune": 2000}, "fast": {"draws": 1000, "tune": 1000}}
TARGET_ACCEPT = 0.95


def sampler_config(run_seed: int, *, fast: bool, draws: int | None = None,
                   tune: int | None = None, progressbar: bool = False) -> SamplerConfig:
    """The sampler policy of the AE fits (seed stream ``safety.sampler``; no log-likelihood).

    Examples
    --------
    >>> c = sampler_config(1, fast=True)
    >>> c.draws, c.tune, c.target_accept, c.log_likelihood
    (1000, 1000, 0.95, False)
    """
    return SamplerConfig.for_run(run_seed, stream="safety.sampler", fast=fast, budget=BUDGET,
                                 target_accept=TARGET_ACCEPT, progressbar=progressbar,
                                 log_likelihood=False, draws=draws, tune=tune)


def fit_model(model: AEModel, config: SamplerConfig, *, fits_dir: str | Path | None = None,
              strict: bool = False, provenance: str | None = None) -> FitResult:
    """Fit one AE model through the cache in ``fits_dir`` (the file is the spec's)."""
    return fit(model, config, cache_dir=fits_dir, provenance=provenance, strict=strict)


@dataclass(frozen=True)
class SafetyAnalysis(Result):
    """The AE step's tables (all model kinds stacked), its fits, and each kind's result.

    ``draws`` holds each kind's draws (variables ``<kind>/<name>``).
    """

    TABLES: ClassVar[dict[str, str]] = {
        "ae_summary": "ae_table",
        "ae_soc_summary": "soc_table",
        "diagnostics_adverse_events": "diagnostics",
    }

    ae_table: pd.DataFrame
    soc_table: pd.DataFrame
    diagnostics: pd.DataFrame
    draws: xr.Dataset
    models: dict[str, AEModel]
    fits: dict[str, FitResult]
    results: dict[str, SafetyResult]

    @property
    def ok(self) -> bool:
        return all(f.diagnostics.ok for f in self.fits.values())


def run(trial: TrialData | pd.DataFrame, *, seed: int, fast: bool = False,
        kinds: tuple[str, ...] | None = None, priors: AEPriors | str = "c212",
        strict: bool = False, fits_dir: str | Path | None = None, draws: int | None = None,
        tune: int | None = None, progressbar: bool = False) -> SafetyAnalysis:
    """Build, fit (cached in ``fits_dir``) and summarise the AE models of the step.

    Parameters
    ----------
    trial : TrialData or DataFrame
        A validated trial (its ``adverse_events`` table) or an :func:`ae_incidence` table.
    kinds : tuple of str, optional
        Model kinds; default ``("bb",)`` when ``fast``, else all of :data:`MODEL_KINDS`.
    priors : AEPriors or str
        A named set of :mod:`bayes_iris.safety.priors` or explicit hyperparameters.
    strict : bool
        Raise :class:`~bayes_iris.errors.ConvergenceError` when a fit's diagnostics fail (the fit
        is saved first).

    Examples
    --------
    Skipped in the test run (an MCMC fit: a minute; the plumbing runs under
    ``mock_sample`` in :func:`bayes_iris.safety.effects.summarise`):

    >>> from bayes_iris.data import load_bundled
    >>> res = run(load_bundled(), seed=1, fast=True)  # doctest: +SKIP
    >>> res.ae_table[["term", "p_theta_gt_0", "p_point_mass"]].head()  # doctest: +SKIP
    """
    kinds = kinds or (("bb",) if fast else MODEL_KINDS)
    unknown = [k for k in kinds if k not in MODEL_KINDS]
    if unknown:
        raise InputError(f"unknown AE model {unknown[0]!r}", column="model",
                         hint="one of: " + ", ".join(MODEL_KINDS))
    if isinstance(priors, str):
        priors = ae_priors(priors)
    label = None
    if isinstance(trial, TrialData):
        inc = ae_incidence(trial)  # validates before anything is sampled or written
        label = trial.provenance_label
    else:
        inc = trial
    config = sampler_config(seed, fast=fast, draws=draws, tune=tune, progressbar=progressbar)
    models = {k: AEModel(inc, k, priors) for k in kinds}
    fits = {k: fit_model(m, config, fits_dir=fits_dir, strict=strict, provenance=label)
            for k, m in models.items()}
    results = {k: summarise(fits[k], models[k], seed=seed) for k in kinds}
    return SafetyAnalysis(
        ae_table=pd.concat([r.ae_table for r in results.values()], ignore_index=True),
        soc_table=pd.concat([r.soc_table for r in results.values()], ignore_index=True),
        diagnostics=diagnostics_table([(models[k].name, fits[k].diagnostics) for k in kinds]),
        draws=combine_draws({k: r.draws for k, r in results.items()}),
        models=models,
        fits=fits,
        results=results,
    )


def figures(analysis: SafetyAnalysis, kind: str = "bb") -> dict[str, Any]:
    """The step's AE figures by name (shrinkage and forest plot of model ``kind``; the forest
    plot shows the prior's P(θ = 0) beside the posteriors)."""
    from .plots import plot_ae_forest, plot_ae_shrinkage
    from .priors import statement

    res = analysis.results[kind]
    model = analysis.models[kind]
    prior_zero = statement(model.priors)["p_point_mass"] if model.point_mass else 0.0
    return {"ae_shrinkage": plot_ae_shrinkage(res),
            "ae_forest": plot_ae_forest(res, prior_p_zero=prior_zero)}
