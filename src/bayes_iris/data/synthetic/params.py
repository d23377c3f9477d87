"""The synthetic generator's parameters: :class:`SyntheticParams`, every number with its source.

Each field carries its unit, its source (a FACTS.md evidence level or "assumption") and the
reasoning behind its value in ``json_schema_extra``; :func:`~bayes_iris.data.synthetic.parameter_table`
lists them. The model they parametrise is in :mod:`bayes_iris.data.synthetic`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..trial import LAB_MARKERS
from .ae_terms import DEFAULT_AE_TERMS, AETermSpec

__all__ = [
    "CYT107_REGIMENS",
    "GENERATOR_NAME",
    "GENERATOR_VERSION",
    "GROUPS",
    "SITES",
    "SyntheticParams",
]

# Recorded in every synthetic trial.yaml (provenance.source) and truth.json: keep it stable.
GENERATOR_NAME = "bayes_iris.data.synthetic"
GENERATOR_VERSION = "1"
GROUPS = ("placebo", "weekly", "twice_weekly")
CYT107_REGIMENS = ("weekly", "twice_weekly")

# (name, country) of the four sites (FACTS.md [N]: 2 US, 2 French). Short synthetic codes.
SITES: tuple[tuple[str, str], ...] = (
    ("US-STL", "US"),  # Barnes-Jewish Hospital, St Louis
    ("US-NSH", "US"),  # Vanderbilt, Nashville
    ("FR-LIM", "FR"),  # CHU Dupuytren, Limoges
    ("FR-LYO", "FR"),  # Hôpital Edouard Herriot, Lyon
)

# Provenance of parameter values: FACTS.md evidence levels, or "assumption".
_A, _R, _N, _ASSUME = "FACTS.md [A]", "FACTS.md [R]", "FACTS.md [N]", "assumption"
_M = "FACTS.md [M]"


def _meta(unit: str, source: str, reasoning: str) -> dict[str, Any]:
    return {"unit": unit, "source": source, "reasoning": reasoning}


def _per_marker(alc: float, cd4: float, cd8: float) -> dict[str, float]:
    return {"alc": alc, "cd4": cd4, "cd8": cd8}


class SyntheticParams(BaseModel):
    """Every parameter of the IRIS-7-like generator, with its value.

    Defaults are the bundled trial's. Each field's unit, source and reasoning are in the field's
    ``json_schema_extra`` and in :func:`parameter_table`. Override by keyword or ``model_copy(update=)``.

    Examples
    --------
    >>> p = SyntheticParams(cyt107_fold=_per_marker(3.0, 3.0, 3.0))
    >>> p.cyt107_fold["alc"]
    3.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- design -----------------------------------------------------------------------------
    visit_schedule: tuple[int, ...] = Field(
        (0, 3, 7, 14, 21, 29, 42, 60, 90),
        json_schema_extra=_meta(
            "study day",
            _ASSUME,
            "Weekly draws during the 4 dosing weeks, day 29 (registry primary endpoint day, [R]) and "
            "follow-up to day 90 ([A] effect persists for weeks; C&D follow-up up to 90 days).",
        ),
    )
    dosing_end_day: int = Field(
        28, ge=1, json_schema_extra=_meta("study day", _A, "Treatment duration 4 weeks.")
    )
    follow_up_days: int = Field(
        90,
        ge=1,
        json_schema_extra=_meta(
            "days", _A, "IRIS-7-C&D follow-up up to 90 days; assumed the same for IRIS-7."
        ),
    )
    entry_alc_max: float = Field(
        900.0,
        gt=0,
        json_schema_extra=_meta(
            "cells/mm3", _R, "Entry: ALC <= 900/mm3; both qualifying ALCs must satisfy it."
        ),
    )
    calibration_day: int = Field(
        29,
        ge=1,
        json_schema_extra=_meta("study day", _R, "Registry primary endpoint assessed at day 29."),
    )
    site_probs: tuple[float, float, float, float] = Field(
        (0.25, 0.25, 0.25, 0.25),
        json_schema_extra=_meta(
            "probability", _ASSUME, "4 sites (2 US, 2 FR per [N]); recruitment shares unknown."
        ),
    )
    # --- lab trajectories -------------------------------------------------------------------
    baseline_median: dict[str, float] = Field(
        default_factory=lambda: _per_marker(550.0, 280.0, 110.0),
        json_schema_extra=_meta(
            "cells/mm3",
            _ASSUME,
            "Typical (population) baseline before selection; severe lymphopenia, ALC below the 900 "
            "entry threshold; CD4 ~ half and CD8 ~ a fifth of lymphocytes.",
        ),
    )
    cyt107_fold: dict[str, float] = Field(
        default_factory=lambda: _per_marker(3.5, 3.5, 3.3),
        json_schema_extra=_meta(
            "ratio",
            _A,
            "IRIS-7 (IM): 3- to 4-fold increase in ALC, CD4+ and CD8+; mid-range 3.5 (CD8 3.3).",
        ),
    )
    fold_reference: Literal["baseline", "placebo"] = Field(
        "baseline",
        json_schema_extra=_meta(
            "-",
            _A,
            "The IM abstract's '3- to 4-fold increase' reads as versus baseline (a rise); the IV trial "
            "says '2- to 3-fold vs placebo'. With placebo_fold 1.4 the default gives 2.5-fold vs "
            "placebo at day 29, consistent with both statements.",
        ),
    )
    placebo_fold: dict[str, float] = Field(
        default_factory=lambda: _per_marker(1.4, 1.4, 1.3),
        json_schema_extra=_meta(
            "ratio",
            _ASSUME,
            "Natural recovery of lymphocytes after sepsis on placebo by day 29; modest so that the "
            "effect vs placebo (2.5-fold) lies in the IV trial's 2-3 range [A].",
        ),
    )
    placebo_post_slope: dict[str, float] = Field(
        default_factory=lambda: _per_marker(0.05, 0.05, 0.05),
        json_schema_extra=_meta(
            "log-ratio per dosing period",
            _ASSUME,
            "Slow further natural recovery after day 28 (all arms).",
        ),
    )
    effect_decay: float = Field(
        0.1,
        ge=0,
        json_schema_extra=_meta(
            "fraction per dosing period",
            _A,
            "Effect 'persisting for weeks after the last dose' [A]: a slow linear decay on the log "
            "scale, 10% of the effect per 28 days (kappa); 0 = plateau.",
        ),
    )
    regimen_log_contrast: dict[str, float] = Field(
        default_factory=lambda: _per_marker(0.2, 0.2, 0.2),
        json_schema_extra=_meta(
            "log-ratio",
            _ASSUME,
            "Twice-weekly minus weekly log effect; two frequencies were studied [R] but no "
            "comparison is public. Names 'weekly'/'twice_weekly' are an assumption too.",
        ),
    )
    sd_intercept: dict[str, float] = Field(
        default_factory=lambda: _per_marker(0.40, 0.45, 0.50),
        json_schema_extra=_meta(
            "log", _ASSUME, "Between-patient SD of baseline log counts (population, pre-selection)."
        ),
    )
    sd_slope: dict[str, float] = Field(
        default_factory=lambda: _per_marker(0.20, 0.22, 0.25),
        json_schema_extra=_meta(
            "log per dosing period",
            _ASSUME,
            "Between-patient SD of the recovery over the dosing period (slope on r1).",
        ),
    )
    corr_intercept: tuple[float, float, float] = Field(
        (0.8, 0.7, 0.5),
        json_schema_extra=_meta(
            "correlation (alc-cd4, alc-cd8, cd4-cd8)",
            _ASSUME,
            "T cells are a subset of lymphocytes: strong but imperfect correlation.",
        ),
    )
    corr_slope: tuple[float, float, float] = Field(
        (0.7, 0.6, 0.4),
        json_schema_extra=_meta(
            "correlation (alc-cd4, alc-cd8, cd4-cd8)",
            _ASSUME,
            "Recovery moves together across markers, not identically.",
        ),
    )
    sd_site: float = Field(
        0.10,
        ge=0,
        json_schema_extra=_meta(
            "log", _ASSUME, "Site (laboratory, case-mix) effect on log counts, per marker."
        ),
    )
    sd_residual: dict[str, float] = Field(
        default_factory=lambda: _per_marker(0.20, 0.25, 0.25),
        json_schema_extra=_meta(
            "log", _ASSUME, "Scale of within-patient visit-to-visit variation (t residual)."
        ),
    )
    corr_residual: tuple[float, float, float] = Field(
        (0.5, 0.5, 0.3),
        json_schema_extra=_meta(
            "correlation (alc-cd4, alc-cd8, cd4-cd8)",
            _ASSUME,
            "Same blood draw: measurement errors of the three counts correlate.",
        ),
    )
    residual_df: float = Field(
        5.0,
        gt=2,
        json_schema_extra=_meta(
            "-", _ASSUME, "Student-t residuals (occasional outlying counts); normal as df -> inf."
        ),
    )
    detection_limit: dict[str, float] = Field(
        default_factory=lambda: _per_marker(50.0, 20.0, 20.0),
        json_schema_extra=_meta(
            "cells/mm3", _ASSUME, "Lower limits of quantification of the counts."
        ),
    )
    # --- covariates -------------------------------------------------------------------------
    age_mean: float = Field(
        62.0,
        json_schema_extra=_meta(
            "years", _ASSUME, "Septic shock population; enrolled ages 33-82 [N]."
        ),
    )
    age_sd: float = Field(12.0, gt=0, json_schema_extra=_meta("years", _ASSUME, "-"))
    age_range: tuple[int, int] = Field(
        (18, 82),
        json_schema_extra=_meta(
            "years", _R, "Inclusion 18-79 [R], yet enrolled up to 82 [N]: the range allows 82."
        ),
    )
    p_male: float = Field(
        0.6,
        ge=0,
        le=1,
        json_schema_extra=_meta("probability", _ASSUME, "Typical of septic shock cohorts."),
    )
    sofa_mean: float = Field(
        9.0,
        json_schema_extra=_meta(
            "points", _ASSUME, "SOFA >= 2 required [R]; shock patients typically 8-10."
        ),
    )
    apache2_mean: float = Field(
        24.0, json_schema_extra=_meta("points", _ASSUME, "Typical of septic shock cohorts.")
    )
    p_subcutaneous: float = Field(
        0.15,
        ge=0,
        le=1,
        json_schema_extra=_meta(
            "probability",
            _R,
            "SC instead of IM if INR > 2.5 or platelets < 35,000/mm3 [R]; frequency assumed.",
        ),
    )
    # --- outcomes ---------------------------------------------------------------------------
    p_death_90: float = Field(
        0.30,
        gt=0,
        lt=1,
        json_schema_extra=_meta(
            "probability", _ASSUME, "90-day mortality of a typical patient in septic shock."
        ),
    )
    death_weibull_shape: float = Field(
        0.7, gt=0, json_schema_extra=_meta("-", _ASSUME, "Decreasing hazard: most deaths early.")
    )
    log_hr_death_cyt107: float = Field(
        0.0,
        json_schema_extra=_meta(
            "log hazard ratio",
            _N,
            "Trial too small to show a difference [N]; meta-analysis RR 1.01 [M].",
        ),
    )
    log_hr_death_sofa: float = Field(
        0.10,
        json_schema_extra=_meta(
            "log hazard ratio per SOFA point", _ASSUME, "Sicker patients die more."
        ),
    )
    log_hr_death_alc: float = Field(
        -0.3,
        json_schema_extra=_meta(
            "log hazard ratio per SD of the ALC intercept",
            _ASSUME,
            "Persistent lymphopenia is associated with mortality.",
        ),
    )
    icu_los_median: float = Field(
        12.0, gt=0, json_schema_extra=_meta("days", _R, "Predicted ICU stay up to 2 weeks [R].")
    )
    icu_los_sdlog: float = Field(0.6, gt=0, json_schema_extra=_meta("log days", _ASSUME, "-"))
    hospital_after_icu_median: float = Field(
        10.0, gt=0, json_schema_extra=_meta("days", _ASSUME, "Ward stay after ICU discharge.")
    )
    p_secondary_infection_28: float = Field(
        0.25,
        gt=0,
        lt=1,
        json_schema_extra=_meta(
            "probability", _ASSUME, "Secondary infections in lymphopenic septic shock by day 28."
        ),
    )
    log_hr_secondary_infection_cyt107: float = Field(
        0.0,
        json_schema_extra=_meta(
            "log hazard ratio", _M, "Meta-analysis RR 1.05 (0.48-2.30) in sepsis."
        ),
    )
    p_lost_to_follow_up: float = Field(
        0.03,
        ge=0,
        lt=1,
        json_schema_extra=_meta("probability", _ASSUME, "Vital status lost before day 90."),
    )
    p_labs_after_discharge: float = Field(
        0.85,
        ge=0,
        le=1,
        json_schema_extra=_meta(
            "probability", _ASSUME, "Discharged patients who return for scheduled lab draws."
        ),
    )
    p_missed_visit: float = Field(
        0.05,
        ge=0,
        lt=1,
        json_schema_extra=_meta(
            "probability", _ASSUME, "A scheduled draw missed at random (never day 0)."
        ),
    )
    p_panel_missing: float = Field(
        0.03,
        ge=0,
        lt=1,
        json_schema_extra=_meta(
            "probability", _ASSUME, "CD4/CD8 flow cytometry not done at an otherwise done draw."
        ),
    )
    # --- adverse events ---------------------------------------------------------------------
    ae_window_days: int = Field(
        42,
        ge=1,
        json_schema_extra=_meta(
            "days", _ASSUME, "Treatment-emergent AE reporting window (dosing + 2 weeks)."
        ),
    )
    p_serious_grade3: float = Field(
        0.7,
        ge=0,
        le=1,
        json_schema_extra=_meta("probability", _ASSUME, "Grade 4 always serious; grade 3 usually."),
    )
    ae_terms: tuple[AETermSpec, ...] = Field(
        DEFAULT_AE_TERMS,
        json_schema_extra=_meta(
            "-",
            _A,
            "No cytokine storm, well tolerated [A]: log-odds effects zero except injection-site "
            "reactions (IM injections) and rash, modest; placebo risks assumed.",
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> SyntheticParams:
        sched = self.visit_schedule
        if list(sched) != sorted(set(sched)) or sched[0] != 0:
            raise ValueError("visit_schedule must be strictly increasing and start at day 0")
        if sched[-1] > self.follow_up_days:
            raise ValueError("visit_schedule must end on or before follow_up_days")
        if self.calibration_day <= 0:
            raise ValueError("calibration_day must be > 0")
        for name in (
            "baseline_median",
            "cyt107_fold",
            "placebo_fold",
            "placebo_post_slope",
            "regimen_log_contrast",
            "sd_intercept",
            "sd_slope",
            "sd_residual",
            "detection_limit",
        ):
            value = getattr(self, name)
            if set(value) != set(LAB_MARKERS):
                raise ValueError(f"{name} needs exactly the markers {LAB_MARKERS}")
        for name in (
            "baseline_median",
            "cyt107_fold",
            "placebo_fold",
            "sd_residual",
            "detection_limit",
        ):
            if min(getattr(self, name).values()) <= 0:
                raise ValueError(f"{name} must be positive")
        if abs(sum(self.site_probs) - 1) > 1e-9:
            raise ValueError("site_probs must sum to 1")
        for name in ("corr_intercept", "corr_slope", "corr_residual"):
            if np.linalg.eigvalsh(_corr3(getattr(self, name))).min() <= 0:
                raise ValueError(f"{name} is not a positive-definite correlation matrix")
        terms = [t.term for t in self.ae_terms]
        if len(set(terms)) != len(terms):
            raise ValueError("ae_terms must have distinct terms")
        return self


def _corr3(c: tuple[float, float, float]) -> np.ndarray:
    a, b, d = c
    return np.array([[1.0, a, b], [a, 1.0, d], [b, d, 1.0]])


def cov3(sd: dict[str, float], corr: tuple[float, float, float]) -> np.ndarray:
    """3x3 covariance over the markers from per-marker SDs and (alc-cd4, alc-cd8, cd4-cd8) correlations.

    Examples
    --------
    >>> cov3({"alc": 1.0, "cd4": 2.0, "cd8": 1.0}, (0.5, 0.0, 0.0))[0].tolist()
    [1.0, 1.0, 0.0]
    """
    s = np.array([sd[m] for m in LAB_MARKERS])
    return _corr3(corr) * np.outer(s, s)
