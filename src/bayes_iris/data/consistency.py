"""Cross-table rules: what must hold between the four tables of a trial and its ``trial.yaml``.

Each rule is one small function whose docstring states the rule. It takes a :class:`Tables` — the
four parsed, value-checked tables, their file names and facts derived once from them (patient ids,
death and last follow-up days) — and yields a :class:`~bayes_iris.errors.Problem` for every place the
data breaks it; it never raises. Rows of a patient missing from ``patients`` get one problem (the
unknown id) and none from the rules that follow a patient's own timeline.

:data:`RULES` lists them as *groups*: the problems of the rules in one group are reported in row
order — as a reader scanning the file meets them — and the groups one after the other.
:func:`check_consistency` runs them; validation calls it once all four tables could be parsed.
The rules on ``trial.yaml`` alone are in :mod:`bayes_iris.data.meta`.

Examples
--------
>>> from bayes_iris.data import load_bundled
>>> trial = load_bundled()
>>> tables = Tables.build(trial.meta, {t: getattr(trial, t) for t in TABLE_ORDER})
>>> sum(1 for group in RULES for rule in group for _ in rule(tables))
0
>>> late = trial.labs.assign(study_day=trial.labs["study_day"].where(trial.labs.index != 0, 95))
>>> tables = Tables.build(trial.meta, {**tables.frames, "labs": late})
>>> next(lab_days_within_follow_up(tables)).message
'study day 95 is after the end of follow-up (day 90)'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import Problem, ProblemList
from .schema import TABLE_ORDER
from .trial import LAB_MARKERS, TrialMeta

__all__ = ["RULES", "Rule", "Tables", "check_consistency"]

MAX_LISTED = 20  # patients named one by one by a rule over all patients; the rest are counted

_OUTCOME_DAYS = (
    "death_day",
    "last_follow_up_day",
    "secondary_infection_day",
    "icu_discharge_day",
    "hospital_discharge_day",
)
_EVENT_DAYS = ("secondary_infection_day", "icu_discharge_day", "hospital_discharge_day")


@dataclass(frozen=True)
class Tables:
    """The four parsed tables (indexed by file line) with their file names, and shared facts.

    ``ids`` are the patient ids of ``patients``. ``death`` and ``last`` map each patient id of
    ``outcomes`` to its ``death_day`` and ``last_follow_up_day`` (the last row wins if an id is
    repeated; the duplicate itself is reported by the value checks). ``follow`` is
    ``follow_up_days``, or None when ``trial.yaml`` is invalid (the rules that need it are skipped).
    """

    meta: TrialMeta | None
    frames: dict[str, pd.DataFrame]
    files: dict[str, str]
    ids: frozenset[str] = field(default_factory=frozenset)
    death: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        meta: TrialMeta | None,
        frames: dict[str, pd.DataFrame],
        files: dict[str, str] | None = None,
    ) -> Tables:
        """Derive the shared facts from ``frames``; ``files`` defaults to ``<table>.csv``."""
        out = frames["outcomes"]
        death, last = {}, {}
        for pid, d, lf in zip(
            out["patient_id"], out["death_day"], out["last_follow_up_day"], strict=True
        ):
            if pd.notna(pid):
                death[pid], last[pid] = d, lf
        return cls(
            meta=meta,
            frames=frames,
            files=files if files is not None else {t: f"{t}.csv" for t in TABLE_ORDER},
            ids=frozenset(frames["patients"]["patient_id"].dropna()),
            death=death,
            last=last,
        )

    @property
    def follow(self) -> int | None:
        """``follow_up_days`` of ``trial.yaml`` (None if it is invalid)."""
        return self.meta.follow_up_days if self.meta is not None else None

    def rows(self, table: str, *columns: str) -> Iterator[tuple[Any, ...]]:
        """``(line, cell, ...)`` for every row of ``table``: its file line and the named cells."""
        df = self.frames[table]
        for line, *cells in zip(df.index, *(df[c] for c in columns), strict=True):
            yield (int(line), *cells)

    def known(self, pid: Any) -> bool:
        """True for an id of ``patients``."""
        return pd.notna(pid) and pid in self.ids

    def problem(
        self, table: str, message: str, hint: str, row: int | None = None, column: str | None = None
    ) -> Problem:
        """A problem located in ``table``'s file."""
        return Problem(message, file=self.files[table], row=row, column=column, hint=hint)


