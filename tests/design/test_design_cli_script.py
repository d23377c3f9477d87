"""The ``bayes-iris design`` command and ``analyses/05_phase3_design.py`` end to end."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_iris.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location("phase3_design",
                                                  ROOT / "analyses" / "05_phase3_design.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_design_writes_curve(tmp_path):
    out = tmp_path / "curve.csv"
    code = cli_main(["design", "--endpoint", "safety", "--fast", "--n-max", "60", "--out",
                     str(out)])
    assert code == 0
    df = pd.read_csv(out)
    assert {"n_total", "assurance", "mcse", "recommended_n", "design_prior_source"} <= set(df)
    assert df["assurance"].iloc[-1] > df["assurance"].iloc[0]  # (saw-toothed: discrete data)
    assert df["mcse"].eq(0).all()  # single-arm assurance is exact (beta-binomial)


def test_cli_design_bad_input_exit_2_nothing_written(tmp_path):
    out = tmp_path / "curve.csv"
    assert cli_main(["design", "--endpoint", "death", "--out", str(out)]) == 2
    assert cli_main(["design", "--endpoint", "mortality", "--design-prior", "elicited",
                     "--elicited-rr", "2,1", "--out", str(out)]) == 2
    assert not out.exists()


def test_phase3_script_fast_reads_upstream_tables_and_labels_synthetic(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame([{"provenance": "synthetic", "model": "piecewise", "log_ratio_mean": 1.2,
                   "log_ratio_sd": 0.2,
                   "sd_patient_log_alc_day29": 0.75, "p_rise50_placebo": 0.35,
                   "p_rise50_cyt107": 0.92, "day": 29}]).to_csv(
        tables / "design_inputs_alc.csv", index=False)
    pd.DataFrame([{"provenance": "published", "case": "sepsis_mortality",
                   "prior": "minimally_informative", "log_mean": 0.01, "log_sd": 0.52}]).to_csv(
        tables / "reanalysis_summary.csv", index=False)
    assert _load_script().main(["--fast", "--results", str(tmp_path)]) == 0
    ss = pd.read_csv(tables / "design_sample_size.csv")
    rec = pd.read_csv(tables / "design_recommendations.csv")
    oc = pd.read_csv(tables / "design_oc.csv")
    bounds = pd.read_csv(tables / "design_boundaries.csv")
    assert {"endpoint", "design_prior", "n_total", "assurance", "mcse"} <= set(ss)
    assert set(ss.endpoint) == {"mortality", "infection", "alc", "rise50", "safety"}
    assert {"endpoint", "design_prior", "target", "recommended_n", "rule",
            "design_prior_source"} <= set(rec)
    alc_src = rec.loc[rec.endpoint == "alc", "design_prior_source"].iloc[0]
    assert "synthetic trial posterior — illustration only" in alc_src
    mort = rec.loc[rec.endpoint == "mortality", "design_prior_source"]
    assert mort.str.contains("reanalysis posterior").any()  # read, not the fallback
    assert rec.loc[rec.endpoint == "infection", "design_prior_source"].str.startswith(
        "FALLBACK").any()  # infection row missing upstream -> labelled fallback
    assert (ss["provenance"] == "synthetic").all()
    assert np.all(ss["assurance"] <= ss["p_benefit"] + 4 * ss["mcse"] + 1e-9)
    assert oc["p_success"].between(0, 1).all()
    assert {"futility_max_x", "efficacy_min_x", "control_events", "futility_min_x"} <= set(bounds)
    two_arm = bounds[bounds["control_events"].notna()]
    assert len(two_arm) > 5 and (two_arm["post_prob_at_boundary"] < 0.1).all()
    assert (two_arm["futility_min_x"] <= two_arm["control_events"]).all()
    for fig in ("design_assurance_curves", "design_oc_curves", "design_boundaries"):
        assert (tmp_path / "figures" / f"{fig}.png").stat().st_size > 1000
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["steps"]["phase3_design"]["status"] == "ok"


def test_phase3_script_bad_upstream_table_exit_2(tmp_path):
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame([{"log_ratio_mean": "abc"}]).to_csv(tables / "design_inputs_alc.csv",
                                                     index=False)
    assert _load_script().main(["--fast", "--results", str(tmp_path)]) == 2
    assert not (tables / "design_sample_size.csv").exists()


def test_cli_design_cap_exits_2_immediately(tmp_path):
    import time

    out = tmp_path / "curve.csv"
    t0 = time.perf_counter()
    assert cli_main(["design", "--endpoint", "mortality", "--n-max", "100000000", "--out",
                     str(out)]) == 2
    assert time.perf_counter() - t0 < 5  # refused before any computation
    assert not out.exists()


def test_cli_design_prints_purpose_and_sustained_crossing(tmp_path):
    out = tmp_path / "alc.csv"
    assert cli_main(["design", "--endpoint", "alc", "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert df["purpose"].iloc[0].startswith("phase II / mechanistic")
    assert {"recommended_n", "first_crossing_n"} <= set(df)
