"""The design dashboards: probability of success versus n per design prior, operating
characteristics, the group-sequential boundaries per look, expected sample size, the safety
rule, and the MAP figures. Each function reads the step's tables (or the MAP fits), computes
nothing new and returns a Figure (no ``savefig``); every curve has its own colour *and* marker
or line style, so that no curve hides another, and every legend sits outside the data.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..plots.style import layout

__all__ = ["all_figures", "plot_gsd", "plot_gsd_expected_n", "plot_oc", "plot_pos_curves",
           "plot_safety_rule"]

_COLOUR = {"mcid": "#1f77b4", "mcid_robust": "#17becf", "evidence": "#d62728",
           "codata_map": "#2ca02c", "codata_map_plain": "#98df8a", "trial_posterior": "#9467bd",
           "rise50": "#ff7f0e"}
_STYLE = {"power_mcid": "-", "assurance": "-", "expected_power": "--"}
_MARKER = {"mcid": "o", "mcid_robust": "D", "evidence": "s", "codata_map": "o",
           "codata_map_plain": "v", "trial_posterior": "P", "rise50": "o"}
_TITLES = {"mortality": "28-day mortality — phase III, primary",
           "infection": "secondary infection — phase III, secondary",
           "alc": "day-29 ALC ratio — phase II / mechanistic only",
           "rise50": ">= 50 % ALC rise — phase II / mechanistic only"}


def _legend_below(ax, ncol: int = 1) -> None:
    h, lab = ax.get_legend_handles_labels()
    if h:
        ax.legend(h, [textwrap.fill(t, 58) for t in lab], loc="upper center",
                  bbox_to_anchor=(0.5, -0.2), fontsize=7, frameon=False, ncol=ncol)


def _tidy(ax, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
    ax.grid(alpha=0.25, lw=0.5)


def plot_pos_curves(curves: pd.DataFrame, recs: pd.DataFrame, *, target: float = 0.8) -> Figure:
    """One panel per endpoint: each (design prior, metric) curve versus the total sample size;
    the target as a dashed line, the recommended (or shown) size as a vertical line.

    Examples
    --------
    >>> c = pd.DataFrame({"endpoint": "alc", "design_prior": "p", "design_prior_key": "x",
    ...                   "metric": "assurance", "metric_label": "assurance",
    ...                   "n_total": [10, 20], "value": [0.5, 0.8], "role": "sizing"})
    >>> len(plot_pos_curves(c, pd.DataFrame({"endpoint": ["alc"], "n_total": [20]})).axes)
    1
    """
    eps = [e for e in _TITLES if e in set(curves["endpoint"])]
    ncol = 2 if len(eps) > 1 else 1
    nrow = int(np.ceil(len(eps) / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 4.6 * nrow), squeeze=False,
                            layout=layout())
    for ax in axs.ravel()[len(eps):]:
        ax.set_visible(False)
    for ax, ep in zip(axs.ravel(), eps, strict=False):
        sub = curves[curves["endpoint"] == ep]
        for (key, metric), g in sub.groupby(["design_prior_key", "metric"], sort=False):
            g = g.sort_values("n_total")
            ls = ":" if key == "mcid_robust" else _STYLE.get(metric, "-")
            mk = "^" if metric == "expected_power" else _MARKER.get(key, "o")
            every = max(1, len(g) // 10)
            ax.plot(g["n_total"], g["value"], ls=ls, marker=mk, markevery=every, ms=4, lw=1.4,
                    color=_COLOUR.get(key, "0.3"),
                    label=f"{g['metric_label'].iloc[0]} | {g['design_prior'].iloc[0]}"
                          + (" [illustration]" if g["role"].iloc[0] == "illustration" else ""))
        ax.axhline(target, color="k", lw=0.8, ls=":", label=f"target {target:g}")
        rec = recs[recs["endpoint"] == ep]
        if len(rec) and pd.notna(rec["n_total"].iloc[0]):
            n = int(rec["n_total"].iloc[0])
            what = ("the recommended maximum size" if ep == "mortality" else
                    "the mortality trial's size" if ep == "infection" else
                    "mechanistic size, not a phase III size")
            ax.axvline(n, color="0.4", lw=0.9, ls="-.", label=f"n = {n}: {what}")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(_TITLES.get(ep, ep), fontsize=10)
        _tidy(ax, "total sample size (both arms)", "probability")
        _legend_below(ax)
    return fig


def plot_oc(oc: pd.DataFrame, gsd_oc: pd.DataFrame | None = None) -> Figure:
    """Operating characteristics: P(success) versus the true effect per design (mortality:
    fixed and group-sequential; infection; ALC), the borrowing option versus the true placebo
    risk, and the safety rule's P(stop) versus the true rate.

    Examples
    --------
    >>> oc = pd.DataFrame({"endpoint": "alc", "design": "d", "analysis_prior": "a",
    ...                    "x_variable": "true_fold", "true_rr": [1.0, 2.0],
    ...                    "control_rate": np.nan, "p_success": [0.02, 0.9]})
    >>> len([a for a in plot_oc(oc).axes if a.get_visible()])
    1
    """
    panels = []
    for ep, x in (("mortality", "true_rr"), ("mortality", "control_rate"), ("infection",
                  "true_rr"), ("alc", "true_fold"), ("safety", "true_rate")):
        sub = oc[(oc["endpoint"] == ep) & (oc["x_variable"] == x)]
        if len(sub):
            panels.append((ep, x, sub))
    fig, axs = plt.subplots(int(np.ceil(len(panels) / 2)), 2 if len(panels) > 1 else 1,
                            figsize=(12.4 if len(panels) > 1 else 6.2,
                                     4.4 * int(np.ceil(len(panels) / 2))), squeeze=False,
                            layout=layout())
    for ax in axs.ravel()[len(panels):]:
        ax.set_visible(False)
    labels = {"true_rr": "true risk ratio (CYT107 / placebo)",
              "control_rate": "true placebo 28-day mortality",
              "true_fold": "true day-29 ALC ratio (CYT107 / placebo)",
              "true_rate": "true rate of fever with respiratory distress"}
    markers = iter("osD^v<>px*")
    for ax, (ep, x, sub) in zip(axs.ravel(), panels, strict=False):
        for i, ((design, prior), g) in enumerate(sub.groupby(["design", "analysis_prior"],
                                                             sort=False)):
            g = g.sort_values("true_rr" if x != "control_rate" else "control_rate")
            xs = g["control_rate"] if x == "control_rate" else g["true_rr"]
            ax.plot(xs, g["p_success"], marker=next(markers, "o"), ms=4, color=f"C{i}",
                    ls="-" if "borrowing" not in prior else "--", label=f"{design} ({prior})")
        if ep == "mortality" and x == "true_rr" and gsd_oc is not None and len(gsd_oc):
            g = gsd_oc[gsd_oc["binding_futility"] & (gsd_oc["look"] == 1)].sort_values(
                "true_rr")
            ax.plot(g["true_rr"], g["p_efficacy"], marker="^", ms=5, color="k", ls="-.",
                    label="group-sequential design (futility applied)")
        if ep != "safety":
            ax.axhline(0.025, color="0.5", lw=0.7, ls=":", label="2.5 %")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title({"mortality": "28-day mortality", "infection": "secondary infection",
                      "alc": "day-29 ALC (mechanistic)", "safety": "safety rule: P(stop)"}[ep]
                     + (": the borrowing option" if x == "control_rate" else ""), fontsize=10)
        _tidy(ax, labels[x], "P(stop)" if ep == "safety" else "P(declare success)")
        ax.xaxis.set_major_locator(MaxNLocator(6))
        _legend_below(ax)
    return fig


def plot_gsd(bounds: pd.DataFrame, gsd_oc: pd.DataFrame) -> Figure:
    """The group-sequential design per look: the boundaries on the observed risk ratio (when
    the placebo arm shows its expected deaths) with the regions they define, and the
    probability of stopping at each look under no effect and under the MCID.

    Examples
    --------
    >>> b = pd.DataFrame({"look": [1, 2], "information_fraction": [0.5, 1.0],
    ...                   "n_total": [100, 200], "efficacy_rr_at_most": [0.6, 0.8],
    ...                   "futility_rr_at_least": [1.0, np.nan]})
    >>> o = pd.DataFrame({"scenario": "RR 1", "true_rr": 1.0, "binding_futility": True,
    ...                   "look": [1, 2], "p_stop_efficacy": [0.0, 0.02],
    ...                   "p_stop_futility": [0.5, 0.48]})
    >>> len(plot_gsd(b, o).axes)
    2
    """
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12.4, 4.8), layout=layout())
    t = bounds["information_fraction"].to_numpy()
    eff = bounds["efficacy_rr_at_most"].to_numpy(float)
    fut = bounds["futility_rr_at_least"].to_numpy(float)
    a1.plot(t, eff, "o-", color="#2ca02c", label="stop for efficacy if observed RR <= this")
    a1.plot(t, fut, "s--", color="#d62728", label="stop for futility if observed RR >= this")
    lo = np.nanmin(eff) - 0.1
    hi = max(np.nanmax(fut) if np.isfinite(fut).any() else 1.0, 1.0) + 0.1
    a1.fill_between(t, lo, eff, color="#2ca02c", alpha=0.12)
    ok = np.isfinite(fut)
    a1.fill_between(t[ok], fut[ok], hi, color="#d62728", alpha=0.1)
    a1.axhline(1.0, color="0.5", lw=0.7, ls=":")
    a1.set_ylim(lo, hi)
    a1.set_xticks(t, [f"look {k}\n{f:.0%}, n = {n}" for k, f, n in
                      zip(bounds["look"], t, bounds["n_total"], strict=True)], fontsize=8)
    a1.set_title("boundaries on the observed risk ratio\n(placebo deaths at their expected "
                 "count)", fontsize=10)
    a1.set_ylabel("observed risk ratio (CYT107 / placebo)")
    a1.grid(alpha=0.25, lw=0.5)
    _legend_below(a1)
    sc = gsd_oc[gsd_oc["binding_futility"] & gsd_oc["true_rr"].isin([1.0, 0.8, 0.7])]
    width = 0.8 / max(sc["true_rr"].nunique(), 1)
    for i, (rr, g) in enumerate(sc.groupby("true_rr", sort=False)):
        g = g.sort_values("look")
        x = g["look"].to_numpy() + (i - 1) * width
        a2.bar(x, g["p_stop_efficacy"], width=width, color=f"C{i}",
               label=f"true RR {rr:g}: stop for efficacy")
        a2.bar(x, g["p_stop_futility"], width=width, bottom=g["p_stop_efficacy"],
               color=f"C{i}", alpha=0.35, hatch="//", label=f"true RR {rr:g}: stop without "
               "success")
    a2.set_xticks(bounds["look"], [f"look {k}" for k in bounds["look"]])
    a2.set_ylim(0, 1)
    a2.set_ylabel("probability of stopping at the look")
    a2.set_title("stopping probabilities per look", fontsize=10)
    a2.grid(alpha=0.25, lw=0.5, axis="y")
    _legend_below(a2, ncol=2)
    return fig


def plot_gsd_expected_n(gsd_oc: pd.DataFrame, n_max: int, n_fixed: int | None) -> Figure:
    """Expected total sample size of the group-sequential design versus the true risk ratio,
    against its maximum and the fixed design's size.

    Examples
    --------
    >>> o = pd.DataFrame({"true_rr": [0.8, 1.0], "binding_futility": True, "look": 1,
    ...                   "expected_n": [900.0, 700.0], "p_efficacy": [0.8, 0.02]})
    >>> len(plot_gsd_expected_n(o, 1000, 950).axes)
    1
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout=layout())
    g = gsd_oc[gsd_oc["binding_futility"] & (gsd_oc["look"] == 1)].sort_values("true_rr")
    ax.plot(g["true_rr"], g["expected_n"], "o-", color="C0",
            label="expected n, group-sequential (futility applied)")
    ax.axhline(n_max, color="C3", ls="--", lw=1, label=f"maximum n = {n_max}")
    if n_fixed:
        ax.axhline(n_fixed, color="0.4", ls=":", lw=1, label=f"fixed design n = {n_fixed}")
    ax.set_ylim(0, n_max * 1.08)
    _tidy(ax, "true risk ratio (CYT107 / placebo)", "total patients")
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.set_title("expected sample size of the mortality design", fontsize=10)
    _legend_below(ax)
    return fig


