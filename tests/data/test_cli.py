"""``bayes-iris validate`` and ``bayes-iris simulate``: exit codes, output, nothing written on error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bayes_iris.cli import main
from bayes_iris.data import bundled_path, load_trial, load_truth, simulate_trial

from .conftest import set_cell

BIN = Path(sys.executable).parent / "bayes-iris"


def test_validate_bundled_exit_0(capsys):
    assert main(["validate", str(bundled_path())]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "valid" in out
    assert "twice_weekly" in out


def test_validate_invalid_exit_2_names_file_row_column(trial_dir: Path, capsys):
    set_cell(trial_dir / "labs.csv", 3, "alc", "abc")
    assert main(["validate", str(trial_dir)]) == 2
    err = capsys.readouterr().err
    assert "labs.csv" in err and "row 3" in err and "'alc'" in err
    assert "Traceback" not in err


def test_validate_missing_folder_exit_2(tmp_path: Path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_validate_json(trial_dir: Path, capsys):
    assert main(["validate", str(trial_dir), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is True and doc["provenance"]["kind"] == "synthetic"
    assert sum(r["patients"] for r in doc["by_regimen"]) == 27
    set_cell(trial_dir / "patients.csv", 2, "sofa", "-1")
    assert main(["validate", str(trial_dir), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert any(p["row"] == 2 and p["column"] == "sofa" for p in doc["problems"])


def test_simulate_writes_valid_folder_with_truth(tmp_path: Path, capsys):
    out = tmp_path / "sim"
    assert (
        main(["simulate", "--seed", "4", "--out", str(out), "--n-cyt107", "6", "--n-placebo", "4"])
        == 0
    )
    trial = load_trial(out)
    assert trial.n_patients == 10 and trial.meta.provenance.seed == 4
    assert trial.provenance_label.startswith("SYNTHETIC")
    assert load_truth(out).alc_day29_ratio == pytest.approx(
        simulate_trial(4, n_cyt107=6, n_placebo=4).truth.alc_day29_ratio
    )
    assert "SYNTHETIC" in capsys.readouterr().out


def test_simulate_refuses_non_empty_out_unless_force(tmp_path: Path, capsys):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["simulate", "--seed", "1", "--out", str(out)]) == 2
    assert (out / "notes.txt").read_text() == "mine"
    assert "--force" in capsys.readouterr().err
    assert main(["simulate", "--seed", "1", "--out", str(out), "--force"]) == 0
    assert not (out / "notes.txt").exists() and (out / "truth.json").exists()


def test_simulate_bad_sizes_exit_2_nothing_written(tmp_path: Path):
    out = tmp_path / "sim"
    assert main(["simulate", "--seed", "1", "--out", str(out), "--n-cyt107", "1"]) == 2
    assert not out.exists()
    assert main(["simulate", "--seed", "-3", "--out", str(out)]) == 2
    assert not out.exists()


def test_console_script_subprocess(trial_dir: Path):
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(
        [str(BIN), "validate", str(bundled_path())],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "SYNTHETIC" in ok.stdout
    (trial_dir / "outcomes.csv").unlink()
    bad = subprocess.run(
        [str(BIN), "validate", str(trial_dir)], capture_output=True, text=True, env=env, timeout=120
    )
    assert bad.returncode == 2
    err = " ".join(bad.stderr.split())  # rich wraps long lines
    assert "missing table 'outcomes'" in err and "Traceback" not in err


def test_simulate_parquet_format(tmp_path: Path):
    out = tmp_path / "pq"
    assert main(["simulate", "--seed", "2", "--out", str(out), "--format", "parquet"]) == 0
    assert (out / "labs.parquet").exists() and load_trial(out).n_patients == 27
    assert main(["simulate", "--seed", "2", "--out", str(tmp_path / "x"), "--format", "xls"]) == 2
    assert not (tmp_path / "x").exists()
