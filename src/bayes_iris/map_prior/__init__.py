"""Meta-analytic-predictive (MAP) priors from historical studies.

build (``model.MAPModel``) → fit (``analysis.fit_map``, the one sampler call) → summarise
(``MAPResult.tables``) → plot (``plots.plot_forest``, ``plots.plot_map_fit``). The pure parts —
mixture EM, robustification, ESS, prior-data conflict — live in :mod:`bayes_iris.design.map`.

Historical data, cited (``historical``): RBesT's ankylosing-spondylitis data (the oracle), the
placebo 28-day mortality of septic-shock RCTs (real, published), and the CYT107 effect on ALC
across IRIS-7, IRIS-7-C&D and ILIAD-7 (illustrative co-data).
"""

from .analysis import APPLICATIONS, MAPResult, application, fit_map
from .historical import (
    HistoricalData,
    ankylosing_spondylitis,
    cyt107_alc_codata,
    septic_shock_placebo_mortality,
)
from .model import MAPModel, TauPrior

__all__ = [
    "APPLICATIONS",
    "HistoricalData",
    "MAPModel",
    "MAPResult",
    "TauPrior",
    "ankylosing_spondylitis",
    "application",
    "cyt107_alc_codata",
    "fit_map",
    "septic_shock_placebo_mortality",
]
