"""The synthetic generator, one table at a time: sites, patients, outcomes, labs, adverse events.

:func:`simulate_trial` implements the model written out in :mod:`bayes_iris.data.synthetic`. Each
step draws from its own named random stream of the run seed (:func:`bayes_iris.seeds.rng`:
``synthetic.sites``, ``.screening``, ``.randomisation``, ``.covariates``, ``.slopes``, ``.outcomes``,
``.labs``, ``.adverse_events``), so drawing more or fewer numbers in one step shifts no other
step's draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ... import seeds
from ...errors import InputError, Problem
from ..schema import normalise_tables
from ..trial import LAB_MARKERS, ArmSpec, Provenance, TrialData, TrialMeta, ramp_bases
from .params import (
    CYT107_REGIMENS,
    GENERATOR_NAME,
    GENERATOR_VERSION,
    GROUPS,
    SITES,
    SyntheticParams,
    cov3,
)
from .truth import Truth, build_truth, calibrated_coefficients

__all__ = ["SyntheticTrial", "simulate_trial"]

_INFECTION_SOURCES = ("lung", "abdomen", "urinary", "bloodstream", "skin_soft_tissue", "other")
_INFECTION_SOURCE_PROBS = (0.45, 0.3, 0.1, 0.05, 0.05, 0.05)


@dataclass(frozen=True)
class SyntheticTrial:
    """A simulated trial: ``data`` (a :class:`TrialData`, provenance synthetic) and its ``truth``."""

    data: TrialData
    truth: Truth


@dataclass(frozen=True)
class _Enrolled:
    """The patients enrolled at screening, in enrolment order (one row per patient)."""

    site: np.ndarray  # site index
    intercept: np.ndarray  # (n, 3) patient intercepts a_i
    q1: np.ndarray  # (n, 3) day -1 draw: the first qualifying ALC
    q0: np.ndarray  # (n, 3) day-0 draw: the second qualifying ALC and the baseline lab row


def _mvt(
    rng: np.random.Generator,
    n: int,
    sd: dict[str, float],
    corr: tuple[float, float, float],
    df: float,
) -> np.ndarray:
    """``n`` draws of the 3-marker residual: multivariate Student-t, scale ``sd``, ``df``."""
    z = rng.multivariate_normal(np.zeros(3), cov3(sd, corr), size=n, method="cholesky")
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


# -- sites ---------------------------------------------------------------------------------


def _site_effects(seed: int, p: SyntheticParams) -> np.ndarray:
    """Site effects :math:`u_{sm} \\sim N(0, \\tau_{site}^2)`, one row per site of :data:`SITES`."""
    rng = seeds.rng(seed, "synthetic.sites")
    return rng.normal(0.0, p.sd_site, size=(len(SITES), 3))


# -- patients ------------------------------------------------------------------------------


def _screen(seed: int, p: SyntheticParams, n: int, site_eff: np.ndarray) -> _Enrolled:
    """Draw candidates until ``n`` are enrolled: both qualifying ALCs ≤ ``entry_alc_max``."""
    rng = seeds.rng(seed, "synthetic.screening")
    alpha = np.array([math.log(p.baseline_median[m]) for m in LAB_MARKERS])
    cov_a = cov3(p.sd_intercept, p.corr_intercept)
    site_l, a_l, q1_l, q0_l = [], [], [], []
    enrolled = 0
    while enrolled < n:
        k = max(2 * (n - enrolled), 16)
        s_idx = rng.choice(len(SITES), size=k, p=np.asarray(p.site_probs))
        a = rng.multivariate_normal(np.zeros(3), cov_a, size=k, method="cholesky")
        e_m1 = _mvt(rng, k, p.sd_residual, p.corr_residual, p.residual_df)
        e_0 = _mvt(rng, k, p.sd_residual, p.corr_residual, p.residual_df)
        mean0 = alpha + a + site_eff[s_idx]
        q1 = np.round(np.exp(mean0 + e_m1), 1)
        q0 = np.round(np.exp(mean0 + e_0), 1)
        ok = (q1[:, 0] <= p.entry_alc_max) & (q0[:, 0] <= p.entry_alc_max)
        for j in np.flatnonzero(ok)[: n - enrolled]:
            site_l.append(s_idx[j])
            a_l.append(a[j])
            q1_l.append(q1[j])
            q0_l.append(q0[j])
            enrolled += 1
    return _Enrolled(np.array(site_l), np.array(a_l), np.array(q1_l), np.array(q0_l))


def _randomise(seed: int, n_cyt107: int, n_placebo: int) -> np.ndarray:
    """Each patient's group: ``n_cyt107 // 2`` weekly, the other CYT107 twice-weekly, in random order."""
    rng = seeds.rng(seed, "synthetic.randomisation")
    n_weekly = int(n_cyt107) // 2
    groups = np.array(
        ["weekly"] * n_weekly
        + ["twice_weekly"] * (int(n_cyt107) - n_weekly)
        + ["placebo"] * int(n_placebo)
    )
    return groups[rng.permutation(int(n_cyt107) + int(n_placebo))]


