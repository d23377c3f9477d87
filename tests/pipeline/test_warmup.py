"""Install-time warm-up: runs the named steps with a tiny budget into a folder it then deletes,
reports failures without raising, and ``BAYES_IRIS_WARMUP=0`` skips it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bayes_iris.errors import InputError
from bayes_iris.pipeline import warmup

STEP_OK = """import json, sys
from pathlib import Path
Path({log!r}).write_text(json.dumps(sys.argv[1:]))
"""


def _root(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "checkout"
    (root / "analyses").mkdir(parents=True)
    (root / "report").mkdir()
    log = tmp_path / "argv.json"
    (root / "analyses" / "01_fits.py").write_text(STEP_OK.format(log=str(log)))
    (root / "analyses" / "02_broken.py").write_text("import sys; sys.exit(3)\n")
    (root / "analyses" / "03_closed_form.py").write_text("raise SystemExit('must not run')\n")
    return root, log


def test_runs_only_the_named_steps_with_a_tiny_budget_in_a_throwaway_folder(tmp_path, capsys):
    root, log = _root(tmp_path)
    out = warmup.warm_caches(["01_fits", "02_broken"], root=root)
    assert [(s, code) for s, code, _ in out] == [("01_fits", 0), ("02_broken", 3)]
    argv = json.loads(log.read_text())
    assert argv[argv.index("--draws") + 1] == argv[argv.index("--tune") + 1] == str(
        warmup.WARM_DRAWS)
    assert "--fast" not in argv  # the full step: the spline model is compiled too
    results = Path(argv[argv.index("--results") + 1])
    assert not results.exists() and not results.parent.exists()
    text = capsys.readouterr().out
    assert "01_fits compiled (ok" in text and "02_broken compiled (exit 3" in text


def test_unknown_step_is_an_input_error_before_anything_runs(tmp_path):
    root, log = _root(tmp_path)
    with pytest.raises(InputError):
        warmup.warm_caches(["01_fits", "99_nothing"], root=root)
    assert not log.exists()


def test_switched_off_by_environment(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(warmup, "warm_caches", lambda steps: calls.append(steps))
    monkeypatch.setenv("BAYES_IRIS_WARMUP", "0")
    assert warmup.main([]) == 0 and calls == []
    assert "skipped" in capsys.readouterr().out
    monkeypatch.setenv("BAYES_IRIS_WARMUP", "1")
    assert warmup.main(["--steps", "02_trajectories"]) == 0
    assert calls == [["02_trajectories"]]


def test_bootstrap_calls_the_warm_up_and_ci_skips_it():
    root = Path(__file__).resolve().parents[2]
    assert "-m bayes_iris.pipeline.warmup" in (root / "scripts" / "bootstrap.sh").read_text()
    assert "export BAYES_IRIS_WARMUP=0" in (root / ".ci" / "run").read_text()
