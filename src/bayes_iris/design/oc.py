"""Operating characteristics: P(success) as a function of the true parameters.

Binary endpoints: exact, by enumerating both arms' outcomes against the rule's decision matrix,
``OC(θ₁, θ₂) = Σ Bin(y₁; n₁, θ₁) Bin(y₂; n₂, θ₂) D[y₁, y₂]``. Normal endpoints (known sampling SD):
Gauss-Hermite quadrature over the control mean with, at each node, the exact critical values of
the treatment mean (the success region in ``ȳ₁`` is an interval because posterior probabilities
are monotone in ``ȳ₁``); closed form for the z-test.

References
----------
Schmidli H, et al. (2014). Robust meta-analytic-predictive priors in clinical trials with
historical control information. Biometrics 70:1023-1032 (Table 2: OC of the dual design).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from ..errors import InputError
from .distributions import BetaMix, NormMix
from .rules import BayesRule, Rule, ZTestRule, rule_decision_matrix


def _check_n(n, name):
    try:
        ok = bool(np.isfinite(n)) and int(n) == n and n >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"{name} must be a positive integer, got {n!r}", column=name)
    return int(n)


@dataclass
class BinaryDesign:
    """A two-arm binary design: rule, analysis priors and sample sizes (arm 1 = treatment).

    The decision matrix is computed once, lazily.

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> d = BinaryDesign(BayesRule(criteria=[Criterion(prob=0.975)]),
    ...                  BetaMix.single(1, 1), BetaMix.single(1, 1), 40, 38)
    >>> 0.01 < float(d.oc(0.3, 0.3)) < 0.03  # type I error, Schmidli et al. (2014) Table 2
    True
    """

    rule: Rule
    prior1: BetaMix | None
    prior2: BetaMix | None
    n1: int
    n2: int
    _D: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.n1, self.n2 = _check_n(self.n1, "n1"), _check_n(self.n2, "n2")

    @property
    def decision(self) -> np.ndarray:
        """``D[y₁, y₂]`` (bool, shape ``(n₁+1, n₂+1)``)."""
        if self._D is None:
            self._D = rule_decision_matrix(self.rule, self.prior1, self.prior2, self.n1, self.n2)
        return self._D

    def intervals(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per ``y₂``, the success interval ``lo ≤ y₁ ≤ hi`` (``lo > hi``: empty), or ``None`` if
        some column is not contiguous."""
        D = self.decision
        any_ = D.any(axis=0)
        lo = np.where(any_, D.argmax(axis=0), self.n1 + 1)
        hi = np.where(any_, self.n1 - D[::-1].argmax(axis=0), -1)
        if int(D.sum()) != int(np.sum(np.maximum(hi - lo + 1, 0))):
            return None
        return lo, hi

    def oc(self, theta1, theta2) -> np.ndarray:
        """Exact P(success) at true rates ``theta1`` (treatment) and ``theta2`` (control)."""
        t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
        p1 = stats.binom.pmf(np.arange(self.n1 + 1), self.n1, t1[..., None])
        p2 = stats.binom.pmf(np.arange(self.n2 + 1), self.n2, t2[..., None])
        return np.einsum("...i,ij,...j->...", p1, self.decision.astype(float), p2)

    def success_given(self, theta1, y2) -> np.ndarray:
        """P(success | θ₁, y₂): exact over ``y₁`` (used for Rao-Blackwellised Monte Carlo)."""
        theta1 = np.asarray(theta1, float)
        y2 = np.asarray(y2, int)
        iv = self.intervals()
        if iv is None:
            p1 = stats.binom.pmf(np.arange(self.n1 + 1), self.n1, theta1[..., None])
            return np.sum(p1 * self.decision[:, y2].T, axis=-1)
        lo, hi = iv[0][y2], iv[1][y2]
        upper = stats.binom.cdf(hi, self.n1, theta1)
        lower = stats.binom.cdf(lo - 1, self.n1, theta1)
        return np.where(lo <= hi, upper - lower, 0.0)


def oc_binary(rule: Rule, prior1: BetaMix | None, prior2: BetaMix | None, n1: int, n2: int,
              theta1, theta2) -> np.ndarray:
    """Exact probability of success of a two-arm binary design at the true rates.

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> r = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> power = oc_binary(r, BetaMix.single(1, 1), BetaMix.single(1, 1), 40, 38, 0.4, 0.1)
    >>> 0.85 < float(power) < 0.92
    True
    """
    return BinaryDesign(rule, prior1, prior2, n1, n2).oc(theta1, theta2)


