"""Beta and normal mixture distributions: conjugate updates, robustification, ESS, predictives.

A mixture prior ``p(θ) = Σ_k w_k f_k(θ)`` stays a mixture of the same family after a conjugate
update; the posterior weights are proportional to ``w_k`` times the marginal likelihood of the data
under component ``k`` (computed exactly here, in log space). This is the machinery of meta-analytic
predictive priors and their robust versions (Schmidli et al. 2014).

References
----------
Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032.

Neuenschwander B, Weber S, Schmidli H, O'Hagan A (2020). Predictively consistent prior effective
sample sizes. Biometrics 76:578-587.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

from ..errors import InputError

# Gauss-Legendre nodes on [0, 1] after the substitution x = (1 - cos(pi t)) / 2, which clusters
# nodes at 0 and 1 and removes the x^(-1/2) endpoint singularities of Beta(a<1) densities.
_GL_T, _GL_W = np.polynomial.legendre.leggauss(400)
_T = (_GL_T + 1) / 2
UNIT_NODES = (1 - np.cos(np.pi * _T)) / 2
UNIT_WEIGHTS = _GL_W / 2 * (np.pi / 2) * np.sin(np.pi * _T)


def _as_1d(x, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be a non-empty vector of finite numbers, got {x!r}",
                         column=name)
    return arr


def _weights(w, k: int) -> np.ndarray:
    w = _as_1d(w, "weights")
    if w.size != k:
        raise InputError(f"{k} components but {w.size} weights", column="weights")
    if np.any(w < 0) or w.sum() <= 0:
        raise InputError("mixture weights must be non-negative and not all zero", column="weights")
    return w / w.sum()


@dataclass(frozen=True)
class BetaMix:
    """A mixture of beta distributions on a probability ``θ``.

    Parameters
    ----------
    w, a, b
        Weights (normalised on construction) and shape parameters, one per component.

    Examples
    --------
    >>> prior = BetaMix([0.5, 0.5], [1, 10], [1, 30])
    >>> round(prior.mean, 4)
    0.375
    >>> post = prior.posterior(3, 10)
    >>> round(float(post.w.sum()), 6)
    1.0
    """

    w: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def __init__(self, w, a, b) -> None:
        a, b = _as_1d(a, "a"), _as_1d(b, "b")
        if a.size != b.size:
            raise InputError("a and b must have the same length", column="a")
        if np.any(a <= 0) or np.any(b <= 0):
            raise InputError("beta shape parameters must be > 0", column="a",
                             hint="a = b = 1 is the uniform prior")
        object.__setattr__(self, "w", _weights(w, a.size))
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)

    # -- constructors ------------------------------------------------------------------------
    @classmethod
    def single(cls, a: float, b: float) -> BetaMix:
        """One beta component. Example: ``BetaMix.single(1, 1)`` is uniform."""
        return cls([1.0], [a], [b])

    @classmethod
    def from_mean_n(cls, mean: float, n: float) -> BetaMix:
        """Beta with the given mean and prior sample size ``a + b = n``."""
        return cls.single(mean * n, (1 - mean) * n)

    # -- moments -----------------------------------------------------------------------------
    @property
    def n_components(self) -> int:
        return self.a.size

    @property
    def mean(self) -> float:
        return float(np.sum(self.w * self.a / (self.a + self.b)))

    @property
    def var(self) -> float:
        m_k = self.a / (self.a + self.b)
        v_k = self.a * self.b / ((self.a + self.b) ** 2 * (self.a + self.b + 1))
        return float(np.sum(self.w * (v_k + m_k**2)) - self.mean**2)

    @property
    def sd(self) -> float:
        return float(np.sqrt(self.var))

    # -- density, cdf, quantiles -------------------------------------------------------------
    def pdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(self.w * stats.beta.pdf(x, self.a, self.b), axis=-1)

    def logpdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        return special.logsumexp(np.log(self.w) + stats.beta.logpdf(x, self.a, self.b), axis=-1)

    def cdf(self, x) -> np.ndarray:
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)[..., None]
        return np.sum(self.w * special.betainc(self.a, self.b, x), axis=-1)

    def sf(self, x) -> np.ndarray:
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)[..., None]
        return np.sum(self.w * special.betaincc(self.a, self.b, x), axis=-1)

    def ppf(self, q) -> np.ndarray:
        """Quantiles (vectorised bisection on the mixture cdf)."""
        q = np.asarray(q, dtype=float)
        lo, hi = np.zeros_like(q), np.ones_like(q)
        for _ in range(60):
            mid = (lo + hi) / 2
            below = self.cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draws (component by weight, then beta)."""
        k = rng.choice(self.n_components, size=size, p=self.w)
        return rng.beta(self.a[k], self.b[k])

    # -- updating ----------------------------------------------------------------------------
    def log_marginal(self, r: int, n: int) -> np.ndarray:
        """Log marginal likelihood of ``r`` of ``n`` under each component (without the binomial
        coefficient, which is common to all components)."""
        return special.betaln(self.a + r, self.b + n - r) - special.betaln(self.a, self.b)

    def posterior(self, r: int, n: int) -> BetaMix:
        """Conjugate update with ``r`` events in ``n`` patients; exact mixture weights.

        Examples
        --------
        >>> BetaMix.single(1, 1).posterior(3, 10).a.tolist()
        [4.0]
        """
        if not (0 <= r <= n):
            raise InputError(f"need 0 <= r <= n, got r={r}, n={n}", column="r")
        lw = np.log(self.w) + self.log_marginal(r, n)
        return BetaMix(np.exp(lw - special.logsumexp(lw)), self.a + r, self.b + n - r)

    def robustify(self, weight: float, a: float = 1.0, b: float = 1.0) -> BetaMix:
        """Add a vague component ``Beta(a, b)`` with weight ``weight`` (others scaled by 1 - weight).

        Examples
        --------
        >>> BetaMix.single(10, 30).robustify(0.2).w.tolist()
        [0.8, 0.2]
        """
        if not 0 <= weight < 1:
            raise InputError(f"robust weight must be in [0, 1), got {weight}", column="weight")
        return BetaMix(np.append(self.w * (1 - weight), weight), np.append(self.a, a),
                       np.append(self.b, b))

    def predictive(self, n: int) -> np.ndarray:
        """Beta-binomial mixture pmf of the number of events in ``n`` future patients (0..n).

        Examples
        --------
        >>> p = BetaMix.single(1, 1).predictive(4)
        >>> [round(float(v), 3) for v in p]
        [0.2, 0.2, 0.2, 0.2, 0.2]
        """
        y = np.arange(n + 1)[:, None]
        logp = (special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1)
                + special.betaln(self.a + y, self.b + n - y) - special.betaln(self.a, self.b))
        return np.sum(self.w * np.exp(logp), axis=-1)

    # -- effective sample size ---------------------------------------------------------------
    def ess(self, method: Literal["elir", "moment"] = "elir") -> float:
        """Prior effective sample size (in patients).

        ``"elir"`` is the expected local-information-ratio ESS of Neuenschwander et al. (2020):
        ``E_prior[i(θ) / i_F(θ)]`` with ``i(θ) = -d² log p(θ)/dθ²`` and the binomial Fisher
        information ``i_F(θ) = 1/(θ(1-θ))``; it equals ``a + b`` for a single beta.
        ``"moment"`` matches the mixture's mean and variance to one beta and returns its ``a + b``.

        References
        ----------
        Neuenschwander B, Weber S, Schmidli H, O'Hagan A (2020). Predictively consistent prior
        effective sample sizes. Biometrics 76:578-587.

        Examples
        --------
        >>> round(BetaMix.single(3, 7).ess("elir"), 6)
        10.0
        >>> round(BetaMix.single(3, 7).ess("moment"), 6)
        10.0
        """
        if method == "moment":
            m, v = self.mean, self.var
            return float(m * (1 - m) / v - 1)
        if method != "elir":
            raise InputError(f"unknown ESS method {method!r}", column="method",
                             hint="use 'elir' or 'moment'")
        x = UNIT_NODES[:, None]
        f = self.w * stats.beta.pdf(x, self.a, self.b)
        g = (self.a - 1) / x - (self.b - 1) / (1 - x)
        d1 = f * g
        d2 = f * (g**2 - (self.a - 1) / x**2 - (self.b - 1) / (1 - x) ** 2)
        p, p1, p2 = f.sum(-1), d1.sum(-1), d2.sum(-1)
        # p(θ)·i(θ) = -p'' + p'²/p; nodes where the density underflows contribute nothing
        p_info = -p2 + np.divide(p1**2, p, out=np.zeros_like(p), where=p > 0)
        return float(np.sum(UNIT_WEIGHTS * p_info * UNIT_NODES * (1 - UNIT_NODES)))

    def __repr__(self) -> str:
        comps = ", ".join(f"{w:.3g}·Beta({a:.4g}, {b:.4g})"
                          for w, a, b in zip(self.w, self.a, self.b, strict=True))
        return f"BetaMix({comps})"