Rule = Callable[[Tables], Iterator[Problem]]


def _unknown_patients(t: Tables, table: str) -> Iterator[Problem]:
    for line, pid in t.rows(table, "patient_id"):
        if pd.notna(pid) and pid not in t.ids:
            msg = f"patient {pid!r} is not in patients"
            yield t.problem(table, msg, "fix the id or add the patient", line, "patient_id")


# -- patients ------------------------------------------------------------------------------


def arms_and_regimens_are_declared(t: Tables) -> Iterator[Problem]:
    """Every patient's arm is declared in ``trial.yaml``, and the regimen is one of that arm's."""
    if t.meta is None:
        return
    arms = {a.name: a for a in t.meta.arms}
    for line, arm, reg in t.rows("patients", "arm", "regimen"):
        if pd.isna(arm) or pd.isna(reg):
            continue
        if arm not in arms:
            msg = f"arm {arm!r} is not declared in trial.yaml"
            yield t.problem("patients", msg, f"declared: {', '.join(arms)}", line, "arm")
        elif reg not in arms[arm].regimens:
            msg = f"regimen {reg!r} is not declared for arm {arm!r} in trial.yaml"
            hint = f"declared for {arm}: {', '.join(arms[arm].regimens)}"
            yield t.problem("patients", msg, hint, line, "regimen")


def every_arm_has_patients(t: Tables) -> Iterator[Problem]:
    """Every arm declared in ``trial.yaml`` has at least one patient (if there are patients)."""
    pat = t.frames["patients"]
    if t.meta is None or not len(pat):
        return
    for name in {a.name: a for a in t.meta.arms}:  # each declared name once
        if not (pat["arm"] == name).any():
            msg = f"no patient in arm {name!r}"
            yield t.problem("patients", msg, "a trial needs patients in both arms", column="arm")


def trial_has_patients(t: Tables) -> Iterator[Problem]:
    """The patients table has at least one row."""
    if len(t.frames["patients"]) == 0:
        yield t.problem("patients", "no patients", "the patients table has no rows")


# -- outcomes ------------------------------------------------------------------------------


def outcomes_are_of_known_patients(t: Tables) -> Iterator[Problem]:
    """Every outcomes row belongs to a patient of ``patients``."""
    yield from _unknown_patients(t, "outcomes")


def every_patient_has_outcomes(t: Tables) -> Iterator[Problem]:
    """Every patient has an outcomes row (the first :data:`MAX_LISTED` without one are named)."""
    missing = sorted(t.ids - set(t.frames["outcomes"]["patient_id"].dropna()))
    hint = "every patient needs one row (empty days = not observed)"
    for pid in missing[:MAX_LISTED]:
        msg = f"patient {pid!r} has no outcomes row"
        yield t.problem("outcomes", msg, hint, column="patient_id")
    if len(missing) > MAX_LISTED:
        msg = f"... and {len(missing) - MAX_LISTED} more patients without an outcomes row"
        yield t.problem("outcomes", msg, "one outcomes row per patient", column="patient_id")


def outcome_days_within_follow_up(t: Tables) -> Iterator[Problem]:
    """No outcome day is after the end of follow-up (``follow_up_days``)."""
    if t.follow is None:
        return
    hint = "check the day, or follow_up_days in trial.yaml"
    for line, *days in t.rows("outcomes", *_OUTCOME_DAYS):
        for col, v in zip(_OUTCOME_DAYS, days, strict=True):
            if pd.notna(v) and v > t.follow:
                msg = f"day {v} is after the end of follow-up (day {t.follow})"
                yield t.problem("outcomes", msg, hint, line, col)


def death_ends_follow_up(t: Tables) -> Iterator[Problem]:
    """For a patient who died, ``last_follow_up_day`` equals ``death_day``."""
    hint = "for a patient who died, last_follow_up_day = death_day"
    for line, d, lf in t.rows("outcomes", "death_day", "last_follow_up_day"):
        if pd.notna(d) and pd.notna(lf) and d != lf:
            msg = f"last_follow_up_day {lf} differs from death_day {d}"
            yield t.problem("outcomes", msg, hint, line, "last_follow_up_day")