def _covariates(seed: int, p: SyntheticParams, n: int) -> dict[str, np.ndarray]:
    """Baseline covariates of the patients table (age, sex, SOFA, APACHE II, route, ...)."""
    rng = seeds.rng(seed, "synthetic.covariates")
    age = np.clip(np.round(rng.normal(p.age_mean, p.age_sd, n)), *p.age_range).astype(int)
    sex = np.where(rng.random(n) < p.p_male, "M", "F")
    sofa = np.clip(2 + rng.poisson(max(p.sofa_mean - 2, 0.1), n), 2, 24).astype(int)
    apache2 = np.clip(np.round(rng.normal(p.apache2_mean, 7.0, n)), 5, 60).astype(int)
    route = np.where(rng.random(n) < p.p_subcutaneous, "SC", "IM")
    sources = np.array(_INFECTION_SOURCES)
    infection_source = sources[rng.choice(6, size=n, p=list(_INFECTION_SOURCE_PROBS))]
    charlson = np.clip(rng.poisson(3.0, n), 0, 20).astype(int)
    return {
        "age": age,
        "sex": sex,
        "sofa": sofa,
        "apache2": apache2,
        "route": route,
        "infection_source": infection_source,
        "charlson": charlson,
    }


def _slopes(seed: int, p: SyntheticParams, n: int) -> np.ndarray:
    """Patient slopes on :math:`r_1`, :math:`b_{i\\cdot} \\sim MVN_3(0, \\Sigma_b)`: shape (n, 3)."""
    rng = seeds.rng(seed, "synthetic.slopes")
    return rng.multivariate_normal(
        np.zeros(3), cov3(p.sd_slope, p.corr_slope), size=n, method="cholesky"
    )


