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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..plots.style import ARM_COLOURS, log_axis
from ..plots.style import new_axes as _ax

__all__ = ["plot_effect_prior_posterior", "plot_effects_by_day", "plot_ppc",
           "plot_prior_predictive", "plot_ratio_forest", "plot_regimen_contrast",
           "plot_trajectories"]


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
        ax.plot(days, q[2], color=c, lw=2.2, label=f"{arm}: typical patient, posterior median")
    ax.axvline(model.obs.dosing_end_day, color="grey", ls=":", lw=1)
    log_axis(ax, "y")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"{marker.upper()} (cells/mm³, log scale)")
    ax.set_title(f"{marker.upper()} trajectories: patients and posterior 50/95 % bands")
    handles, labels = ax.get_legend_handles_labels()
    handles += [Patch(color="#888888", alpha=0.45), Patch(color="#888888", alpha=0.15),
                Line2D([], [], color="#888888", alpha=0.5, lw=0.8),
                Line2D([], [], ls="none", marker="v", color="k", ms=4),
                Line2D([], [], color="grey", ls=":", lw=1)]
    labels += ["50 % credible band", "95 % credible band", "one patient (observed)",
               "below detection limit", f"end of dosing (day {model.obs.dosing_end_day})"]
    # below the panel: the curves fill the plot area
    ax.legend(handles, labels, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13),
              ncol=3, frameon=False)
    return fig


def plot_ratio_forest(sensitivity: pd.DataFrame, *, ax=None) -> Figure:
    """Forest plot of the day-29 ratio CYT107/placebo across prior sets (prior_sensitivity table)."""
    t = sensitivity.reset_index(drop=True)
    fig, ax = _ax(ax, figsize=(7, 1.6 + 0.55 * max(len(t), 2)))
    y = np.arange(len(t))[::-1]
    ax.hlines(y, t["lower95"], t["upper95"], color="k", lw=2, label="95 % credible interval")
    ax.plot(t["median"], y, "o", color=ARM_COLOURS["cyt107"], label="posterior median")
    ax.set_yticks(y, t["prior_set"])
    ax.axvline(1.0, color="grey", ls=":", label="no effect (ratio 1)")
    log_axis(ax, "x")
    day = int(t["day"].iloc[0]) if len(t) else 29
    ax.set_xlabel(f"day-{day} ratio of geometric means CYT107 / placebo (log scale)")
    ax.set_ylabel("prior set")
    ax.set_title("Prior sensitivity of the treatment effect")
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_effects_by_day(table: pd.DataFrame, *, marker: str = "alc", ax=None) -> Figure:
    """Ratio CYT107/placebo by scheduled day (median and 95 % CrI) from the effects table."""
    fig, ax = _ax(ax)
    for (label, pset), g in table[(table["quantity"] == "ratio")
                                  & (table["marker"] == marker)].groupby(["model", "prior_set"]):
        g = g.sort_values("day")
        name = (f"joint model ({str(label).removeprefix('joint_')})"
                if str(label).startswith("joint") else f"{marker.upper()} model ({label})")
        line = ax.plot(g["day"], g["median"], marker="o", label=f"{name}, {pset} prior")
        ax.fill_between(g["day"], g["lower95"], g["upper95"], alpha=0.12,
                        color=line[0].get_color(), lw=0)
    ax.axhline(1.0, color="grey", ls=":", label="no effect (ratio 1)")
    log_axis(ax, "y")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"{marker.upper()} ratio CYT107 / placebo (log scale)")
    ax.set_title("Treatment effect by day (median; band: 95 % credible interval)")
    ax.legend(fontsize=7, loc="lower right")
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
    log_axis(ax, "y")
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
    log_axis(ax, "y")
    ax.set_xlabel("study day")
    ax.set_ylabel(f"typical-patient {marker.upper()} (cells/mm³)")
    ax.set_title("Prior predictive check (default priors)")
    ax.legend(fontsize=8)
    return fig


MARKER_NAMES = {"alc": "ALC", "cd4": "CD4+", "cd8": "CD8+"}


