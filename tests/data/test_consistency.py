"""Cross-table rules (bayes_iris.data.consistency): each broken rule is reported at its file, row
and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from .conftest import (
    Expected,
    dead_patient,
    find_problem,
    problems_of,
    read_rows,
    set_cell,
    write_rows,
)

# --------------------------------------------------------------------------------------------
# Corruption corpus across tables
# --------------------------------------------------------------------------------------------


def c_unknown_arm(d: Path) -> Expected:
    set_cell(d / "patients.csv", 2, "arm", "il7")
    return "patients.csv", 2, "arm", "not declared in trial.yaml"


def c_unknown_regimen(d: Path) -> Expected:
    p = d / "patients.csv"
    line = next(i for i, r in enumerate(read_rows(p), 1) if r[1] == "cyt107")
    set_cell(p, line, "regimen", "monthly")
    return "patients.csv", line, "regimen", "'monthly' is not declared for arm 'cyt107'"


def c_placebo_with_cyt_regimen(d: Path) -> Expected:
    p = d / "patients.csv"
    line = next(i for i, r in enumerate(read_rows(p), 1) if r[1] == "placebo")
    set_cell(p, line, "regimen", "weekly")
    return "patients.csv", line, "regimen", "not declared for arm 'placebo'"


def c_unknown_patient_in_labs(d: Path) -> Expected:
    set_cell(d / "labs.csv", 12, "patient_id", "X999")
    return "labs.csv", 12, "patient_id", "'X999' is not in patients"


def c_unknown_patient_in_ae(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 3, "patient_id", "S9999")
    return "adverse_events.csv", 3, "patient_id", "'S9999' is not in patients"


def c_unknown_patient_in_outcomes(d: Path) -> Expected:
    set_cell(d / "outcomes.csv", 2, "patient_id", "Z1")
    return "outcomes.csv", 2, "patient_id", "'Z1' is not in patients"


def c_missing_outcome_row(d: Path) -> Expected:
    p = d / "outcomes.csv"
    rows = read_rows(p)
    pid = rows[7][0]
    write_rows(p, rows[:7] + rows[8:])
    return "outcomes.csv", None, "patient_id", f"'{pid}' has no outcomes row"


def c_lab_after_death(d: Path) -> Expected:
    pid, death = dead_patient(d)
    p = d / "labs.csv"
    rows = read_rows(p)
    rows.append([pid, str(death + 5), "400.0", "", "", "false", "false", "false"])
    write_rows(p, rows)
    return "labs.csv", len(rows), "study_day", "after death"


def c_lab_after_follow_up(d: Path) -> Expected:
    set_cell(d / "labs.csv", 2, "study_day", "120")
    return "labs.csv", 2, "study_day", "after the end of follow-up"


def c_ae_after_death(d: Path) -> Expected:
    pid, death = dead_patient(d)
    p = d / "adverse_events.csv"
    rows = read_rows(p)
    rows.append(
        [pid, "Cardiac disorders", "Atrial fibrillation", "2", "false", str(death + 3), "false"]
    )
    write_rows(p, rows)
    return "adverse_events.csv", len(rows), "onset_day", "after death"


def c_grade5_alive(d: Path) -> Expected:
    out = pd.read_csv(d / "outcomes.csv", dtype={"patient_id": str})
    alive = str(out.loc[out["death_day"].isna(), "patient_id"].iloc[0])
    p = d / "adverse_events.csv"
    rows = read_rows(p)
    rows.append([alive, "Cardiac disorders", "Cardiac arrest", "5", "true", "3", "false"])
    write_rows(p, rows)
    return "adverse_events.csv", len(rows), "grade", "grade 5 (fatal)"


def c_discharge_after_death(d: Path) -> Expected:
    p = d / "outcomes.csv"
    rows = read_rows(p)
    line = next(i for i, r in enumerate(rows, 1) if i > 1 and r[1] != "")
    death = int(rows[line - 1][1])
    set_cell(p, line, "icu_discharge_day", str(death + 2))
    return "outcomes.csv", line, "icu_discharge_day", "after death"


def c_last_fu_not_death(d: Path) -> Expected:
    p = d / "outcomes.csv"
    rows = read_rows(p)
    line = next(i for i, r in enumerate(rows, 1) if i > 1 and r[1] != "")
    set_cell(p, line, "last_follow_up_day", "90")
    return "outcomes.csv", line, "last_follow_up_day", "differs from death_day"


def c_bdl_without_value(d: Path) -> Expected:
    p = d / "labs.csv"
    set_cell(p, 5, "cd8", "")
    set_cell(p, 5, "cd8_bdl", "true")
    return "labs.csv", 5, "cd8_bdl", "cd8_bdl is true but cd8 is empty"


def c_no_baseline(d: Path) -> Expected:
    p = d / "labs.csv"
    rows = read_rows(p)
    pid = rows[1][0]
    write_rows(p, [rows[0], *rows[2:]])
    return "labs.csv", None, "alc", f"'{pid}' has no baseline"


def c_header_only_patients(d: Path) -> Expected:
    p = d / "patients.csv"
    p.write_text(p.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    return "patients.csv", None, None, "no patients"


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
    assert len(CORPUS) >= 16
