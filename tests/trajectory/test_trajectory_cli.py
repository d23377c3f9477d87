"""CLI and analysis-script plumbing of the trajectory area (bad input: exit 2, nothing written)."""

import importlib.util
from pathlib import Path

from bayes_iris.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("traj02", ROOT / "analyses" / "02_trajectories.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_rejects_bad_options_without_writing(tmp_path):
    out = tmp_path / "res"
    assert main(["fit", "--model", "il7", "--out", str(out)]) == 2
    assert main(["fit", "--prior", "hopeful", "--out", str(out)]) == 2
    assert main(["effects", "--sampler", "stan", "--out", str(out)]) == 2
    assert not out.exists()


def test_script_exits_2_on_invalid_trial_folder(tmp_path):
    bad = tmp_path / "trial"
    bad.mkdir()
    (bad / "trial.yaml").write_text("name: [unclosed\n")
    out = tmp_path / "res"
    assert _script().main(["--data", str(bad), "--results", str(out)]) == 2
    assert not out.exists()


def test_fast_config_is_small_and_seeded():
    mod = _script()
    a = mod.sampler_config(1, fast=True, progressbar=False)
    b = mod.sampler_config(1, fast=True, progressbar=False)
    assert a == b and a.draws <= 1000 and a.tune <= 500 and a.chains == 4 and a.cores == 2
    assert mod.sampler_config(2, fast=True).seed != a.seed


def test_shape_choice_prefers_piecewise_within_two_se():
    import pandas as pd

    mod = _script()
    close = pd.DataFrame({"model": ["spline", "piecewise"], "elpd_diff": [0.0, -1.0],
                          "dse": [0.0, 2.8]})
    clear = pd.DataFrame({"model": ["spline", "piecewise"], "elpd_diff": [0.0, -9.0],
                          "dse": [0.0, 2.8]})
    assert mod.choose_shape(close) == "piecewise"
    assert mod.choose_shape(clear) == "spline"
    assert mod.choose_shape(pd.DataFrame(columns=["model"])) == "piecewise"
