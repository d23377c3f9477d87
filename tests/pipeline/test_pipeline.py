"""The pipeline runner and the `run` / `report` commands, on a FAKE checkout.

The fake checkout has tiny step scripts (test fixtures, not the real analyses) whose behaviour —
exit code, diagnostics status — is fixed per test, so that ordering, caching, exit-code handling
and the report's warning boxes can each be made to fail for the right reason.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bayes_iris.cli import main
from bayes_iris.errors import ConvergenceError, InputError
from bayes_iris.paths import repo_root
from bayes_iris.pipeline import ledger, run_pipeline
from bayes_iris.results.tables import LEDGER, STEPS

REAL_REPORT = Path(__file__).resolve().parents[2] / "report"

SCRIPT = '''
"""FIXTURE step script (test only)."""
import sys
import pandas as pd
from bayes_iris.pipeline.script import script_parser
from bayes_iris.results.store import ResultsDir, default_results_dir
from bayes_iris.data import load_bundled, load_trial

STEM, EXIT, STATUS = {stem!r}, {exit_code}, {status!r}

def main(argv=None):
    a = script_parser("fixture").parse_args(argv)
    trial = load_bundled() if a.data is None else load_trial(a.data)
    res = ResultsDir(a.results or default_results_dir(trial), trial)
    res.root.mkdir(parents=True, exist_ok=True)
    with open(res.root / "runs.txt", "a") as fh:
        fh.write(f"{{STEM}} seed={{a.seed}} fast={{a.fast}} strict={{a.strict}}\\n")
    if EXIT:
        print(f"fixture failure in {{STEM}}", file=sys.stderr)
        return EXIT
    if a.strict and STATUS not in ("ok", "table-only-warning"):
        print("diagnostics failed", file=sys.stderr)
        return 3
    out = res.write_table(STEM + "_fixture", pd.DataFrame({{"seed": [a.seed]}}))
    if STATUS == "table-only-warning":  # an inconsistent step: its table flags, its record not
        res.write_table("diagnostics_fixture", pd.DataFrame({{"model": ["m"], "status": ["warning"]}}))
    res.record_step(STEM, outputs=[out], seed=a.seed,
                    status="ok" if STATUS == "table-only-warning" else STATUS,
                    diagnostics={{"m": {{"status": STATUS, "messages": "fixture"}}}})
    return 0

if __name__ == "__main__":
    sys.exit(main())
'''


def make_checkout(root: Path, behaviour: dict[str, tuple[int, str]]) -> Path:
    """A fake checkout: analyses/<stem>.py per ``behaviour[stem] = (exit code, status)``."""
    (root / "analyses").mkdir(parents=True)
    (root / "report").symlink_to(REAL_REPORT)
    for stem, (code, status) in behaviour.items():
        (root / "analyses" / f"{stem}.py").write_text(
            textwrap.dedent(SCRIPT.format(stem=stem, exit_code=code, status=status))
        )
    return root


def runs(results: Path) -> list[str]:
    path = results / "runs.txt"
    return [ln.split()[0] for ln in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    def build(behaviour):
        root = make_checkout(tmp_path / "repo", behaviour)
        monkeypatch.setenv("BAYES_IRIS_ROOT", str(root))
        # The library source is edited by others while tests run; the cache key's code part is
        # pinned so that the caching logic, not a concurrent edit, decides what re-runs.
        monkeypatch.setattr(ledger, "code_hash", lambda: "fixed-code-version")
        return root

    return build


def test_steps_run_in_order_then_cache_and_rerun_what_changed(checkout, tmp_path):
    checkout({"01_data": (0, "ok"), "02_trajectories": (0, "ok")})
    results = tmp_path / "res"
    first = run_pipeline(None, results, seed=5, fast=True, progress=False)
    by = {s.stem: s for s in first.steps}
    assert runs(results) == ["01_data", "02_trajectories"]
    assert by["01_data"].status == by["02_trajectories"].status == "ok"
    # the three declared steps without a script are reported, not skipped silently
    assert {s.stem for s in first.failed} == {s.stem for s in STEPS[2:]}
    assert all(by[s.stem].status == "missing" for s in STEPS[2:])
    assert "--fast" in (results / "logs" / "01_data.log").read_text()

    second = run_pipeline(None, results, seed=5, fast=True, progress=False)
    assert [s.status for s in second.steps if s.stem in ("01_data", "02_trajectories")] == [
        "cached",
        "cached",
    ]
    assert runs(results) == ["01_data", "02_trajectories"]  # nothing ran again

    # a corrupted output makes (only) its step run again
    (results / "tables" / "02_trajectories_fixture.csv").write_text("provenance,seed\nx,0\n")
    third = run_pipeline(None, results, seed=5, fast=True, progress=False)
    assert {s.stem: s.status for s in third.steps}["01_data"] == "cached"
    assert runs(results)[-1] == "02_trajectories" and len(runs(results)) == 3

    # a new seed (or --fast toggled) runs everything again
    run_pipeline(None, results, seed=6, fast=True, progress=False)
    assert runs(results)[-2:] == ["01_data", "02_trajectories"]
    run_pipeline(None, results, seed=6, fast=False, progress=False)
    assert len(runs(results)) == 7
    assert json.loads((results / LEDGER).read_text())["run"]["seed"] == 6


def test_input_error_of_a_step_stops_the_run(checkout, tmp_path):
    checkout({"01_data": (2, "ok"), "02_trajectories": (0, "ok")})
    with pytest.raises(InputError, match="fixture failure in 01_data"):
        run_pipeline(None, tmp_path / "res", seed=1, progress=False)
    assert runs(tmp_path / "res") == ["01_data"]


def test_crashed_step_is_recorded_and_the_next_steps_still_run(checkout, tmp_path):
    checkout({"01_data": (1, "ok"), "02_trajectories": (0, "ok")})
    res = run_pipeline(None, tmp_path / "res", seed=1, steps=["01", "trajectories"], progress=False)
    assert [s.status for s in res.steps] == ["failed", "ok"]
    assert "fixture failure in 01_data" in res.steps[0].message
    assert not res.ok


def test_strict_stops_on_failed_diagnostics_fresh_and_cached(checkout, tmp_path):
    checkout({"01_data": (0, "ok"), "02_trajectories": (0, "warning")})
    results = tmp_path / "res"
    with pytest.raises(ConvergenceError, match="02_trajectories"):
        run_pipeline(None, results, seed=1, strict=True, progress=False, steps=["01", "02"])
    loose = run_pipeline(None, results, seed=1, progress=False, steps=["01", "02"])
    assert [s.status for s in loose.steps] == ["cached", "warning"]
    assert [s.stem for s in loose.warnings] == ["02_trajectories"]
    # the cached step still carries its failed diagnostics: --strict must not pass it
    with pytest.raises(ConvergenceError, match=r"02_trajectories \(cached\)"):
        run_pipeline(None, results, seed=1, strict=True, progress=False, steps=["01", "02"])


def test_unknown_step_and_bad_seed_are_input_errors(checkout, tmp_path):
    checkout({"01_data": (0, "ok")})
    with pytest.raises(InputError, match="unknown step"):
        run_pipeline(None, tmp_path / "r", steps=["99"], progress=False)
    with pytest.raises(InputError, match="seed"):
        run_pipeline(None, tmp_path / "r", seed=-1, progress=False)
    assert not (tmp_path / "r").exists()


def test_bad_root_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYES_IRIS_ROOT", str(tmp_path))
    with pytest.raises(InputError, match="no analyses/ and report/"):
        repo_root()


def test_cli_bad_data_exits_2_and_writes_nothing(checkout, tmp_path, capsys):
    checkout({"01_data": (0, "ok")})
    bad = tmp_path / "trial"
    bad.mkdir()
    (bad / "trial.yaml").write_text("name: [unclosed\n")
    code = main(["run", "--data", str(bad), "--results", str(tmp_path / "out")])
    assert code == 2
    assert not (tmp_path / "out").exists()
    assert "Traceback" not in capsys.readouterr().err


def test_cli_report_shows_failures_and_strict_exits_3(checkout, tmp_path, capsys):
    checkout({"01_data": (1, "ok"), "02_trajectories": (0, "warning")})
    results = tmp_path / "res"
    code = main(["report", "--results", str(results), "--engine", "jupyter"])
    assert code == 1  # a crashed step is a bug: non-zero, but the report is still written
    html = (results / "report.html").read_text()
    assert "Not available: step 01_data failed" in html
    assert "fixture failure in 01_data" in html
    assert "Warning — step 02_trajectories: diagnostics flagged a problem" in html
    assert "Not available: step 05_phase3_design does not exist" in html
    assert str(results / "report.html") in capsys.readouterr().out
    assert main(["report", "--results", str(results), "--strict", "--engine", "jupyter"]) == 3


def test_cli_run_ok(checkout, tmp_path):
    checkout({"01_data": (0, "ok")})
    assert main(["run", "--results", str(tmp_path / "res"), "--step", "01", "--seed", "3"]) == 0
    assert runs(tmp_path / "res") == ["01_data"]


def test_strict_also_gates_on_the_diagnostics_tables(checkout, tmp_path):
    checkout({"01_data": (0, "table-only-warning")})
    with pytest.raises(ConvergenceError, match="diagnostics_fixture/m: warning"):
        run_pipeline(None, tmp_path / "res", seed=1, strict=True, steps=["01"], progress=False)
    assert run_pipeline(None, tmp_path / "res", seed=1, steps=["01"], progress=False).ok
