"""Operating characteristics with the real trajectory model (issue #12 item 4).

Small runs (20 patients, tiny sampler budgets, in-process workers) check what the numbers must
obey whatever the budget: a resume, a partial folder and the number of workers never change them;
a huge true effect is always detected and the null almost never; bad inputs are refused before
anything is written; failed diagnostics are flagged, and fatal under ``strict``.
"""

from __future__ import annotations

import io
import json
import math
import shutil

import pandas as pd
import pytest

from bayes_iris.cli import main
from bayes_iris.errors import ConvergenceError, ExitCode, InputError
from bayes_iris.trajectory import oc_runner
from bayes_iris.trajectory.oc import BiomarkerRule, _scenario_params, trajectory_oc
from bayes_iris.trajectory.oc_runner import TrialProgress

SCEN = [{"name": "null", "true_ratio": 1.0}, {"name": "huge", "true_ratio": 4.0}]
N = 3
SMALL = {"n_cyt107": 12, "n_placebo": 8, "draws": 150, "tune": 150, "seed": 5,
         "progress": False}
CLI_SMALL = ["--scenario", "null=1", "--scenario", "huge=4", "--trials", str(N), "--n-cyt107",
             "12", "--n-placebo", "8", "--draws", "150", "--tune", "150", "--seed", "5"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oc") / "run"
    res = trajectory_oc(SCEN, n_trials=N, results=folder, n_workers=1, processes=False, **SMALL)
    return folder, res


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail if a run starts a cluster (everything it needs is in the folder)."""
    def refuse(*a, **k):
        raise AssertionError("a cluster was started although every trial was finished")

    monkeypatch.setattr(oc_runner, "cluster_client", refuse)


def _numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Everything but the fit times (which are the only numbers not fixed by the seed)."""
    return df.drop(columns=["seconds"]).reset_index(drop=True)


def test_generator_scenario_sets_the_true_ratio():
    from bayes_iris.data.synthetic import simulate_trial

    for ratio in (1.0, 1.25, 4.0):
        truth = simulate_trial(3, _scenario_params(ratio), n_cyt107=4, n_placebo=2).truth
        assert math.isclose(truth.gm_ratio("alc", 29), ratio, rel_tol=1e-9)


def test_huge_effect_is_found_and_the_null_rarely(base):
    _, res = base
    s = res.summary.set_index("scenario")
    # true ratio 4 with 20 patients: log ratio ~ 6 posterior SDs above 0, every trial succeeds
    assert s.loc["huge", "p_success"] == 1.0
    assert s.loc["huge", "n_trials"] == N
    # the null: P(success) per trial is about 1 - 0.975; at most one success in 3 trials
    assert s.loc["null", "n_success"] <= 1
    t = res.trials
    huge, null = t[t.scenario == "huge"], t[t.scenario == "null"]
    assert (huge.true_ratio.sub(4.0).abs() < 1e-9).all()
    assert (huge.ratio_lower95 > 1.0).all() and (huge.prob > 0.975).all()
    assert huge.ratio_median.between(2.0, 8.0).all()
    assert null.ratio_median.between(0.5, 2.0).all()
    # Monte Carlo SE of a proportion
    p = s.loc["null", "p_success"]
    assert math.isclose(s.loc["null", "mcse"], math.sqrt(p * (1 - p) / N))
    assert s.loc["huge", "mcse"] == 0.0
    assert set(s["provenance"].str.slice(0, 9)) == {"SYNTHETIC"}


def test_diagnostics_kept_and_summary_flagged(base):
    _, res = base
    t = res.trials
    assert {"max_rhat", "min_ess_bulk", "min_ess_tail", "divergences"} <= set(t.columns)
    assert t.max_rhat.gt(0.99).all() and t.min_ess_bulk.gt(0).all()
    # the decision quantity's own diagnostics (ESS of 4 x 150 draws at most ~600 + antithetic)
    assert t.ess_log_ratio.between(1, 2000).all() and t.rhat_log_ratio.between(0.99, 2.0).all()
    # 4 x 150 draws cannot reach the ESS gate (>= 400): every fit fails, every scenario flagged
    assert (t.status == "warning").all() and t.messages.str.contains("ESS").all()
    assert (res.summary.status == "warning").all()
    assert list(res.summary.n_failed_fits) == [N, N]
    assert len(res.failed) == 2 * N


def test_rerun_skips_finished_trials_with_identical_numbers(base, no_cluster):
    folder, res = base
    again = trajectory_oc(SCEN, n_trials=N, results=folder, n_workers=2, **SMALL)
    pd.testing.assert_frame_equal(again.trials, res.trials)
    pd.testing.assert_frame_equal(again.summary, res.summary)
    # fewer trials: the first ones of the same run (the number of trials is not a setting)
    fewer = trajectory_oc(SCEN, n_trials=2, results=folder, **SMALL)
    first = res.trials[res.trials.trial < 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(fewer.trials, first)


def test_partial_folder_resumes_to_the_same_numbers(base, tmp_path):
    folder, res = base
    part = tmp_path / "part"
    shutil.copytree(folder, part)
    trials = part / "trials"
    (trials / "s0-t1.json").unlink()  # never finished
    (trials / "s1-t2.json").write_text('{"key": "', encoding="utf-8")  # torn (not ours: atomic)
    (trials / ".s1-t0.json.tmp-999999-deadbeef").write_text("{", encoding="utf-8")  # killed
    again = trajectory_oc(SCEN, n_trials=N, results=part, n_workers=1, processes=False, **SMALL)
    pd.testing.assert_frame_equal(_numbers(again.trials), _numbers(res.trials))
    pd.testing.assert_frame_equal(again.summary, res.summary)
    assert json.loads((trials / "s1-t2.json").read_text())["record"]["trial"] == 2
    assert not (trials / ".s1-t0.json.tmp-999999-deadbeef").exists()


def test_two_worker_processes_give_the_same_numbers(base):
    _, res = base
    two = trajectory_oc(SCEN, n_trials=1, n_workers=2, processes=True, **SMALL)
    first = res.trials[res.trials.trial < 1]
    pd.testing.assert_frame_equal(_numbers(two.trials), _numbers(first))


def test_strict_stops_at_a_failed_fit(tmp_path):
    folder = tmp_path / "strict"
    with pytest.raises(ConvergenceError, match="diagnostics failed"):
        trajectory_oc(SCEN[:1], n_trials=1, results=folder, n_workers=1, processes=False,
                      strict=True, **SMALL)
    assert (folder / "trials" / "s0-t0.json").is_file()  # written before raising


def test_strict_on_a_finished_folder_raises_without_fitting(base, tmp_path, no_cluster):
    folder, _ = base
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with pytest.raises(ConvergenceError, match="6 of 6"):
        trajectory_oc(SCEN, n_trials=N, results=copy, strict=True, **SMALL)
    assert main(["trajectory-oc", *CLI_SMALL, "--results", str(copy), "--strict"]) == \
        ExitCode.CONVERGENCE


def test_cli_writes_tables_from_a_finished_folder(base, tmp_path, no_cluster, capsys):
    folder, res = base
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    out = tmp_path / "oc.csv"
    assert main(["trajectory-oc", *CLI_SMALL, "--results", str(copy), "--out", str(out)]) == 0
    table = pd.read_csv(copy / "tables" / "trajectory_oc.csv")
    assert list(table.p_success) == list(res.summary.p_success)
    assert len(pd.read_csv(copy / "tables" / "trajectory_oc_trials.csv")) == 2 * N
    written = pd.read_csv(out)
    assert written.provenance.str.startswith("SYNTHETIC").all()
    assert "p_success" in capsys.readouterr().out


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"n_trials": 0}, "n_trials"),
    ({"n_workers": 0}, "n_workers"),
    ({"seed": -1}, "seed"),
    ({"scenarios": [{"name": "x", "true_ratio": -1.0}]}, "true_ratio"),
    ({"scenarios": [{"name": "x", "true_ratio": 1.0}, {"name": "x", "true_ratio": 2.0}]},
     "scenarios"),
    ({"scenarios": []}, "scenarios"),
    ({"rule": BiomarkerRule(day=30)}, "rule.day"),
    ({"rule": BiomarkerRule(marker="cd4")}, "rule.marker"),
    ({"n_cyt107": 1}, "n_cyt107"),
    ({"shape": "cubic"}, "shape"),
])
def test_bad_inputs_are_refused_before_anything_is_written(kwargs, column, tmp_path):
    folder = tmp_path / "never"
    args = {"scenarios": SCEN, "n_trials": 1, "results": folder, **SMALL, **kwargs}
    with pytest.raises(InputError) as err:
        trajectory_oc(args.pop("scenarios"), **args)
    assert column in str(err.value)
    assert not folder.exists()


