"""Trial-folder validation: the bundled trial passes; each kind of broken input is rejected with a
problem that names the right file, row (editor line, header = 1) and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_iris.data import bundled_path, load_bundled, load_trial, validate_data, write_trial
from bayes_iris.data.schema import TABLES, columns_table, pandera_schema
from bayes_iris.errors import InputError, Problem

from .conftest import get_cell, read_rows, set_cell, write_rows


def _problems(folder: Path, **kwargs) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_trial(folder, **kwargs)
    return info.value.problems


def _find(
    problems: list[Problem], file: str | None, row: int | None, column: str | None, text: str
) -> Problem:
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


def _dead_patient(folder: Path) -> tuple[str, int]:
    out = pd.read_csv(folder / "outcomes.csv", dtype={"patient_id": str})
    row = out[out["death_day"].notna() & (out["death_day"] < 80)].iloc[0]
    return str(row["patient_id"]), int(row["death_day"])


# --------------------------------------------------------------------------------------------
# The bundled trial is valid
# --------------------------------------------------------------------------------------------


def test_bundled_trial_is_valid_and_typed():
    trial = load_bundled()
    assert trial.is_synthetic and trial.provenance_label.startswith("SYNTHETIC")
    assert trial.n_patients == 27
    for table in TABLES:
        pandera_schema(table).validate(getattr(trial, table))  # dtypes and values
    assert trial.patients["patient_id"].is_unique
    assert 29 in trial.meta.visit_schedule and trial.meta.dosing_end_day == 28


def test_columns_table_documents_every_column():
    t = columns_table()
    for name, spec in TABLES.items():
        assert set(t.loc[t["table"] == name, "column"]) == set(spec.column_names)


# --------------------------------------------------------------------------------------------
# Corruption corpus: (name, corrupt(folder) -> expected (file, row, column, message part))
# --------------------------------------------------------------------------------------------

Expected = tuple[str | None, int | None, str | None, str]


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


def c_ragged_row(d: Path) -> Expected:
    p = d / "labs.csv"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[6] += ",1"
    p.write_text("\n".join(lines), encoding="utf-8")
    return "labs.csv", 7, None, "fields but the header has"


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
    pid, death = _dead_patient(d)
    p = d / "labs.csv"
    rows = read_rows(p)
    rows.append([pid, str(death + 5), "400.0", "", "", "false", "false", "false"])
    write_rows(p, rows)
    return "labs.csv", len(rows), "study_day", "after death"


def c_lab_after_follow_up(d: Path) -> Expected:
    set_cell(d / "labs.csv", 2, "study_day", "120")
    return "labs.csv", 2, "study_day", "after the end of follow-up"


def c_negative_day(d: Path) -> Expected:
    set_cell(d / "adverse_events.csv", 6, "onset_day", "-3")
    return "adverse_events.csv", 6, "onset_day", "must be ≥ 0"


def c_ae_after_death(d: Path) -> Expected:
    pid, death = _dead_patient(d)
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


def c_bad_yaml(d: Path) -> Expected:
    p = d / "trial.yaml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("name: iris7-synthetic", "name: [iris7", 1),
        encoding="utf-8",
    )
    return "trial.yaml", None, None, "not valid YAML"


def c_yaml_missing_field(d: Path) -> Expected:
    p = d / "trial.yaml"
    text = p.read_text(encoding="utf-8")
    start = text.index("visit_schedule:")
    end = text.index("dosing_end_day:")
    p.write_text(text[:start] + text[end:], encoding="utf-8")
    return "trial.yaml", None, "visit_schedule", "Field required"


def c_yaml_unknown_key(d: Path) -> Expected:
    p = d / "trial.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    return "trial.yaml", None, "colour", "Extra inputs are not permitted"


def c_yaml_not_mapping(d: Path) -> Expected:
    (d / "trial.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    return "trial.yaml", None, None, "must be a mapping"


def c_yaml_python_tag(d: Path) -> Expected:
    (d / "trial.yaml").write_text(
        "name: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8"
    )
    return "trial.yaml", None, None, "not valid YAML"


def c_schedule_unsorted(d: Path) -> Expected:
    p = d / "trial.yaml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("- 3\n- 7\n", "- 7\n- 3\n", 1), encoding="utf-8"
    )
    return "trial.yaml", None, "visit_schedule", "increasing"


def c_both_formats(d: Path) -> Expected:
    pd.read_csv(d / "outcomes.csv").to_parquet(d / "outcomes.parquet")
    return None, None, None, "both outcomes.csv and outcomes.parquet exist"


def c_binary_file(d: Path) -> Expected:
    (d / "outcomes.csv").write_bytes(b"patient_id,death_day\n\x00\x01\x02,\n")
    return "outcomes.csv", 2, None, "NUL bytes"


def c_empty_column_name(d: Path) -> Expected:
    p = d / "patients.csv"
    rows = read_rows(p)
    write_rows(p, [[*r, ""] for r in rows])
    return "patients.csv", 1, None, "empty column name"


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
    problems = _problems(trial_dir)
    _find(problems, file, row, column, text)


def test_corpus_is_broad():
    assert len(CORPUS) >= 40


def test_all_problems_are_collected(trial_dir: Path):
    """Problems in several files are all reported in one error, not just the first."""
    set_cell(trial_dir / "labs.csv", 3, "alc", "abc")
    set_cell(trial_dir / "patients.csv", 4, "sex", "X")
    set_cell(trial_dir / "adverse_events.csv", 5, "grade", "9")
    set_cell(trial_dir / "labs.csv", 8, "cd4", "-1")
    problems = _problems(trial_dir)
    _find(problems, "labs.csv", 3, "alc", "not a number")
    _find(problems, "patients.csv", 4, "sex", "must be one of")
    _find(problems, "adverse_events.csv", 5, "grade", "must be ≤ 5")
    _find(problems, "labs.csv", 8, "cd4", "must be > 0")


def test_huge_file_is_refused_with_clear_message(trial_dir: Path):
    problems = _problems(trial_dir, max_bytes=1000)
    p = _find(problems, "labs.csv", None, None, "file is too large")
    assert "max_bytes" in p.hint


def test_problem_list_is_capped(trial_dir: Path):
    p = trial_dir / "labs.csv"
    rows = read_rows(p)
    for r in rows[1:]:
        r[2] = "x"
        r[3] = "y"
    write_rows(p, rows)
    problems = _problems(trial_dir)
    assert len(problems) <= 201
    assert "more problems not shown" in problems[-1].message


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path):
    _find(_problems(tmp_path / "nope"), None, None, None, "does not exist")
    f = tmp_path / "file.csv"
    f.write_text("a\n1\n")
    _find(_problems(f), None, None, None, "not a folder")


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


def test_blank_lines_keep_editor_line_numbers(trial_dir: Path):
    """A blank line shifts the records below it; rows still match the editor's line numbers."""
    p = trial_dir / "labs.csv"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines.insert(3, "")  # line 4 is now blank
    fields = lines[6].split(",")  # line 7
    fields[2] = "oops"
    lines[6] = ",".join(fields)
    p.write_text("\n".join(lines), encoding="utf-8")
    problems = _problems(trial_dir)
    _find(problems, "labs.csv", 7, "alc", "'oops'")


