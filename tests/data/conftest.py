"""Fixtures and helpers of the data area: editable copies of the bundled SYNTHETIC trial, cell
editing, and finding a problem by its location."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bayes_iris.data import bundled_path, load_trial
from bayes_iris.errors import InputError, Problem

# what a corruption case expects: (file name, row, column, part of the message); None = any
Expected = tuple[str | None, int | None, str | None, str]


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


def problems_of(folder: Path, **kwargs) -> list[Problem]:
    """The problems :func:`load_trial` raises for ``folder`` (fails if it loads)."""
    with pytest.raises(InputError) as info:
        load_trial(folder, **kwargs)
    return info.value.problems


def find_problem(
    problems: list[Problem], file: str | None, row: int | None, column: str | None, text: str
) -> Problem:
    """The first problem at (file, row, column) whose message contains ``text``; it must have a
    hint. Fails, listing them all, if there is none."""
    for p in problems:
        if (
            (file is None or (p.file is not None and Path(str(p.file)).name == file))
            and (row is None or p.row == row)
            and (column is None or p.column == column)
            and text in p.message
        ):
            assert p.hint, f"problem without a hint: {p}"
            return p
    raise AssertionError(
        f"no problem ({file}, {row}, {column}, {text!r}) among:\n" + "\n".join(map(str, problems))
    )


def dead_patient(folder: Path) -> tuple[str, int]:
    """A patient of ``folder`` who died before day 80, and the day."""
    out = pd.read_csv(folder / "outcomes.csv", dtype={"patient_id": str})
    row = out[out["death_day"].notna() & (out["death_day"] < 80)].iloc[0]
    return str(row["patient_id"]), int(row["death_day"])
