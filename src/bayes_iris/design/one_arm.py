"""One-arm designs: binary (beta-mixture prior, exact) and normal (known SD, closed form).

Binary: the rule becomes a success vector over the event count ``y = 0..n`` once; the OC at a
true rate is ``Σ Bin(y; n, θ) s[y]`` and the probability of success under a beta-mixture design
prior ``Σ BetaBin(y; n, prior) s[y]`` (Lee & Liu 2008 use the same predictive). Normal: each
criterion holds on a ray of the observed mean (:func:`~bayes_iris.design.normal_regions.
one_arm_cuts`), so the OC is a difference of normal cdfs and the probability of success the same
under the normal-mixture predictive ``N(mₖ, sₖ² + σ²/n)``.

References
----------
Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical trials.
Clinical Trials 5:93-106.

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive
priors with the R Bayesian evidence synthesis tools. Journal of Statistical Software
100(19):1-32. (``decision1S``, ``oc1S``, ``pos1S``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

from ..errors import InputError
from .decisions import OneArmRule, ThreeZoneRule, zone_table
from .distributions import BetaMix, NormMix
from .normal_regions import one_arm_cuts, region_probability
from .oc import _check_n
from .rules import OneSampleRule, _beta_post_arrays


def _as_rule(rule):
    if isinstance(rule, OneSampleRule):
        return OneArmRule.from_one_sample(rule)
    if isinstance(rule, OneArmRule):
        return rule
    if isinstance(rule, ThreeZoneRule) and isinstance(rule.go, OneArmRule):
        return rule
    raise InputError(f"a one-arm design needs a OneArmRule, OneSampleRule or one-arm "
                     f"ThreeZoneRule, got {type(rule).__name__}", column="rule")


def binary_successes(rule: OneArmRule, prior: BetaMix, n: int) -> np.ndarray:
    """Boolean vector over ``y = 0..n``: does ``rule`` hold with ``y`` events of ``n``?

    Examples
    --------
    >>> r = OneArmRule(criteria=[__import__("bayes_iris.design.rules", fromlist=["x"])
    ...                .Criterion(prob=0.9, threshold=0.2)])
    >>> int(np.argmax(binary_successes(r, BetaMix.single(1, 1), 20)))
    7
    """
    w, a, b = _beta_post_arrays(prior, np.arange(n + 1), n)
    hits = []
    for c in rule.criteria:
        up = np.sum(w * special.betaincc(a, b, c.threshold), axis=-1)
        hits.append(((1 - up) if c.lower_tail else up) > c.prob)
    return np.logical_and.reduce(hits) if rule.combine == "all" else np.logical_or.reduce(hits)


@dataclass
class OneArmBinaryDesign:
    """A single-arm binary design: rule, analysis prior (beta mixture) and sample size.

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> d = OneArmBinaryDesign(OneArmRule(criteria=[Criterion(prob=0.9, threshold=0.2)]),
    ...                        BetaMix.single(1, 1), 40)
    >>> 0.0 < float(d.oc(0.2)) < 0.1 < 0.9 < float(d.oc(0.45))
    True
    """

    rule: OneArmRule | OneSampleRule | ThreeZoneRule
    prior: BetaMix
    n: int
    _s: np.ndarray | None = field(default=None, repr=False)

    kind = "one_arm_binary"

    def __post_init__(self) -> None:
        self.rule = _as_rule(self.rule)
        self.n = _check_n(self.n, "n")
        if not isinstance(self.prior, BetaMix):
            raise InputError("a one-arm binary design needs a BetaMix analysis prior",
                             column="prior")

    @property
    def n_total(self) -> int:
        return self.n

    def with_n(self, n: int) -> OneArmBinaryDesign:
        return OneArmBinaryDesign(self.rule, self.prior, n)

    def _vector(self, rule) -> np.ndarray:
        return binary_successes(rule, self.prior, self.n)

    @property
    def success(self) -> np.ndarray:
        """Success (Go) vector over the event count."""
        if self._s is None:
            rule = self.rule.go if isinstance(self.rule, ThreeZoneRule) else self.rule
            self._s = self._vector(rule)
        return self._s

    def _pmf(self, theta) -> np.ndarray:
        return stats.binom.pmf(np.arange(self.n + 1), self.n, np.asarray(theta, float)[..., None])

    def oc(self, theta) -> np.ndarray:
        """Exact P(success) (three-zone: P(Go)) at true rates ``theta``."""
        return self._pmf(theta) @ self.success.astype(float)

    def zones(self, theta) -> dict[str, np.ndarray]:
        return self._zones(self._pmf(theta))

    def _zones(self, pmf: np.ndarray) -> dict[str, np.ndarray]:
        go = self.success
        if not isinstance(self.rule, ThreeZoneRule):
            return zone_table(pmf @ go, pmf @ (~go).astype(float))
        nogo = self._vector(self.rule.nogo)
        return zone_table(pmf @ go, pmf @ (nogo & ~go).astype(float), pmf @ (nogo & go))

    def predictive_zones(self, dist: BetaMix | float) -> dict[str, np.ndarray]:
        """Zone probabilities under a beta-mixture design prior (beta-binomial predictive)."""
        pmf = dist.predictive(self.n) if isinstance(dist, BetaMix) else self._pmf(float(dist))
        return self._zones(np.asarray(pmf, float))


@dataclass
class OneArmNormalDesign:
    """A single-arm normal design with known sampling SD ``sigma`` (observed mean's SE
    ``sigma/√n``).

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> d = OneArmNormalDesign(OneArmRule(criteria=[Criterion(prob=0.975)]), None, 25, 1.0)
    >>> round(float(d.oc(0.0)), 4)  # flat prior: a one-sided z-test at 2.5 %
    0.025
    """

    rule: OneArmRule | OneSampleRule | ThreeZoneRule
    prior: NormMix | None
    n: int
    sigma: float

    kind = "one_arm_normal"

    def __post_init__(self) -> None:
        self.rule = _as_rule(self.rule)
        self.n = _check_n(self.n, "n")
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise InputError(f"sigma must be a finite number > 0, got {self.sigma}",
                             column="sigma")

    @property
    def se(self) -> float:
        return float(self.sigma / np.sqrt(self.n))

    @property
    def n_total(self) -> int:
        return self.n

    def with_n(self, n: int) -> OneArmNormalDesign:
        return OneArmNormalDesign(self.rule, self.prior, n, self.sigma)

    def _bracket(self) -> tuple[float, float]:
        centre = 0.0 if self.prior is None else self.prior.mean
        spread = 50 * self.se + (0.0 if self.prior is None else 20 * self.prior.sd)
        thresholds = [c.threshold for c in self._rules()[0].criteria]
        lo = min(centre, *thresholds) - spread
        hi = max(centre, *thresholds) + spread
        return lo, hi

    def _rules(self):
        if isinstance(self.rule, ThreeZoneRule):
            both = self.rule.go.model_copy(update={"criteria": [*self.rule.go.criteria,
                                                                *self.rule.nogo.criteria]})
            return [self.rule.go, self.rule.nogo, both]
        return [self.rule]

    def _region_probs(self, cdf) -> list[np.ndarray]:
        lo, hi = self._bracket()
        out = []
        for r in self._rules():
            cuts = [(np.asarray(c), lt) for c, lt in one_arm_cuts(r, self.prior, self.se, lo, hi)]
            out.append(np.clip(region_probability(cuts, r.combine, cdf), 0.0, 1.0))
        return out

    def _zones(self, cdf) -> dict[str, np.ndarray]:
        probs = self._region_probs(cdf)
        if len(probs) == 1:
            return zone_table(probs[0], 1.0 - probs[0])
        go, nogo, both = probs
        return zone_table(go, nogo - both, both)

    def oc(self, theta) -> np.ndarray:
        """P(success) (three-zone: P(Go)) at true means ``theta`` (closed form)."""
        theta = np.asarray(theta, float)
        return self.zones(theta)["go"]

    def zones(self, theta) -> dict[str, np.ndarray]:
        theta = np.asarray(theta, float)
        return self._zones(lambda x: special.ndtr((x - theta) / self.se))

    def predictive_zones(self, dist: NormMix | float) -> dict[str, np.ndarray]:
        """Zone probabilities under a normal-mixture design prior (predictive of ``ȳ``)."""
        pred = dist.predictive(self.se) if isinstance(dist, NormMix) else NormMix.single(
            float(dist), self.se)
        return self._zones(lambda x: pred.cdf(x))
