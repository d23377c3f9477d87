"""Sample size: the smallest total n reaching a target assurance (or power), with the whole curve.

Endpoints (presets: default rule, analysis priors and design prior; all overridable):

``mortality``  28-day mortality, binary, success if P(mortality lower on CYT107) > 97.5 %;
               design prior on the log RR from the pooled reanalysis (fallback: published RR),
               control risk an explicit ASSUMPTION (``design_priors.CONTROL_RISK_ASSUMPTIONS``).
``infection``  secondary infection, binary, same structure.
``rise50``     ≥ 50 % ALC rise by day 29 (IRIS-7-C&D registry endpoint), binary, higher is better.
``alc``        day-29 log-ALC ratio, normal with known per-patient SD; dual criterion
               P(δ > 0) > 97.5 % and P(δ > log 1.5) > 50 %.
``safety``     single arm: probability that the rule "P(rate > 10 % | data) > 90 %" fires for
               the infusion-reaction rate on CYT107 (design prior from 3/15 in IRIS-7-C&D).

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..seeds import DEFAULT_SEED
from .assurance import assurance, assurance_single_arm
from .design_priors import (
    BinaryDesignPrior,
    DesignPrior,
    NormalDesignPrior,
    SingleArmDesignPrior,
    alc_design_prior,
    clinical_design_prior,
    rise50_design_prior,
    safety_design_prior,
)
from .distributions import BetaMix, NormMix
from .engine import simulate_binary
from .oc import BinaryDesign, NormalDesign
from .rules import BayesRule, Criterion, OneSampleRule, Rule

ENDPOINTS = ("mortality", "infection", "rise50", "alc", "safety")
Endpoint = Literal["mortality", "infection", "rise50", "alc", "safety"]

ENDPOINT_LABELS = {
    "mortality": "28-day mortality",
    "infection": "secondary infection",
    "rise50": "a >= 50 % ALC rise by day 29",
    "alc": "the day-29 ALC",
    "safety": "the rate of fever with respiratory distress after a dose",
}

#: Clinically relevant effects that ``expected_power`` conditions on (ASSUMPTIONS): RR 0.8 for
#: the clinical endpoints (the MCID of the summary reanalysis), a 1.5-fold day-29 ALC ratio.
MCID_RR = 0.8
DEFAULT_RELEVANT = {"mortality": MCID_RR, "infection": MCID_RR, "alc": float(np.log(1.5))}

DEFAULT_N_MAX = {"mortality": 1200, "infection": 1200, "rise50": 120, "alc": 80, "safety": 120}


def default_rule(endpoint: str) -> Rule | OneSampleRule:
    """The preset decision rule of an endpoint (see the module docstring).

    Examples
    --------
    >>> print(default_rule("mortality"))  # doctest: +NORMALIZE_WHITESPACE
    Declare success if the posterior probability that 28-day mortality on CYT107 is lower than
    on placebo exceeds 97.5 %.
    """
    _check_endpoint(endpoint)
    label = ENDPOINT_LABELS[endpoint]
    if endpoint in ("mortality", "infection"):
        return BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)], endpoint=label)
    if endpoint == "rise50":
        return BayesRule(criteria=[Criterion(prob=0.975)], endpoint=label)
    if endpoint == "alc":
        return BayesRule(criteria=[Criterion(prob=0.975),
                                   Criterion(prob=0.5, threshold=float(np.log(1.5)))],
                         endpoint=label, display="fold")
    return OneSampleRule(prob=0.9, threshold=0.10, endpoint=label)


def default_analysis_priors(endpoint: str, sigma: float | None = None):
    """Analysis priors: uniform Beta(1, 1) per arm (binary), N(0, 10²) per arm mean (normal).

    Examples
    --------
    >>> default_analysis_priors("mortality")[0]
    BetaMix(1·Beta(1, 1))
    """
    _check_endpoint(endpoint)
    if endpoint == "alc":
        return NormMix.single(0.0, 10.0, sigma=sigma), NormMix.single(0.0, 10.0, sigma=sigma)
    if endpoint == "safety":
        return BetaMix.single(1, 1), None
    return BetaMix.single(1, 1), BetaMix.single(1, 1)


def default_design_prior(endpoint: str, *, robust_weight: float = 0.0) -> DesignPrior:
    """The preset design prior of an endpoint from published facts (labelled "FALLBACK" in
    ``.source``); from a results folder: :func:`bayes_iris.results.design_prior_from_results`.

    Examples
    --------
    >>> default_design_prior("infection").source[:8]
    'FALLBACK'
    """
    _check_endpoint(endpoint)
    if endpoint in ("mortality", "infection"):
        return clinical_design_prior(endpoint, robust_weight=robust_weight)
    if endpoint == "alc":
        return alc_design_prior(robust_weight=robust_weight)
    if endpoint == "rise50":
        return rise50_design_prior()
    return safety_design_prior()


def _check_endpoint(endpoint: str) -> None:
    if endpoint not in ENDPOINTS:
        raise InputError(f"unknown endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {', '.join(ENDPOINTS)}")


@dataclass
class SampleSizeResult:
    """The assurance (or power) curve over total sample sizes and the recommended n.

    ``curve`` columns: ``n_total, n_treat, n_control, assurance, mcse, power_at_point,
    p_benefit`` (``mcse`` is 0 where exact). ``recommended_n`` is the smallest ``n_total`` of
    the grid whose ``metric`` column reaches ``target``, or ``None`` (then ``note`` says why).
    """

    curve: pd.DataFrame
    recommended_n: int | None
    target: float
    metric: str
    endpoint: str
    design_prior: str
    design_prior_source: str
    rule: str
    assumptions: tuple[str, ...] = ()
    note: str = ""
    extra: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row: endpoint, design_prior, target, metric, recommended_n, rule, source."""
        return pd.DataFrame([{
            "endpoint": self.endpoint, "design_prior": self.design_prior,
            "metric": self.metric, "target": self.target, "recommended_n": self.recommended_n,
            "rule": self.rule, "design_prior_source": self.design_prior_source,
            "assumptions": " | ".join(self.assumptions), "note": self.note,
        }])


