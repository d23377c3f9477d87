"""CLI command ``safety`` and the analysis script 03 (end to end)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

from bayes_iris.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "analyses" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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


def test_safety_command_poisson_prints_table_with_banner(capsys, tmp_path):
    out = tmp_path / "ae.csv"
    assert main(["safety", "--model", "poisson", "--fast", "--strict", "--seed", "5",
                 "--results", str(tmp_path / "res"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC DATA" in text
    assert "Injection site reaction" in text
    assert "adverse_events_poisson" in text
    t = pd.read_csv(out)
    assert set(t.provenance) == {"synthetic"} and set(t.model) == {"poisson"}
    assert list((tmp_path / "res" / "fits").glob("adverse_events_poisson-*.nc"))


def test_safety_bad_model_exits_2(capsys):
    assert main(["safety", "--model", "probit"]) == 2
    assert "Traceback" not in capsys.readouterr().err
