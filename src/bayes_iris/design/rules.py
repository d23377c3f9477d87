"""Decision rules: Bayesian (any number of posterior-probability criteria) and frequentist tests.

A two-sample Bayesian rule declares success when every criterion ``i`` holds:
``P(g(θ₁) − g(θ₂) > qᵢ | data) > pᵢ`` (upper tail) or ``P(g(θ₁) − g(θ₂) ≤ qᵢ | data) > pᵢ``
(``lower_tail=True``, as RBesT's ``decision2S``), with ``g`` the identity, log or logit (binary
endpoints). Arm 1 is the treatment (CYT107), arm 2 the control (placebo). A frequentist rule (a
one-sided two-sample z-test) can be evaluated through the same interface, so fully Bayesian and
hybrid designs are compared on equal terms.

For binary data the rule is turned once into a *decision matrix* ``D[y₁, y₂]`` over all outcomes;
operating characteristics, assurance and the simulation engines then only index it. Posterior
probabilities are monotone in ``y₁`` (the binomial likelihood has a monotone likelihood ratio, so
the posterior is stochastically increasing in ``y₁`` whatever the prior), so each criterion's
success region at fixed ``y₂`` is a ray found by bisection.

References
----------
Schmidli H, Gsteiger S, Roychoudhury S, O'Hagan A, Spiegelhalter D, Neuenschwander B (2014).
Robust meta-analytic-predictive priors in clinical trials with historical control information.
Biometrics 70:1023-1032. (Dual-criterion designs, decision2S in the R package RBesT.)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import special, stats

from ..errors import InputError
from .boundaries import critical_counts
from .distributions import BetaMix, NormMix, normal_difference

Scale = Literal["identity", "log", "logit"]


class Criterion(BaseModel):
    """One criterion ``P(g(θ₁) − g(θ₂) > threshold) > prob`` (or ``≤`` with ``lower_tail``).

    Examples
    --------
    >>> Criterion(prob=0.975, lower_tail=True)
    Criterion(prob=0.975, threshold=0.0, lower_tail=True)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    prob: float = Field(gt=0, lt=1, description="posterior probability that must be exceeded")
    threshold: float = Field(default=0.0, description="q, on the rule's scale")
    lower_tail: bool = Field(default=False, description="True: P(diff <= q) > prob")


# -- probability kernels ------------------------------------------------------------------------
def _threshold(x: np.ndarray, q: float, scale: Scale) -> np.ndarray:
    """θ₁ value at which g(θ₁) − g(x) = q."""
    if scale == "identity":
        return x + q
    if scale == "log":
        return x * np.exp(q)
    return special.expit(special.logit(x) + q)


_U_T, _U_W = np.polynomial.legendre.leggauss(64)
_U_T = (_U_T + 1) / 2
# u = (1 - cos(pi t)) / 2 clusters the nodes at both tails of the integrating distribution
_U_NODES = (1 - np.cos(np.pi * _U_T)) / 2
_U_WEIGHTS = _U_W / 2 * (np.pi / 2) * np.sin(np.pi * _U_T)


def _inverse_threshold(x: np.ndarray, q: float, scale: Scale) -> np.ndarray:
    """θ₂ value at which g(x) − g(θ₂) = q."""
    if scale == "identity":
        return x - q
    if scale == "log":
        return x * np.exp(-q)
    return special.expit(special.logit(x) - q)


