"""The bundled SYNTHETIC trial (bayes_iris.data.bundle): regenerates from its seed byte for byte,
matches its SHA256SUMS and the published design, and no test edits it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from bayes_iris.data import bundled_path, load_bundled, load_trial
from bayes_iris.data import published as pub
from bayes_iris.data.bundle import (
    BUNDLED_SEED,
    MANIFEST,
    build_bundled,
    bundled_trial,
    read_manifest,
)

TABLES = ("patients", "labs", "adverse_events", "outcomes")


def _frames_equal(a, b) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(
            getattr(a, t), getattr(b, t), check_exact=False, rtol=0, atol=1e-9
        )


def test_bundled_files_regenerate_from_the_seed(tmp_path: Path):
    """Re-generating from the seed reproduces the shipped files (parsed, and byte for byte)."""
    shipped = load_bundled()
    assert shipped.meta.provenance.seed == BUNDLED_SEED
    _frames_equal(load_trial(build_bundled(tmp_path / "regen")), shipped)
    _frames_equal(bundled_trial().data, shipped)
    recorded = read_manifest(bundled_path())
    assert recorded == read_manifest(tmp_path / "regen")


def test_bundled_files_match_recorded_sha256():
    folder = bundled_path()
    recorded = read_manifest(folder)
    assert set(recorded) == {p.name for p in folder.iterdir() if p.name != MANIFEST}
    for name, digest in recorded.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_bundled_design_matches_published_arm_sizes():
    trial = load_bundled()
    counts = trial.patients["arm"].value_counts()
    assert counts["cyt107"] == pub.IRIS7_ARMS.cyt107 and counts["placebo"] == pub.IRIS7_ARMS.placebo
    regimens = trial.patients.loc[trial.patients["arm"] == "cyt107", "regimen"].value_counts()
    assert set(regimens.index) == {"weekly", "twice_weekly"} and regimens.min() >= 8
    assert sorted(trial.patients["country"].unique()) == ["FR", "US"]
    assert trial.patients["site"].nunique() == 4
    assert trial.meta.provenance.kind == "synthetic"
    assert "SYNTHETIC" in trial.provenance_label


def test_bundled_folder_untouched_by_tests():
    """The corpus works on copies; the shipped folder keeps its files."""
    names = sorted(p.name for p in bundled_path().iterdir())
    assert names == sorted(
        [
            "SHA256SUMS",
            "adverse_events.csv",
            "labs.csv",
            "outcomes.csv",
            "patients.csv",
            "trial.yaml",
            "truth.json",
        ]
    )
