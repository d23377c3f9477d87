"""Figures of the phase III design step: assurance curves, OC curves, stopping boundaries.

Each function consumes a table written by the design step (or a
:class:`bayes_iris.design.SampleSizeResult`), computes nothing, and returns the Figure (no
``savefig``).
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import layout

__all__ = ["plot_assurance_curves", "plot_boundaries", "plot_oc_curves", "plot_sample_size"]


def _panels(keys, ax, width=4.4, height=3.2):
    if ax is not None:
        return ax.figure, [ax] * len(keys)
    ncol = min(3, max(1, len(keys)))
    nrow = math.ceil(len(keys) / ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(width * ncol, height * nrow), squeeze=False,
                            layout=layout())
    axes = list(axs.ravel())
    for extra in axes[len(keys):]:
        extra.set_visible(False)
    return fig, axes


def plot_assurance_curves(curves: pd.DataFrame, *, target: float | None = 0.8, ax=None,
                          metric: str = "assurance") -> Figure:
    """Assurance (± 2 MCSE) versus total sample size, one panel per endpoint, one line per
    design prior; the dotted line is power at the design prior's centre.

    ``curves`` needs ``endpoint, design_prior, n_total, assurance, mcse`` (and optionally
    ``power_at_point``), e.g. ``design_sample_size.csv``.

    Examples
    --------
    >>> df = pd.DataFrame({"endpoint": "alc", "design_prior": "p", "n_total": [10, 20],
    ...                    "assurance": [0.5, 0.8], "mcse": [0.01, 0.01]})
    >>> len(plot_assurance_curves(df).axes)
    1
    """
    endpoints = list(dict.fromkeys(curves["endpoint"]))
    fig, axes = _panels(endpoints, ax)
    for a, ep in zip(axes[: len(endpoints)], endpoints, strict=True):
        sub = curves[curves["endpoint"] == ep]
        for i, (dp, g) in enumerate(sub.groupby("design_prior", sort=False)):
            g = g.sort_values("n_total")
            color = f"C{i}"
            # colour and marker both differ, so that overlapping curves stay visible
            a.plot(g["n_total"], g[metric], color=color, label=dp, marker="osD^vP*X"[i % 8],
                   ms=4, markevery=max(1, len(g) // 10))
            a.fill_between(g["n_total"], g[metric] - 2 * g["mcse"], g[metric] + 2 * g["mcse"],
                           color=color, alpha=0.2, lw=0)
            if "power_at_point" in g:
                a.plot(g["n_total"], g["power_at_point"], color=color, ls=":", lw=1)
        if target is not None:
            a.axhline(target, color="k", lw=0.8, ls="--")
        a.set_ylim(-0.02, 1.02)
        a.set_title(ep)
        a.set_xlabel("total sample size")
        a.set_ylabel(f"{metric} (dotted: power at prior centre)")
        a.legend(fontsize=6, loc="lower right")
    return fig


def plot_sample_size(result, *, ax=None) -> Figure:
    """The curve of one :class:`~bayes_iris.design.SampleSizeResult`, recommended n marked.

    Examples
    --------
    >>> from bayes_iris.design import sample_size
    >>> res = sample_size("safety", n_grid=[10, 20, 40])
    >>> len(plot_sample_size(res).axes)
    1
    """
    curve = result.curve.assign(endpoint=result.endpoint, design_prior=result.design_prior)
    fig = plot_assurance_curves(curve, target=result.target, ax=ax,
                                metric="assurance" if result.metric == "assurance"
                                else "power_at_point")
    if result.recommended_n is not None:
        fig.axes[0].axvline(result.recommended_n, color="C3", lw=0.8)
    return fig


def plot_oc_curves(oc: pd.DataFrame, *, ax=None) -> Figure:
    """P(success) versus the true effect, one panel per endpoint, one line per design/n.

    ``oc`` needs ``endpoint, design, true_effect, effect_label, p_success`` (``design_oc.csv``).

    Examples
    --------
    >>> df = pd.DataFrame({"endpoint": "m", "design": "n=100", "true_effect": [0.5, 1.0],
    ...                    "effect_label": "RR", "p_success": [0.9, 0.02]})
    >>> len(plot_oc_curves(df).axes)
    1
    """
    endpoints = list(dict.fromkeys(oc["endpoint"]))
    fig, axes = _panels(endpoints, ax)
    for a, ep in zip(axes[: len(endpoints)], endpoints, strict=True):
        sub = oc[oc["endpoint"] == ep]
        for i, (name, g) in enumerate(sub.groupby("design", sort=False)):
            g = g.sort_values("true_effect")
            a.plot(g["true_effect"], g["p_success"], marker=".", color=f"C{i}", label=name)
        a.axhline(0.025, color="grey", lw=0.6, ls=":")
        a.set_ylim(-0.02, 1.02)
        a.set_title(ep)
        a.set_xlabel(str(sub["effect_label"].iloc[0]))
        a.set_ylabel("P(success)")
        a.legend(fontsize=6)
    return fig


def plot_boundaries(boundaries: pd.DataFrame, *, ax=None) -> Figure:
    """Stopping boundaries (number of events at each look), one panel per design.

    ``boundaries`` needs ``design, n, futility_max_x, efficacy_min_x`` (``design_boundaries.csv``;
    -1 / n + 1 mean "never"); two-arm rows (``control_events`` given) are drawn as the futility
    boundary ``futility_min_x`` on treatment events against control events.

    Examples
    --------
    >>> df = pd.DataFrame({"design": "d", "n": [10, 20], "futility_max_x": [0, 2],
    ...                    "efficacy_min_x": [4, 7]})
    >>> len(plot_boundaries(df).axes)
    1
    """
    designs = list(dict.fromkeys(boundaries["design"]))
    fig, axes = _panels(designs, ax, width=5.2, height=3.6)
    for a, name in zip(axes[: len(designs)], designs, strict=True):
        g = boundaries[boundaries["design"] == name].sort_values("n")
        if "control_events" in g and g["control_events"].notna().all():
            g = g.sort_values("control_events")
            a.plot(g["control_events"], g["futility_min_x"], color="C0", marker="o",
                   label="stop for futility if treatment events ≥")
            a.plot(g["control_events"], g["control_events"], color="grey", lw=0.6, ls=":",
                   label="equal counts")
            a.set_title(textwrap.fill(name, 55), fontsize=8)
            a.set_xlabel(f"control events at the look ({int(g['n'].iloc[0])} per arm)")
            a.set_ylabel("treatment events")
            a.legend(fontsize=6)
            continue
        n = g["n"].to_numpy()
        fut = g["futility_max_x"].to_numpy(float)
        eff = g["efficacy_min_x"].to_numpy(float)
        a.plot(n, n, color="grey", lw=0.6, ls=":", label="x = n")
        if np.any(fut >= 0):
            a.plot(n, np.where(fut >= 0, fut, np.nan), color="C0", marker="o",
                   label="stop for futility if x ≤")
        if np.any(eff <= n):
            a.plot(n, np.where(eff <= n, eff, np.nan), color="C3", marker="s",
                   label="stop (efficacy / safety signal) if x ≥")
        a.set_title(textwrap.fill(name, 55), fontsize=8)
        a.set_xlabel("patients at the look")
        a.set_ylabel("events x")
        a.legend(fontsize=6)
    return fig