def _split(n_total: int, allocation: float) -> tuple[int, int]:
    n_t = round(n_total * allocation / (1 + allocation))
    return max(n_t, 1), max(n_total - n_t, 1)


def sample_size(endpoint: Endpoint = "mortality", design_prior: DesignPrior | None = None, *,
                rule: Rule | OneSampleRule | None = None, analysis_priors=None,
                target: float = 0.8,
                metric: Literal["assurance", "power", "expected_power"] = "assurance",
                allocation: float = 1.0, n_grid=None, n_max: int | None = None,
                n_sim: int = 20000, seed: int = DEFAULT_SEED,
                engine: Literal["numpy", "jax", "rao-blackwell"] = "rao-blackwell",
                relevant: float | None = None) -> SampleSizeResult:
    """Assurance (and power at the design prior's centre) versus total sample size.

    Parameters
    ----------
    endpoint
        One of ``mortality, infection, rise50, alc, safety``.
    design_prior
        A design prior; default: the endpoint's preset (:func:`default_design_prior`).
    rule, analysis_priors
        The final analysis; defaults: :func:`default_rule`, :func:`default_analysis_priors`.
    target, metric
        Smallest n with ``metric`` ≥ ``target`` is recommended: "assurance" (unconditional
        probability of success), "power" (at the design prior's centre) or "expected_power"
        (probability of success given a beneficial effect, Kunzmann et al. 2021 — the metric to
        use when the design prior, like the pooled published mortality RR, puts about half its
        mass on no benefit, so that assurance can never reach a conventional target). Not
        available for the single-arm safety endpoint.
    relevant
        The clinically relevant effect ``expected_power`` conditions on: a risk ratio for binary
        endpoints (default for mortality/infection: ``MCID_RR`` = 0.8, an ASSUMPTION shared with
        the summary reanalysis), a difference for "alc" (log ratio; default log 1.5). ``None``
        elsewhere: any benefit.
    allocation
        Treatment : control ratio (2.0 = 2:1).
    n_grid, n_max
        Total sample sizes to evaluate (default: 20 even values up to ``n_max``).
    n_sim, seed, engine
        Monte Carlo budget; binary endpoints use the Rao-Blackwellised estimator
        ("rao-blackwell", default) or full trial simulation ("jax" / "numpy" engines).

    Examples
    --------
    >>> res = sample_size("alc", n_grid=[6, 12, 24], n_sim=2000, seed=1)
    >>> list(res.curve.columns[:5])
    ['n_total', 'n_treat', 'n_control', 'assurance', 'mcse']
    >>> res.recommended_n in (6, 12, 24, None)
    True
    """
    _check_endpoint(endpoint)
    if not 0 < target < 1:
        raise InputError(f"target must be in (0, 1), got {target}", column="target")
    if not (np.isfinite(allocation) and allocation > 0):
        raise InputError(f"allocation must be a finite number > 0, got {allocation}",
                         column="allocation")
    if metric not in ("assurance", "power", "expected_power"):
        raise InputError(f"unknown metric {metric!r}", column="metric",
                         hint="'assurance', 'power' or 'expected_power'")
    if metric == "expected_power" and endpoint == "safety":
        raise InputError("expected_power is defined for two-arm endpoints only", column="metric",
                         hint="use 'assurance' or 'power' for the safety endpoint")
    if relevant is None:
        relevant = DEFAULT_RELEVANT.get(endpoint)
    if relevant is not None and not np.isfinite(relevant):
        raise InputError(f"relevant must be finite, got {relevant}", column="relevant")
    dp = design_prior if design_prior is not None else default_design_prior(endpoint)
    rule = rule if rule is not None else default_rule(endpoint)
    if n_grid is None:
        lo = 4 if endpoint in ("alc", "safety", "rise50") else 20
        if n_max is not None and not (np.isfinite(n_max) and n_max >= lo):
            raise InputError(f"n_max must be a whole number >= {lo} (the smallest trial "
                             f"evaluated), got {n_max}", column="n_max")
        n_max = int(n_max or DEFAULT_N_MAX[endpoint])
        n_grid = np.unique(np.linspace(lo, max(n_max, lo + 2), 20).round().astype(int) // 2 * 2)
    from .oc import _check_n

    n_sim = _check_n(n_sim, "n_sim")
    n_grid = [_check_n(n, "n_grid") for n in n_grid]
    if not n_grid:
        raise InputError("n_grid is empty", column="n_grid", hint="give at least one sample size")
    if any(n < 2 for n in n_grid):
        raise InputError("every total sample size must be >= 2", column="n_grid")

    rows = []
    if endpoint == "safety" or isinstance(dp, SingleArmDesignPrior):
        if not isinstance(dp, SingleArmDesignPrior) or not isinstance(rule, OneSampleRule):
            raise InputError("the safety endpoint needs a single-arm design prior and rule",
                             column="design_prior")
        prior = (analysis_priors or default_analysis_priors("safety"))[0]
        point = SingleArmDesignPrior(rate=dp.point())
        for n in n_grid:
            rows.append({"n_total": n, "n_treat": n, "n_control": 0,
                         "assurance": assurance_single_arm(rule, prior, n, dp), "mcse": 0.0,
                         "power_at_point": assurance_single_arm(rule, prior, n, point),
                         "p_benefit": float(dp.rate.sf(rule.threshold))
                         if isinstance(dp.rate, BetaMix) else float(dp.rate > rule.threshold)})
    elif isinstance(dp, NormalDesignPrior):
        p1, p2 = analysis_priors or default_analysis_priors("alc", dp.sigma)
        for n in n_grid:
            n_t, n_c = _split(n, allocation)
            d = NormalDesign(rule, p1, p2, n_t, n_c, dp.sigma)
            res = assurance(d, dp, n_draws=n_sim, seed=seed, relevant=relevant)
            rows.append({"n_total": n, "n_treat": n_t, "n_control": n_c,
                         "assurance": res.assurance, "mcse": res.mcse,
                         "power_at_point": res.power_at_point, "p_benefit": res.p_benefit,
                         "expected_power": res.expected_power,
                         "expected_power_mcse": res.expected_power_mcse})
    elif isinstance(dp, BinaryDesignPrior):
        p1, p2 = analysis_priors or default_analysis_priors(endpoint)
        designs = [BinaryDesign(rule, p1, p2, *_split(n, allocation)) for n in n_grid]
        ep = ep_se = np.full(len(designs), np.nan)
        if engine in ("jax", "numpy"):
            if metric == "expected_power":
                raise InputError("expected_power needs engine='rao-blackwell'", column="engine")
            sim = simulate_binary(designs, dp, n_sim, seed, engine=engine)
            ass, mcse = sim.success, sim.mcse
        elif engine == "rao-blackwell":
            out = [assurance(d, dp, n_draws=n_sim, seed=seed, relevant=relevant)
                   for d in designs]
            ass = np.array([o.assurance for o in out])
            mcse = np.array([o.mcse for o in out])
            ep = np.array([o.expected_power for o in out])
            ep_se = np.array([o.expected_power_mcse for o in out])
        else:
            raise InputError(f"unknown engine {engine!r}", column="engine",
                             hint="'rao-blackwell', 'jax' or 'numpy'")
        pt, pc = dp.point()
        from ..seeds import rng as _rng

        t, c = dp.sample(_rng(seed, "design.p_benefit"), n_sim)
        sign = -1 if isinstance(rule, BayesRule) and all(
            cr.lower_tail for cr in rule.criteria) else (
            -1 if getattr(rule, "alternative", "greater") == "less" else 1)
        benefit = float(np.mean(np.sign(t - c) == sign))
        for n, d, a, m, e, es in zip(n_grid, designs, ass, mcse, ep, ep_se, strict=True):
            rows.append({"n_total": n, "n_treat": d.n1, "n_control": d.n2,
                         "assurance": float(a), "mcse": float(m),
                         "power_at_point": float(d.oc(pt, pc)), "p_benefit": benefit,
                         "expected_power": float(e), "expected_power_mcse": float(es)})
    else:
        raise InputError(f"unsupported design prior {type(dp).__name__}", column="design_prior")

    curve = pd.DataFrame(rows)
    col = {"assurance": "assurance", "power": "power_at_point",
           "expected_power": "expected_power"}[metric]
    reached = curve[curve[col] >= target]
    rec = int(reached["n_total"].iloc[0]) if len(reached) else None
    note = ""
    if rec is None:
        note = (f"{metric} never reaches {target:g} on the grid (max "
                f"{curve[col].max():.3f}; n up to {curve['n_total'].max()})")
        if metric == "assurance" and curve["p_benefit"].iloc[0] < target:
            note += (f"; the design prior gives only P(benefit) = "
                     f"{curve['p_benefit'].iloc[0]:.3f} < target, so no n can reach it; "
                         "consider metric='expected_power' (success given benefit)")
    return SampleSizeResult(
        curve=curve, recommended_n=rec, target=target, metric=metric, endpoint=endpoint,
        design_prior=dp.label, design_prior_source=dp.source, rule=rule.describe(),
        assumptions=tuple(dp.assumptions), note=note,
        extra={"allocation": allocation, "n_sim": n_sim, "engine": engine, "seed": seed,
               "relevant": relevant},
    )
