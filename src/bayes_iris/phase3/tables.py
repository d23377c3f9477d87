"""The column list of every table the design step writes (one list per table, owned here and
re-exported by :mod:`bayes_iris.results.tables`), and the small builders that need them.

==============================  ================================================================
table                           one row per
==============================  ================================================================
``design_recommendations``      endpoint (the rule text once per endpoint)
``design_sample_size``          (endpoint, design prior, metric, total n): probability of success
``design_oc``                   (endpoint, design, analysis prior, true value): P(success)
``design_gsd_boundaries``       look of the group-sequential mortality design
``design_gsd_oc``               (scenario, look) of the group-sequential design
``design_boundaries``           look of the single-arm safety rule
``design_priors``               (endpoint, design prior): what it says and where it comes from
``design_assumptions``          labelled assumption (:mod:`.assumptions`)
``map_summary`` …               see :mod:`.maps`
==============================  ================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .assumptions import ASSUMPTION_COLUMNS
from .maps import (
    MAP_CONFLICT_COLUMNS,
    MAP_EXCLUDED_COLUMNS,
    MAP_MIXTURE_COLUMNS,
    MAP_SHRINKAGE_COLUMNS,
    MAP_SUMMARY_COLUMNS,
)

__all__ = ["DESIGN_TABLE_COLUMNS", "PUBLISHED_TABLES", "RECOMMENDATION_COLUMNS",
           "design_prior_rows", "ordered"]

RECOMMENDATION_COLUMNS = [
    "endpoint", "endpoint_label", "role", "purpose", "design", "n_total", "n_per_arm_at_looks",
    "n_for_target", "sizing_metric", "target", "value_at_n", "assurance_at_n",
    "expected_power_at_n", "p_benefit", "type_I_error", "expected_n_null", "expected_n_mcid",
    "rule", "design_prior", "design_prior_source", "assumptions", "note",
]
SAMPLE_SIZE_COLUMNS = [
    "endpoint", "purpose", "design_prior", "design_prior_key", "role", "metric", "metric_label",
    "n_total", "n_treat", "n_control", "value", "mcse", "p_benefit", "design_prior_source",
]
OC_COLUMNS = ["endpoint", "design", "analysis_prior", "x_variable", "true_rr", "control_rate",
              "p_success", "method"]
GSD_BOUNDARY_COLUMNS = [
    "look", "information_fraction", "n_per_arm", "n_total", "efficacy_threshold", "efficacy_z",
    "futility_pp_threshold", "placebo_deaths_expected", "efficacy_max_cyt107_deaths",
    "futility_min_cyt107_deaths", "efficacy_rr_at_most", "futility_rr_at_least",
]
GSD_OC_COLUMNS = [
    "scenario", "true_rr", "control_rate", "binding_futility", "look", "n_total",
    "p_stop_efficacy", "p_stop_futility", "cumulative_p_efficacy", "p_efficacy", "p_futility",
    "expected_n",
]
SAFETY_BOUNDARY_COLUMNS = ["rule", "purpose", "n", "stop_min_x", "post_prob_at_boundary"]
PRIOR_COLUMNS = [
    "endpoint", "design_prior_key", "design_prior", "role", "effect_scale", "effect_median",
    "effect_lower95", "effect_upper95", "p_benefit", "control_mean", "control_lower95",
    "control_upper95", "source", "assumptions",
]

#: Column lists of every table of the step, by table name.
DESIGN_TABLE_COLUMNS: dict[str, list[str]] = {
    "design_recommendations": RECOMMENDATION_COLUMNS,
    "design_sample_size": SAMPLE_SIZE_COLUMNS,
    "design_oc": OC_COLUMNS,
    "design_gsd_boundaries": GSD_BOUNDARY_COLUMNS,
    "design_gsd_oc": GSD_OC_COLUMNS,
    "design_boundaries": SAFETY_BOUNDARY_COLUMNS,
    "design_priors": PRIOR_COLUMNS,
    "design_assumptions": ASSUMPTION_COLUMNS,
    "map_summary": MAP_SUMMARY_COLUMNS,
    "map_mixture": MAP_MIXTURE_COLUMNS,
    "map_shrinkage": MAP_SHRINKAGE_COLUMNS,
    "map_excluded": MAP_EXCLUDED_COLUMNS,
    "map_conflict": MAP_CONFLICT_COLUMNS,
}
#: Tables made from published data only (written with provenance "published").
PUBLISHED_TABLES = ("map_summary", "map_mixture", "map_shrinkage", "map_excluded")


def ordered(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with exactly the columns of table ``name``, in order.

    Examples
    --------
    >>> list(ordered("design_boundaries", pd.DataFrame({"n": [10]})).columns)[:3]
    ['rule', 'purpose', 'n']
    """
    return df.reindex(columns=DESIGN_TABLE_COLUMNS[name])


def _q(dist, q):
    return np.asarray(dist.ppf(np.asarray(q, float)), float)


def design_prior_rows(mort_priors, inf_priors, alc_list, a) -> pd.DataFrame:
    """One row per design prior: its effect (RR, or the ALC fold) and placebo risk summaries,
    P(benefit), role, source and assumptions."""
    from ..design import NormMix

    rows = []
    for ep, priors in (("mortality", mort_priors), ("infection", inf_priors)):
        for p in priors:
            dp = p.prior
            if isinstance(dp.log_rr, NormMix):
                eff = np.exp(_q(dp.log_rr, [0.5, 0.025, 0.975]))
                pb = float(dp.log_rr.cdf(0.0))
            else:
                eff = np.full(3, float(np.exp(dp.log_rr)))
                pb = float(dp.log_rr < 0)
            c = _q(dp.control, [0.025, 0.975])
            rows.append({"endpoint": ep, "design_prior_key": p.key, "design_prior": dp.label,
                         "role": p.role, "effect_scale": "risk ratio (CYT107 / placebo)",
                         "effect_median": eff[0], "effect_lower95": eff[1],
                         "effect_upper95": eff[2], "p_benefit": pb,
                         "control_mean": float(dp.control.mean), "control_lower95": c[0],
                         "control_upper95": c[1], "source": dp.source,
                         "assumptions": " | ".join(dp.assumptions)})
    for key, role, dp in alc_list:
        eff = np.exp(_q(dp.delta, [0.5, 0.025, 0.975]))
        rows.append({"endpoint": "alc", "design_prior_key": key, "design_prior": dp.label,
                     "role": role, "effect_scale": "day-29 ALC ratio (CYT107 / placebo)",
                     "effect_median": eff[0], "effect_lower95": eff[1],
                     "effect_upper95": eff[2], "p_benefit": dp.p_positive(),
                     "control_mean": np.nan, "control_lower95": np.nan,
                     "control_upper95": np.nan, "source": dp.source,
                     "assumptions": " | ".join(dp.assumptions)})
    return pd.DataFrame(rows, columns=PRIOR_COLUMNS)
