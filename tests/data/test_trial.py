"""The in-memory trial contract (bayes_iris.data.trial): the one time basis and the provenance banner."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bayes_iris.data import load_bundled, ramp_bases
from bayes_iris.data.trial import Provenance


@pytest.mark.parametrize(
    ("day", "d", "expected"),
    [
        (0, 28, (0.0, 0.0)),
        (7, 28, (0.25, 0.0)),
        (28, 28, (1.0, 0.0)),
        (29, 28, (1.0, 1 / 28)),
        (90, 28, (1.0, 62 / 28)),
        (10, 5, (1.0, 1.0)),
    ],
)
def test_ramp_bases_by_hand(day, d, expected):
    """r1 = min(t, D)/D rises to 1 at the end of dosing; r2 = max(t - D, 0)/D counts dosing periods
    after it (values worked out by hand)."""
    r1, r2 = ramp_bases(day, d)
    assert type(r1) is float and type(r2) is float  # a scalar day gives plain floats
    assert (r1, r2) == pytest.approx(expected, abs=1e-15)


@settings(max_examples=50, deadline=None)
@given(
    days=st.lists(st.floats(0, 365, allow_nan=False), min_size=1, max_size=20),
    d=st.integers(1, 60),
)
def test_ramp_bases_array_is_elementwise_and_continuous_at_the_knot(days, d):
    r1, r2 = ramp_bases(np.array(days), d)
    assert r1.shape == r2.shape == (len(days),)
    for t, a, b in zip(days, r1, r2, strict=True):
        assert (a, b) == ramp_bases(t, d)
        # the piecewise-linear mean passes through D continuously: r1 + r2 = t/D
        assert a + b == pytest.approx(t / d, rel=1e-12, abs=1e-12)
        assert 0 <= a <= 1 and b >= 0 and (a == 1 or b == 0)


def test_provenance_label_says_synthetic_or_real():
    trial = load_bundled()
    assert trial.is_synthetic
    assert trial.provenance_label.startswith("SYNTHETIC DATA")
    assert f"seed {trial.meta.provenance.seed}" in trial.provenance_label
    assert "not IRIS-7 patient data" in trial.provenance_label
    real = type(trial)(
        meta=trial.meta.model_copy(
            update={"provenance": Provenance(kind="real", source="data holder X")}
        ),
        patients=trial.patients,
        labs=trial.labs,
        adverse_events=trial.adverse_events,
        outcomes=trial.outcomes,
    )
    assert not real.is_synthetic
    assert real.provenance_label.startswith("Real patient-level data") and "SYNTH" not in (
        real.provenance_label
    )
