"""The synthetic IRIS-7-like generator: determinism, the shipped bundle, calibration to the public
facts (FACTS.md / bayes_iris.data.published), internal consistency of the truth, round trips."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_iris.data import (
    SyntheticParams,
    Truth,
    bundled_path,
    load_bundled,
    load_bundled_truth,
    load_trial,
    load_truth,
    parameter_table,
    simulate_trial,
    write_trial,
)
from bayes_iris.data import published as pub
from bayes_iris.data.bundle import (
    BUNDLED_SEED,
    MANIFEST,
    build_bundled,
    bundled_trial,
    read_manifest,
)
from bayes_iris.data.synthetic import ramp_basis
from bayes_iris.data.trial import LAB_MARKERS
from bayes_iris.errors import InputError

TABLES = ("patients", "labs", "adverse_events", "outcomes")


def _frames_equal(a, b) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, t), getattr(b, t), check_exact=False, rtol=0, atol=1e-9
        )


@pytest.fixture(scope="module")
def replicates() -> list:
    """200 replicates of the default generator (cheap: ~50 ms each)."""
    return [simulate_trial(seed) for seed in range(200)]


# --------------------------------------------------------------------------------------------
# Determinism and the shipped bundle
# --------------------------------------------------------------------------------------------


def test_same_seed_same_trial_different_seed_different_trial():
    a, b, c = simulate_trial(11), simulate_trial(11), simulate_trial(12)
    _frames_equal(a.data, b.data)
    assert a.truth.to_json() == b.truth.to_json()
    assert not a.data.labs["alc"].equals(c.data.labs["alc"])
    assert not a.data.patients["age"].equals(c.data.patients["age"])


def test_bundled_files_regenerate_from_the_seed(tmp_path: Path):
    """Re-generating from the seed reproduces the shipped files (parsed, and byte for byte)."""
    shipped = load_bundled()
    assert shipped.meta.provenance.seed == BUNDLED_SEED
    _frames_equal(load_trial(build_bundled(tmp_path / "regen")), shipped)
    _frames_equal(bundled_trial().data, shipped)
    recorded = read_manifest(bundled_path())
    assert recorded == read_manifest(tmp_path / "regen")


def test_bundled_files_match_recorded_sha256():
    folder = bundled_path()
    recorded = read_manifest(folder)
    assert set(recorded) == {p.name for p in folder.iterdir() if p.name != MANIFEST}
    for name, digest in recorded.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_bundled_design_matches_published_arm_sizes():
    trial = load_bundled()
    counts = trial.patients["arm"].value_counts()
    assert counts["cyt107"] == pub.IRIS7_ARMS.cyt107 and counts["placebo"] == pub.IRIS7_ARMS.placebo
    regimens = trial.patients.loc[trial.patients["arm"] == "cyt107", "regimen"].value_counts()
    assert set(regimens.index) == {"weekly", "twice_weekly"} and regimens.min() >= 8
    assert sorted(trial.patients["country"].unique()) == ["FR", "US"]
    assert trial.patients["site"].nunique() == 4
    assert trial.meta.provenance.kind == "synthetic"
    assert "SYNTHETIC" in trial.provenance_label


def test_truth_json_round_trip():
    truth = load_bundled_truth()
    again = Truth.from_json(truth.to_json())
    assert again.to_json() == truth.to_json()
    assert again.gm_ratio("cd4", 29) == pytest.approx(truth.gm_ratio("cd4", 29), rel=1e-12)


def test_simulate_write_validate_load_round_trip(tmp_path: Path):
    sim = simulate_trial(99, n_cyt107=30, n_placebo=20)
    out = write_trial(sim, tmp_path / "t99")
    loaded = load_trial(out)
    _frames_equal(loaded, sim.data)
    assert loaded.meta == sim.data.meta
    truth = load_truth(out)
    assert json.loads(truth.to_json()) == json.loads(sim.truth.to_json())
    assert truth.alc_day29_ratio == pytest.approx(sim.truth.alc_day29_ratio, rel=1e-10)


def test_other_sizes_and_bad_sizes():
    sim = simulate_trial(5, n_cyt107=4, n_placebo=3)
    assert sim.data.patients["regimen"].value_counts().to_dict() == {
        "placebo": 3,
        "weekly": 2,
        "twice_weekly": 2,
    }
    for bad in ({"n_cyt107": 1}, {"n_placebo": 0}, {"n_cyt107": 2.5}):
        with pytest.raises(InputError):
            simulate_trial(1, **bad)
    with pytest.raises(InputError):
        simulate_trial(-1)


def test_params_reject_inconsistent_values():
    with pytest.raises(ValueError, match="visit_schedule"):
        SyntheticParams(visit_schedule=(3, 0, 7))
    with pytest.raises(ValueError, match="positive-definite"):
        SyntheticParams(corr_intercept=(0.99, -0.99, 0.99))
    with pytest.raises(ValueError, match="extra"):
        SyntheticParams(colour="blue")


# --------------------------------------------------------------------------------------------
# The truth: internally consistent and calibrated to the published facts
# --------------------------------------------------------------------------------------------


def test_truth_calibration_matches_facts():
    t = simulate_trial(0).truth
    ir7 = next(f for f in pub.FOLD_RANGES if f.trial == "IRIS-7")
    cd = next(f for f in pub.FOLD_RANGES if f.trial == "IRIS-7-C&D")
    for m in LAB_MARKERS:
        fold = t.fold_from_baseline(m, 29, "cyt107")
        assert fold == pytest.approx(t.params.cyt107_fold[m], rel=1e-12)
        assert ir7.low <= fold <= ir7.high
        assert t.fold_from_baseline(m, 29, "placebo") == pytest.approx(t.params.placebo_fold[m])
        # vs placebo: within the IV trial's 2-3 range (the default is consistent with both facts)
        assert cd.low <= t.gm_ratio(m, 29) <= cd.high
        # persists for weeks after the last dose: still > 2/3 of the day-29 log effect at day 90
        assert t.log_gm_ratio(m, 90) > (2 / 3) * t.log_gm_ratio(m, 29) > 0
        assert t.gm_ratio(m, 0) == pytest.approx(1.0)


def test_truth_cyt107_effect_is_equal_weight_regimen_average():
    t = simulate_trial(0).truth
    for m in LAB_MARKERS:
        for day in (7, 29, 60):
            avg = 0.5 * (t.log_gm_ratio(m, day, "weekly") + t.log_gm_ratio(m, day, "twice_weekly"))
            assert t.log_gm_ratio(m, day) == pytest.approx(avg, abs=1e-12)
        r1, r2 = ramp_basis(29, 28)
        expected = t.params.regimen_log_contrast[m] * (r1 - t.params.effect_decay * r2)
        assert t.regimen_log_contrast(m, 29) == pytest.approx(expected, abs=1e-12)


def test_fold_reference_placebo_calibrates_the_ratio_instead():
    p = SyntheticParams(fold_reference="placebo", cyt107_fold={"alc": 2.5, "cd4": 2.5, "cd8": 2.5})
    t = simulate_trial(0, p).truth
    for m in LAB_MARKERS:
        assert t.gm_ratio(m, 29) == pytest.approx(2.5, rel=1e-12)


def test_truth_estimands_table_agrees_with_functions():
    t = load_bundled_truth()
    assert set(t.estimands["day"]) == set(t.params.visit_schedule)
    for rec in t.estimands.to_dict(orient="records"):
        assert rec["gm_ratio"] == pytest.approx(t.gm_ratio(rec["marker"], rec["day"]), rel=1e-9)
        assert rec["fold_cyt107"] == pytest.approx(
            t.fold_from_baseline(rec["marker"], rec["day"], "cyt107"), rel=1e-9
        )
    assert t.alc_day29_ratio == pytest.approx(math.exp(t.alc_day29_log_ratio))


def test_truth_ae_table_is_the_generator_model():
    t = load_bundled_truth()
    ae = t.ae.set_index("term")
    assert len(ae) == len(t.params.ae_terms) >= 15
    for spec in t.params.ae_terms:
        row = ae.loc[spec.term]
        logit = lambda q: math.log(q / (1 - q))  # noqa: E731
        assert logit(row["p_cyt107"]) - logit(row["p_placebo"]) == pytest.approx(
            spec.log_odds_ratio, abs=1e-9
        )
    real = ae[ae["log_odds_ratio"] != 0]
    assert 1 <= len(real) <= 2 and (real["log_odds_ratio"] > 0).all()
    assert ae.loc["Cytokine release syndrome", "log_odds_ratio"] == 0.0


def test_parameter_table_covers_every_parameter():
    table = parameter_table()
    assert list(table.columns) == ["name", "value", "unit", "source", "reasoning"]
    assert table["name"].is_unique
    stems = {n.split(".")[0] for n in table["name"]}
    assert stems == set(SyntheticParams.model_fields) - {"ae_terms"} | {"ae"}
    assert (table["source"].str.startswith("FACTS.md [") | (table["source"] == "assumption")).all()
    assert (table["reasoning"].str.len() > 0).all()
    assert table.set_index("name").loc["fold_reference", "value"] == "baseline"


# --------------------------------------------------------------------------------------------
# Calibration of the *data* over many replicates
# --------------------------------------------------------------------------------------------


def _wide(trial, marker: str) -> pd.DataFrame:
    return trial.labs.pivot(index="patient_id", columns="study_day", values=marker)


def test_baseline_alc_always_below_entry_threshold(replicates):
    for sim in replicates:
        p = sim.data.patients
        day0 = sim.data.labs[sim.data.labs["study_day"] == 0]
        assert (p["baseline_alc"] <= pub.ENTRY_ALC_MAX.value).all()
        assert (day0["alc"] <= pub.ENTRY_ALC_MAX.value).all()
        assert day0["patient_id"].nunique() == len(p)


def test_day29_fold_from_baseline_in_published_range(replicates):
    """Average (over 200 replicates) day-29 GM fold from baseline: CYT107 in 3-4 (FACTS [A]);
    placebo shows natural recovery (> 1) but well below CYT107."""
    folds = {"cyt107": [], "placebo": []}
    for sim in replicates:
        w = _wide(sim.data, "alc")
        arm = sim.data.patients.set_index("patient_id")["arm"]
        lf = np.log(w[29] / w[0]).dropna()
        for a in folds:
            v = lf[arm[lf.index] == a]
            if len(v):
                folds[a].append(v.mean())
    cyt = math.exp(np.mean(folds["cyt107"]))
    pla = math.exp(np.mean(folds["placebo"]))
    ir7 = next(f for f in pub.FOLD_RANGES if f.trial == "IRIS-7")
    assert ir7.low <= cyt <= ir7.high
    assert 1.1 < pla < 1.8
    assert cyt / pla > 2.0


def test_cd4_cd8_move_with_alc_but_not_identically(replicates):
    cors = {"cd4": [], "cd8": []}
    for sim in replicates[:100]:
        labs = sim.data.labs
        pats = labs.groupby("patient_id")
        # within-patient changes from baseline, pooled
        base = labs[labs["study_day"] == 0].set_index("patient_id")
        later = labs[labs["study_day"] == 29].set_index("patient_id")
        idx = later.index.intersection(base.index)
        if len(idx) < 5:
            continue
        d = np.log(later.loc[idx, ["alc", "cd4", "cd8"]] / base.loc[idx, ["alc", "cd4", "cd8"]])
        d = d.dropna()
        for m in cors:
            cors[m].append(np.corrcoef(d["alc"], d[m])[0, 1])
        assert pats.ngroups > 0
    for m, values in cors.items():
        r = float(np.mean(values))
        assert 0.4 < r < 0.97, (m, r)


def test_no_cytokine_storm_signal(replicates):
    """Grade >= 3 events: the CYT107 excess over placebo is no larger than the few set effects
    imply (rash and injection-site reactions are mostly grade 1-2)."""
    rows = []
    for sim in replicates:
        ae = sim.data.adverse_events.merge(sim.data.patients[["patient_id", "arm"]])
        n = sim.data.patients["arm"].value_counts()
        severe = ae[ae["grade"] >= 3].groupby("arm")["patient_id"].nunique()
        rows.append({a: severe.get(a, 0) / n[a] for a in ("cyt107", "placebo")})
    df = pd.DataFrame(rows)
    excess = df["cyt107"].mean() - df["placebo"].mean()
    assert abs(excess) < 0.06
    crs = [
        (
            (s.data.adverse_events["term"] == "Cytokine release syndrome")
            & (s.data.adverse_events["grade"] >= 3)
        ).sum()
        for s in replicates
    ]
    assert np.mean(crs) < 0.1


def test_injection_site_reactions_are_a_real_effect(replicates):
    """The set AE effect is visible: patient incidence of injection-site reactions higher on CYT107,
    close to the true probabilities (Monte Carlo over 200 trials)."""
    truth = replicates[0].truth.ae.set_index("term").loc["Injection site reaction"]
    inc = {"cyt107": [], "placebo": []}
    for sim in replicates:
        ae = sim.data.adverse_events
        ids = set(ae.loc[ae["term"] == "Injection site reaction", "patient_id"])
        for a in inc:
            pats = sim.data.patients.loc[sim.data.patients["arm"] == a, "patient_id"]
            inc[a].append(pats.isin(ids).mean())
    assert np.mean(inc["cyt107"]) == pytest.approx(truth["p_cyt107"], abs=0.03)
    assert np.mean(inc["placebo"]) == pytest.approx(truth["p_placebo"], abs=0.03)


def test_follow_up_ends_at_death_and_some_discharges(replicates):
    died_labs_after = 0
    any_discharge_truncation = False
    deaths = []
    for sim in replicates[:100]:
        out = sim.data.outcomes.set_index("patient_id")
        last_lab = sim.data.labs.groupby("patient_id")["study_day"].max()
        dd = out["death_day"]
        died_labs_after += int((last_lab[dd.dropna().index] > dd.dropna()).sum())
        deaths.append(dd.notna().mean())
        alive = out[
            out["death_day"].isna()
            & out["icu_discharge_day"].notna()
            & (out["last_follow_up_day"] == 90)
        ]
        if (last_lab[alive.index] <= alive["icu_discharge_day"]).any():
            any_discharge_truncation = True
    assert died_labs_after == 0
    assert any_discharge_truncation
    assert 0.2 < np.mean(deaths) < 0.45


def test_realised_patient_effects_are_recoverable_from_noise_free_means():
    """With residual noise, selection and missingness switched off, the data equal the model's
    mean exactly: the trajectory formula in the docstring is what the generator computes."""
    p = SyntheticParams(
        sd_residual={"alc": 1e-9, "cd4": 1e-9, "cd8": 1e-9},
        residual_df=1e6,
        p_missed_visit=0.0,
        p_panel_missing=0.0,
        p_labs_after_discharge=1.0,
        p_death_90=1e-6,
        p_lost_to_follow_up=0.0,
        entry_alc_max=1e9,
    )
    sim = simulate_trial(3, p)
    t = sim.truth
    pe = t.patient_effects.set_index("patient_id")
    se = t.site_effects.set_index("site")
    pats = sim.data.patients.set_index("patient_id")
    labs = sim.data.labs
    for rec in labs.sample(40, random_state=0).to_dict(orient="records"):
        pid, day = rec["patient_id"], rec["study_day"]
        reg = pats.loc[pid, "regimen"]
        for m in LAB_MARKERS:
            r1, _ = ramp_basis(day, 28)
            expected = (
                t.log_mean(reg, m, day)
                + pe.loc[pid, f"intercept_{m}"]
                + se.loc[pats.loc[pid, "site"], m]
                + pe.loc[pid, f"slope_{m}"] * r1
            )
            assert math.log(rec[m]) == pytest.approx(expected, abs=0.002)  # 0.1-cell rounding


def test_effect_decay_zero_is_a_plateau_and_decay_shrinks_the_late_effect():
    flat = simulate_trial(0, SyntheticParams(effect_decay=0.0)).truth
    for m in LAB_MARKERS:
        assert flat.log_gm_ratio(m, 90) == pytest.approx(flat.log_gm_ratio(m, 28), abs=1e-12)
    decayed = simulate_trial(0, SyntheticParams(effect_decay=0.3)).truth
    r1, r2 = ramp_basis(90, 28)
    beta = decayed.log_gm_ratio("alc", 28)
    assert decayed.log_gm_ratio("alc", 90) == pytest.approx(beta * (r1 - 0.3 * r2), abs=1e-12)
