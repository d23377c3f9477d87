"""Reanalysis of published summary-level results (estimate + CI, or 2×2 counts) under a prior grid,
and exact two-arm comparisons of binary outcomes (beta mixtures, no MCMC).

The verbs (closed form, so no sampler)::

    data = Estimate(value=1.01, lower=0.36, upper=2.81, measure="RR")
    result = reanalyze(data, prior_grid(mcid=0.8))     # ReanalysisResult(table, draws)
    plot_triplot(result)                               # -> Figure

:mod:`~bayes_iris.reanalysis.analysis` is the pipeline step as a function.
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".analysis": ["ReanalysisAnalysis", "TwoArmCase", "figures", "run", "two_arm_builtin"],
    ".cases": ["BUILTIN_CASES", "Case", "builtin_case"],
    ".inputs": ["DIFFERENCE_MEASURES", "RATIO_MEASURES", "Counts", "Estimate"],
    ".model": ["REANALYSIS_COLUMNS", "ReanalysisResult", "reanalyze"],
    ".plots": ["plot_triplot", "plot_two_arm"],
    ".priors": ["DEFAULTS", "PRIOR_SETS", "Prior", "PriorGrid", "prior_grid", "statement"],
    ".two_arm": [
        "TWO_ARM_COLUMNS", "TwoArmResult", "beta_mix_quantile", "compare_two_arms",
        "prob_difference_greater", "prob_odds_ratio_greater", "prob_ratio_greater",
    ],
})
