"""Figures of the adverse-event analysis: shrinkage and forest plots.

Plots consume results (:class:`bayes_iris.safety.SafetyResult`, or anything with its
``ae_table``) and never fit anything; no ``savefig`` here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..plots.style import layout

__all__ = ["plot_ae_forest", "plot_ae_shrinkage"]


def _axes(ax, n_rows: int, width: float = 8.0):
    if ax is None:
        _fig, ax = plt.subplots(figsize=(width, 1.2 + 0.32 * max(n_rows, 3)), layout=layout())
    return ax.figure, ax


def _labels(table) -> list[str]:
    return [f"{t}  [{s[:22]}]" for s, t in zip(table.soc, table.term, strict=True)]


def plot_ae_shrinkage(result, *, ax=None, title: str | None = None) -> Figure:
    """Raw (empirical, +0.5-corrected) vs posterior mean log effect per AE term.

    Each AE is a row: the open circle is the raw log odds ratio (log rate ratio for the Poisson
    model), the filled dot the posterior mean of θ, joined by a line — the hierarchy's shrinkage.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame(dict(soc=["A", "B"], term=["a", "b"], raw_log_or=[1.5, -0.4],
    ...                       theta_mean=[0.6, -0.05], p_theta_gt_0=[0.8, 0.1], model="bb"))
    >>> fig = plot_ae_shrinkage(SimpleNamespace(ae_table=t))
    >>> len(fig.axes)  # the panel and its colour bar
    2
    """
    t = result.ae_table
    fig, ax = _axes(ax, len(t))
    y = np.arange(len(t))[::-1]
    for yi, raw, post in zip(y, t.raw_log_or, t.theta_mean, strict=True):
        ax.plot([raw, post], [yi, yi], color="#999999", lw=1, zorder=1)
    ax.scatter(t.raw_log_or, y, facecolors="none", edgecolors="#444444", label="raw (+0.5)",
               zorder=2)
    sc = ax.scatter(t.theta_mean, y, c=t.p_theta_gt_0, cmap="viridis", vmin=0, vmax=1,
                    label="posterior mean", zorder=3)
    fig.colorbar(sc, ax=ax, label="P(θ > 0 | data)", shrink=0.8)
    ax.axvline(0, color="k", lw=0.8, ls=":")
    ax.set_yticks(y, _labels(t), fontsize=8)
    ax.set_xlabel("log odds ratio, CYT107 vs placebo" if "poisson" not in set(t.model)
                  else "log rate ratio, CYT107 vs placebo")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or f"Shrinkage of AE effects (model {t.model.iloc[0]})")
    return fig


def plot_ae_forest(result, *, ax=None, title: str | None = None) -> Figure:
    """Posterior median and 95 % CrI of the odds ratio (rate ratio) per AE, log scale.

    The right margin prints P(θ > 0) and, for point-mass models, P(θ = 0).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame(dict(soc=["A"], term=["a"], or_median=[1.0], or_lower95=[0.5],
    ...     or_upper95=[3.0], p_theta_gt_0=[0.3], p_point_mass=[0.6], model="bb"))
    >>> plot_ae_forest(SimpleNamespace(ae_table=t)).axes[0].get_xscale()
    'log'
    """
    t = result.ae_table
    fig, ax = _axes(ax, len(t), width=9.0)
    y = np.arange(len(t))[::-1]
    lo = t.or_median - t.or_lower95
    hi = t.or_upper95 - t.or_median
    ax.errorbar(t.or_median, y, xerr=[lo, hi], fmt="o", color="#1f4e79", ecolor="#7f9fbf",
                capsize=2, ms=4)
    ax.axvline(1, color="k", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_yticks(y, _labels(t), fontsize=8)
    ratio = "rate ratio" if "poisson" in set(t.model) else "odds ratio"
    ax.set_xlabel(f"{ratio}, CYT107 vs placebo (posterior median, 95% CrI)")
    trans = ax.get_yaxis_transform()
    has_pm = "p_point_mass" in t and t.p_point_mass.notna().any()
    head = "P(θ>0)  P(θ=0)" if has_pm else "P(θ>0)"
    ax.text(1.01, 1.0, head, transform=ax.transAxes, fontsize=8, va="bottom")
    for yi, (_, r) in zip(y, t.iterrows(), strict=True):
        txt = f"{r.p_theta_gt_0:5.2f}" + (f"   {r.p_point_mass:5.2f}" if has_pm else "")
        ax.text(1.01, yi, txt, transform=trans, fontsize=8, va="center", family="monospace")
    ax.set_title(title or f"Adverse events: effect of CYT107 (model {t.model.iloc[0]})")
    return fig
