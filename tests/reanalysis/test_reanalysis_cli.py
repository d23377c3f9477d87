"""CLI command ``reanalyze`` and the analysis script 04 (end to end)."""

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
])
def test_bad_input_exits_2_without_traceback(argv, capsys, tmp_path):
    csv = tmp_path / "out.csv"
    code = main([*argv, "--out", str(csv)] if argv[0] == "reanalyze" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert not csv.exists()


def test_reanalyze_writes_csv(tmp_path):
    csv = tmp_path / "r.csv"
    assert main(["reanalyze", "--builtin", "sepsis-secondary-infection", "--out", str(csv)]) == 0
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
