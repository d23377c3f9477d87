"""Bayesian group-sequential designs for a two-arm binary endpoint: exact operating
characteristics by forward recursion over both arms' event counts, vectorised simulation, and
efficacy thresholds calibrated to a target type I error.

Rules. At look ``k`` (cumulative sizes ``n₁ₖ``, ``n₂ₖ``) the trial stops for efficacy if the
rule ``rule`` holds with its first criterion's probability set to ``γₖ`` (e.g.
``P(θ₁ − θ₂ < 0 | data) > γₖ``: lower mortality on treatment); at an interim it stops for
futility if the predictive probability of final success is below ``φₖ``
(``futility_kind="predictive"``; Lee & Liu 2008 for two arms) or the posterior probability of
the first criterion's event is below ``φₖ`` (``"posterior"``). Both are matrices over the counts
``(x₁, x₂)`` at the look (:meth:`BayesRule.decision_matrix`; the predictive probability
``PP = P₁ D_K P₂ᵀ`` with beta-binomial predictive matrices ``Pᵢ[xᵢ, yᵢ]``).

Exact OC. The sub-distribution ``πₖ(x₁, x₂)`` of the counts of trials still running at look
``k`` evolves as ``πₖ₊₁ = T₁ (πₖ ∘ Cₖ) T₂ᵀ`` with ``Cₖ`` the continuation region and ``Tᵢ`` the
binomial increment matrices; stopping probabilities are ``Σ πₖ ∘ Eₖ`` and ``Σ πₖ ∘ Fₖ``
(Jennison & Turnbull 2000, ch. 12; the same recursion as the single-arm ``sequential_oc``).

References
----------
Jennison C, Turnbull BW (2000). Group Sequential Methods with Applications to Clinical Trials.
Chapman & Hall/CRC.

Lee JJ, Liu DD (2008). A predictive probability design for phase II cancer clinical trials.
Clinical Trials 5:93-106.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputError
from ..seeds import DEFAULT_SEED, rng
from .distributions import BetaMix
from .rules import BayesRule, rule_decision_matrix
from .sequential import _vec


def predictive_matrix(prior: BetaMix, m: int, n: int) -> np.ndarray:
    """``P[x, y] = P(y events by n | x events in the first m)`` (beta-binomial mixture), for
    ``x = 0..m`` and ``y = 0..n`` (zero unless ``x ≤ y ≤ x + n − m``).

    Examples
    --------
    >>> P = predictive_matrix(BetaMix.single(1, 1), 2, 4)
    >>> P.sum(axis=1).round(12).tolist()
    [1.0, 1.0, 1.0]
    """
    r = n - m
    x = np.arange(m + 1)[:, None]
    z = np.arange(r + 1)[None, :]
    lw = np.log(prior.w) + special.betaln(prior.a + x, prior.b + m - x) - special.betaln(
        prior.a, prior.b)
    w = np.exp(lw - special.logsumexp(lw, axis=1, keepdims=True))  # (m+1, K)
    logc = special.gammaln(r + 1) - special.gammaln(z + 1) - special.gammaln(r - z + 1)
    pz = np.zeros((m + 1, r + 1))
    for k in range(prior.n_components):
        a, b = prior.a[k] + x, prior.b[k] + m - x
        pz += w[:, k: k + 1] * np.exp(logc + special.betaln(a + z, b + r - z)
                                      - special.betaln(a, b))
    P = np.zeros((m + 1, n + 1))
    rows = np.repeat(np.arange(m + 1), r + 1)
    cols = (x + z).ravel()
    P[rows, cols] = pz.ravel()
    return P


def _increment(n_from: int, n_to: int, theta: float) -> np.ndarray:
    """``T[i, j] = Bin(i − j; n_to − n_from, θ)``: counts at ``n_to`` from counts at ``n_from``."""
    pmf = stats.binom.pmf(np.arange(n_to - n_from + 1), n_to - n_from, theta)
    T = np.zeros((n_to + 1, n_from + 1))
    for j in range(n_from + 1):
        T[j: j + pmf.size, j] = pmf
    return T


@dataclass
class GroupSequentialBinary:
    """A two-arm binary group-sequential design (arm 1 = treatment).

    Examples
    --------
    >>> from bayes_iris.design.rules import Criterion
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    >>> d = GroupSequentialBinary(rule, BetaMix.single(1, 1), BetaMix.single(1, 1),
    ...                           n1=[50, 100], n2=[50, 100], efficacy=[0.999, 0.98],
    ...                           futility=[0.1])
    >>> oc = d.oc(0.3, 0.3)
    >>> oc["p_efficacy"] < 0.03 and 100 < oc["expected_n"] < 200
    True
    """

    rule: BayesRule
    prior1: BetaMix
    prior2: BetaMix
    n1: tuple[int, ...]
    n2: tuple[int, ...]
    efficacy: tuple[float, ...] | float
    futility: tuple[float, ...] | None = None
    futility_kind: Literal["predictive", "posterior"] = "predictive"
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n1 = np.atleast_1d(np.asarray(self.n1))
        n2 = np.atleast_1d(np.asarray(self.n2))
        if (n1.shape != n2.shape or n1.size < 1 or np.any(np.diff(n1) <= 0)
                or np.any(np.diff(n2) <= 0) or np.any(n1 < 1) or np.any(n2 < 1)
                or np.any(n1 != np.round(n1)) or np.any(n2 != np.round(n2))):
            raise InputError("n1 and n2 must be increasing whole sizes, one per look",
                             column="n1")
        k = n1.size
        eff = _vec(self.efficacy, k, "efficacy")
        if np.any((eff <= 0) | (eff >= 1)):
            raise InputError("efficacy thresholds are probabilities in (0, 1)", column="efficacy")
        fut = None
        if self.futility is not None:
            if k < 2:
                raise InputError("futility looks need at least two looks", column="futility")
            fut = _vec(self.futility, k - 1, "futility")
            if np.any((fut <= 0) | (fut >= 1)):
                raise InputError("futility thresholds are probabilities in (0, 1)",
                                 column="futility")
        self.n1 = tuple(int(v) for v in n1)
        self.n2 = tuple(int(v) for v in n2)
        self.efficacy = tuple(float(v) for v in eff)
        self.futility = None if fut is None else tuple(float(v) for v in fut)

    @property
    def K(self) -> int:
        return len(self.n1)

    def _rule_at(self, prob: float) -> BayesRule:
        c0 = self.rule.criteria[0].model_copy(update={"prob": float(prob)})
        return self.rule.model_copy(update={"criteria": [c0, *self.rule.criteria[1:]]})

    def regions(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per look, boolean matrices ``(E, F)`` over ``(x₁, x₂)``: stop for efficacy, for
        futility (disjoint; at the final look ``F = ¬E``)."""
        if "regions" in self._cache:
            return self._cache["regions"]
        out = []
        final = rule_decision_matrix(self._rule_at(self.efficacy[-1]), self.prior1, self.prior2,
                                     self.n1[-1], self.n2[-1])
        for k in range(self.K):
            m1, m2 = self.n1[k], self.n2[k]
            E = final if k == self.K - 1 else rule_decision_matrix(
                self._rule_at(self.efficacy[k]), self.prior1, self.prior2, m1, m2)
            if k == self.K - 1:
                F = ~E
            elif self.futility is None:
                F = np.zeros_like(E)
            elif self.futility_kind == "predictive":
                P1 = predictive_matrix(self.prior1, m1, self.n1[-1])
                P2 = predictive_matrix(self.prior2, m2, self.n2[-1])
                pp = P1 @ final.astype(float) @ P2.T
                F = (pp < self.futility[k]) & ~E
            else:
                c0 = self.rule.criteria[0]
                crit = self._rule_at(1 - self.futility[k]).model_copy(update={
                    "criteria": [c0.model_copy(update={"prob": 1 - self.futility[k],
                                                       "lower_tail": not c0.lower_tail})]})
                # P(event) < φ  ⟺  P(not event) > 1 − φ
                F = rule_decision_matrix(crit, self.prior1, self.prior2, m1, m2) & ~E
            out.append((E, F))
        self._cache["regions"] = out
        return out

    def oc(self, theta1: float, theta2: float, *, binding: bool = True) -> dict:
        """Exact OC at true rates: ``p_efficacy``, ``p_futility``, ``expected_n`` and per-look
        stopping probabilities (``binding=False``: futility ignored)."""
        regions = self.regions()
        pi = np.outer(stats.binom.pmf(np.arange(self.n1[0] + 1), self.n1[0], theta1),
                      stats.binom.pmf(np.arange(self.n2[0] + 1), self.n2[0], theta2))
        p_eff, p_fut = np.zeros(self.K), np.zeros(self.K)
        for k, (E, F) in enumerate(regions):
            if not binding and k < self.K - 1:
                F = np.zeros_like(F)
            p_eff[k] = float(np.sum(pi[E]))
            p_fut[k] = float(np.sum(pi[F]))
            if k == self.K - 1:
                break
            cont = np.where(E | F, 0.0, pi)
            T1 = _increment(self.n1[k], self.n1[k + 1], theta1)
            T2 = _increment(self.n2[k], self.n2[k + 1], theta2)
            pi = T1 @ cont @ T2.T
        n_tot = np.asarray(self.n1) + np.asarray(self.n2)
        looks = pd.DataFrame({"look": np.arange(1, self.K + 1), "n_total": n_tot,
                              "p_stop_efficacy": p_eff, "p_stop_futility": p_fut,
                              "cumulative_p_efficacy": np.cumsum(p_eff)})
        return {"theta1": float(theta1), "theta2": float(theta2),
                "p_efficacy": float(p_eff.sum()), "p_futility": float(p_fut.sum()),
                "expected_n": float((p_eff + p_fut) @ n_tot), "looks": looks}

    def simulate(self, theta1: float, theta2: float, n_sim: int = 100_000, *,
                 seed: int = DEFAULT_SEED, binding: bool = True) -> dict:
        """The same OC by vectorised simulation (with MCSEs)."""
        r = rng(seed, "design.sequential.binary")
        d1 = np.diff(self.n1, prepend=0)
        d2 = np.diff(self.n2, prepend=0)
        x1 = np.cumsum(r.binomial(d1, theta1, size=(int(n_sim), self.K)), axis=1)
        x2 = np.cumsum(r.binomial(d2, theta2, size=(int(n_sim), self.K)), axis=1)
        stop_at = np.full(int(n_sim), self.K - 1)
        success = np.zeros(int(n_sim), bool)
        running = np.ones(int(n_sim), bool)
        for k, (E, F) in enumerate(self.regions()):
            e = E[x1[:, k], x2[:, k]] & running
            f = (F[x1[:, k], x2[:, k]] if (binding or k == self.K - 1)
                 else np.zeros_like(e)) & running & ~e
            success |= e
            stop_at = np.where(e | f, k, stop_at)
            running &= ~(e | f)
        n_tot = (np.asarray(self.n1) + np.asarray(self.n2))[stop_at]
        p = success.mean()
        return {"p_efficacy": float(p), "mcse": float(np.sqrt(p * (1 - p) / n_sim)),
                "expected_n": float(n_tot.mean()),
                "expected_n_mcse": float(n_tot.std(ddof=1) / np.sqrt(n_sim)),
                "looks": pd.DataFrame({
                    "look": np.arange(1, self.K + 1),
                    "p_stop_efficacy": np.bincount(stop_at[success], minlength=self.K) / n_sim,
                    "p_stop_futility": np.bincount(stop_at[~success], minlength=self.K) / n_sim})}