def beta_prob_upper(w1, a1, b1, w2, a2, b2, q: float, scale: Scale = "identity") -> np.ndarray:
    """``P(g(θ₁) − g(θ₂) > q)`` for independent beta mixtures, vectorised over leading axes.

    Arrays have shape ``(..., K₁)`` and ``(..., K₂)``; the result has shape ``(...)``. Each pair
    of components is integrated over the *narrower* of the two, in its probability scale
    (``x = F⁻¹(u)``, 64-node Gauss-Legendre in ``u``), so the integrand is the smooth cdf of the
    wider one: ``∫ S₁(t(F₂⁻¹(u))) du`` or ``∫ F₂(h(F₁⁻¹(u))) du``.

    Examples
    --------
    >>> p = beta_prob_upper([1.0], [2.0], [2.0], [1.0], [2.0], [2.0], 0.0)  # symmetric
    >>> round(float(p), 10)
    0.5
    """
    a1, b1, w1 = (np.asarray(v, float)[..., :, None] for v in (a1, b1, w1))
    a2, b2, w2 = (np.asarray(v, float)[..., None, :] for v in (a2, b2, w2))
    a1, b1, a2, b2 = np.broadcast_arrays(a1, b1, a2, b2)
    var1 = a1 * b1 / ((a1 + b1) ** 2 * (a1 + b1 + 1))
    var2 = a2 * b2 / ((a2 + b2) ** 2 * (a2 + b2 + 1))
    over2 = var2 <= var1  # integrate over arm 2's component
    ao, bo = np.where(over2, a2, a1), np.where(over2, b2, b1)
    x = special.betaincinv(ao[..., None], bo[..., None], _U_NODES)
    z = np.where(over2[..., None], np.clip(_threshold(x, q, scale), 0.0, 1.0),
                 1.0 - np.clip(_inverse_threshold(x, q, scale), 0.0, 1.0))
    ai, bi = np.where(over2, a1, b2), np.where(over2, b1, a2)
    inner = special.betaincc(ai[..., None], bi[..., None], z)
    pair = np.sum(_U_WEIGHTS * inner, axis=-1)
    return np.clip(np.sum(w1 * w2 * pair, axis=(-2, -1)), 0.0, 1.0)


def prob_difference(post1: BetaMix | NormMix, post2: BetaMix | NormMix, threshold: float = 0.0,
                    *, lower_tail: bool = False, scale: Scale = "identity") -> float:
    """``P(g(θ₁) − g(θ₂) > threshold)`` (or ``≤`` with ``lower_tail``) for two posteriors.

    Examples
    --------
    >>> p = prob_difference(BetaMix.single(15, 11), BetaMix.single(2, 6))
    >>> 0.95 < p < 0.96
    True
    """
    if isinstance(post1, NormMix) and isinstance(post2, NormMix):
        if scale != "identity":
            raise InputError("normal endpoints use the identity scale", column="scale")
        up = float(normal_difference(post1, post2).sf(threshold))
    elif isinstance(post1, BetaMix) and isinstance(post2, BetaMix):
        up = float(beta_prob_upper(post1.w, post1.a, post1.b, post2.w, post2.a, post2.b,
                                   threshold, scale))
    else:
        raise InputError("both posteriors must be BetaMix or both NormMix", column="prior")
    return 1.0 - up if lower_tail else up


def _beta_post_arrays(prior: BetaMix, y: np.ndarray, n: int):
    y = np.asarray(y, float)[..., None]
    lw = np.log(prior.w) + special.betaln(prior.a + y, prior.b + n - y) - special.betaln(
        prior.a, prior.b)
    w = np.exp(lw - special.logsumexp(lw, axis=-1, keepdims=True))
    return w, prior.a + y, prior.b + n - y


def _normal_post_arrays(prior: NormMix, ybar: np.ndarray, se: float):
    ybar = np.asarray(ybar, float)[..., None]
    lw = np.log(prior.w) + stats.norm.logpdf(ybar, prior.m, np.sqrt(prior.s**2 + se**2))
    w = np.exp(lw - special.logsumexp(lw, axis=-1, keepdims=True))
    prec = 1 / prior.s**2 + 1 / se**2
    m = (prior.m / prior.s**2 + ybar / se**2) / prec
    return w, m, np.broadcast_to(1 / np.sqrt(prec), m.shape)


def _pct(p: float) -> str:
    return f"{100 * p:.4g} %"


