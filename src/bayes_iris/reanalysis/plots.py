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

from ..plots.style import ARM_COLOURS, layout

__all__ = ["plot_triplot", "plot_two_arm"]


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
        if ratio:
            a.set_xscale("log")
        a.axvline(1.0 if ratio else 0.0, color="k", lw=0.8, ls=":")
        a.axvline(mcid, color="#2ca02c", lw=0.8, ls="-.")
        r = tab.loc[name]
        a.set_title(f"{name}\nmedian {r['median']:.2f} ({r['lower95']:.2f}–{r['upper95']:.2f}); "
                    f"P(benefit) {r['p_benefit']:.2f}", fontsize=8)
        a.set_xlabel(f"{result.measure}" + (" (log scale)" if ratio else ""), fontsize=8)
        a.set_yticks([])
    axes[0].legend(fontsize=7)
    fig.suptitle(title or f"{result.case}: prior × likelihood → posterior")
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