def calibrate_binary(design: GroupSequentialBinary, alpha: float = 0.025, *, null_rates=None,
                     shape: Literal["constant", "obf"] = "constant", binding: bool = False,
                     iterations: int = 40) -> tuple[GroupSequentialBinary, pd.DataFrame]:
    """Efficacy thresholds of the given shape (on the normal-quantile scale of the posterior
    probability: constant, or O'Brien-Fleming-like ``z √(n_K/nₖ)``) with the largest type I
    error over ``null_rates`` (``θ₁ = θ₂``) at most ``alpha``.

    The type I error is a step function of the threshold (discrete data), so the result is the
    least conservative threshold with error ≤ alpha, found by bisection; the table gives the
    error at each null rate.
    """
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha must be in (0, 0.5), got {alpha}", column="alpha")
    rates = np.atleast_1d(np.asarray(null_rates if null_rates is not None
                                     else [0.1, 0.2, 0.3, 0.4, 0.5], float))
    t = (np.asarray(design.n1) + np.asarray(design.n2)) / (design.n1[-1] + design.n2[-1])

    def build(z):
        zz = np.full(design.K, z) if shape == "constant" else z / np.sqrt(t)
        return replace(design, efficacy=tuple(np.clip(special.ndtr(zz), 1e-15, 1 - 1e-15)),
                       _cache={})

    def worst(z):
        d = build(z)
        return max(d.oc(p, p, binding=binding)["p_efficacy"] for p in rates)

    lo, hi = 0.0, 6.0  # worst(hi) <= alpha
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if worst(mid) <= alpha:
            hi = mid
        else:
            lo = mid
    d = build(hi)
    table = pd.DataFrame({"null_rate": rates,
                          "type_I_error": [d.oc(p, p, binding=binding)["p_efficacy"]
                                           for p in rates]})
    return d, table
