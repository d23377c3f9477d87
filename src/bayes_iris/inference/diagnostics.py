"""The diagnostics gate: convergence summary of a fit, its table, and the loud warning.

The columns of every ``tables/diagnostics_<step>.csv`` are :data:`DIAGNOSTICS_COLUMNS`, defined
here, by the producer, and re-exported by :mod:`bayes_iris.results.tables` for the report.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from rich.console import Console

from ..errors import ConvergenceError
from . import convergence

__all__ = [
    "DIAGNOSTICS_COLUMNS",
    "Diagnostics",
    "diagnose",
    "diagnostics_table",
    "warn_diagnostics",
]

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100
ESS_MIN = 400
BFMI_MIN = 0.3

#: Columns of a diagnostics table (one row per fitted model).
DIAGNOSTICS_COLUMNS = [
    "model", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "min_bfmi", "status",
    "messages",
]

_console = Console(stderr=True)


@dataclass
class Diagnostics:
    """Convergence summary of one fit; ``ok`` is the gate."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    n_chains: int
    n_draws: int
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.messages

    @property
    def status(self) -> str:
        return "ok" if self.ok else "warning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_rhat": self.max_rhat,
            "min_ess_bulk": self.min_ess_bulk,
            "min_ess_tail": self.min_ess_tail,
            "divergences": self.divergences,
            "min_bfmi": self.min_bfmi,
            "n_chains": self.n_chains,
            "n_draws": self.n_draws,
            "status": self.status,
            "messages": list(self.messages),
        }


def _stacked(ds: xr.Dataset) -> np.ndarray:
    """Every scalar quantity of a posterior as one (chain, draw, K) array."""
    cols = [np.asarray(v.transpose("chain", "draw", ...).values, dtype=float).reshape(
        v.sizes["chain"], v.sizes["draw"], -1) for v in ds.data_vars.values()]
    return np.concatenate(cols, axis=2)


def _extreme(values: np.ndarray, fn) -> float:
    finite = values[~np.isnan(values)]
    return float(fn(finite)) if finite.size else float("nan")


def diagnose(idata: xr.DataTree, *, var_names: list[str] | None = None) -> Diagnostics:
    """Convergence diagnostics of a posterior, with the toolkit's thresholds.

    Thresholds: R-hat (rank-normalised, split) ≤ 1.01; bulk and tail ESS ≥ max(400, 100 × chains);
    no divergent transitions; E-BFMI ≥ 0.3 in every chain. The estimators are ArviZ's, computed
    for all quantities at once (:mod:`bayes_iris.inference.convergence`); the tail ESS is at the
    5 % and 95 % quantiles of Vehtari et al.

    References
    ----------
    Vehtari A, Gelman A, Simpson D, Carpenter B, Bürkner P-C. Rank-normalization, folding, and
    localization: an improved R-hat for assessing convergence of MCMC. Bayesian Analysis 2021;
    16(2):667-718.
    Betancourt M. Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo.
    arXiv:1604.00695 (E-BFMI).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = np.random.default_rng(0)
    >>> post = xr.Dataset({"mu": (("chain", "draw"), g.normal(size=(4, 500)))})
    >>> d = diagnose(xr.DataTree.from_dict({"posterior": post}))
    >>> d.max_rhat < 1.01, d.divergences
    (True, 0)
    """
    post = idata["posterior"].to_dataset()
    # deterministic variables that are constant (e.g. a fixed correlation diagonal) have no R-hat
    keep = [
        k for k, v in post.data_vars.items()
        if (var_names is None or k in var_names) and v.size and float(v.std()) > 0
    ]
    post = post[keep]
    n_chains = int(post.sizes.get("chain", 1))
    n_draws = int(post.sizes.get("draw", 0))
    if keep and n_draws:
        x = _stacked(post)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r, b, t = convergence.summary(x)
            rhat, ess_bulk, ess_tail = _extreme(r, np.max), _extreme(b, np.min), _extreme(t, np.min)
    else:
        rhat = ess_bulk = ess_tail = float("nan")
    divergences = 0
    bfmi = float("nan")
    if "sample_stats" in idata.children:
        stats = idata["sample_stats"].to_dataset()
        for key in ("diverging", "divergences"):
            if key in stats:
                divergences = int(np.asarray(stats[key]).sum())
                break
        if "energy" in stats:
            energy = np.asarray(stats["energy"], dtype=float)
            if energy.ndim == 1:
                energy = energy[None, :]
            num = np.mean(np.diff(energy, axis=1) ** 2, axis=1)
            den = np.var(energy, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                bfmi = float(np.min(num / den))
    ess_min = max(ESS_MIN, ESS_PER_CHAIN * n_chains)
    messages = []
    if not (rhat <= RHAT_MAX):
        messages.append(f"max R-hat {rhat:.3f} > {RHAT_MAX}")
    if not (ess_bulk >= ess_min):
        messages.append(f"min bulk ESS {ess_bulk:.0f} < {ess_min}")
    if not (ess_tail >= ess_min):
        messages.append(f"min tail ESS {ess_tail:.0f} < {ess_min}")
    if divergences > 0:
        messages.append(f"{divergences} divergent transitions")
    if math.isfinite(bfmi) and bfmi < BFMI_MIN:
        messages.append(f"min E-BFMI {bfmi:.2f} < {BFMI_MIN}")
    return Diagnostics(
        max_rhat=rhat, min_ess_bulk=ess_bulk, min_ess_tail=ess_tail, divergences=divergences,
        min_bfmi=bfmi, n_chains=n_chains, n_draws=n_draws, messages=messages,
    )


def diagnostics_table(items: list[tuple[str, Diagnostics]]) -> pd.DataFrame:
    """One row per fitted model: the table each analysis step writes as ``diagnostics_<step>.csv``.

    Examples
    --------
    >>> d = Diagnostics(1.0, 900.0, 800.0, 0, 0.9, 4, 1000)
    >>> list(diagnostics_table([("alc", d)]).status)
    ['ok']
    """
    rows = [
        {
            "model": name,
            "max_rhat": d.max_rhat,
            "min_ess_bulk": d.min_ess_bulk,
            "min_ess_tail": d.min_ess_tail,
            "divergences": d.divergences,
            "min_bfmi": d.min_bfmi,
            "status": d.status,
            "messages": "; ".join(d.messages),
        }
        for name, d in items
    ]
    return pd.DataFrame(rows, columns=DIAGNOSTICS_COLUMNS)


def warn_diagnostics(name: str, diag: Diagnostics, *, strict: bool = False) -> None:
    """Loud warning (rich, stderr) when ``diag`` fails; :class:`ConvergenceError` if ``strict``."""
    if diag.ok:
        return
    text = f"{name}: " + "; ".join(diag.messages)
    _console.print(f"[bold yellow]WARNING — diagnostics failed[/bold yellow] {text}",
                   highlight=False)
    if strict:
        raise ConvergenceError(text)
