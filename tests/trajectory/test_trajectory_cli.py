"""CLI and analysis-script plumbing of the trajectory area (bad input: exit 2, nothing written)."""

import importlib.util
from pathlib import Path

import pandas as pd

from bayes_iris.cli import main
from bayes_iris.trajectory import analysis

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("traj02", ROOT / "analyses" / "02_trajectories.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_rejects_bad_options_without_writing(tmp_path):
    out = tmp_path / "res"
    assert main(["fit", "--model", "il7", "--results", str(out)]) == 2
    assert main(["fit", "--prior", "hopeful", "--results", str(out)]) == 2
    assert main(["effects", "--sampler", "stan", "--results", str(out)]) == 2
    assert not out.exists()


def test_script_exits_2_on_invalid_trial_folder(tmp_path):
    bad = tmp_path / "trial"
    bad.mkdir()
    (bad / "trial.yaml").write_text("name: [unclosed\n")
    out = tmp_path / "res"
    assert _script().main(["--data", str(bad), "--results", str(out)]) == 2
    assert not out.exists()


def test_fast_config_is_small_and_seeded():
    a = analysis.sampler_config(1, fast=True, progressbar=False)
    b = analysis.sampler_config(1, fast=True, progressbar=False)
    assert a == b and a.draws <= 1000 and a.tune <= 500 and a.chains == 4 and a.cores == 2
    assert analysis.sampler_config(2, fast=True).seed != a.seed
    # --draws / --tune override the step's budget; absent ones leave it alone
    c = analysis.sampler_config(1, fast=True, draws=None, tune=77)
    assert (c.draws, c.tune) == (a.draws, 77)


def test_shape_choice_prefers_piecewise_within_two_se():
    close = pd.DataFrame({"model": ["spline", "piecewise"], "elpd_diff": [0.0, -1.0],
                          "dse": [0.0, 2.8]})
    clear = pd.DataFrame({"model": ["spline", "piecewise"], "elpd_diff": [0.0, -9.0],
                          "dse": [0.0, 2.8]})
    assert analysis.choose_shape(close) == "piecewise"
    assert analysis.choose_shape(clear) == "spline"
    assert analysis.choose_shape(pd.DataFrame(columns=["model"])) == "piecewise"


class _Stop(Exception):
    """Raised by the spy instead of sampling."""


def _first_fit(monkeypatch, call) -> dict:
    """Spec, config and folder of the first ``inference.fit`` the trajectory area makes."""
    seen: dict = {}

    def spy(model, config, **kwargs):
        seen.update(model=model, config=config, **kwargs)
        raise _Stop

    monkeypatch.setattr(analysis, "fit", spy)
    try:
        call()
    except _Stop:
        pass
    return seen


def test_cli_fit_samples_as_the_analysis_step(tmp_path, monkeypatch):
    """``bayes-iris fit`` samples with the step's sampler settings (target_accept 0.95, seed
    stream, budget) and so reads and writes the step's fit file: the CLI's fit is the report's."""
    from bayes_iris.cli.options import DEFAULT
    from bayes_iris.data import load_bundled
    from bayes_iris.inference import fit_path

    res = tmp_path / "res"
    cli = _first_fit(monkeypatch, lambda: main(["fit", "--fast", "--results", str(res)]))
    step = _first_fit(monkeypatch, lambda: analysis.run(load_bundled(), seed=DEFAULT, fast=True,
                                                        fits_dir=res / "fits"))
    assert cli["config"].target_accept == analysis.TARGET_ACCEPT == 0.95
    assert cli["config"].cache_dict() == step["config"].cache_dict()
    assert cli["model"].name == step["model"].name == "alc_piecewise_default"
    assert Path(cli["cache_dir"]) == res / "fits"
    assert (fit_path(cli["model"], cli["config"], cli["cache_dir"])
            == fit_path(step["model"], step["config"], step["cache_dir"]))


def test_fit_help_states_the_reproducibility_promise_per_sampler(capsys):
    assert main(["fit", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "nutpie and pymc give bit-identical draws" in text
    assert "numpyro (JAX) does not promise it" in text
