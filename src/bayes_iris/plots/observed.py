"""Observed (raw) lymphocyte counts: per-patient trajectories by arm ("spaghetti" plots).

Consumes the long table of :func:`bayes_iris.data.summary.labs_long` (or the ``labs_long.csv`` the
data step writes); computes nothing but per-day geometric means for the overlay.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import ARM_COLOURS, REGIMEN_STYLES, layout


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
            figsize=(4.2 * len(arms), 3.8),
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
            a.plot(
                g["study_day"],
                g["value"],
                color=colour,
                alpha=0.45,
                lw=0.9,
                ls=REGIMEN_STYLES.get(regimen, "-"),
                marker="o",
                ms=2.5,
            )
            b = g[g["bdl"].astype(bool)]
            if len(b):
                a.plot(
                    b["study_day"], b["value"], ls="none", marker="v", mfc="white", mec=colour, ms=5
                )
        if len(da):
            gm = da.groupby("study_day")["value"].apply(lambda v: float(np.exp(np.log(v).mean())))
            a.plot(gm.index, gm.to_numpy(), color="black", lw=2.2, label=f"geometric mean ({arm})")
        if dosing_end_day is not None:
            a.axvspan(0, dosing_end_day, color="#f4d03f", alpha=0.12, lw=0)
        if threshold is not None and marker == "alc":
            a.axhline(threshold, color="#1f618d", lw=0.8, ls=":")
        a.set_yscale("log")
        a.set_xlabel("study day")
        a.set_title(f"{arm} (n = {da['patient_id'].nunique()})" if ax is None else marker.upper())
    first = next(iter(panels.values()))
    first.set_ylabel(f"{marker.upper()} (cells/mm³, log scale)")
    return fig
