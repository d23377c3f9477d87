"""CLI commands ``reanalyze`` / ``safety`` and the analysis scripts 03 and 04 (end to end)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from bayes_iris.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "analyses" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("argv", [
    ["reanalyze", "--estimate", "1.01", "--lower", "0.36", "--upper", "2.81", "--measure", "RR",
     "--mcid", "0.8", "--baseline-risk", "0.35"],
    ["reanalyze", "--counts", "3/15,0/6"],
    ["reanalyze", "--builtin", "sepsis-mortality"],
    ["reanalyze", "--estimate", "1.33", "--lower", "0.29", "--upper", "2.38", "--measure", "MD",
     "--mcid", "0.5", "--benefit", "higher"],
])
def test_reanalyze_ok(argv, capsys):
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Published summary-level data" in text
    assert "minimally_informative" in text


@pytest.mark.parametrize("argv", [
    ["reanalyze", "--estimate", "1.01", "--lower", "1.36", "--upper", "2.81"],   # lower > est
    ["reanalyze", "--estimate", "-1", "--lower", "-2", "--upper", "2"],          # ratio <= 0
    ["reanalyze", "--counts", "16/15,0/6"],                                       # counts > n
    ["reanalyze", "--counts", "3/15"],                                            # malformed
    ["reanalyze", "--builtin", "sepsis-mortality", "--baseline-risk", "1.5"],    # prob > 1
    ["reanalyze", "--builtin", "sepsis-mortality", "--mcid", "1.25"],            # wrong side
    ["reanalyze", "--estimate", "1.01"],                                          # no CI
    ["reanalyze"],                                                                # nothing
    ["reanalyze", "--builtin", "nope"],
    ["reanalyze", "--builtin", "sepsis-mortality", "--prior", "mine=0"],         # no sd
    ["reanalyze", "--builtin", "sepsis-mortality", "--prior", "mine=0,-1"],      # sd <= 0
    ["safety", "--model", "probit"],
])
def test_bad_input_exits_2_without_traceback(argv, capsys, tmp_path):
    csv = tmp_path / "out.csv"
    code = main([*argv, "--csv", str(csv)] if argv[0] == "reanalyze" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert not csv.exists()


def test_reanalyze_writes_csv(tmp_path):
    csv = tmp_path / "r.csv"
    assert main(["reanalyze", "--builtin", "sepsis-secondary-infection", "--csv", str(csv)]) == 0
    t = pd.read_csv(csv)
    assert set(t.provenance) == {"published"}
    assert t.case.unique().tolist() == ["sepsis_secondary_infection"]


def test_script_04_writes_the_contract_table(tmp_path):
    mod = _script("04_summary_reanalysis")
    assert mod.main(["--results", str(tmp_path)]) == 0
    t = pd.read_csv(tmp_path / "tables" / "reanalysis_summary.csv")
    contract = ["case", "measure", "prior", "prior_mean_log", "prior_sd_log", "median", "lower95",
                "upper95", "p_benefit", "p_benefit_mcid", "p_harm", "log_mean", "log_sd"]
    assert set(contract) <= set(t.columns)
    assert set(t.provenance) == {"published"}
    assert {"sepsis_mortality", "sepsis_secondary_infection"} <= set(t.case)
    assert not t.duplicated(["case", "prior"]).any()
    row = t.set_index(["case", "prior"]).loc[("sepsis_mortality", "minimally_informative")]
    assert row["median"] == pytest.approx(1.01, rel=0.01)
    for name in ("reanalysis_triplot_sepsis_mortality", "reanalysis_triplot_sepsis_secondary_infection"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 10_000
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["steps"]["summary_reanalysis"]["status"] == "ok"


def test_script_03_fast_strict_on_bundled_trial(tmp_path):
    """The AE step on the bundled synthetic trial: 0 divergences, R-hat <= 1.01 under --strict."""
    mod = _script("03_adverse_events")
    assert mod.main(["--results", str(tmp_path), "--fast", "--strict"]) == 0
    tables = tmp_path / "tables"
    ae = pd.read_csv(tables / "ae_summary.csv")
    assert set(ae.provenance) == {"synthetic"}
    assert {"soc", "term", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo", "p_theta_gt_0",
            "p_point_mass", "rd_median", "rd_lower95", "rd_upper95", "or_median", "or_lower95",
            "or_upper95"} <= set(ae.columns)
    assert ae.p_theta_gt_0.between(0, 1).all() and ae.p_point_mass.between(0, 1).all()
    diag = pd.read_csv(tables / "diagnostics_adverse_events.csv")
    assert (diag.divergences == 0).all() and (diag.max_rhat <= 1.01).all()
    two = pd.read_csv(tables / "ae_two_arm_builtin.csv")
    assert set(two.provenance) == {"published"}
    assert (tables / "ae_soc_summary.csv").exists()
    for f in ("ae_shrinkage", "ae_forest", "respiratory_distress_3of15"):
        assert (tmp_path / "figures" / f"{f}.png").exists()
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["steps"]["adverse_events"]["status"] == "ok"
    # rerun hits the fit cache and gives identical numbers (same seed -> same numbers)
    assert mod.main(["--results", str(tmp_path), "--fast"]) == 0
    pd.testing.assert_frame_equal(ae, pd.read_csv(tables / "ae_summary.csv"))


def test_script_03_bad_data_exits_2(tmp_path):
    mod = _script("03_adverse_events")
    assert mod.main(["--data", str(tmp_path / "missing"), "--results", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()


def test_safety_command_poisson_prints_table_with_banner(capsys):
    assert main(["safety", "--model", "poisson", "--fast", "--strict", "--seed", "5"]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC DATA" in text
    assert "Injection site reaction" in text
    assert "adverse_events_poisson" in text
