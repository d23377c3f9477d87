"""Figures of the reanalyses: the triplot of a summary reanalysis, and the exact two-arm plot.

Each consumes a result (:class:`~bayes_iris.reanalysis.ReanalysisResult`,
:class:`~bayes_iris.reanalysis.TwoArmResult`: their densities in ``draws``); computes nothing; no
``savefig``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..plots.style import ARM_COLOURS, layout, log_axis, wrap

__all__ = ["plot_reanalysis_forest", "plot_triplot", "plot_two_arm"]


def plot_triplot(result, *, priors: list[str] | None = None, ax=None,
                 title: str | None = None) -> Figure:
    """One panel per prior: prior (dashed), likelihood (grey) and posterior (solid).

    Ratio measures are drawn on a log axis labelled with the ratio; the vertical lines mark no
    effect and the MCID. ``ax`` (a single Axes) draws only the first prior.

    Examples
    --------
    >>> from bayes_iris.reanalysis import Estimate, prior_grid, reanalyze
    >>> res = reanalyze(Estimate(value=1.01, lower=0.36, upper=2.81), prior_grid(0.8))
    >>> len(plot_triplot(res).axes) >= 6
    True
    """
    d = result.draws
    names = priors or [str(p) for p in d["prior"].values]
    if ax is not None:
        names = names[:1]
        fig, axes = ax.figure, [ax]
    else:
        ncol = min(3, len(names))
        nrow = math.ceil(len(names) / ncol)
        fig, axs = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False,
                                layout=layout())
        axes = list(axs.ravel())
        for extra in axes[len(names):]:
            extra.set_visible(False)
    ratio = result.is_ratio
    psi = d["psi"].values
    lik = d["likelihood"].values
    mcid = result.grid.mcid
    tab = result.table.set_index("prior")
    for a, name in zip(axes, names, strict=False):
        post = d["posterior"].sel(prior=name).values
        prior = d["prior_density"].sel(prior=name).values
        # show the region where any of the three curves has mass
        mass = (post > post.max() * 1e-3) | (lik > lik.max() * 1e-3)
        lo, hi = psi[mass].min(), psi[mass].max()
        pad = 0.15 * (hi - lo)
        sel = (psi >= lo - pad) & (psi <= hi + pad)
        xs = np.exp(psi[sel]) if ratio else psi[sel]
        a.plot(xs, prior[sel], "--", color="#2c7fb8", label="prior")
        a.plot(xs, lik[sel], color="#999999", label="likelihood")
        a.plot(xs, post[sel], color=ARM_COLOURS["cyt107"], lw=2, label="posterior")
        a.axvline(1.0 if ratio else 0.0, color="k", lw=0.8, ls=":", label="no effect")
        a.axvline(mcid, color="#2ca02c", lw=0.8, ls="-.", label=f"MCID ({mcid:g})")
        if ratio:
            a.set_xlim(xs.min(), xs.max())
            log_axis(a, "x", max_ticks=5)
        r = tab.loc[name]
        a.set_title(f"{name}\nmedian {r['median']:.2f} ({r['lower95']:.2f}–{r['upper95']:.2f}); "
                    f"P(benefit) {r['p_benefit']:.2f}", fontsize=8)
        a.set_xlabel(f"{result.measure}" + (" (log scale)" if ratio else ""), fontsize=8)
        a.set_yticks([])
    axes[0].legend(fontsize=7)
    fig.suptitle(title or f"{result.case}: prior × likelihood → posterior")
    return fig


def plot_reanalysis_forest(table, *, title: str | None = None) -> Figure:
    """Every reanalysed quantity under every prior: posterior median and 95 % interval, one panel
    per case (the ``reanalysis_summary`` table), with P(benefit) printed beside each row.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"case": "c", "measure": "RR", "prior": ["a", "b"], "mcid": 0.8,
    ...     "median": [1.0, 0.9], "lower95": [0.5, 0.6], "upper95": [2.0, 1.3],
    ...     "p_benefit": [0.5, 0.7]})
    >>> len(plot_reanalysis_forest(t).axes)
    1
    """
    cases = list(dict.fromkeys(table["case"].astype(str)))
    ncol = min(2, len(cases))
    nrow = math.ceil(len(cases) / ncol)
    n_priors = table.groupby("case").size().max()
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.6 * ncol, 0.9 + 0.36 * n_priors * nrow + 0.6),
                            squeeze=False, layout=layout())
    axes = list(axs.ravel())
    spare = axes[len(cases):]
    for extra in spare:
        extra.set_visible(False)
    for a, case in zip(axes, cases, strict=False):
        g = table[table["case"].astype(str) == case].reset_index(drop=True)
        y = np.arange(len(g))[::-1]
        ratio = str(g["measure"].iloc[0]).upper() in {"RR", "OR", "HR"}
        a.hlines(y, g["lower95"], g["upper95"], color="#555555", lw=2,
                 label="95 % credible interval")
        a.plot(g["median"], y, "o", color=ARM_COLOURS["cyt107"], label="posterior median")
        a.axvline(1.0 if ratio else 0.0, color="k", lw=0.8, ls=":", label="no effect")
        if "mcid" in g and np.isfinite(float(g["mcid"].iloc[0])):
            a.axvline(float(g["mcid"].iloc[0]), color="#2ca02c", lw=0.8, ls="-.",
                      label=f"MCID ({float(g['mcid'].iloc[0]):g})")
        a.set_yticks(y, [str(p).replace("_", " ") for p in g["prior"]], fontsize=8)
        if ratio:
            log_axis(a, "x", max_ticks=6)
        a.set_xlabel(f"{g['measure'].iloc[0]}, CYT107 vs control" + (" (log scale)" if ratio
                                                                     else ""), fontsize=8)
        a.set_title(wrap(case.replace("_", " "), 40), fontsize=9)
        trans = a.get_yaxis_transform()
        a.text(1.01, y.max() + 0.6, "P(benefit)", transform=trans, fontsize=7)
        for yi, p in zip(y, g["p_benefit"], strict=True):
            a.text(1.01, yi, f"{float(p):.2f}", transform=trans, fontsize=7, va="center")
        a.set_ylim(-0.7, len(g) - 0.1)
    handles, labels = axes[0].get_legend_handles_labels()
    if spare:  # in the empty panel, clear of the data
        spare[0].set_visible(True)
        spare[0].axis("off")
        spare[0].legend(handles, labels, loc="center", fontsize=8, frameon=False)
    else:
        axes[0].legend(handles, labels, fontsize=7, loc="upper center",
                       bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    fig.suptitle(title or "Published summary data reanalysed under each prior", fontsize=10)
    return fig


def plot_two_arm(result, *, ax=None, labels: tuple[str, str] = ("CYT107", "placebo"),
                 title: str | None = None) -> Figure:
    """Exact two-arm comparison: both arms' posterior densities, and P(excess risk > margin).

    ``result`` is a :class:`~bayes_iris.reanalysis.TwoArmResult`; pass one computed with a
    fine grid of ``margins`` for a smooth exceedance curve.

    Examples
    --------
    >>> from bayes_iris.reanalysis import compare_two_arms
    >>> fig = plot_two_arm(compare_two_arms(3, 15, 0, 6, margins=(0, 0.1, 0.2)))
    >>> len(fig.axes)
    2
    """
    if ax is None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout=layout())
    else:
        fig = ax.figure
        ax1 = ax
        ax2 = ax.inset_axes([0.6, 0.55, 0.38, 0.4])
    dens = result.draws["density"]
    x = dens["risk"].values
    counts = ((result.events_treated, result.n_treated), (result.events_control, result.n_control))
    for arm, lab, (e, n), col in zip(("treated", "control"), labels, counts,
                                     (ARM_COLOURS["cyt107"], ARM_COLOURS["placebo"]),
                                     strict=True):
        y = dens.sel(arm=arm).values
        ax1.plot(x, y, color=col, label=f"{lab}: {e}/{n}")
        ax1.fill_between(x, y, color=col, alpha=0.15)
    ax1.set_xlabel("risk of the event")
    ax1.set_ylabel("posterior density")
    ax1.legend(fontsize=8)
    pr = result.probabilities
    ax2.plot(pr.margin, pr.p_excess, "-o", ms=3, color="#333333")
    ax2.set_xlabel("margin m (risk difference)")
    ax2.set_ylabel("P(risk CYT107 − risk placebo > m)")
    ax2.set_ylim(0, 1)
    ax2.grid(alpha=0.3)
    fig.suptitle(title or "Exact beta posterior comparison")
    return fig
