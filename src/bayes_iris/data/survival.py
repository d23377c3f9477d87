r"""Time-to-event summaries of a trial: Kaplan–Meier survival, cumulative incidence of ICU
discharge with death as a competing event, and what the trial's deaths can (not) say.

Death is followed to the end of follow-up (vital status is known after ICU discharge), so the
probability of being alive is the Kaplan–Meier estimate with censoring at the last follow-up day.
ICU discharge *alive* is different: a patient who dies in the ICU can never be discharged alive,
so death is a competing event, not censoring. Treating it as censoring (one minus Kaplan–Meier)
would overstate the chance of leaving the ICU alive; the cumulative incidence function
(Aalen–Johansen) gives the probability of having been discharged alive by each day, with
:math:`\mathrm{CIF}_k(t) = \sum_{t_j \le t} \hat S(t_j^-)\, d_{kj} / n_j`.

Functions return DataFrames; the data step writes them (``tables/km_curves.csv``,
``tables/mortality_summary.csv``) and the report formats them.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
   1958;53:457–481.
.. [2] Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data. 2nd ed. Wiley,
   2002 (Greenwood variance; log(−log) confidence interval).
.. [3] Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains
   based on censored observations. Scand J Stat 1978;5:141–150.
.. [4] Putter H, Fiocco M, Geskus RB. Tutorial in biostatistics: competing risks and multi-state
   models. Stat Med 2007;26:2389–2430.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .proportions import risk_difference_posterior
from .trial import TrialData

__all__ = [
    "CONTRAST_COLUMNS",
    "KM_COLUMNS",
    "MORTALITY_COLUMNS",
    "cumulative_incidence",
    "kaplan_meier",
    "km_curves",
    "mortality_contrast",
    "mortality_summary",
    "outcome_times",
]

#: Columns of ``tables/km_curves.csv``.
KM_COLUMNS = ["endpoint", "measure", "arm", "day", "at_risk", "events", "censored", "estimate",
              "lower95", "upper95"]
#: Columns of ``tables/mortality_summary.csv``.
MORTALITY_COLUMNS = ["arm", "patients", "deaths", "risk", "risk_lower95", "risk_upper95"]
#: Columns of ``tables/mortality_contrast.csv`` (one row).
CONTRAST_COLUMNS = ["treated", "control", "rd_median", "rd_lower95", "rd_upper95",
                    "p_lower_risk_treated", "null_halfwidth95", "reference_risk",
                    "reference_reduction", "n_per_arm_80"]
Z95 = float(stats.norm.ppf(0.975))


def kaplan_meier(time: Sequence[float], event: Sequence[bool]) -> pd.DataFrame:
    """Kaplan–Meier estimate of the survival function with a 95 % log(−log) interval.

    One row per distinct event or censoring time (after a first row at time 0): ``time``,
    ``at_risk``, ``events``, ``censored``, ``survival``, ``se`` (Greenwood), ``lower95``,
    ``upper95``. Censoring at a time of events counts after them (the usual convention).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    >>> km["survival"].round(4).tolist()
    [1.0, 0.8333, 0.6667, 0.4444, 0.4444, 0.0]
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    if t.shape != e.shape:
        raise ValueError("time and event must have the same length")
    rows = [{"time": 0.0, "at_risk": len(t), "events": 0, "censored": 0, "survival": 1.0,
             "se": 0.0, "lower95": 1.0, "upper95": 1.0}]
    s, green = 1.0, 0.0
    for u in np.unique(t):
        n = int(np.sum(t >= u))
        d = int(np.sum((t == u) & e))
        c = int(np.sum((t == u) & ~e))
        if d:
            s *= 1.0 - d / n
            green += d / (n * (n - d)) if n > d else np.inf
        se = s * np.sqrt(green) if np.isfinite(green) else np.nan
        lo, hi = _loglog_interval(s, green)
        rows.append({"time": float(u), "at_risk": n, "events": d, "censored": c, "survival": s,
                     "se": se, "lower95": lo, "upper95": hi})
    return pd.DataFrame(rows)


def _loglog_interval(s: float, green: float) -> tuple[float, float]:
    """95 % interval of S on the log(−log) scale (stays inside [0, 1])."""
    if s <= 0.0 or s >= 1.0 or not np.isfinite(green) or green <= 0:
        return (float(s), float(s)) if s in (0.0, 1.0) else (np.nan, np.nan)
    sd = np.sqrt(green) / abs(np.log(s))
    lo = s ** np.exp(Z95 * sd)
    hi = s ** np.exp(-Z95 * sd)
    return float(lo), float(hi)


