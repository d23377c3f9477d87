r"""A synthetic, IRIS-7-like trial generated from an explicit model — data *and* the truth behind it.

No patient-level IRIS-7 data is public. This module generates a trial that resembles it, from the public
facts (``/work/shared/iris7/FACTS.md``, restated in :mod:`bayes_iris.data.published`) plus documented
assumptions (every number is listed by :func:`parameter_table` with its source). Everything it makes
says **SYNTHETIC**: ``TrialMeta.provenance.kind == "synthetic"`` and the generator seed.

Generative model
----------------
Notation: patient :math:`i` in site :math:`s(i)`, group :math:`g(i) \in \{\text{placebo},
\text{weekly}, \text{twice\_weekly}\}` (the two CYT107 dosing frequencies), marker
:math:`m \in \{\text{alc}, \text{cd4}, \text{cd8}\}`, study day :math:`t` (0 = baseline, before the first
dose), dosing end :math:`D` (``dosing_end_day`` = 28). Two time bases, both piecewise linear:

.. math::

    r_1(t) = \min(t, D)/D, \qquad r_2(t) = \max(t - D, 0)/D .

**Lab trajectories** (log scale, cells/mm³):

.. math::

    \log y_{imt} = \alpha_m + a_{im} + u_{s(i)m}
        + (\gamma_{1m} + \beta_{g(i)m})\, r_1(t) + (\gamma_{2m} - \kappa\, \beta_{g(i)m})\, r_2(t)
        + b_{im}\, r_1(t) + \varepsilon_{imt}

* :math:`\alpha_m = \log` (``baseline_median``) — typical baseline count.
* :math:`\gamma_{1m}` natural recovery over the dosing period (all arms), :math:`\gamma_{2m}` natural
  change per further :math:`D` days after it (``placebo_post_slope``).
* :math:`\beta_{\text{placebo},m} = 0`; :math:`\beta_{\text{weekly},m} = \beta_m - \Delta_m/2`,
  :math:`\beta_{\text{twice\_weekly},m} = \beta_m + \Delta_m/2`, so the CYT107 *arm* effect
  :math:`\beta_m` is the equal-weight average of the two regimens' log effects and :math:`\Delta_m`
  (``regimen_log_contrast``) is twice-weekly minus weekly. The effect ramps in linearly over the dosing
  weeks and afterwards decays by a fraction :math:`\kappa` (``effect_decay``) of itself per further
  :math:`D` days (:math:`\kappa = 0`: plateau).
* :math:`\beta_m` and :math:`\gamma_{1m}` are *calibrated*: the placebo geometric-mean fold from baseline
  at ``calibration_day`` (29, the registry's primary-endpoint day) equals ``placebo_fold``; the CYT107
  fold equals ``cyt107_fold`` relative to baseline (``fold_reference="baseline"``, default) or relative
  to placebo (``fold_reference="placebo"``).
* Patient intercepts :math:`a_{i\cdot} \sim \mathrm{MVN}_3(0, \operatorname{diag}(\tau_a) R_a
  \operatorname{diag}(\tau_a))` and patient slopes (on :math:`r_1`: how much more or less a patient
  recovers over the dosing period, then carried) :math:`b_{i\cdot} \sim \mathrm{MVN}_3(0,
  \operatorname{diag}(\tau_b) R_b \operatorname{diag}(\tau_b))`, independent of each other: CD4+ and
  CD8+ move with ALC but not identically.
* Site effects :math:`u_{sm} \sim N(0, \tau_{\text{site}}^2)`, 4 sites (2 US, 2 FR).
* Residuals: multivariate Student-t across the three markers of one draw, :math:`\varepsilon_{i\cdot t}
  = \sigma \odot z / \sqrt{w/\nu}`, :math:`z \sim \mathrm{MVN}_3(0, R_\varepsilon)`,
  :math:`w \sim \chi^2_\nu`; each marginal is a scaled Student-t(:math:`\nu`).
* A value below the marker's detection limit :math:`L_m` is recorded as :math:`L_m` with ``*_bdl = True``.
  Values are rounded to 0.1 cells/mm³.

**Enrolment (selection)**: a candidate patient is enrolled only if both qualifying ALCs — draws of the
model at day −1 and day 0 — are ≤ 900/mm³ (registry entry criterion). ``baseline_alc`` is their mean
(registry definition); the day-0 lab row is the second qualifying draw. The intercepts of *enrolled*
patients therefore follow the population distribution truncated by this selection; :class:`Truth`
reports the population values and each enrolled patient's realised effects.

**Outcomes** (days, integer = ceiling of a continuous time):

* death: Weibull proportional hazards, shape :math:`k`, scale from ``p_death_90`` for a typical patient,
  :math:`\eta_i = \lambda_{\text{cyt}} [\text{cyt107}] + \lambda_{\text{sofa}} (\text{SOFA}_i - 9)
  + \lambda_{\text{alc}}\, a_{i,\text{alc}} / \tau_{a,\text{alc}}`;
* ICU discharge: log-normal time (``icu_los_median``), only if before death; hospital discharge a further
  log-normal time; organ support ends at a uniform fraction (0.4–0.9) of the ICU stay;
* secondary infection: exponential (rate from ``p_secondary_infection_28``), hazard ratio for CYT107;
* vital-status follow-up to ``follow_up_days`` (90) unless lost (``p_lost_to_follow_up``).

**Lab follow-up ends** at death, at loss to follow-up, and at ICU discharge for patients who do not
return for scheduled visits afterwards (probability ``1 - p_labs_after_discharge``); scheduled visits are
also missed at random (``p_missed_visit``), and the CD4/CD8 panel is sometimes not done
(``p_panel_missing``). Missingness is thus at random given the patient's effects and outcomes.

**Adverse events**: for each term :math:`j` (with its system-organ class), patient :math:`i` has
at least one event with probability :math:`\operatorname{expit}(\operatorname{logit} p_{0j} +
\psi_j [\text{cyt107}])` — at most one recorded event per term and patient (patient incidence, as in
Berry & Berry's hierarchy). Almost all :math:`\psi_j = 0` (no cytokine-storm signal, FACTS [A]); the
default has two modest real effects (injection-site reaction, rash). Onset is uniform over the term's
window, cut at death or last follow-up, so the probabilities are those of a patient followed over the
window. Grade from a term-specific distribution over 1–4; serious for grade 4 and with probability
``p_serious_grade3`` for grade 3; investigator-assessed relatedness with a term-specific probability
(blinded: the same in both arms).

References
----------
.. [1] Francois B, et al. Interleukin-7 restores lymphocytes in septic shock: the IRIS-7 randomized
   clinical trial. JCI Insight 2018;3(5):e98960. doi:10.1172/jci.insight.98960
.. [2] Daix T, et al. Intravenously administered interleukin-7 to reverse lymphopenia in patients with
   septic shock. Ann Intensive Care 2023;13:17. doi:10.1186/s13613-023-01109-w
.. [3] Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
   hierarchical mixture model. Biometrics 2004;60(2):418-426.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .. import seeds
from ..errors import InputError, Problem
from .trial import LAB_MARKERS, ArmSpec, Provenance, TrialData, TrialMeta

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


def _meta(unit: str, source: str, reasoning: str) -> dict[str, Any]:
    return {"unit": unit, "source": source, "reasoning": reasoning}


def _per_marker(alc: float, cd4: float, cd8: float) -> dict[str, float]:
    return {"alc": alc, "cd4": cd4, "cd8": cd8}


class AETermSpec(BaseModel):
    """One adverse-event term of the generator: its SOC, placebo risk and CYT107 log-odds effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    soc: str
    term: str
    placebo_risk: float = Field(gt=0, lt=1)
    log_odds_ratio: float = 0.0
    grade_probs: tuple[float, float, float, float] = (0.4, 0.35, 0.2, 0.05)
    p_related: float = Field(default=0.1, ge=0, le=1)
    dosing_period_only: bool = False

    @model_validator(mode="after")
    def _check_grades(self) -> AETermSpec:
        if abs(sum(self.grade_probs) - 1) > 1e-9 or min(self.grade_probs) < 0:
            raise ValueError("grade_probs must be 4 non-negative numbers summing to 1")
        return self