class BayesRule(BaseModel):
    """A two-sample Bayesian decision rule with one or more criteria (all must hold).

    ``endpoint`` names the quantity for :meth:`describe` (e.g. "28-day mortality");
    ``treatment``/``control`` name arm 1 and arm 2.

    Examples
    --------
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)],
    ...                  endpoint="28-day mortality")
    >>> print(rule)  # doctest: +NORMALIZE_WHITESPACE
    Declare success if the posterior probability that 28-day mortality on CYT107 is lower than
    on placebo exceeds 97.5 %.
    >>> rule.decide(BetaMix.single(1 + 20, 1 + 80), BetaMix.single(1 + 35, 1 + 65))
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["bayes"] = "bayes"
    criteria: list[Criterion] = Field(min_length=1)
    scale: Scale = "identity"
    endpoint: str = "the outcome"
    treatment: str = "CYT107"
    control: str = "placebo"
    units: str = ""
    display: Literal["difference", "fold"] = Field(
        default="difference",
        description="'fold': the endpoint is a log quantity; thresholds read as exp(q)-fold")
    combine: Literal["all", "any"] = Field(
        default="all",
        description="'all': every criterion must hold (dual criteria); 'any': one suffices "
                    "(two-sided rules)")

    # -- evaluation on posteriors --------------------------------------------------------------
    def probabilities(self, post1: BetaMix | NormMix, post2: BetaMix | NormMix) -> list[float]:
        """The posterior probability of each criterion's event."""
        return [prob_difference(post1, post2, c.threshold, lower_tail=c.lower_tail,
                                scale=self.scale) for c in self.criteria]

    def decide(self, post1: BetaMix | NormMix, post2: BetaMix | NormMix) -> bool:
        """True when every criterion holds (``combine="any"``: when one does)."""
        hits = [p > c.prob for p, c in
                zip(self.probabilities(post1, post2), self.criteria, strict=True)]
        return all(hits) if self.combine == "all" else any(hits)

    def decide_draws(self, theta1, theta2) -> bool:
        """The rule applied to joint posterior draws of ``θ₁`` and ``θ₂`` (e.g. from MCMC)."""
        g = {"identity": lambda x: x, "log": np.log, "logit": special.logit}[self.scale]
        diff = g(np.asarray(theta1, float)) - g(np.asarray(theta2, float))
        hits = [(np.mean(diff <= c.threshold) if c.lower_tail else np.mean(diff > c.threshold))
                > c.prob for c in self.criteria]
        return bool(all(hits) if self.combine == "all" else any(hits))

    # -- binary: decision matrix ---------------------------------------------------------------
    def criterion_matrix(self, c: Criterion, prior1: BetaMix, prior2: BetaMix, n1: int, n2: int
                         ) -> np.ndarray:
        """Boolean ``C[y₁, y₂]``: does criterion ``c`` hold with ``y₁``/``n₁`` and ``y₂``/``n₂``?

        One critical count per ``y₂`` (:func:`bayes_iris.design.boundaries.critical_counts`).
        """
        n1, n2 = int(n1), int(n2)

        def reference(y1: int, y2: int) -> float:
            w1, a1, b1 = _beta_post_arrays(prior1, y1, n1)
            w2, a2, b2 = _beta_post_arrays(prior2, y2, n2)
            return float(beta_prob_upper(w1, a1, b1, w2, a2, b2, c.threshold, self.scale))

        crit = critical_counts(prior1, prior2, n1, n2, c.threshold, c.prob, c.lower_tail,
                               self.scale, reference)
        y1 = np.arange(n1 + 1)[:, None]
        return y1 < crit[None, :] if c.lower_tail else y1 >= crit[None, :]

    def decision_matrix(self, prior1: BetaMix, prior2: BetaMix, n1: int, n2: int) -> np.ndarray:
        """Boolean ``D[y₁, y₂]``: success with ``y₁``/``n₁`` and ``y₂``/``n₂`` events.

        Every criterion's region is a ray in ``y₁`` at fixed ``y₂`` (posterior probabilities are
        monotone in the counts); ``combine`` joins them with "and" (``"all"``) or "or" (``"any"``).

        Examples
        --------
        >>> r = BayesRule(criteria=[Criterion(prob=0.975)])
        >>> D = r.decision_matrix(BetaMix.single(1, 1), BetaMix.single(1, 1), 10, 10)
        >>> bool(D[10, 0]), bool(D[0, 10])
        (True, False)
        """
        mats = [self.criterion_matrix(c, prior1, prior2, n1, n2) for c in self.criteria]
        return np.logical_and.reduce(mats) if self.combine == "all" else np.logical_or.reduce(
            mats)

    # -- normal: vectorised decisions ----------------------------------------------------------
    def decide_normal(self, prior1: NormMix, prior2: NormMix, ybar1, ybar2, se1: float,
                      se2: float) -> np.ndarray:
        """Decisions for arrays of observed means (known standard errors ``se1``, ``se2``)."""
        w1, m1, s1 = _normal_post_arrays(prior1, ybar1, se1)
        w2, m2, s2 = _normal_post_arrays(prior2, ybar2, se2)
        w = (w1[..., :, None] * w2[..., None, :])
        m = m1[..., :, None] - m2[..., None, :]
        s = np.sqrt(s1[..., :, None] ** 2 + s2[..., None, :] ** 2)
        hits = []
        for c in self.criteria:
            up = np.sum(w * special.ndtr((m - c.threshold) / s), axis=(-2, -1))
            hits.append(((1 - up) if c.lower_tail else up) > c.prob)
        return (np.logical_and.reduce(hits) if self.combine == "all"
                else np.logical_or.reduce(hits))

    # -- words -------------------------------------------------------------------------------
    def _event(self, c: Criterion) -> str:
        t, k, ep = self.treatment, self.control, self.endpoint
        q = c.threshold
        if self.scale in ("log", "logit"):
            ratio = "risk ratio" if self.scale == "log" else "odds ratio"
            return (f"the {ratio} of {ep} ({t} vs {k}) is "
                    f"{'at most' if c.lower_tail else 'above'} {np.exp(q):.3g}")
        u = f" {self.units}" if self.units else ""
        if self.display == "fold" and q != 0:
            fold = f"{np.exp(q):.3g}-fold"
            if c.lower_tail:
                return f"{ep} on {t} is at most {fold} that on {k}"
            return f"{ep} on {t} is more than {fold} that on {k}"
        if q == 0:
            return f"{ep} on {t} is {'lower' if c.lower_tail else 'higher'} than on {k}"
        if c.lower_tail:
            return (f"{ep} on {t} is lower than on {k} by more than {-q:g}{u}" if q < 0 else
                    f"{ep} on {t} is not higher than on {k} by more than {q:g}{u}")
        return (f"{ep} on {t} is higher than on {k} by more than {q:g}{u}" if q > 0 else
                f"{ep} on {t} is not lower than on {k} by more than {-q:g}{u}")

    def describe(self) -> str:
        """A sentence a clinician can read."""
        parts = [f"the posterior probability that {self._event(c)} exceeds {_pct(c.prob)}"
                 for c in self.criteria]
        joiner = ", and " if self.combine == "all" else ", or if "
        return "Declare success if " + joiner.join(parts) + "."

    def __str__(self) -> str:
        return self.describe()


