"""The generator (bayes_iris.data.synthetic.generator): determinism, sizes, valid output for any
parameters, the model its docstring states (noise-free and large-trial checks), and calibration of the
data over many replicates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes_iris.data import (
    SyntheticParams,
    load_trial,
    load_truth,
    ramp_bases,
    simulate_trial,
    validate_data,
    write_trial,
)
from bayes_iris.data import published as pub
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


def test_same_seed_same_trial_different_seed_different_trial():
    a, b, c = simulate_trial(11), simulate_trial(11), simulate_trial(12)
    _frames_equal(a.data, b.data)
    assert a.truth.to_json() == b.truth.to_json()
    assert not a.data.labs["alc"].equals(c.data.labs["alc"])
    assert not a.data.patients["age"].equals(c.data.patients["age"])


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


def test_simulate_write_validate_load_round_trip(tmp_path: Path):
    sim = simulate_trial(99, n_cyt107=30, n_placebo=20)
    out = write_trial(sim, tmp_path / "t99")
    loaded = load_trial(out)
    _frames_equal(loaded, sim.data)
    assert loaded.meta == sim.data.meta
    truth = load_truth(out)
    assert json.loads(truth.to_json()) == json.loads(sim.truth.to_json())
    assert truth.alc_day29_ratio == pytest.approx(sim.truth.alc_day29_ratio, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_cyt107=st.integers(2, 40),
    n_placebo=st.integers(1, 30),
    p_death=st.floats(0.01, 0.9),
    decay=st.floats(0.0, 0.4),
)
def test_every_simulated_trial_is_valid(seed, n_cyt107, n_placebo, p_death, decay):
    params = SyntheticParams(p_death_90=p_death, effect_decay=decay)
    sim = simulate_trial(seed, params, n_cyt107=n_cyt107, n_placebo=n_placebo)
    checked = validate_data(sim.data)
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(checked, t), getattr(sim.data, t))
    assert (sim.data.patients["baseline_alc"] <= 900).all()


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
            r1, _ = ramp_bases(day, 28)
            expected = (
                t.log_mean(reg, m, day)
                + pe.loc[pid, f"intercept_{m}"]
                + se.loc[pats.loc[pid, "site"], m]
                + pe.loc[pid, f"slope_{m}"] * r1
            )
            assert math.log(rec[m]) == pytest.approx(expected, abs=0.002)  # 0.1-cell rounding


def test_generator_implements_its_model_large_trial():
    """A very large trial without selection: sample moments match the parameters of the model
    (Monte Carlo vs analytic), i.e. a trajectory model fitted to it targets the stated truth."""
    p = SyntheticParams(
        entry_alc_max=1e9,
        p_death_90=0.01,
        p_labs_after_discharge=1.0,
        p_missed_visit=0.0,
        p_panel_missing=0.0,
        p_lost_to_follow_up=0.0,
    )
    sim = simulate_trial(2024, p, n_cyt107=3000, n_placebo=3000)
    t, d = sim.truth, sim.data
    arm = d.patients.set_index("patient_id")["regimen"]
    for m in LAB_MARKERS:
        w = d.labs.pivot(index="patient_id", columns="study_day", values=m)
        for day in (14, 29, 90):
            change = np.log(w[day] / w[0]).dropna()
            g = arm[change.index]
            for group in ("placebo", "weekly", "twice_weekly"):
                v = change[g == group]
                expected = math.log(t.fold_from_baseline(m, day, group))
                # slope variance + 2 t residuals; se of the mean
                se = v.std() / math.sqrt(len(v))
                assert abs(v.mean() - expected) < 4.5 * se + 0.01, (m, day, group)
    pe = t.patient_effects
    for m in LAB_MARKERS:
        assert pe[f"intercept_{m}"].std() == pytest.approx(p.sd_intercept[m], rel=0.06)
        assert pe[f"slope_{m}"].std() == pytest.approx(p.sd_slope[m], rel=0.06)
    r = np.corrcoef(pe["intercept_alc"], pe["intercept_cd4"])[0, 1]
    assert r == pytest.approx(p.corr_intercept[0], abs=0.03)
    # baseline geometric mean = typical baseline x site effects (averaged) x t residual
    base = d.labs[d.labs["study_day"] == 0]
    site_mean = d.patients["site"].map(t.site_effects.set_index("site")["alc"]).mean()
    gm = math.exp(np.log(base["alc"]).mean() - site_mean)
    assert gm == pytest.approx(p.baseline_median["alc"], rel=0.03)


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


@pytest.mark.slow
def test_calibration_over_1000_replicates():
    """The day-29 CYT107 GM fold from baseline stays in 3-4 and the ratio vs placebo near the truth
    over 1000 replicate trials of the bundled design (selection and dropout included)."""
    folds, ratios = [], []
    for seed in range(1000):
        sim = simulate_trial(seed)
        w = sim.data.labs.pivot(index="patient_id", columns="study_day", values="alc")
        arm = sim.data.patients.set_index("patient_id")["arm"]
        lf = np.log(w[29] / w[0]).dropna()
        a = arm[lf.index]
        if (a == "cyt107").sum() and (a == "placebo").sum():
            folds.append(lf[a == "cyt107"].mean())
            ratios.append(lf[a == "cyt107"].mean() - lf[a == "placebo"].mean())
    assert 3.0 <= math.exp(np.mean(folds)) <= 4.0
    truth = simulate_trial(0).truth.alc_day29_log_ratio
    assert np.mean(ratios) == pytest.approx(
        truth, abs=3 * np.std(ratios) / math.sqrt(len(ratios)) + 0.02
    )
