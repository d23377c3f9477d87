"""Probability of success: the OC integrated over a design prior, exact or analytic — dispatched on
the design prior's class (as RBesT's ``pos1S``/``pos2S``).

=========================  ======================  ===============================================
design prior               design                  method
=========================  ======================  ===============================================
``TwoArmDesignPrior``      two-arm binary          exact: ``pred₁ᵀ D pred₂`` (beta-binomial
(``BetaMix``/fixed)                                predictives)
``TwoArmDesignPrior``      two-arm normal          analytic: normal-mixture predictives of the
(``NormMix``/fixed)                                means, exact regions, Gauss-Hermite over ``ȳ₂``
``BinaryDesignPrior``      two-arm binary          with ``treatment=``: as above; with
                                                   ``log_rr=``: quadrature over (θ_c, log RR)
``NormalDesignPrior``      two-arm normal          analytic (control mean fixed, δ a mixture)
``OneArmDesignPrior`` /    one-arm binary/normal   exact (beta-binomial) / analytic (normal)
``SingleArmDesignPrior``
=========================  ======================  ===============================================

Expected power — the probability of success given a relevant effect, ``E[OC(θ) | relevant]``
(Kunzmann et al. 2021) — is computed by the same quadrature restricted to the relevant region
(a risk ratio at most ``relevant`` when lower is better, a difference at least ``relevant`` when
higher is better; any benefit when ``relevant`` is ``None``). Monte Carlo remains available
(``method="mc"``, :func:`bayes_iris.design.assurance.assurance`) and the tests check the two agree
within Monte Carlo error.

At an interim, :func:`pos_interim` gives the probability that the final analysis succeeds: the
analysis priors updated with the interim data become the final analysis' priors for the
remaining patients, and the interim posteriors (under the analysis priors, or under separate
``belief`` priors) become the design prior (RBesT's "PoS at an interim" recipe).

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.

Kunzmann K, Grayling MJ, Lee KM, Robertson DS, Rufibach K, Wason JMS (2021). A review of
Bayesian perspectives on sample size derivation for confirmatory trials. The American
Statistician 75(4):424-432.

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive
priors with the R Bayesian evidence synthesis tools. Journal of Statistical Software
100(19):1-32.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatch

import numpy as np
from scipy import stats

from ..errors import InputError
from ..seeds import DEFAULT_SEED
from .arm_priors import OneArmDesignPrior, TwoArmDesignPrior, arm_mean
from .assurance import AssuranceResult, assurance
from .decisions import ThreeZoneRule
from .design_priors import BinaryDesignPrior, NormalDesignPrior, SingleArmDesignPrior
from .distributions import BetaMix, NormMix, normal_difference
from .normal_regions import hermite_nodes
from .oc import BinaryDesign, NormalDesign
from .one_arm import OneArmBinaryDesign, OneArmNormalDesign
from .quadrature import binary_oc_many, dist_nodes
from .rules import BayesRule, Criterion, ZTestRule, beta_prob_upper

Evaluator = Callable[..., AssuranceResult]
NAN = float("nan")
#: Gauss-Legendre nodes per component and dimension for expected power.
EP_NODES = 32


def benefit_sign(rule) -> int:
    """+1 if success means a higher parameter on treatment (or the one arm), −1 if lower."""
    if isinstance(rule, ThreeZoneRule):
        rule = rule.go
    if getattr(rule, "kind", "") == "ztest":
        return 1 if rule.alternative == "greater" else -1
    crit = getattr(rule, "criteria", None)
    if crit is None:
        return -1 if rule.lower_tail else 1
    return -1 if all(c.lower_tail for c in crit) else 1


def _zones_of(go, nogo_only=None) -> dict[str, float]:
    go = float(go)
    nogo = (1.0 - go) if nogo_only is None else float(nogo_only)
    return {"go": go, "consider": max(0.0, 1.0 - go - nogo), "no-go": nogo}


def _result(go, zones, power, p_benefit, method, ep=NAN, p_rel=NAN) -> AssuranceResult:
    return AssuranceResult(float(go), 0.0, float(power), float(p_benefit), 0, method,
                           float(ep), 0.0 if np.isfinite(ep) else NAN, p_relevant=float(p_rel),
                           zones=zones)


# -- two-arm binary -------------------------------------------------------------------------------
def _pred_binary(dist, n: int) -> np.ndarray:
    if isinstance(dist, BetaMix):
        return dist.predictive(n)
    return stats.binom.pmf(np.arange(n + 1), n, float(dist))


def _p_greater(t, c) -> float:
    """P(θ_t > θ_c) for independent arm priors (beta mixtures, normal mixtures or values)."""
    if isinstance(t, BetaMix) and isinstance(c, BetaMix):
        return float(beta_prob_upper(t.w, t.a, t.b, c.w, c.a, c.b, 0.0))
    if isinstance(t, NormMix) and isinstance(c, NormMix):
        return float(normal_difference(t, c).sf(0.0))
    if isinstance(t, BetaMix | NormMix):
        return float(t.sf(float(c)))
    if isinstance(c, BetaMix | NormMix):
        return float(c.cdf(float(t)))
    return float(float(t) > float(c))


def _binary_zone_probs(design: BinaryDesign, pred1, pred2) -> dict[str, float]:
    Z = design.zone_matrix
    go = pred1 @ (Z == 2).astype(float) @ pred2
    nogo = pred1 @ (Z == 0).astype(float) @ pred2
    return _zones_of(go, nogo)


def _binary_pairs_oc(design: BinaryDesign, t, c) -> np.ndarray:
    return binary_oc_many(design.decision, t, c, design.intervals())


def _conditional_nodes(t, c, lo_fn, hi_fn, m: int = EP_NODES):
    """Nodes of the region ``lo_fn(θ_c) < θ_t ≤ hi_fn(θ_c)`` under independent arm priors:
    ``θ_c`` nodes, then ``θ_t`` nodes conditional on each. Returns ``(W, T, C, p_region)``."""
    xc, wc = dist_nodes(c, m=m)
    xc, wc = xc.ravel(), wc.ravel()
    xt, wt = dist_nodes(t, lo=lo_fn(xc), hi=hi_fn(xc), m=m)
    W = (wc[:, None] * wt).ravel()
    T = xt.ravel()
    C = np.broadcast_to(xc[:, None], xt.shape).ravel()
    keep = W > 1e-14 * max(float(W.max(initial=0.0)), 1e-300)
    return W[keep], T[keep], C[keep], float(W.sum())


def _binary_two_arm(dp: TwoArmDesignPrior, relevant, sign) -> Evaluator:
    t, c = dp.treatment, dp.control
    p_benefit = _p_greater(t, c) if sign > 0 else 1.0 - _p_greater(t, c)
    rr = relevant if relevant is not None else 1.0
    inf = np.inf
    if sign < 0:  # relevant: θ_t ≤ RR·θ_c
        ep_nodes = lambda: _conditional_nodes(  # noqa: E731
            t, c, lambda x: np.full_like(x, -inf), lambda x: np.clip(rr * x, 0.0, 1.0))
    else:  # relevant: θ_t ≥ RR·θ_c
        ep_nodes = lambda: _conditional_nodes(  # noqa: E731
            t, c, lambda x: np.clip(rr * x, 0.0, 1.0), lambda x: np.full_like(x, inf))
    cache: dict = {}

    def evaluate(design: BinaryDesign, expected_power: bool = True) -> AssuranceResult:
        pred1, pred2 = _pred_binary(t, design.n1), _pred_binary(c, design.n2)
        zones = _binary_zone_probs(design, pred1, pred2)
        power = float(design.oc(*dp.point()))
        ep = p_rel = NAN
        if expected_power:
            if "nodes" not in cache:
                cache["nodes"] = ep_nodes()
            W, T, C, p_rel = cache["nodes"]
            ep = float(W @ _binary_pairs_oc(design, T, C) / p_rel) if p_rel > 1e-12 else NAN
        return _result(zones["go"], zones, power, p_benefit, "exact (beta-binomial "
                       "predictives); expected power by quadrature", ep, p_rel)

    return evaluate


def _binary_log_rr(dp: BinaryDesignPrior, relevant, sign, m: int = EP_NODES) -> Evaluator:
    xc, wc = dist_nodes(dp.control, m=m)
    xc, wc = xc.ravel(), wc.ravel()
    xl, wl = dist_nodes(dp.log_rr, m=m)
    xl, wl = xl.ravel(), wl.ravel()
    T = np.minimum(xc[:, None] * np.exp(xl[None, :]), 1.0).ravel()
    C = np.broadcast_to(xc[:, None], (xc.size, xl.size)).ravel()
    W = (wc[:, None] * wl[None, :]).ravel()
    p_benefit = float(dp.log_rr.cdf(0.0)) if sign < 0 else float(dp.log_rr.sf(0.0))
    cut = float(np.log(relevant)) if relevant is not None else 0.0
    if sign < 0:
        xr, wr = dist_nodes(dp.log_rr, hi=cut, m=m)
    else:
        xr, wr = dist_nodes(dp.log_rr, lo=cut, m=m)
    xr, wr = xr.ravel(), wr.ravel()
    Tr = np.minimum(xc[:, None] * np.exp(xr[None, :]), 1.0).ravel()
    Cr = np.broadcast_to(xc[:, None], (xc.size, xr.size)).ravel()
    Wr = (wc[:, None] * wr[None, :]).ravel()
    p_rel = float(Wr.sum())

    def evaluate(design: BinaryDesign, expected_power: bool = True) -> AssuranceResult:
        if isinstance(design.rule, ThreeZoneRule):
            raise InputError("three-zone rules with a log-RR design prior: give per-arm design "
                             "priors (TwoArmDesignPrior)", column="design_prior")
        go = float(W @ _binary_pairs_oc(design, T, C))
        power = float(design.oc(*dp.point()))
        ep = NAN
        if expected_power and p_rel > 1e-12:
            ep = float(Wr @ _binary_pairs_oc(design, Tr, Cr) / p_rel)
        return _result(go, _zones_of(go), power, p_benefit,
                       "quadrature over (control rate, log RR)", ep, p_rel)

    return evaluate


# -- two-arm normal -------------------------------------------------------------------------------
def _pred_normal(dist, se: float) -> NormMix:
    if isinstance(dist, NormMix):
        return dist.predictive(se)
    return NormMix.single(float(dist), se)


def _normal_zone_probs(design: NormalDesign, pred1: NormMix, pred2: NormMix) -> dict:
    z, gw = hermite_nodes(64)
    y2 = (pred2.m[:, None] + pred2.s[:, None] * z[None, :]).ravel()
    w2 = (pred2.w[:, None] * gw[None, :]).ravel()
    lo = min(float(np.min(pred1.m - 14 * pred1.s)), float(y2.min()) - 14 * pred1.sd)
    hi = max(float(np.max(pred1.m + 14 * pred1.s)), float(y2.max()) + 14 * pred1.sd)
    probs = design._zone_probs(y2, pred1.cdf, lo, hi)
    go = float(w2 @ np.clip(probs["go"], 0, 1))
    nogo = float(w2 @ np.clip(probs["nogo_only"], 0, 1)) if "nogo_only" in probs else None
    return _zones_of(go, nogo)


def _normal_two_arm(dp: TwoArmDesignPrior, relevant, sign) -> Evaluator:
    t, c = dp.treatment, dp.control
    p_benefit = _p_greater(t, c) if sign > 0 else 1.0 - _p_greater(t, c)
    shift = relevant if relevant is not None else 0.0
    inf = np.inf
    if sign > 0:  # relevant: θ_t − θ_c ≥ shift
        ep_nodes = lambda: _conditional_nodes(  # noqa: E731
            t, c, lambda x: x + shift, lambda x: np.full_like(x, inf))
    else:
        ep_nodes = lambda: _conditional_nodes(  # noqa: E731
            t, c, lambda x: np.full_like(x, -inf), lambda x: x + shift)
    cache: dict = {}

    def evaluate(design: NormalDesign, expected_power: bool = True) -> AssuranceResult:
        pred1, pred2 = _pred_normal(t, design.se1), _pred_normal(c, design.se2)
        zones = _normal_zone_probs(design, pred1, pred2)
        power = float(design.oc(*dp.point()))
        ep = p_rel = NAN
        if expected_power:
            if "nodes" not in cache:
                cache["nodes"] = ep_nodes()
            W, T, C, p_rel = cache["nodes"]
            ep = float(W @ design.oc_pairs(T, C) / p_rel) if p_rel > 1e-12 else NAN
        return _result(zones["go"], zones, power, p_benefit, "analytic (normal predictives, "
                       "exact regions, Gauss-Hermite)", ep, p_rel)

    return evaluate


# -- dispatch on the design prior's class ------------------------------------------------------
@singledispatch
def prepare(design_prior, design, relevant=None) -> Evaluator:
    """An evaluator ``design -> AssuranceResult`` for designs of ``design``'s family under
    ``design_prior`` (design-prior work — quadrature nodes — is done once here)."""
    raise InputError(f"no probability of success for a design prior of type "
                     f"{type(design_prior).__name__}", column="design_prior")


@prepare.register
def _(dp: TwoArmDesignPrior, design, relevant=None) -> Evaluator:
    sign = benefit_sign(design.rule)
    if isinstance(design, BinaryDesign):
        if isinstance(dp.treatment, NormMix) or isinstance(dp.control, NormMix):
            raise InputError("a binary design needs BetaMix (or fixed) design priors per arm",
                             column="design_prior")
        return _binary_two_arm(dp, relevant, sign)
    if isinstance(design, NormalDesign):
        if isinstance(dp.treatment, BetaMix) or isinstance(dp.control, BetaMix):
            raise InputError("a normal design needs NormMix (or fixed) design priors per arm",
                             column="design_prior")
        return _normal_two_arm(dp, relevant, sign)
    raise InputError(f"a two-arm design prior needs a two-arm design, got "
                     f"{type(design).__name__}", column="design_prior")


@prepare.register
def _(dp: BinaryDesignPrior, design, relevant=None) -> Evaluator:
    if not isinstance(design, BinaryDesign):
        raise InputError("a BinaryDesignPrior needs a two-arm binary design",
                         column="design_prior")
    sign = benefit_sign(design.rule)
    if dp.treatment is not None:
        two = TwoArmDesignPrior(dp.treatment, dp.control, dp.label, dp.source, dp.assumptions)
        return _binary_two_arm(two, relevant, sign)
    return _binary_log_rr(dp, relevant, sign)


@prepare.register
def _(dp: NormalDesignPrior, design, relevant=None) -> Evaluator:
    if not isinstance(design, NormalDesign):
        raise InputError("a NormalDesignPrior needs a two-arm normal design",
                         column="design_prior")
    if not (np.isclose(design.sigma, dp.sigma) and np.isclose(design.sigma2, dp.sigma)):
        raise InputError("design and design prior disagree on sigma", column="sigma")
    mu_c = float(dp.control_mean)
    delta = dp.delta
    treat = (NormMix(delta.w, delta.m + mu_c, delta.s, sigma=delta.sigma)
             if isinstance(delta, NormMix) else float(delta) + mu_c)
    two = TwoArmDesignPrior(treat, mu_c, dp.label, dp.source, dp.assumptions)
    return _normal_two_arm(two, relevant, benefit_sign(design.rule))


def _one_arm(dp: OneArmDesignPrior, design) -> Evaluator:
    rule = design.rule.go if isinstance(design.rule, ThreeZoneRule) else design.rule
    c0 = rule.criteria[0]
    theta = dp.theta
    if isinstance(theta, BetaMix | NormMix):
        up = float(theta.sf(c0.threshold))
    else:
        up = float(float(theta) > c0.threshold)
    p_benefit = 1.0 - up if c0.lower_tail else up

    def evaluate(d, expected_power: bool = False) -> AssuranceResult:
        zones = {k: float(v) for k, v in d.predictive_zones(theta).items()
                 if k in ("go", "consider", "no-go")}
        power = float(d.oc(dp.point()))
        kind = "exact (beta-binomial predictive)" if isinstance(d, OneArmBinaryDesign) else (
            "analytic (normal predictive)")
        return _result(zones["go"], zones, power, p_benefit, kind)

    return evaluate


@prepare.register
def _(dp: OneArmDesignPrior, design, relevant=None) -> Evaluator:
    if not isinstance(design, OneArmBinaryDesign | OneArmNormalDesign):
        raise InputError("a one-arm design prior needs a one-arm design", column="design_prior")
    return _one_arm(dp, design)


@prepare.register
def _(dp: SingleArmDesignPrior, design, relevant=None) -> Evaluator:
    return prepare(OneArmDesignPrior(dp.rate, dp.label, dp.source, dp.assumptions), design,
                   relevant)


def pos(design, design_prior, *, relevant: float | None = None, method: str = "auto",
        n_draws: int = 20000, seed: int = DEFAULT_SEED) -> AssuranceResult:
    """Probability of success of ``design`` under ``design_prior`` (exact or analytic; see the
    module docstring), with the power at the design prior's centre, P(benefit) and expected
    power. ``method="mc"``: Monte Carlo (:func:`~bayes_iris.design.assurance.assurance`).

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> d = BinaryDesign(BayesRule(criteria=[Criterion(prob=0.975)]), BetaMix.single(1, 1),
    ...                  BetaMix.single(1, 1), 40, 40)
    >>> res = pos(d, TwoArmDesignPrior(BetaMix.single(12, 18), BetaMix.single(6, 24)))
    >>> 0.3 < res.assurance < res.p_benefit, res.mcse
    (True, 0.0)
    """
    if method == "mc":
        return assurance(design, design_prior, n_draws=n_draws, seed=seed, relevant=relevant)
    if method not in ("auto", "exact"):
        raise InputError(f"unknown method {method!r}", column="method", hint="'auto' or 'mc'")
    return prepare(design_prior, design, relevant)(design)


#: The generic name (RBesT: ``pos1S``/``pos2S``).
probability_of_success = pos


# -- interim ----------------------------------------------------------------------------------
def _flat_equivalent(rule):
    """A z-test as the Bayesian rule it equals under flat priors (P(δ > 0) > 1 − α)."""
    if isinstance(rule, ZTestRule):
        return BayesRule(criteria=[Criterion(prob=1 - rule.alpha,
                                             lower_tail=rule.alternative == "less")],
                         endpoint=rule.endpoint, treatment=rule.treatment, control=rule.control)
    return rule


def _update(prior, data):
    if isinstance(prior, BetaMix):
        return prior.posterior(int(data[0]), int(data[1]))
    mean, se = float(data[0]), float(data[1])
    if prior is None:
        return NormMix.single(mean, se)
    return prior.posterior(mean, se)


def pos_interim(design, interim1, interim2=None, *, belief1=None, belief2=None
                ) -> AssuranceResult:
    """Probability that ``design``'s final analysis succeeds, given interim data.

    Binary arms: ``interim = (events, patients)``. Normal arms: ``interim = (mean, se,
    patients)`` with the standard error as observed (it need not be ``σ/√m``). The final
    analysis uses the design's analysis priors on all data; the predictive uses ``belief``
    priors (default: the analysis priors; flat for a z-test) updated with the interim data.

    Examples
    --------
    >>> from bayes_iris.design.rules import ZTestRule
    >>> from bayes_iris.design.predictive import predictive_power
    >>> d = NormalDesign(ZTestRule(alpha=0.025), None, None, 100, 100, sigma=1.0)
    >>> z = 0.3 / (2 / 50) ** 0.5
    >>> res = pos_interim(d, (0.3, 1 / 50 ** 0.5, 50), (0.0, 1 / 50 ** 0.5, 50))
    >>> round(res.assurance, 6) == round(predictive_power(z, 0.5), 6)
    True
    """
    if isinstance(design, OneArmBinaryDesign | OneArmNormalDesign):
        return _pos_interim_one_arm(design, interim1, belief1)
    if isinstance(design, BinaryDesign):
        (x1, m1), (x2, m2) = (tuple(int(v) for v in interim1), tuple(int(v) for v in interim2))
        for x, m, n in ((x1, m1, design.n1), (x2, m2, design.n2)):
            if not 0 <= x <= m <= n:
                raise InputError(f"need 0 <= events <= patients <= n, got {x}, {m}, {n}",
                                 column="interim")
        b1 = (belief1 or design.prior1 or BetaMix.single(1, 1)).posterior(x1, m1)
        b2 = (belief2 or design.prior2 or BetaMix.single(1, 1)).posterior(x2, m2)
        pred1, pred2 = b1.predictive(design.n1 - m1), b2.predictive(design.n2 - m2)
        Z = design.zone_matrix[x1: x1 + design.n1 - m1 + 1, x2: x2 + design.n2 - m2 + 1]
        go = float(pred1 @ (Z == 2).astype(float) @ pred2)
        nogo = float(pred1 @ (Z == 0).astype(float) @ pred2)
        return _result(go, _zones_of(go, nogo), NAN, NAN, "exact (interim predictive)")
    if isinstance(design, NormalDesign):
        (y1, se1, m1), (y2, se2, m2) = interim1, interim2
        m1, m2 = int(m1), int(m2)
        if not (1 <= m1 < design.n1 and 1 <= m2 < design.n2):
            raise InputError("interim patients per arm must be in [1, n)", column="interim")
        rule = _flat_equivalent(design.rule)
        post1, post2 = _update(design.prior1, (y1, se1)), _update(design.prior2, (y2, se2))
        rest = NormalDesign(rule, post1, post2, design.n1 - m1, design.n2 - m2, design.sigma,
                            design.sigma2)
        bel1 = _update(belief1, (y1, se1)) if belief1 is not None else post1
        bel2 = _update(belief2, (y2, se2)) if belief2 is not None else post2
        res = pos(rest, TwoArmDesignPrior(bel1, bel2))
        return _result(res.assurance, res.zones, NAN, NAN, "analytic (interim predictive)")
    raise InputError(f"no interim PoS for {type(design).__name__}", column="design")


def _pos_interim_one_arm(design, interim, belief) -> AssuranceResult:
    if isinstance(design, OneArmBinaryDesign):
        x, m = (int(v) for v in interim)
        if not 0 <= x <= m <= design.n:
            raise InputError(f"need 0 <= events <= patients <= n, got {x}, {m}, {design.n}",
                             column="interim")
        b = (belief or design.prior).posterior(x, m)
        pred = b.predictive(design.n - m)
        go = float(pred @ design.success[x: x + design.n - m + 1].astype(float))
        return _result(go, _zones_of(go), NAN, NAN, "exact (interim predictive)")
    y, se, m = interim
    m = int(m)
    if not 1 <= m < design.n:
        raise InputError("interim patients must be in [1, n)", column="interim")
    post = _update(design.prior, (y, se))
    rest = OneArmNormalDesign(design.rule, post, design.n - m, design.sigma)
    bel = _update(belief, (y, se)) if belief is not None else post
    zones = {k: float(v) for k, v in rest.predictive_zones(bel).items()
             if k in ("go", "consider", "no-go")}
    return _result(zones["go"], zones, NAN, NAN, "analytic (interim predictive)")


def point_of(design_prior) -> tuple:
    """The design prior's centre, as the true parameter(s) for ``design.oc``."""
    if isinstance(design_prior, TwoArmDesignPrior | BinaryDesignPrior):
        return tuple(design_prior.point())
    if isinstance(design_prior, NormalDesignPrior):
        mu_c = float(design_prior.control_mean)
        return (mu_c + design_prior.point(), mu_c)
    if isinstance(design_prior, OneArmDesignPrior | SingleArmDesignPrior):
        return (design_prior.point(),)
    return (arm_mean(design_prior),)
