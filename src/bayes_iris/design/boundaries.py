"""Exact decision boundaries of two-sample binary rules over all outcomes, fast.

For a criterion ``P(g(θ₁) − g(θ₂) > q | y₁, y₂) > p`` with beta-mixture priors, the posterior
probability is monotone in each count (binomial likelihoods have a monotone likelihood ratio, so
the posterior of ``θ₁`` is stochastically increasing in ``y₁`` whatever the prior), so the success
region at fixed ``y₂`` is a ray in ``y₁``: the rule is fully described by one critical count per
``y₂``. This module finds all of them at once.

The posterior probability is written as one integral over the control rate,

``P(y₁, y₂) = ∫ f₂(x | y₂) S₁(t(x) | y₁) dx``,

with ``f₂`` the control posterior, ``S₁`` the treatment posterior's survival function and ``t``
the threshold map of the rule's scale (``x + q``, ``x·eᑫ``, ``expit(logit x + q)``). Both factors
are tabulated on one shared grid of nodes, for every count at once:

* the integral is taken in ``η = logit x`` after the map ``η = A·sinh(s/A)`` (uniform steps in
  ``s``): the trapezoid rule on the whole line converges geometrically for smooth integrands
  (error of order ``exp(−2π²σ²/h²)`` for features of width ``σ`` and steps ``h``; steps of
  0.85 σ leave ~1e-12), the sinh map widens the steps in the far tails where every posterior
  is wide, and the range ``|η| ≤ 40`` leaves less than ~1e-8 of mass outside for any shape
  parameter of at least ½ (far below the re-check band);
* ``f₂(η | y₂)`` is a product of powers, one ``exp`` per node and count;
* ``S₁`` for all counts comes from one incomplete-beta evaluation per node and the exact
  recursion ``I_z(a+1, b−1) = I_z(a, b) − z^a (1−z)^(b−1) / (a·B(a, b))`` (Abramowitz & Stegun
  26.5.16), i.e. one ``exp`` per node and count instead of one incomplete beta function.

Critical counts are then found by a vectorised bisection over ``y₁`` for every ``y₂`` at once,
each probe a dot product over the grid. The quadrature error is estimated at every probe by the
same sum on every other node (``|P_h − P_2h|``); where the threshold map has a kink (identity
scale with ``q ≠ 0``, log scale with ``q > 0``) the rule is only second order and the estimate
is larger. Any boundary cell whose probability lies within ``max(20·error, 1e-6)`` of ``p`` is
decided again by the reference kernel :func:`bayes_iris.design.rules.beta_prob_upper` (the same
one :meth:`~bayes_iris.design.rules.BayesRule.decide` uses), so the matrix agrees with
cell-by-cell decisions.

References
----------
Abramowitz M, Stegun IA (1964). Handbook of Mathematical Functions, 26.5.16 (recurrence of the
incomplete beta function).

Trefethen LN, Weideman JAC (2014). The exponentially convergent trapezoidal rule. SIAM Review
56:385-458.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

Scale = Literal["identity", "log", "logit"]

#: Half-width of the grid in η = logit(x) and the sinh stretch A.
ETA_MAX = 40.0
SINH_A = 4.0
#: Step in η at the centre, as a fraction of the narrowest posterior SD on the logit scale.
STEP_FRACTION = 0.85
#: Cells whose probability is this close to the threshold are re-decided by the reference kernel.
MIN_BAND = 1e-6


def _eta_grid(n_max_info: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``η`` and trapezoid weights ``h·dη/ds`` for posteriors with up to ``n_max_info``
    patients' worth of information (``a + b``)."""
    sd_min = 2.0 / np.sqrt(n_max_info)  # logit-scale SD of Beta(a, b) is ≥ ≈ 2/√(a+b)
    h = STEP_FRACTION * sd_min
    s_max = SINH_A * np.arcsinh(ETA_MAX / SINH_A)
    m = int(np.ceil(s_max / h))
    s = np.arange(-m, m + 1) * h
    return SINH_A * np.sinh(s / SINH_A), h * np.cosh(s / SINH_A)


