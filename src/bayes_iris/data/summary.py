"""Descriptive summaries of a trial: CONSORT-style flow counts and the baseline table by arm.

Functions return DataFrames (or plain dicts); formatting and prose are the report's job.

References
----------
.. [1] Schulz KF, Altman DG, Moher D, for the CONSORT Group. CONSORT 2010 Statement: updated
   guidelines for reporting parallel group randomised trials. BMJ 2010;340:c332.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .trial import LAB_MARKERS, TrialData


def _arm_order(trial: TrialData) -> list[tuple[str, str]]:
    return [(a.name, r) for a in trial.meta.arms for r in a.regimens]


def trial_overview(trial: TrialData) -> dict[str, Any]:
    """Counts for a one-screen summary (used by ``bayes-iris validate``).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> trial_overview(load_bundled())["n_patients"]
    27
    """
    p, labs, ae, out = trial.patients, trial.labs, trial.adverse_events, trial.outcomes
    died = set(out.loc[out["death_day"].notna(), "patient_id"])
    rows = []
    for arm, reg in _arm_order(trial):
        ids = set(p.loc[(p["arm"] == arm) & (p["regimen"] == reg), "patient_id"])
        rows.append(
            {
                "arm": arm,
                "regimen": reg,
                "patients": len(ids),
                "died": len(ids & died),
                "lab_rows": int(labs["patient_id"].isin(ids).sum()),
                "adverse_events": int(ae["patient_id"].isin(ids).sum()),
            }
        )
    return {
        "name": trial.meta.name,
        "n_patients": len(p),
        "n_lab_rows": len(labs),
        "n_adverse_events": len(ae),
        "by_regimen": rows,
    }


def consort_table(trial: TrialData) -> pd.DataFrame:
    """CONSORT-style flow counts, one row per arm/regimen plus one per arm (``regimen == "all"``).

    Columns: ``arm``, ``regimen``, ``randomised``, ``died`` (by end of follow-up), ``died_by_day29``,
    ``icu_discharged``, ``lost_to_follow_up`` (last follow-up before the end without death),
    ``labs_day29`` (an ALC drawn on day 29 — the registry's primary-endpoint day, if scheduled),
    ``labs_last_visit`` (an ALC on the last scheduled visit), ``completed_follow_up`` (alive at the
    end of follow-up or died before: vital status known throughout).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> t = consort_table(load_bundled())
    >>> int(t.loc[t["regimen"] == "all", "randomised"].sum())
    27
    """
    p, labs, out = trial.patients, trial.labs, trial.outcomes
    o = out.set_index("patient_id")
    F = trial.meta.follow_up_days
    day29 = 29 if 29 in trial.meta.visit_schedule else None
    last_visit = max(trial.meta.visit_schedule)
    alc = labs[labs["alc"].notna()]

    def counts(ids: list[str]) -> dict[str, int]:
        oo = o.loc[ids]
        dead = oo["death_day"].notna()
        lost = (~dead) & (oo["last_follow_up_day"] < F)
        at = {
            d: set(alc.loc[alc["study_day"] == d, "patient_id"])
            for d in (day29, last_visit)
            if d is not None
        }
        return {
            "randomised": len(ids),
            "died": int(dead.sum()),
            "died_by_day29": int((oo["death_day"].fillna(10**9) <= 29).sum()),
            "icu_discharged": int(oo["icu_discharge_day"].notna().sum()),
            "lost_to_follow_up": int(lost.sum()),
            "labs_day29": len(set(ids) & at[day29]) if day29 is not None else 0,
            "labs_last_visit": len(set(ids) & at[last_visit]),
            "completed_follow_up": int((~lost).sum()),
        }

    rows = []
    for arm_spec in trial.meta.arms:
        arm = arm_spec.name
        for reg in arm_spec.regimens:
            ids = p.loc[(p["arm"] == arm) & (p["regimen"] == reg), "patient_id"].tolist()
            if len(arm_spec.regimens) > 1:
                rows.append({"arm": arm, "regimen": reg, **counts(ids)})
        ids = p.loc[p["arm"] == arm, "patient_id"].tolist()
        rows.append({"arm": arm, "regimen": "all", **counts(ids)})
    return pd.DataFrame(rows)


def _median_iqr(x: pd.Series) -> tuple[str, float, float, float, int]:
    v = pd.to_numeric(x, errors="coerce").dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return "–", np.nan, np.nan, np.nan, 0
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return f"{med:.0f} [{q1:.0f}–{q3:.0f}]", med, q1, q3, len(v)


def baseline_table(trial: TrialData) -> pd.DataFrame:
    """Baseline characteristics by arm: median [IQR] for numbers, n (%) for categories.

    One row per (characteristic, arm) with columns ``characteristic``, ``level`` (category level or
    empty), ``arm``, ``n`` (patients with a value), ``summary`` (display text), ``median``, ``q1``,
    ``q3`` (numbers) or ``count``, ``percent`` (categories). Arms: each declared arm and ``all``.
    Baseline counts are the day-0 lab values.

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> b = baseline_table(load_bundled())
    >>> sorted(b["arm"].unique())
    ['all', 'cyt107', 'placebo']
    """
    p = trial.patients.copy()
    day0 = trial.labs[trial.labs["study_day"] == 0].set_index("patient_id")
    for m in LAB_MARKERS:
        p[f"baseline_{m}_day0"] = p["patient_id"].map(day0[m]) if len(day0) else np.nan
    numeric = [
        ("age", "age (years)"),
        ("sofa", "SOFA"),
        ("apache2", "APACHE II"),
        ("charlson", "Charlson index"),
    ]
    if p["baseline_alc"].notna().any():
        numeric.append(("baseline_alc", "ALC, mean of qualifying (cells/mm³)"))
    numeric += [(f"baseline_{m}_day0", f"{m.upper()} day 0 (cells/mm³)") for m in LAB_MARKERS]
    categorical = [
        ("sex", "sex"),
        ("country", "country"),
        ("route", "route"),
        ("infection_source", "infection source"),
    ]
    groups = [(a.name, p[p["arm"] == a.name]) for a in trial.meta.arms] + [("all", p)]
    rows = []
    for col, label in numeric:
        for arm, g in groups:
            text, med, q1, q3, n = _median_iqr(g[col])
            rows.append(
                {
                    "characteristic": label,
                    "level": "",
                    "arm": arm,
                    "n": n,
                    "summary": text,
                    "median": med,
                    "q1": q1,
                    "q3": q3,
                    "count": np.nan,
                    "percent": np.nan,
                }
            )
    for col, label in categorical:
        levels = sorted(p[col].dropna().unique())
        for level in levels:
            for arm, g in groups:
                n = int(g[col].notna().sum())
                c = int((g[col] == level).sum())
                pct = 100.0 * c / n if n else np.nan
                rows.append(
                    {
                        "characteristic": label,
                        "level": str(level),
                        "arm": arm,
                        "n": n,
                        "summary": f"{c} ({pct:.0f}%)" if n else "–",
                        "median": np.nan,
                        "q1": np.nan,
                        "q3": np.nan,
                        "count": c,
                        "percent": pct,
                    }
                )
    return pd.DataFrame(rows)


def labs_long(trial: TrialData) -> pd.DataFrame:
    """Observed lab values in long format with arm and regimen, for spaghetti plots.

    Columns: ``patient_id``, ``arm``, ``regimen``, ``site``, ``study_day``, ``marker``, ``value``,
    ``bdl``. Missing values are dropped.

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> sorted(labs_long(load_bundled())["marker"].unique())
    ['alc', 'cd4', 'cd8']
    """
    labs = trial.labs.merge(
        trial.patients[["patient_id", "arm", "regimen", "site"]], on="patient_id", how="left"
    )
    parts = []
    for m in LAB_MARKERS:
        d = labs[["patient_id", "arm", "regimen", "site", "study_day"]].copy()
        d["marker"] = m
        d["value"] = labs[m]
        d["bdl"] = labs[f"{m}_bdl"]
        parts.append(d[d["value"].notna()])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["marker", "patient_id", "study_day"], kind="stable").reset_index(
        drop=True
    )
