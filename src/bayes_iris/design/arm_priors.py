"""Design priors given per arm (RBesT ``pos1S``/``pos2S`` style), separate from analysis priors.

A design prior says what we believe about the truth when planning; the analysis prior is what
the final analysis will use. Here each arm's parameter has its own distribution — a beta mixture
(binary), a normal mixture (normal, known sampling SD), or a fixed value — and the arms are
independent. Interim posteriors are design priors of this kind (:func:`interim_design_prior`).

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.

Weber S, Li Y, Seaman JW, Kakizume T, Schmidli H (2021). Applying meta-analytic-predictive
priors with the R Bayesian evidence synthesis tools. Journal of Statistical Software
100(19):1-32.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .distributions import BetaMix, NormMix

ArmPrior = BetaMix | NormMix | float


def _check_arm(value, name: str) -> None:
    if isinstance(value, BetaMix | NormMix):
        return
    try:
        ok = bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{name} must be a BetaMix, a NormMix or a finite number, got "
                         f"{value!r}", column=name)


def arm_mean(value: ArmPrior) -> float:
    """The mean of an arm's design prior (the value itself when fixed)."""
    return value.mean if isinstance(value, BetaMix | NormMix) else float(value)


def arm_sample(value: ArmPrior, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draws from an arm's design prior."""
    if isinstance(value, BetaMix | NormMix):
        return value.sample(rng, size)
    return np.full(size, float(value))


@dataclass(frozen=True)
class TwoArmDesignPrior:
    """Independent design priors for the treatment (arm 1) and control (arm 2) parameters.

    Examples
    --------
    >>> dp = TwoArmDesignPrior(treatment=BetaMix.single(6, 18), control=BetaMix.single(10, 15))
    >>> [round(v, 3) for v in dp.point()]
    [0.25, 0.4]
    """

    treatment: ArmPrior
    control: ArmPrior
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_arm(self.treatment, "treatment")
        _check_arm(self.control, "control")
        kinds = {type(v) for v in (self.treatment, self.control)
                 if isinstance(v, BetaMix | NormMix)}
        if len(kinds) > 1:
            raise InputError("treatment and control design priors must be of one family "
                             "(both BetaMix or both NormMix)", column="design_prior")

    def point(self) -> tuple[float, float]:
        """The design prior's means (the point alternative)."""
        return arm_mean(self.treatment), arm_mean(self.control)

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``(θ_treatment, θ_control)``."""
        return arm_sample(self.treatment, rng, size), arm_sample(self.control, rng, size)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


@dataclass(frozen=True)
class OneArmDesignPrior:
    """Design prior for a single arm's parameter (a rate or a mean).

    Examples
    --------
    >>> OneArmDesignPrior(theta=0.3).point()
    0.3
    """

    theta: ArmPrior
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _check_arm(self.theta, "theta")

    def point(self) -> float:
        return arm_mean(self.theta)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return arm_sample(self.theta, rng, size)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


def interim_design_prior(prior1, data1, prior2=None, data2=None, *, label: str = "interim "
                         "posterior") -> TwoArmDesignPrior | OneArmDesignPrior:
    """The design prior at an interim: each arm's prior updated with its interim data.

    ``data`` is ``(events, patients)`` for a beta mixture and ``(mean, se)`` for a normal
    mixture (the standard error as observed, not forced to ``σ/√m``).

    Examples
    --------
    >>> dp = interim_design_prior(BetaMix.single(1, 1), (8, 20), BetaMix.single(1, 1), (4, 20))
    >>> [round(v, 4) for v in dp.point()]
    [0.4091, 0.2273]
    """
    def upd(prior, data):
        if isinstance(prior, BetaMix):
            return prior.posterior(int(data[0]), int(data[1]))
        if isinstance(prior, NormMix):
            return prior.posterior(float(data[0]), float(data[1]))
        raise InputError("interim design priors need BetaMix or NormMix priors", column="prior")

    if prior2 is None:
        return OneArmDesignPrior(theta=upd(prior1, data1), label=label, source="interim data")
    return TwoArmDesignPrior(treatment=upd(prior1, data1), control=upd(prior2, data2),
                             label=label, source="interim data")
