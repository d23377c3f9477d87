"""Phase III design: rules → OC → probability of success → sample size, group-sequential designs,
MAP-prior mixtures.

Generic API (RBesT-shaped: ``decision2S``/``oc2S``/``pos2S``), independent of IRIS names::

    from bayes_iris.design import (BayesRule, Criterion, OneArmRule, ThreeZoneRule, two_sided,
                                   BinaryDesign, NormalDesign, OneArmBinaryDesign,
                                   OneArmNormalDesign, TwoArmDesignPrior, OneArmDesignPrior,
                                   pos, pos_interim, sample_size)

* rules: any number of criteria joined by "and"/"or" (``combine``), one- or two-sided
  (:func:`two_sided`), three zones (:class:`ThreeZoneRule`);
* designs: ``.oc(θ...)`` exact (binary) or analytic (normal, a known SD per arm), ``.zones``;
* :func:`pos` — probability of success over a design prior kept apart from the analysis prior,
  dispatched on the design prior's class (per-arm priors, log-RR priors, δ priors), with power
  at the centre, P(benefit) and expected power; :func:`pos_interim` from interim posteriors;
* :func:`sample_size` — exact search with first and sustained crossings; IRIS endpoints
  ("mortality", "alc", ...) are presets (:mod:`.presets`) labelled with their purpose;
* :mod:`.sequential`, :mod:`.sequential_binary` — Bayesian group-sequential designs;
* :mod:`.mixture_fit`, :mod:`.map`, :mod:`.gamma_mix` — MAP-prior mixtures, robustification,
  ESS, prior-data conflict (the PyMC meta-analysis is :mod:`bayes_iris.map_prior`).

Monte Carlo (NumPy / JAX, :mod:`.engine`; :func:`assurance`) remains for cross-checks and for
models without closed forms, always with its Monte Carlo standard error.
"""

from .arm_priors import OneArmDesignPrior, TwoArmDesignPrior, interim_design_prior
from .assurance import (
    AssuranceResult,
    assurance,
    assurance_exact,
    assurance_single_arm,
    ohagan_assurance,
)
from .decisions import OneArmRule, ThreeZoneRule, two_sided
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
from .gamma_mix import GammaMix
from .map import conflict_pvalue, map_mixture, robust
from .mixture_fit import automixfit, fit_mixture
from .oc import BinaryDesign, NormalDesign, oc_binary, oc_normal
from .one_arm import OneArmBinaryDesign, OneArmNormalDesign
from .pos import pos, pos_interim, probability_of_success
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
from .presets import PURPOSE, preset_design
from .rules import BayesRule, Criterion, OneSampleRule, ZTestRule, prob_difference
from .sample_size import (
    ENDPOINTS,
    N_CAP,
    SampleSizeResult,
    crossings,
    default_analysis_priors,
    default_design_prior,
    default_rule,
    sample_size,
)
from .sequential import GroupSequentialNormal, calibrate
from .sequential_binary import GroupSequentialBinary, calibrate_binary

__all__ = [
    "ENDPOINTS",
    "N_CAP",
    "PURPOSE",
    "AlcInputs",
    "AssuranceResult",
    "BayesRule",
    "BetaMix",
    "BinaryDesign",
    "BinaryDesignPrior",
    "Criterion",
    "GammaMix",
    "GroupSequentialBinary",
    "GroupSequentialNormal",
    "LogRRPosterior",
    "NormMix",
    "NormalDesign",
    "NormalDesignPrior",
    "OneArmBinaryDesign",
    "OneArmDesignPrior",
    "OneArmNormalDesign",
    "OneArmRule",
    "OneSampleRule",
    "SampleSizeResult",
    "SingleArmDesignPrior",
    "ThreeZoneRule",
    "TwoArmDesignPrior",
    "ZTestRule",
    "alc_design_prior",
    "assurance",
    "assurance_exact",
    "assurance_single_arm",
    "automixfit",
    "beta_from_quantiles",
    "bridged_design_prior",
    "calibrate",
    "calibrate_binary",
    "clinical_design_prior",
    "conflict_pvalue",
    "crossings",
    "default_analysis_priors",
    "default_design_prior",
    "default_rule",
    "fit_mixture",
    "futility_boundary_2arm",
    "interim_design_prior",
    "map_mixture",
    "normal_difference",
    "normal_from_quantiles",
    "oc_binary",
    "oc_normal",
    "ohagan_assurance",
    "pos",
    "pos_interim",
    "predictive_power",
    "predictive_probability",
    "predictive_probability_2arm",
    "predictive_probability_normal",
    "preset_design",
    "prob_difference",
    "probability_of_success",
    "published_log_rr",
    "rise50_design_prior",
    "robust",
    "safety_boundaries",
    "safety_design_prior",
    "sample_size",
    "sequential_oc",
    "simulate_binary",
    "simulate_binary_jax",
    "simulate_binary_numpy",
    "simulate_interim_design",
    "stopping_boundaries",
    "two_sided",
]
