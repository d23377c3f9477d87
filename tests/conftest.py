"""Shared test configuration. Area fixtures live in tests/<area>/conftest.py."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