def plot_regimen_contrast(effects: pd.DataFrame, *, ax=None) -> Figure:
    """Twice-weekly versus weekly CYT107: the ratio of geometric means by day, one line per marker
    (median and 95 % band), from the effects table's ``regimen_contrast`` rows (default prior).

    Examples
    --------
    >>> t = pd.DataFrame({"quantity": "regimen_contrast", "prior_set": "default",
    ...                   "marker": "alc", "model": "piecewise", "day": [0, 7, 29],
    ...                   "median": [1.0, 1.1, 1.2], "lower95": [1.0, 0.8, 0.7],
    ...                   "upper95": [1.0, 1.5, 2.0]})
    >>> len(plot_regimen_contrast(t).axes)
    1
    """
    fig, ax = _ax(ax)
    sub = effects[(effects["quantity"] == "regimen_contrast")
                  & (effects["prior_set"] == "default")]
    colours = {"alc": "#1b9e77", "cd4": "#d95f02", "cd8": "#7570b3"}
    for (marker, model), g in sub.groupby(["marker", "model"], sort=False):
        g = g.sort_values("day")
        c = colours.get(str(marker), None)
        line = ax.plot(g["day"], g["median"], marker="o", ms=3, color=c,
                       label=f"{MARKER_NAMES.get(str(marker), str(marker))} "
                             f"({'joint model' if str(model).startswith('joint') else model})")
        ax.fill_between(g["day"], g["lower95"], g["upper95"], alpha=0.12,
                        color=line[0].get_color(), lw=0)
    ax.axhline(1.0, color="grey", ls=":", label="no difference between regimens")
    log_axis(ax, "y")
    ax.set_xlabel("study day")
    ax.set_ylabel("ratio twice-weekly / weekly (log scale)")
    ax.set_title("CYT107 regimens: twice-weekly versus weekly (median, 95 % band)")
    ax.legend(fontsize=7, loc="upper left")
    return fig


def plot_effect_prior_posterior(sensitivity: pd.DataFrame,
                                posterior_draws: dict[str, np.ndarray] | None = None) -> Figure:
    """Prior and posterior of the day-29 ratio CYT107 / placebo, one panel per prior set.

    The prior is the normal prior of the log ratio (``prior_log_mean``, ``prior_log_sd`` of the
    prior-sensitivity table); the posterior is a histogram of the draws when given
    (``posterior_draws[prior_set]``: log ratios), else its normal approximation (``log_mean``,
    ``log_sd``). x axis: the ratio, log scale.

    Examples
    --------
    >>> t = pd.DataFrame({"prior_set": ["default", "skeptical"], "day": 29,
    ...     "prior_log_mean": [0.0, 0.0], "prior_log_sd": [1.0, 0.42],
    ...     "log_mean": [0.9, 0.8], "log_sd": [0.2, 0.19]})
    >>> len(plot_effect_prior_posterior(t).axes)
    2
    """
    import math

    import matplotlib.pyplot as plt
    from scipy import stats

    from ..plots.style import layout

    t = sensitivity.reset_index(drop=True)
    n = len(t)
    ncol = min(n, 2)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.3 * ncol, 2.6 * nrow), squeeze=False,
                             sharex=True, layout=layout())
    lo = float(np.min(t["prior_log_mean"] - 2.6 * t["prior_log_sd"]).clip(-2.5))
    hi = float(np.max(t["prior_log_mean"] + 2.6 * t["prior_log_sd"]).clip(max=3.0))
    lo, hi = min(lo, float((t["log_mean"] - 4 * t["log_sd"]).min())), max(
        hi, float((t["log_mean"] + 4 * t["log_sd"]).max()))
    x = np.linspace(lo, hi, 400)
    for a, (_, r) in zip(axes.ravel(), t.iterrows(), strict=False):
        prior = stats.norm.pdf(x, r["prior_log_mean"], r["prior_log_sd"])
        draws = (posterior_draws or {}).get(str(r["prior_set"]))
        if draws is not None and len(draws) > 10:
            h, edges = np.histogram(draws, bins=np.linspace(lo, hi, 80), density=True)
            a.stairs(h, np.exp(edges), fill=True, color=ARM_COLOURS["cyt107"], alpha=0.45,
                     label="posterior (draws)")
        else:
            a.plot(np.exp(x), stats.norm.pdf(x, r["log_mean"], r["log_sd"]),
                   color=ARM_COLOURS["cyt107"], lw=2, label="posterior (normal approx.)")
        a.plot(np.exp(x), prior, "--", color="#2c7fb8", lw=1.5, label="prior")
        a.axvline(1.0, color="grey", ls=":", lw=1)
        a.set_title(str(r["prior_set"]), fontsize=9)
        a.set_yticks([])
        log_axis(a, "x", max_ticks=6)
        a.set_xlim(math.exp(lo), math.exp(hi))
    for extra in axes.ravel()[n:]:
        extra.set_visible(False)
    day = int(t["day"].iloc[0]) if "day" in t and len(t) else 29
    for a in axes[-1]:
        a.set_xlabel(f"day-{day} ratio CYT107 / placebo")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Prior versus posterior of the treatment effect, by prior set", fontsize=10)
    return fig