def test_a_folder_of_other_settings_is_refused(base, no_cluster):
    folder, _ = base
    with pytest.raises(InputError, match="other settings") as err:
        trajectory_oc(SCEN, n_trials=N, results=folder, **{**SMALL, "seed": 6})
    assert "oc.json" in str(err.value)


def test_cli_bad_inputs_exit_2(tmp_path):
    folder = tmp_path / "never"
    for bad in (["--scenario", "null"], ["--scenario", "a=b"], ["--prob", "1.5"],
                ["--trials", "0"], ["--day", "30"]):
        assert main(["trajectory-oc", "--results", str(folder), *bad]) == ExitCode.INPUT, bad
    assert not folder.exists()


def test_progress_prints_one_line_per_trial_with_elapsed_and_eta():
    buf = io.StringIO()
    with TrialProgress(4, already=1, stream=buf) as p:
        p.advance("[bold]x", 1, 2.0)
        p.advance("null", 2, 3.0)
    lines = buf.getvalue().splitlines()
    assert "already" in lines[0] and len(lines) == 3
    assert lines[1].startswith("trajectory OC: 2/4 trials (scenario '[bold]x' trial 1")
    assert all("elapsed" in line and "ETA" in line for line in lines[1:])
    quiet = io.StringIO()
    with TrialProgress(2, enabled=False, stream=quiet) as p:
        p.advance("null", 0, 1.0)
    assert quiet.getvalue() == "" and p.done == 1


@pytest.mark.slow
def test_oc_with_more_trials(tmp_path):
    """20 trials of 60 patients per scenario with a real budget: type I error and power."""
    res = trajectory_oc([{"name": "null", "true_ratio": 1.0},
                         {"name": "alt", "true_ratio": 2.0}], n_trials=20, n_cyt107=36,
                        n_placebo=24, draws=500, tune=500, seed=11, n_workers=2,
                        results=tmp_path / "oc", progress=False)
    s = res.summary.set_index("scenario")
    assert s.loc["null", "p_success"] <= 0.15  # nominal 0.025; 20 trials
    assert s.loc["alt", "p_success"] >= 0.9  # ratio 2 with 60 patients: log ratio ~ 4 SE
    assert s.loc["alt", "coverage95"] >= 0.8 and s.loc["null", "coverage95"] >= 0.8
    assert s["n_failed_fits"].sum() <= 4
