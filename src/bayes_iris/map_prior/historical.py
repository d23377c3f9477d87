"""Historical data for meta-analytic-predictive priors, as data with sources.

Every number below was read from a citable source (the article's abstract unless said otherwise);
a number computed from a reported percentage, or an assumed standard error, is flagged
``derived``/``assumed`` with its reasoning in ``note``. Studies considered and left out are listed
in ``excluded`` with the reason.

Datasets
--------
``ankylosing_spondylitis()``
    The RBesT reference data ``AS`` (placebo ASAS20 responders at week 6 in 8 historical
    trials; Baeten et al. 2013): the oracle for the MAP machinery.
``septic_shock_placebo_mortality()``
    28-day all-cause mortality in the placebo arms of double-blind placebo-controlled RCTs in
    adults with septic shock. Inclusion: randomised, double-blind, placebo-controlled; adults
    with septic shock (not severe sepsis without shock, not vasodilatory shock of any cause);
    28-day all-cause mortality of the whole placebo arm reported in the abstract (count, or
    percentage and arm size). Real, published numbers.
``cyt107_alc_codata()``
    The CYT107 effect on the absolute lymphocyte count (log ratio CYT107 / placebo) in IRIS-7,
    IRIS-7-C&D and ILIAD-7. The abstracts give fold changes without standard errors; the
    standard errors are derived (from a P-value) or assumed (from the arm sizes and an assumed
    per-patient SD) and say so. ILIAD-7 is COVID-19, a different population: the between-study
    heterogeneity and the robust component carry that. Illustrative co-data, not an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError

#: The per-patient SD of log ALC at day 29 the toolkit assumes elsewhere (design_priors).
SD_LOG_ALC = 0.8


@dataclass(frozen=True)
class HistoricalData:
    """Study-level historical data for a MAP prior.

    ``table`` has ``study`` and, by ``likelihood``: ``r, n`` (binomial), ``y, se`` (normal),
    ``y, exposure`` (poisson); plus ``source`` (citation), ``time_point``, ``derived`` (bool)
    and ``note``.
    """

    name: str
    likelihood: str
    table: pd.DataFrame
    description: str
    outcome: str
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["study", "source", "reason"]))

    def __post_init__(self) -> None:
        need = {"binomial": ("r", "n"), "normal": ("y", "se"),
                "poisson": ("y", "exposure")}.get(self.likelihood)
        if need is None:
            raise InputError(f"unknown likelihood {self.likelihood!r}", column="likelihood",
                             hint="'binomial', 'normal' or 'poisson'")
        missing = [c for c in ("study", *need) if c not in self.table.columns]
        if missing:
            raise InputError(f"historical data {self.name!r} lacks column(s) {missing}",
                             column=missing[0])
        t = self.table
        for i, row in enumerate(t.itertuples(index=False), start=1):
            vals = [getattr(row, c) for c in need]
            if not all(np.isfinite(v) for v in vals):
                raise InputError(f"study {row.study!r}: non-finite {need}", row=i,
                                 column=need[0])
            if self.likelihood == "binomial" and not (0 <= vals[0] <= vals[1] and vals[1] > 0):
                raise InputError(f"study {row.study!r}: need 0 <= r <= n, n > 0", row=i,
                                 column="r")
            if self.likelihood != "binomial" and not vals[1] > 0:
                raise InputError(f"study {row.study!r}: {need[1]} must be > 0", row=i,
                                 column=need[1])
        if len(t) < 2:
            raise InputError("a meta-analysis needs at least two studies", column="study")

    @property
    def n_studies(self) -> int:
        return len(self.table)

    def observed(self) -> pd.DataFrame:
        """Per study: the observed estimate on the natural scale with a 95 % interval
        (Clopper-Pearson for counts, estimate ± 1.96 SE for normal data, exact Poisson)."""
        t = self.table
        if self.likelihood == "binomial":
            r, n = t["r"].to_numpy(float), t["n"].to_numpy(float)
            lo = np.where(r > 0, stats.beta.ppf(0.025, r, n - r + 1), 0.0)
            hi = np.where(r < n, stats.beta.ppf(0.975, r + 1, n - r), 1.0)
            est = r / n
        elif self.likelihood == "normal":
            est = t["y"].to_numpy(float)
            se = t["se"].to_numpy(float)
            lo, hi = est - 1.96 * se, est + 1.96 * se
        else:
            y, e = t["y"].to_numpy(float), t["exposure"].to_numpy(float)
            est = y / e
            lo = np.where(y > 0, stats.chi2.ppf(0.025, 2 * y) / 2, 0.0) / e
            hi = stats.chi2.ppf(0.975, 2 * y + 2) / 2 / e
        return pd.DataFrame({"study": t["study"], "estimate": est, "lower95": lo,
                             "upper95": hi})


def ankylosing_spondylitis() -> HistoricalData:
    """RBesT's ``AS`` data: placebo ASAS20 responders at week 6, 8 historical trials.

    Source: R package RBesT, dataset ``AS`` (read from the package's data file); Baeten D et al.
    Anti-interleukin-17A monoclonal antibody secukinumab in treatment of ankylosing spondylitis.
    Lancet 2013;382(9906):1705-1713.

    Examples
    --------
    >>> d = ankylosing_spondylitis()
    >>> int(d.table["n"].sum()), int(d.table["r"].sum())
    (513, 127)
    """
    n = [107, 44, 51, 39, 139, 20, 78, 35]
    r = [23, 12, 19, 9, 39, 6, 9, 10]
    src = "RBesT dataset AS (Baeten et al., Lancet 2013;382:1705)"
    table = pd.DataFrame({"study": [f"Study {i}" for i in range(1, 9)], "r": r, "n": n,
                          "source": src, "time_point": "week 6", "derived": False, "note": ""})
    return HistoricalData("ankylosing_spondylitis", "binomial", table,
                          "Placebo ASAS20 response at week 6 (RBesT reference data).",
                          "ASAS20 response on placebo")


def septic_shock_placebo_mortality() -> HistoricalData:
    """28-day all-cause mortality in placebo arms of septic-shock RCTs (see the module
    docstring for the inclusion criteria).

    Examples
    --------
    >>> d = septic_shock_placebo_mortality()
    >>> d.n_studies, int(d.table["n"].sum())
    (5, 2627)
    """
    rows = [
        ("NORASEPT II (anti-TNFα MAb)", 398, 930, "Abraham E et al. Double-blind randomised "
         "controlled trial of monoclonal antibody to human tumour necrosis factor in treatment "
         "of septic shock. Lancet 1998;351:929-933. doi:10.1016/S0140-6736(05)60602-2",
         False, "abstract: 398 (42.8%) of 930 on placebo had died at 28 days"),
        ("López 2004 (546C88, NOS inhibitor)", 174, 358, "López A et al. Multiple-center, "
         "randomized, placebo-controlled, double-blind study of the nitric oxide synthase "
         "inhibitor 546C88: effect on survival in patients with septic shock. Crit Care Med "
         "2004;32:21-30. doi:10.1097/01.CCM.0000105581.01815.C6", False,
         "abstract: day-28 mortality 49% (174/358) on placebo; trial stopped early for harm"),
        ("CORTICUS (hydrocortisone)", 78, 248, "Sprung CL et al. Hydrocortisone therapy for "
         "patients with septic shock. N Engl J Med 2008;358:111-124. doi:10.1056/NEJMoa071366",
         False, "abstract: 78 of 248 patients in the placebo group (31.5%) had died at 28 days"),
        ("PROWESS-SHOCK (drotrecogin alfa)", 202, 834, "Ranieri VM et al. Drotrecogin alfa "
         "(activated) in adults with septic shock. N Engl J Med 2012;366:2055-2064. "
         "doi:10.1056/NEJMoa1202290", False,
         "abstract: 202 of 834 (24.2%) in the placebo group had died at 28 days"),
        ("LeoPARDS (levosimendan)", 79, 257, "Gordon AC et al. Levosimendan for the prevention "
         "of acute organ dysfunction in sepsis. N Engl J Med 2016;375:1638-1648. "
         "doi:10.1056/NEJMoa1609409, PMID 27705084", True,
         "DERIVED: the abstract gives 28-day mortality 30.9% and 257 patients assigned to "
         "placebo; 0.309 x 257 = 79.4 -> 79 (79/256 = 30.9% suggests one patient without "
         "28-day status; the count may be off by one)"),
    ]
    table = pd.DataFrame(rows, columns=["study", "r", "n", "source", "derived", "note"])
    table.insert(4, "time_point", "28 days")
    excluded = pd.DataFrame([
        ("APROCCHSS (hydrocortisone + fludrocortisone)", "Annane D et al. N Engl J Med "
         "2018;378:809-818 (PMID 29490185)", "primary outcome 90-day mortality; the 28-day "
         "mortality (38.9% of 627 on placebo) appears only in secondary summaries, not in the "
         "abstract"),
        ("ADRENAL (hydrocortisone)", "Venkatesh B et al. N Engl J Med 2018. "
         "doi:10.1056/NEJMoa1705835", "90-day mortality only in the abstract"),
        ("Annane 2002 (hydrocortisone + fludrocortisone)", "Annane D et al. JAMA "
         "2002;288:862-871", "the abstract gives 28-day mortality only for corticotropin "
         "non-responders (73/115 on placebo), not the whole placebo arm"),
        ("ATHOS-3 (angiotensin II)", "Khanna A et al. N Engl J Med 2017;377:419-430 (PMID "
         "28528561)", "vasodilatory shock of any cause (85/158 placebo deaths by day 28), not "
         "septic shock only"),
    ], columns=["study", "source", "reason"])
    return HistoricalData(
        "septic_shock_placebo_28d_mortality", "binomial", table,
        "28-day all-cause mortality, placebo arms of double-blind placebo-controlled RCTs in "
        "adults with septic shock (published abstracts; one count derived from a percentage).",
        "28-day mortality on placebo", excluded)


def cyt107_alc_codata(sd_log_alc: float = SD_LOG_ALC) -> HistoricalData:
    """CYT107 effect on ALC (log ratio CYT107 / placebo) as co-data — ILLUSTRATIVE.

    Estimates and standard errors, each with its derivation (FACTS.md, abstracts):

    * IRIS-7 (Francois et al., JCI Insight 2018;3(5):e98960): "3- to 4-fold increase" in ALC on
      CYT107. ASSUMED: the geometric midpoint √12 ≈ 3.46-fold as the CYT107/placebo ratio (the
      abstract does not say how much the placebo arm recovered; this overstates the effect if
      it did) and SE = ``sd_log_alc·√(1/17 + 1/10)`` (arm sizes 17 and 10, assumed per-patient
      SD of log ALC).
    * IRIS-7-C&D (Daix et al., Ann Intensive Care 2023;13:17): "2- to 3-fold increase vs
      placebo", p < 0.05. Estimate √6 ≈ 2.45-fold; ASSUMED SE = ``sd_log_alc·√(1/15 + 1/6)``;
      with the default SD the implied p is 0.02, consistent with p < 0.05.
    * ILIAD-7 (Shankar-Hari et al., JCI Insight 2025;10(6):e189150): final ALC 43 % higher on
      CYT107 (P = 0.067) in patients not on antivirals. Estimate log 1.43; DERIVED SE =
      log(1.43)/Φ⁻¹(1 − 0.067/2) (a two-sided test on the log scale assumed). COVID-19, not
      bacterial sepsis, and a subgroup.

    Examples
    --------
    >>> d = cyt107_alc_codata()
    >>> [round(float(v), 3) for v in d.table["se"]]
    [0.319, 0.386, 0.195]
    """
    if not (np.isfinite(sd_log_alc) and sd_log_alc > 0):
        raise InputError(f"sd_log_alc must be > 0, got {sd_log_alc}", column="sd_log_alc")
    z_iliad = stats.norm.isf(0.067 / 2)
    rows = [
        ("IRIS-7", float(np.log(np.sqrt(12.0))), sd_log_alc * np.sqrt(1 / 17 + 1 / 10),
         "Francois B et al. JCI Insight 2018;3(5):e98960. doi:10.1172/jci.insight.98960", True,
         "ASSUMED: 3-4-fold rise on CYT107 read as the CYT107/placebo ratio (geometric "
         f"midpoint); SE from arm sizes 17/10 and an assumed SD of log ALC {sd_log_alc:g}"),
        ("IRIS-7-C&D", float(np.log(np.sqrt(6.0))), sd_log_alc * np.sqrt(1 / 15 + 1 / 6),
         "Daix T et al. Ann Intensive Care 2023;13:17. doi:10.1186/s13613-023-01109-w", True,
         "2-3-fold vs placebo (geometric midpoint), p < 0.05; ASSUMED SE from arm sizes 15/6 "
         f"and SD of log ALC {sd_log_alc:g}"),
        ("ILIAD-7 (COVID-19, no antivirals)", float(np.log(1.43)),
         float(np.log(1.43) / z_iliad),
         "Shankar-Hari M et al. JCI Insight 2025;10(6):e189150", True,
         "43% higher final ALC, P = 0.067; DERIVED SE = log(1.43)/z(0.0335); different "
         "population (COVID-19), subgroup"),
    ]
    table = pd.DataFrame(rows, columns=["study", "y", "se", "source", "derived", "note"])
    table.insert(3, "time_point", ["day 29 (4 weeks)", "through follow-up", "final ALC"])
    return HistoricalData(
        "cyt107_alc_log_ratio", "normal", table,
        "ILLUSTRATIVE co-data: CYT107 effect on ALC (log ratio vs placebo); standard errors "
        "derived or assumed; one study in COVID-19.", "log ALC ratio (CYT107 / placebo)")
