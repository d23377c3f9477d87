"""MCMC diagnostic figures (rank plots). Take a fit, return a Figure (no savefig).

Examples
--------
>>> import numpy as np, xarray as xr
>>> from types import SimpleNamespace
>>> g = np.random.default_rng(0)
>>> post = xr.Dataset({"mu": (("chain", "draw"), g.normal(size=(4, 200)))})
>>> fit = SimpleNamespace(idata=xr.DataTree.from_dict({"posterior": post}), name="toy")
>>> len(plot_rank(fit, var_names=["mu"]).axes)
1
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from scipy.stats import rankdata

from .style import layout


def plot_rank(fit: Any, *, var_names: list[str], bins: int = 20, axes=None) -> Figure:
    """Rank histograms per chain (Vehtari et al. 2021): flat when the chains mix.

    Each variable's first element is shown (scalar or the first coordinate).

    References
    ----------
    Vehtari A, Gelman A, Simpson D, Carpenter B, Bürkner P-C. Rank-normalization, folding, and
    localization: an improved R-hat. Bayesian Analysis 2021;16(2):667-718.
    """
    post = fit.idata["posterior"]
    names = [v for v in var_names if v in post.data_vars]
    if axes is None:
        ncol = min(3, max(len(names), 1))
        nrow = int(np.ceil(len(names) / ncol)) or 1
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.3 * ncol, 2.4 * nrow), squeeze=False,
                                 layout=layout())
        axes = axes.ravel()
        spare = list(axes[len(names):])
        for extra in spare[1:]:
            extra.remove()
        legend_ax = spare[0] if spare else None
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
        legend_ax = None
    for ax, name in zip(axes, names, strict=False):
        da = post[name]
        extra_dims = [d for d in da.dims if d not in ("chain", "draw")]
        label = name
        if extra_dims:
            first = {d: 0 for d in extra_dims}
            da = da.isel(first)
            label += "[" + ",".join(str(da[d].values) for d in extra_dims) + "]"
        x = np.asarray(da.transpose("chain", "draw").values)
        ranks = rankdata(x.ravel()).reshape(x.shape)
        edges = np.linspace(0, ranks.size, bins + 1)
        for c in range(x.shape[0]):
            h, _ = np.histogram(ranks[c], edges)
            ax.step(edges[:-1], h, where="post", lw=1, color=f"C{c}", label=f"chain {c + 1}")
        ax.axhline(x.shape[1] / bins, color="k", ls=":", lw=1, label="uniform (chains mix)")
        ax.set_title(label, fontsize=8)
        ax.set_yticks([])
        ax.set_xticks([])
        ax.set_xlabel("rank of the draw among all chains", fontsize=7)
    if len(names):  # in the spare panel, else inside the last one (axes legends stay put when
        # the PNG is cropped to its content; a figure legend would move)
        handles, labels = axes[0].get_legend_handles_labels()
        if legend_ax is not None:
            legend_ax.axis("off")
            legend_ax.legend(handles, labels, loc="center", fontsize=8, frameon=False)
        else:
            axes[len(names) - 1].legend(handles, labels, loc="lower right", fontsize=6)
    fig.suptitle(f"Rank plots by chain — {getattr(fit, 'name', '')}", fontsize=9)
    return fig
