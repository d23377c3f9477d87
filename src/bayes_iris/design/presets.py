"""IRIS endpoint presets: thin wrappers that fill the generic design API with a rule, analysis
priors, a design prior and a purpose label per endpoint.

``mortality``  28-day mortality, binary, success if P(mortality lower on CYT107) > 97.5 %;
               design prior on the log RR from the pooled reanalysis (fallback: published RR),
               control risk an explicit ASSUMPTION (``design_priors.CONTROL_RISK_ASSUMPTIONS``).
               Purpose: phase III (clinical endpoint).
``infection``  secondary infection, binary, same structure. Phase III (clinical endpoint).
``rise50``     ≥ 50 % ALC rise by day 29 (IRIS-7-C&D registry endpoint), binary, higher is
               better. Phase II / mechanistic (biomarker endpoint).
``alc``        day-29 log-ALC ratio, normal with known per-patient SD; dual criterion
               P(δ > 0) > 97.5 % and P(δ > log 1.5) > 50 %. Phase II / mechanistic.
``safety``     single arm: probability that the rule "P(rate > 10 % | data) > 90 %" fires for
               the infusion-reaction rate on CYT107 (design prior from 3/15 in IRIS-7-C&D).
               Safety monitoring.

A biomarker endpoint's sample size answers "how many patients show the mechanism"; it is never a
phase III size, which comes from the clinical endpoints. Results carry this label
(:data:`PURPOSE`) and the command line prints it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import InputError
from .design_priors import (
    DesignPrior,
    alc_design_prior,
    clinical_design_prior,
    rise50_design_prior,
    safety_design_prior,
)
from .distributions import BetaMix, NormMix
from .oc import BinaryDesign, NormalDesign
from .one_arm import OneArmBinaryDesign
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

PHASE3 = "phase III (clinical endpoint)"
MECHANISTIC = ("phase II / mechanistic (biomarker endpoint): shows the lymphocyte response, "
               "not a phase III sample size")
SAFETY = "safety monitoring (single arm)"

#: What each endpoint's sample size is for.
PURPOSE = {"mortality": PHASE3, "infection": PHASE3, "rise50": MECHANISTIC, "alc": MECHANISTIC,
           "safety": SAFETY}

#: The design family of each preset (what ``preset_design`` builds).
PRESET_KIND = {"mortality": "two_arm_binary", "infection": "two_arm_binary",
               "rise50": "two_arm_binary", "alc": "two_arm_normal", "safety": "one_arm_binary"}

#: Clinically relevant effects that ``expected_power`` conditions on (ASSUMPTIONS): RR 0.8 for
#: the clinical endpoints (the MCID of the summary reanalysis), a 1.5-fold day-29 ALC ratio.
MCID_RR = 0.8
DEFAULT_RELEVANT = {"mortality": MCID_RR, "infection": MCID_RR, "alc": float(np.log(1.5))}

#: Default search range of total sample sizes.
DEFAULT_N_MAX = {"mortality": 1200, "infection": 1200, "rise50": 120, "alc": 80, "safety": 120}
DEFAULT_N_MIN = {"mortality": 20, "infection": 20, "rise50": 4, "alc": 4, "safety": 4}


def check_endpoint(endpoint: str) -> None:
    if endpoint not in ENDPOINTS:
        raise InputError(f"unknown endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {', '.join(ENDPOINTS)}")


def default_rule(endpoint: str) -> Rule | OneSampleRule:
    """The preset decision rule of an endpoint (see the module docstring).

    Examples
    --------
    >>> print(default_rule("mortality"))  # doctest: +NORMALIZE_WHITESPACE
    Declare success if the posterior probability that 28-day mortality on CYT107 is lower than
    on placebo exceeds 97.5 %.
    """
    check_endpoint(endpoint)
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
    check_endpoint(endpoint)
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
    check_endpoint(endpoint)
    if endpoint in ("mortality", "infection"):
        return clinical_design_prior(endpoint, robust_weight=robust_weight)
    if endpoint == "alc":
        return alc_design_prior(robust_weight=robust_weight)
    if endpoint == "rise50":
        return rise50_design_prior()
    return safety_design_prior()


def preset_design(endpoint: str, *, rule=None, analysis_priors=None, sigma: float | None = None):
    """A design template of the endpoint (sizes are placeholders the sample-size search sets).

    Examples
    --------
    >>> preset_design("mortality").kind, preset_design("safety").kind
    ('two_arm_binary', 'one_arm_binary')
    """
    check_endpoint(endpoint)
    rule = rule if rule is not None else default_rule(endpoint)
    if endpoint == "safety":
        prior = (analysis_priors or default_analysis_priors("safety"))[0]
        return OneArmBinaryDesign(rule, prior, 2)
    if endpoint == "alc":
        if sigma is None:
            raise InputError("the alc preset needs sigma (from its design prior)", column="sigma")
        p1, p2 = analysis_priors or default_analysis_priors("alc", sigma)
        return NormalDesign(rule, p1, p2, 1, 1, sigma)
    p1, p2 = analysis_priors or default_analysis_priors(endpoint)
    return BinaryDesign(rule, p1, p2, 1, 1)
