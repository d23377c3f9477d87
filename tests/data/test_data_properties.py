"""Property-based checks (hypothesis): corrupted values are always caught at the right place; every
simulated trial passes validation and survives a write/load round trip; and (slow) the generator
implements the model its docstring states."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayes_iris.data import (
    SyntheticParams,
    load_trial,
    simulate_trial,
    validate_data,
    write_trial,
)
from bayes_iris.data.trial import LAB_MARKERS
from bayes_iris.errors import InputError

from .conftest import copy_bundled, read_rows, set_cell

# (file, column, kind of column)
TARGETS = [
    ("labs.csv", "alc", "count"),
    ("labs.csv", "cd4", "count"),
    ("labs.csv", "cd8", "count"),
    ("labs.csv", "study_day", "day"),
    ("patients.csv", "age", "int"),
    ("patients.csv", "sofa", "int"),
    ("adverse_events.csv", "grade", "grade"),
    ("adverse_events.csv", "onset_day", "day"),
    ("outcomes.csv", "last_follow_up_day", "day"),
    ("labs.csv", "alc_bdl", "bool"),
    ("adverse_events.csv", "serious", "bool"),
]

NOT_A_NUMBER = st.text(alphabet="abcdefghijklmopqrsuvwxyz%#?", min_size=1, max_size=6).map(
    lambda s: "x" + s
)


def bad_values(kind: str) -> st.SearchStrategy[str]:
    common = [NOT_A_NUMBER, st.sampled_from(["inf", "-inf", "1e400"])]
    if kind == "count":
        return st.one_of(
            *common, st.floats(max_value=0, allow_nan=False, allow_infinity=False).map(repr)
        )
    if kind == "day":
        return st.one_of(
            *common,
            st.integers(max_value=-1).map(str),
            st.floats(0.01, 80.99).filter(lambda x: x != round(x)).map(repr),
        )
    if kind == "int":
        return st.one_of(
            *common,
            st.integers(max_value=-1).map(str),
            st.integers(min_value=200, max_value=10**6).map(str),
        )
    if kind == "grade":
        return st.one_of(*common, st.sampled_from(["0", "6", "2.5", "-1", "10"]))
    return st.one_of(NOT_A_NUMBER, st.sampled_from(["2", "-1", "maybe", "TRUE?"]))


@st.composite
def corruptions(draw):
    file, column, kind = draw(st.sampled_from(TARGETS))
    value = draw(bad_values(kind))
    position = draw(st.floats(0, 1, exclude_max=True))
    return file, column, value, position


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions())
def test_any_corrupted_value_is_reported_at_its_cell(corruption):
    file, column, value, position = corruption
    with tempfile.TemporaryDirectory() as tmp:
        d = copy_bundled(Path(tmp) / "t")
        n_lines = len(read_rows(d / file))
        line = 2 + int(position * (n_lines - 1))
        set_cell(d / file, line, column, value)
        with pytest.raises(InputError) as info:
            load_trial(d)
    hits = [
        p
        for p in info.value.problems
        if p.row == line and p.column == column and str(p.file).endswith(file)
    ]
    assert hits, f"{value!r} at {file}:{line}:{column} not reported: {info.value}"
    assert all(p.hint for p in hits)


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


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**9))
def test_round_trip_for_any_seed(seed):
    sim = simulate_trial(seed)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_trial(write_trial(sim, Path(tmp) / "t"))
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(loaded, t), getattr(sim.data, t))


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
