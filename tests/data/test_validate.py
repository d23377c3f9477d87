"""Parsing and value checks (bayes_iris.data.validate): every bad cell is reported at its file,
editor line and column; all problems are collected; extension and optional columns; in-memory trials."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayes_iris.data import load_bundled, load_trial, validate_data
from bayes_iris.errors import InputError

from .conftest import (
    Expected,
    copy_bundled,
    find_problem,
    problems_of,
    read_rows,
    set_cell,
    write_rows,
)

# --------------------------------------------------------------------------------------------
# Corruption corpus of cells and headers
# --------------------------------------------------------------------------------------------


def c_missing_required_column(d: Path) -> Expected:
    p = d / "patients.csv"
    rows = read_rows(p)
    k = rows[0].index("arm")
    write_rows(p, [r[:k] + r[k + 1 :] for r in rows])
    return "patients.csv", 1, "arm", "missing required column"


def c_unknown_column(d: Path) -> Expected:
    p = d / "patients.csv"
    rows = read_rows(p)
    rows[0][rows[0].index("sofa")] = "sofa_score"
    write_rows(p, rows)
    return "patients.csv", 1, "sofa_score", "unknown column"


def c_text_in_number(d: Path) -> Expected:
    set_cell(d / "labs.csv", 3, "alc", "abc")
    return "labs.csv", 3, "alc", "'abc' is not a number"


def c_decimal_comma(d: Path) -> Expected:
    set_cell(d / "labs.csv", 4, "cd4", "123,4")
    return "labs.csv", 4, "cd4", "is not a number"


def c_fractional_int(d: Path) -> Expected:
    set_cell(d / "patients.csv", 6, "age", "62.5")
    return "patients.csv", 6, "age", "not a whole number"


def c_infinite(d: Path) -> Expected:
    set_cell(d / "labs.csv", 9, "cd8", "inf")
    return "labs.csv", 9, "cd8", "not a finite number"


def c_missing_required_value(d: Path) -> Expected:
    set_cell(d / "patients.csv", 3, "sex", "")
    return "patients.csv", 3, "sex", "missing value"


def c_nan_in_required_int(d: Path) -> Expected:
    set_cell(d / "outcomes.csv", 5, "last_follow_up_day", "NaN")
    return "outcomes.csv", 5, "last_follow_up_day", "missing value"


def c_negative_count(d: Path) -> Expected:
    set_cell(d / "labs.csv", 10, "alc", "-5")
    return "labs.csv", 10, "alc", "must be > 0"


def c_zero_count(d: Path) -> Expected:
    set_cell(d / "labs.csv", 11, "cd4", "0")
    return "labs.csv", 11, "cd4", "must be > 0"


def c_grade_out_of_range(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 4, "grade", "7")
    return "adverse_events.csv", 4, "grade", "must be ≤ 5"


def c_grade_zero(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 5, "grade", "0")
    return "adverse_events.csv", 5, "grade", "must be ≥ 1"


def c_bad_bool(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 2, "serious", "maybe")
    return "adverse_events.csv", 2, "serious", "not true/false"


def c_bad_sex(d: Path) -> Expected:
    set_cell(d / "patients.csv", 8, "sex", "female")
    return "patients.csv", 8, "sex", "must be one of F, M"


def c_duplicate_patient(d: Path) -> Expected:
    p = d / "patients.csv"
    rows = read_rows(p)
    rows.append(list(rows[3]))
    write_rows(p, rows)
    return "patients.csv", len(rows), "patient_id", "duplicate row"


def c_duplicate_lab_day(d: Path) -> Expected:
    p = d / "labs.csv"
    rows = read_rows(p)
    rows.insert(5, list(rows[4]))
    write_rows(p, rows)
    return "labs.csv", 6, "patient_id, study_day", "duplicate row"


def c_negative_day(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 6, "onset_day", "-3")
    return "adverse_events.csv", 6, "onset_day", "must be ≥ 0"


def c_empty_column_name(d: Path) -> Expected:
    p = d / "patients.csv"
    rows = read_rows(p)
    write_rows(p, [[*r, ""] for r in rows])
    return "patients.csv", 1, None, "empty column name"


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
    assert len(CORPUS) >= 18


def test_all_problems_are_collected(trial_dir: Path):
    """Problems in several files are all reported in one error, not just the first."""
    set_cell(trial_dir / "labs.csv", 3, "alc", "abc")
    set_cell(trial_dir / "patients.csv", 4, "sex", "X")
    set_cell(trial_dir / "adverse_events.csv", 5, "grade", "9")
    set_cell(trial_dir / "labs.csv", 8, "cd4", "-1")
    problems = problems_of(trial_dir)
    find_problem(problems, "labs.csv", 3, "alc", "not a number")
    find_problem(problems, "patients.csv", 4, "sex", "must be one of")
    find_problem(problems, "adverse_events.csv", 5, "grade", "must be ≤ 5")
    find_problem(problems, "labs.csv", 8, "cd4", "must be > 0")


def test_problem_list_is_capped(trial_dir: Path):
    p = trial_dir / "labs.csv"
    rows = read_rows(p)
    for r in rows[1:]:
        r[2] = "x"
        r[3] = "y"
    write_rows(p, rows)
    problems = problems_of(trial_dir)
    assert len(problems) <= 201
    assert "more problems not shown" in problems[-1].message


def test_extension_columns_are_kept(trial_dir: Path):
    p = trial_dir / "patients.csv"
    rows = read_rows(p)
    rows[0].append("x_weight_kg")
    for r in rows[1:]:
        r.append("70")
    write_rows(p, rows)
    trial = load_trial(trial_dir)
    assert trial.patients["x_weight_kg"].eq("70").all()


def test_optional_columns_may_be_absent(trial_dir: Path):
    p = trial_dir / "labs.csv"
    rows = read_rows(p)
    keep = [rows[0].index(c) for c in ("patient_id", "study_day", "alc")]
    write_rows(p, [[r[k] for k in keep] for r in rows])
    trial = load_trial(trial_dir)
    assert trial.labs["cd4"].isna().all() and not trial.labs["alc_bdl"].any()
    assert trial.labs["alc_bdl"].dtype == bool


def test_header_only_adverse_events_is_valid(trial_dir: Path):
    p = trial_dir / "adverse_events.csv"
    p.write_text(p.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    trial = load_trial(trial_dir)
    assert len(trial.adverse_events) == 0
    assert trial.adverse_events["grade"].dtype == np.int64


def test_validate_data_in_memory_names_csv_rows():
    trial = load_bundled()
    labs = trial.labs.copy()
    labs.loc[2, "alc"] = -3.0
    bad = type(trial)(
        meta=trial.meta,
        patients=trial.patients,
        labs=labs,
        adverse_events=trial.adverse_events,
        outcomes=trial.outcomes,
    )
    with pytest.raises(InputError) as info:
        validate_data(bad)
    find_problem(info.value.problems, "labs.csv", 4, "alc", "must be > 0")


# --------------------------------------------------------------------------------------------
# Property (hypothesis): any corrupted value is reported at its cell
# --------------------------------------------------------------------------------------------


TARGETS = [
    ("labs.csv", "alc", "count"),
    ("labs.csv", "cd4", "count"),
    ("labs.csv", "cd8", "count"),
    ("labs.csv", "study_day", "day"),
    ("patients.csv", "age", "int"),
    ("patients.csv", "sofa", "int"),
    ("adverse_events.csv", "grade", "grade"),
    ("adverse_events.csv", "onset_day", "day"),
    ("outcomes.csv", "last_follow_up_day", "day"),
    ("labs.csv", "alc_bdl", "bool"),
    ("adverse_events.csv", "serious", "bool"),
]


NOT_A_NUMBER = st.text(alphabet="abcdefghijklmopqrsuvwxyz%#?", min_size=1, max_size=6).map(
    lambda s: "x" + s
)


def bad_values(kind: str) -> st.SearchStrategy[str]:
    common = [NOT_A_NUMBER, st.sampled_from(["inf", "-inf", "1e400"])]
    if kind == "count":
        return st.one_of(
            *common, st.floats(max_value=0, allow_nan=False, allow_infinity=False).map(repr)
        )
    if kind == "day":
        return st.one_of(
            *common,
            st.integers(max_value=-1).map(str),
            st.floats(0.01, 80.99).filter(lambda x: x != round(x)).map(repr),
        )
    if kind == "int":
        return st.one_of(
            *common,
            st.integers(max_value=-1).map(str),
            st.integers(min_value=200, max_value=10**6).map(str),
        )
    if kind == "grade":
        return st.one_of(*common, st.sampled_from(["0", "6", "2.5", "-1", "10"]))
    return st.one_of(NOT_A_NUMBER, st.sampled_from(["2", "-1", "maybe", "TRUE?"]))


@st.composite
def corruptions(draw):
    file, column, kind = draw(st.sampled_from(TARGETS))
    value = draw(bad_values(kind))
    position = draw(st.floats(0, 1, exclude_max=True))
    return file, column, value, position


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions())
def test_any_corrupted_value_is_reported_at_its_cell(corruption):
    file, column, value, position = corruption
    with tempfile.TemporaryDirectory() as tmp:
        d = copy_bundled(Path(tmp) / "t")
        n_lines = len(read_rows(d / file))
        line = 2 + int(position * (n_lines - 1))
        set_cell(d / file, line, column, value)
        with pytest.raises(InputError) as info:
            load_trial(d)
    hits = [
        p
        for p in info.value.problems
        if p.row == line and p.column == column and str(p.file).endswith(file)
    ]
    assert hits, f"{value!r} at {file}:{line}:{column} not reported: {info.value}"
    assert all(p.hint for p in hits)
