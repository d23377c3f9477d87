"""What is publicly known about IRIS-7 and IRIS-7-C&D, as cited data.

Every fact carries its citation and evidence level (FACTS.md convention): **A** article abstract ·
**R** trial registry record · **N** press/news, unverified · **M** pooled meta-analysis · **I** inferred.
Only the analysable facts are here (numbers); the full texts were not available.

References
----------
.. [1] Francois B, Jeannet R, Daix T, et al. Interleukin-7 restores lymphocytes in septic shock: the
   IRIS-7 randomized clinical trial. JCI Insight 2018;3(5):e98960. doi:10.1172/jci.insight.98960.
   NCT02640807, NCT02797431.
.. [2] Daix T, et al. Intravenously administered interleukin-7 to reverse lymphopenia in patients with
   septic shock. Ann Intensive Care 2023;13:17. doi:10.1186/s13613-023-01109-w. NCT03821038.
.. [3] Recombinant human interleukin-7 for patients with infection-associated lymphopenia: a
   systematic review and meta-analysis. 2026. PMID 42055480.

Examples
--------
>>> IRIS7_ARMS.cyt107, IRIS7_ARMS.placebo
(17, 10)
>>> len(META_ANALYSIS)
8
>>> FEVER_RESPIRATORY_DISTRESS.events_cyt107, FEVER_RESPIRATORY_DISTRESS.n_cyt107
(3, 15)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Level = Literal["A", "R", "N", "M", "I"]

IRIS7 = (
    "Francois B, et al. JCI Insight 2018;3(5):e98960. doi:10.1172/jci.insight.98960 "
    "(NCT02640807, NCT02797431)"
)
IRIS7_CD = (
    "Daix T, et al. Ann Intensive Care 2023;13:17. doi:10.1186/s13613-023-01109-w (NCT03821038)"
)
META = (
    "Recombinant human IL-7 for infection-associated lymphopenia: systematic review and "
    "meta-analysis, 2026, PMID 42055480"
)
IRIS7_PRESS = "press coverage of Francois et al. 2018 (FACTS.md; unverified against the article)"
IRIS7_REGISTRY = "ClinicalTrials.gov NCT02640807 / NCT02797431 (registry records)"
IRIS7_CD_REGISTRY = "ClinicalTrials.gov NCT03821038 (registry record)"

LEVELS: dict[str, str] = {
    "A": "article abstract (primary)",
    "R": "trial registry record (protocol, not results)",
    "N": "press/news, unverified against the article",
    "M": "pooled meta-analysis",
    "I": "inferred, not read",
}


@dataclass(frozen=True)
class ArmSizes:
    """Patients randomised per arm."""

    trial: str
    cyt107: int
    placebo: int
    citation: str
    level: Level
    route: str

    @property
    def total(self) -> int:
        """Patients randomised in both arms."""
        return self.cyt107 + self.placebo


@dataclass(frozen=True)
class FoldRange:
    """A published range of fold increases in lymphocyte counts with CYT107."""

    trial: str
    markers: tuple[str, ...]
    low: float
    high: float
    reference: Literal["baseline", "placebo"]
    route: str
    citation: str
    level: Level
    note: str


@dataclass(frozen=True)
class MetaEstimate:
    """One pooled estimate of the meta-analysis (sepsis or COVID-19 subgroup)."""

    population: str
    outcome: str
    time: str | None
    measure: Literal["MD", "RR"]
    estimate: float
    lower: float
    upper: float
    scale: Literal["difference", "ratio"]
    units: str
    citation: str = META
    level: Level = "M"


@dataclass(frozen=True)
class EventCounts:
    """Patients with an event out of patients at risk, by arm."""

    event: str
    events_cyt107: int
    n_cyt107: int
    events_placebo: int
    n_placebo: int
    citation: str
    level: Level
    note: str


@dataclass(frozen=True)
class Fact:
    """A single published number."""

    name: str
    value: float
    unit: str
    citation: str
    level: Level
    note: str = ""


IRIS7_ARMS = ArmSizes(
    "IRIS-7",
    cyt107=17,
    placebo=10,
    citation=IRIS7_PRESS,
    level="N",
    route="IM (SC if INR > 2.5 or platelets < 35,000/mm³)",
)
IRIS7_TOTAL = Fact("IRIS-7 patients randomised", 27, "patients", IRIS7, "A")
IRIS7_CD_ARMS = ArmSizes(
    "IRIS-7-C&D", cyt107=15, placebo=6, citation=IRIS7_CD, level="A", route="IV"
)

FOLD_RANGES: tuple[FoldRange, ...] = (
    FoldRange(
        "IRIS-7",
        ("alc", "cd4", "cd8"),
        3.0,
        4.0,
        "baseline",
        "IM",
        IRIS7,
        "A",
        "'3- to 4-fold increase' with CYT107, persisting for weeks after the last dose; "
        "the reference (baseline) is the natural reading of the abstract, not stated.",
    ),
    FoldRange(
        "IRIS-7-C&D",
        ("alc", "cd4", "cd8"),
        2.0,
        3.0,
        "placebo",
        "IV",
        IRIS7_CD,
        "A",
        "'2- to 3-fold increase vs placebo', all p < 0.05, maintained through follow-up.",
    ),
)

_MD_UNITS = "10^9 cells/L (probably; units not stated in the meta-analysis)"
META_ANALYSIS: tuple[MetaEstimate, ...] = (
    MetaEstimate("sepsis", "ALC", "3 weeks", "MD", 1.33, 0.29, 2.38, "difference", _MD_UNITS),
    MetaEstimate("sepsis", "ALC", "4 weeks", "MD", 1.14, 0.02, 2.25, "difference", _MD_UNITS),
    MetaEstimate(
        "sepsis", "CD4+ T cells", "3 weeks", "MD", 0.56, 0.08, 1.05, "difference", _MD_UNITS
    ),
    MetaEstimate(
        "sepsis", "CD8+ T cells", "2 weeks", "MD", 0.40, 0.05, 0.76, "difference", _MD_UNITS
    ),
    MetaEstimate("sepsis", "mortality", None, "RR", 1.01, 0.36, 2.81, "ratio", "risk ratio"),
    MetaEstimate(
        "sepsis", "secondary infections", None, "RR", 1.05, 0.48, 2.30, "ratio", "risk ratio"
    ),
    MetaEstimate("COVID-19", "mortality", None, "RR", 0.85, 0.55, 1.33, "ratio", "risk ratio"),
    MetaEstimate(
        "COVID-19", "secondary infections", None, "RR", 0.58, 0.46, 0.74, "ratio", "risk ratio"
    ),
)

FEVER_RESPIRATORY_DISTRESS = EventCounts(
    "fever and respiratory distress 5-8 h after a dose (IV CYT107)",
    3,
    15,
    0,
    6,
    IRIS7_CD,
    "A",
    "3 of 15 CYT107 patients (article abstract, level A); 0 of 6 on placebo is inferred (level I). "
    "The trial was stopped early.",
)

ENTRY_ALC_MAX = Fact(
    "entry ALC threshold (≤)",
    900,
    "cells/mm³",
    IRIS7_REGISTRY,
    "R",
    "ALC ≤ 900 on the day of consent or the day before",
)
DOSING_WEEKS = Fact("treatment duration", 4, "weeks", IRIS7, "A")
DOSE = Fact(
    "CYT107 dose",
    10,
    "µg/kg",
    IRIS7_REGISTRY,
    "R",
    "two dosing frequencies studied (registry: 3 groups incl. placebo)",
)
PRIMARY_ENDPOINT_RISE = Fact(
    "primary endpoint: ALC rise over baseline (≥)",
    0.50,
    "fraction",
    IRIS7_CD_REGISTRY,
    "R",
    "ALC rise ≥ 50% over baseline at day 29; baseline = mean of two qualifying ALCs ≤ 900/mm³",
)
PRIMARY_ENDPOINT_DAY = Fact("primary endpoint day", 29, "study day", IRIS7_CD_REGISTRY, "R")
NEXT_TRIAL_SIZE_LOW = Fact("next trial size discussed (low)", 300, "patients", IRIS7_PRESS, "N")
NEXT_TRIAL_SIZE_HIGH = Fact("next trial size discussed (high)", 400, "patients", IRIS7_PRESS, "N")
IV_EXPOSURE_RATIO = Fact(
    "IV vs IM CYT107 blood concentration", 100, "ratio (approx.)", IRIS7_CD, "A"
)
CD_FOLLOW_UP = Fact("IRIS-7-C&D follow-up", 90, "days (up to)", IRIS7_CD, "A")

FACTS: tuple[Fact, ...] = (
    IRIS7_TOTAL,
    ENTRY_ALC_MAX,
    DOSING_WEEKS,
    DOSE,
    PRIMARY_ENDPOINT_RISE,
    PRIMARY_ENDPOINT_DAY,
    NEXT_TRIAL_SIZE_LOW,
    NEXT_TRIAL_SIZE_HIGH,
    IV_EXPOSURE_RATIO,
    CD_FOLLOW_UP,
)


def meta_analysis_table() -> pd.DataFrame:
    """The 8 pooled estimates of the meta-analysis, one row each.

    Examples
    --------
    >>> t = meta_analysis_table()
    >>> t.loc[(t.outcome == "mortality") & (t.population == "sepsis"), "estimate"].item()
    1.01
    """
    return pd.DataFrame([asdict(m) for m in META_ANALYSIS])


def published_table() -> pd.DataFrame:
    """Every analysable public fact as one row: ``fact``, ``value``, ``low``, ``high``, ``unit``,
    ``citation``, ``level``, ``note``.

    Examples
    --------
    >>> t = published_table()
    >>> set(t["level"]) <= {"A", "R", "N", "M", "I"}
    True
    >>> int(t.loc[t.fact == "IRIS-7 CYT107 patients", "value"].item())
    17
    """
    rows = []
    for a in (IRIS7_ARMS, IRIS7_CD_ARMS):
        for arm in ("cyt107", "placebo"):
            rows.append(
                {
                    "fact": f"{a.trial} {arm.upper() if arm == 'cyt107' else arm} patients",
                    "value": float(getattr(a, arm)),
                    "low": None,
                    "high": None,
                    "unit": "patients",
                    "citation": a.citation,
                    "level": a.level,
                    "note": f"route {a.route}",
                }
            )
    for f in FOLD_RANGES:
        rows.append(
            {
                "fact": f"{f.trial} fold increase ({', '.join(f.markers)}) vs {f.reference}",
                "value": None,
                "low": f.low,
                "high": f.high,
                "unit": "fold",
                "citation": f.citation,
                "level": f.level,
                "note": f.note,
            }
        )
    for m in META_ANALYSIS:
        when = f", {m.time}" if m.time else ""
        rows.append(
            {
                "fact": f"meta-analysis {m.population}: {m.outcome}{when} ({m.measure})",
                "value": m.estimate,
                "low": m.lower,
                "high": m.upper,
                "unit": m.units,
                "citation": m.citation,
                "level": m.level,
                "note": "95% CI in low-high",
            }
        )
    e = FEVER_RESPIRATORY_DISTRESS
    rows.append(
        {
            "fact": f"{e.event}: CYT107",
            "value": float(e.events_cyt107),
            "low": None,
            "high": None,
            "unit": f"patients of {e.n_cyt107}",
            "citation": e.citation,
            "level": "A",
            "note": e.note,
        }
    )
    rows.append(
        {
            "fact": f"{e.event}: placebo",
            "value": float(e.events_placebo),
            "low": None,
            "high": None,
            "unit": f"patients of {e.n_placebo}",
            "citation": e.citation,
            "level": "I",
            "note": e.note,
        }
    )
    for f in FACTS:
        rows.append(
            {
                "fact": f.name,
                "value": float(f.value),
                "low": None,
                "high": None,
                "unit": f.unit,
                "citation": f.citation,
                "level": f.level,
                "note": f.note,
            }
        )
    out = pd.DataFrame(rows)
    for col in ("value", "low", "high"):
        out[col] = out[col].astype("float64")
    return out
