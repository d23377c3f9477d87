"""Figures of the adverse-event analysis: the effect of CYT107 per event (risk difference and the
posterior probabilities of a higher, equal or lower rate), shrinkage, and the breakdown by grade,
seriousness and system organ class.

Plots consume results (:class:`bayes_iris.safety.SafetyResult`, or anything with its
``ae_table``; the ``ae_breakdown`` table) and never fit anything; no ``savefig`` here. Rows are
grouped under their full system organ class (wrapped, never cut).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..plots.style import ARM_COLOURS, layout, wrap

__all__ = ["plot_ae_breakdown", "plot_ae_forest", "plot_ae_shrinkage"]

#: Colours of "lower on CYT107", "no difference" (point mass) and "higher on CYT107".
DIRECTION_COLOURS = ("#2c7fb8", "#bdbdbd", ARM_COLOURS["cyt107"])
CATEGORY_TITLES = {"overall": "Overall", "grade": "Worst grade", "seriousness": "Seriousness",
                   "relatedness": "Relatedness", "soc": "System organ class"}


def _layout_rows(groups: list[tuple[str | None, list[str]]]):
    """y positions (top to bottom) of group headers and their rows.

    Returns ``(ticks, labels, headers, row_y)``: tick positions and labels (headers get an empty
    tick label: :func:`_apply_rows` writes them across the panel), ``headers`` as
    ``{tick index: header text}``, and the y of each data row in input order. A group whose
    header is ``None`` has no header row.
    """
    ticks, labels, headers, row_y = [], [], {}, []
    y = 0.0
    for head, rows in groups:
        if head is not None:
            y -= 1.25 if ticks else 0.9
            headers[len(ticks)] = str(head)
            ticks.append(y)
            labels.append("")
            y -= 0.15
        for r in rows:
            y -= 1.0 + 0.42 * r.count("\n")  # wrapped labels get the room of their lines
            ticks.append(y)
            labels.append(r)
            row_y.append(y)
    return np.array(ticks), labels, headers, np.array(row_y)


def _apply_rows(ax, ticks, labels, headers, *, band_axes=()) -> None:
    """Row labels as y ticks; each group header as bold text on a light band across the panels
    (``ax`` and ``band_axes``), left-aligned inside ``ax``."""
    from matplotlib.transforms import blended_transform_factory

    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_ylim(ticks.min() - 0.8, 0.2)
    ax.tick_params(axis="y", length=0)
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for i, text in headers.items():
        y = ticks[i]
        for a in (ax, *band_axes):
            a.axhspan(y - 0.5, y + 0.5, color="#eef1f5", lw=0, zorder=0)
        ax.text(0.01, y, text, transform=trans, fontsize=8.5, fontweight="bold", va="center",
                ha="left", zorder=5)


def _plain(text: object) -> str:
    """An event or class name as literal text (a "$" would start matplotlib's mathtext)."""
    return str(text).replace("$", r"\$")


def _ae_groups(t: pd.DataFrame) -> tuple[list[tuple[str, list[str]]], list[int]]:
    groups, order = [], []
    for soc, g in t.groupby("soc", sort=False):
        rows = [f"{_plain(term)}  ({int(nt)}/{int(Nt)} vs {int(nc)}/{int(Nc)})"
                for term, nt, Nt, nc, Nc in zip(g.term, g.n_cyt107, g.N_cyt107, g.n_placebo,
                                                g.N_placebo, strict=True)]
        groups.append((_plain(soc), rows))
        order += list(g.index)
    return groups, order


def _figure(n_rows: float, widths=(3.2, 1.6), width: float = 10.5):
    fig, axes = plt.subplots(1, len(widths), figsize=(width, 1.6 + 0.27 * max(n_rows, 4)),
                             sharey=True, layout=layout(),
                             gridspec_kw={"width_ratios": list(widths)})
    return fig, axes


def plot_ae_forest(result, *, prior_p_zero: float | None = None, title: str | None = None
                   ) -> Figure:
    """Per adverse event: the risk difference CYT107 − placebo, and where the posterior puts the
    event's effect θ (log odds ratio): lower, exactly equal (the point mass), or higher.

    Left: posterior median and 95 % interval of the risk difference (percentage points).
    Right: one bar per event split into P(θ < 0), P(θ = 0) and P(θ > 0); the top bar is the
    prior (``prior_p_zero`` = prior P(θ = 0); the slab is symmetric about 0). Under the
    point-mass model the posterior odds ratio's median is often exactly 1 — this view shows why.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame(dict(soc=["A", "A"], term=["a", "b"], n_cyt107=[3, 1], N_cyt107=17,
    ...     n_placebo=[1, 1], N_placebo=10, rd_median=[0.05, 0.0], rd_lower95=[-0.1, -0.2],
    ...     rd_upper95=[0.3, 0.2], p_theta_gt_0=[0.4, 0.2], p_point_mass=[0.5, 0.6],
    ...     model="bb"))
    >>> fig = plot_ae_forest(SimpleNamespace(ae_table=t), prior_p_zero=0.5)
    >>> len(fig.axes)
    2
    """
    t = result.ae_table.reset_index(drop=True)
    groups, order = _ae_groups(t)
    t = t.loc[order].reset_index(drop=True)
    has_prior = prior_p_zero is not None
    if has_prior:
        groups = [(None, ["prior (the same for every event)"]), *groups]
    ticks, labels, headers, row_y = _layout_rows(groups)
    fig, (a1, a2) = _figure(len(ticks))
    ys = row_y[1:] if has_prior else row_y
    rd = 100 * t[["rd_median", "rd_lower95", "rd_upper95"]].to_numpy(float)
    a1.errorbar(rd[:, 0], ys, xerr=[rd[:, 0] - rd[:, 1], rd[:, 2] - rd[:, 0]], fmt="o",
                color="#1f4e79", ecolor="#7f9fbf", capsize=2, ms=4,
                label="posterior median, 95 % interval")
    a1.axvline(0, color="k", lw=0.8, ls=":")
    below = (0.5, -0.045 - 0.9 / len(ticks))
    poisson = "poisson" in set(t.get("model", pd.Series(dtype=str)).astype(str))
    a1.set_xlabel("rate difference per 100 patient-days, CYT107 − placebo" if poisson else
                  "risk difference, CYT107 − placebo (percentage points)")
    a1.legend(fontsize=7, loc="upper center", bbox_to_anchor=below, frameon=False)
    a1.grid(axis="x", alpha=0.3)
    _apply_rows(a1, ticks, labels, headers, band_axes=(a2,))
    pm = t["p_point_mass"].to_numpy(float) if "p_point_mass" in t else np.zeros(len(t))
    pm = np.nan_to_num(pm, nan=0.0)
    gt = t["p_theta_gt_0"].to_numpy(float)
    lt = np.clip(1.0 - gt - pm, 0.0, 1.0)
    parts = [lt, pm, gt]
    if has_prior:
        p0 = float(prior_p_zero)
        parts = [np.r_[(1 - p0) / 2, lt], np.r_[p0, pm], np.r_[(1 - p0) / 2, gt]]
        ys = row_y
    left = np.zeros(len(ys))
    names = ("P(θ < 0): lower on CYT107", "P(θ = 0): no difference (point mass)",
             "P(θ > 0): higher on CYT107")
    for vals, colour, name in zip(parts, DIRECTION_COLOURS, names, strict=True):
        a2.barh(ys, vals, left=left, height=0.62, color=colour, label=name)
        left = left + vals
    for y, g in zip(ys, parts[2], strict=True):
        a2.text(1.02, y, f"{g:.2f}", va="center", fontsize=7, transform=a2.get_yaxis_transform())
    a2.axvline(0.5, color="k", lw=0.6, ls=":")
    a2.set_xlim(0, 1)
    a2.set_xlabel("posterior probability (right: P(θ > 0))")
    # an axes legend below the panel (a figure legend would move when the PNG is cropped)
    a2.legend(fontsize=7, loc="upper center", bbox_to_anchor=below, frameon=False)
    fig.suptitle(title or f"Adverse events: effect of CYT107 (model {t.model.iloc[0]})",
                 fontsize=10)
    return fig


def plot_ae_shrinkage(result, *, title: str | None = None) -> Figure:
    """Raw (empirical, +0.5-corrected) vs posterior mean log effect per AE term.

    Each AE is a row: the open circle is the raw log odds ratio (log rate ratio for the Poisson
    model), the filled dot the posterior mean of θ coloured by P(θ > 0), joined by a line — the
    hierarchy's shrinkage towards the class mean.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame(dict(soc=["A", "B"], term=["a", "b"], raw_log_or=[1.5, -0.4],
    ...     theta_mean=[0.6, -0.05], p_theta_gt_0=[0.8, 0.1], model="bb", n_cyt107=[3, 1],
    ...     N_cyt107=17, n_placebo=[0, 1], N_placebo=10))
    >>> fig = plot_ae_shrinkage(SimpleNamespace(ae_table=t))
    >>> len(fig.axes)  # the panel and its colour bar
    2
    """
    t = result.ae_table.reset_index(drop=True)
    groups, order = _ae_groups(t)
    t = t.loc[order].reset_index(drop=True)
    ticks, labels, headers, y = _layout_rows(groups)
    fig, ax = plt.subplots(figsize=(9.5, 1.6 + 0.27 * max(len(ticks), 4)), layout=layout())
    for yi, raw, post in zip(y, t.raw_log_or, t.theta_mean, strict=True):
        ax.plot([raw, post], [yi, yi], color="#999999", lw=1, zorder=1)
    ax.scatter(t.raw_log_or, y, facecolors="none", edgecolors="#444444",
               label="raw estimate (+0.5 correction)", zorder=2)
    sc = ax.scatter(t.theta_mean, y, c=t.p_theta_gt_0, cmap="viridis", vmin=0, vmax=1,
                    label="posterior mean", zorder=3)
    fig.colorbar(sc, ax=ax, label="P(θ > 0 | data)", shrink=0.8)
    ax.axvline(0, color="k", lw=0.8, ls=":")
    _apply_rows(ax, ticks, labels, headers)
    ax.set_xlabel("log odds ratio, CYT107 vs placebo" if "poisson" not in set(t.model)
                  else "log rate ratio, CYT107 vs placebo")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title or f"Shrinkage of AE effects (model {t.model.iloc[0]})", fontsize=10)
    return fig


