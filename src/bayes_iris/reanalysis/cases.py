"""Built-in published cases: summary-level numbers from :mod:`bayes_iris.data.published`.

``sepsis_mortality`` RR 1.01 (0.36–2.81) and ``sepsis_secondary_infection`` RR 1.05 (0.48–2.30)
(pooled sepsis subgroup of the 2026 meta-analysis, PMID 42055480), its COVID-19 rows, and
``iv_fever_respiratory_distress`` 3/15 vs 0/6 (Daix et al., Ann Intensive Care 2023;13:17).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..data import published as P
from ..errors import InputError
from .inputs import Counts, Estimate

__all__ = ["BUILTIN_CASES", "Case", "builtin_case"]


class Case(BaseModel):
    """A built-in published case: the data, its MCID and where the numbers come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    data: Estimate | Counts
    mcid: float
    source: str


def _builtin_cases() -> dict[str, Case]:
    """Built-in cases from :mod:`bayes_iris.data.published` (FACTS.md; cited there).

    MCID 0.8 (a 20 % relative reduction) is the toolkit's stated assumption for mortality and
    infection outcomes; for the adverse event, benefit is a lower risk on CYT107 and the MCID is
    likewise 0.8 (so P(harm) = P(RR > 1)).
    """
    cases: dict[str, Case] = {}
    for m in P.META_ANALYSIS:
        if m.measure != "RR":
            continue
        pop = "sepsis" if m.population == "sepsis" else "covid"
        outcome = "mortality" if m.outcome == "mortality" else "secondary_infection"
        name = f"{pop}_{outcome}"
        cases[name] = Case(name=name, mcid=0.8, source=f"{m.citation} ({m.population} subgroup)",
                           data=Estimate(value=m.estimate, lower=m.lower, upper=m.upper,
                                         measure="RR"))
    e = P.FEVER_RESPIRATORY_DISTRESS
    cases["iv_fever_respiratory_distress"] = Case(
        name="iv_fever_respiratory_distress", mcid=0.8, source=f"{e.citation}; {e.note}",
        data=Counts(events_treated=e.events_cyt107, n_treated=e.n_cyt107,
                    events_control=e.events_placebo, n_control=e.n_placebo, measure="RR"))
    return cases


#: Built-in cases: ``sepsis_mortality`` RR 1.01 (0.36–2.81), ``sepsis_secondary_infection``
#: RR 1.05 (0.48–2.30), the COVID-19 rows of the same meta-analysis (PMID 42055480), and
#: ``iv_fever_respiratory_distress`` 3/15 vs 0/6 (Daix et al., Ann Intensive Care 2023;13:17).
BUILTIN_CASES: dict[str, Case] = _builtin_cases()


def builtin_case(name: str) -> Case:
    """Look up a built-in case by name (hyphens or underscores).

    Examples
    --------
    >>> builtin_case("sepsis-mortality").data.value
    1.01
    """
    key = str(name).strip().lower().replace("-", "_")
    if key not in BUILTIN_CASES:
        raise InputError(f"unknown built-in case {name!r}", column="builtin",
                         hint="one of: " + ", ".join(k.replace("_", "-") for k in BUILTIN_CASES))
    return BUILTIN_CASES[key]
