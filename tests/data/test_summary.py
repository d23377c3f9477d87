"""Descriptive summaries (bayes_iris.data.summary): CONSORT counts and the baseline table by hand,
agreement with direct counts, overview and long labs."""

from __future__ import annotations

import pandas as pd

from bayes_iris.data import load_bundled, simulate_trial
from bayes_iris.data.summary import baseline_table, consort_table, labs_long, trial_overview
from bayes_iris.data.trial import ArmSpec, Provenance, TrialData, TrialMeta


def _tiny_trial() -> TrialData:
    """Four hand-made patients whose summaries are known by hand."""
    meta = TrialMeta(
        name="tiny",
        provenance=Provenance(kind="real", source="hand-made test fixture"),
        arms=[
            ArmSpec(name="placebo", label="P", regimens=["placebo"]),
            ArmSpec(name="cyt107", label="C", regimens=["weekly", "twice_weekly"]),
        ],
        visit_schedule=[0, 7, 29, 90],
        dosing_end_day=28,
        follow_up_days=90,
    )
    patients = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d"],
            "arm": ["placebo", "placebo", "cyt107", "cyt107"],
            "regimen": ["placebo", "placebo", "weekly", "twice_weekly"],
            "site": "s",
            "country": ["US", "FR", "FR", "FR"],
            "age": [40, 50, 60, 70],
            "sex": ["F", "M", "M", "M"],
            "sofa": [5, 9, 7, 11],
            "apache2": [20, 22, 24, 26],
            "route": "IM",
        }
    )
    labs = pd.DataFrame(
        {
            "patient_id": ["a", "a", "b", "c", "c", "c", "d", "d"],
            "study_day": [0, 29, 0, 0, 29, 90, 0, 7],
            "alc": [300.0, 450.0, 500.0, 400.0, 1400.0, 1200.0, 600.0, 900.0],
        }
    )
    ae = pd.DataFrame(
        {
            "patient_id": ["c"],
            "soc": ["Cardiac disorders"],
            "term": ["Atrial fibrillation"],
            "grade": [2],
            "serious": [False],
            "onset_day": [3],
        }
    )
    outcomes = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d"],
            "death_day": [None, 12, None, None],
            "last_follow_up_day": [90, 12, 90, 40],
            "secondary_infection_day": [None, None, None, None],
            "icu_discharge_day": [10, None, 15, 20],
        }
    )
    from bayes_iris.data import validate_data

    return validate_data(
        TrialData(meta=meta, patients=patients, labs=labs, adverse_events=ae, outcomes=outcomes)
    )


def test_consort_counts_by_hand():
    t = consort_table(_tiny_trial()).set_index(["arm", "regimen"])
    p = t.loc[("placebo", "all")]
    assert (
        p["randomised"],
        p["died"],
        p["died_by_day29"],
        p["labs_day29"],
        p["labs_last_visit"],
        p["lost_to_follow_up"],
    ) == (2, 1, 1, 1, 0, 0)
    c = t.loc[("cyt107", "all")]
    assert (
        c["randomised"],
        c["died"],
        c["labs_day29"],
        c["labs_last_visit"],
        c["lost_to_follow_up"],
        c["completed_follow_up"],
        c["icu_discharged"],
    ) == (2, 0, 1, 1, 1, 1, 2)
    assert t.loc[("cyt107", "weekly"), "labs_last_visit"] == 1
    assert t.loc[("cyt107", "twice_weekly"), "lost_to_follow_up"] == 1


def test_baseline_table_by_hand():
    b = baseline_table(_tiny_trial())
    age = b[(b["characteristic"] == "age (years)")].set_index("arm")
    assert age.loc["all", "median"] == 55 and age.loc["all", "q1"] == 47.5
    assert age.loc["all", "q3"] == 62.5 and age.loc["all", "summary"] == "55 [48–62]"
    assert age.loc["placebo", "median"] == 45
    male = b[(b["characteristic"] == "sex") & (b["level"] == "M")].set_index("arm")
    assert male.loc["cyt107", "count"] == 2 and male.loc["cyt107", "percent"] == 100
    assert male.loc["all", "summary"] == "3 (75%)"
    alc0 = b[b["characteristic"].str.startswith("ALC day 0")].set_index("arm")
    assert alc0.loc["cyt107", "median"] == 500


def test_consort_agrees_with_direct_counts_on_simulated_trial():
    d = simulate_trial(8, n_cyt107=40, n_placebo=30).data
    t = consort_table(d).set_index(["arm", "regimen"])
    died = d.outcomes.merge(d.patients)[lambda x: x["death_day"].notna()]["arm"].value_counts()
    for arm in ("placebo", "cyt107"):
        assert t.loc[(arm, "all"), "died"] == died.get(arm, 0)
        assert t.loc[(arm, "all"), "randomised"] == (d.patients["arm"] == arm).sum()
    ids29 = set(d.labs.loc[(d.labs["study_day"] == 29) & d.labs["alc"].notna(), "patient_id"])
    assert t.xs("all", level="regimen")["labs_day29"].sum() == len(ids29)


def test_overview_and_labs_long():
    trial = load_bundled()
    ov = trial_overview(trial)
    assert sum(r["patients"] for r in ov["by_regimen"]) == 27
    assert sum(r["lab_rows"] for r in ov["by_regimen"]) == len(trial.labs)
    long = labs_long(trial)
    assert len(long) == int(trial.labs[["alc", "cd4", "cd8"]].notna().sum().sum())
    assert set(long.columns) >= {
        "patient_id",
        "arm",
        "regimen",
        "study_day",
        "marker",
        "value",
        "bdl",
    }