def cumulative_incidence(time: Sequence[float], cause: Sequence[int],
                         of: int = 1) -> pd.DataFrame:
    """Aalen–Johansen cumulative incidence of ``cause == of``, other causes competing.

    ``cause`` is 0 for censoring, 1, 2, ... for the competing events. One row per distinct time
    (after a first row at time 0): ``time``, ``at_risk``, ``events`` (of this cause),
    ``competing``, ``censored``, ``incidence``.

    Examples
    --------
    >>> ci = cumulative_incidence([1, 2, 3, 4, 5], [1, 2, 1, 0, 2], of=1)
    >>> ci["incidence"].round(3).tolist()
    [0.0, 0.2, 0.2, 0.4, 0.4, 0.4]
    """
    t = np.asarray(time, dtype=float)
    k = np.asarray(cause, dtype=int)
    if t.shape != k.shape:
        raise ValueError("time and cause must have the same length")
    rows = [{"time": 0.0, "at_risk": len(t), "events": 0, "competing": 0, "censored": 0,
             "incidence": 0.0}]
    surv, cif = 1.0, 0.0  # all-cause Kaplan-Meier S(t-) and the incidence of ``of``
    for u in np.unique(t):
        n = int(np.sum(t >= u))
        d_of = int(np.sum((t == u) & (k == of)))
        d_all = int(np.sum((t == u) & (k > 0)))
        c = int(np.sum((t == u) & (k == 0)))
        if d_all:
            cif += surv * d_of / n
            surv *= 1.0 - d_all / n
        rows.append({"time": float(u), "at_risk": n, "events": d_of,
                     "competing": d_all - d_of, "censored": c, "incidence": cif})
    return pd.DataFrame(rows)


def outcome_times(trial: TrialData) -> pd.DataFrame:
    """One row per patient: ``arm``, the death time and indicator (censored at the last
    follow-up day), and the ICU-discharge time with its cause (1 discharged alive, 2 died
    first, 0 censored).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> ot = outcome_times(load_bundled())
    >>> len(ot), sorted(int(c) for c in ot["discharge_cause"].unique())
    (27, [1, 2])
    """
    o = trial.outcomes.merge(trial.patients[["patient_id", "arm"]], on="patient_id")
    died = o["death_day"].notna()
    death_time = np.where(died, o["death_day"], o["last_follow_up_day"]).astype(float)
    disc = o["icu_discharge_day"].notna()
    disc_time = np.where(disc, o["icu_discharge_day"], death_time).astype(float)
    cause = np.where(disc, 1, np.where(died, 2, 0))
    return pd.DataFrame({"patient_id": o["patient_id"], "arm": o["arm"],
                         "death_time": death_time, "died": died.to_numpy(),
                         "discharge_time": disc_time, "discharge_cause": cause})


def km_curves(trial: TrialData) -> pd.DataFrame:
    """The curves of the report's time-to-event figure, by arm (columns :data:`KM_COLUMNS`).

    ``endpoint`` "death" (``measure`` "survival": probability of being alive, Kaplan–Meier) and
    "icu_discharge" (``measure`` "cumulative incidence": probability of having left the ICU
    alive, death competing; no interval: the delta-method intervals of the Aalen–Johansen
    estimator are unreliable at these sample sizes).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> k = km_curves(load_bundled())
    >>> sorted(k["endpoint"].unique()), bool(k["estimate"].between(0, 1).all())
    (['death', 'icu_discharge'], True)
    """
    ot = outcome_times(trial)
    frames = []
    for arm in [a.name for a in trial.meta.arms]:
        g = ot[ot["arm"] == arm]
        if g.empty:
            continue
        km = kaplan_meier(g["death_time"], g["died"])
        frames.append(pd.DataFrame({
            "endpoint": "death", "measure": "survival", "arm": arm, "day": km["time"],
            "at_risk": km["at_risk"], "events": km["events"], "censored": km["censored"],
            "estimate": km["survival"], "lower95": km["lower95"], "upper95": km["upper95"]}))
        ci = cumulative_incidence(g["discharge_time"], g["discharge_cause"], of=1)
        frames.append(pd.DataFrame({
            "endpoint": "icu_discharge", "measure": "cumulative incidence", "arm": arm,
            "day": ci["time"], "at_risk": ci["at_risk"], "events": ci["events"],
            "censored": ci["censored"] + ci["competing"], "estimate": ci["incidence"],
            "lower95": np.nan, "upper95": np.nan}))
    if not frames:
        return pd.DataFrame(columns=KM_COLUMNS)
    return pd.concat(frames, ignore_index=True)[KM_COLUMNS]