@dataclass(frozen=True)
class NormMix:
    """A mixture of normal distributions on a real parameter ``θ``.

    ``sigma`` is the sampling SD of one observation (known), used for the ESS and, by default,
    for the vague component of :meth:`robustify`.

    Examples
    --------
    >>> prior = NormMix([1.0], [0.0], [2.0], sigma=4.0)
    >>> prior.ess()
    4.0
    >>> post = prior.posterior(mean=1.0, se=2.0)
    >>> float(post.m[0]), round(float(post.s[0]), 4)
    (0.5, 1.4142)
    """

    w: np.ndarray
    m: np.ndarray
    s: np.ndarray
    sigma: float | None = None

    def __init__(self, w, m, s, sigma: float | None = None) -> None:
        m, s = _as_1d(m, "mean"), _as_1d(s, "sd")
        if m.size != s.size:
            raise InputError("means and sds must have the same length", column="mean")
        if np.any(s <= 0):
            raise InputError("normal sds must be > 0", column="sd")
        if sigma is not None and not sigma > 0:
            raise InputError(f"sigma must be > 0, got {sigma}", column="sigma")
        object.__setattr__(self, "w", _weights(w, m.size))
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "s", s)
        object.__setattr__(self, "sigma", None if sigma is None else float(sigma))

    @classmethod
    def single(cls, mean: float, sd: float, sigma: float | None = None) -> NormMix:
        """One normal component."""
        return cls([1.0], [mean], [sd], sigma=sigma)

    @property
    def n_components(self) -> int:
        return self.m.size

    @property
    def mean(self) -> float:
        return float(np.sum(self.w * self.m))

    @property
    def var(self) -> float:
        return float(np.sum(self.w * (self.s**2 + self.m**2)) - self.mean**2)

    @property
    def sd(self) -> float:
        return float(np.sqrt(self.var))

    def pdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(self.w * stats.norm.pdf(x, self.m, self.s), axis=-1)

    def cdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(self.w * special.ndtr((x - self.m) / self.s), axis=-1)

    def sf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(self.w * special.ndtr((self.m - x) / self.s), axis=-1)

    def ppf(self, q) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        span = 12 * float(np.max(self.s))
        lo = np.full_like(q, float(np.min(self.m)) - span)
        hi = np.full_like(q, float(np.max(self.m)) + span)
        for _ in range(80):
            mid = (lo + hi) / 2
            below = self.cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        k = rng.choice(self.n_components, size=size, p=self.w)
        return rng.normal(self.m[k], self.s[k])

    def posterior(self, mean: float, se: float) -> NormMix:
        """Conjugate update with an observed mean ``mean`` of standard error ``se`` (known).

        The weights are exact: ``w_k · N(mean; m_k, s_k² + se²)``, renormalised.
        """
        if not se > 0:
            raise InputError(f"standard error must be > 0, got {se}", column="se")
        lw = np.log(self.w) + stats.norm.logpdf(mean, self.m, np.sqrt(self.s**2 + se**2))
        prec = 1 / self.s**2 + 1 / se**2
        m = (self.m / self.s**2 + mean / se**2) / prec
        return NormMix(np.exp(lw - special.logsumexp(lw)), m, 1 / np.sqrt(prec), sigma=self.sigma)

    def robustify(self, weight: float, mean: float | None = None, sd: float | None = None
                  ) -> NormMix:
        """Add a vague ``N(mean, sd²)`` component with weight ``weight``.

        Defaults: the mixture's mean and the unit-information sd ``sigma`` (one patient's worth).

        Examples
        --------
        >>> r = NormMix.single(0.0, 1.0, sigma=10.0).robustify(0.2)
        >>> r.w.tolist(), r.s.tolist()
        ([0.8, 0.2], [1.0, 10.0])
        """
        if not 0 <= weight < 1:
            raise InputError(f"robust weight must be in [0, 1), got {weight}", column="weight")
        mean = self.mean if mean is None else mean
        if sd is None:
            if self.sigma is None:
                raise InputError("robustify needs sd= (or a mixture with sigma set)", column="sd")
            sd = self.sigma
        return NormMix(np.append(self.w * (1 - weight), weight), np.append(self.m, mean),
                       np.append(self.s, sd), sigma=self.sigma)

    def predictive(self, se: float) -> NormMix:
        """Predictive distribution of a future mean with standard error ``se``."""
        return NormMix(self.w, self.m, np.sqrt(self.s**2 + se**2), sigma=self.sigma)

    def ess(self, method: Literal["elir", "moment"] = "elir") -> float:
        """Prior effective sample size relative to ``sigma`` (one observation's information).

        ``"elir"``: ``σ² · E_prior[-d² log p(θ)/dθ²]`` (Neuenschwander et al. 2020); ``"moment"``:
        ``σ² / Var(θ)``. Both equal ``σ²/s²`` for a single ``N(m, s²)``.

        References
        ----------
        Neuenschwander B, Weber S, Schmidli H, O'Hagan A (2020). Predictively consistent prior
        effective sample sizes. Biometrics 76:578-587.
        """
        if self.sigma is None:
            raise InputError("ESS of a normal prior needs sigma (the sampling SD)", column="sigma")
        if method == "moment":
            return float(self.sigma**2 / self.var)
        if method != "elir":
            raise InputError(f"unknown ESS method {method!r}", column="method")
        # Gauss-Hermite per component: E_prior[g] = sum_k w_k E_{N(m_k, s_k)}[g]
        z, gw = np.polynomial.hermite_e.hermegauss(80)
        gw = gw / np.sqrt(2 * np.pi)
        x = (self.m[:, None] + self.s[:, None] * z[None, :]).ravel()
        wts = (self.w[:, None] * gw[None, :]).ravel()
        comp = self.w * stats.norm.pdf(x[:, None], self.m, self.s)
        g = -(x[:, None] - self.m) / self.s**2
        p = comp.sum(-1)
        p1 = (comp * g).sum(-1)
        p2 = (comp * (g**2 - 1 / self.s**2)).sum(-1)
        info = -(np.divide(p2, p, out=np.zeros_like(p), where=p > 0)
                 - np.divide(p1, p, out=np.zeros_like(p), where=p > 0) ** 2)
        return float(self.sigma**2 * np.sum(wts * info))

    def __repr__(self) -> str:
        comps = ", ".join(f"{w:.3g}·N({m:.4g}, {s:.4g}²)"
                          for w, m, s in zip(self.w, self.m, self.s, strict=True))
        return f"NormMix({comps})"


