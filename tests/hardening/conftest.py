"""Fixtures of the hardening tests (issue #7). Helpers live in ``hardening_helpers.py``.

pytest runs with ``--import-mode=importlib``: this folder is put on ``sys.path`` here so that the
test modules can ``import hardening_helpers``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import hardening_helpers as H  # noqa: E402


@pytest.fixture
def good_trial(tmp_path: Path) -> Path:
    """A fresh, valid copy of the bundled SYNTHETIC trial folder."""
    return H.copy_bundled(tmp_path / "trial")


@pytest.fixture
def in_tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty working folder (default results folders land here)."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work