_GI = "Gastrointestinal disorders"
_GEN = "General disorders and administration site conditions"
_INF = "Infections and infestations"
_RESP = "Respiratory, thoracic and mediastinal disorders"
_BLOOD = "Blood and lymphatic system disorders"

DEFAULT_AE_TERMS: tuple[AETermSpec, ...] = (
    AETermSpec(
        soc=_GEN,
        term="Injection site reaction",
        placebo_risk=0.08,
        log_odds_ratio=1.5,
        grade_probs=(0.7, 0.27, 0.03, 0.0),
        p_related=0.9,
        dosing_period_only=True,
    ),
    AETermSpec(soc=_GEN, term="Pyrexia", placebo_risk=0.25),
    AETermSpec(
        soc=_GEN, term="Oedema peripheral", placebo_risk=0.15, grade_probs=(0.5, 0.4, 0.1, 0.0)
    ),
    AETermSpec(soc=_INF, term="Pneumonia", placebo_risk=0.20, grade_probs=(0.0, 0.3, 0.55, 0.15)),
    AETermSpec(
        soc=_INF,
        term="Urinary tract infection",
        placebo_risk=0.10,
        grade_probs=(0.1, 0.6, 0.3, 0.0),
    ),
    AETermSpec(soc=_INF, term="Bacteraemia", placebo_risk=0.10, grade_probs=(0.0, 0.3, 0.5, 0.2)),
    AETermSpec(
        soc=_RESP,
        term="Acute respiratory distress syndrome",
        placebo_risk=0.08,
        grade_probs=(0.0, 0.1, 0.5, 0.4),
    ),
    AETermSpec(soc=_RESP, term="Pleural effusion", placebo_risk=0.12),
    AETermSpec(
        soc="Cardiac disorders",
        term="Atrial fibrillation",
        placebo_risk=0.15,
        grade_probs=(0.2, 0.5, 0.25, 0.05),
    ),
    AETermSpec(
        soc="Renal and urinary disorders",
        term="Acute kidney injury",
        placebo_risk=0.20,
        grade_probs=(0.2, 0.35, 0.3, 0.15),
    ),
    AETermSpec(soc=_BLOOD, term="Anaemia", placebo_risk=0.30, grade_probs=(0.3, 0.4, 0.3, 0.0)),
    AETermSpec(
        soc=_BLOOD, term="Thrombocytopenia", placebo_risk=0.15, grade_probs=(0.3, 0.3, 0.3, 0.1)
    ),
    AETermSpec(soc=_GI, term="Diarrhoea", placebo_risk=0.15),
    AETermSpec(soc=_GI, term="Ileus", placebo_risk=0.06, grade_probs=(0.2, 0.5, 0.3, 0.0)),
    AETermSpec(
        soc="Metabolism and nutrition disorders",
        term="Hypokalaemia",
        placebo_risk=0.20,
        grade_probs=(0.5, 0.3, 0.2, 0.0),
    ),
    AETermSpec(
        soc="Psychiatric disorders",
        term="Delirium",
        placebo_risk=0.20,
        grade_probs=(0.3, 0.5, 0.2, 0.0),
    ),
    AETermSpec(
        soc="Skin and subcutaneous tissue disorders",
        term="Rash",
        placebo_risk=0.06,
        log_odds_ratio=0.7,
        grade_probs=(0.7, 0.25, 0.05, 0.0),
        p_related=0.4,
    ),
    AETermSpec(
        soc="Investigations",
        term="Transaminases increased",
        placebo_risk=0.10,
        grade_probs=(0.5, 0.3, 0.2, 0.0),
        p_related=0.2,
    ),
    AETermSpec(
        soc="Immune system disorders",
        term="Cytokine release syndrome",
        placebo_risk=0.01,
        grade_probs=(0.2, 0.5, 0.25, 0.05),
        p_related=0.5,
    ),
)


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
            "log hazard ratio", "FACTS.md [M]", "Meta-analysis RR 1.05 (0.48-2.30) in sepsis."
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


