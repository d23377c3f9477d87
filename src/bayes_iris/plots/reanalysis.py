"""Triplot of a summary reanalysis: prior, likelihood and posterior under each prior of the grid.

Consumes :class:`bayes_iris.models.summary.ReanalysisResult` (its stored density curves); computes
nothing; no ``savefig``.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def _layout():
    """Constrained layout leaving a strip at the bottom for the provenance stamp."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return ConstrainedLayoutEngine(rect=(0, 0.035, 1, 0.965))


__all__ = ["plot_triplot"]


def plot_triplot(result, *, priors: list[str] | None = None, ax=None,
                 title: str | None = None) -> Figure:
    """One panel per prior: prior (dashed), likelihood (grey) and posterior (solid).

    Ratio measures are drawn on a log axis labelled with the ratio; the vertical lines mark no
    effect and the MCID. ``ax`` (a single Axes) draws only the first prior.

    Examples
    --------
    >>> from bayes_iris.models.summary import Estimate, prior_grid, reanalyze
    >>> res = reanalyze(Estimate(value=1.01, lower=0.36, upper=2.81), prior_grid(0.8))
    >>> len(plot_triplot(res).axes) >= 6
    True
    """
    names = priors or list(result.posteriors)
    if ax is not None:
        names = names[:1]
        fig, axes = ax.figure, [ax]
    else:
        ncol = min(3, len(names))
        nrow = math.ceil(len(names) / ncol)
        fig, axs = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False,
                                layout=_layout())
        axes = list(axs.ravel())
        for extra in axes[len(names):]:
            extra.set_visible(False)
    ratio = result.is_ratio
    lik = result.likelihood
    mcid = result.grid.mcid
    tab = result.table.set_index("prior")
    for a, name in zip(axes, names, strict=False):
        post = result.posteriors[name]
        prior = result.prior_curves[name]
        # show the region where any of the three curves has mass
        mass = (post.density > post.density.max() * 1e-3) | (
            lik.density > lik.density.max() * 1e-3)
        psi = post.psi
        lo, hi = psi[mass].min(), psi[mass].max()
        pad = 0.15 * (hi - lo)
        sel = (psi >= lo - pad) & (psi <= hi + pad)
        xs = np.exp(psi[sel]) if ratio else psi[sel]
        lik_d = np.interp(psi[sel], lik.psi, lik.density)
        a.plot(xs, np.interp(psi[sel], prior.psi, prior.density), "--", color="#2c7fb8",
               label="prior")
        a.plot(xs, lik_d, color="#999999", label="likelihood")
        a.plot(xs, post.density[sel], color="#c0392b", lw=2, label="posterior")
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
