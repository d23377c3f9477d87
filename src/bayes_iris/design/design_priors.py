"""Design priors: what we believe about the true effect when planning, kept apart from the
analysis prior used in the final analysis.

Pure functions of typed inputs — reading a results folder is
:mod:`bayes_iris.results.tables`' job. Sources, each labelled in every output (``source``):

(a) this toolkit's own posteriors — :class:`AlcInputs` (trajectory step: day-29 ALC log ratio)
    and :class:`LogRRPosterior` (summary reanalyses: posterior log RR of mortality and secondary
    infection); a posterior from the SYNTHETIC trial is labelled "synthetic trial posterior —
    illustration only";
(b) published facts when those files are missing (FACTS.md: pooled sepsis RR 1.01 (0.36–2.81) for
    mortality and 1.05 (0.48–2.30) for secondary infection, via a normal approximation on log RR;
    the 3–4-fold ALC rise of IRIS-7);
(c) elicited distributions (quantiles → parameters) and robustified mixtures of any of them.

The control-arm risks are *assumptions* and say so: see :data:`CONTROL_RISK_ASSUMPTIONS`.

References
----------
O'Hagan A, Stevens JW, Campbell MJ (2005). Assurance in clinical trial design. Pharmaceutical
Statistics 4:187-201.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats

from ..errors import InputError, Problem
from ..seeds import DEFAULT_SEED
from .distributions import BetaMix, NormMix, beta_from_quantiles, normal_from_quantiles

SYNTHETIC_NOTE = "synthetic trial posterior — illustration only"

#: Control-arm risks used when nothing better is given. Assumptions, not data.
CONTROL_RISK_ASSUMPTIONS: dict[str, dict] = {
    "mortality": {
        "q_lo": 0.25, "q_hi": 0.45,
        "note": ("ASSUMPTION: 28-day mortality on placebo in septic shock with severe lymphopenia, "
                 "95 % between 25 % and 45 % (Sepsis-3 septic shock hospital mortality > 40 %, "
                 "Singer et al. JAMA 2016; persistent lymphopenia raises mortality, Drewry et al. "
                 "Shock 2014). Not an IRIS-7 number."),
    },
    "infection": {
        "q_lo": 0.15, "q_hi": 0.40,
        "note": ("ASSUMPTION: secondary (ICU-acquired) infection on placebo, 95 % between 15 % "
                 "and 40 % (ICU-acquired infections in sepsis, van Vught et al. JAMA 2016; "
                 "higher with lymphopenia). Not an IRIS-7 number."),
    },
    "rise50": {
        "q_lo": 0.15, "q_hi": 0.55,
        "note": ("ASSUMPTION: natural ALC recovery (>= 50 % rise by day 29) on placebo, 95 % "
                 "between 15 % and 55 %. Not an IRIS-7 number."),
    },
}


@dataclass(frozen=True)
class BinaryDesignPrior:
    """Design prior for the true rates ``(θ_treatment, θ_control)`` of a binary endpoint.

    Either ``treatment`` (independent beta mixture, or a fixed rate) or ``log_rr`` (a normal
    mixture on the log risk ratio, ``θ_t = θ_c · exp(log_rr)``, capped at 1; or a fixed log RR —
    the "hybrid" design prior: an uncertain control risk and a fixed effect, whose probability
    of success is the power at that effect averaged over the control risk) is given.

    Examples
    --------
    >>> from bayes_iris.seeds import rng
    >>> dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(np.log(0.8), 0.1))
    >>> t, c = dp.sample(rng(1, "doc"), 1000)
    >>> bool(np.all(c == 0.35)), bool(0.25 < t.mean() < 0.32)
    (True, True)
    """

    control: BetaMix | float
    treatment: BetaMix | float | None = None
    log_rr: NormMix | float | None = None
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if (self.treatment is None) == (self.log_rr is None):
            raise InputError("give exactly one of treatment= or log_rr=", column="design_prior")
        if self.log_rr is not None and not isinstance(self.log_rr, NormMix):
            try:
                ok = bool(np.isfinite(float(self.log_rr)))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise InputError(f"log_rr must be a NormMix or a finite number, got "
                                 f"{self.log_rr!r}", column="log_rr")

    def _draw(self, d, rng, size):
        if isinstance(d, BetaMix | NormMix):
            return d.sample(rng, size)
        return np.full(size, float(d))

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``(θ_treatment, θ_control)``."""
        c = self._draw(self.control, rng, size)
        if self.log_rr is not None:
            t = np.minimum(c * np.exp(self._draw(self.log_rr, rng, size)), 1.0)
        else:
            t = self._draw(self.treatment, rng, size)
        return t, c

    def point(self) -> tuple[float, float]:
        """The point alternative ("power at the design prior's centre")."""
        c = self.control.mean if isinstance(self.control, BetaMix) else float(self.control)
        if self.log_rr is not None:
            lr = self.log_rr.mean if isinstance(self.log_rr, NormMix) else float(self.log_rr)
            return min(c * float(np.exp(lr)), 1.0), c
        t = self.treatment.mean if isinstance(self.treatment, BetaMix) else float(self.treatment)
        return t, c

    def shrink(self, factor: float) -> BinaryDesignPrior:
        """The same prior with every spread multiplied by ``factor`` (→ 0: a point prior)."""
        def sh(d):
            if isinstance(d, NormMix):
                return NormMix(d.w, d.m, d.s * factor, sigma=d.sigma)
            if isinstance(d, BetaMix):
                n = (d.a + d.b) / factor**2
                return BetaMix(d.w, d.a / (d.a + d.b) * n, d.b / (d.a + d.b) * n)
            return d
        return replace(self, control=sh(self.control), treatment=sh(self.treatment),
                       log_rr=sh(self.log_rr))

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


