"""Assurance (probability of success): the OC integrated over a design prior.

The design prior (what we believe about the truth when planning) is kept separate from the
analysis prior (what the final analysis will use). Assurance is estimated by Monte Carlo over the
design prior, Rao-Blackwellised where the conditional success probability is exact (binary: the
treatment arm's outcome is summed out exactly), with its Monte Carlo standard error; exact
formulas are given where they exist (beta design priors: beta-binomial prior predictives; normal
endpoint with a z-test: O'Hagan et al. 2005).

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..errors import InputError
from ..seeds import DEFAULT_SEED, rng
from .design_priors import BinaryDesignPrior, NormalDesignPrior, SingleArmDesignPrior
from .distributions import BetaMix
from .oc import BinaryDesign, NormalDesign
from .rules import OneSampleRule


@dataclass(frozen=True)
class AssuranceResult:
    """Assurance with its Monte Carlo standard error (0 when exact) and context.

    ``power_at_point`` is the OC at the design prior's centre; ``p_benefit`` the design prior's
    probability that the treatment is better (assurance cannot meaningfully exceed it);
    ``p_relevant`` its probability of a relevant benefit (what ``expected_power`` conditions
    on); ``zones`` the Go / Consider / No-Go probabilities where computed.
    ``expected_power`` is the probability of success given that the treatment is better,
    E[OC(θ) | benefit] (Kunzmann et al. 2021), with its own MCSE: unlike assurance it can reach
    a conventional target when the design prior puts much mass on no benefit.

    References
    ----------
    Kunzmann K, Grayling MJ, Lee KM, Robertson DS, Rufibach K, Wason JMS (2021). A review of
    Bayesian perspectives on sample size derivation for confirmatory trials. The American
    Statistician 75(4):424-432.
    """

    assurance: float
    mcse: float
    power_at_point: float
    p_benefit: float
    n_draws: int
    method: str
    expected_power: float = float("nan")
    expected_power_mcse: float = float("nan")
    p_relevant: float = float("nan")
    zones: dict | None = None


def _conditional_mean(values: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """Mean and MCSE of ``values`` over the draws where ``mask`` holds (NaN if fewer than 2)."""
    sel = values[mask]
    if sel.size < 2:
        return float("nan"), float("nan")
    return float(sel.mean()), float(sel.std(ddof=1) / np.sqrt(sel.size))


def _benefit_sign(design) -> int:
    """+1 if success means treatment higher, -1 if lower (from the rule)."""
    rule = design.rule
    if getattr(rule, "kind", "") == "ztest":
        return 1 if rule.alternative == "greater" else -1
    return -1 if all(c.lower_tail for c in rule.criteria) else 1


def assurance(design: BinaryDesign | NormalDesign, design_prior: BinaryDesignPrior |
              NormalDesignPrior, *, n_draws: int = 20000, seed: int = DEFAULT_SEED,
              stream: str = "design.assurance",
              relevant: float | None = None) -> AssuranceResult:
    """Monte Carlo assurance of a two-arm design under a design prior.

    Binary: θ ~ design prior, ``y₂ ~ Bin(n₂, θ_c)``, and ``P(success | θ_t, y₂)`` exactly over
    ``y₁`` (Rao-Blackwell), so the MCSE is ``sd / √n_draws`` of those probabilities. Normal:
    δ ~ design prior, both means simulated, decision evaluated.

    ``relevant`` sets the clinically relevant effect that ``expected_power`` conditions on
    (Kunzmann et al. 2021): for binary designs a risk ratio θ_t/θ_c (e.g. 0.8 when lower is
    better: condition on θ_t/θ_c ≤ 0.8), for normal designs a difference δ (condition on
    δ ≥ relevant when higher is better). ``None``: condition on any benefit.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> from bayes_iris.design.distributions import NormMix
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    >>> d = BinaryDesign(rule, BetaMix.single(1, 1), BetaMix.single(1, 1), 150, 150)
    >>> dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(np.log(0.7), 0.2))
    >>> res = assurance(d, dp, n_draws=2000, seed=1)
    >>> 0 < res.assurance < res.p_benefit
    True
    """
    if n_draws < 2:
        raise InputError("n_draws must be at least 2", column="n_draws")
    r = rng(seed, stream)
    sign = _benefit_sign(design)
    if isinstance(design, BinaryDesign) and isinstance(design_prior, BinaryDesignPrior):
        t, c = design_prior.sample(r, n_draws)
        y2 = r.binomial(design.n2, c)
        p = design.success_given(t, y2)
        pt, pc = design_prior.point()
        point = float(design.oc(pt, pc))
        better = np.sign(t - c) == sign
        benefit = float(np.mean(better))  # P(benefit), before any relevance condition
        if relevant is not None:
            better &= (t / c <= relevant) if sign < 0 else (t / c >= relevant)
        ep, ep_se = _conditional_mean(np.asarray(p, dtype=float), better)
        return AssuranceResult(float(p.mean()), float(p.std(ddof=1) / np.sqrt(n_draws)), point,
                               benefit, n_draws, "monte carlo (Rao-Blackwellised over arm 1)",
                               ep, ep_se, p_relevant=float(np.mean(better)))
    if isinstance(design, NormalDesign) and isinstance(design_prior, NormalDesignPrior):
        if not np.isclose(design.sigma, design_prior.sigma):
            raise InputError("design and design prior disagree on sigma", column="sigma")
        delta = design_prior.sample_delta(r, n_draws)
        mu_c = design_prior.control_mean
        y1 = r.normal(mu_c + delta, design.se1)
        y2 = r.normal(mu_c, design.se2, size=n_draws)
        hit = design.decide(y1, y2).astype(float)
        point = float(design.oc(mu_c + design_prior.point(), mu_c))
        p_pos = design_prior.p_positive()
        benefit = p_pos if sign > 0 else 1 - p_pos
        better = np.sign(delta) == sign
        if relevant is not None:
            better &= (delta <= relevant) if sign < 0 else (delta >= relevant)
        ep, ep_se = _conditional_mean(hit, better)
        return AssuranceResult(float(hit.mean()), float(hit.std(ddof=1) / np.sqrt(n_draws)),
                               point, benefit, n_draws, "monte carlo", ep, ep_se,
                               p_relevant=float(np.mean(better)))
    raise InputError(f"design {type(design).__name__} and design prior "
                     f"{type(design_prior).__name__} do not match", column="design_prior")


def assurance_exact(design: BinaryDesign, treatment: BetaMix, control: BetaMix) -> float:
    """Exact assurance for independent beta-mixture design priors on both arms:
    ``pred₁ᵀ D pred₂`` with beta-binomial prior predictives.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> d = BinaryDesign(BayesRule(criteria=[Criterion(prob=0.975)]), BetaMix.single(1, 1),
    ...                  BetaMix.single(1, 1), 40, 40)
    >>> 0 < assurance_exact(d, BetaMix.single(8, 12), BetaMix.single(4, 16)) < 1
    True
    """
    return float(treatment.predictive(design.n1) @ design.decision.astype(float)
                 @ control.predictive(design.n2))


def ohagan_assurance(m: float, v: float, sigma: float, n: int, alpha: float = 0.025) -> float:
    """Closed-form assurance of a two-arm normal trial (O'Hagan et al. 2005).

    ``Φ((m − z₁₋α s) / √(v + s²))`` with ``s = σ √(2/n)``, ``n`` per arm, one-sided level ``α``,
    design prior ``δ ~ N(m, v)``.

    References
    ----------
    O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design.
    Pharmaceutical Statistics 4:187-201.

    Examples
    --------
    >>> round(ohagan_assurance(0.4, 0.0, 1.0, 100), 3)  # v = 0: ordinary power
    0.807
    """
    if not (np.isfinite(m) and np.isfinite(v) and v >= 0):
        raise InputError(f"design prior N(m, v) needs finite m and v >= 0, got m={m}, v={v}",
                         column="v")
    if not (np.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be a finite number > 0, got {sigma}", column="sigma")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", column="alpha")
    from .oc import _check_n

    n = _check_n(n, "n")
    s = sigma * np.sqrt(2.0 / n)
    return float(special.ndtr((m - stats.norm.isf(alpha) * s) / np.sqrt(v + s**2)))


def assurance_single_arm(rule: OneSampleRule, prior: BetaMix, n: int,
                         design_prior: SingleArmDesignPrior) -> float:
    """Exact probability that a single-arm rule fires after ``n`` patients, under a beta design
    prior (beta-binomial predictive) or a fixed rate (binomial).

    Examples
    --------
    >>> r = OneSampleRule(prob=0.9, threshold=0.1)
    >>> dp = SingleArmDesignPrior(rate=0.3)
    >>> assurance_single_arm(r, BetaMix.single(1, 1), 40, dp) > 0.9
    True
    """
    hits = rule.successes(prior, n).astype(float)
    if isinstance(design_prior.rate, BetaMix):
        return float(design_prior.rate.predictive(n) @ hits)
    return float(stats.binom.pmf(np.arange(n + 1), n, float(design_prior.rate)) @ hits)
