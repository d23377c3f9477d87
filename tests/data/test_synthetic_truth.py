"""The truth behind a synthetic trial (bayes_iris.data.synthetic.truth): calibrated to the
published facts, internally consistent, and round-tripped through truth.json."""

from __future__ import annotations

import math

import pytest

from bayes_iris.data import SyntheticParams, Truth, load_bundled_truth, ramp_bases, simulate_trial
from bayes_iris.data import published as pub
from bayes_iris.data.trial import LAB_MARKERS


def test_truth_json_round_trip():
    truth = load_bundled_truth()
    again = Truth.from_json(truth.to_json())
    assert again.to_json() == truth.to_json()
    assert again.gm_ratio("cd4", 29) == pytest.approx(truth.gm_ratio("cd4", 29), rel=1e-12)


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
        r1, r2 = ramp_bases(29, 28)
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


def test_effect_decay_zero_is_a_plateau_and_decay_shrinks_the_late_effect():
    flat = simulate_trial(0, SyntheticParams(effect_decay=0.0)).truth
    for m in LAB_MARKERS:
        assert flat.log_gm_ratio(m, 90) == pytest.approx(flat.log_gm_ratio(m, 28), abs=1e-12)
    decayed = simulate_trial(0, SyntheticParams(effect_decay=0.3)).truth
    r1, r2 = ramp_bases(90, 28)
    beta = decayed.log_gm_ratio("alc", 28)
    assert decayed.log_gm_ratio("alc", 90) == pytest.approx(beta * (r1 - 0.3 * r2), abs=1e-12)