def normal_difference(x: NormMix, y: NormMix) -> NormMix:
    """Distribution of ``θx − θy`` for independent normal mixtures (a normal mixture)."""
    w = np.outer(x.w, y.w).ravel()
    m = np.subtract.outer(x.m, y.m).ravel()
    s = np.sqrt(np.add.outer(x.s**2, y.s**2)).ravel()
    return NormMix(w, m, s)


def beta_from_quantiles(q_lo: float, q_hi: float, p_lo: float = 0.025, p_hi: float = 0.975
                        ) -> BetaMix:
    """The beta distribution whose ``p_lo`` and ``p_hi`` quantiles are ``q_lo`` and ``q_hi``.

    For elicitation ("the 28-day mortality on placebo is between 25 % and 45 % with 95 %
    probability").

    Examples
    --------
    >>> d = beta_from_quantiles(0.25, 0.45)
    >>> [round(float(v), 3) for v in d.ppf([0.025, 0.975])]
    [0.25, 0.45]
    """
    from scipy import optimize

    if not (0 < q_lo < q_hi < 1 and 0 < p_lo < p_hi < 1):
        raise InputError(f"need 0 < q_lo < q_hi < 1, got {q_lo}, {q_hi}", column="quantiles")

    def resid(log_ab):
        a, b = np.exp(log_ab)
        return [stats.beta.ppf(p_lo, a, b) - q_lo, stats.beta.ppf(p_hi, a, b) - q_hi]

    m = (q_lo + q_hi) / 2
    sol = optimize.root(resid, np.log([m * 20, (1 - m) * 20]), method="hybr")
    if not sol.success or np.max(np.abs(resid(sol.x))) > 1e-6:
        raise InputError(f"no beta distribution has these quantiles ({q_lo}, {q_hi})",
                         column="quantiles")
    a, b = np.exp(sol.x)
    return BetaMix.single(float(a), float(b))


def normal_from_quantiles(q_lo: float, q_hi: float, p_lo: float = 0.025, p_hi: float = 0.975
                          ) -> NormMix:
    """The normal distribution with quantiles ``q_lo`` (at ``p_lo``) and ``q_hi`` (at ``p_hi``).

    Examples
    --------
    >>> d = normal_from_quantiles(-1.96, 1.96)
    >>> round(d.mean, 6), round(d.sd, 4)
    (0.0, 1.0)
    """
    if not (q_lo < q_hi and 0 < p_lo < p_hi < 1):
        raise InputError(f"need q_lo < q_hi, got {q_lo}, {q_hi}", column="quantiles")
    z_lo, z_hi = stats.norm.ppf([p_lo, p_hi])
    sd = (q_hi - q_lo) / (z_hi - z_lo)
    return NormMix.single(q_lo - z_lo * sd, sd)