def test_utf8_bom_and_crlf_are_accepted(trial_dir: Path):
    p = trial_dir / "patients.csv"
    text = p.read_text(encoding="utf-8").replace("\n", "\r\n")
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_trial(trial_dir).n_patients == 27


def test_parquet_tables_round_trip(tmp_path: Path):
    trial = load_bundled()
    out = write_trial(trial, tmp_path / "pq", fmt="parquet")
    assert (out / "labs.parquet").exists() and not (out / "labs.csv").exists()
    again = load_trial(out)
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        pd.testing.assert_frame_equal(getattr(again, t), getattr(trial, t))


def test_parquet_problem_rows_follow_the_csv_convention(tmp_path: Path):
    trial = load_bundled()
    out = write_trial(trial, tmp_path / "pq", fmt="parquet")
    labs = pd.read_parquet(out / "labs.parquet")
    labs.loc[4, "alc"] = -1.0  # 5th record -> row 6
    labs.to_parquet(out / "labs.parquet", index=False)
    _find(_problems(out), "labs.parquet", 6, "alc", "must be > 0")


def test_corrupt_parquet_is_reported(tmp_path: Path):
    out = write_trial(load_bundled(), tmp_path / "pq", fmt="parquet")
    (out / "outcomes.parquet").write_bytes(b"PAR1 this is not parquet")
    _find(_problems(out), "outcomes.parquet", None, None, "cannot read Parquet")


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
    _find(info.value.problems, "labs.csv", 4, "alc", "must be > 0")


def test_write_trial_refuses_invalid_data_and_writes_nothing(tmp_path: Path):
    trial = load_bundled()
    pats = trial.patients.copy()
    pats.loc[0, "sex"] = "?"
    bad = type(trial)(
        meta=trial.meta,
        patients=pats,
        labs=trial.labs,
        adverse_events=trial.adverse_events,
        outcomes=trial.outcomes,
    )
    dest = tmp_path / "out"
    with pytest.raises(InputError):
        write_trial(bad, dest)
    assert not dest.exists()
    assert not list(tmp_path.iterdir())


def test_write_trial_refuses_non_empty_destination(tmp_path: Path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("precious")
    with pytest.raises(InputError) as info:
        write_trial(load_bundled(), dest)
    assert "not empty" in str(info.value)
    assert (dest / "keep.txt").read_text() == "precious"


def test_corpus_helpers_edit_the_intended_cell(trial_dir: Path):
    """Guard for the corpus itself: set_cell changes exactly one cell."""
    before = (trial_dir / "labs.csv").read_text(encoding="utf-8").split("\n")
    set_cell(trial_dir / "labs.csv", 3, "alc", "123.0")
    after = (trial_dir / "labs.csv").read_text(encoding="utf-8").split("\n")
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [2]
    assert get_cell(trial_dir / "labs.csv", 3, "alc") == "123.0"


def test_bundled_folder_untouched_by_tests():
    """The corpus works on copies; the shipped folder keeps its files."""
    names = sorted(p.name for p in bundled_path().iterdir())
    assert names == sorted(
        [
            "SHA256SUMS",
            "adverse_events.csv",
            "labs.csv",
            "outcomes.csv",
            "patients.csv",
            "trial.yaml",
            "truth.json",
        ]
    )