def plot_safety_rule(bounds: pd.DataFrame) -> Figure:
    """The safety rule: the number of events on CYT107 that stops IV dosing at each look.

    Examples
    --------
    >>> b = pd.DataFrame({"n": [10, 20], "stop_min_x": [3, 5]})
    >>> len(plot_safety_rule(b).axes)
    1
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout=layout())
    n = bounds["n"].to_numpy()
    x = pd.to_numeric(bounds["stop_min_x"], errors="coerce").to_numpy(float)
    ax.step(n, x, where="post", color="C3")
    ax.plot(n, x, "s", color="C3", label="stop if events >= this")
    ax.plot(n, 0.10 * n, color="0.5", ls=":", label="10 % of the patients")
    for ni, xi in zip(n, x, strict=True):
        if np.isfinite(xi):
            ax.annotate(f"{int(xi)}/{ni}", (ni, xi), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
    _tidy(ax, "patients on CYT107 at the look", "events (fever with respiratory distress)")
    ax.set_title("safety monitoring of IV dosing", fontsize=10)
    _legend_below(ax)
    return fig


def all_figures(result) -> dict[str, Figure]:
    """Every figure of the step from a :class:`~bayes_iris.phase3.analysis.Phase3Result`."""
    from ..map_prior.plots import plot_forest, plot_map_density

    t = result.tables()
    recs = t["design_recommendations"]
    figs = {"design_assurance_curves": plot_pos_curves(t["design_sample_size"], recs,
                                                       target=result.assumptions.target),
            "design_oc_curves": plot_oc(t["design_oc"], t.get("design_gsd_oc"))}
    if result.gsd is not None:
        d = result.gsd.design
        figs["design_gsd_boundaries"] = plot_gsd(t["design_gsd_boundaries"], t["design_gsd_oc"])
        figs["design_gsd_expected_n"] = plot_gsd_expected_n(
            t["design_gsd_oc"], d.n1[-1] + d.n2[-1], result.gsd.n_fixed)
    figs["design_boundaries"] = plot_safety_rule(t["design_boundaries"])
    conflict = t["map_conflict"].set_index("map") if len(t["map_conflict"]) else None
    for key, res in result.maps.items():
        figs[f"map_forest_{key}"] = plot_forest(res)
        new = None
        if conflict is not None and key in conflict.index:
            row = conflict.loc[key]
            kind = ("SYNTHETIC trial" if str(row["provenance_label"]).upper().startswith(
                "SYNTHETIC") else "the analysed trial")
            new = (float(row["observed"]), f"{kind}: {row['data']}")
        figs[f"map_density_{key}"] = plot_map_density(res, new=new)
    return figs
