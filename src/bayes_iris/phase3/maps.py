"""The two MAP applications of the phase III plan, as tables: what the historical data say
(``map_shrinkage``, ``map_excluded``), the MAP prior and its robust version (``map_summary``,
``map_mixture``), and whether the trial's own data conflict with it (``map_conflict``).

* **Placebo 28-day mortality** (real, cited counts of five double-blind septic-shock RCTs): the
  design prior of the placebo risk of the mortality design; the robust MAP is the borrowing
  option whose operating characteristics the plan shows (and does not recommend).
* **CYT107 effect on ALC** (IRIS-7, IRIS-7-C&D, ILIAD-7; published fold changes with derived or
  assumed standard errors; robust weight 0.5 because ILIAD-7 is COVID-19): the design prior of
  the mechanistic ALC design.

Both are fitted by deterministic quadrature (:func:`bayes_iris.map_prior.fit_map_quadrature`).
The conflict check compares the analysed trial's placebo deaths and day-29 ALC ratio with the MAP
(Box's prior-predictive p-value; the posterior weight of the robust component after those data);
made from a SYNTHETIC trial, it says so in every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..map_prior import MAPResult, application

__all__ = [
    "MAPS",
    "MAP_CONFLICT_COLUMNS",
    "MAP_EXCLUDED_COLUMNS",
    "MAP_MIXTURE_COLUMNS",
    "MAP_SHRINKAGE_COLUMNS",
    "MAP_SUMMARY_COLUMNS",
    "TrialEvidence",
    "conflict_table",
    "fit_maps",
    "map_tables",
]

#: The applications the plan uses: key -> (application name, what it is used as, data kind).
MAPS = {
    "placebo_mortality": ("septic_shock_mortality",
                          "design prior of the placebo 28-day mortality (mortality design); "
                          "robust version: the borrowing option (not recommended)",
                          "real published counts (one derived from a percentage)"),
    "cyt107_alc": ("cyt107_alc",
                   "design prior of the day-29 ALC ratio (mechanistic ALC design)",
                   "ILLUSTRATIVE: published fold changes, standard errors derived or assumed; "
                   "one COVID-19 study"),
}

MAP_SUMMARY_COLUMNS = [
    "map", "outcome", "used_as", "data_kind", "n_studies", "studies", "tau_prior", "mean_prior",
    "mu_median", "tau_median", "tau_lower95", "tau_upper95", "map_mean", "map_sd", "map_median",
    "map_lower95", "map_upper95", "mixture_components", "mixture_mean", "mixture_sd",
    "ess_elir", "robust_weight", "robust_mean", "robust_sd", "robust_ess_elir", "ess_unit",
    "method", "status",
]
MAP_MIXTURE_COLUMNS = ["map", "prior", "component", "w", "a", "b", "m", "s", "mean", "sd"]
MAP_SHRINKAGE_COLUMNS = [
    "map", "study", "data", "estimate", "lower95", "upper95", "shrunk_median", "shrunk_lower95",
    "shrunk_upper95", "shrunk_mean", "time_point", "derived", "note", "source",
]
MAP_EXCLUDED_COLUMNS = ["map", "study", "source", "reason"]
MAP_CONFLICT_COLUMNS = [
    "map", "compared_with", "data", "observed", "p_conflict_map", "p_conflict_robust",
    "robust_weight_prior", "robust_weight_posterior", "conclusion", "provenance_label",
]


def fit_maps() -> dict[str, MAPResult]:
    """Both MAP applications, by quadrature (a few seconds, deterministic).

    Examples
    --------
    >>> fits = fit_maps()
    >>> sorted(fits), round(fits["placebo_mortality"].summary.iloc[0]["map_mean"], 2)
    (['cyt107_alc', 'placebo_mortality'], np.float64(0.37))
    """
    return {key: application(name) for key, (name, _, _) in MAPS.items()}


def _comp_rows(key: str, which: str, mix) -> list[dict]:
    rows = []
    for k in range(mix.n_components):
        if hasattr(mix, "a"):
            a, b = float(mix.a[k]), float(mix.b[k])
            mean, sd = a / (a + b), float(np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))
            rows.append({"map": key, "prior": which, "component": k + 1, "w": float(mix.w[k]),
                         "a": a, "b": b, "m": np.nan, "s": np.nan, "mean": mean, "sd": sd})
        else:
            m, s = float(mix.m[k]), float(mix.s[k])
            rows.append({"map": key, "prior": which, "component": k + 1, "w": float(mix.w[k]),
                         "a": np.nan, "b": np.nan, "m": m, "s": s, "mean": m, "sd": s})
    return rows


def map_tables(fits: dict[str, MAPResult]) -> dict[str, pd.DataFrame]:
    """``map_summary``, ``map_mixture``, ``map_shrinkage`` and ``map_excluded`` of the fits."""
    summary, mixture, shrink, excluded = [], [], [], []
    for key, res in fits.items():
        _, used_as, kind = MAPS.get(key, (key, "", ""))
        s = res.summary.iloc[0]
        data = res.model.data
        rob = res.robust_prior
        summary.append({
            "map": key, "outcome": data.outcome, "used_as": used_as, "data_kind": kind,
            "n_studies": data.n_studies, "studies": "; ".join(map(str, data.table["study"])),
            **{c: s[c] for c in ("tau_prior", "mean_prior", "mu_median", "tau_median",
                                 "tau_lower95", "tau_upper95", "map_mean", "map_sd",
                                 "map_median", "map_lower95", "map_upper95",
                                 "mixture_components", "mixture_mean", "mixture_sd",
                                 "ess_elir", "robust_weight", "robust_ess_elir", "method",
                                 "status")},
            "robust_mean": float(rob.mean), "robust_sd": float(rob.sd),
            "ess_unit": ("patients" if data.likelihood == "binomial" else
                         "patients in total of a 1:1 trial (sigma = 2 x SD of log ALC)"),
        })
        mixture += _comp_rows(key, "map", res.mixture) + _comp_rows(key, "robust", rob)
        t = data.table
        if data.likelihood == "binomial":
            shown = [f"{int(r)}/{int(n)}" for r, n in zip(t["r"], t["n"], strict=True)]
        else:
            shown = [f"{y:.3f} (SE {se:.3f})" for y, se in zip(t["y"], t["se"], strict=True)]
        sh = res.shrinkage.assign(map=key, data=shown, time_point=t["time_point"].to_numpy(),
                                  derived=t["derived"].to_numpy(), note=t["note"].to_numpy(),
                                  source=t["source"].to_numpy())
        shrink.append(sh[MAP_SHRINKAGE_COLUMNS])
        if len(data.excluded):
            excluded.append(data.excluded.assign(map=key)[MAP_EXCLUDED_COLUMNS])
    return {
        "map_summary": pd.DataFrame(summary, columns=MAP_SUMMARY_COLUMNS),
        "map_mixture": pd.DataFrame(mixture, columns=MAP_MIXTURE_COLUMNS),
        "map_shrinkage": pd.concat(shrink, ignore_index=True),
        "map_excluded": (pd.concat(excluded, ignore_index=True) if excluded
                         else pd.DataFrame(columns=MAP_EXCLUDED_COLUMNS)),
    }


@dataclass(frozen=True)
class TrialEvidence:
    """What the analysed trial says about the MAPs' quantities: placebo 28-day deaths of
    patients with a known day-28 status, and the day-29 log ALC ratio with its posterior SD
    (``None`` where unknown); ``label``: the trial's provenance label (SYNTHETIC ...)."""

    placebo_deaths: int | None
    placebo_n: int | None
    alc_log_ratio: float | None
    alc_log_ratio_sd: float | None
    label: str

    @classmethod
    def from_trial(cls, trial, alc=None) -> TrialEvidence:
        """From a :class:`~bayes_iris.data.TrialData` (deaths by day 28 on placebo) and the
        trajectory step's :class:`~bayes_iris.design.AlcInputs` (or ``None``)."""
        pats = trial.patients[["patient_id", "arm"]]
        out = trial.outcomes.merge(pats, on="patient_id")
        out = out[out["arm"] == "placebo"]
        dead = out["death_day"].notna() & (out["death_day"] <= 28)
        known = dead | (out["last_follow_up_day"] >= 28)
        return cls(int(dead.sum()), int(known.sum()),
                   None if alc is None else float(alc.log_ratio_mean),
                   None if alc is None else float(alc.log_ratio_sd), trial.provenance_label)


