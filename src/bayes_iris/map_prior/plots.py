"""Figures of a MAP prior: forest plot with shrinkage estimates, and the mixture approximation
against the predictive draws. Each takes a :class:`~bayes_iris.map_prior.analysis.MAPResult`,
computes nothing new and returns the Figure (no ``savefig``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_forest", "plot_map_fit"]


def plot_forest(result, *, ax=None) -> Figure:
    """Forest plot: each study's observed estimate with its 95 % interval (open marker, dashed)
    and its shrinkage estimate under the random-effects model (filled, solid); the MAP
    predictive 95 % interval at the bottom."""
    shrink = result.shrinkage
    s = result.summary.iloc[0]
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(shrink) + 1.8), layout="constrained")
    else:
        fig = ax.figure
    y = np.arange(len(shrink))[::-1] + 1.5
    off = 0.15
    ax.hlines(y + off, shrink["lower95"], shrink["upper95"], colors="0.45", linestyles="--",
              lw=1)
    ax.plot(shrink["estimate"], y + off, "o", mfc="white", mec="0.3", label="observed")
    ax.hlines(y - off, shrink["shrunk_lower95"], shrink["shrunk_upper95"], colors="C0", lw=2)
    ax.plot(shrink["shrunk_median"], y - off, "o", color="C0", label="shrinkage estimate")
    ax.hlines(0.5, s["map_lower95"], s["map_upper95"], colors="C3", lw=3)
    ax.plot(s["map_median"], 0.5, "D", color="C3", label="MAP prior (new study)")
    ax.set_yticks([*y, 0.5], [*map(str, shrink["study"]), "MAP"])
    ax.set_xlabel(result.model.data.outcome)
    ax.set_title(f"{result.model.data.name}: τ ~ {s['tau_prior']}", fontsize=10)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def plot_map_fit(result, *, ax=None, bins: int = 80) -> Figure:
    """Histogram of the MAP predictive draws with the fitted mixture and the robust prior."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
    else:
        fig = ax.figure
    x = result.predictive
    lo, hi = np.quantile(x, [0.0005, 0.9995])
    ax.hist(x, bins=bins, range=(lo, hi), density=True, color="0.8", label="MAP draws")
    grid = np.linspace(lo, hi, 400)
    ax.plot(grid, result.mixture.pdf(grid), color="C0",
            label=f"mixture ({result.mixture.n_components} components)")
    ax.plot(grid, result.robust_prior.pdf(grid), color="C3", ls="--",
            label=f"robust (w = {result.robust_weight:g})")
    ax.set_xlabel(result.model.data.outcome)
    ax.set_ylabel("density")
    ax.legend(fontsize=8, frameon=False)
    return fig