def outcome_events_end_at_death_or_last_follow_up(t: Tables) -> Iterator[Problem]:
    """Secondary infection, ICU and hospital discharge are on or before death and last follow-up."""
    for line, d, lf, *days in t.rows("outcomes", "death_day", "last_follow_up_day", *_EVENT_DAYS):
        for col, v in zip(_EVENT_DAYS, days, strict=True):
            if pd.isna(v):
                continue
            if pd.notna(d) and v > d:
                msg = f"{col} {v} is after death (day {d})"
                yield t.problem("outcomes", msg, "events end at death", line, col)
            elif pd.notna(lf) and v > lf:
                msg = f"{col} {v} is after last_follow_up_day {lf}"
                hint = "last_follow_up_day is the last day status is known"
                yield t.problem("outcomes", msg, hint, line, col)


def hospital_discharge_after_icu_discharge(t: Tables) -> Iterator[Problem]:
    """Hospital discharge is on or after ICU discharge."""
    hint = "hospital discharge is on or after ICU discharge"
    for line, icu, hosp in t.rows("outcomes", "icu_discharge_day", "hospital_discharge_day"):
        if pd.notna(icu) and pd.notna(hosp) and hosp < icu:
            msg = f"hospital discharge (day {hosp}) before ICU discharge (day {icu})"
            yield t.problem("outcomes", msg, hint, line, "hospital_discharge_day")


# -- labs ----------------------------------------------------------------------------------


def labs_are_of_known_patients(t: Tables) -> Iterator[Problem]:
    """Every lab row belongs to a patient of ``patients``."""
    yield from _unknown_patients(t, "labs")


def lab_days_within_follow_up(t: Tables) -> Iterator[Problem]:
    """No lab draw is after the end of follow-up (``follow_up_days``)."""
    if t.follow is None:
        return
    hint = "check the day, or follow_up_days in trial.yaml"
    for line, pid, day in t.rows("labs", "patient_id", "study_day"):
        if t.known(pid) and pd.notna(day) and day > t.follow:
            msg = f"study day {day} is after the end of follow-up (day {t.follow})"
            yield t.problem("labs", msg, hint, line, "study_day")


def lab_draws_end_at_death_or_last_follow_up(t: Tables) -> Iterator[Problem]:
    """No lab draw is after the patient's death, or after the last day status is known."""
    for line, pid, day in t.rows("labs", "patient_id", "study_day"):
        if not t.known(pid) or pd.isna(day):
            continue
        d, lf = t.death.get(pid), t.last.get(pid)
        if d is not None and pd.notna(d) and day > d:
            msg = f"lab draw on day {day}, after death (day {d})"
            yield t.problem("labs", msg, "check the day or death_day", line, "study_day")
        elif lf is not None and pd.notna(lf) and day > lf:
            msg = f"lab draw on day {day}, after last_follow_up_day {lf}"
            yield t.problem("labs", msg, "check the day or last_follow_up_day", line, "study_day")


def below_detection_has_a_value(t: Tables) -> Iterator[Problem]:
    """A marker flagged below detection (``<m>_bdl``) has a value: the detection limit."""
    hint = "record the detection limit as the value, or set false"
    cols = [c for m in LAB_MARKERS for c in (m, f"{m}_bdl")]
    for line, pid, day, *cells in t.rows("labs", "patient_id", "study_day", *cols):
        if not t.known(pid) or pd.isna(day):
            continue
        for m, value, flag in zip(LAB_MARKERS, cells[::2], cells[1::2], strict=True):
            if pd.notna(flag) and bool(flag) and pd.isna(value):
                yield t.problem("labs", f"{m}_bdl is true but {m} is empty", hint, line, f"{m}_bdl")


