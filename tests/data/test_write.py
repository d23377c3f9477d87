"""Writing trial folders (bayes_iris.data.write): validated first, nothing written on error,
lossless round trips (CSV and Parquet)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes_iris.data import load_bundled, load_trial, simulate_trial, write_trial
from bayes_iris.errors import InputError


def test_write_trial_refuses_invalid_data_and_writes_nothing(tmp_path: Path):
    trial = load_bundled()
    pats = trial.patients.copy()
    pats.loc[0, "sex"] = "?"
    bad = type(trial)(
        meta=trial.meta,
        patients=pats,
        labs=trial.labs,
        adverse_events=trial.adverse_events,
        outcomes=trial.outcomes,
    )
    dest = tmp_path / "out"
    with pytest.raises(InputError):
        write_trial(bad, dest)
    assert not dest.exists()
    assert not list(tmp_path.iterdir())


def test_write_trial_refuses_non_empty_destination(tmp_path: Path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("precious")
    with pytest.raises(InputError) as info:
        write_trial(load_bundled(), dest)
    assert "not empty" in str(info.value)
    assert (dest / "keep.txt").read_text() == "precious"


def test_parquet_tables_round_trip(tmp_path: Path):
    trial = load_bundled()
    out = write_trial(trial, tmp_path / "pq", fmt="parquet")
    assert (out / "labs.parquet").exists() and not (out / "labs.csv").exists()
    again = load_trial(out)
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(again, t), getattr(trial, t))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**9))
def test_round_trip_for_any_seed(seed):
    sim = simulate_trial(seed)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load_trial(write_trial(sim, Path(tmp) / "t"))
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(loaded, t), getattr(sim.data, t))
