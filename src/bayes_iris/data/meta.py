"""``trial.yaml``: parsing it, the rules it must follow beyond its model, and writing it.

The file is parsed with ``yaml.safe_load`` (no Python tags) and checked against
:class:`~bayes_iris.data.trial.TrialMeta` (pydantic, unknown keys rejected); then every rule of
:data:`RULES` — one small function each, its docstring stating the rule — checks what the model
alone cannot (a sorted visit schedule, dosing within follow-up, the two arms, ...). Every problem
names ``trial.yaml`` and the key.

Examples
--------
>>> from bayes_iris.data import load_bundled
>>> meta = load_bundled().meta
>>> parse_meta(meta_yaml(meta), ProblemList()) == meta
True
>>> bad = meta.model_copy(update={"visit_schedule": [3, 7]})
>>> [p.message for rule in RULES for p in rule(bad, "trial.yaml")]
['visit_schedule must include day 0 (baseline)']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import yaml
from pydantic import ValidationError

from ..errors import Problem, ProblemList
from .schema import DOCS
from .trial import LAB_MARKERS, TrialMeta

__all__ = ["RULES", "Rule", "check_meta", "meta_yaml", "parse_meta"]

Rule = Callable[[TrialMeta, str], Iterator[Problem]]


def parse_meta(text: str, problems: ProblemList, fname: str = "trial.yaml") -> TrialMeta | None:
    """Parse ``trial.yaml`` text and check it; None (with ``problems`` added) if it is invalid.

    Parameters
    ----------
    text : str
        The file's text.
    problems : ProblemList
        Where problems go: YAML syntax (with its line), not a mapping, each pydantic error (with the
        key), then the :data:`RULES`.
    fname : str
        File name for the problems.
    """
    try:
        obj = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problems.add(
            f"not valid YAML: {getattr(err, 'problem', None) or err}",
            file=fname,
            row=None if mark is None else mark.line + 1,
            hint="check indentation and colons",
        )
        return None
    if not isinstance(obj, dict):
        problems.add(
            "trial.yaml must be a mapping (key: value lines)",
            file=fname,
            hint=f"see the example in {DOCS}",
        )
        return None
    try:
        meta = TrialMeta.model_validate(obj)
    except ValidationError as err:
        for e in err.errors():
            loc = ".".join(str(x) for x in e["loc"])
            problems.add(
                e["msg"],
                file=fname,
                column=loc or None,
                hint=f"see the trial.yaml example in {DOCS}",
            )
        return None
    check_meta(meta, problems, fname)
    return meta


def meta_yaml(meta: TrialMeta) -> str:
    """``trial.yaml`` text of ``meta`` (keys in model order, ``None`` fields left out).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> meta_yaml(load_bundled().meta).splitlines()[0]
    'name: iris7-synthetic'
    """
    return yaml.safe_dump(
        meta.model_dump(mode="json", exclude_none=True),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )


def visit_schedule_is_increasing(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """The visit schedule is strictly increasing and has no negative day."""
    sched = meta.visit_schedule
    if list(sched) != sorted(set(sched)) or min(sched) < 0:
        yield Problem(
            "visit_schedule must be increasing, without repeats, days >= 0",
            file=fname,
            column="visit_schedule",
            hint="e.g. [0, 3, 7, 14, 21, 29, 42, 60, 90]",
        )


def visit_schedule_includes_baseline(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """The visit schedule includes day 0, the baseline draw."""
    if 0 not in meta.visit_schedule:
        yield Problem(
            "visit_schedule must include day 0 (baseline)",
            file=fname,
            column="visit_schedule",
            hint="add 0",
        )


def visit_schedule_within_follow_up(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """No scheduled visit is after the end of follow-up."""
    if max(meta.visit_schedule) > meta.follow_up_days:
        yield Problem(
            "visit_schedule goes beyond follow_up_days",
            file=fname,
            column="visit_schedule",
            hint="raise follow_up_days or drop the late visits",
        )


def dosing_ends_within_follow_up(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """Dosing ends on or before the end of follow-up."""
    if meta.dosing_end_day > meta.follow_up_days:
        yield Problem(
            "dosing_end_day is after follow_up_days",
            file=fname,
            column="dosing_end_day",
            hint="dosing ends within follow-up (IRIS-7: day 28 of 90)",
        )


def arms_are_placebo_and_cyt107(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """The arms are exactly ``placebo`` and ``cyt107``, each declared once."""
    names = [a.name for a in meta.arms]
    if sorted(names) != ["cyt107", "placebo"]:
        yield Problem(
            f"arms must be exactly placebo and cyt107, got {names}",
            file=fname,
            column="arms",
            hint="declare each arm once",
        )


def regimens_are_unique(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """No regimen name is declared twice, within or across arms."""
    regimens = [r for a in meta.arms for r in a.regimens]
    if len(set(regimens)) != len(regimens):
        yield Problem(
            "a regimen is declared twice",
            file=fname,
            column="arms",
            hint="regimen names must be unique across arms",
        )


def detection_limits_are_known_and_positive(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """Detection limits are given only for lab markers, as positive finite numbers."""
    for key, value in meta.detection_limits.items():
        if key not in LAB_MARKERS:
            yield Problem(
                f"unknown marker {key!r}",
                file=fname,
                column="detection_limits",
                hint=f"markers: {', '.join(LAB_MARKERS)}",
            )
        elif not (math.isfinite(value) and value > 0):
            yield Problem(
                f"detection limit {value!r} must be a positive number",
                file=fname,
                column=f"detection_limits.{key}",
                hint="in the marker's units",
            )


def units_are_for_known_markers(meta: TrialMeta, fname: str) -> Iterator[Problem]:
    """Units are given only for lab markers."""
    for key in meta.units:
        if key not in LAB_MARKERS:
            yield Problem(
                f"unknown marker {key!r}",
                file=fname,
                column="units",
                hint=f"markers: {', '.join(LAB_MARKERS)}",
            )


RULES: tuple[Rule, ...] = (
    visit_schedule_is_increasing,
    visit_schedule_includes_baseline,
    visit_schedule_within_follow_up,
    dosing_ends_within_follow_up,
    arms_are_placebo_and_cyt107,
    regimens_are_unique,
    detection_limits_are_known_and_positive,
    units_are_for_known_markers,
)


def check_meta(meta: TrialMeta, problems: ProblemList, fname: str = "trial.yaml") -> None:
    """Apply every rule of :data:`RULES` to ``meta``, adding what they find to ``problems``."""
    for rule in RULES:
        for p in rule(meta, fname):
            problems.append(p)
