"""How far to centre the site effects: a weight from the data, the posterior unchanged.

The site effects :math:`u_{sm}` (zero-sum over sites, SD :math:`\\tau_m`) are sampled as
:math:`\\tilde z_{sm} \\sim \\mathrm{ZSN}(0, \\tau_m^{w_m})` and used as
:math:`u_{sm} = \\tau_m^{1 - w_m} \\tilde z_{sm}`: for every weight :math:`w_m \\in [0, 1]` the
prior of :math:`u` is :math:`\\mathrm{ZSN}(0, \\tau_m)`, so the model and its posterior are the same;
only the geometry the sampler sees changes. :math:`w = 0` is the non-centred form (best when the
data say little about each site), :math:`w = 1` the centred one (best when they pin each site down:
hundreds of patients per site, where the non-centred form couples every site effect to
:math:`\\tau` and the SD's effective sample size collapsed, ``benchmarks/results/scaling.md``).

*Which weight.* For one value of :math:`\\tau` the weight that makes a normal hierarchy's site
effects and SD a posteriori uncorrelated is :math:`n\\tau^2 / (n\\tau^2 + s^2)`, with :math:`n`
patients per site and :math:`s^2` the between-patient variance of the patients' mean log values
(partial non-centring: Papaspiliopoulos, Roberts & Sköld 2007, *Statistical Science* 22:59-73; the
scale form with this weight: Gorinova, Moore & Hoffman 2020, *ICML*, "Automatic
reparameterisation of probabilistic programs", section 3). But :math:`\\tau` is not one value:
with IRIS-7's four sites its posterior reaches from near 0 (where only :math:`w \\approx 0` is
safe) to values where only :math:`w \\approx 1` is, and a weight taken at a four-site point
estimate of :math:`\\tau` made 12-17 % of simulated fits diverge (model version 7,
``tests/trajectory/results/README.md``). So the weight is chosen for the whole posterior of
:math:`\\eta = \\log\\tau` (the coordinate the sampler moves in). Given :math:`\\eta`, the sampled
site coordinate has posterior SD about :math:`\\tau^{w} (1 + n\\tau^2/s^2)^{-1/2}`, whose log is
:math:`w\\eta - g(\\eta)` with :math:`g(\\eta) = \\tfrac12 \\log(1 + n e^{2\\eta}/s^2)`: the funnel
is how much that log scale changes as :math:`\\eta` moves. The weight minimising its posterior
variance is the regression slope

.. math:: w = \\mathrm{Cov}(\\eta, g(\\eta)) / \\mathrm{Var}(\\eta) \\in [0, 1],

which for a normal posterior of :math:`\\eta` is the posterior mean of the one-value weight above,
:math:`E[g'(\\eta)] = E[n\\tau^2/(n\\tau^2 + s^2)]` (Stein's lemma); the posterior of
:math:`\\eta` has a long left tail (the HalfNormal prior keeps mass near :math:`\\tau = 0`), which
makes the slope smaller than that mean, leaning towards the non-centred form that is safe there
(four sites, 7 and 100 patients per site: 0.13 against 0.25, 0.21 against 0.33). The posterior of
:math:`\\eta` is approximated on a grid from the site means of the patients' mean log values alone
(normal, site mean :math:`\\sim N(\\mu, \\tau^2 + s^2/n_s)` with :math:`\\mu` integrated out)
under the model's own HalfNormal prior on :math:`\\tau`. Being only a choice of coordinates, a
rough approximation costs efficiency, never correctness. With one site, or a site with one
patient, there is nothing to estimate and the weight is 0: the non-centred form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["site_centring"]

_GRID = 801  # points on the log-SD grid
_BELOW, _ABOVE = 12.0, 3.0  # grid from prior_sigma * e^-12 to prior_sigma * e^3


def site_centring(frame: pd.DataFrame, n_markers: int, prior_sigma) -> np.ndarray:
    """Weight :math:`w_m \\in [0, 1]` per marker (module docstring) from the observation table.

    ``frame`` has one row per observation with integer columns ``patient``, ``site``, ``marker``
    and the log value ``y`` (:func:`bayes_iris.trajectory.model.observations`); ``prior_sigma``
    is the scale of the HalfNormal prior on the site SD, one value or one per marker.

    Examples
    --------
    >>> g = np.random.Generator(np.random.PCG64(1))
    >>> site = np.repeat(np.arange(4), 250)
    >>> y = np.array([-1.0, 0.0, 0.5, 1.0])[site] + g.normal(0, 0.7, site.size)
    >>> frame = pd.DataFrame({"patient": np.arange(site.size), "site": site, "marker": 0, "y": y})
    >>> float(site_centring(frame, 1, 1.0)[0]) > 0.9  # 250 patients per site: centred
    True
    >>> frame["site"] = 0  # one site: nothing to estimate, non-centred
    >>> float(site_centring(frame, 1, 1.0)[0])
    0.0
    """
    prior = np.broadcast_to(np.asarray(prior_sigma, dtype=float), (n_markers,))
    out = np.zeros(n_markers)
    for m in range(n_markers):
        rows = frame.loc[frame["marker"] == m, ["patient", "site", "y"]]
        patients = rows.groupby("patient", sort=True).agg(site=("site", "first"), y=("y", "mean"))
        by_site = patients.groupby("site")["y"]
        n = by_site.size().to_numpy(dtype=float)
        if n.size < 2 or np.any(n < 2) or not prior[m] > 0.0:
            continue  # one site, or a site with one patient: no estimate; non-centred
        within = float(np.sum(by_site.var(ddof=1).to_numpy() * (n - 1)) / np.sum(n - 1))
        if not within > 0.0:
            continue
        eta, weights = _log_sd_posterior(by_site.mean().to_numpy(), within / n, prior[m])
        n_site = float(n.size / np.sum(1.0 / n))  # harmonic mean of the site sizes
        g = 0.5 * np.log1p(n_site * np.exp(2.0 * eta) / within)
        d_eta = eta - np.sum(weights * eta)
        slope = np.sum(weights * d_eta * (g - np.sum(weights * g))) / np.sum(weights * d_eta**2)
        out[m] = float(np.clip(slope, 0.0, 1.0))
    return out


def _log_sd_posterior(site_means: np.ndarray, error_var: np.ndarray,
                      prior_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid of :math:`\\eta = \\log\\tau` and its normalised posterior weights.

    Site means :math:`\\bar y_s \\sim N(\\mu, \\tau^2 + v_s)` with :math:`\\mu` under a flat prior
    integrated out (restricted likelihood), times the HalfNormal(``prior_sigma``) density of
    :math:`\\tau` and the Jacobian :math:`\\tau` of :math:`\\eta`.
    """
    eta = np.linspace(np.log(prior_sigma) - _BELOW, np.log(prior_sigma) + _ABOVE, _GRID)
    tau = np.exp(eta)
    var = tau[:, None] ** 2 + error_var[None, :]
    prec = 1.0 / var
    mu = np.sum(prec * site_means, axis=1, keepdims=True) / np.sum(prec, axis=1, keepdims=True)
    log_lik = -0.5 * (np.sum(np.log(var), axis=1) + np.log(np.sum(prec, axis=1))
                      + np.sum(prec * (site_means - mu) ** 2, axis=1))
    log_post = log_lik - 0.5 * (tau / prior_sigma) ** 2 + eta
    weights = np.exp(log_post - log_post.max())
    return eta, weights / weights.sum()
