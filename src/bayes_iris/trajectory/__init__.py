"""Lymphocyte trajectories: hierarchical models of log ALC / CD4+ / CD8+ counts over study days.

The four verbs::

    model = TrajectoryModel(trial, markers=("alc",), shape="piecewise", priors="default")
    f = inference.fit(model, sampler_config(seed, fast=False))   # cached by the spec's key
    result = summarise(f, model, seed=seed)                       # TrajectoryResult(effects, draws)
    plot_effects_by_day(result.effects)                           # -> Figure

:mod:`~bayes_iris.trajectory.analysis` is the pipeline step as a function (``run``, ``figures``),
shared by ``analyses/02_trajectories.py`` and ``bayes-iris fit``. :mod:`~bayes_iris.trajectory.oc`
(``trajectory_oc``) estimates the operating characteristics of a biomarker decision rule by
simulated trials, each analysed by this model, on Dask (``bayes-iris trajectory-oc``).
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".analysis": [
        "TrajectoryAnalysis", "choose_shape", "fit_model", "model_for", "run", "sampler_config",
    ],
    ".checks": [
        "loo_compare", "posterior_predictive", "prior_predictive", "prior_predictive_draws",
    ],
    ".effects": [
        "DESIGN_INPUTS_COLUMNS", "EFFECT_COLUMNS", "PRIOR_SENSITIVITY_COLUMNS", "TrajectoryResult",
        "design_inputs", "prior_sensitivity", "summarise",
    ],
    ".model": ["GROUPS", "SHAPES", "TrajectoryModel"],
    ".oc": ["BiomarkerRule", "OCResult", "OCScenario", "trajectory_oc"],
    ".plots": [
        "plot_effects_by_day", "plot_ppc", "plot_prior_predictive", "plot_ratio_forest",
        "plot_trajectories",
    ],
    ".priors": ["DEFAULT", "PRIOR_SET_NAMES", "PRIOR_SETS", "resolve_priors", "statement"],
})
