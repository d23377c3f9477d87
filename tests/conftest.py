"""Shared test configuration. Area fixtures live in tests/<area>/conftest.py."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test leaves open, so that the next test does not meet
    matplotlib's "more than 20 figures" warning (warnings are errors here)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
