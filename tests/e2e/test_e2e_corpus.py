"""Bad-input corpus: every broken trial folder is refused by every command and script the same way.

The guarantees under test (issue #7), for each case and each entry point that reads a trial:

- exit code 2 (``bayes_iris.cli.main`` / the script's ``main``), never 0, 1 or a crash;
- no Python traceback on stdout or stderr;
- a specific message: it names the file, and the column / row where that is meaningful;
- nothing is written: the results folder stays absent (or byte-for-byte unchanged when it
  existed), the working folder gets no default ``results/``, and the trial folder is untouched.

The data area's own schema tests (tests/data/) check *which* problem each value raises; here the
focus is the cross-cutting behaviour of every command. Hypothesis-generated corruptions are in
``test_e2e_generated.py``.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Callable
from pathlib import Path

import e2e_helpers as H
import pytest

# -- the corpus ---------------------------------------------------------------------------------
# Each case corrupts a valid trial folder in place and returns the fragments the error must show.
Case = Callable[[Path], list[str]]


def _missing_column(d: Path) -> list[str]:
    H.drop_column(d, "labs", "alc")
    return ["labs.csv", "alc", "missing"]


def _extra_column(d: Path) -> list[str]:
    H.add_column(d, "patients", "alc_count", "1")
    return ["patients.csv", "alc_count", "unknown column"]


def _wrong_type(d: Path) -> list[str]:
    line = H.set_cell(d, "patients", 3, "age", "sixty")
    return ["patients.csv", f"row {line}", "age", "sixty"]


def _nan_required(d: Path) -> list[str]:
    line = H.set_cell(d, "labs", 5, "study_day", "NaN")
    return ["labs.csv", f"row {line}", "study_day"]


def _inf_value(d: Path) -> list[str]:
    line = H.set_cell(d, "labs", 2, "alc", "inf")
    return ["labs.csv", f"row {line}", "alc"]


def _negative_count(d: Path) -> list[str]:
    line = H.set_cell(d, "labs", 4, "cd4", "-12")
    return ["labs.csv", f"row {line}", "cd4"]


def _absurd_count(d: Path) -> list[str]:
    line = H.set_cell(d, "labs", 7, "alc", "1e15")
    return ["labs.csv", f"row {line}", "alc"]


def _duplicate_id(d: Path) -> list[str]:
    header, rows = H.read_table(d, "patients")
    H.write_table(d, "patients", header, [*rows, rows[0]])
    return ["patients.csv", "patient_id"]


def _unknown_arm(d: Path) -> list[str]:
    line = H.set_cell(d, "patients", 0, "arm", "verum")
    return ["patients.csv", f"row {line}", "arm"]


def _undeclared_regimen(d: Path) -> list[str]:
    H.set_cell(d, "patients", 1, "regimen", "daily")
    return ["patients.csv", "regimen"]


def _days_out_of_order(d: Path) -> list[str]:
    header, rows = H.read_table(d, "outcomes")
    i, j = header.index("icu_discharge_day"), header.index("hospital_discharge_day")
    for k, r in enumerate(rows):
        if r[i] and r[j] and int(r[j]) > int(r[i]):
            r[i], r[j] = r[j], r[i]
            H.write_table(d, "outcomes", header, rows)
            return ["outcomes.csv", f"row {k + 2}", "hospital_discharge_day"]
    raise AssertionError("no patient with both discharge days in the bundled trial")


def _negative_day(d: Path) -> list[str]:
    line = H.set_cell(d, "adverse_events", 0, "onset_day", "-3")
    return ["adverse_events.csv", f"row {line}", "onset_day"]


def _unknown_patient(d: Path) -> list[str]:
    line = H.set_cell(d, "labs", 0, "patient_id", "ZZZ999")
    return ["labs.csv", f"row {line}", "ZZZ999"]


def _bad_grade(d: Path) -> list[str]:
    line = H.set_cell(d, "adverse_events", 1, "grade", "7")
    return ["adverse_events.csv", f"row {line}", "grade"]


def _bad_bool(d: Path) -> list[str]:
    line = H.set_cell(d, "adverse_events", 1, "serious", "maybe")
    return ["adverse_events.csv", f"row {line}", "serious", "maybe"]


def _ragged_row(d: Path) -> list[str]:
    path = d / "outcomes.csv"
    lines = path.read_text().splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    return ["outcomes.csv", "row 4", "fields"]


def _empty_file(d: Path) -> list[str]:
    (d / "outcomes.csv").write_bytes(b"")
    return ["outcomes.csv", "empty"]


def _blank_file(d: Path) -> list[str]:
    (d / "adverse_events.csv").write_text("\n\n   \n")
    return ["adverse_events.csv", "empty"]


def _missing_table(d: Path) -> list[str]:
    (d / "labs.csv").unlink()
    return ["labs"]


def _latin1(d: Path) -> list[str]:
    header, rows = H.read_table(d, "patients")
    rows[4][header.index("site")] = "Hôpital-Édouard-Herriot"
    H.write_table(d, "patients", header, rows, encoding="latin-1")
    return ["patients.csv", "row 6", "UTF-8"]


def _utf16(d: Path) -> list[str]:
    header, rows = H.read_table(d, "labs")
    H.write_table(d, "labs", header, rows, encoding="utf-16")
    return ["labs.csv", "UTF-8"]


def _semicolon(d: Path) -> list[str]:
    header, rows = H.read_table(d, "outcomes")
    H.write_table(d, "outcomes", header, rows, delimiter=";")
    return ["outcomes.csv", "comma"]


def _binary_garbage(d: Path) -> list[str]:
    (d / "patients.csv").write_bytes(bytes(range(256)) * 8)
    return ["patients.csv"]


def _huge_file(d: Path) -> list[str]:
    # A sparse file larger than the data layer's limit (100 MiB): no disk used, no time spent.
    from bayes_iris.data.load import MAX_FILE_BYTES

    with open(d / "labs.csv", "r+b") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    return ["labs.csv", "too large"]


def _both_formats(d: Path) -> list[str]:
    shutil.copy(d / "outcomes.csv", d / "outcomes.parquet")
    return ["outcomes"]


def _corrupt_parquet(d: Path) -> list[str]:
    (d / "outcomes.csv").unlink()
    (d / "outcomes.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    return ["outcomes.parquet", "parquet"]


def _no_yaml(d: Path) -> list[str]:
    (d / "trial.yaml").unlink()
    return ["trial.yaml"]


def _bad_yaml(d: Path) -> list[str]:
    (d / "trial.yaml").write_text("name: [unclosed\nprovenance: {kind: synthetic\n")
    return ["trial.yaml", "YAML"]


def _yaml_not_mapping(d: Path) -> list[str]:
    (d / "trial.yaml").write_text("- just\n- a list\n")
    return ["trial.yaml", "mapping"]


def _yaml_extra_key(d: Path) -> list[str]:
    with open(d / "trial.yaml", "a", encoding="utf-8") as fh:
        fh.write("sponsor_secret: 1\n")
    return ["trial.yaml", "sponsor_secret"]


def _yaml_bad_kind(d: Path) -> list[str]:
    text = (d / "trial.yaml").read_text(encoding="utf-8")
    (d / "trial.yaml").write_text(text.replace("kind: synthetic", "kind: imaginary"),
                                  encoding="utf-8")
    return ["trial.yaml", "provenance.kind"]


def _yaml_python_tag(d: Path) -> list[str]:
    # yaml.load (unsafe) would run this; safe_load must refuse it and nothing may be created.
    marker = d / "PWNED"
    (d / "trial.yaml").write_text(
        f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    return ["trial.yaml"]


def _yaml_schedule_unsorted(d: Path) -> list[str]:
    text = (d / "trial.yaml").read_text(encoding="utf-8")
    text = text.replace("- 0\n- 3\n- 7\n", "- 7\n- 3\n- 0\n")
    (d / "trial.yaml").write_text(text, encoding="utf-8")
    return ["trial.yaml", "visit_schedule"]


def _yaml_negative_follow_up(d: Path) -> list[str]:
    text = (d / "trial.yaml").read_text(encoding="utf-8")
    (d / "trial.yaml").write_text(text.replace("follow_up_days: 90", "follow_up_days: -90"),
                                  encoding="utf-8")
    return ["trial.yaml", "follow_up_days"]


def _not_a_folder(d: Path) -> list[str]:
    shutil.rmtree(d)
    d.write_text("i am a file\n")
    return [d.name, "folder"]


def _no_such_folder(d: Path) -> list[str]:
    shutil.rmtree(d)
    return [d.name, "does not exist"]


CORPUS: dict[str, Case] = {
    "missing_column": _missing_column,
    "extra_column": _extra_column,
    "wrong_type": _wrong_type,
    "nan_in_required": _nan_required,
    "inf_value": _inf_value,
    "negative_count": _negative_count,
    "absurd_count": _absurd_count,
    "duplicate_id": _duplicate_id,
    "unknown_arm": _unknown_arm,
    "undeclared_regimen": _undeclared_regimen,
    "days_out_of_order": _days_out_of_order,
    "negative_day": _negative_day,
    "unknown_patient": _unknown_patient,
    "bad_grade": _bad_grade,
    "bad_bool": _bad_bool,
    "ragged_row": _ragged_row,
    "empty_file": _empty_file,
    "blank_file": _blank_file,
    "missing_table": _missing_table,
    "latin1": _latin1,
    "utf16": _utf16,
    "semicolon": _semicolon,
    "binary_garbage": _binary_garbage,
    "huge_file": _huge_file,
    "both_formats": _both_formats,
    "corrupt_parquet": _corrupt_parquet,
    "no_trial_yaml": _no_yaml,
    "bad_yaml": _bad_yaml,
    "yaml_not_mapping": _yaml_not_mapping,
    "yaml_extra_key": _yaml_extra_key,
    "yaml_bad_kind": _yaml_bad_kind,
    "yaml_python_tag": _yaml_python_tag,
    "yaml_schedule_unsorted": _yaml_schedule_unsorted,
    "yaml_negative_follow_up": _yaml_negative_follow_up,
    "not_a_folder": _not_a_folder,
    "no_such_folder": _no_such_folder,
}

# A representative subset for the commands that are slow to import or long to run when valid.
SUBSET = ("missing_column", "wrong_type", "duplicate_id", "latin1", "semicolon", "huge_file",
          "yaml_python_tag", "days_out_of_order", "no_such_folder")


# -- the entry points that read a trial ---------------------------------------------------------
def _cli_commands() -> dict[str, Callable[[Path, Path], list[str]]]:
    """Every registered CLI command that takes a trial folder, with the argv to feed it one.

    Found from the typer app, so that commands landing later are covered without editing here.
    """
    from bayes_iris.cli import app

    out: dict[str, Callable[[Path, Path], list[str]]] = {}
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        params = inspect.signature(cmd.callback).parameters
        if "directory" in params:  # validate DIR
            out[name] = lambda d, r, n=name: [n, str(d)]
            out[f"{name} --json"] = lambda d, r, n=name: [n, "--json", str(d)]
        elif "data" in params:
            def argv(d: Path, r: Path, n: str = name, p=params) -> list[str]:
                a = [n, "--data", str(d)]
                if "results" in p:
                    a += ["--results", str(r)]
                if "fast" in p:
                    a.append("--fast")
                return a
            out[name] = argv
    return out


CLI = _cli_commands()
SCRIPTS = H.scripts()
# analyses/run_all.py (the whole pipeline as a script) takes the same options
WRAPPERS = ["run_all"] if (H.ANALYSES / "run_all.py").is_file() else []


def test_known_trial_commands_are_covered():
    """The commands that read a trial today; a new one is picked up by _cli_commands."""
    assert {"validate", "safety", "run", "report"} <= set(CLI), sorted(CLI)
    assert {"01_data", "03_adverse_events", "04_summary_reanalysis"} <= set(SCRIPTS), SCRIPTS


def _prepare(tmp_path: Path, case: str) -> tuple[Path, Path, list[str]]:
    trial = H.copy_bundled(tmp_path / "trial")
    expect = CORPUS[case](trial)
    return trial, tmp_path / "results", expect


def _check_nothing_written(trial_before, trial: Path, results: Path, cwd: Path) -> None:
    assert not results.exists(), f"results folder was created: {H.snapshot(results)}"
    assert not any(cwd.iterdir()), f"files written in the working folder: {list(cwd.iterdir())}"
    assert H.snapshot(trial) == trial_before, "the trial folder was modified"
    assert not (trial.parent / "PWNED").exists() and not (trial / "PWNED").exists()


def _cases(names) -> list:
    return [pytest.param(n, id=n) for n in names]


@pytest.mark.parametrize("case", _cases(CORPUS))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_corpus_cli(case, command, tmp_path, in_tmp_cwd, capsys):
    trial, results, expect = _prepare(tmp_path, case)
    before = H.snapshot(trial)
    code, out, err = H.run_cli(CLI[command](trial, results), capsys)
    H.assert_clean_input_error(code, out, err, expect)
    _check_nothing_written(before, trial, results, in_tmp_cwd)


@pytest.mark.parametrize("case", _cases(CORPUS))
def test_corpus_data_script(case, tmp_path, in_tmp_cwd, capsys):
    trial, results, expect = _prepare(tmp_path, case)
    before = H.snapshot(trial)
    code, out, err = H.run_script("01_data", ["--data", trial, "--results", results], capsys)
    H.assert_clean_input_error(code, out, err, expect)
    _check_nothing_written(before, trial, results, in_tmp_cwd)


@pytest.mark.parametrize("case", _cases(SUBSET))
@pytest.mark.parametrize("command", sorted(set(CLI) - {"validate", "run"}))
def test_corpus_subset_every_command(case, command, tmp_path, in_tmp_cwd, capsys):
    trial, results, expect = _prepare(tmp_path, case)
    before = H.snapshot(trial)
    code, out, err = H.run_cli(CLI[command](trial, results), capsys)
    H.assert_clean_input_error(code, out, err, expect)
    _check_nothing_written(before, trial, results, in_tmp_cwd)


@pytest.mark.parametrize("case", _cases(SUBSET))
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s != "01_data"] + WRAPPERS)
def test_corpus_subset_every_script(case, script, tmp_path, in_tmp_cwd, capsys):
    trial, results, expect = _prepare(tmp_path, case)
    before = H.snapshot(trial)
    code, out, err = H.run_script(script, ["--data", trial, "--results", results, "--fast"],
                                  capsys)
    H.assert_clean_input_error(code, out, err, expect)
    _check_nothing_written(before, trial, results, in_tmp_cwd)


@pytest.mark.parametrize("entry", ["cli:run", *(f"script:{s}" for s in SCRIPTS)])
def test_existing_results_untouched_on_bad_input(entry, tmp_path, capsys):
    """A results folder from an earlier run is left byte-for-byte as it was."""
    trial = H.copy_bundled(tmp_path / "trial")
    results = tmp_path / "results"
    (results / "tables").mkdir(parents=True)
    (results / "tables" / "consort.csv").write_text("provenance,x\nsynthetic,1\n")
    (results / "manifest.json").write_text('{"steps": {}}\n')
    expect = _wrong_type(trial)
    with H.unchanged(results, trial):
        if entry == "cli:run":
            code, out, err = H.run_cli(CLI["run"](trial, results), capsys)
        else:
            code, out, err = H.run_script(entry.split(":", 1)[1],
                                          ["--data", trial, "--results", results, "--fast"],
                                          capsys)
        H.assert_clean_input_error(code, out, err, expect)


# -- one real subprocess per kind of entry point: the console script and a script file ---------
def test_subprocess_console_script_bad_input(tmp_path):
    trial = H.copy_bundled(tmp_path / "trial")
    expect = _latin1(trial)
    results = tmp_path / "results"
    proc = H.run_proc([H.BIN, "run", "--data", trial, "--results", results, "--fast"],
                      cwd=tmp_path, timeout=120)
    H.assert_clean_input_error(proc.returncode, proc.stdout, proc.stderr, expect)
    assert not results.exists()


def test_subprocess_analysis_script_bad_input(tmp_path):
    trial = H.copy_bundled(tmp_path / "trial")
    expect = _semicolon(trial)
    results = tmp_path / "results"
    proc = H.run_proc([H.PYTHON, H.ANALYSES / "01_data.py", "--data", trial, "--results",
                       results], cwd=tmp_path, timeout=120)
    H.assert_clean_input_error(proc.returncode, proc.stdout, proc.stderr, expect)
    assert not results.exists()
