"""Cross-table rules (bayes_iris.data.consistency): each broken rule is reported at its file, row
and column."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_iris.data import TrialMeta, consistency, load_bundled
from bayes_iris.data.consistency import RULES, Tables, check_consistency
from bayes_iris.data.schema import TABLE_ORDER
from bayes_iris.errors import ProblemList

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


# --------------------------------------------------------------------------------------------
# Each rule on its own, on the bundled trial's frames (indexed by CSV line as when loaded)
# --------------------------------------------------------------------------------------------


def _frames() -> tuple[TrialMeta, dict[str, pd.DataFrame]]:
    trial = load_bundled()
    frames = {}
    for t in TABLE_ORDER:
        df = getattr(trial, t)
        frames[t] = df.set_axis(range(2, len(df) + 2)).copy()
    return trial.meta, frames


def _dead(f: dict[str, pd.DataFrame]) -> tuple[str, int]:
    out = f["outcomes"]
    row = out[out["death_day"].notna() & (out["death_day"] < 80)].iloc[0]
    return row["patient_id"], int(row["death_day"])


def _alive(f: dict[str, pd.DataFrame]) -> int:
    """Line of an outcomes row of a patient alive at the end, discharged from the ICU."""
    out = f["outcomes"]
    return out.index[out["death_day"].isna() & out["icu_discharge_day"].notna()][0]


def _set(table: str, line: int, column: str, value) -> Callable:
    def edit(f: dict[str, pd.DataFrame]) -> None:
        f[table].loc[line, column] = value

    return edit


def _lab_after_death(f):
    pid, death = _dead(f)
    line = f["labs"].index[f["labs"]["patient_id"] == pid][0]
    f["labs"].loc[line, "study_day"] = death + 1


def _event_after_last_follow_up(f):
    line = _alive(f)
    f["outcomes"].loc[line, "last_follow_up_day"] = 60
    f["outcomes"].loc[line, "icu_discharge_day"] = 61


def _hospital_before_icu(f):
    line = _alive(f)
    icu = f["outcomes"].loc[line, "icu_discharge_day"]
    f["outcomes"].loc[line, "hospital_discharge_day"] = icu - 1


def _bdl_without_value(f):
    f["labs"].loc[5, "cd8"] = np.nan
    f["labs"].loc[5, "cd8_bdl"] = True


def _fatal_alive(f):
    alive = f["outcomes"].loc[_alive(f), "patient_id"]
    line = f["adverse_events"].index[0]
    f["adverse_events"].loc[line, ["patient_id", "grade"]] = [alive, 5]


def _no_baseline(f):
    labs = f["labs"]
    line = labs.index[labs["study_day"] == 0][0]
    labs.loc[line, "alc"] = np.nan


def _all_cyt107(f):
    f["patients"]["arm"] = "cyt107"


def _no_patients(f):
    f["patients"] = f["patients"].iloc[:0]


def _drop_outcome(f):
    f["outcomes"] = f["outcomes"].drop(index=8)


# rule -> (edit of the frames, column of the problem, part of its message)
RULE_CASES: dict[str, tuple[Callable, str | None, str]] = {
    "arms_and_regimens_are_declared": (_set("patients", 2, "arm", "il7"), "arm", "not declared"),
    "every_arm_has_patients": (_all_cyt107, "arm", "no patient in arm 'placebo'"),
    "trial_has_patients": (_no_patients, None, "no patients"),
    "outcomes_are_of_known_patients": (
        _set("outcomes", 2, "patient_id", "Z1"),
        "patient_id",
        "'Z1' is not in patients",
    ),
    "every_patient_has_outcomes": (_drop_outcome, "patient_id", "has no outcomes row"),
    "outcome_days_within_follow_up": (
        _set("outcomes", 3, "secondary_infection_day", 95),
        "secondary_infection_day",
        "after the end of follow-up (day 90)",
    ),
    "death_ends_follow_up": (
        lambda f: f["outcomes"].__setitem__(
            "last_follow_up_day", f["outcomes"]["death_day"].fillna(89).astype(int) + 1
        ),
        "last_follow_up_day",
        "differs from death_day",
    ),
    "outcome_events_end_at_death_or_last_follow_up": (
        _event_after_last_follow_up,
        "icu_discharge_day",
        "is after last_follow_up_day 60",
    ),
    "hospital_discharge_after_icu_discharge": (
        _hospital_before_icu,
        "hospital_discharge_day",
        "before ICU discharge",
    ),
    "labs_are_of_known_patients": (
        _set("labs", 12, "patient_id", "X999"),
        "patient_id",
        "'X999' is not in patients",
    ),
    "lab_days_within_follow_up": (_set("labs", 2, "study_day", 120), "study_day", "day 120"),
    "lab_draws_end_at_death_or_last_follow_up": (_lab_after_death, "study_day", "after death"),
    "below_detection_has_a_value": (_bdl_without_value, "cd8_bdl", "cd8_bdl is true"),
    "every_patient_has_baseline_alc": (_no_baseline, "alc", "has no baseline"),
    "adverse_events_are_of_known_patients": (
        _set("adverse_events", 3, "patient_id", "S9999"),
        "patient_id",
        "'S9999' is not in patients",
    ),
    "onset_within_follow_up_and_life": (
        _set("adverse_events", 4, "onset_day", 95),
        "onset_day",
        "onset day 95 is after the end of follow-up",
    ),
    "fatal_events_only_for_deaths": (_fatal_alive, "grade", "grade 5 (fatal)"),
}

ALL_RULES = {rule.__name__: rule for group in RULES for rule in group}


def test_every_rule_is_registered_once_documented_and_tested_here():
    names = [rule.__name__ for group in RULES for rule in group]
    assert len(names) == len(set(names))
    public = {
        name
        for name, obj in vars(consistency).items()
        if inspect.isfunction(obj)
        and obj.__module__ == consistency.__name__
        and not name.startswith("_")
        and list(inspect.signature(obj).parameters) == ["t"]
    }
    assert public == set(names), "a rule function missing from RULES (or RULES has a stranger)"
    for rule in ALL_RULES.values():
        assert rule.__doc__ and len(rule.__doc__.split()) >= 5, rule.__name__
    assert set(RULE_CASES) == set(names)


def test_no_rule_fires_on_the_bundled_trial():
    meta, frames = _frames()
    tables = Tables.build(meta, frames)
    found = {name: [str(p) for p in rule(tables)] for name, rule in ALL_RULES.items()}
    assert {name: problems for name, problems in found.items() if problems} == {}


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_each_rule_finds_its_own_breach(name: str):
    meta, frames = _frames()
    edit, column, text = RULE_CASES[name]
    edit(frames)
    found = list(ALL_RULES[name](Tables.build(meta, frames)))
    assert found, f"{name} found nothing"
    hits = [p for p in found if p.column == column and text in p.message]
    assert hits, [str(p) for p in found]
    assert all(p.hint and p.file for p in found)


def test_a_patient_unknown_to_patients_gets_only_that_problem():
    """Rows of an unknown patient are not checked against a timeline that does not exist."""
    meta, frames = _frames()
    frames["labs"].loc[4, ["patient_id", "study_day"]] = ["X1", 200]
    problems = ProblemList()
    check_consistency(meta, frames, {t: f"{t}.csv" for t in TABLE_ORDER}, problems)
    assert [(p.row, p.column, p.message) for p in problems.items if p.row == 4] == [
        (4, "patient_id", "patient 'X1' is not in patients")
    ]


def test_problems_are_reported_row_by_row_within_a_table():
    """Within the labs rules, problems come in file order whichever rule found them."""
    meta, frames = _frames()
    labs = frames["labs"]
    labs.loc[9, "study_day"] = 150  # lab_days_within_follow_up
    labs.loc[5, ["cd4", "cd4_bdl"]] = [np.nan, True]  # below_detection_has_a_value
    labs.loc[7, "patient_id"] = "X7"  # labs_are_of_known_patients
    problems = ProblemList()
    check_consistency(meta, frames, {t: f"{t}.csv" for t in TABLE_ORDER}, problems)
    rows = [(p.row, p.column) for p in problems.items if p.file == "labs.csv"]
    assert rows[:3] == [(5, "cd4_bdl"), (7, "patient_id"), (9, "study_day")]


def test_rules_over_all_patients_name_twenty_then_count():
    meta, frames = _frames()
    frames["outcomes"] = frames["outcomes"].iloc[:0]
    found = list(consistency.every_patient_has_outcomes(Tables.build(meta, frames)))
    assert len(found) == consistency.MAX_LISTED + 1 == 21
    assert found[-1].message == "... and 7 more patients without an outcomes row"
