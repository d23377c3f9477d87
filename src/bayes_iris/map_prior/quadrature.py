"""The MAP prior by deterministic quadrature: the same random-effects model as
:class:`~bayes_iris.map_prior.model.MAPModel`, without MCMC.

The model has two hyperparameters, so their posterior is a two-dimensional integral:

* each study's likelihood with its own parameter integrated out,
  ``Lⱼ(μ, τ) = ∫ p(yⱼ | θ) N(θ | μ, τ²) dθ`` — closed form for normal data
  (``N(yⱼ | μ, seⱼ² + τ²)``), adaptive Gauss–Hermite quadrature (32 nodes at the mode of the
  log-concave integrand, found by Newton's method) for binomial and Poisson data;
* ``p(μ, τ | y) ∝ p(μ) p(τ) Πⱼ Lⱼ(μ, τ)`` on a grid over ``(log τ, μ)`` that follows the
  funnel: for each τ, 61 μ nodes over ±9 SDs of the (normal-approximation) conditional
  posterior of μ given τ; log τ from 10⁻⁵ to 10³ prior scales on a coarse pass, then 61 nodes
  over the range where its marginal is within e⁻³⁰ of the top (trapezoid rule in both). The
  mass below τ = 10⁻⁵ × scale is left out (about 10⁻⁵ of the prior's mass; the predictive
  there is the same as just above it).

From the grid, every summary is an exact sum over nodes, each node standing for its μ-cell
(μ uniform within the cell, so that nodes with a tiny τ do not turn the CDF into a staircase):
the MAP predictive CDF ``F(t) = Σ_g W_g F_g(t)`` (link scale), its moments on the natural scale (Gauss–Hermite
per node), its quantiles, and each study's shrinkage posterior (cell masses
``Σ_g W_g ℓⱼ(θ) [Φ((b − μ_g)/τ_g)]`` over a fine θ grid divided by ``Lⱼ``). The mixture is fitted
by weighted EM to the predictive's exact cell masses on 1000 cells (weights scaled to a nominal
20 000 draws, so that the AIC chooses components as it would on 20 000 MCMC draws), so the same
data give the same prior in every process, cache state and machine, with no seed and no
compile step. The MCMC fit (:func:`~bayes_iris.map_prior.analysis.fit_map`) is the
cross-check (``tests/map_prior``).

References
----------
Neuenschwander B, Capkun-Niggli G, Branson M, Spiegelhalter DJ (2010). Summarizing historical
information on controls in clinical trials. Clinical Trials 7:5-18.

Liu Q, Pierce DA (1994). A note on Gauss-Hermite quadrature. Biometrika 81:624-629 (adaptive
Gauss-Hermite quadrature).

Rue H, Martino S, Chopin N (2009). Approximate Bayesian inference for latent Gaussian models by
using integrated nested Laplace approximations. JRSS B 71:319-392 (grid integration over a
few hyperparameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputError
from .model import MAPModel

__all__ = ["MAPGrid", "hyper_posterior", "predictive_cells", "predictive_quantile_sample",
           "predictive_table", "shrinkage", "study_log_marginal"]

_GH_X, _GH_W = np.polynomial.hermite.hermgauss(32)
_LOG_GH_W = np.log(_GH_W) + _GH_X**2          # weights for ∫ f(x) dx = Σ w e^{x²} f(x)
_NEWTON_STEPS = 40
_CUT = 30.0
_FINE = 61
_Z = 9.0        # μ nodes span ±9 conditional SDs


# -- study likelihoods ------------------------------------------------------------------------------
def _loglik_terms(model: MAPModel):
    """``(ℓ, ℓ', ℓ'')`` of each study's log-likelihood in its link-scale parameter θ (constants
    dropped), vectorised: ``theta`` of shape ``(..., J)``."""
    t = model.data.table
    if model.data.likelihood == "binomial":
        r, n = t["r"].to_numpy(float), t["n"].to_numpy(float)

        def f(theta):
            p = special.expit(theta)
            ll = r * theta - n * np.logaddexp(0.0, theta)
            return ll, r - n * p, -n * p * (1 - p)
    else:
        y, e = t["y"].to_numpy(float), t["exposure"].to_numpy(float)

        def f(theta):
            mu = e * np.exp(theta)
            return y * theta - mu, y - mu, -mu
    return f


def _start(model: MAPModel) -> np.ndarray:
    """Each study's estimate on the link scale (0.5 added to a zero count)."""
    t = model.data.table
    if model.data.likelihood == "binomial":
        r, n = t["r"].to_numpy(float), t["n"].to_numpy(float)
        return np.log(r + 0.5) - np.log(n - r + 0.5)
    return np.log(t["y"].to_numpy(float) + 0.5) - np.log(t["exposure"].to_numpy(float))


def study_log_marginal(model: MAPModel, mu, tau) -> np.ndarray:
    """``log Lⱼ(μ, τ)`` for every study (shape ``mu.shape + (J,)``; constants dropped
    consistently).

    Examples
    --------
    >>> from bayes_iris.map_prior.historical import ankylosing_spondylitis
    >>> m = MAPModel(ankylosing_spondylitis())
    >>> study_log_marginal(m, np.array([-1.0]), np.array([0.3])).shape
    (1, 8)
    """
    mu = np.asarray(mu, float)[..., None]
    tau = np.asarray(tau, float)[..., None]
    t = model.data.table
    if model.data.likelihood == "normal":
        y, se = t["y"].to_numpy(float), t["se"].to_numpy(float)
        return stats.norm.logpdf(y, mu, np.sqrt(se**2 + tau**2))
    f = _loglik_terms(model)
    prec = 1.0 / tau**2
    _, _, d2 = f(_start(model))
    info = -d2
    theta = (prec * mu + info * _start(model)) / (prec + info)     # precision-weighted start
    for _ in range(_NEWTON_STEPS):
        _, g1, g2 = f(theta)
        grad = g1 - prec * (theta - mu)
        hess = g2 - prec
        step = np.clip(grad / hess, -2.0, 2.0)
        theta = theta - step
        if np.max(np.abs(step)) < 1e-10:
            break
    _, _, g2 = f(theta)
    sd = 1.0 / np.sqrt(prec - g2)
    nodes = theta[..., None] + np.sqrt(2.0) * sd[..., None] * _GH_X
    ll, _, _ = f(np.moveaxis(nodes, -1, 0))
    ll = np.moveaxis(ll, 0, -1)
    log_norm = -0.5 * ((nodes - mu[..., None]) ** 2) * prec[..., None] - np.log(
        tau[..., None]) - 0.5 * np.log(2 * np.pi)
    return special.logsumexp(ll + log_norm + _LOG_GH_W, axis=-1) + np.log(np.sqrt(2.0) * sd)


# -- the hyperparameter posterior -----------------------------------------------------------------
def _log_tau_prior(model: MAPModel, tau: np.ndarray) -> np.ndarray:
    p = model.tau_prior
    if p.dist == "half_normal":
        return np.log(2.0) + stats.norm.logpdf(tau, 0.0, p.scale)
    if p.dist == "half_cauchy":
        return np.log(2.0) + stats.cauchy.logpdf(tau, 0.0, p.scale)
    if p.dist == "half_t":
        return np.log(2.0) + stats.t.logpdf(tau, p.nu, 0.0, p.scale)
    return stats.lognorm.logpdf(tau, p.scale, scale=np.exp(p.mu))


def _conditional_centre(model: MAPModel, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Approximate mean and SD of ``μ | τ, y`` (normal approximation of each study, precision
    weights ``1/(seⱼ² + τ²)``, the normal prior on μ included): where the μ nodes of each τ go."""
    t = model.data.table
    if model.data.likelihood == "normal":
        est, se = t["y"].to_numpy(float), t["se"].to_numpy(float)
    else:
        est = _start(model)
        _, _, d2 = _loglik_terms(model)(est)
        se = 1.0 / np.sqrt(-d2)
    m0, s0 = model.mean_prior
    prec_j = 1.0 / (se[None, :] ** 2 + tau[:, None] ** 2)
    prec = prec_j.sum(axis=1) + 1.0 / s0**2
    return (prec_j @ est + m0 / s0**2) / prec, 1.0 / np.sqrt(prec)


def _rows(model: MAPModel, u: np.ndarray, z: np.ndarray):
    """For each ``u = log τ``: μ nodes ``centre + scale·z`` and the log posterior density of
    ``(μ, u)`` at them (the Jacobian ``scale`` of the node map is in the weights, not here)."""
    tau = np.exp(u)
    centre, scale = _conditional_centre(model, tau)
    M = centre[:, None] + scale[:, None] * z[None, :]
    T = np.broadcast_to(tau[:, None], M.shape)
    m0, s0 = model.mean_prior
    lp = (stats.norm.logpdf(M, m0, s0) + _log_tau_prior(model, T) + u[:, None]
          + study_log_marginal(model, M, T).sum(axis=-1))
    return M, T, scale, np.where(np.isnan(lp), -np.inf, lp)


def _int_ndtr(z: np.ndarray) -> np.ndarray:
    """``∫_{-∞}^{z} Φ(x) dx = z Φ(z) + φ(z)``."""
    return z * special.ndtr(z) + np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def cell_cdf(x: np.ndarray, mu: np.ndarray, tau: np.ndarray, delta) -> np.ndarray:
    """CDF at ``x`` of ``N(μ + s, τ²)`` with ``s ~ U(−Δ/2, Δ/2)``: each grid node stands for its
    μ-cell, not a point, so that the small-τ nodes (near point masses) give a continuous
    predictive whose quantiles do not depend on where the grid's nodes fall."""
    r = tau / delta
    return r * (_int_ndtr((x - mu + delta / 2) / tau) - _int_ndtr((x - mu - delta / 2) / tau))


@dataclass(frozen=True)
class MAPGrid:
    """The hyperparameter posterior on a grid: nodes ``mu``, ``tau`` (flattened, weights ``w``
    summing to 1, negligible nodes dropped), each node's μ spacing ``delta`` (each node stands
    for its μ-cell, :func:`cell_cdf`) and the mass on the grid's edges (``edge_mass``: a check
    that the grid holds the posterior)."""

    mu: np.ndarray
    tau: np.ndarray
    w: np.ndarray
    edge_mass: float
    delta: np.ndarray

    def predictive_cdf(self, t) -> np.ndarray:
        """``F(t) = Σ W F_cell((t − μ)/τ)`` of the link-scale MAP predictive."""
        t = np.atleast_1d(np.asarray(t, float))
        out = np.empty(t.size)
        for k in range(0, t.size, 512):
            out[k:k + 512] = cell_cdf(t[k:k + 512, None], self.mu[None, :],
                                      self.tau[None, :], self.delta[None, :]) @ self.w
        return out

    def mu_quantiles(self, q) -> np.ndarray:
        """Quantiles of μ's marginal posterior (each node uniform over its μ-cell)."""
        x = np.linspace((self.mu - self.delta).min(), (self.mu + self.delta).max(), 4001)
        F = np.clip((x[:, None] - self.mu[None, :] + self.delta[None, :] / 2)
                    / self.delta[None, :], 0.0, 1.0) @ self.w
        keep = np.concatenate([[True], np.diff(F) > 0])
        return np.interp(q, F[keep], x[keep])

    def tau_quantiles(self, q) -> np.ndarray:
        """Quantiles of τ's marginal posterior: the mass of each row of the grid (one τ),
        its CDF interpolated linearly in log τ between the rows' midpoints."""
        u = np.log(self.tau)
        rows, inv = np.unique(u, return_inverse=True)
        mass = np.bincount(inv, weights=self.w, minlength=rows.size)
        if rows.size == 1:
            return np.full(np.shape(q), float(np.exp(rows[0])))
        mid = (rows[1:] + rows[:-1]) / 2
        edges = np.concatenate([[2 * rows[0] - mid[0]], mid, [2 * rows[-1] - mid[-1]]])
        F = np.concatenate([[0.0], np.cumsum(mass)])
        return np.exp(np.interp(q, F, edges))

    def moments(self, inverse_link) -> tuple[float, float]:
        """Mean and SD of the predictive on the natural scale (Gauss-Hermite per node)."""
        x = self.mu[:, None] + np.sqrt(2.0) * self.tau[:, None] * _GH_X[None, :]
        v = inverse_link(x)
        wq = _GH_W / np.sqrt(np.pi)
        m1 = float(self.w @ (v @ wq))
        m2 = float(self.w @ ((v**2) @ wq))
        return m1, float(np.sqrt(max(m2 - m1**2, 0.0)))


def hyper_posterior(model: MAPModel) -> MAPGrid:
    """The posterior of ``(μ, τ)`` on an adaptive grid (module docstring).

    Examples
    --------
    >>> from bayes_iris.map_prior.historical import ankylosing_spondylitis
    >>> g = hyper_posterior(MAPModel(ankylosing_spondylitis()))
    >>> round(float(g.w.sum()), 12), g.edge_mass < 1e-6
    (1.0, True)
    """
    scale = model.tau_prior.scale if model.tau_prior.dist != "lognormal" else float(
        np.exp(model.tau_prior.mu))
    z = np.linspace(-_Z, _Z, _FINE)
    wz = np.full(z.size, z[1] - z[0])
    wz[[0, -1]] /= 2
    u_lo = np.log(1e-5 * scale)
    u = np.linspace(u_lo, np.log(1e3 * scale), 61)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(2):   # the range of log τ where its marginal is within e^-30 of the top
            _, _, sc, lp = _rows(model, u, z)
            mx = lp.max()
            if not np.isfinite(mx):
                raise InputError(f"MAP {model.data.name!r}: the posterior is zero on the whole "
                                 "grid", column="data")
            marg = np.log(np.exp(lp - mx) @ wz * sc) + mx
            keep = np.nonzero(marg > marg.max() - _CUT)[0]
            u = np.linspace(u[max(keep[0] - 1, 0)], u[min(keep[-1] + 1, u.size - 1)], _FINE)
        M, T, sc, lp = _rows(model, u, z)
    wu = np.full(u.size, u[1] - u[0])
    wu[[0, -1]] /= 2
    W = np.exp(lp - lp.max()) * wz[None, :] * (sc * wu)[:, None]
    W /= W.sum()
    # mass on the μ edges of every row, and on the upper τ edge (τ → 0 is the grid's own end)
    edge = float(W[:, [0, -1]].sum() + (W[-1].sum() if u[-1] < np.log(1e3 * scale) else 0.0)
                 + (W[0].sum() if u[0] > u_lo + 1e-9 else 0.0))
    delta = np.broadcast_to((sc * (z[1] - z[0]))[:, None], M.shape)
    keep = W > 1e-12 * W.max()
    w = W[keep]
    return MAPGrid(M[keep], T[keep], w / w.sum(), edge, delta[keep])


# -- summaries on the grid ------------------------------------------------------------------------
def predictive_table(grid: MAPGrid, points: int = 2401) -> tuple[np.ndarray, np.ndarray]:
    """``(t, F(t))``: the link-scale predictive CDF on ``points`` nodes between its 10⁻⁸ and
    1 − 10⁻⁸ quantiles (found on a coarse pass); the sample and the cells below interpolate
    it."""
    m = float(grid.w @ grid.mu)
    sd = float(np.sqrt(grid.w @ (grid.tau**2 + grid.mu**2) - m**2))
    t = np.linspace(m - 15 * sd, m + 15 * sd, 301)
    F = grid.predictive_cdf(t)
    lo = t[max(int(np.searchsorted(F, 1e-8)) - 1, 0)]
    hi = t[min(int(np.searchsorted(F, 1 - 1e-8)) + 1, t.size - 1)]
    t = np.linspace(lo, hi, points)
    return t, grid.predictive_cdf(t)


def predictive_quantile_sample(table: tuple[np.ndarray, np.ndarray], n: int = 20_000
                               ) -> np.ndarray:
    """``F⁻¹((i − ½)/n)``, ``i = 1..n`` (link scale): a deterministic sample with the exact
    quantiles of the MAP predictive (``table`` from :func:`predictive_table`)."""
    t, F = table
    keep = np.concatenate([[True], np.diff(F) > 0])
    return np.interp((np.arange(n) + 0.5) / n, F[keep], t[keep])


def predictive_cells(table: tuple[np.ndarray, np.ndarray], cells: int = 1000
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The link-scale MAP predictive as ``cells`` weighted points: midpoints of equal cells
    between its 10⁻⁷ and 1 − 10⁻⁷ quantiles and the cells' masses (``table`` from
    :func:`predictive_table`)."""
    t, F = table
    keep = np.concatenate([[True], np.diff(F) > 0])
    lo, hi = np.interp([1e-7, 1 - 1e-7], F[keep], t[keep])
    edges = np.linspace(lo, hi, cells + 1)
    mass = np.diff(np.interp(edges, t, F))
    return (edges[1:] + edges[:-1]) / 2, np.clip(mass, 0.0, None)


def shrinkage(model: MAPModel, grid: MAPGrid, cells: int = 601) -> pd.DataFrame:
    """Each study's posterior under the random-effects model (natural scale): median, 95 %
    interval and mean, from cell masses on a θ grid (module docstring)."""
    t = model.data.table
    J = len(t)
    if model.data.likelihood == "normal":
        est, spread = t["y"].to_numpy(float), t["se"].to_numpy(float)
    else:
        est = _start(model)
        _, _, d2 = _loglik_terms(model)(est)
        spread = 1.0 / np.sqrt(-d2)
    m = float(grid.w @ grid.mu)
    sd = float(np.sqrt(grid.w @ (grid.tau**2 + grid.mu**2) - m**2))
    lo_pred, hi_pred = m - 6 * sd, m + 6 * sd
    log_L = study_log_marginal(model, grid.mu, grid.tau)           # (G, J)
    rows = []
    for j in range(J):
        lo = min(est[j] - 8 * spread[j], lo_pred)
        hi = max(est[j] + 8 * spread[j], hi_pred)
        edges = np.linspace(lo, hi, cells + 1)
        mid = (edges[1:] + edges[:-1]) / 2
        if model.data.likelihood == "normal":
            ll = stats.norm.logpdf(t["y"].iloc[j], mid, spread[j])
        else:
            ll = _loglik_terms(model)(np.broadcast_to(mid[:, None], (cells, J)))[0][:, j]
        coef = grid.w * np.exp(-(log_L[:, j] - log_L[:, j].max()))
        Phi = cell_cdf(edges[:, None], grid.mu[None, :], grid.tau[None, :], grid.delta)
        mass = np.exp(ll - ll.max()) * (np.diff(Phi, axis=0) @ coef)
        mass = np.clip(mass, 0.0, None)
        mass /= mass.sum()
        cdf = np.concatenate([[0.0], np.cumsum(mass)])
        q = np.interp([0.025, 0.5, 0.975], cdf, edges)
        nat = model.inverse_link(q)
        rows.append({"shrunk_median": float(nat[1]), "shrunk_lower95": float(nat[0]),
                     "shrunk_upper95": float(nat[2]),
                     "shrunk_mean": float(mass @ model.inverse_link(mid))})
    return pd.DataFrame(rows)
