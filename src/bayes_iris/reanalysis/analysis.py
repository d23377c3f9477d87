"""The reanalysis step as a function: every built-in published case under its prior grid, and the
built-in exact two-arm comparison (3/15 vs 0/6) that the adverse-event step reports.

``analyses/04_summary_reanalysis.py`` and ``bayes-iris reanalyze --builtin`` both call it. These
numbers depend on published summary-level data only, never on the trial folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from ..data import published as P
from ..result import Result, combine_draws
from .cases import BUILTIN_CASES
from .model import ReanalysisResult, reanalyze
from .priors import prior_grid
from .two_arm import TwoArmResult, compare_two_arms

__all__ = [
    "TRIPLOT_CASES",
    "ReanalysisAnalysis",
    "TwoArmCase",
    "figures",
    "run",
    "two_arm_builtin",
    "two_arm_figure",
]

STEP = "summary_reanalysis"
TRIPLOT_CASES = ("sepsis_mortality", "sepsis_secondary_infection")
#: Risk-difference margins of the built-in two-arm table, and the finer grid of its figure.
TWO_ARM_MARGINS = (0.0, 0.05, 0.10, 0.20)
TWO_ARM_FIGURE_MARGINS = tuple(np.round(np.linspace(-0.3, 0.5, 33), 3))


@dataclass(frozen=True)
class ReanalysisAnalysis(Result):
    """Every built-in case's table (stacked, with its ``source``) and each case's result."""

    TABLES: ClassVar[dict[str, str]] = {"reanalysis_summary": "table"}

    table: pd.DataFrame
    draws: xr.Dataset
    results: dict[str, ReanalysisResult]


def run(cases: tuple[str, ...] | None = None) -> ReanalysisAnalysis:
    """Reanalyse the built-in cases (default: all) under their prior grids.

    Examples
    --------
    >>> res = run(("sepsis_mortality",))
    >>> sorted(set(res.table["prior"]))[:2]
    ['minimally_informative', 'neutral_moderate']
    """
    names = cases or tuple(BUILTIN_CASES)
    results = {}
    for name in names:
        case = BUILTIN_CASES[name]
        results[name] = reanalyze(case.data, prior_grid(case.mcid, benefit=case.data.benefit),
                                  case=name)
    table = pd.concat([r.table for r in results.values()], ignore_index=True)
    table.insert(len(table.columns), "source",
                 table.case.map({k: c.source for k, c in BUILTIN_CASES.items()}))
    return ReanalysisAnalysis(table=table,
                              draws=combine_draws({k: r.draws for k, r in results.items()}),
                              results=results)


def figures(analysis: ReanalysisAnalysis) -> dict[str, Any]:
    """The forest plot of every case under every prior, and the triplots of the
    design-relevant cases, by figure name."""
    from .plots import plot_reanalysis_forest, plot_triplot

    figs = {"reanalysis_forest": plot_reanalysis_forest(analysis.table)}
    figs.update({f"reanalysis_triplot_{name}": plot_triplot(analysis.results[name])
                 for name in TRIPLOT_CASES if name in analysis.results})
    return figs


@dataclass(frozen=True)
class TwoArmCase(Result):
    """The built-in IV CYT107 signal (fever with respiratory distress, 3/15 vs 0/6) as one tidy
    table (estimates and P(excess risk > margin)), and the comparison behind its figure."""

    TABLES: ClassVar[dict[str, str]] = {"ae_two_arm_builtin": "table"}

    table: pd.DataFrame
    draws: xr.Dataset
    result: TwoArmResult


def two_arm_builtin() -> TwoArmCase:
    """The exact two-arm comparison of the published 3/15 vs 0/6 (uniform priors).

    Examples
    --------
    >>> t = two_arm_builtin().table
    >>> t.loc[t["quantity"] == "p_treated", "mean"].round(4).tolist()
    [0.2353]
    """
    e = P.FEVER_RESPIRATORY_DISTRESS
    res = compare_two_arms(e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo,
                           margins=TWO_ARM_MARGINS)
    est = res.table.copy()
    est.insert(0, "kind", "estimate")
    pr = pd.DataFrame({"kind": "p_excess_risk",
                       "quantity": [f"P(RD > {m:g})" for m in res.probabilities.margin],
                       "probability": res.probabilities.p_excess})
    table = pd.concat([est, pr], ignore_index=True)
    table.insert(0, "case", "iv_fever_respiratory_distress")
    table["counts"] = f"{e.events_cyt107}/{e.n_cyt107} vs {e.events_placebo}/{e.n_placebo}"
    table["prior"] = "Beta(1,1) each arm"
    table["source"] = e.citation
    fig_res = compare_two_arms(e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo,
                               margins=TWO_ARM_FIGURE_MARGINS)
    return TwoArmCase(table=table, draws=fig_res.draws, result=fig_res)


def two_arm_figure(case: TwoArmCase) -> Any:
    """The figure of :func:`two_arm_builtin` (``respiratory_distress_3of15``)."""
    from .plots import plot_two_arm

    return plot_two_arm(case.result,
                        title="IV CYT107: fever and respiratory distress, 3/15 vs 0/6")