def _cov3(sd: dict[str, float], corr: tuple[float, float, float]) -> np.ndarray:
    s = np.array([sd[m] for m in LAB_MARKERS])
    return _corr3(corr) * np.outer(s, s)


def ramp_basis(day: float | np.ndarray, dosing_end_day: int) -> tuple[Any, Any]:
    """The two time bases of the trajectory model, ``(r1, r2)``.

    ``r1 = min(t, D)/D`` (rises to 1 at the end of dosing), ``r2 = max(t - D, 0)/D`` (time after it,
    in dosing periods).

    Examples
    --------
    >>> ramp_basis(14, 28)
    (0.5, 0.0)
    >>> ramp_basis(56, 28)
    (1.0, 1.0)
    """
    t = np.asarray(day, dtype=float)
    r1 = np.minimum(t, dosing_end_day) / dosing_end_day
    r2 = np.maximum(t - dosing_end_day, 0.0) / dosing_end_day
    if r1.ndim == 0:
        return float(r1), float(r2)
    return r1, r2


# ------------------------------------------------------------------------------------------
# Truth
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    """The true parameters behind a synthetic trial and the estimands models estimate.

    Attributes
    ----------
    params : SyntheticParams
        Everything the generator was given.
    seed : int or None
        Generator seed.
    coefficients : pandas.DataFrame
        One row per (group, marker): ``alpha`` (log typical baseline), ``ramp`` (coefficient of
        ``r1``: natural recovery + group effect), ``post`` (coefficient of ``r2``) and ``effect``
        (the group's log effect :math:`\\beta_g` at the end of dosing; 0 for placebo). Groups:
        placebo, weekly, twice_weekly, and cyt107 (equal-weight average of the two regimens).
    estimands : pandas.DataFrame
        One row per (marker, day) over the visit schedule: ``log_gm_ratio`` and ``gm_ratio``
        (CYT107 arm vs placebo, typical patient: random effects and site at zero),
        ``fold_placebo``, ``fold_cyt107``, ``fold_weekly``, ``fold_twice_weekly`` (geometric-mean
        fold from baseline) and ``regimen_log_contrast`` (twice-weekly minus weekly, log scale).
    sds : dict
        True between-patient SDs and correlations (``sd_intercept``, ``sd_slope``, ``corr_*``),
        ``sd_site``, ``sd_residual`` and ``residual_df`` (population values).
    ae : pandas.DataFrame
        One row per AE term: ``soc``, ``term``, ``p_placebo``, ``p_cyt107``, ``log_odds_ratio``,
        ``risk_difference``.
    outcomes : dict
        True outcome parameters (log hazard ratios, baseline risks).
    patient_effects : pandas.DataFrame
        Realised effects of each enrolled patient: ``patient_id``, ``intercept_<m>``, ``slope_<m>``.
    site_effects : pandas.DataFrame
        Realised site effects: ``site``, ``alc``, ``cd4``, ``cd8``.
    """

    params: SyntheticParams
    seed: int | None
    coefficients: pd.DataFrame
    estimands: pd.DataFrame
    sds: dict[str, Any]
    ae: pd.DataFrame
    outcomes: dict[str, float]
    patient_effects: pd.DataFrame
    site_effects: pd.DataFrame
    generator: str = field(default=f"{GENERATOR_NAME} v{GENERATOR_VERSION}")

    # -- estimands as functions of any day -------------------------------------------------
    def _coef(self, group: str, marker: str, column: str) -> float:
        c = self.coefficients
        row = c[(c["group"] == group) & (c["marker"] == marker)]
        if row.empty:
            raise InputError(
                f"unknown group/marker {group!r}/{marker!r}",
                column="marker",
                hint=f"markers: {LAB_MARKERS}; groups: {(*GROUPS, 'cyt107')}",
            )
        return float(row[column].iloc[0])

    def log_mean(self, group: str, marker: str, day: float) -> float:
        """Typical patient's log count (random effects and site at zero) in ``group`` on ``day``."""
        r1, r2 = ramp_basis(day, self.params.dosing_end_day)
        return (
            self._coef(group, marker, "alpha")
            + self._coef(group, marker, "ramp") * r1
            + self._coef(group, marker, "post") * r2
        )

    def log_gm_ratio(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True log ratio of geometric means ``group`` / placebo (typical patient) on ``day``."""
        return self.log_mean(group, marker, day) - self.log_mean("placebo", marker, day)

    def gm_ratio(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True ratio of geometric means CYT107 (equal-weight regimen average) / placebo.

        Examples
        --------
        >>> t = simulate_trial(1).truth
        >>> round(t.gm_ratio("alc", 0), 6)
        1.0
        >>> 2.0 < t.gm_ratio("alc", 29) < 3.0
        True
        """
        return math.exp(self.log_gm_ratio(marker, day, group))

    def fold_from_baseline(self, marker: str, day: float, group: str = "cyt107") -> float:
        """True geometric-mean fold change from day 0 of a typical patient in ``group``.

        ``group`` is placebo, cyt107 (equal-weight regimen average), weekly or twice_weekly.
        """
        return math.exp(self.log_mean(group, marker, day) - self.log_mean(group, marker, 0))

    def regimen_log_contrast(self, marker: str, day: float) -> float:
        """True log contrast twice-weekly minus weekly on ``day``."""
        return self.log_mean("twice_weekly", marker, day) - self.log_mean("weekly", marker, day)

    @property
    def alc_day29_ratio(self) -> float:
        """True CYT107 / placebo geometric-mean ALC ratio at day 29."""
        return self.gm_ratio("alc", 29)

    @property
    def alc_day29_log_ratio(self) -> float:
        return self.log_gm_ratio("alc", 29)

    # -- (de)serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "seed": self.seed,
            "params": self.params.model_dump(mode="json"),
            "coefficients": _records(self.coefficients),
            "estimands": _records(self.estimands),
            "sds": self.sds,
            "ae": _records(self.ae),
            "outcomes": self.outcomes,
            "patient_effects": _records(self.patient_effects),
            "site_effects": _records(self.site_effects),
        }

    def to_json(self) -> str:
        """Deterministic JSON text (floats rounded to 12 significant digits)."""
        return json.dumps(_round_floats(self.to_dict()), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Truth:
        return cls(
            params=SyntheticParams.model_validate(d["params"]),
            seed=d.get("seed"),
            coefficients=pd.DataFrame(d["coefficients"]),
            estimands=pd.DataFrame(d["estimands"]),
            sds=d["sds"],
            ae=pd.DataFrame(d["ae"]),
            outcomes=d["outcomes"],
            patient_effects=pd.DataFrame(d["patient_effects"]),
            site_effects=pd.DataFrame(d["site_effects"]),
            generator=d.get("generator", f"{GENERATOR_NAME} v{GENERATOR_VERSION}"),
        )

    @classmethod
    def from_json(cls, text: str) -> Truth:
        return cls.from_dict(json.loads(text))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()})
    return out


