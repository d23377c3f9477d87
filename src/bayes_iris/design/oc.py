"""Operating characteristics: P(success) as a function of the true parameters.

Binary endpoints: exact, by enumerating both arms' outcomes against the rule's decision matrix,
``OC(θ₁, θ₂) = Σ Bin(y₁; n₁, θ₁) Bin(y₂; n₂, θ₂) D[y₁, y₂]``. Normal endpoints (a known sampling
SD per arm, ``sigma`` and ``sigma2``): Gauss-Hermite quadrature over the control mean with, at
each node, the exact region of treatment means (rays per criterion, joined by the rule's
``combine``; :mod:`bayes_iris.design.normal_regions`); closed form for the z-test.

Three-zone rules (:class:`~bayes_iris.design.decisions.ThreeZoneRule`): ``oc`` is P(Go) and
``zones`` gives P(Go), P(Consider), P(No-Go) (summing to one) and P(both rules hold).

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
from .decisions import ThreeZoneRule, zone_table
from .distributions import BetaMix, NormMix
from .normal_regions import hermite_nodes, region_probability, two_arm_cuts
from .rules import BayesRule, Rule, ZTestRule, rule_decision_matrix


def split_total(n_total: int, allocation: float) -> tuple[int, int]:
    """Treatment and control sizes of a total ``n_total`` at ``allocation`` (treatment :
    control), rounding the treatment arm; each arm at least 1.

    Examples
    --------
    >>> split_total(90, 2.0)
    (60, 30)
    """
    n_t = round(n_total * allocation / (1 + allocation))
    return max(n_t, 1), max(n_total - n_t, 1)


def _both(rule):
    """A BayesRule holding every criterion of a three-zone rule's go and nogo rules."""
    return rule.go.model_copy(update={"criteria": [*rule.go.criteria, *rule.nogo.criteria],
                                      "combine": "all"})


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

    rule: Rule | ThreeZoneRule
    prior1: BetaMix | None
    prior2: BetaMix | None
    n1: int
    n2: int
    _D: np.ndarray | None = field(default=None, repr=False)
    _Z: np.ndarray | None = field(default=None, repr=False)

    kind = "two_arm_binary"

    def __post_init__(self) -> None:
        self.n1, self.n2 = _check_n(self.n1, "n1"), _check_n(self.n2, "n2")

    @property
    def n_total(self) -> int:
        return self.n1 + self.n2

    def with_n(self, n1: int, n2: int) -> BinaryDesign:
        """The same rule and priors with other sample sizes."""
        return BinaryDesign(self.rule, self.prior1, self.prior2, n1, n2)

    @property
    def decision(self) -> np.ndarray:
        """``D[y₁, y₂]`` (bool, shape ``(n₁+1, n₂+1)``); for a three-zone rule, the Go region."""
        if self._D is None:
            rule = self.rule.go if isinstance(self.rule, ThreeZoneRule) else self.rule
            self._D = rule_decision_matrix(rule, self.prior1, self.prior2, self.n1, self.n2)
        return self._D

    @property
    def zone_matrix(self) -> np.ndarray:
        """``Z[y₁, y₂]`` in {0: No-Go, 1: Consider, 2: Go} (a two-zone rule: 0 or 2)."""
        if self._Z is None:
            go = self.decision
            if isinstance(self.rule, ThreeZoneRule):
                nogo = rule_decision_matrix(self.rule.nogo, self.prior1, self.prior2, self.n1,
                                            self.n2)
                self._Z = np.where(go, 2, np.where(nogo, 0, 1))
            else:
                self._Z = np.where(go, 2, 0)
        return self._Z

    def zones(self, theta1, theta2) -> dict[str, np.ndarray]:
        """Exact P(Go), P(Consider), P(No-Go) (sum to one) and P(both rules hold)."""
        t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
        p1 = stats.binom.pmf(np.arange(self.n1 + 1), self.n1, t1[..., None])
        p2 = stats.binom.pmf(np.arange(self.n2 + 1), self.n2, t2[..., None])
        Z = self.zone_matrix

        def prob(mask):
            return np.einsum("...i,ij,...j->...", p1, mask.astype(float), p2)

        conflict = None
        if isinstance(self.rule, ThreeZoneRule):
            nogo = rule_decision_matrix(self.rule.nogo, self.prior1, self.prior2, self.n1,
                                        self.n2)
            conflict = prob(nogo & self.decision)
        return zone_table(prob(Z == 2), prob(Z == 0), conflict)

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
    """A two-arm normal design with a known sampling SD per arm (arm 1 = treatment).

    ``sigma`` is arm 1's SD and ``sigma2`` arm 2's (default: the same). The observed means have
    standard errors ``sigma/√n1`` and ``sigma2/√n2``.

    Examples
    --------
    >>> d = NormalDesign(ZTestRule(alpha=0.025), None, None, 100, 100, sigma=1.0)
    >>> round(float(d.oc(0.4, 0.0)), 3)  # power of the z-test, 1 - Φ(1.96 - 0.4/√0.02)
    0.807
    >>> d2 = NormalDesign(ZTestRule(alpha=0.025), None, None, 100, 50, sigma=1.0, sigma2=2.0)
    >>> round(d2.se2, 4)
    0.2828
    """

    rule: Rule | ThreeZoneRule
    prior1: NormMix | None
    prior2: NormMix | None
    n1: int
    n2: int
    sigma: float
    sigma2: float | None = None

    kind = "two_arm_normal"

    def __post_init__(self) -> None:
        self.n1, self.n2 = _check_n(self.n1, "n1"), _check_n(self.n2, "n2")
        for name, v in (("sigma", self.sigma), ("sigma2", self.sigma2)):
            if v is not None and not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be a finite number > 0, got {v}", column=name)
        if self.sigma2 is None:
            self.sigma2 = self.sigma
        needs_priors = isinstance(self.rule, BayesRule | ThreeZoneRule)
        if needs_priors and (self.prior1 is None or self.prior2 is None):
            raise InputError("a Bayesian rule needs analysis priors for both arms",
                             column="prior")

    @property
    def se1(self) -> float:
        return float(self.sigma / np.sqrt(self.n1))

    @property
    def se2(self) -> float:
        return float(self.sigma2 / np.sqrt(self.n2))

    @property
    def n_total(self) -> int:
        return self.n1 + self.n2

    def with_n(self, n1: int, n2: int) -> NormalDesign:
        """The same rule, priors and SDs with other sample sizes."""
        return NormalDesign(self.rule, self.prior1, self.prior2, n1, n2, self.sigma, self.sigma2)

    def decide(self, ybar1, ybar2) -> np.ndarray:
        """Decisions for arrays of observed means (three-zone rules: Go)."""
        rule = self.rule.go if isinstance(self.rule, ThreeZoneRule) else self.rule
        return rule.decide_normal(self.prior1, self.prior2, ybar1, ybar2, self.se1, self.se2)

    # -- regions ---------------------------------------------------------------------------
    def region_probability(self, rule, y2, cdf1, lo_b, hi_b) -> np.ndarray:
        """P(ȳ₁ in ``rule``'s success region at each control mean in ``y2``), for ȳ₁ with cdf
        ``cdf1`` (vectorised over the nodes); cuts searched in ``[lo_b, hi_b]``."""
        cuts = two_arm_cuts(rule, self.prior1, self.prior2, y2, self.se1, self.se2, lo_b, hi_b)
        return region_probability(cuts, getattr(rule, "combine", "all"), cdf1)

    def _zone_probs(self, y2, cdf1, lo_b, hi_b) -> dict[str, np.ndarray]:
        if not isinstance(self.rule, ThreeZoneRule):
            p = self.region_probability(self.rule, y2, cdf1, lo_b, hi_b)
            return {"go": p}
        go = self.region_probability(self.rule.go, y2, cdf1, lo_b, hi_b)
        nogo = self.region_probability(self.rule.nogo, y2, cdf1, lo_b, hi_b)
        both = self.region_probability(_both(self.rule), y2, cdf1, lo_b, hi_b)
        return {"go": go, "nogo_only": nogo - both, "both": both}

    def _integrate(self, t1, t2, n_nodes: int) -> dict[str, np.ndarray]:
        """Zone probabilities at true means (quadrature over ȳ₂, exact regions in ȳ₁)."""
        t1, t2 = np.broadcast_arrays(np.asarray(t1, float), np.asarray(t2, float))
        z, gw = hermite_nodes(n_nodes)
        y2 = t2[..., None] + self.se2 * z  # (..., nodes)
        th1 = t1[..., None] * np.ones_like(y2)
        span = 12 * self.se1
        lo_b, hi_b = th1 - span, th1 + span

        def cdf1(x):
            return special.ndtr((x - th1) / self.se1)

        probs = self._zone_probs(y2, cdf1, lo_b, hi_b)
        return {k: np.sum(gw * np.clip(v, 0.0, 1.0), axis=-1) for k, v in probs.items()}

    def oc(self, theta1, theta2, n_nodes: int = 64) -> np.ndarray:
        """P(success) (three-zone rules: P(Go)) at the true means."""
        t1, t2 = np.broadcast_arrays(np.asarray(theta1, float), np.asarray(theta2, float))
        if isinstance(self.rule, ZTestRule):
            se = np.sqrt(self.se1**2 + self.se2**2)
            z = (t1 - t2) / se
            zc = self.rule.z_crit
            return special.ndtr(z - zc) if self.rule.alternative == "greater" else special.ndtr(
                -z - zc)
        return self._integrate(t1, t2, n_nodes)["go"]

    def oc_pairs(self, theta1, theta2) -> np.ndarray:
        """P(success) at many pairs of true means, on one shared grid of control means.

        The success region depends on the observed means only, so its cuts are computed once on
        a uniform grid of ``ȳ₂`` (steps a quarter of the smaller standard error; the trapezoid
        rule on the line converges geometrically for these smooth integrands) and every pair
        reuses them: ``OC(θ₁, θ₂) = Σ_g h φ(ȳ₂g; θ₂, se₂) P(ȳ₁ ∈ R(ȳ₂g) | θ₁)``.
        """
        t1 = np.asarray(theta1, float).ravel()
        t2 = np.asarray(theta2, float).ravel()
        if isinstance(self.rule, ZTestRule) or t1.size <= 4:
            return self.oc(t1, t2)
        h = min(self.se1, self.se2) / 4
        y2 = np.arange(t2.min() - 12 * self.se2, t2.max() + 12 * self.se2 + h, h)
        lo_b, hi_b = t1.min() - 14 * self.se1, t1.max() + 14 * self.se1
        rule = self.rule.go if isinstance(self.rule, ThreeZoneRule) else self.rule
        cuts = two_arm_cuts(rule, self.prior1, self.prior2, y2, self.se1, self.se2, lo_b, hi_b)
        combine = getattr(rule, "combine", "all")
        out = np.empty(t1.size)
        step = max(1, int(2e6 // y2.size))
        for i in range(0, t1.size, step):
            th1 = t1[i: i + step, None]

            def cdf(x, th1=th1):
                return special.ndtr((x[None, :] - th1) / self.se1)

            g = np.clip(region_probability(cuts, combine, cdf), 0.0, 1.0)
            wts = h * stats.norm.pdf(y2[None, :], t2[i: i + step, None], self.se2)
            out[i: i + step] = np.sum(wts * g, axis=1)
        return out

    def zones(self, theta1, theta2, n_nodes: int = 64) -> dict[str, np.ndarray]:
        """P(Go), P(Consider), P(No-Go) (sum to one) and P(both rules hold) at the true means."""
        r = self._integrate(theta1, theta2, n_nodes)
        return zone_table(r["go"], r.get("nogo_only", 0.0 * r["go"]), r.get("both"))

    def success_interval(self, y2, lo_b: float, hi_b: float) -> tuple[np.ndarray, np.ndarray]:
        """For each control mean in ``y2``, the interval ``(lo, hi)`` of treatment means ``ȳ₁``
        giving success, searched within ``[lo_b, hi_b]`` (±inf when the rule holds at a bound).
        Only for rules whose criteria all must hold (an interval)."""
        rule = self.rule.go if isinstance(self.rule, ThreeZoneRule) else self.rule
        if getattr(rule, "combine", "all") != "all":
            raise InputError("success_interval needs a rule with combine='all'", column="rule")
        cuts = two_arm_cuts(rule, self.prior1, self.prior2, np.asarray(y2, float), self.se1,
                            self.se2, lo_b, hi_b)
        shape = np.shape(y2)
        uppers = [c for c, lower in cuts if not lower]
        lowers = [c for c, lower in cuts if lower]
        lo = np.maximum.reduce(uppers) if uppers else np.full(shape, -np.inf)
        hi = np.minimum.reduce(lowers) if lowers else np.full(shape, np.inf)
        return lo, hi


def oc_normal(rule: Rule, prior1: NormMix | None, prior2: NormMix | None, n1: int, n2: int,
              sigma: float, theta1, theta2, sigma2: float | None = None) -> np.ndarray:
    """Probability of success of a two-arm normal design at the true means.

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> r = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> flat = NormMix.single(0.0, 1e3)
    >>> round(float(oc_normal(r, flat, flat, 100, 100, 1.0, 0.4, 0.0)), 3)
    0.807
    """
    return NormalDesign(rule, prior1, prior2, n1, n2, sigma, sigma2).oc(theta1, theta2)
