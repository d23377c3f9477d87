"""The chapter views on FABRICATED results folders, without rendering: what they say in the
cases a full render does not reach (real data, missing design tables, no truth)."""

from __future__ import annotations

import json

import pandas as pd

from bayes_iris.report import Report, effects, outcomes, provenance, regulatory
from bayes_iris.report.labels import column_label, value_label
from bayes_iris.report.sections import _transpose

from .conftest import fabricate_results


def _set_manifest(root, **changes):
    path = root / "manifest.json"
    man = json.loads(path.read_text())
    for key, value in changes.items():
        if "." in key:
            step, field = key.split(".")
            man["steps"][step][field] = value
        else:
            man[key] = value
    path.write_text(json.dumps(man))


def test_real_data_gets_the_plain_statement_not_the_synthetic_warning(tmp_path):
    root = fabricate_results(tmp_path / "res", steps=["01_data"])
    _set_manifest(root, provenance={"kind": "real"})
    out = outcomes.mortality(Report(root))
    assert "What a 27-patient trial can and cannot say about mortality" in out
    assert "arose by chance" not in out and "SYNTHETIC" not in out
    assert "288 patients per arm" in out


def test_synthetic_without_truth_still_warns(tmp_path):
    root = fabricate_results(tmp_path / "res", steps=["01_data"])
    _set_manifest(root, **{"01_data.truth_outcomes": None})
    out = outcomes.mortality(Report(root))
    assert "without its truth file" in out and "Read the deaths with care" in out


def test_regulatory_chapter_degrades_to_not_available_boxes(tmp_path):
    root = fabricate_results(tmp_path / "res", steps=["01_data", "02_trajectories"])
    rep = Report(root)
    assert "Not available: tables/design_oc.csv (step 05_phase3_design has not run)" in (
        regulatory.operating_characteristics(rep))
    ess = regulatory.effective_sample_sizes(rep)
    assert "Not available: design-prior effective sample sizes" in ess
    assert "map_summary.csv" in ess
    points = regulatory.points(rep)
    assert points.count("<tr>") == 10  # header + nine points
    assert "missing</strong> — the design step has not run" in points


def test_type_one_error_is_read_from_the_null_row(tmp_path):
    root = fabricate_results(tmp_path / "res")
    rep = Report(root)
    rows = regulatory.oc_rows(rep).set_index("design")
    # fixed design: true RR 1.0 -> P(success) 0.025 <= 0.025; at the MCID RR 0.8 -> 0.8
    assert rows.loc["fixed", "type_I"] == 0.025 and rows.loc["fixed", "p_mcid"] == 0.8
    gsd = rows.loc["group-sequential"]  # overall P(efficacy) under RR 1, expected n under it
    assert (gsd["type_I"], gsd["p_mcid"], gsd["expected_n_null"]) == (0.022, 0.85, 350.0)
    oc = regulatory.operating_characteristics(rep)
    assert "0.0250" in oc and "within" in oc and "above" not in oc
    assert "0.850" in oc and "350" in oc
    assert "Every decision rule keeps" in regulatory.type_one_error_note(rep)


def test_effects_and_priors_views(tmp_path):
    root = fabricate_results(tmp_path / "res")
    rep = Report(root)
    assert effects.key_days([0, 3, 7, 14, 21, 29, 42, 60, 90]) == [7, 14, 29, 60, 90]
    assert "Day-29 ALC ratio CYT107 / placebo under each prior set" in (
        effects.prior_sensitivity(rep))
    pri = provenance.trajectory_priors(rep)
    assert "sigma 0.4214" in pri and "Normal(mu, sigma)" in pri
    assert "Sampler settings of every fit" in provenance.sampler_settings(rep)
    assert "1000" in provenance.sampler_settings(rep)
    rerun = provenance.rerun(rep)
    assert "make report" in rerun and str(root) not in rerun


def test_transposed_counts_name_their_columns():
    df = pd.DataFrame({"arm": ["placebo", "cyt107", "cyt107", "cyt107"],
                       "regimen": ["all", "weekly", "twice_weekly", "all"],
                       "randomised": [10, 8, 9, 17]})
    t = _transpose(df, "arm")
    assert list(t.columns) == ["", "Placebo", "CYT107 (weekly)", "CYT107 (twice weekly)",
                               "CYT107 (all)"]
    assert t.iloc[0].tolist() == ["Randomised", 10, 8, 9, 17]


def test_labels():
    assert column_label("died_by_day29") == "Died by day 29"
    assert column_label("a_new_one") == "A new one"
    assert value_label("source", "FACTS.md [R]") == "public record: trial registry"
    assert value_label("arm", "<b>") == "<b>"  # unknown values pass through (escaped later)