def _round_floats(obj: Any) -> Any:
    if isinstance(obj, float):
        return float(f"{obj:.12g}")
    if isinstance(obj, dict):
        return {k: _round_floats(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round_floats(v) for v in obj]
    return obj


@dataclass(frozen=True)
class SyntheticTrial:
    """A simulated trial: ``data`` (a :class:`TrialData`, provenance synthetic) and its ``truth``."""

    data: TrialData
    truth: Truth


# ------------------------------------------------------------------------------------------
# Calibration
# ------------------------------------------------------------------------------------------


def calibrated_coefficients(params: SyntheticParams) -> pd.DataFrame:
    """Solve the calibration for the ramp/post coefficients of every group and marker.

    Examples
    --------
    >>> c = calibrated_coefficients(SyntheticParams())
    >>> sorted(c["group"].unique())
    ['cyt107', 'placebo', 'twice_weekly', 'weekly']
    """
    p = params
    r1, r2 = ramp_basis(p.calibration_day, p.dosing_end_day)
    rows = []
    for m in LAB_MARKERS:
        g2 = p.placebo_post_slope[m]
        g1 = (math.log(p.placebo_fold[m]) - g2 * r2) / r1
        denom = r1 - p.effect_decay * r2
        if denom <= 0:
            raise InputError(
                "effect_decay too large: the effect is gone by the calibration day",
                column="effect_decay",
                hint="use a smaller effect_decay",
            )
        if p.fold_reference == "baseline":
            beta = (math.log(p.cyt107_fold[m]) - g1 * r1 - g2 * r2) / denom
        else:
            beta = math.log(p.cyt107_fold[m]) / denom
        delta = p.regimen_log_contrast[m]
        for group, eff in (
            ("placebo", 0.0),
            ("weekly", beta - delta / 2),
            ("twice_weekly", beta + delta / 2),
            ("cyt107", beta),
        ):
            rows.append(
                {
                    "group": group,
                    "marker": m,
                    "alpha": math.log(p.baseline_median[m]),
                    "ramp": g1 + eff,
                    "post": g2 - p.effect_decay * eff,
                    "effect": eff,
                }
            )
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=16)
def _estimands_of(params_json: str) -> pd.DataFrame:
    p = SyntheticParams.model_validate_json(params_json)
    return _estimands(calibrated_coefficients(p), p)


def _estimands_cached(params_json: str) -> pd.DataFrame:
    return _estimands_of(params_json).copy()  # callers may modify their copy


