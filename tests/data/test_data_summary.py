"""CONSORT counts, baseline table, long labs, the data analysis step and published facts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_iris.data import load_bundled, simulate_trial
from bayes_iris.data import published as pub
from bayes_iris.data.summary import baseline_table, consort_table, labs_long, trial_overview
from bayes_iris.data.trial import ArmSpec, Provenance, TrialData, TrialMeta

from .conftest import set_cell

ROOT = Path(__file__).resolve().parents[2]


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


def _run_step(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("step01", ROOT / "analyses" / "01_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main(argv)


def test_data_step_writes_tables_figure_manifest(tmp_path: Path):
    res = tmp_path / "res"
    assert _run_step(["--results", str(res)]) == 0
    for name in ("consort", "baseline", "labs_long", "parameters_synthetic"):
        df = pd.read_csv(res / "tables" / f"{name}.csv")
        assert (df["provenance"] == "synthetic").all() and len(df) > 0
    assert (res / "figures" / "observed_alc.png").stat().st_size > 10_000
    manifest = json.loads((res / "manifest.json").read_text())
    step = manifest["steps"]["data"]
    assert step["status"] == "ok" and len(step["outputs"]) == 5
    assert "SYNTHETIC" in manifest["provenance_label"]


def test_data_step_invalid_input_exit_2_nothing_written(trial_dir: Path, tmp_path: Path, capsys):
    set_cell(trial_dir / "patients.csv", 2, "age", "old")
    res = tmp_path / "res"
    assert _run_step(["--data", str(trial_dir), "--results", str(res)]) == 2
    assert not res.exists()
    assert "patients.csv" in capsys.readouterr().err


def test_plot_observed_trajectories_draws_every_patient():
    import matplotlib.pyplot as plt

    from bayes_iris.plots.observed import plot_observed_trajectories

    trial = load_bundled()
    fig = plot_observed_trajectories(labs_long(trial), marker="cd4")
    n_lines = sum(len(ax.get_lines()) for ax in fig.axes)
    assert n_lines >= trial.n_patients
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# Published facts: the numbers of FACTS.md (oracle values, change only if the sources change)
# --------------------------------------------------------------------------------------------


def test_published_facts_match_sources():
    assert (pub.IRIS7_ARMS.cyt107, pub.IRIS7_ARMS.placebo, pub.IRIS7_ARMS.total) == (17, 10, 27)
    assert (pub.IRIS7_CD_ARMS.cyt107, pub.IRIS7_CD_ARMS.placebo) == (15, 6)
    ranges = {f.trial: (f.low, f.high, f.reference, f.level) for f in pub.FOLD_RANGES}
    assert ranges == {
        "IRIS-7": (3.0, 4.0, "baseline", "A"),
        "IRIS-7-C&D": (2.0, 3.0, "placebo", "A"),
    }
    e = pub.FEVER_RESPIRATORY_DISTRESS
    assert (e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo) == (3, 15, 0, 6)
    assert pub.ENTRY_ALC_MAX.value == 900 and pub.DOSING_WEEKS.value == 4
    assert pub.PRIMARY_ENDPOINT_RISE.value == 0.5 and pub.PRIMARY_ENDPOINT_DAY.value == 29
    assert (pub.NEXT_TRIAL_SIZE_LOW.value, pub.NEXT_TRIAL_SIZE_HIGH.value) == (300, 400)


def test_meta_analysis_rows():
    m = pub.meta_analysis_table()
    assert len(m) == 8
    got = {
        (r.population, r.outcome, r.time if isinstance(r.time, str) else None): (
            r.estimate,
            r.lower,
            r.upper,
        )
        for r in m.itertuples()
    }
    assert got[("sepsis", "ALC", "3 weeks")] == (1.33, 0.29, 2.38)
    assert got[("sepsis", "ALC", "4 weeks")] == (1.14, 0.02, 2.25)
    assert got[("sepsis", "CD4+ T cells", "3 weeks")] == (0.56, 0.08, 1.05)
    assert got[("sepsis", "CD8+ T cells", "2 weeks")] == (0.40, 0.05, 0.76)
    assert got[("sepsis", "mortality", None)] == (1.01, 0.36, 2.81)
    assert got[("sepsis", "secondary infections", None)] == (1.05, 0.48, 2.30)
    assert got[("COVID-19", "mortality", None)] == (0.85, 0.55, 1.33)
    assert got[("COVID-19", "secondary infections", None)] == (0.58, 0.46, 0.74)
    assert (m["lower"] < m["estimate"]).all() and (m["estimate"] < m["upper"]).all()
    assert set(m.loc[m["measure"] == "RR", "scale"]) == {"ratio"}


def test_published_table_is_cited():
    t = pub.published_table()
    assert t["citation"].str.len().gt(10).all()
    assert set(t["level"]) <= set(pub.LEVELS)
    assert np.isfinite(t["value"].fillna(t["low"])).all()
    assert len(t) >= 8 + 4 + 2 + 2 + 6
    with pytest.raises(AttributeError):
        pub.IRIS7_ARMS.cyt107 = 18  # frozen


def test_docs_generated_sections_are_up_to_date():
    """docs/trial-data.md and docs/synthetic-trial.md hold the current column and parameter tables
    (regenerate with `python -m bayes_iris.data.docs docs`)."""
    from bayes_iris.data.docs import render

    for name in ("trial-data.md", "synthetic-trial.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert "<!-- BEGIN generated:" in text
        assert render(text) == text, f"docs/{name} is stale"
