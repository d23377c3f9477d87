"""Fixtures of the trajectory tests."""

import pytest

from bayes_iris.data import simulate_trial


@pytest.fixture(scope="session")
def sim1():
    """One IRIS-7-like synthetic replicate with its truth."""
    return simulate_trial(11)
