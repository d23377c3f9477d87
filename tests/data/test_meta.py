"""trial.yaml (bayes_iris.data.meta): YAML syntax, the TrialMeta model and each rule beyond it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

from bayes_iris.data import TrialMeta, load_bundled
from bayes_iris.data import meta as meta_module
from bayes_iris.data.meta import RULES, meta_yaml, parse_meta
from bayes_iris.errors import ProblemList

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


# --------------------------------------------------------------------------------------------
# Each rule on its own
# --------------------------------------------------------------------------------------------

# rule -> (changes to the bundled trial.yaml, column of the problem, part of its message)
RULE_CASES: dict[str, tuple[dict, str, str]] = {
    "visit_schedule_is_increasing": ({"visit_schedule": [0, 7, 3]}, "visit_schedule", "increasing"),
    "visit_schedule_includes_baseline": ({"visit_schedule": [3, 7]}, "visit_schedule", "day 0"),
    "visit_schedule_within_follow_up": (
        {"visit_schedule": [0, 29, 120]},
        "visit_schedule",
        "beyond follow_up_days",
    ),
    "dosing_ends_within_follow_up": (
        {"dosing_end_day": 100},
        "dosing_end_day",
        "dosing_end_day is after follow_up_days",
    ),
    "arms_are_placebo_and_cyt107": ("two placebo arms", "arms", "exactly placebo and cyt107"),
    "regimens_are_unique": ("weekly twice", "arms", "a regimen is declared twice"),
    "detection_limits_are_known_and_positive": (
        {"detection_limits": {"alc": -1.0}},
        "detection_limits.alc",
        "must be a positive number",
    ),
    "units_are_for_known_markers": ({"units": {"cd3": "cells/mm3"}}, "units", "unknown marker"),
}


def _bad_meta(change) -> TrialMeta:
    meta = load_bundled().meta
    placebo, cyt = meta.arms
    if change == "two placebo arms":
        return meta.model_copy(update={"arms": [placebo, placebo]})
    if change == "weekly twice":
        cyt = cyt.model_copy(update={"regimens": ["weekly", "weekly"]})
        return meta.model_copy(update={"arms": [placebo, cyt]})
    return meta.model_copy(update=change)


def test_every_rule_is_registered_once_documented_and_tested_here():
    names = [rule.__name__ for rule in RULES]
    assert len(names) == len(set(names))
    public = {
        name
        for name, obj in vars(meta_module).items()
        if inspect.isfunction(obj)
        and obj.__module__ == meta_module.__name__
        and list(inspect.signature(obj).parameters) == ["meta", "fname"]
    }
    assert public == set(names)
    assert all(rule.__doc__ and len(rule.__doc__.split()) >= 5 for rule in RULES)
    assert set(RULE_CASES) == set(names)


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_each_rule_finds_its_own_breach(name: str):
    change, column, text = RULE_CASES[name]
    good = load_bundled().meta
    rule = next(r for r in RULES if r.__name__ == name)
    assert list(rule(good, "trial.yaml")) == []
    found = list(rule(_bad_meta(change), "trial.yaml"))
    assert [p.column for p in found] == [column]
    assert text in found[0].message and found[0].hint and found[0].file == "trial.yaml"


def test_parse_meta_round_trips_and_locates_yaml_errors():
    meta = load_bundled().meta
    problems = ProblemList()
    assert parse_meta(meta_yaml(meta), problems) == meta and len(problems) == 0
    text = meta_yaml(meta).replace("follow_up_days: 90", "follow_up_days: [90")
    assert parse_meta(text, problems) is None
    (p,) = problems.items
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "follow_up_days" in s)
    assert "not valid YAML" in p.message and p.row is not None and p.row >= line