def _verdict(p: float) -> str:
    if not np.isfinite(p):
        return "no data"
    if p < 0.05:
        return "conflict (p < 0.05): the MAP does not describe these data"
    if p < 0.2:
        return "some tension (0.05 <= p < 0.2)"
    return "no conflict (p >= 0.2)"


def conflict_table(fits: dict[str, MAPResult], evidence: TrialEvidence) -> pd.DataFrame:
    """Prior-data conflict of the trial's own data with each MAP (Box p-value under the MAP
    and the robust MAP; the robust component's weight before and after the data)."""
    rows = []
    mort = fits.get("placebo_mortality")
    if mort is not None and evidence.placebo_n:
        data = (evidence.placebo_deaths, evidence.placebo_n)
        post = mort.robust_prior.posterior(*data)
        p = mort.conflict(data)
        rows.append({"map": "placebo_mortality", "compared_with": "the trial's placebo arm",
                     "data": f"{data[0]}/{data[1]} deaths by day 28",
                     "observed": data[0] / data[1], "p_conflict_map": p,
                     "p_conflict_robust": mort.conflict(data, robust_prior=True),
                     "robust_weight_prior": float(mort.robust_prior.w[-1]),
                     "robust_weight_posterior": float(post.w[-1]), "conclusion": _verdict(p),
                     "provenance_label": evidence.label})
    alc = fits.get("cyt107_alc")
    if alc is not None and evidence.alc_log_ratio is not None:
        data = (evidence.alc_log_ratio, evidence.alc_log_ratio_sd)
        post = alc.robust_prior.posterior(*data)
        p = alc.conflict(data)
        rows.append({"map": "cyt107_alc", "compared_with": "the trial's day-29 ALC ratio "
                     "(trajectory posterior; IRIS-7 is itself one of the co-data studies, so "
                     "for the real IRIS-7 data this check is not independent)",
                     "data": f"ratio {np.exp(data[0]):.2f} (log {data[0]:.3f}, SD {data[1]:.3f})",
                     "observed": data[0], "p_conflict_map": p,
                     "p_conflict_robust": alc.conflict(data, robust_prior=True),
                     "robust_weight_prior": float(alc.robust_prior.w[-1]),
                     "robust_weight_posterior": float(post.w[-1]), "conclusion": _verdict(p),
                     "provenance_label": evidence.label})
    return pd.DataFrame(rows, columns=MAP_CONFLICT_COLUMNS)