def _estimands(coef: pd.DataFrame, params: SyntheticParams) -> pd.DataFrame:
    rows = []
    for m in LAB_MARKERS:
        c = {rec["group"]: rec for rec in coef[coef["marker"] == m].to_dict(orient="records")}

        def lm(group: str, day: float, c: dict = c) -> float:
            r1, r2 = ramp_basis(day, params.dosing_end_day)
            g = c[group]
            return float(g["alpha"] + g["ramp"] * r1 + g["post"] * r2)

        for day in params.visit_schedule:
            lr = lm("cyt107", day) - lm("placebo", day)
            rows.append(
                {
                    "marker": m,
                    "day": int(day),
                    "log_gm_ratio": lr,
                    "gm_ratio": math.exp(lr),
                    **{
                        f"fold_{g}": math.exp(lm(g, day) - lm(g, 0))
                        for g in ("placebo", "cyt107", "weekly", "twice_weekly")
                    },
                    "regimen_log_contrast": lm("twice_weekly", day) - lm("weekly", day),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Simulation
# ------------------------------------------------------------------------------------------


def _death_scale(p: SyntheticParams) -> float:
    return p.follow_up_days / (-math.log1p(-p.p_death_90)) ** (1.0 / p.death_weibull_shape)


def _mvt(
    rng: np.random.Generator,
    n: int,
    sd: dict[str, float],
    corr: tuple[float, float, float],
    df: float,
) -> np.ndarray:
    z = rng.multivariate_normal(np.zeros(3), _cov3(sd, corr), size=n, method="cholesky")
    w = rng.chisquare(df, size=n)
    return z / np.sqrt(w / df)[:, None]


def _check_sizes(n_cyt107: int, n_placebo: int) -> None:
    problems = []
    for name, n, low in (("n_cyt107", n_cyt107, 2), ("n_placebo", n_placebo, 1)):
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < low or n > 100_000:
            problems.append(f"{name} must be an integer between {low} and 100000, got {n!r}")
    if problems:
        raise InputError(
            [
                Problem(
                    msg,
                    column=msg.split()[0],
                    hint="CYT107 is split across two regimens: n_cyt107 >= 2",
                )
                for msg in problems
            ]
        )


def simulate_trial(
    seed: int,
    params: SyntheticParams | None = None,
    n_cyt107: int = 17,
    n_placebo: int = 10,
    *,
    name: str | None = None,
) -> SyntheticTrial:
    """Simulate one IRIS-7-like trial (the model is in the module docstring).

    Parameters
    ----------
    seed : int
        Run seed; every random draw comes from named streams of it (:mod:`bayes_iris.seeds`).
    params : SyntheticParams, optional
        Generator parameters (default :class:`SyntheticParams()`, the bundled trial's).
    n_cyt107, n_placebo : int
        Patients randomised per arm; CYT107 is split between the weekly (``n_cyt107 // 2``) and
        twice-weekly (the rest) regimens.
    name : str, optional
        Trial name in ``trial.yaml`` (default ``iris7-synthetic-seed<seed>``).

    Returns
    -------
    SyntheticTrial
        ``.data`` (:class:`TrialData`, provenance synthetic) and ``.truth`` (:class:`Truth`).

    Examples
    --------
    >>> sim = simulate_trial(7)
    >>> sim.data.n_patients, sim.data.is_synthetic
    (27, True)
    >>> bool((sim.data.patients["baseline_alc"] <= 900).all())
    True
    """
    p = params if params is not None else SyntheticParams()
    _check_sizes(n_cyt107, n_placebo)
    seeds.seed_sequence(seed, "check")  # validates the seed (InputError if not a non-negative int)
    n = int(n_cyt107) + int(n_placebo)
    D = p.dosing_end_day
    coef = calibrated_coefficients(p)
    markers = LAB_MARKERS

    # --- sites and their effects ------------------------------------------------------------
    rng_site = seeds.rng(seed, "synthetic.sites")
    site_eff = rng_site.normal(0.0, p.sd_site, size=(len(SITES), 3))

    # --- screening: draw candidates until n are enrolled ------------------------------------
    rng_scr = seeds.rng(seed, "synthetic.screening")
    alpha = np.array([math.log(p.baseline_median[m]) for m in markers])
    cov_a = _cov3(p.sd_intercept, p.corr_intercept)
    site_idx_l, a_l, q1_l, q0_l = [], [], [], []
    enrolled = 0
    while enrolled < n:
        k = max(2 * (n - enrolled), 16)
        s_idx = rng_scr.choice(len(SITES), size=k, p=np.asarray(p.site_probs))
        a = rng_scr.multivariate_normal(np.zeros(3), cov_a, size=k, method="cholesky")
        e_m1 = _mvt(rng_scr, k, p.sd_residual, p.corr_residual, p.residual_df)
        e_0 = _mvt(rng_scr, k, p.sd_residual, p.corr_residual, p.residual_df)
        mean0 = alpha + a + site_eff[s_idx]
        q1 = np.round(np.exp(mean0 + e_m1), 1)
        q0 = np.round(np.exp(mean0 + e_0), 1)
        ok = (q1[:, 0] <= p.entry_alc_max) & (q0[:, 0] <= p.entry_alc_max)
        for j in np.flatnonzero(ok)[: n - enrolled]:
            site_idx_l.append(s_idx[j])
            a_l.append(a[j])
            q1_l.append(q1[j])
            q0_l.append(q0[j])
            enrolled += 1
    site_idx = np.array(site_idx_l)
    a = np.array(a_l)
    q0 = np.array(q0_l)  # day-0 draw of every marker (the 2nd qualifying ALC)
    q1 = np.array(q1_l)

    # --- randomisation ------------------------------------------------------------------------
    rng_rand = seeds.rng(seed, "synthetic.randomisation")
    n_weekly = int(n_cyt107) // 2
    groups = np.array(
        ["weekly"] * n_weekly
        + ["twice_weekly"] * (int(n_cyt107) - n_weekly)
        + ["placebo"] * int(n_placebo)
    )
    groups = groups[rng_rand.permutation(n)]
    arms = np.where(groups == "placebo", "placebo", "cyt107")
    cyt = (arms == "cyt107").astype(float)

    # --- covariates -----------------------------------------------------------------------------
    rng_cov = seeds.rng(seed, "synthetic.covariates")
    age = np.clip(np.round(rng_cov.normal(p.age_mean, p.age_sd, n)), *p.age_range).astype(int)
    sex = np.where(rng_cov.random(n) < p.p_male, "M", "F")
    sofa = np.clip(2 + rng_cov.poisson(max(p.sofa_mean - 2, 0.1), n), 2, 24).astype(int)
    apache2 = np.clip(np.round(rng_cov.normal(p.apache2_mean, 7.0, n)), 5, 60).astype(int)
    route = np.where(rng_cov.random(n) < p.p_subcutaneous, "SC", "IM")
    sources = np.array(["lung", "abdomen", "urinary", "bloodstream", "skin_soft_tissue", "other"])
    infection_source = sources[rng_cov.choice(6, size=n, p=[0.45, 0.3, 0.1, 0.05, 0.05, 0.05])]
    charlson = np.clip(rng_cov.poisson(3.0, n), 0, 20).astype(int)

    # --- patient slopes -----------------------------------------------------------------------
    rng_slope = seeds.rng(seed, "synthetic.slopes")
    b = rng_slope.multivariate_normal(
        np.zeros(3), _cov3(p.sd_slope, p.corr_slope), size=n, method="cholesky"
    )

    # --- outcomes -----------------------------------------------------------------------------
    rng_out = seeds.rng(seed, "synthetic.outcomes")
    eta = (
        p.log_hr_death_cyt107 * cyt
        + p.log_hr_death_sofa * (sofa - 9)
        + p.log_hr_death_alc * a[:, 0] / p.sd_intercept["alc"]
    )
    t_death = _death_scale(p) * (rng_out.exponential(1.0, n) / np.exp(eta)) ** (
        1.0 / p.death_weibull_shape
    )
    t_icu = np.exp(rng_out.normal(math.log(p.icu_los_median), p.icu_los_sdlog, n))
    t_hosp = t_icu + np.exp(rng_out.normal(math.log(p.hospital_after_icu_median), 0.6, n))
    os_frac = rng_out.uniform(0.4, 0.9, n)
    rate_si = -math.log1p(-p.p_secondary_infection_28) / 28.0
    t_si = rng_out.exponential(1.0, n) / (
        rate_si * np.exp(p.log_hr_secondary_infection_cyt107 * cyt)
    )
    lost = rng_out.random(n) < p.p_lost_to_follow_up
    t_lost = rng_out.uniform(1.0, p.follow_up_days, n)
    attends_after_discharge = rng_out.random(n) < p.p_labs_after_discharge

    F = p.follow_up_days
    death_day = np.ceil(t_death).astype(int)  # true day of death (may be > F)
    icu_day = np.maximum(np.ceil(t_icu).astype(int), 1)
    hosp_day = np.maximum(np.ceil(t_hosp).astype(int), icu_day)
    lost_day = np.ceil(t_lost).astype(int)
    out_rows = []
    lab_end = np.zeros(n, dtype=int)
    for i in range(n):
        end_vital = F
        if lost[i] and lost_day[i] < min(death_day[i], F):
            end_vital = lost_day[i]
        died = death_day[i] <= end_vital
        last_fu = death_day[i] if died else end_vital
        icu = icu_day[i] if icu_day[i] < death_day[i] and icu_day[i] <= last_fu else None
        hosp = (
            hosp_day[i]
            if icu is not None and hosp_day[i] < death_day[i] and hosp_day[i] <= last_fu
            else None
        )
        si_day = math.ceil(t_si[i])
        si = si_day if si_day <= last_fu and si_day < death_day[i] + 1 else None
        t_os = max(1.0, os_frac[i] * min(t_icu[i], t_death[i]))
        if death_day[i] <= 28:
            osfd = 0
        else:
            osfd = int(max(0, 28 - math.ceil(min(t_os, 28.0))))
        end = last_fu
        if icu is not None and not attends_after_discharge[i]:
            end = min(end, icu)
        lab_end[i] = end
        out_rows.append(
            {
                "death_day": int(death_day[i]) if died else None,
                "last_follow_up_day": int(last_fu),
                "secondary_infection_day": si,
                "icu_discharge_day": None if icu is None else int(icu),
                "hospital_discharge_day": None if hosp is None else int(hosp),
                "organ_support_free_days_28": osfd,
            }
        )

    # --- labs ---------------------------------------------------------------------------------
    rng_lab = seeds.rng(seed, "synthetic.labs")
    sched = np.array(p.visit_schedule, dtype=int)
    eps = _mvt(rng_lab, n * len(sched), p.sd_residual, p.corr_residual, p.residual_df)
    eps = eps.reshape(n, len(sched), 3)
    missed = rng_lab.random((n, len(sched))) < p.p_missed_visit
    panel_missing = rng_lab.random((n, len(sched))) < p.p_panel_missing
    cgrp = coef.set_index(["group", "marker"])
    ramp_of = {g: np.array([cgrp.at[(g, m), "ramp"] for m in markers]) for g in GROUPS}
    post_of = {g: np.array([cgrp.at[(g, m), "post"] for m in markers]) for g in GROUPS}
    r1, r2 = ramp_basis(sched, D)
    lod = np.array([p.detection_limit[m] for m in markers])
    lab_rows = []
    for i in range(n):
        ramp, post = ramp_of[groups[i]], post_of[groups[i]]
        for k, day in enumerate(sched):
            if day > lab_end[i] or (day > 0 and missed[i, k]):
                continue
            if day == 0:
                y = q0[i].copy()
            else:
                mu = alpha + a[i] + site_eff[site_idx[i]] + (ramp + b[i]) * r1[k] + post * r2[k]
                y = np.round(np.exp(mu + eps[i, k]), 1)
            bdl = y < lod
            y = np.where(bdl, lod, y)
            row = {"patient_id": None, "study_day": int(day)}
            for j, m in enumerate(markers):
                no_panel = m != "alc" and day > 0 and panel_missing[i, k]
                row[m] = float("nan") if no_panel else float(y[j])
                row[f"{m}_bdl"] = False if no_panel else bool(bdl[j])
            row["_i"] = i
            lab_rows.append(row)

    # --- adverse events -----------------------------------------------------------------------
    rng_ae = seeds.rng(seed, "synthetic.adverse_events")
    ae_rows = []
    for spec in p.ae_terms:
        logit0 = math.log(spec.placebo_risk / (1 - spec.placebo_risk))
        prob = 1.0 / (1.0 + np.exp(-(logit0 + spec.log_odds_ratio * cyt)))
        occurs = rng_ae.random(n) < prob
        u_onset = rng_ae.random(n)
        grade = rng_ae.choice(4, size=n, p=np.asarray(spec.grade_probs)) + 1
        u_serious = rng_ae.random(n)
        u_related = rng_ae.random(n)
        window = D if spec.dosing_period_only else p.ae_window_days
        for i in np.flatnonzero(occurs):
            last = min(window, out_rows[i]["last_follow_up_day"])
            onset = int(np.floor(u_onset[i] * (last + 1)))
            serious = bool(grade[i] == 4 or (grade[i] == 3 and u_serious[i] < p.p_serious_grade3))
            ae_rows.append(
                {
                    "_i": int(i),
                    "soc": spec.soc,
                    "term": spec.term,
                    "grade": int(grade[i]),
                    "serious": serious,
                    "onset_day": onset,
                    "related": bool(u_related[i] < spec.p_related),
                }
            )

    # --- assemble -----------------------------------------------------------------------------
    ids = np.array([f"S{i + 1:03d}" for i in range(n)])
    patients = pd.DataFrame(
        {
            "patient_id": ids,
            "arm": arms,
            "regimen": groups,
            "site": [SITES[s][0] for s in site_idx],
            "country": [SITES[s][1] for s in site_idx],
            "age": age,
            "sex": sex,
            "sofa": sofa,
            "apache2": apache2,
            "route": route,
            "infection_source": infection_source,
            "charlson": charlson,
            "baseline_alc": np.round((q1[:, 0] + q0[:, 0]) / 2, 2),
        }
    )
    labs = pd.DataFrame(lab_rows)
    labs["patient_id"] = ids[labs.pop("_i").to_numpy()]
    labs = labs[["patient_id", "study_day", *markers, *(f"{m}_bdl" for m in markers)]]
    if ae_rows:
        ae = pd.DataFrame(ae_rows)
        ae.insert(0, "patient_id", ids[ae.pop("_i").to_numpy()])
        ae = ae.sort_values(["patient_id", "onset_day", "soc", "term"], kind="stable")
    else:
        ae = pd.DataFrame(
            columns=["patient_id", "soc", "term", "grade", "serious", "onset_day", "related"]
        )
    outcomes = pd.DataFrame(out_rows)
    outcomes.insert(0, "patient_id", ids)

    meta = TrialMeta(
        name=name or f"iris7-synthetic-seed{seed}",
        description=(
            "SYNTHETIC IRIS-7-like trial (CYT107 vs placebo in septic shock with severe "
            "lymphopenia), generated from public facts and documented assumptions; "
            "not IRIS-7 patient data."
        ),
        provenance=Provenance(
            kind="synthetic",
            source=f"{GENERATOR_NAME} v{GENERATOR_VERSION}",
            seed=int(seed),
            notes="See docs/synthetic-trial.md; truth in truth.json.",
        ),
        arms=[
            ArmSpec(name="placebo", label="Placebo", regimens=["placebo"]),
            ArmSpec(name="cyt107", label="CYT107 10 µg/kg", regimens=list(CYT107_REGIMENS)),
        ],
        units=dict.fromkeys(markers, "cells/mm3"),
        visit_schedule=list(p.visit_schedule),
        dosing_end_day=D,
        follow_up_days=F,
        detection_limits=dict(p.detection_limit),
    )
    from .io import normalise_tables

    data = normalise_tables(
        TrialData(meta=meta, patients=patients, labs=labs, adverse_events=ae, outcomes=outcomes)
    )

    truth = Truth(
        params=p,
        seed=int(seed),
        coefficients=coef,
        estimands=_estimands_cached(p.model_dump_json()),
        sds={
            "sd_intercept": dict(p.sd_intercept),
            "sd_slope": dict(p.sd_slope),
            "corr_intercept": dict(
                zip(("alc_cd4", "alc_cd8", "cd4_cd8"), p.corr_intercept, strict=True)
            ),
            "corr_slope": dict(zip(("alc_cd4", "alc_cd8", "cd4_cd8"), p.corr_slope, strict=True)),
            "sd_site": p.sd_site,
            "sd_residual": dict(p.sd_residual),
            "residual_df": p.residual_df,
        },
        ae=_ae_truth(p),
        outcomes={
            "p_death_90_typical": p.p_death_90,
            "log_hr_death_cyt107": p.log_hr_death_cyt107,
            "log_hr_death_sofa": p.log_hr_death_sofa,
            "log_hr_death_alc_per_sd": p.log_hr_death_alc,
            "p_secondary_infection_28_placebo": p.p_secondary_infection_28,
            "log_hr_secondary_infection_cyt107": p.log_hr_secondary_infection_cyt107,
        },
        patient_effects=pd.DataFrame(
            {
                "patient_id": ids,
                **{f"intercept_{m}": a[:, j] for j, m in enumerate(markers)},
                **{f"slope_{m}": b[:, j] for j, m in enumerate(markers)},
            }
        ),
        site_effects=pd.DataFrame(
            {
                "site": [s for s, _ in SITES],
                **{m: site_eff[:, j] for j, m in enumerate(markers)},
            }
        ),
    )
    return SyntheticTrial(data=data, truth=truth)


def _ae_truth(p: SyntheticParams) -> pd.DataFrame:
    rows = []
    for s in p.ae_terms:
        lo = math.log(s.placebo_risk / (1 - s.placebo_risk))
        p1 = 1 / (1 + math.exp(-(lo + s.log_odds_ratio)))
        rows.append(
            {
                "soc": s.soc,
                "term": s.term,
                "p_placebo": s.placebo_risk,
                "p_cyt107": p1,
                "log_odds_ratio": s.log_odds_ratio,
                "risk_difference": p1 - s.placebo_risk,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# Parameter table
# ------------------------------------------------------------------------------------------


def parameter_table(params: SyntheticParams | None = None) -> pd.DataFrame:
    """Every generator parameter with its value, unit, source and reasoning (one row per scalar).

    Per-marker and per-AE-term parameters get one row each (``name`` like ``cyt107_fold.alc`` or
    ``ae.Rash.log_odds_ratio``).

    Examples
    --------
    >>> t = parameter_table()
    >>> list(t.columns)
    ['name', 'value', 'unit', 'source', 'reasoning']
    >>> t.set_index("name").loc["cyt107_fold.alc", "value"]
    '3.5'
    """
    p = params if params is not None else SyntheticParams()
    rows: list[dict[str, str]] = []
    for fname, finfo in SyntheticParams.model_fields.items():
        extra = finfo.json_schema_extra or {}
        value = getattr(p, fname)
        base = {
            "unit": str(extra.get("unit", "")),
            "source": str(extra.get("source", "")),
            "reasoning": str(extra.get("reasoning", "")),
        }
        if fname == "ae_terms":
            for spec in value:
                for attr in ("soc", "placebo_risk", "log_odds_ratio", "grade_probs", "p_related"):
                    v = getattr(spec, attr)
                    unit = {
                        "placebo_risk": "probability",
                        "log_odds_ratio": "log odds ratio",
                        "grade_probs": "probabilities of grades 1-4",
                        "p_related": "probability",
                    }.get(attr, "-")
                    source, why = _ASSUME, _AE_REASONS[attr]
                    if attr == "log_odds_ratio":
                        if v == 0:
                            source, why = (
                                _A,
                                (
                                    "Well tolerated, no cytokine storm [A]: no "
                                    "CYT107 effect on this term."
                                ),
                            )
                        else:
                            why = (
                                "A modest real effect (IL-7 given by IM/SC injection), so "
                                "that safety models have something true to find."
                            )
                    rows.append(
                        {
                            "name": f"ae.{spec.term}.{attr}",
                            "value": _fmt(v),
                            "unit": unit,
                            "source": source,
                            "reasoning": why,
                        }
                    )
        elif isinstance(value, dict):
            for k, v in value.items():
                rows.append({"name": f"{fname}.{k}", "value": _fmt(v), **base})
        else:
            rows.append({"name": fname, "value": _fmt(value), **base})
    return pd.DataFrame(rows, columns=["name", "value", "unit", "source", "reasoning"])


_AE_REASONS = {
    "soc": "MedDRA system organ class of the term.",
    "placebo_risk": "Incidence typical of septic shock ICU populations; not public for IRIS-7.",
    "grade_probs": "Severity mix typical of the term in ICU patients.",
    "p_related": "Investigator-assessed relatedness (blinded: same in both arms).",
    "log_odds_ratio": "CYT107 effect on the log odds of the term.",
}


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, tuple | list):
        return ", ".join(_fmt(x) for x in v)
    return str(v)
