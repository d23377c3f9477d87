r"""A synthetic, IRIS-7-like trial generated from an explicit model — data *and* the truth behind it.

No patient-level IRIS-7 data is public. This package generates a trial that resembles it, from the public
facts (``/work/shared/iris7/FACTS.md``, restated in :mod:`bayes_iris.data.published`) plus documented
assumptions (every number is listed by :func:`parameter_table` with its source). Everything it makes
says **SYNTHETIC**: ``TrialMeta.provenance.kind == "synthetic"`` and the generator seed.

Generative model
----------------
Notation: patient :math:`i` in site :math:`s(i)`, group :math:`g(i) \in \{\text{placebo},
\text{weekly}, \text{twice\_weekly}\}` (the two CYT107 dosing frequencies), marker
:math:`m \in \{\text{alc}, \text{cd4}, \text{cd8}\}`, study day :math:`t` (0 = baseline, before the first
dose), dosing end :math:`D` (``dosing_end_day`` = 28). The time basis of the trial
(:func:`bayes_iris.data.trial.ramp_bases`, the one the trajectory models use), piecewise linear:

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

Modules
-------
:mod:`~.params` (:class:`SyntheticParams`), :mod:`~.ae_terms` (the AE terms), :mod:`~.params_table`
(:func:`parameter_table`), :mod:`~.truth` (calibration, :class:`Truth`, :func:`load_truth`),
:mod:`~.generator` (:func:`simulate_trial`, one function per table).

References
----------
.. [1] Francois B, et al. Interleukin-7 restores lymphocytes in septic shock: the IRIS-7 randomized
   clinical trial. JCI Insight 2018;3(5):e98960. doi:10.1172/jci.insight.98960
.. [2] Daix T, et al. Intravenously administered interleukin-7 to reverse lymphopenia in patients with
   septic shock. Ann Intensive Care 2023;13:17. doi:10.1186/s13613-023-01109-w
.. [3] Berry SM, Berry DA. Accounting for multiplicities in assessing drug safety: a three-level
   hierarchical mixture model. Biometrics 2004;60(2):418-426.

Examples
--------
>>> sim = simulate_trial(3)
>>> sim.data.provenance_label.startswith("SYNTHETIC")
True
>>> round(sim.truth.alc_day29_ratio, 2)
2.5
"""

from .ae_terms import DEFAULT_AE_TERMS, AETermSpec
from .generator import SyntheticTrial, simulate_trial
from .params import GENERATOR_NAME, GENERATOR_VERSION, GROUPS, SITES, SyntheticParams
from .params_table import parameter_table
from .truth import Truth, calibrated_coefficients, load_truth

__all__ = [
    "DEFAULT_AE_TERMS",
    "GENERATOR_NAME",
    "GENERATOR_VERSION",
    "GROUPS",
    "SITES",
    "AETermSpec",
    "SyntheticParams",
    "SyntheticTrial",
    "Truth",
    "calibrated_coefficients",
    "load_truth",
    "parameter_table",
    "simulate_trial",
]
