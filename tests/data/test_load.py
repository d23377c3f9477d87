"""Reading trial folders (bayes_iris.data.load): missing, empty, oversized, non-UTF-8,
non-comma, ragged and binary files are refused with the file and the editor line; Parquet rows follow
the CSV convention."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from bayes_iris.data import load_bundled, load_trial, write_trial

from .conftest import Expected, find_problem, get_cell, problems_of, set_cell

# --------------------------------------------------------------------------------------------
# Corruption corpus of files: corrupt(folder) -> expected (file, row, column, message)
# --------------------------------------------------------------------------------------------


def c_missing_file(d: Path) -> Expected:
    (d / "labs.csv").unlink()
    return None, None, None, "missing table 'labs'"


def c_empty_file(d: Path) -> Expected:
    (d / "patients.csv").write_bytes(b"")
    return "patients.csv", None, None, "file is empty"


def c_blank_file(d: Path) -> Expected:
    (d / "outcomes.csv").write_text("\n\n  \n", encoding="utf-8")
    return "outcomes.csv", None, None, "file is empty"


def c_semicolon(d: Path) -> Expected:
    p = d / "patients.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    return "patients.csv", 1, None, "not comma-separated"


def c_latin1(d: Path) -> Expected:
    p = d / "patients.csv"
    lines = p.read_bytes().split(b"\n")
    lines[4] = (
        lines[4]
        .replace(b"US-", "Hôp-".encode("latin-1"), 1)
        .replace(b"FR-", "Hôp-".encode("latin-1"), 1)
    )
    p.write_bytes(b"\n".join(lines))
    return "patients.csv", 5, None, "not UTF-8"


def c_ragged_row(d: Path) -> Expected:
    p = d / "labs.csv"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[6] += ",1"
    p.write_text("\n".join(lines), encoding="utf-8")
    return "labs.csv", 7, None, "fields but the header has"


def c_both_formats(d: Path) -> Expected:
    pd.read_csv(d / "outcomes.csv").to_parquet(d / "outcomes.parquet")
    return None, None, None, "both outcomes.csv and outcomes.parquet exist"


def c_binary_file(d: Path) -> Expected:
    (d / "outcomes.csv").write_bytes(b"patient_id,death_day\n\x00\x01\x02,\n")
    return "outcomes.csv", 2, None, "NUL bytes"


CORPUS: dict[str, Callable[[Path], Expected]] = {
    name.removeprefix("c_"): fn
    for name, fn in globals().items()
    if name.startswith("c_") and callable(fn)
}


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_corruption_is_rejected_with_location(kind: str, trial_dir: Path):
    file, row, column, text = CORPUS[kind](trial_dir)
    problems = problems_of(trial_dir)
    find_problem(problems, file, row, column, text)


def test_corpus_is_broad():
    assert len(CORPUS) >= 8


def test_huge_file_is_refused_with_clear_message(trial_dir: Path):
    problems = problems_of(trial_dir, max_bytes=1000)
    p = find_problem(problems, "labs.csv", None, None, "file is too large")
    assert "max_bytes" in p.hint


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path):
    find_problem(problems_of(tmp_path / "nope"), None, None, None, "does not exist")
    f = tmp_path / "file.csv"
    f.write_text("a\n1\n")
    find_problem(problems_of(f), None, None, None, "not a folder")


def test_blank_lines_keep_editor_line_numbers(trial_dir: Path):
    """A blank line shifts the records below it; rows still match the editor's line numbers."""
    p = trial_dir / "labs.csv"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines.insert(3, "")  # line 4 is now blank
    fields = lines[6].split(",")  # line 7
    fields[2] = "oops"
    lines[6] = ",".join(fields)
    p.write_text("\n".join(lines), encoding="utf-8")
    problems = problems_of(trial_dir)
    find_problem(problems, "labs.csv", 7, "alc", "'oops'")


def test_utf8_bom_and_crlf_are_accepted(trial_dir: Path):
    p = trial_dir / "patients.csv"
    text = p.read_text(encoding="utf-8").replace("\n", "\r\n")
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_trial(trial_dir).n_patients == 27


def test_parquet_problem_rows_follow_the_csv_convention(tmp_path: Path):
    trial = load_bundled()
    out = write_trial(trial, tmp_path / "pq", fmt="parquet")
    labs = pd.read_parquet(out / "labs.parquet")
    labs.loc[4, "alc"] = -1.0  # 5th record -> row 6
    labs.to_parquet(out / "labs.parquet", index=False)
    find_problem(problems_of(out), "labs.parquet", 6, "alc", "must be > 0")


def test_corrupt_parquet_is_reported(tmp_path: Path):
    out = write_trial(load_bundled(), tmp_path / "pq", fmt="parquet")
    (out / "outcomes.parquet").write_bytes(b"PAR1 this is not parquet")
    find_problem(problems_of(out), "outcomes.parquet", None, None, "cannot read Parquet")


def test_corpus_helpers_edit_the_intended_cell(trial_dir: Path):
    """Guard for the corpus itself: set_cell changes exactly one cell."""
    before = (trial_dir / "labs.csv").read_text(encoding="utf-8").split("\n")
    set_cell(trial_dir / "labs.csv", 3, "alc", "123.0")
    after = (trial_dir / "labs.csv").read_text(encoding="utf-8").split("\n")
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [2]
    assert get_cell(trial_dir / "labs.csv", 3, "alc") == "123.0"
