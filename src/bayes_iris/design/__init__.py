"""Phase III design: mixtures, decision rules, OC, assurance, predictive probability, sample size.

The planning calls users make::

    from bayes_iris.design import sample_size, assurance, BayesRule, Criterion, BetaMix

Design API shaped rule → OC → PoS (as RBesT's decision2S / oc2S / pos2S): a decision rule is an
object; operating characteristics are a function of the true parameters; probability of success
(assurance) is the OC integrated over a design prior kept separate from the analysis prior.
"""

from .assurance import (
    AssuranceResult,
    assurance,
    assurance_exact,
    assurance_single_arm,
    ohagan_assurance,
    probability_of_success,
)
from .design_priors import (
    AlcInputs,
    BinaryDesignPrior,
    LogRRPosterior,
    NormalDesignPrior,
    SingleArmDesignPrior,
    alc_design_prior,
    bridged_design_prior,
    clinical_design_prior,
    published_log_rr,
    rise50_design_prior,
    safety_design_prior,
)
from .distributions import (
    BetaMix,
    NormMix,
    beta_from_quantiles,
    normal_difference,
    normal_from_quantiles,
)
from .engine import simulate_binary, simulate_binary_jax, simulate_binary_numpy
from .oc import BinaryDesign, NormalDesign, oc_binary, oc_normal
from .predictive import (
    futility_boundary_2arm,
    predictive_power,
    predictive_probability,
    predictive_probability_2arm,
    predictive_probability_normal,
    safety_boundaries,
    sequential_oc,
    simulate_interim_design,
    stopping_boundaries,
)
from .rules import BayesRule, Criterion, OneSampleRule, ZTestRule, prob_difference
from .sample_size import (
    ENDPOINTS,
    SampleSizeResult,
    default_analysis_priors,
    default_design_prior,
    default_rule,
    sample_size,
)

__all__ = [
    "ENDPOINTS",
    "AlcInputs",
    "AssuranceResult",
    "BayesRule",
    "BetaMix",
    "BinaryDesign",
    "BinaryDesignPrior",
    "Criterion",
    "LogRRPosterior",
    "NormMix",
    "NormalDesign",
    "NormalDesignPrior",
    "OneSampleRule",
    "SampleSizeResult",
    "SingleArmDesignPrior",
    "ZTestRule",
    "alc_design_prior",
    "assurance",
    "assurance_exact",
    "assurance_single_arm",
    "beta_from_quantiles",
    "bridged_design_prior",
    "clinical_design_prior",
    "default_analysis_priors",
    "default_design_prior",
    "default_rule",
    "futility_boundary_2arm",
    "normal_difference",
    "normal_from_quantiles",
    "oc_binary",
    "oc_normal",
    "ohagan_assurance",
    "predictive_power",
    "predictive_probability",
    "predictive_probability_2arm",
    "predictive_probability_normal",
    "prob_difference",
    "probability_of_success",
    "published_log_rr",
    "rise50_design_prior",
    "safety_boundaries",
    "safety_design_prior",
    "sample_size",
    "sequential_oc",
    "simulate_binary",
    "simulate_binary_jax",
    "simulate_binary_numpy",
    "simulate_interim_design",
    "stopping_boundaries",
]
