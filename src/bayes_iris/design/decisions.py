"""Decision rules beyond the two-sample success rule: one-arm rules with any number of
criteria, two-sided rules and three-zone (Go / Consider / No-Go) rules.

* :class:`OneArmRule` — ``P(θ > qᵢ | data) > pᵢ`` (or ``≤`` with ``lower_tail``) for every
  criterion ``i`` (``combine="all"``) or for one of them (``combine="any"``), as RBesT's
  ``decision1S``;
* :func:`two_sided` — a two-sample or one-arm rule that fires when either tail is convincing:
  ``P(δ > q) > p`` **or** ``P(δ < −q) > p`` (``combine="any"``);
* :class:`ThreeZoneRule` — **Go** when the ``go`` rule holds; otherwise **No-Go** when the
  ``nogo`` rule holds; otherwise **Consider**. Go takes precedence when both hold (a conflict
  the operating characteristics report as ``p_conflict``; a well-posed pair has none).

References
----------
Frewer P, Mitchell P, Watkins C, Matcham J (2016). Decision-making in early clinical drug
development. Pharmaceutical Statistics 15:255-263. (Go / Consider / No-Go zones.)

Neuenschwander B, Rouyrre N, Hollaender N, Zuber E, Branson M (2011). A proof of concept phase II
non-inferiority criterion. Statistics in Medicine 30:1618-1627. (Dual criteria.)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .rules import BayesRule, Criterion, OneSampleRule, _pct


class OneArmRule(BaseModel):
    """A one-arm Bayesian rule with one or more criteria on the arm's parameter ``θ``.

    Examples
    --------
    >>> from bayes_iris.design.distributions import BetaMix
    >>> r = OneArmRule(criteria=[Criterion(prob=0.9, threshold=0.2),
    ...                          Criterion(prob=0.5, threshold=0.3)], endpoint="the response rate")
    >>> r.decide(BetaMix.single(1, 1).posterior(12, 30))
    True
    >>> print(r)  # doctest: +NORMALIZE_WHITESPACE
    Declare success if the posterior probability that the response rate on CYT107 is above 0.2
    exceeds 90 %, and the posterior probability that the response rate on CYT107 is above 0.3
    exceeds 50 %.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["one_arm"] = "one_arm"
    criteria: list[Criterion] = Field(min_length=1)
    combine: Literal["all", "any"] = "all"
    endpoint: str = "the response rate"
    arm: str = "CYT107"

    @classmethod
    def from_one_sample(cls, rule: OneSampleRule) -> OneArmRule:
        """The same rule as a :class:`~bayes_iris.design.rules.OneSampleRule`."""
        return cls(criteria=[Criterion(prob=rule.prob, threshold=rule.threshold,
                                       lower_tail=rule.lower_tail)],
                   endpoint=rule.endpoint, arm=rule.arm)

    def probabilities(self, post) -> list[float]:
        """Posterior probability of each criterion's event."""
        out = []
        for c in self.criteria:
            up = float(post.sf(c.threshold))
            out.append(1.0 - up if c.lower_tail else up)
        return out

    def decide(self, post) -> bool:
        """True when the criteria hold (all of them, or one with ``combine="any"``)."""
        hits = [p > c.prob for p, c in zip(self.probabilities(post), self.criteria, strict=True)]
        return all(hits) if self.combine == "all" else any(hits)

    def describe(self) -> str:
        parts = []
        for c in self.criteria:
            rel = "at most" if c.lower_tail else "above"
            parts.append(f"the posterior probability that {self.endpoint} on {self.arm} is "
                         f"{rel} {c.threshold:g} exceeds {_pct(c.prob)}")
        joiner = ", and " if self.combine == "all" else ", or if "
        return "Declare success if " + joiner.join(parts) + "."

    def __str__(self) -> str:
        return self.describe()


def two_sided(prob: float, margin: float = 0.0, *, one_arm: bool = False, center: float = 0.0,
              **fields) -> BayesRule | OneArmRule:
    """A two-sided rule: success when ``P(δ > center + margin) > prob`` or
    ``P(δ < center − margin) > prob`` (``δ`` the difference, or ``θ`` for ``one_arm``).

    Examples
    --------
    >>> r = two_sided(0.975)
    >>> r.combine, [c.lower_tail for c in r.criteria]
    ('any', [False, True])
    """
    crit = [Criterion(prob=prob, threshold=center + margin),
            Criterion(prob=prob, threshold=center - margin, lower_tail=True)]
    if one_arm:
        return OneArmRule(criteria=crit, combine="any", **fields)
    return BayesRule(criteria=crit, combine="any", **fields)


class ThreeZoneRule(BaseModel):
    """Go / Consider / No-Go: Go if ``go`` holds, else No-Go if ``nogo`` holds, else Consider.

    Both rules are two-sample (:class:`BayesRule`) or both one-arm (:class:`OneArmRule`), each
    with ``combine="all"``. A typical pair (Frewer et al. 2016, with a lower reference value LRV
    and a target value TV): Go if ``P(δ > LRV) > 0.9`` and ``P(δ > TV) > 0.5``; No-Go if
    ``P(δ < TV) > 0.9``.

    Examples
    --------
    >>> go = BayesRule(criteria=[Criterion(prob=0.9, threshold=0.1),
    ...                          Criterion(prob=0.5, threshold=0.2)])
    >>> nogo = BayesRule(criteria=[Criterion(prob=0.9, threshold=0.2, lower_tail=True)])
    >>> z = ThreeZoneRule(go=go, nogo=nogo)
    >>> z.zones
    ('no-go', 'consider', 'go')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["three_zone"] = "three_zone"
    go: BayesRule | OneArmRule
    nogo: BayesRule | OneArmRule

    zones: tuple[str, str, str] = ("no-go", "consider", "go")

    def model_post_init(self, __context) -> None:
        from ..errors import InputError

        if type(self.go) is not type(self.nogo):
            raise InputError("go and nogo must both be two-sample or both one-arm rules",
                             column="rule")
        if self.go.combine != "all" or self.nogo.combine != "all":
            raise InputError("three-zone rules need go and nogo rules with combine='all'",
                             column="rule")

    def zone(self, *posts) -> str:
        """The zone for posterior(s) ``posts`` (one for one-arm rules, two for two-sample)."""
        if self.go.decide(*posts):
            return "go"
        return "no-go" if self.nogo.decide(*posts) else "consider"

    def describe(self) -> str:
        return (f"GO: {self.go.describe()} NO-GO (if not GO): {self.nogo.describe()} "
                "Otherwise CONSIDER.")

    def __str__(self) -> str:
        return self.describe()


def zone_table(p_go, p_nogo_only, p_conflict=None) -> dict[str, np.ndarray]:
    """Zone probabilities from P(go) and P(no-go and not go): the three sum to one."""
    p_go = np.asarray(p_go, float)
    p_nogo = np.asarray(p_nogo_only, float)
    out = {"go": p_go, "consider": np.clip(1.0 - p_go - p_nogo, 0.0, 1.0), "no-go": p_nogo}
    if p_conflict is not None:
        out["p_conflict"] = np.asarray(p_conflict, float)
    return out