def plot_ae_breakdown(table: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Patients with ≥ 1 event by category (``ae_breakdown`` table): risk difference CYT107 −
    placebo (median, 95 % interval) and P(risk higher on CYT107), grouped by overall, worst
    grade, seriousness, relatedness and system organ class.

    Examples
    --------
    >>> t = pd.DataFrame(dict(category=["overall", "soc"], group=["any", "Cardiac disorders"],
    ...     n_cyt107=[10, 1], N_cyt107=17, n_placebo=[8, 2], N_placebo=10,
    ...     rd_median=[-0.1, -0.1], rd_lower95=[-0.4, -0.4], rd_upper95=[0.2, 0.1],
    ...     p_higher_cyt107=[0.3, 0.2]))
    >>> len(plot_ae_breakdown(t).axes)
    2
    """
    t = table.reset_index(drop=True)
    groups, order = [], []
    for cat, g in t.groupby("category", sort=False):
        rows = [f"{wrap(_plain(grp), 46)}\n({int(a)}/{int(b)} vs {int(c)}/{int(d)})"
                if len(grp) > 30 else f"{_plain(grp)}  ({int(a)}/{int(b)} vs {int(c)}/{int(d)})"
                for grp, a, b, c, d in zip(g.group, g.n_cyt107, g.N_cyt107, g.n_placebo,
                                           g.N_placebo, strict=True)]
        groups.append((CATEGORY_TITLES.get(str(cat), str(cat)), rows))
        order += list(g.index)
    t = t.loc[order].reset_index(drop=True)
    ticks, labels, headers, y = _layout_rows(groups)
    # wrapped row labels take two lines: give them room
    fig, (a1, a2) = _figure(len(ticks) + sum(lab.count("\n") for lab in labels))
    rd = 100 * t[["rd_median", "rd_lower95", "rd_upper95"]].to_numpy(float)
    a1.errorbar(rd[:, 0], y, xerr=[rd[:, 0] - rd[:, 1], rd[:, 2] - rd[:, 0]], fmt="o",
                color="#1f4e79", ecolor="#7f9fbf", capsize=2, ms=4,
                label="posterior median, 95 % interval")
    a1.axvline(0, color="k", lw=0.8, ls=":")
    a1.set_xlabel("risk difference, CYT107 − placebo (percentage points)")
    a1.grid(axis="x", alpha=0.3)
    below = (0.5, -0.045 - 0.9 / (len(ticks) + 4))
    a1.legend(fontsize=7, loc="upper center", bbox_to_anchor=below, frameon=False)
    _apply_rows(a1, ticks, labels, headers, band_axes=(a2,))
    p = t["p_higher_cyt107"].to_numpy(float)
    a2.scatter(p, y, color=[DIRECTION_COLOURS[2] if v > 0.5 else DIRECTION_COLOURS[0]
                            for v in p], zorder=3)
    a2.hlines(y, 0.5, p, color="#999999", lw=1)
    a2.axvline(0.5, color="k", lw=0.6, ls=":")
    a2.set_xlim(0, 1)
    a2.set_xlabel("P(risk higher on CYT107)")
    a2.legend(handles=[Line2D([], [], ls="none", marker="o", color=DIRECTION_COLOURS[2],
                              label="more likely higher on CYT107"),
                       Line2D([], [], ls="none", marker="o", color=DIRECTION_COLOURS[0],
                              label="more likely lower on CYT107"),
                       Patch(color="white", label="priors: uniform risks per arm")],
              fontsize=7, loc="upper center", bbox_to_anchor=below, frameon=False)
    fig.suptitle(title or "Patients with at least one adverse event, by category", fontsize=10)
    return fig
