"""Figures of the trajectory analysis. Each takes results and returns a Figure (no savefig).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"prior_set": ["default"], "median": [2.5], "lower95": [1.8],
...                   "upper95": [3.6], "day": [29], "marker": ["alc"]})
>>> fig = plot_ratio_forest(t)
>>> len(fig.axes)
1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from ..plots.style import ARM_COLOURS
from ..plots.style import new_axes as _ax


def plot_trajectories(fit: Any, model: Any, *, marker: str = "alc", ax=None) -> Figure:
    """Per-patient spaghetti (log scale) with the posterior median and 50/95 % bands per arm.

    The bands are the typical patient's curve (``mu_day``: random and site effects at zero).
    """
    fig, ax = _ax(ax)
    f = model.obs.frame
    mk = list(model.markers).index(marker)
    sub = f[f["marker"] == mk]
    for _pid, g in sub.groupby("patient_id"):
        arm = "cyt107" if g["cyt107"].iloc[0] > 0 else "placebo"
        ax.plot(g["study_day"], np.exp(g["y"]), color=ARM_COLOURS[arm], alpha=0.25, lw=0.8)
        cens = g[g["censored"]]
        if len(cens):
            ax.scatter(cens["study_day"], np.exp(cens["y"]), marker="v", color="k", s=12)
    mu = fit.idata["posterior"]["mu_day"].sel(marker=marker)
    days = mu["day"].values
    for arm in ("placebo", "cyt107"):
        v = np.exp(mu.sel(group=arm).stack(s=("chain", "draw")).values)  # day, s
        q = np.quantile(v, [0.025, 0.25, 0.5, 0.75, 0.975], axis=1)
        c = ARM_COLOURS[arm]
        ax.fill_between(days, q[0], q[4], color=c, alpha=0.15, lw=0)
        ax.fill_between(days, q[1], q[3], color=c, alpha=0.3, lw=0)
        ax.plot(days, q[2], color=c, lw=2.2, label=f"{arm} (typical patient, median)")
    ax.set_yscale("log")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"{marker.upper()} (cells/mm³, log scale)")
    ax.axvline(model.obs.dosing_end_day, color="grey", ls=":", lw=1)
    ax.set_title(f"{marker.upper()} trajectories: patients and posterior 50/95 % bands")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_ratio_forest(sensitivity: pd.DataFrame, *, ax=None) -> Figure:
    """Forest plot of the day-29 ratio CYT107/placebo across prior sets (prior_sensitivity table)."""
    fig, ax = _ax(ax)
    t = sensitivity.reset_index(drop=True)
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["lower95"], t["upper95"], color="k", lw=2)
    ax.plot(t["median"], y, "o", color=ARM_COLOURS["cyt107"])
    ax.set_yticks(y, t["prior_set"])
    ax.set_xscale("log")
    ax.axvline(1.0, color="grey", ls=":")
    day = int(t["day"].iloc[0]) if len(t) else 29
    ax.set_xlabel(f"day-{day} ratio of geometric means CYT107 / placebo (median, 95 % CrI)")
    ax.set_title("Prior sensitivity of the treatment effect")
    return fig


def plot_effects_by_day(table: pd.DataFrame, *, marker: str = "alc", ax=None) -> Figure:
    """Ratio CYT107/placebo by scheduled day (median and 95 % CrI) from the effects table."""
    fig, ax = _ax(ax)
    for (label, pset), g in table[(table["quantity"] == "ratio")
                                  & (table["marker"] == marker)].groupby(["model", "prior_set"]):
        g = g.sort_values("day")
        line = ax.plot(g["day"], g["median"], marker="o", label=f"{label}, {pset}")
        ax.fill_between(g["day"], g["lower95"], g["upper95"], alpha=0.12,
                        color=line[0].get_color(), lw=0)
    ax.axhline(1.0, color="grey", ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"{marker.upper()} ratio CYT107 / placebo")
    ax.set_title("Treatment effect by day (median, 95 % CrI)")
    ax.legend(fontsize=7)
    return fig


def plot_ppc(ppc: xr.Dataset, model: Any, *, marker: str = "alc", ax=None) -> Figure:
    """Posterior predictive check: observed geometric means by arm and day vs replicated ones."""
    fig, ax = _ax(ax)
    f = model.obs.frame
    obs_idx = np.asarray(ppc["y_rep"]["obs_observed"].values, dtype=int)
    rows = f.iloc[obs_idx].reset_index(drop=True)
    mk = list(model.markers).index(marker)
    yrep = ppc["y_rep"].values  # sample, obs
    for arm, flag in (("placebo", 0.0), ("cyt107", 1.0)):
        c = ARM_COLOURS[arm]
        days = sorted(rows.loc[(rows["marker"] == mk) & (rows["cyt107"] == flag),
                               "study_day"].unique())
        obs_gm, lo, hi, mid = [], [], [], []
        for d in days:
            sel = ((rows["marker"] == mk) & (rows["cyt107"] == flag)
                   & (rows["study_day"] == d)).to_numpy()
            obs_gm.append(np.exp(rows.loc[sel, "y"].mean()))
            rep = np.exp(yrep[:, sel].mean(axis=1))
            lo.append(np.quantile(rep, 0.025))
            hi.append(np.quantile(rep, 0.975))
            mid.append(np.median(rep))
        ax.fill_between(days, lo, hi, color=c, alpha=0.25, lw=0,
                        label=f"{arm}: replicated GM, 95 %")
        ax.plot(days, mid, color=c, lw=1)
        ax.plot(days, obs_gm, "o", color=c, mec="k", label=f"{arm}: observed GM")
    ax.set_yscale("log")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"geometric mean {marker.upper()} (cells/mm³)")
    ax.set_title("Posterior predictive check")
    ax.legend(fontsize=8)
    return fig


def plot_prior_predictive(prior: xr.Dataset, *, marker: str = "alc", ax=None) -> Figure:
    """Prior predictive typical-patient curves (95 % and 50 % bands) per arm, log scale."""
    fig, ax = _ax(ax)
    mu = prior["mu_day"].sel(marker=marker).stack(s=("chain", "draw"))
    days = mu["day"].values
    for arm in ("placebo", "cyt107"):
        v = np.exp(mu.sel(group=arm).values)
        q = np.quantile(v, [0.025, 0.25, 0.5, 0.75, 0.975], axis=1)
        c = ARM_COLOURS[arm]
        ax.fill_between(days, q[0], q[4], color=c, alpha=0.15, lw=0)
        ax.fill_between(days, q[1], q[3], color=c, alpha=0.3, lw=0)
        ax.plot(days, q[2], color=c, lw=2, label=f"{arm} (prior median, 50/95 %)")
    ax.axhline(900, color="k", ls="--", lw=1, label="900/mm³")
    ax.set_yscale("log")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"typical-patient {marker.upper()} (cells/mm³)")
    ax.set_title("Prior predictive check (default priors)")
    ax.legend(fontsize=8)
    return fig