@dataclass(frozen=True)
class NormalDesignPrior:
    """Design prior for the true difference ``δ = μ_treatment − μ_control`` of a normal endpoint
    with known per-patient SD ``sigma``.

    Examples
    --------
    >>> dp = NormalDesignPrior(delta=NormMix.single(1.2, 0.3), sigma=0.9)
    >>> round(dp.p_positive(), 4)
    1.0
    """

    delta: NormMix | float
    sigma: float
    control_mean: float = 0.0
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def sample_delta(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if isinstance(self.delta, NormMix):
            return self.delta.sample(rng, size)
        return np.full(size, float(self.delta))

    def point(self) -> float:
        return self.delta.mean if isinstance(self.delta, NormMix) else float(self.delta)

    def p_positive(self) -> float:
        """``P(δ > 0)`` under the design prior (the ceiling of any assurance)."""
        if isinstance(self.delta, NormMix):
            return float(self.delta.sf(0.0))
        return float(self.delta > 0)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


@dataclass(frozen=True)
class SingleArmDesignPrior:
    """Design prior for one arm's event rate (e.g. an adverse-event rate on CYT107)."""

    rate: BetaMix | float
    label: str = "design prior"
    source: str = "user-specified"
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if isinstance(self.rate, BetaMix):
            return self.rate.sample(rng, size)
        return np.full(size, float(self.rate))

    def point(self) -> float:
        return self.rate.mean if isinstance(self.rate, BetaMix) else float(self.rate)

    def describe(self) -> str:
        return f"{self.label} [{self.source}]"


DesignPrior = BinaryDesignPrior | NormalDesignPrior | SingleArmDesignPrior


# -- typed inputs from upstream analyses ---------------------------------------------------------
#: The endpoints whose design prior can come from the summary reanalysis, and its case names.
CASES = {"mortality": "sepsis_mortality", "infection": "sepsis_secondary_infection"}

#: Published pooled sepsis RRs (FACTS.md, meta-analysis PMID 42055480): (estimate, lo, hi).
PUBLISHED_RR = {"mortality": (1.01, 0.36, 2.81), "infection": (1.05, 0.48, 2.30)}


def _check(ok: bool, message: str, column: str) -> None:
    if not ok:
        raise InputError(Problem(message, column=column))


@dataclass(frozen=True)
class AlcInputs:
    """What the design needs from the ALC trajectory posterior: one row of the trajectory step's
    ``tables/design_inputs_alc.csv`` (read by :func:`bayes_iris.results.tables.read_alc_inputs`).

    ``log_ratio_mean``/``log_ratio_sd``: posterior of the day-``day`` log ALC ratio CYT107 /
    placebo; ``sd_patient_log_alc_day29``: SD of a new patient's measured log ALC;
    ``p_rise50_<arm>``: P(>= 50 % rise by that day); ``source``: where it came from.

    Examples
    --------
    >>> a = AlcInputs(1.1, 0.2, 0.7, 0.3, 0.9, 29, "trajectory posterior")
    >>> round(float(np.exp(alc_design_prior(a).point())), 3)
    3.004
    """

    log_ratio_mean: float
    log_ratio_sd: float
    sd_patient_log_alc_day29: float
    p_rise50_placebo: float
    p_rise50_cyt107: float
    day: int
    source: str

    def __post_init__(self) -> None:
        for name in ("log_ratio_mean", "log_ratio_sd", "sd_patient_log_alc_day29"):
            _check(bool(np.isfinite(getattr(self, name))), "must be a finite number", name)
        for name in ("log_ratio_sd", "sd_patient_log_alc_day29"):
            _check(getattr(self, name) > 0, "must be > 0", name)
        for name in ("p_rise50_placebo", "p_rise50_cyt107"):
            _check(0 <= getattr(self, name) <= 1, "must be a probability in [0, 1]", name)


@dataclass(frozen=True)
class LogRRPosterior:
    """A posterior of the log risk ratio of a clinical endpoint: one row of the reanalysis step's
    ``tables/reanalysis_summary.csv`` (read by
    :func:`bayes_iris.results.tables.read_reanalysis`)."""

    log_mean: float
    log_sd: float
    source: str

    def __post_init__(self) -> None:
        _check(bool(np.isfinite(self.log_mean)), "must be a finite number", "log_mean")
        _check(bool(np.isfinite(self.log_sd)) and self.log_sd > 0, "must be a positive finite "
               "number", "log_sd")


def published_log_rr(endpoint: str) -> tuple[float, float, str]:
    """Normal approximation to the published pooled RR: ``log RR ~ N(log est, ((log hi − log lo)
    / 3.92)²)``.

    Examples
    --------
    >>> m, s, src = published_log_rr("mortality")
    >>> round(m, 4), round(s, 3)
    (0.01, 0.524)
    """
    est, lo, hi = PUBLISHED_RR[endpoint]
    return (float(np.log(est)), float((np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf(0.975))),
            f"FALLBACK: published pooled sepsis RR {est} ({lo}–{hi}), normal approx. on log RR "
            "(meta-analysis PMID 42055480)")


def control_risk(endpoint: str) -> tuple[BetaMix, str]:
    """The assumed control-arm risk distribution and its note (see CONTROL_RISK_ASSUMPTIONS).

    Examples
    --------
    >>> dist, note = control_risk("mortality")
    >>> round(dist.mean, 2), note.startswith("ASSUMPTION")
    (0.35, True)
    """
    a = CONTROL_RISK_ASSUMPTIONS[endpoint]
    return beta_from_quantiles(a["q_lo"], a["q_hi"]), a["note"]


def clinical_design_prior(endpoint: str, posterior: LogRRPosterior | None = None, *,
                          robust_weight: float = 0.0) -> BinaryDesignPrior:
    """Design prior for mortality or secondary infection: log RR from the toolkit's reanalysis
    (``posterior``; ``None``: the published RR), control risk from the stated assumption.

    ``robust_weight > 0`` mixes in a vague ``N(0, 1)`` component on log RR.

    Examples
    --------
    >>> dp = clinical_design_prior("mortality")
    >>> dp.source.startswith("FALLBACK")
    True
    """
    if endpoint not in CASES:
        raise InputError(f"unknown clinical endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {list(CASES)}")
    if posterior is not None:
        m, s, src = posterior.log_mean, posterior.log_sd, posterior.source
    else:
        m, s, src = published_log_rr(endpoint)
    log_rr = NormMix.single(m, s)
    label = "pooled RR posterior"
    if robust_weight > 0:
        log_rr = log_rr.robustify(robust_weight, mean=0.0, sd=1.0)
        label = f"robustified pooled RR posterior (w_vague={robust_weight:g})"
    ctrl, note = control_risk(endpoint)
    return BinaryDesignPrior(control=ctrl, log_rr=log_rr, label=label, source=src,
                             assumptions=(note,))


def alc_design_prior(inputs: AlcInputs | None = None, *,
                     robust_weight: float = 0.0) -> NormalDesignPrior:
    """Design prior for the day-29 log-ALC ratio (CYT107 / placebo), normal endpoint.

    From the trajectory posterior (``inputs``) when given; otherwise the published 3–4-fold rise
    (IRIS-7) widened to 2–4.5-fold to cover IRIS-7-C&D's 2–3-fold, with an ASSUMED per-patient SD
    of log ALC at day 29 of 0.8.

    Examples
    --------
    >>> dp = alc_design_prior()
    >>> round(float(np.exp(dp.point())), 2)
    3.0
    """
    if inputs is not None:
        delta = NormMix.single(inputs.log_ratio_mean, inputs.log_ratio_sd)
        sigma, src, assum = inputs.sd_patient_log_alc_day29, inputs.source, ()
    else:
        delta = normal_from_quantiles(np.log(2.0), np.log(4.5))
        sigma = 0.8
        src = ("FALLBACK: published 3–4-fold ALC rise (IRIS-7, JCI Insight 2018) and 2–3-fold "
               "(IRIS-7-C&D, 2023): log ratio 95 % in [log 2, log 4.5]")
        assum = ("ASSUMPTION: per-patient SD of log ALC at day 29 = 0.8",)
    label = "day-29 log-ALC ratio"
    if robust_weight > 0:
        delta = delta.robustify(robust_weight, mean=0.0, sd=1.0)
        label += f" (robustified, w_vague={robust_weight:g})"
    return NormalDesignPrior(delta=delta, sigma=sigma, label=label, source=src,
                             assumptions=assum)


def rise50_design_prior(inputs: AlcInputs | None = None, *,
                        prior_n: float = 20.0) -> BinaryDesignPrior:
    """Design prior for "≥ 50 % ALC rise by day 29" (the IRIS-7-C&D registry endpoint).

    The two rates of the trajectory posterior (``inputs``) become betas with ``prior_n``
    patients' worth of information each (a stated assumption); without them, CYT107 ~ 95 % in
    [0.70, 0.98] (3–4-fold rise, FACTS.md) and placebo the stated natural-recovery assumption.
    """
    if inputs is not None:
        # a posterior-mean probability of exactly 0 or 1 would give a degenerate beta
        t = BetaMix.from_mean_n(float(np.clip(inputs.p_rise50_cyt107, 0.01, 0.99)), prior_n)
        c = BetaMix.from_mean_n(float(np.clip(inputs.p_rise50_placebo, 0.01, 0.99)), prior_n)
        return BinaryDesignPrior(control=c, treatment=t, label="P(>= 50 % ALC rise) by arm",
                                 source=inputs.source,
                                 assumptions=(f"ASSUMPTION: each rate carries {prior_n:g} "
                                              "patients' worth of information",))
    ctrl, note = control_risk("rise50")
    return BinaryDesignPrior(
        control=ctrl, treatment=beta_from_quantiles(0.70, 0.98),
        label="P(>= 50 % ALC rise) by arm",
        source="FALLBACK: published 3–4-fold ALC rise on CYT107 (IRIS-7); placebo assumed",
        assumptions=(note, "ASSUMPTION: CYT107 rate 95 % in [0.70, 0.98]"))


def safety_design_prior() -> SingleArmDesignPrior:
    """Design prior for the CYT107 rate of fever with respiratory distress after an IV dose:
    ``Beta(1 + 3, 1 + 12)`` from 3 of 15 patients in IRIS-7-C&D (FACTS.md [A])."""
    return SingleArmDesignPrior(
        rate=BetaMix.single(4.0, 13.0), label="infusion-reaction rate on CYT107",
        source="published: 3/15 CYT107 patients in IRIS-7-C&D (Daix et al. 2023), uniform prior")


def bridged_design_prior(alc: NormalDesignPrior, beta_mean: float, beta_sd: float,
                         control: BetaMix | float, *, n_draws: int = 20000,
                         seed: int = DEFAULT_SEED) -> BinaryDesignPrior:
    """ASSUMPTION-LABELLED bridge from the lymphocyte effect to mortality:
    ``log RR_mortality = β · log ALC ratio`` with ``β ~ N(beta_mean, beta_sd²)`` (user-stated).

    The induced log RR is summarised by its mean and SD (moment-matched normal).

    Examples
    --------
    >>> dp = bridged_design_prior(alc_design_prior(), -0.2, 0.2, 0.35)
    >>> "ASSUMPTION" in dp.source
    True
    """
    from ..seeds import rng as _rng

    r = _rng(seed, "design.bridge")
    x = alc.sample_delta(r, n_draws) * r.normal(beta_mean, beta_sd, n_draws)
    src = (f"ASSUMPTION (bridge): log RR = β·log ALC ratio, β ~ N({beta_mean:g}, {beta_sd:g}²), "
           f"user-stated link, not data; ALC from {alc.source}")
    return BinaryDesignPrior(control=control, log_rr=NormMix.single(float(x.mean()),
                                                                    float(x.std())),
                             label="bridged from ALC effect", source=src,
                             assumptions=(src,))
