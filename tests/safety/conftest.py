"""Fixtures of the safety area: small synthetic AE data sets with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_iris import seeds

SIGNAL = ("SOC A", "signal")
#: (soc, term, placebo risk, true log OR): one strong signal, the rest null.
TRUTH = [
    ("SOC A", "signal", 0.10, 2.5),
    ("SOC A", "null a2", 0.20, 0.0),
    ("SOC A", "null a3", 0.15, 0.0),
    ("SOC B", "null b1", 0.25, 0.0),
    ("SOC B", "null b2", 0.10, 0.0),
    ("SOC C", "null c1", 0.20, 0.0),
    ("SOC C", "null c2", 0.30, 0.0),
]


def simulate_incidence(seed: int, n_per_arm: int = 80, truth=TRUTH) -> pd.DataFrame:
    """Binomial AE incidence per term and arm drawn from ``truth`` (stream "test.ae.sim")."""
    rng = seeds.rng(seed, "test.ae.sim")
    rows = []
    for soc, term, p0, lor in truth:
        lo = np.log(p0 / (1 - p0))
        p1 = 1 / (1 + np.exp(-(lo + lor)))
        rows.append(dict(soc=soc, term=term, n_placebo=int(rng.binomial(n_per_arm, p0)),
                         N_placebo=n_per_arm, n_cyt107=int(rng.binomial(n_per_arm, p1)),
                         N_cyt107=n_per_arm))
    df = pd.DataFrame(rows)
    df["events_placebo"] = df.n_placebo
    df["events_cyt107"] = df.n_cyt107
    df["exposure_placebo"] = 30.0 * n_per_arm
    df["exposure_cyt107"] = 30.0 * n_per_arm
    return df


@pytest.fixture(scope="session")
def ae_data() -> pd.DataFrame:
    return simulate_incidence(2024)


@pytest.fixture(scope="session")
def bb_and_1a_fits(ae_data):
    """One point-mass fit and one model-1a fit of the same data (fast budgets)."""
    from bayes_iris.safety.analysis import run

    bb = run(ae_data, kinds=("bb",), fast=True, seed=7)
    m1a = run(ae_data, kinds=("1a",), fast=True, seed=7)
    return bb, m1a


@pytest.fixture(scope="session")
def simulate_ae():
    """The simulator itself (test modules cannot import conftest under importlib mode)."""
    return simulate_incidence


@pytest.fixture(scope="session")
def ae_truth():
    return TRUTH