class ZTestRule(BaseModel):
    """A one-sided two-sample z-test at level ``alpha`` (frequentist; for hybrid designs).

    Binary endpoints use the pooled-variance z statistic (equivalent to the one-sided Pearson
    chi-square test); normal endpoints the known-SD z statistic. ``alternative="less"`` tests
    ``θ₁ < θ₂`` (e.g. lower mortality on CYT107).

    Examples
    --------
    >>> r = ZTestRule(alpha=0.025, alternative="greater", endpoint="ALC response")
    >>> bool(r.decision_matrix(50, 50)[40, 20])
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ztest"] = "ztest"
    alpha: float = Field(default=0.025, gt=0, lt=0.5)
    alternative: Literal["greater", "less"] = "greater"
    endpoint: str = "the outcome"
    treatment: str = "CYT107"
    control: str = "placebo"

    @property
    def z_crit(self) -> float:
        return float(stats.norm.isf(self.alpha))

    def _passes(self, z: np.ndarray) -> np.ndarray:
        return z > self.z_crit if self.alternative == "greater" else z < -self.z_crit

    def decision_matrix(self, n1: int, n2: int, prior1=None, prior2=None) -> np.ndarray:
        """Boolean ``D[y₁, y₂]`` of the test (priors, if given, are ignored)."""
        y1 = np.arange(n1 + 1)[:, None] / n1
        y2 = np.arange(n2 + 1)[None, :] / n2
        pbar = (y1 * n1 + y2 * n2) / (n1 + n2)
        se = np.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, (y1 - y2) / np.where(se > 0, se, 1), 0.0)
        return self._passes(z)

    def decide_normal(self, prior1, prior2, ybar1, ybar2, se1: float, se2: float) -> np.ndarray:
        z = (np.asarray(ybar1) - np.asarray(ybar2)) / np.sqrt(se1**2 + se2**2)
        return self._passes(z)

    def describe(self) -> str:
        side = "higher" if self.alternative == "greater" else "lower"
        return (f"Declare success if a one-sided two-sample z-test at level {_pct(self.alpha)} "
                f"shows {self.endpoint} on {self.treatment} {side} than on {self.control}.")

    def __str__(self) -> str:
        return self.describe()


Rule = BayesRule | ZTestRule


def rule_decision_matrix(rule: Rule, prior1: BetaMix | None, prior2: BetaMix | None, n1: int,
                         n2: int) -> np.ndarray:
    """``D[y₁, y₂]`` for any rule (Bayesian rules need the analysis priors); Bayesian decision
    matrices are cached (read-only arrays).

    Examples
    --------
    >>> rule_decision_matrix(ZTestRule(), None, None, 10, 10).shape
    (11, 11)
    """
    if isinstance(rule, ZTestRule):
        return rule.decision_matrix(n1, n2)
    if prior1 is None or prior2 is None:
        raise InputError("a Bayesian rule needs analysis priors for both arms", column="prior")
    key = (rule.model_dump_json(), *(tuple(np.concatenate([p.w, p.a, p.b]).tolist())
                                     for p in (prior1, prior2)), int(n1), int(n2))
    hit = _DECISION_CACHE.get(key)
    if hit is None:
        hit = rule.decision_matrix(prior1, prior2, n1, n2)
        hit.setflags(write=False)
        if len(_DECISION_CACHE) >= _CACHE_SIZE:
            _DECISION_CACHE.pop(next(iter(_DECISION_CACHE)))
        _DECISION_CACHE[key] = hit
    return hit


_CACHE_SIZE = 256
_DECISION_CACHE: dict[tuple, np.ndarray] = {}


class OneSampleRule(BaseModel):
    """Single-arm rule: ``P(θ > threshold | data) > prob`` (or ``≤`` with ``lower_tail``).

    Examples
    --------
    >>> r = OneSampleRule(prob=0.9, threshold=0.2, endpoint="the infusion-reaction rate",
    ...                   arm="CYT107")
    >>> r.decide(BetaMix.single(1, 1).posterior(9, 20))
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    prob: float = Field(gt=0, lt=1)
    threshold: float
    lower_tail: bool = False
    endpoint: str = "the response rate"
    arm: str = "CYT107"

    def probability(self, post: BetaMix | NormMix) -> float:
        up = float(post.sf(self.threshold))
        return 1 - up if self.lower_tail else up

    def decide(self, post: BetaMix | NormMix) -> bool:
        return self.probability(post) > self.prob

    def successes(self, prior: BetaMix, n: int) -> np.ndarray:
        """Boolean vector over ``y = 0..n``: does the rule hold with ``y`` events of ``n``?"""
        w, a, b = _beta_post_arrays(prior, np.arange(n + 1), n)
        up = np.sum(w * special.betaincc(a, b, self.threshold), axis=-1)
        return ((1 - up) if self.lower_tail else up) > self.prob

    def describe(self) -> str:
        rel = "at most" if self.lower_tail else "above"
        return (f"Declare the event if the posterior probability that {self.endpoint} on "
                f"{self.arm} is {rel} {self.threshold:g} exceeds {_pct(self.prob)}.")

    def __str__(self) -> str:
        return self.describe()
