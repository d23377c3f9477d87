"""Untrusted trial names never become paths: a safe, stable slug, verified to stay inside
``results/`` — checked on the function and on the filesystem after the data step and the
pipeline ran on trials whose ``trial.yaml`` names are hostile."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from bayes_iris.errors import InputError
from bayes_iris.paths import results_folder, trial_slug

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ["../escaped-trial", "/tmp/absolute-trial", "a/b/c", "a\\b\\..\\c", "..", ".",
           "</script><script>alert(1)</script>", "trial\x00name", "~/home", "-rf", "é/ü",
           "x" * 300]


@pytest.mark.parametrize("name", HOSTILE)
def test_slug_is_one_safe_folder_name(name):
    slug = trial_slug(name)
    assert slug and slug == trial_slug(name)  # stable
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in slug)
    assert not slug.startswith((".", "-")) and slug not in (".", "..")
    assert len(slug) <= 64 + 9
    folder = results_folder(name, "results")
    assert folder.parent == Path("results") and folder.name == slug


def test_distinct_names_get_distinct_slugs_and_clean_names_stay():
    slugs = {trial_slug(n) for n in [*HOSTILE, "a b c", "a-b-c"]}
    assert len(slugs) == len(HOSTILE) + 2
    assert trial_slug("iris7-synthetic") == "iris7-synthetic"
    assert trial_slug("../escaped-trial") == "escaped-trial-416a47ec"  # stable across releases


def _hostile_trial(tmp_path: Path, name: str) -> Path:
    from bayes_iris.data import bundled_path

    folder = tmp_path / "trial"
    folder.mkdir()
    for f in bundled_path().iterdir():
        if f.is_file() and f.name != "SHA256SUMS":
            (folder / f.name).write_bytes(f.read_bytes())
    text = (folder / "trial.yaml").read_text()
    (folder / "trial.yaml").write_text(text.replace("name: iris7-synthetic",
                                                    f"name: {name!r}".replace("'", '"'), 1))
    return folder


def _snapshot(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def _data_step():
    spec = importlib.util.spec_from_file_location("data01", ROOT / "analyses" / "01_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", ["../x", "/tmp/bayes-iris-abs", "a/b", "a\\..\\b", "..",
                                  "</script><b>"])
def test_data_step_writes_only_under_results_slug(tmp_path, monkeypatch, name):
    from bayes_iris.data import load_trial

    trial = _hostile_trial(tmp_path, name)
    assert load_trial(trial).meta.name == name  # the name itself is kept, as data
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _snapshot(tmp_path)
    outside_abs = Path("/tmp/bayes-iris-abs")
    existed = outside_abs.exists()
    assert _data_step().main(["--data", str(trial)]) == 0
    new = _snapshot(tmp_path) - before
    base = work / "results" / trial_slug(name)
    assert new and all(p == work / "results" or p.is_relative_to(base) for p in new), sorted(new)
    assert (base / "tables" / "consort.csv").is_file()
    assert outside_abs.exists() == existed
    assert not (tmp_path / "x").exists()
    assert os.listdir(work) == ["results"]


def test_pipeline_default_results_folder_is_the_slug(tmp_path, monkeypatch):
    """``bayes-iris run`` without ``--results`` on a trial named ``../x``: one folder
    ``results/x-<hash>/`` under the working folder, nothing next to it."""
    from bayes_iris.cli import main

    trial = _hostile_trial(tmp_path, "../x")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _snapshot(tmp_path)
    assert main(["run", "--data", str(trial), "--step", "01", "--fast"]) == 0
    new = _snapshot(tmp_path) - before
    base = work / "results" / trial_slug("../x")
    assert all(p == work / "results" or p.is_relative_to(base) for p in new), sorted(new)
    assert (base / "pipeline.json").is_file() and not (tmp_path / "x").exists()


def test_results_folder_refuses_to_leave_the_base(monkeypatch):
    import bayes_iris.paths as P

    monkeypatch.setattr(P, "trial_slug", lambda name: "../outside")
    with pytest.raises(InputError, match="inside"):
        P.results_folder("whatever", "results")