def _log_x(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log x`` and ``log(1 − x)`` for ``x = expit(η)``, stable in both tails."""
    return -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)


def _post_weights(w, a, b, n: int) -> np.ndarray:
    """Posterior mixture weights for every count ``y = 0..n``: shape ``(n+1, K)``."""
    y = np.arange(n + 1)[:, None]
    lw = np.log(w) + special.betaln(a + y, b + n - y) - special.betaln(a, b)
    return np.exp(lw - special.logsumexp(lw, axis=1, keepdims=True))


def density_table(w, a, b, n: int, eta: np.ndarray, dw: np.ndarray) -> np.ndarray:
    """``W[y, g] = f(η_g | y) · weight_g``: the posterior density of the logit rate after ``y`` of
    ``n`` events, times the quadrature weights (rows sum to ≈ 1).

    ``log f = (a+y) log x + (b+n−y) log(1−x) − log B(a+y, b+n−y) = [a log x + (b+n) log(1−x)]
    + y η − log B(·)``: one outer product and one ``exp`` per entry and component.
    """
    lx, l1x = _log_x(eta)
    pw = _post_weights(w, a, b, n)
    y = np.arange(n + 1)
    y_eta = np.multiply.outer(y.astype(float), eta)
    out = np.zeros((n + 1, eta.size))
    tmp = np.empty_like(out)
    for k in range(len(w)):
        ak, bk = a[k] + y, b[k] + n - y
        row = np.log(np.maximum(pw[:, k], 1e-300)) - special.betaln(ak, bk)
        np.add(y_eta, (a[k] * lx + (b[k] + n) * l1x)[None, :], out=tmp)
        tmp += row[:, None]
        np.exp(tmp, out=tmp)
        out += tmp
    out *= dw[None, :]
    return out


def survival_table(w, a, b, n: int, z: np.ndarray) -> np.ndarray:
    """``S[y, g] = P(θ > z_g | y of n events)`` for every count, by the incomplete-beta recursion.

    Examples
    --------
    >>> z = np.array([0.1, 0.5, 0.9])
    >>> S = survival_table(np.ones(1), np.array([1.5]), np.array([2.0]), 6, z)
    >>> ref = special.betaincc(1.5 + np.arange(7)[:, None], 2.0 + 6 - np.arange(7)[:, None], z)
    >>> bool(np.allclose(S, ref, atol=1e-13))
    True
    """
    z = np.asarray(z, float)
    inside = (z > 0) & (z < 1)
    zi = z[inside]
    lz, l1z = np.log(zi), np.log1p(-zi)
    pw = _post_weights(w, a, b, n)
    y = np.arange(n)
    y_logit = np.multiply.outer(y.astype(float), lz - l1z)
    out = np.zeros((n + 1, z.size))
    step = np.empty((n, zi.size))
    for k in range(len(w)):
        ay, by = a[k] + y, b[k] + n - y
        # I_z(a+y+1, b+n-y-1) = I_z(a+y, b+n-y) - z^(a+y) (1-z)^(b+n-y-1) / ((a+y) B(a+y, b+n-y))
        np.add(y_logit, (a[k] * lz + (b[k] + n - 1) * l1z)[None, :], out=step)
        step -= (np.log(ay) + special.betaln(ay, by))[:, None]
        np.exp(step, out=step)
        cdf = np.empty((n + 1, zi.size))
        cdf[0] = special.betainc(a[k], b[k] + n, zi)
        np.cumsum(step, axis=0, out=cdf[1:])
        np.subtract(cdf[0][None, :], cdf[1:], out=cdf[1:])
        np.clip(cdf, 0.0, 1.0, out=cdf)
        comp = np.zeros((n + 1, z.size))
        comp[:, inside] = 1.0 - cdf
        comp[:, z <= 0] = 1.0
        out += pw[:, k: k + 1] * comp
    return out


def _threshold_map(eta: np.ndarray, q: float, scale: Scale) -> np.ndarray:
    x = special.expit(eta)
    if scale == "identity":
        return np.clip(x + q, 0.0, 1.0)
    if scale == "log":
        return np.clip(x * np.exp(q), 0.0, 1.0)
    return special.expit(eta + q)


def critical_counts(prior1, prior2, n1: int, n2: int, q: float, prob: float,
                    lower_tail: bool, scale: Scale, reference) -> np.ndarray:
    """For every ``y₂ = 0..n₂``, the first ``y₁`` at which the criterion flips.

    Upper tail: the criterion holds iff ``y₁ ≥ c[y₂]``; lower tail: iff ``y₁ < c[y₂]``
    (``c`` ranges over ``0..n₁+1``). ``reference(y1, y2) -> P_upper`` decides ambiguous cells.
    """
    info = max(float(np.max(prior1.a + prior1.b)) + n1, float(np.max(prior2.a + prior2.b)) + n2)
    eta, dw = _eta_grid(info)
    W = density_table(prior2.w, prior2.a, prior2.b, n2, eta, dw)
    S = survival_table(prior1.w, prior1.a, prior1.b, n1, _threshold_map(eta, q, scale))

    def holds(y1: np.ndarray) -> np.ndarray:
        rows = S[np.clip(y1, 0, n1)]
        up = np.einsum("ij,ij->i", rows, W)
        p = 1.0 - up if lower_tail else up
        return p > prob

    # holds(y1) is monotone in y1: increasing (upper tail) or decreasing (lower tail).
    lo = np.zeros(n2 + 1, int)  # first flip in [lo, hi]
    hi = np.full(n2 + 1, n1 + 1)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        flipped = holds(mid) != lower_tail  # upper: holds; lower: no longer holds
        act = lo < hi
        hi = np.where(act & flipped, mid, hi)
        lo = np.where(act & ~flipped, mid + 1, lo)
    crit = lo

    # verify the two cells around each boundary; re-decide ambiguous ones with the reference.
    # A smooth integrand converges geometrically (the h-rule error is about the 2h-rule error to
    # the fourth power), a kinked one only as h²: only then is |P_h − P_2h| a useful band.
    kinked = (scale == "identity" and q != 0) or (scale == "log" and q > 0)
    if kinked:
        W2 = np.zeros_like(W)
        W2[:, ::2] = 2 * W[:, ::2]  # every other node, doubled weights: the same rule with 2h
    ambiguous = np.zeros(n2 + 1, bool)
    for cand in (crit - 1, crit):
        ok = (cand >= 0) & (cand <= n1)
        rows = S[np.clip(cand, 0, n1)]
        up = np.einsum("ij,ij->i", rows, W)
        p = 1.0 - up if lower_tail else up
        band = MIN_BAND
        if kinked:
            err = np.abs(up - np.einsum("ij,ij->i", rows, W2))
            band = np.maximum(2 * err, MIN_BAND)
        ambiguous |= ok & (np.abs(p - prob) <= band)
    for y2 in np.nonzero(ambiguous)[0]:
        c = int(crit[y2])

        def flipped(y1, y2=int(y2)):
            up = reference(y1, y2)
            return (((1 - up) if lower_tail else up) > prob) != lower_tail

        while c <= n1 and not flipped(c):
            c += 1
        while c > 0 and flipped(c - 1):
            c -= 1
        crit[y2] = c
    return crit
