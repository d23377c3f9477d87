"""The data analysis step (analyses/01_data.py) and its figure of observed trajectories."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

from bayes_iris.data import load_bundled
from bayes_iris.data.summary import labs_long
from bayes_iris.results.tables import STEP_BY_STEM

from .conftest import set_cell

ROOT = Path(__file__).resolve().parents[2]


def _run_step(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("step01", ROOT / "analyses" / "01_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main(argv)


def test_data_step_writes_tables_figure_manifest(tmp_path: Path):
    res = tmp_path / "res"
    assert _run_step(["--results", str(res)]) == 0
    for name in ("consort", "baseline", "labs_long", "parameters_synthetic", "km_curves",
                 "mortality_summary", "mortality_contrast"):
        df = pd.read_csv(res / "tables" / f"{name}.csv")
        assert (df["provenance"] == "synthetic").all() and len(df) > 0
    assert (res / "figures" / "observed_alc.png").stat().st_size > 10_000
    assert (res / "figures" / "km_curves.png").stat().st_size > 10_000
    manifest = json.loads((res / "manifest.json").read_text())
    step = manifest["steps"]["data"]
    declared = STEP_BY_STEM["01_data"].outputs
    assert step["status"] == "ok" and sorted(o["path"] for o in step["outputs"]) == sorted(declared)
    assert "SYNTHETIC" in manifest["provenance_label"]
    # what the report's warning about the deaths reads: the generator's true effect (null)
    assert step["truth_outcomes"]["log_hr_death_cyt107"] == 0.0
    assert len(step["inputs_hash"]) == 64


def test_data_step_invalid_input_exit_2_nothing_written(trial_dir: Path, tmp_path: Path, capsys):
    set_cell(trial_dir / "patients.csv", 2, "age", "old")
    res = tmp_path / "res"
    assert _run_step(["--data", str(trial_dir), "--results", str(res)]) == 2
    assert not res.exists()
    assert "patients.csv" in capsys.readouterr().err


def test_plot_observed_trajectories_draws_every_patient():
    import matplotlib.pyplot as plt

    from bayes_iris.plots.observed import plot_observed_trajectories

    trial = load_bundled()
    fig = plot_observed_trajectories(labs_long(trial), marker="cd4")
    n_lines = sum(len(ax.get_lines()) for ax in fig.axes)
    assert n_lines >= trial.n_patients
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    plt.close(fig)
