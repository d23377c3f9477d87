"""Quadrature over design priors, and exact binary OC at many true rates at once.

``dist_nodes(dist, lo, hi)`` gives nodes and weights with ``Σ w g(x) ≈ E[g(X); lo < X < hi]``
for a beta mixture, a normal mixture or a fixed value: per component, Gauss-Legendre in the
component's probability scale ``u = F(x)`` (nodes clustered at both ends by
``u = (1 − cos πt)/2``), so each component's mass is integrated exactly for constant ``g`` and
the integrand ``g(F⁻¹(u))`` is smooth wherever ``g`` is. ``lo``/``hi`` may be arrays (one bound
per outer node), which gives the conditional nodes of a two-dimensional region such as
``θ_t ≤ RR·θ_c``.

References
----------
Davis PJ, Rabinowitz P (1984). Methods of Numerical Integration, 2nd ed. Academic Press.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .distributions import BetaMix, NormMix


def _unit_rule(m: int) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(m)
    t = (t + 1) / 2
    return (1 - np.cos(np.pi * t)) / 2, w / 2 * (np.pi / 2) * np.sin(np.pi * t)


_RULES = {m: _unit_rule(m) for m in (16, 24, 32, 48, 64)}
NODES01, WEIGHTS01 = _RULES[48]


def _cdf_k(dist, k: int, x):
    if isinstance(dist, BetaMix):
        return special.betainc(dist.a[k], dist.b[k], np.clip(x, 0.0, 1.0))
    return special.ndtr((x - dist.m[k]) / dist.s[k])


def _ppf_k(dist, k: int, u):
    if isinstance(dist, BetaMix):
        return special.betaincinv(dist.a[k], dist.b[k], u)
    return dist.m[k] + dist.s[k] * special.ndtri(u)


def dist_nodes(dist, lo=-np.inf, hi=np.inf, m: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``x`` and weights ``w`` (shape ``(..., m)`` for bounds of shape ``(...)``).

    Examples
    --------
    >>> x, w = dist_nodes(BetaMix([0.5, 0.5], [2, 20], [5, 10]))
    >>> round(float(w.sum()), 12), round(float(w @ x), 6)  # 0.5·2/7 + 0.5·20/30
    (1.0, 0.47619)
    >>> x, w = dist_nodes(NormMix.single(0.0, 1.0), hi=0.0)
    >>> round(float(w.sum()), 12)
    0.5
    """
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    if not isinstance(dist, BetaMix | NormMix):
        v = float(dist)
        inside = ((lo < v) | np.isneginf(lo)) & (v <= hi)
        return np.full((*lo.shape, 1), v), inside[..., None].astype(float)
    nodes, weights = _RULES[m] if m in _RULES else _unit_rule(m)
    xs, ws = [], []
    for k in range(dist.n_components):
        u_lo, u_hi = _cdf_k(dist, k, lo), _cdf_k(dist, k, hi)
        span = np.clip(u_hi - u_lo, 0.0, None)
        u = u_lo[..., None] + span[..., None] * nodes
        u = np.clip(u, 1e-300, 1 - 1e-16)
        xs.append(_ppf_k(dist, k, u))
        ws.append(dist.w[k] * span[..., None] * weights)
    return np.concatenate(xs, axis=-1), np.concatenate(ws, axis=-1)


def binom_cdf_table(n: int, theta: np.ndarray) -> np.ndarray:
    """``F[j, y] = P(Bin(n, θ_j) ≤ y)`` for all ``y = 0..n`` (log-space pmf, cumulated)."""
    theta = np.clip(np.asarray(theta, float).ravel(), 0.0, 1.0)
    y = np.arange(n + 1)
    logc = special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = (logc + special.xlogy(y, theta[:, None]) + special.xlog1py(n - y, -theta[:, None]))
    return np.minimum(np.cumsum(np.exp(lp), axis=1), 1.0)


def binom_pmf_table(n: int, theta: np.ndarray) -> np.ndarray:
    """``P[j, y] = Bin(y; n, θ_j)``."""
    F = binom_cdf_table(n, theta)
    return np.diff(F, axis=1, prepend=0.0)


def binary_oc_many(D: np.ndarray, theta1, theta2, intervals=None) -> np.ndarray:
    """Exact ``P(success)`` of a decision matrix ``D[y₁, y₂]`` at many true-rate pairs.

    With contiguous columns (``intervals = (lo, hi)`` per ``y₂``), ``P(success | θ₁, y₂)`` is a
    difference of binomial cdfs, so the cost is ``O(pairs × (n₁ + n₂))``.

    Examples
    --------
    >>> D = np.triu(np.ones((4, 4), bool), k=1).T  # success iff y1 > y2
    >>> float(binary_oc_many(D, [0.5], [0.5])[0])  # (1 - P(Y1 = Y2)) / 2 = (1 - 20/64) / 2
    0.34375
    """
    t1 = np.asarray(theta1, float).ravel()
    t2 = np.asarray(theta2, float).ravel()
    n1, n2 = D.shape[0] - 1, D.shape[1] - 1
    u2, inv2 = np.unique(t2, return_inverse=True)  # control rates repeat across inner nodes
    P2 = binom_pmf_table(n2, u2)[inv2]
    if intervals is None:
        P1 = binom_pmf_table(n1, t1)
        return np.einsum("ji,ik,jk->j", P1, D.astype(float), P2)
    lo, hi = intervals
    F1 = binom_cdf_table(n1, t1)
    F1 = np.concatenate([np.zeros((F1.shape[0], 1)), F1], axis=1)  # index y+1 ↔ F(y)
    upper = F1[:, np.clip(hi, -1, n1) + 1]
    lower = F1[:, np.clip(lo - 1, -1, n1) + 1]
    cond = np.where((lo <= hi)[None, :], upper - lower, 0.0)
    return np.sum(cond * P2, axis=1)