@dataclass
class NormalDesign:
    """A two-arm normal design with known sampling SD ``sigma`` (arm 1 = treatment).

    Examples
    --------
    >>> d = NormalDesign(ZTestRule(alpha=0.025), None, None, 100, 100, sigma=1.0)
    >>> round(float(d.oc(0.4, 0.0)), 3)  # power of the z-test, 1 - Φ(1.96 - 0.4/√0.02)
    0.807
    """

    rule: Rule
    prior1: NormMix | None
    prior2: NormMix | None
    n1: int
    n2: int
    sigma: float

    def __post_init__(self) -> None:
        self.n1, self.n2 = _check_n(self.n1, "n1"), _check_n(self.n2, "n2")
        if not self.sigma > 0:
            raise InputError(f"sigma must be > 0, got {self.sigma}", column="sigma")
        if isinstance(self.rule, BayesRule) and (self.prior1 is None or self.prior2 is None):
            raise InputError("a Bayesian rule needs analysis priors for both arms",
                             column="prior")

    @property
    def se1(self) -> float:
        return self.sigma / np.sqrt(self.n1)

    @property
    def se2(self) -> float:
        return self.sigma / np.sqrt(self.n2)

    def decide(self, ybar1, ybar2) -> np.ndarray:
        return self.rule.decide_normal(self.prior1, self.prior2, ybar1, ybar2, self.se1,
                                       self.se2)

    def oc(self, theta1, theta2, n_nodes: int = 64) -> np.ndarray:
        """P(success) at true means (quadrature over ȳ₂, exact critical ȳ₁ by bisection)."""
        t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
        if isinstance(self.rule, ZTestRule):
            se = np.sqrt(self.se1**2 + self.se2**2)
            z = (t1 - t2) / se
            zc = self.rule.z_crit
            return special.ndtr(z - zc) if self.rule.alternative == "greater" else special.ndtr(
                -z - zc)
        z, gw = np.polynomial.hermite_e.hermegauss(n_nodes)
        gw = gw / np.sqrt(2 * np.pi)
        out = np.empty(t1.shape)
        for idx in np.ndindex(t1.shape):
            y2 = t2[idx] + self.se2 * z
            lo, hi = self.success_interval(y2, t1[idx] - 12 * self.se1, t1[idx] + 12 * self.se1)
            p = special.ndtr((hi - t1[idx]) / self.se1) - special.ndtr((lo - t1[idx]) / self.se1)
            out[idx] = np.sum(gw * np.maximum(p, 0.0))
        return out

    def success_interval(self, y2, lo_b: float, hi_b: float) -> tuple[np.ndarray, np.ndarray]:
        """For each control mean in ``y2``, the interval ``(lo, hi)`` of treatment means ``ȳ₁``
        giving success, searched within ``[lo_b, hi_b]`` (±inf when the rule holds at a bound).
        """
        y2 = np.asarray(y2, float)
        n = y2.size
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        if isinstance(self.rule, ZTestRule):
            se = np.sqrt(self.se1**2 + self.se2**2)
            if self.rule.alternative == "greater":
                return y2 + self.rule.z_crit * se, hi
            return lo, y2 - self.rule.z_crit * se
        for c in self.rule.criteria:
            single = self.rule.model_copy(update={"criteria": [c]})

            def ok(v, single=single):
                return single.decide_normal(self.prior1, self.prior2, v, y2, self.se1, self.se2)

            a, b = np.full(n, lo_b), np.full(n, hi_b)
            ok_a, ok_b = ok(a), ok(b)
            for _ in range(60):
                mid = (a + b) / 2
                flipped = ~ok(mid) if c.lower_tail else ok(mid)
                b, a = np.where(flipped, mid, b), np.where(flipped, a, mid)
            cut = (a + b) / 2
            if c.lower_tail:  # success below cut
                hi = np.minimum(hi, np.where(~ok_a, -np.inf, np.where(ok_b, np.inf, cut)))
            else:
                lo = np.maximum(lo, np.where(ok_a, -np.inf, np.where(~ok_b, np.inf, cut)))
        return lo, hi


def oc_normal(rule: Rule, prior1: NormMix | None, prior2: NormMix | None, n1: int, n2: int,
              sigma: float, theta1, theta2) -> np.ndarray:
    """Probability of success of a two-arm normal design at the true means.

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> r = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> flat = NormMix.single(0.0, 1e3)
    >>> round(float(oc_normal(r, flat, flat, 100, 100, 1.0, 0.4, 0.0)), 3)
    0.807
    """
    return NormalDesign(rule, prior1, prior2, n1, n2, sigma).oc(theta1, theta2)
