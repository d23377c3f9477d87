"""Observed (raw) lymphocyte counts: per-patient trajectories by arm ("spaghetti" plots).

Consumes the long table of :func:`bayes_iris.data.summary.labs_long` (or the ``labs_long.csv`` the
data step writes); computes nothing but per-day geometric means for the overlay.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .style import ARM_COLOURS, REGIMEN_STYLES, layout, log_axis

__all__ = ["plot_km_curves", "plot_observed_trajectories"]


def plot_observed_trajectories(
    labs_long: pd.DataFrame,
    *,
    marker: str = "alc",
    ax=None,
    dosing_end_day: int | None = 28,
    threshold: float | None = 900.0,
    arms: tuple[str, ...] = ("placebo", "cyt107"),
) -> Figure:
    """Per-patient observed counts over study days, log scale, one panel per arm.

    Parameters
    ----------
    labs_long : DataFrame
        Columns ``patient_id``, ``arm``, ``regimen``, ``study_day``, ``marker``, ``value``,
        ``bdl`` (as from :func:`bayes_iris.data.summary.labs_long`).
    marker : str
        ``alc``, ``cd4`` or ``cd8``.
    ax : matplotlib Axes, optional
        Draw every arm on this one axis (colour = arm); default: a new figure, one panel per arm.
    dosing_end_day : int, optional
        Shade the dosing period (pass ``trial.meta.dosing_end_day``); None: no shading.
    threshold : float, optional
        Horizontal reference line (the 900/mm³ ALC entry threshold); None: none.
    arms : tuple of str
        Arms, in panel order.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> from bayes_iris.data.summary import labs_long
    >>> fig = plot_observed_trajectories(labs_long(load_bundled()))
    >>> len(fig.axes)
    2
    """
    d = labs_long[labs_long["marker"] == marker]
    if ax is None:
        fig, axes = plt.subplots(
            1,
            len(arms),
            figsize=(4.2 * len(arms) + 2.6, 3.8),
            sharey=True,
            squeeze=False,
            layout=layout(),
        )
        panels = dict(zip(arms, axes[0], strict=True))
    else:
        fig = ax.figure
        panels = dict.fromkeys(arms, ax)
    for arm in arms:
        a = panels[arm]
        da = d[d["arm"] == arm]
        colour = ARM_COLOURS.get(arm, "C0")
        for (_, regimen), g in da.groupby(["patient_id", "regimen"], sort=True):
            g = g.sort_values("study_day")
            a.plot(g["study_day"], g["value"], color=colour, alpha=0.45, lw=0.9,
                   ls=REGIMEN_STYLES.get(regimen, "-"), marker="o", ms=2.5)
            b = g[g["bdl"].astype(bool)]
            if len(b):
                a.plot(b["study_day"], b["value"], ls="none", marker="v", mfc="white",
                       mec=colour, ms=5)
        if len(da):
            gm = da.groupby("study_day")["value"].apply(lambda v: float(np.exp(np.log(v).mean())))
            a.plot(gm.index, gm.to_numpy(), color="black", lw=2.2)
        if dosing_end_day is not None:
            a.axvspan(0, dosing_end_day, color="#f4d03f", alpha=0.12, lw=0)
        if threshold is not None and marker == "alc":
            a.axhline(threshold, color="#1f618d", lw=0.9, ls=":")
        a.set_xlabel("study day")
        a.set_title(f"{arm} (n = {da['patient_id'].nunique()})" if ax is None else marker.upper())
    first = next(iter(panels.values()))
    log_axis(first, "y")
    first.set_ylabel(f"{marker.upper()} (cells/mm³, log scale)")
    pairs = d[["arm", "regimen"]].drop_duplicates()
    pairs = pairs.assign(order=pairs["arm"].map({a: i for i, a in enumerate(arms)})).sort_values(
        ["order", "regimen"])
    handles = [Line2D([], [], color=ARM_COLOURS.get(a, "C0"), ls=REGIMEN_STYLES.get(r, "-"),
                      marker="o", ms=2.5,
                      label=f"one patient ({a})" if a == r else
                      f"one patient ({a}, {r.replace('_', '-')})")
               for a, r in zip(pairs["arm"], pairs["regimen"], strict=True)]
    handles += [Line2D([], [], color="black", lw=2.2, label="geometric mean of the arm"),
                Line2D([], [], ls="none", marker="v", mfc="white", mec="#555555",
                       label="below detection limit")]
    if threshold is not None and marker == "alc":
        handles.append(Line2D([], [], color="#1f618d", lw=0.9, ls=":",
                              label=f"{threshold:,.0f}/mm³ (entry threshold)"))
    if dosing_end_day is not None:
        handles.append(Patch(color="#f4d03f", alpha=0.3, label=f"dosing (days 0–{dosing_end_day})"))
    # beside the last panel: an axes legend stays put when the PNG is cropped to its content
    panels[arms[-1]].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                            fontsize=8, frameon=False)
    return fig


def plot_km_curves(km: pd.DataFrame, *, arms: tuple[str, ...] = ("placebo", "cyt107"),
                   follow_up: float | None = None) -> Figure:
    """Time-to-event curves by arm: alive (Kaplan–Meier, 95 % band) and discharged from the ICU
    alive (cumulative incidence, death competing), from :func:`bayes_iris.data.survival.km_curves`.

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> from bayes_iris.data.survival import km_curves
    >>> fig = plot_km_curves(km_curves(load_bundled()))
    >>> len(fig.axes)
    2
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9), layout=layout())
    panels = (("death", "Alive (Kaplan–Meier)", "probability alive"),
              ("icu_discharge", "Discharged from the ICU alive\n(cumulative incidence; "
               "death competes)", "probability discharged alive"))
    for a, (endpoint, title, ylabel) in zip(axes, panels, strict=True):
        sub = km[km["endpoint"] == endpoint]
        for arm in arms:
            g = sub[sub["arm"] == arm].sort_values("day")
            if g.empty:
                continue
            if follow_up and g["day"].iloc[-1] < follow_up:  # the curve stays flat to the end
                g = pd.concat([g, g.iloc[[-1]].assign(day=follow_up, events=0, censored=0)])
            colour = ARM_COLOURS.get(arm, "C0")
            n = int(g["at_risk"].iloc[0])
            ev = int(g["events"].sum())
            what = "deaths" if endpoint == "death" else "discharged alive"
            a.step(g["day"], g["estimate"], where="post", color=colour, lw=2,
                   label=f"{arm} (n = {n}; {ev} {what})")
            if g["lower95"].notna().any():
                a.fill_between(g["day"], g["lower95"], g["upper95"], step="post", color=colour,
                               alpha=0.12, lw=0)
            cens = g[g["censored"] > 0]
            if endpoint == "death" and len(cens):
                a.plot(cens["day"], cens["estimate"], "|", color=colour, ms=8, mew=1.5)
        a.set_ylim(-0.02, 1.02)
        if follow_up:
            a.set_xlim(0, follow_up)
        a.set_xlabel("study day")
        a.set_ylabel(ylabel)
        a.set_title(title, fontsize=9)
        a.grid(alpha=0.3)
        handles, labels = a.get_legend_handles_labels()
        if endpoint == "death":
            handles.append(Line2D([], [], ls="none", marker="|", color="#555555", ms=8,
                                  mew=1.5))
            labels.append("censored (alive at last follow-up)")
            handles.append(Patch(color="#999999", alpha=0.25))
            labels.append("95 % interval (log-log)")
        a.legend(handles, labels, fontsize=7, loc="best")
    return fig