def every_patient_has_baseline_alc(t: Tables) -> Iterator[Problem]:
    """Every patient has a day-0 ALC (the first :data:`MAX_LISTED` without one are named)."""
    has_baseline = {
        pid
        for _, pid, day, alc in t.rows("labs", "patient_id", "study_day", "alc")
        if t.known(pid) and pd.notna(day) and day == 0 and pd.notna(alc)
    }
    missing = sorted(t.ids - has_baseline)
    hint = "the entry criterion needs a day-0 ALC per patient"
    for pid in missing[:MAX_LISTED]:
        msg = f"patient {pid!r} has no baseline (study_day 0) ALC"
        yield t.problem("labs", msg, hint, column="alc")
    if len(missing) > MAX_LISTED:
        msg = f"... and {len(missing) - MAX_LISTED} more patients without a baseline ALC"
        yield t.problem("labs", msg, "a day-0 ALC per patient", column="alc")


# -- adverse events ------------------------------------------------------------------------


def adverse_events_are_of_known_patients(t: Tables) -> Iterator[Problem]:
    """Every adverse event belongs to a patient of ``patients``."""
    yield from _unknown_patients(t, "adverse_events")


def onset_within_follow_up_and_life(t: Tables) -> Iterator[Problem]:
    """An event's onset is on or before the end of follow-up, death and the last known status.

    One problem per event: for the first of these three limits that the onset passes.
    """
    for line, pid, day in t.rows("adverse_events", "patient_id", "onset_day"):
        if not t.known(pid) or pd.isna(day):
            continue
        d, lf = t.death.get(pid), t.last.get(pid)
        if t.follow is not None and day > t.follow:
            msg = f"onset day {day} is after the end of follow-up (day {t.follow})"
            hint = "check the day, or follow_up_days in trial.yaml"
        elif d is not None and pd.notna(d) and day > d:
            msg, hint = (
                f"onset on day {day}, after death (day {d})",
                "check the onset day or death_day",
            )
        elif lf is not None and pd.notna(lf) and day > lf:
            msg = f"onset on day {day}, after last_follow_up_day {lf}"
            hint = "check the onset day or last_follow_up_day"
        else:
            continue
        yield t.problem("adverse_events", msg, hint, line, "onset_day")


def fatal_events_only_for_deaths(t: Tables) -> Iterator[Problem]:
    """A grade-5 (fatal) event belongs to a patient whose outcomes row has a ``death_day``."""
    msg = "grade 5 (fatal) event for a patient without a death_day"
    hint = "grade 5 means death: fix the grade or the outcomes row"
    for line, pid, grade in t.rows("adverse_events", "patient_id", "grade"):
        if not t.known(pid) or pd.isna(grade) or grade != 5:
            continue
        if pid in t.death and pd.isna(t.death[pid]):
            yield t.problem("adverse_events", msg, hint, line, "grade")


RULES: tuple[tuple[Rule, ...], ...] = (
    (arms_and_regimens_are_declared,),
    (every_arm_has_patients,),
    (trial_has_patients,),
    (outcomes_are_of_known_patients,),
    (every_patient_has_outcomes,),
    (
        outcome_days_within_follow_up,
        death_ends_follow_up,
        outcome_events_end_at_death_or_last_follow_up,
        hospital_discharge_after_icu_discharge,
    ),
    (
        labs_are_of_known_patients,
        lab_days_within_follow_up,
        lab_draws_end_at_death_or_last_follow_up,
        below_detection_has_a_value,
    ),
    (every_patient_has_baseline_alc,),
    (
        adverse_events_are_of_known_patients,
        onset_within_follow_up_and_life,
        fatal_events_only_for_deaths,
    ),
)


def check_consistency(
    meta: TrialMeta | None,
    frames: dict[str, pd.DataFrame],
    files: dict[str, str],
    problems: ProblemList,
) -> None:
    """Apply every rule of :data:`RULES`, adding what they find to ``problems``.

    Parameters
    ----------
    meta : TrialMeta or None
        The trial's metadata (None if ``trial.yaml`` was invalid: the rules that need it are skipped).
    frames : dict of str to DataFrame
        The four parsed tables, indexed by file line.
    files : dict of str to str
        The file name of each table, for the problems' locations.
    problems : ProblemList
        Where the problems go.
    """
    tables = Tables.build(meta, frames, files)
    for group in RULES:
        found = [p for rule in group for p in rule(tables)]
        # row by row; within a row in the order of the rules (the sort is stable)
        for p in sorted(found, key=lambda p: -1 if p.row is None else p.row):
            problems.append(p)
