"""How far to centre the site effects: a weight from the data, the posterior unchanged.

The site effects :math:`u_{sm}` (zero-sum over sites, SD :math:`\\tau_m`) are sampled as
:math:`\\tilde z_{sm} \\sim \\mathrm{ZSN}(0, \\tau_m^{w_m})` and used as
:math:`u_{sm} = \\tau_m^{1 - w_m} \\tilde z_{sm}`: for every weight :math:`w_m \\in [0, 1]` the
prior of :math:`u` is :math:`\\mathrm{ZSN}(0, \\tau_m)`, so the model and its posterior are the same;
only the geometry the sampler sees changes. :math:`w = 0` is the non-centred form (best when the
data say little about each site), :math:`w = 1` the centred one (best when they pin each site down:
hundreds of patients per site, where the non-centred form couples every site effect to
:math:`\\tau` and the SD's effective sample size collapsed, ``benchmarks/results/scaling.md``).

The weight is the one that makes a normal hierarchy's site effects and SD a posteriori
uncorrelated: :math:`w = n\\tau^2 / (n\\tau^2 + s^2)`, with :math:`n` patients per site,
:math:`\\tau^2` the between-site and :math:`s^2` the between-patient variance of the patients' mean
log values (partial non-centring: Papaspiliopoulos, Roberts & Sköld 2007, *Statistical Science*
22:59-73; the scale form with this weight: Gorinova, Moore & Hoffman 2020, *ICML*, "Automatic
reparameterisation of probabilistic programs", section 3). :math:`\\tau^2` and :math:`s^2` are
method-of-moments estimates from the data; being only a choice of coordinates, a rough value costs
efficiency, never correctness. With no between-site variation beyond what the patients explain
(:math:`\\hat\\tau^2 = 0`), or one site, the weight is 0: the non-centred form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["site_centring"]


def site_centring(frame: pd.DataFrame, n_markers: int) -> np.ndarray:
    """Weight :math:`w_m \\in [0, 1]` per marker (module docstring) from the observation table.

    ``frame`` has one row per observation with integer columns ``patient``, ``site``, ``marker``
    and the log value ``y`` (:func:`bayes_iris.trajectory.model.observations`).

    Examples
    --------
    >>> g = np.random.Generator(np.random.PCG64(1))
    >>> site = np.repeat(np.arange(4), 250)
    >>> y = np.array([-1.0, 0.0, 0.5, 1.0])[site] + g.normal(0, 0.7, site.size)
    >>> frame = pd.DataFrame({"patient": np.arange(site.size), "site": site, "marker": 0, "y": y})
    >>> float(site_centring(frame, 1)[0]) > 0.95  # 250 patients per site: centred
    True
    >>> frame["site"] = 0  # one site: nothing to estimate, non-centred
    >>> float(site_centring(frame, 1)[0])
    0.0
    """
    out = np.zeros(n_markers)
    for m in range(n_markers):
        rows = frame.loc[frame["marker"] == m, ["patient", "site", "y"]]
        patients = rows.groupby("patient", sort=True).agg(site=("site", "first"), y=("y", "mean"))
        by_site = patients.groupby("site")["y"]
        n = by_site.size().to_numpy(dtype=float)
        if n.size < 2 or np.any(n < 2):
            continue  # one site, or a site with one patient: no estimate; non-centred
        within = float(np.sum(by_site.var(ddof=1).to_numpy() * (n - 1)) / np.sum(n - 1))
        n_site = float(n.size / np.sum(1.0 / n))  # harmonic mean of the site sizes
        between = float(np.var(by_site.mean().to_numpy(), ddof=1)) - within / n_site
        if not (between > 0.0 and within > 0.0):
            continue
        out[m] = n_site * between / (n_site * between + within)
    return out
