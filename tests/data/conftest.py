"""Fixtures of the data area: editable copies of the bundled SYNTHETIC trial."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from bayes_iris.data import bundled_path


def copy_bundled(dest: Path) -> Path:
    """Copy the bundled trial folder to ``dest`` (a new folder) and return it."""
    shutil.copytree(bundled_path(), dest)
    return dest


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    """A fresh, writable copy of the bundled trial."""
    return copy_bundled(tmp_path / "trial")


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set the cell on 1-based ``line`` (header = 1) of ``column`` to ``value``."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def get_cell(path: Path, line: int, column: str) -> str:
    rows = read_rows(path)
    return rows[line - 1][rows[0].index(column)]