def mortality_summary(trial: TrialData, *, day: int | None = None) -> pd.DataFrame:
    """Deaths per arm (by ``day``, default the end of follow-up) with the risk and its exact
    95 % Clopper–Pearson interval (columns :data:`MORTALITY_COLUMNS`).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> m = mortality_summary(load_bundled())
    >>> int(m["patients"].sum())
    27
    """
    o = trial.outcomes.merge(trial.patients[["patient_id", "arm"]], on="patient_id")
    rows = []
    for arm in [a.name for a in trial.meta.arms]:
        g = o[o["arm"] == arm]
        dead = g["death_day"].notna() if day is None else g["death_day"].fillna(np.inf) <= day
        n, x = len(g), int(dead.sum())
        lo = float(stats.beta.ppf(0.025, x, n - x + 1)) if x > 0 else 0.0
        hi = float(stats.beta.ppf(0.975, x + 1, n - x)) if x < n else 1.0
        rows.append({"arm": arm, "patients": n, "deaths": x, "risk": x / n if n else np.nan,
                     "risk_lower95": lo, "risk_upper95": hi})
    return pd.DataFrame(rows, columns=MORTALITY_COLUMNS)


def mortality_contrast(summary: pd.DataFrame, *, treated: str = "cyt107",
                       control: str = "placebo", reduction: float = 0.10) -> pd.DataFrame:
    """What the deaths of a small trial can and cannot say (one row, :data:`CONTRAST_COLUMNS`).

    - ``rd_*``: posterior median and 95 % interval of the risk difference treated − control
      under independent uniform Beta(1, 1) priors (exact:
      :func:`~bayes_iris.data.proportions.risk_difference_posterior`);
      ``p_lower_risk_treated`` = P(risk treated < risk control | data);
    - ``null_halfwidth95``: half-width of the normal-approximation 95 % interval of the risk
      difference this trial's arm sizes would give if both arms had the pooled observed risk
      (``reference_risk``) — the resolution of the trial;
    - ``n_per_arm_80``: patients per arm a two-arm trial needs for 80 % power (two-sided 5 %) to
      detect a ``reduction`` (absolute) from ``reference_risk`` (Fleiss' formula without
      continuity correction).

    References
    ----------
    Fleiss JL, Levin B, Paik MC. Statistical Methods for Rates and Proportions. 3rd ed. Wiley,
    2003, ch. 4 (sample size for two proportions).

    Examples
    --------
    >>> s = pd.DataFrame({"arm": ["placebo", "cyt107"], "patients": [100, 100],
    ...                   "deaths": [30, 30]})
    >>> row = mortality_contrast(s).iloc[0]
    >>> round(float(row["p_lower_risk_treated"]), 2), round(float(row["rd_median"]), 3)
    (0.5, 0.0)
    """
    s = summary.set_index("arm")
    xt, nt = int(s.loc[treated, "deaths"]), int(s.loc[treated, "patients"])
    xc, nc = int(s.loc[control, "deaths"]), int(s.loc[control, "patients"])
    post = risk_difference_posterior(xt, nt, xc, nc)
    pooled = (xt + xc) / (nt + nc) if nt + nc else np.nan
    half = Z95 * np.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc))
    p1, p2 = pooled, max(pooled - reduction, 1e-9)
    z = Z95 + float(stats.norm.ppf(0.8))
    n80 = int(np.ceil(z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / reduction**2))
    return pd.DataFrame([{
        "treated": treated, "control": control, "rd_median": post["rd_median"],
        "rd_lower95": post["rd_lower95"], "rd_upper95": post["rd_upper95"],
        "p_lower_risk_treated": post["p_lower_treated"], "null_halfwidth95": half,
        "reference_risk": pooled, "reference_reduction": reduction, "n_per_arm_80": n80,
    }], columns=CONTRAST_COLUMNS)
