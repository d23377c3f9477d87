"""Success regions of normal-endpoint rules (known sampling SDs), in closed form or by bisection.

With normal (mixture) priors and a known standard error per arm, the posterior probability of
each criterion is monotone in the arm's observed mean (the normal likelihood has a monotone
likelihood ratio), so the criterion holds on a ray: ``ȳ₁ > cut(ȳ₂)`` (upper tail) or
``ȳ₁ < cut(ȳ₂)`` (lower tail). With single-component (or flat) priors the cut is linear in
``ȳ₂``:

``P(μ₁ − μ₂ > q | ȳ) = Φ((m₁ − m₂ − q) / √(v₁ + v₂))``, ``mᵢ = vᵢ(μ₀ᵢ/s₀ᵢ² + ȳᵢ/seᵢ²)``,
``vᵢ = 1/(1/s₀ᵢ² + 1/seᵢ²)``,

so the criterion ``> p`` holds iff ``ȳ₁ > (q + m₂ + z_p √(v₁+v₂) − v₁μ₀₁/s₀₁²)·se₁²/v₁``.
With mixture priors the cut is found by a vectorised bisection. Rules join their criteria's rays
with "and" (an interval) or "or" (a union of an upper and a lower ray); probabilities of the
region under any distribution of ``ȳ₁`` then need only its cdf.

References
----------
Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032. (Conjugate normal-mixture updates, RBesT's decision boundaries.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats

from .distributions import NormMix

Cut = tuple[np.ndarray, bool]  # (cut values, lower_tail)


def _single(prior: NormMix | None) -> tuple[float, float] | None:
    """``(μ₀, s₀²)`` of a one-component prior, ``(0, inf)`` for a flat prior, else ``None``."""
    if prior is None:
        return 0.0, np.inf
    if prior.n_components == 1:
        return float(prior.m[0]), float(prior.s[0] ** 2)
    return None


def _post_single(mu0: float, v0: float, ybar, se: float):
    """Posterior mean and variance of a normal mean under ``N(μ₀, v₀)`` (``v₀ = inf``: flat)."""
    if np.isinf(v0):
        return np.asarray(ybar, float), se**2
    v = 1.0 / (1.0 / v0 + 1.0 / se**2)
    return v * (mu0 / v0 + np.asarray(ybar, float) / se**2), v


def prob_upper_two_arm(prior1, prior2, ybar1, ybar2, se1: float, se2: float, q: float
                       ) -> np.ndarray:
    """``P(μ₁ − μ₂ > q | ȳ₁, ȳ₂)`` for normal-mixture (or flat, ``None``) priors, vectorised."""
    from .rules import _normal_post_arrays

    p1 = prior1 if prior1 is not None else NormMix.single(0.0, 1e8)
    p2 = prior2 if prior2 is not None else NormMix.single(0.0, 1e8)
    w1, m1, s1 = _normal_post_arrays(p1, ybar1, se1)
    w2, m2, s2 = _normal_post_arrays(p2, ybar2, se2)
    w = w1[..., :, None] * w2[..., None, :]
    m = m1[..., :, None] - m2[..., None, :]
    s = np.sqrt(s1[..., :, None] ** 2 + s2[..., None, :] ** 2)
    return np.sum(w * special.ndtr((m - q) / s), axis=(-2, -1))


def _bisect(ok: Callable[[np.ndarray], np.ndarray], lower_tail: bool, shape, lo_b, hi_b
            ) -> np.ndarray:
    """The point where a monotone boolean function of ``ȳ₁`` flips, per node (±inf if it
    holds over the whole bracket, ∓inf if nowhere)."""
    a = np.broadcast_to(np.asarray(lo_b, float), shape).copy()
    b = np.broadcast_to(np.asarray(hi_b, float), shape).copy()
    ok_a, ok_b = ok(a), ok(b)
    for _ in range(64):
        mid = (a + b) / 2
        flipped = ~ok(mid) if lower_tail else ok(mid)
        b, a = np.where(flipped, mid, b), np.where(flipped, a, mid)
    cut = (a + b) / 2
    if lower_tail:  # holds below the cut
        return np.where(~ok_a, -np.inf, np.where(ok_b, np.inf, cut))
    return np.where(ok_a, -np.inf, np.where(~ok_b, np.inf, cut))


def two_arm_cuts(rule, prior1, prior2, y2, se1: float, se2: float, lo_b, hi_b) -> list[Cut]:
    """Per criterion of ``rule`` (a BayesRule or ZTestRule), the cut in ``ȳ₁`` at each ``ȳ₂``.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> r = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> (cut, lower), = two_arm_cuts(r, None, None, np.array([0.0]), 1.0, 1.0, -10, 10)
    >>> round(float(cut[0]), 4), lower  # flat priors: the z-test, 1.96·√2
    (2.7718, False)
    """
    y2 = np.asarray(y2, float)
    if getattr(rule, "kind", "") == "ztest":
        se = np.sqrt(se1**2 + se2**2)
        if rule.alternative == "greater":
            return [(y2 + rule.z_crit * se, False)]
        return [(y2 - rule.z_crit * se, True)]
    out = []
    s1, s2 = _single(prior1), _single(prior2)
    for c in rule.criteria:
        if s1 is not None and s2 is not None:
            m2, v2 = _post_single(*s2, y2, se2)
            _, v1 = _post_single(*s1, 0.0, se1)
            z = stats.norm.ppf(c.prob)
            sv = np.sqrt(v1 + v2)
            target = c.threshold + m2 + (-z if c.lower_tail else z) * sv  # bound on m₁
            prior_part = 0.0 if np.isinf(s1[1]) else v1 * s1[0] / s1[1]
            cut = (target - prior_part) * se1**2 / v1
            out.append((np.asarray(cut, float), c.lower_tail))
            continue

        def ok(v, c=c):
            up = prob_upper_two_arm(prior1, prior2, v, y2, se1, se2, c.threshold)
            return ((1 - up) if c.lower_tail else up) > c.prob

        out.append((_bisect(ok, c.lower_tail, y2.shape, lo_b, hi_b), c.lower_tail))
    return out


def one_arm_cuts(rule, prior: NormMix | None, se: float, lo_b: float, hi_b: float
                 ) -> list[tuple[float, bool]]:
    """Per criterion of a one-arm rule, the cut in ``ȳ`` (a normal mean with known ``se``)."""
    out = []
    s = _single(prior)
    for c in rule.criteria:
        if s is not None:
            _, v = _post_single(*s, 0.0, se)
            z = stats.norm.ppf(c.prob)
            target = c.threshold + (-z if c.lower_tail else z) * np.sqrt(v)
            prior_part = 0.0 if np.isinf(s[1]) else v * s[0] / s[1]
            out.append((float((target - prior_part) * se**2 / v), c.lower_tail))
            continue
        from .rules import _normal_post_arrays

        def ok(v, c=c):
            w, m, sd = _normal_post_arrays(prior, v, se)
            up = np.sum(w * special.ndtr((m - c.threshold) / sd), axis=-1)
            return ((1 - up) if c.lower_tail else up) > c.prob

        cut = _bisect(ok, c.lower_tail, (1,), lo_b, hi_b)
        out.append((float(cut[0]), c.lower_tail))
    return out


def region_probability(cuts: list[Cut], combine: str, cdf: Callable[[np.ndarray], np.ndarray]
                       ) -> np.ndarray:
    """``P(ȳ₁ in the region)`` given each criterion's ray and the cdf of ``ȳ₁`` (vectorised over
    the nodes the cuts are given at). ``"all"``: an interval; ``"any"``: a union of rays."""
    uppers = [np.asarray(c, float) for c, lower in cuts if not lower]
    lowers = [np.asarray(c, float) for c, lower in cuts if lower]
    shape = np.broadcast_shapes(*(np.shape(c) for c, _ in cuts))
    if combine == "all":
        lo = np.maximum.reduce(uppers) if uppers else np.full(shape, -np.inf)
        hi = np.minimum.reduce(lowers) if lowers else np.full(shape, np.inf)
        return np.where(hi > lo, cdf(hi) - cdf(np.minimum(lo, hi)), 0.0)
    u = np.minimum.reduce(uppers) if uppers else np.full(shape, np.inf)
    lo_ray = np.maximum.reduce(lowers) if lowers else np.full(shape, -np.inf)
    return np.where(lo_ray >= u, 1.0, (1.0 - cdf(u)) + cdf(lo_ray))


def hermite_nodes(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Probabilists' Gauss-Hermite nodes and weights for ``E[g(Z)]``, ``Z ~ N(0, 1)``."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / np.sqrt(2 * np.pi)
