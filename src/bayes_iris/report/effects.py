"""Compact views of the treatment effects for the page: a few rows a reader can take in, each
with the full table one click away (CSV).

- trajectories: the effect at key days (not every visit of every fit), the weekly versus
  twice-weekly contrast, why the time-course shape was chosen, the prior sets side by side;
- safety: the events most likely raised by CYT107, the system organ classes, the breakdown by
  grade and seriousness, the published 3/15 vs 0/6 signal;
- reanalysis: every published quantity under every prior in one table.

Each function takes the :class:`~bayes_iris.report.sections.Report` and returns safe HTML (or a
"not available" box when its table is missing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import html as h
from .labels import value_label

if TYPE_CHECKING:
    from .sections import Report

__all__ = [
    "ae_breakdown",
    "ae_events",
    "ae_socs",
    "effects_at_key_days",
    "key_days",
    "prior_sensitivity",
    "reanalysis_by_prior",
    "regimen_contrast",
    "shape_choice",
    "two_arm",
]

TRAJ = "02_trajectories"
SAFETY = "03_adverse_events"
PREFERRED_DAYS = (7, 14, 29, 60, 90)
MODEL_LABELS = {"piecewise": "ALC model, piecewise", "spline": "ALC model, spline",
                "joint_piecewise": "joint model, piecewise", "joint_spline": "joint model, spline"}


def key_days(days, preferred=PREFERRED_DAYS, most: int = 5) -> list[int]:
    """At most ``most`` days after baseline: the visits nearest to ``preferred``.

    Examples
    --------
    >>> key_days([0, 3, 7, 14, 21, 29, 42, 60, 90])
    [7, 14, 29, 60, 90]
    >>> key_days([0, 5, 10])
    [5, 10]
    """
    finite = pd.to_numeric(pd.Series(list(days)), errors="coerce").dropna()
    after = sorted({int(d) for d in finite if d > 0})
    if len(after) <= most:
        return after
    chosen = [min(after, key=lambda d, p=p: abs(d - p)) for p in preferred]
    return sorted(dict.fromkeys(chosen))[:most]


def _effect_rows(rep: Report, quantity: str) -> pd.DataFrame | None:
    df = rep.data("trajectory_effects")
    if df is None:
        return None
    df = df[(df["quantity"] == quantity) & (df["prior_set"] == "default")]
    rec = rep.reader.step_record(TRAJ) or {}
    chosen = str(rec.get("chosen_model") or "piecewise")
    alc = df[(df["marker"] == "alc") & (df["model"] == chosen)]
    if alc.empty:
        alc = df[df["marker"] == "alc"]
    others = df[df["marker"] != "alc"]
    return pd.concat([alc, others], ignore_index=True)


def _day(values, default: int = 29) -> int:
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    return int(v.iloc[0]) if len(v) else default


def _missing(df: pd.DataFrame, cols) -> list[str]:
    return [c for c in cols if c not in df.columns]


def _fmt_p(v: object) -> str:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(x) else f"{x:.3f}"


def effects_at_key_days(rep: Report) -> h.HTMLFragment:
    """CYT107 / placebo ratio per marker at key days (default prior; ALC from the chosen shape,
    CD4+/CD8+ from the joint model)."""
    df = _effect_rows(rep, "ratio")
    if df is None:
        return rep.unavailable("tables/trajectory_effects.csv", TRAJ)
    days = key_days(df["day"].unique())
    df = df[df["day"].isin(days)]
    shown = pd.DataFrame({
        "Marker": [value_label("marker", m) for m in df["marker"]],
        "Day": df["day"].astype(int),
        "Ratio CYT107 / placebo, median (95 % CrI)": [
            h.interval(m, lo, hi) for m, lo, hi in zip(df["median"], df["lower95"],
                                                        df["upper95"], strict=True)],
        "P(ratio > 1)": [_fmt_p(v) for v in df["p_gt_1"]],
        "P(ratio > 2)": [_fmt_p(v) for v in df["p_gt_2"]],
        "Model": [MODEL_LABELS.get(str(m), str(m)) for m in df["model"]],
    })
    return rep.table("trajectory_effects", step=TRAJ, frame=shown, max_rows=15,
                     caption="Treatment effect at key days: ratio of geometric-mean counts, "
                             "CYT107 / placebo, default prior",
                     note="Day 0 is the baseline, before the first dose: the model fixes the "
                          "ratio at 1 there, so it is not shown.")


def regimen_contrast(rep: Report) -> h.HTMLFragment:
    """Twice-weekly / weekly ratio per marker at key days (default prior)."""
    df = _effect_rows(rep, "regimen_contrast")
    if df is None:
        return rep.unavailable("tables/trajectory_effects.csv", TRAJ)
    if df.empty:
        return h.box("unavailable", "Not available: the effects table has no regimen contrast "
                                    "(a trial with one CYT107 regimen)")
    days = key_days(df["day"].unique())
    df = df[df["day"].isin(days)]
    shown = pd.DataFrame({
        "Marker": [value_label("marker", m) for m in df["marker"]],
        "Day": df["day"].astype(int),
        "Ratio twice weekly / weekly, median (95 % CrI)": [
            h.interval(m, lo, hi) for m, lo, hi in zip(df["median"], df["lower95"],
                                                        df["upper95"], strict=True)],
        "P(twice weekly higher)": [_fmt_p(v) for v in df["p_gt_1"]],
    })
    return rep.table("trajectory_effects", step=TRAJ, frame=shown, max_rows=15,
                     caption="CYT107 regimens compared: twice weekly versus weekly, default "
                             "prior")


def shape_choice(rep: Report) -> h.HTMLFragment:
    """Which time-course shape the ALC analysis uses, and why (the parsimony rule)."""
    loo = rep.data("loo_compare")
    rec = rep.reader.step_record(TRAJ) or {}
    chosen = rec.get("chosen_model")
    if loo is None or chosen is None:
        return rep.unavailable("tables/loo_compare.csv", TRAJ)
    rule = ("The rule: use the shape PSIS-LOO ranks best, unless the simpler piecewise-linear "
            "shape is within 2 standard errors of it (the difference is then within the noise "
            "of the comparison, and the model with fewer assumptions wins).")
    if len(loo) < 2:
        return h.box("info", f"Time-course shape: {chosen}", [
            "Only one shape was fitted in this run (--fast fits no spline model), so there was "
            "no comparison.", rule])
    best = str(loo["model"].iloc[0])
    if best == chosen:
        return h.box("info", f"Time-course shape: {chosen} (ranked best by PSIS-LOO)", [rule])
    row = loo[loo["model"].astype(str) == str(chosen)]
    diff = abs(float(row["elpd_diff"].iloc[0])) if len(row) else float("nan")
    se = float(row["dse"].iloc[0]) if len(row) else float("nan")
    return h.box("info", f"Time-course shape: {chosen}, although PSIS-LOO ranks {best} first", [
        f"The {best} model's expected log predictive density is higher by {diff:.1f} "
        f"(standard error of the difference {se:.1f}); {diff:.1f} < 2 × {se:.1f}, so the "
        "difference is within the comparison's noise.", rule])


def prior_sensitivity(rep: Report) -> h.HTMLFragment:
    """The day-29 effect under each prior set: prior, prior claim, posterior."""
    df = rep.data("prior_sensitivity")
    if df is None:
        return rep.unavailable("tables/prior_sensitivity.csv", TRAJ)
    need = ["prior_set", "prior_log_mean", "prior_log_sd", "prior_p_gt_2", "median", "lower95",
            "upper95", "p_gt_2"]
    if _missing(df, need):
        return rep.table("prior_sensitivity", step=TRAJ, caption="Prior sensitivity")
    shown = pd.DataFrame({
        "Prior set": df["prior_set"],
        "Prior on the log ratio": [f"Normal({m:.2f}, {s:.2f})" for m, s in zip(
            df["prior_log_mean"], df["prior_log_sd"], strict=True)],
        "Prior P(ratio > 2)": [_fmt_p(v) for v in df["prior_p_gt_2"]],
        "Posterior ratio, median (95 % CrI)": [h.interval(m, lo, hi) for m, lo, hi in zip(
            df["median"], df["lower95"], df["upper95"], strict=True)],
        "Posterior P(ratio > 2)": [_fmt_p(v) for v in df["p_gt_2"]],
    })
    day = _day(df["day"]) if "day" in df else 29
    return rep.table("prior_sensitivity", step=TRAJ, frame=shown, max_rows=None,
                     caption=f"Day-{day} ALC ratio CYT107 / placebo under each prior set")


def ae_events(rep: Report, model: str = "bb") -> h.HTMLFragment:
    """The adverse events most likely raised by CYT107 (highest P(θ > 0)), at most 15."""
    df = rep.data("ae_summary")
    if df is None:
        return rep.unavailable("tables/ae_summary.csv", SAFETY)
    if "model" in df and (df["model"] == model).any():
        df = df[df["model"] == model]
    df = df.sort_values("p_theta_gt_0", ascending=False, kind="stable")
    shown = pd.DataFrame({
        "System organ class": df["soc"], "Adverse event": df["term"],
        "CYT107": [f"{a}/{b}" for a, b in zip(df["n_cyt107"], df["N_cyt107"], strict=True)],
        "Placebo": [f"{a}/{b}" for a, b in zip(df["n_placebo"], df["N_placebo"], strict=True)],
        "Risk difference, pp (95 % CrI)": [
            h.interval(m, lo, hi, percent=True) for m, lo, hi in zip(
                df["rd_median"], df["rd_lower95"], df["rd_upper95"], strict=True)],
        "P(θ > 0)": [_fmt_p(v) for v in df["p_theta_gt_0"]],
        "P(θ = 0)": [_fmt_p(v) for v in df.get("p_point_mass", pd.Series(np.nan,
                                                                         index=df.index))],
    })
    n = len(shown)
    return rep.table("ae_summary", step=SAFETY, frame=shown, max_rows=15,
                     caption=f"Adverse events ordered by P(θ > 0), Berry & Berry model {model}"
                             + (f" (the {min(n, 15)} highest of {n})" if n > 15 else ""))


def ae_socs(rep: Report, model: str = "bb") -> h.HTMLFragment:
    """One row per system organ class (the hierarchy's class level)."""
    df = rep.data("ae_soc_summary")
    if df is None:
        return rep.unavailable("tables/ae_soc_summary.csv", SAFETY)
    if "model" in df and (df["model"] == model).any():
        df = df[df["model"] == model]
    shown = pd.DataFrame({
        "System organ class": df["soc"], "Events": df["n_terms"],
        "Class odds ratio, median (95 % CrI)": [h.interval(m, lo, hi) for m, lo, hi in zip(
            df["or_soc_median"], df["or_soc_lower95"], df["or_soc_upper95"], strict=True)],
        "P(class mean θ > 0)": [_fmt_p(v) for v in df["p_mu_theta_gt_0"]],
        "P(any event's θ > 0)": [_fmt_p(v) for v in df["p_any_theta_gt_0"]],
    })
    return rep.table("ae_soc_summary", step=SAFETY, frame=shown, max_rows=15,
                     caption="System organ classes: the class-level effect of CYT107")


def ae_breakdown(rep: Report) -> h.HTMLFragment:
    """Patients with events by overall, grade, seriousness and relatedness (SOCs: the figure)."""
    df = rep.data("ae_breakdown")
    if df is None:
        return rep.unavailable("tables/ae_breakdown.csv", SAFETY)
    df = df[df["category"] != "soc"]
    shown = pd.DataFrame({
        "Patients with": df["group"],
        "CYT107": [f"{a}/{b}" for a, b in zip(df["n_cyt107"], df["N_cyt107"], strict=True)],
        "Placebo": [f"{a}/{b}" for a, b in zip(df["n_placebo"], df["N_placebo"], strict=True)],
        "Risk difference, pp (95 % CrI)": [
            h.interval(m, lo, hi, percent=True) for m, lo, hi in zip(
                df["rd_median"], df["rd_lower95"], df["rd_upper95"], strict=True)],
        "P(higher on CYT107)": [_fmt_p(v) for v in df["p_higher_cyt107"]],
    })
    return rep.table("ae_breakdown", step=SAFETY, frame=shown, max_rows=15,
                     caption="Patients with at least one adverse event, by grade, seriousness "
                             "and relatedness (uniform priors per arm; by system organ class: "
                             "figure and CSV)")


def two_arm(rep: Report) -> h.HTMLFragment:
    """The published 3/15 vs 0/6 comparison in one small table."""
    df = rep.data("ae_two_arm_builtin")
    if df is None:
        return rep.unavailable("tables/ae_two_arm_builtin.csv", SAFETY)
    if _missing(df, ["kind", "quantity", "median", "lower95", "upper95", "probability"]):
        return rep.table("ae_two_arm_builtin", step=SAFETY, caption="3/15 vs 0/6")
    names = {"p_treated": "Risk on CYT107", "p_control": "Risk on placebo",
             "risk_difference": "Risk difference", "risk_ratio": "Risk ratio",
             "odds_ratio": "Odds ratio"}
    rows = []
    for _, r in df.iterrows():
        q = str(r.get("quantity", ""))
        if str(r.get("kind")) == "estimate":
            rows.append({"Quantity": names.get(q, q),
                         "Posterior median (95 % CrI)": h.interval(r["median"], r["lower95"],
                                                                   r["upper95"])})
        else:
            rows.append({"Quantity": q.replace("RD", "risk difference"),
                         "Posterior median (95 % CrI)": f"probability {_fmt_p(r['probability'])}"})
    return rep.table("ae_two_arm_builtin", step=SAFETY, frame=pd.DataFrame(rows), max_rows=None,
                     caption="IV CYT107, fever with respiratory distress: 3/15 vs 0/6 "
                             "(uniform priors per arm, exact)")


def reanalysis_by_prior(rep: Report) -> h.HTMLFragment:
    """Every reanalysed published quantity (columns) under every prior (rows)."""
    df = rep.data("reanalysis_summary")
    if df is None:
        return rep.unavailable("tables/reanalysis_summary.csv", "04_summary_reanalysis")
    cases = list(dict.fromkeys(df["case"].astype(str)))
    priors = list(dict.fromkeys(df["prior"].astype(str)))
    out = pd.DataFrame({"Prior": [p.replace("_", " ") for p in priors]})
    for case in cases:
        sub = df[df["case"].astype(str) == case]
        g = sub.set_index(sub["prior"].astype(str))
        measure = str(g["measure"].iloc[0]) if len(g) else ""
        col = f"{value_label('case', case)} — {measure}"
        out[col] = [
            f"{h.interval(g.loc[p, 'median'], g.loc[p, 'lower95'], g.loc[p, 'upper95'])}; "
            f"P(benefit) {_fmt_p(g.loc[p, 'p_benefit'])}" if p in g.index else "–"
            for p in priors]
    return rep.table("reanalysis_summary", step="04_summary_reanalysis", frame=out,
                     max_rows=None,
                     caption="Posterior median (95 % CrI) and P(benefit) of each published "
                             "quantity under each prior")