def _patients(
    ids: np.ndarray, groups: np.ndarray, enrolled: _Enrolled, cov: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The patients table; ``baseline_alc`` is the mean of the two qualifying ALCs."""
    return pd.DataFrame(
        {
            "patient_id": ids,
            "arm": np.where(groups == "placebo", "placebo", "cyt107"),
            "regimen": groups,
            "site": [SITES[s][0] for s in enrolled.site],
            "country": [SITES[s][1] for s in enrolled.site],
            **cov,
            "baseline_alc": np.round((enrolled.q1[:, 0] + enrolled.q0[:, 0]) / 2, 2),
        }
    )


# -- outcomes ------------------------------------------------------------------------------


def _death_scale(p: SyntheticParams) -> float:
    """Weibull scale giving a typical patient ``p_death_90`` by ``follow_up_days``."""
    return p.follow_up_days / (-math.log1p(-p.p_death_90)) ** (1.0 / p.death_weibull_shape)


def _outcomes(
    seed: int, p: SyntheticParams, cyt: np.ndarray, sofa: np.ndarray, intercept: np.ndarray
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The outcomes rows (no ``patient_id`` yet) and each patient's last possible lab day."""
    rng = seeds.rng(seed, "synthetic.outcomes")
    n = len(cyt)
    eta = (
        p.log_hr_death_cyt107 * cyt
        + p.log_hr_death_sofa * (sofa - 9)
        + p.log_hr_death_alc * intercept[:, 0] / p.sd_intercept["alc"]
    )
    t_death = _death_scale(p) * (rng.exponential(1.0, n) / np.exp(eta)) ** (
        1.0 / p.death_weibull_shape
    )
    t_icu = np.exp(rng.normal(math.log(p.icu_los_median), p.icu_los_sdlog, n))
    t_hosp = t_icu + np.exp(rng.normal(math.log(p.hospital_after_icu_median), 0.6, n))
    os_frac = rng.uniform(0.4, 0.9, n)
    rate_si = -math.log1p(-p.p_secondary_infection_28) / 28.0
    t_si = rng.exponential(1.0, n) / (rate_si * np.exp(p.log_hr_secondary_infection_cyt107 * cyt))
    lost = rng.random(n) < p.p_lost_to_follow_up
    t_lost = rng.uniform(1.0, p.follow_up_days, n)
    attends_after_discharge = rng.random(n) < p.p_labs_after_discharge

    F = p.follow_up_days
    death_day = np.ceil(t_death).astype(int)  # true day of death (may be > F)
    icu_day = np.maximum(np.ceil(t_icu).astype(int), 1)
    hosp_day = np.maximum(np.ceil(t_hosp).astype(int), icu_day)
    lost_day = np.ceil(t_lost).astype(int)
    rows = []
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
        rows.append(
            {
                "death_day": int(death_day[i]) if died else None,
                "last_follow_up_day": int(last_fu),
                "secondary_infection_day": si,
                "icu_discharge_day": None if icu is None else int(icu),
                "hospital_discharge_day": None if hosp is None else int(hosp),
                "organ_support_free_days_28": osfd,
            }
        )
    return rows, lab_end


# -- labs ----------------------------------------------------------------------------------


def _labs(
    seed: int,
    p: SyntheticParams,
    coef: pd.DataFrame,
    groups: np.ndarray,
    enrolled: _Enrolled,
    site_eff: np.ndarray,
    slopes: np.ndarray,
    lab_end: np.ndarray,
) -> list[dict[str, Any]]:
    """Lab rows (``_i`` = patient index) on the scheduled days up to each patient's ``lab_end``."""
    rng = seeds.rng(seed, "synthetic.labs")
    n = len(groups)
    markers = LAB_MARKERS
    alpha = np.array([math.log(p.baseline_median[m]) for m in markers])
    sched = np.array(p.visit_schedule, dtype=int)
    eps = _mvt(rng, n * len(sched), p.sd_residual, p.corr_residual, p.residual_df)
    eps = eps.reshape(n, len(sched), 3)
    missed = rng.random((n, len(sched))) < p.p_missed_visit
    panel_missing = rng.random((n, len(sched))) < p.p_panel_missing
    cgrp = coef.set_index(["group", "marker"])
    ramp_of = {g: np.array([cgrp.at[(g, m), "ramp"] for m in markers]) for g in GROUPS}
    post_of = {g: np.array([cgrp.at[(g, m), "post"] for m in markers]) for g in GROUPS}
    r1, r2 = ramp_bases(sched, p.dosing_end_day)
    lod = np.array([p.detection_limit[m] for m in markers])
    a, site = enrolled.intercept, enrolled.site
    rows = []
    for i in range(n):
        ramp, post = ramp_of[groups[i]], post_of[groups[i]]
        for k, day in enumerate(sched):
            if day > lab_end[i] or (day > 0 and missed[i, k]):
                continue
            if day == 0:
                y = enrolled.q0[i].copy()
            else:
                mu = alpha + a[i] + site_eff[site[i]] + (ramp + slopes[i]) * r1[k] + post * r2[k]
                y = np.round(np.exp(mu + eps[i, k]), 1)
            bdl = y < lod
            y = np.where(bdl, lod, y)
            row = {"patient_id": None, "study_day": int(day)}
            for j, m in enumerate(markers):
                no_panel = m != "alc" and day > 0 and panel_missing[i, k]
                row[m] = float("nan") if no_panel else float(y[j])
                row[f"{m}_bdl"] = False if no_panel else bool(bdl[j])
            row["_i"] = i
            rows.append(row)
    return rows


# -- adverse events ------------------------------------------------------------------------


def _adverse_events(
    seed: int, p: SyntheticParams, cyt: np.ndarray, outcomes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """At most one event per AE term and patient (``_i`` = patient index), onset within follow-up."""
    rng = seeds.rng(seed, "synthetic.adverse_events")
    n = len(cyt)
    rows = []
    for spec in p.ae_terms:
        logit0 = math.log(spec.placebo_risk / (1 - spec.placebo_risk))
        prob = 1.0 / (1.0 + np.exp(-(logit0 + spec.log_odds_ratio * cyt)))
        occurs = rng.random(n) < prob
        u_onset = rng.random(n)
        grade = rng.choice(4, size=n, p=np.asarray(spec.grade_probs)) + 1
        u_serious = rng.random(n)
        u_related = rng.random(n)
        window = p.dosing_end_day if spec.dosing_period_only else p.ae_window_days
        for i in np.flatnonzero(occurs):
            last = min(window, outcomes[i]["last_follow_up_day"])
            onset = int(np.floor(u_onset[i] * (last + 1)))
            serious = bool(grade[i] == 4 or (grade[i] == 3 and u_serious[i] < p.p_serious_grade3))
            rows.append(
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
    return rows


# -- the trial -----------------------------------------------------------------------------


def _trial_meta(p: SyntheticParams, seed: int, name: str | None) -> TrialMeta:
    return TrialMeta(
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
        units=dict.fromkeys(LAB_MARKERS, "cells/mm3"),
        visit_schedule=list(p.visit_schedule),
        dosing_end_day=p.dosing_end_day,
        follow_up_days=p.follow_up_days,
        detection_limits=dict(p.detection_limit),
    )


def _tables(
    ids: np.ndarray,
    patients: pd.DataFrame,
    lab_rows: list[dict[str, Any]],
    ae_rows: list[dict[str, Any]],
    out_rows: list[dict[str, Any]],
) -> dict[str, pd.DataFrame]:
    """The labs, adverse events and outcomes tables from their rows, with patient ids."""
    labs = pd.DataFrame(lab_rows)
    labs["patient_id"] = ids[labs.pop("_i").to_numpy()]
    labs = labs[["patient_id", "study_day", *LAB_MARKERS, *(f"{m}_bdl" for m in LAB_MARKERS)]]
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
    return {"patients": patients, "labs": labs, "adverse_events": ae, "outcomes": outcomes}


def simulate_trial(
    seed: int,
    params: SyntheticParams | None = None,
    n_cyt107: int = 17,
    n_placebo: int = 10,
    *,
    name: str | None = None,
) -> SyntheticTrial:
    """Simulate one IRIS-7-like trial (the model is in :mod:`bayes_iris.data.synthetic`).

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
    coef = calibrated_coefficients(p)

    site_eff = _site_effects(seed, p)
    enrolled = _screen(seed, p, n, site_eff)
    groups = _randomise(seed, n_cyt107, n_placebo)
    cyt = (groups != "placebo").astype(float)
    cov = _covariates(seed, p, n)
    slopes = _slopes(seed, p, n)
    out_rows, lab_end = _outcomes(seed, p, cyt, cov["sofa"], enrolled.intercept)
    lab_rows = _labs(seed, p, coef, groups, enrolled, site_eff, slopes, lab_end)
    ae_rows = _adverse_events(seed, p, cyt, out_rows)

    ids = np.array([f"S{i + 1:03d}" for i in range(n)])
    tables = _tables(ids, _patients(ids, groups, enrolled, cov), lab_rows, ae_rows, out_rows)
    data = normalise_tables(TrialData(meta=_trial_meta(p, seed, name), **tables))
    truth = build_truth(p, seed, coef, ids, enrolled.intercept, slopes, site_eff)
    return SyntheticTrial(data=data, truth=truth)
