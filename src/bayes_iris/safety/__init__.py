"""Adverse events: the Berry & Berry hierarchy (point mass), Xia et al. model 1a, Poisson-exposure.

The four verbs::

    model = AEModel(ae_incidence(trial), "bb", ae_priors("c212"))
    f = inference.fit(model, sampler_config(seed, fast=False))   # cached by the spec's key
    result = summarise(f, model, seed=seed)                       # SafetyResult(ae, soc, draws)
    plot_ae_forest(result)                                        # -> Figure

:func:`~bayes_iris.safety.analysis.run` is the pipeline step as a function, shared by
``analyses/03_adverse_events.py`` and ``bayes-iris safety``.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".analysis": ["SafetyAnalysis", "fit_model", "run", "sampler_config"],
    ".effects": ["AE_TABLE_COLUMNS", "SOC_TABLE_COLUMNS", "SafetyResult", "summarise"],
    ".model": ["INCIDENCE_COLUMNS", "MODEL_KINDS", "AEModel", "ae_incidence"],
    ".plots": ["plot_ae_forest", "plot_ae_shrinkage"],
    ".priors": ["DEFAULTS", "PRIOR_SETS", "AEPriors", "ae_priors", "statement"],
})
