"""trial.yaml (bayes_iris.data.meta): YAML syntax, the TrialMeta model and each rule beyond it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Expected, find_problem, problems_of

# --------------------------------------------------------------------------------------------
# Corruption corpus of trial.yaml
# --------------------------------------------------------------------------------------------


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
    assert len(CORPUS) >= 6
