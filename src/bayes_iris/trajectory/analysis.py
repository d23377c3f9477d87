"""The trajectory step as a function: sampler policy, the fits, shape choice, tables and figures.

``analyses/02_trajectories.py`` and ``bayes-iris fit`` / ``effects`` both call this module, so
a fit made by one is the cached fit of the other (same spec, same :func:`sampler_config`, same
file under ``fits/``).

The step fits, under :func:`sampler_config`: ALC piecewise and spline (default prior; compared by
PSIS-LOO), ALC piecewise under the prior sets vague / skeptical / enthusiastic (one compiled model
serves all), and the joint ALC/CD4/CD8 piecewise model. The model used for the design inputs and
the ALC figures is the LOO-best shape, unless the piecewise model is within 2 SE of it
(parsimony). ``fast``: small budgets and no spline fit (the LOO table then has one row).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import xarray as xr

from ..data.trial import TrialData
from ..errors import InputError, Problem
from ..inference import FitResult, SamplerConfig, diagnostics_table, fit
from ..result import Result, combine_draws
from .checks import loo_compare, posterior_predictive, prior_predictive, prior_predictive_draws
from .effects import TrajectoryResult, design_inputs, prior_sensitivity, summarise
from .model import TrajectoryModel
from .priors import PRIOR_SET_NAMES

__all__ = [
    "MODELS",
    "TrajectoryAnalysis",
    "choose_shape",
    "figures",
    "fit_model",
    "run",
    "sampler_config",
]

STEP = "trajectories"
#: ``--model`` of the command line: the markers of each trajectory model.
MODELS = {"alc": ("alc",), "joint": ("alc", "cd4", "cd8")}
SAMPLERS = ("nutpie", "pymc", "numpyro")
#: target_accept 0.95: under the vague prior the hierarchical SDs reach into a funnel (2 of 4000
#: transitions diverged at 0.9 on the bundled trial).
TARGET_ACCEPT = 0.95
RANK_VARS = ["effect", "effect_post", "natural_ramp", "regimen_ramp", "sd_site", "sigma", "nu",
             "chol_patient_stds"]


def sampler_config(run_seed: int, *, fast: bool, sampler: str = "nutpie",
                   progressbar: bool | None = None, draws: int | None = None,
                   tune: int | None = None) -> SamplerConfig:
    """The sampler policy of every trajectory fit (seed stream ``trajectory.sampler``).

    Examples
    --------
    >>> a = sampler_config(1, fast=True, progressbar=False)
    >>> a.draws, a.tune, a.target_accept, a == sampler_config(1, fast=True)
    (1000, 500, 0.95, True)
    """
    if sampler not in SAMPLERS:
        raise InputError(Problem(f"unknown sampler {sampler!r}", column="--sampler",
                                 hint=f"choose one of {', '.join(SAMPLERS)}"))
    pb = sys.stderr.isatty() if progressbar is None else progressbar
    return SamplerConfig.for_run(run_seed, stream="trajectory.sampler", fast=fast,
                                 sampler=sampler, progressbar=pb, target_accept=TARGET_ACCEPT,
                                 draws=draws, tune=tune)


def fit_model(model: TrajectoryModel, config: SamplerConfig, *, fits_dir: str | Path | None,
              strict: bool = False) -> FitResult:
    """Fit one trajectory model through the cache in ``fits_dir`` (the file is the spec's)."""
    return fit(model, config, cache_dir=fits_dir, provenance=model.data.provenance_label,
               strict=strict)


def model_for(trial: TrialData, model: str = "alc", *, shape: str = "piecewise",
              prior: str = "default") -> TrajectoryModel:
    """The trajectory model named on the command line (``--model alc|joint``).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> model_for(load_bundled(), "joint").name
    'alc_cd4_cd8_piecewise_default'
    """
    if model not in MODELS:
        raise InputError(Problem(f"unknown model {model!r}", column="--model",
                                 hint=f"choose one of {', '.join(MODELS)}"))
    return TrajectoryModel(trial, markers=MODELS[model], shape=shape, priors=prior)


def choose_shape(loo: pd.DataFrame) -> str:
    """The LOO-best shape, unless the piecewise model is within 2 SE of it (parsimony).

    Examples
    --------
    >>> close = pd.DataFrame({"model": ["spline", "piecewise"], "elpd_diff": [0.0, -1.0],
    ...                       "dse": [0.0, 2.8]})
    >>> choose_shape(close)
    'piecewise'
    """
    if loo.empty:
        return "piecewise"
    best = str(loo["model"].iloc[0])
    pw = loo[loo["model"] == "piecewise"]
    if best != "piecewise" and len(pw) and abs(float(pw["elpd_diff"].iloc[0])) < 2 * float(
            pw["dse"].iloc[0]):
        return "piecewise"
    return best


@dataclass(frozen=True)
class TrajectoryAnalysis(Result):
    """Everything the trajectory step writes: its six tables, and the fits behind them.

    ``draws`` holds every fit's effect draws (variables ``<fit>/<name>``,
    :func:`~bayes_iris.result.combine_draws`); ``results`` every fit's :class:`TrajectoryResult`,
    keyed like ``fits``.
    """

    TABLES: ClassVar[dict[str, str]] = {
        "trajectory_effects": "effects",
        "design_inputs_alc": "design_inputs",
        "prior_sensitivity": "prior_sensitivity",
        "loo_compare": "loo",
        "prior_predictive_alc": "prior_predictive",
        "diagnostics_trajectories": "diagnostics",
    }

    effects: pd.DataFrame
    design_inputs: pd.DataFrame
    prior_sensitivity: pd.DataFrame
    loo: pd.DataFrame
    prior_predictive: pd.DataFrame
    diagnostics: pd.DataFrame
    draws: xr.Dataset
    chosen_shape: str
    models: dict[str, TrajectoryModel]
    fits: dict[str, FitResult]
    results: dict[str, TrajectoryResult]

    @property
    def failed(self) -> list[str]:
        """The fits whose diagnostics failed."""
        return [k for k, f in self.fits.items() if not f.diagnostics.ok]


def run(trial: TrialData, *, seed: int, fast: bool = False, fits_dir: str | Path | None = None,
        draws: int | None = None, tune: int | None = None,
        progressbar: bool | None = None) -> TrajectoryAnalysis:
    """Fit every model of the step (through the cache in ``fits_dir``) and summarise them.

    Diagnostics failures are not raised here: :attr:`TrajectoryAnalysis.failed` lists them, and
    the step decides (warning, or exit 3 under ``--strict``).
    """
    base = TrajectoryModel(trial, markers=("alc",), shape="piecewise")
    config = sampler_config(seed, fast=fast, progressbar=progressbar, draws=draws, tune=tune)
    models: dict[str, TrajectoryModel] = {"alc_piecewise_default": base}
    if not fast:
        models["alc_spline_default"] = TrajectoryModel(trial, markers=("alc",), shape="spline")
    fits = {k: fit_model(m, config, fits_dir=fits_dir) for k, m in models.items()}
    # ALC: both shapes under the default prior, compared by LOO
    loo = loo_compare({k.split("_")[1]: f for k, f in fits.items()})
    chosen_shape = choose_shape(loo)
    chosen = f"alc_{chosen_shape}_default"
    loo["chosen"] = loo["model"] == chosen_shape
    # prior sets (same compiled piecewise model), then the joint ALC / CD4 / CD8 model
    for pset in PRIOR_SET_NAMES:
        if pset != "default":
            models[f"alc_piecewise_{pset}"] = base.with_priors(pset)
            fits[f"alc_piecewise_{pset}"] = fit_model(models[f"alc_piecewise_{pset}"], config,
                                                      fits_dir=fits_dir)
    models["joint_piecewise_default"] = TrajectoryModel(trial, markers=("alc", "cd4", "cd8"),
                                                        shape="piecewise")
    fits["joint_piecewise_default"] = fit_model(models["joint_piecewise_default"], config,
                                                fits_dir=fits_dir)

    results = {k: summarise(fits[k], models[k], seed=seed) for k in fits}
    sens = prior_sensitivity([
        (pset, models[f"alc_piecewise_{pset}"].priors, results[f"alc_piecewise_{pset}"])
        for pset in PRIOR_SET_NAMES
    ])
    return TrajectoryAnalysis(
        effects=pd.concat([r.effects for r in results.values()], ignore_index=True),
        design_inputs=design_inputs(fits[chosen], models[chosen], seed=seed),
        prior_sensitivity=sens,
        loo=loo,
        prior_predictive=prior_predictive(base, seed=seed, draws=500),
        diagnostics=diagnostics_table([(k, f.diagnostics) for k, f in fits.items()]),
        draws=combine_draws({k: r.draws for k, r in results.items()}),
        chosen_shape=chosen_shape,
        models=models,
        fits=fits,
        results=results,
    )


def figures(analysis: TrajectoryAnalysis, *, seed: int) -> dict[str, Any]:
    """The step's figures by name (``figures/<name>.png``); nothing is saved here."""
    from ..plots.diagnostics import plot_rank
    from .plots import (
        plot_effect_prior_posterior,
        plot_effects_by_day,
        plot_ppc,
        plot_prior_predictive,
        plot_ratio_forest,
        plot_regimen_contrast,
        plot_trajectories,
    )

    chosen = f"alc_{analysis.chosen_shape}_default"
    c_model, c_fit = analysis.models[chosen], analysis.fits[chosen]
    j_model, j_fit = analysis.models["joint_piecewise_default"], analysis.fits[
        "joint_piecewise_default"]
    base = analysis.models["alc_piecewise_default"]
    figs = {"trajectory_alc": plot_trajectories(c_fit, c_model, marker="alc")}
    for m in ("cd4", "cd8"):
        figs[f"trajectory_{m}"] = plot_trajectories(j_fit, j_model, marker=m)
    figs["day29_ratio_forest"] = plot_ratio_forest(analysis.prior_sensitivity)
    figs["effects_by_day"] = plot_effects_by_day(
        analysis.effects[analysis.effects["prior_set"] == "default"], marker="alc")
    contrast = analysis.effects
    contrast = contrast[(contrast["marker"] != "alc")
                        | (contrast["model"] == analysis.chosen_shape)]
    figs["regimen_contrast"] = plot_regimen_contrast(contrast)
    sens = analysis.prior_sensitivity
    day = int(sens["day"].iloc[0]) if len(sens) else 29
    draws = {}
    for pset in sens["prior_set"].astype(str):
        res = analysis.results.get(f"alc_piecewise_{pset}")
        if res is not None:
            draws[pset] = res.draws["log_ratio"].sel(marker="alc").sel(
                day=day, method="nearest").values
    figs["effect_prior_posterior"] = plot_effect_prior_posterior(sens, draws)
    figs["ppc_alc"] = plot_ppc(posterior_predictive(c_fit, c_model, seed=seed), c_model)
    figs["prior_predictive_alc"] = plot_prior_predictive(prior_predictive_draws(base, seed=seed))
    figs["trace_alc"] = plot_rank(c_fit, var_names=RANK_VARS)  # rank plots (file name kept)
    return figs
