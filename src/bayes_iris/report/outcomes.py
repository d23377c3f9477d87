"""The data chapter's clinical outcomes: deaths per arm, what a trial of this size can and cannot
say about mortality, and the time-to-event curves.

For a SYNTHETIC trial whose truth is known (the data step records the generator's true outcome
effects in ``manifest.json``), the page says plainly when an observed difference in deaths arose
by chance: the bundled trial happens to show 6/10 placebo against 2/17 CYT107 deaths although the
generator gives CYT107 no effect on mortality at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from . import html as h

if TYPE_CHECKING:
    from .sections import Report

__all__ = ["km_figure", "mortality"]

STEP = "01_data"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _counts(summ: pd.DataFrame, follow_up: Any) -> str:
    s = summ.set_index("arm")
    parts = []
    for arm, label in (("placebo", "placebo"), ("cyt107", "CYT107")):
        if arm in s.index:
            r = s.loc[arm]
            parts.append(f"{int(r['deaths'])} of {int(r['patients'])} {label} patients "
                         f"({_pct(float(r['risk']))})")
    when = f" by day {follow_up}" if follow_up else " during follow-up"
    return " and ".join(parts) + " died" + when


def _resolution(con: pd.Series) -> list[str]:
    return [
        f"What a trial of this size can resolve: if both arms had the pooled risk "
        f"({_pct(float(con['reference_risk']))}), the 95 % interval of the risk difference "
        f"would still span about ±{100 * float(con['null_halfwidth95']):.0f} percentage points.",
        f"To detect a {100 * float(con['reference_reduction']):.0f}-percentage-point reduction "
        f"from {_pct(float(con['reference_risk']))} with 80 % power (two-sided 5 %) a trial "
        f"needs about {int(con['n_per_arm_80'])} patients per arm.",
    ]


def mortality(rep: Report) -> h.HTMLFragment:
    """Deaths by arm with the plain statement a reader needs before reading them."""
    summ, con = rep.data("mortality_summary"), rep.data("mortality_contrast")
    if summ is None or con is None or con.empty:
        return rep._unavailable("tables/mortality_summary.csv", STEP)
    c = con.iloc[0]
    rec = rep.reader.step_record(STEP) or {}
    follow_up = rec.get("follow_up_days")
    counts = _counts(summ, follow_up)
    posterior = (
        f"Taken at face value that looks like a survival benefit: under uniform priors the "
        f"posterior probability that the risk of death is lower on CYT107 is "
        f"{float(c['p_lower_risk_treated']):.3f}, risk difference "
        f"{h.interval(c['rd_median'], c['rd_lower95'], c['rd_upper95'], percent=True)} "
        "percentage points.")
    truth = rec.get("truth_outcomes") if isinstance(rec.get("truth_outcomes"), dict) else None
    kind = rep.reader.provenance_kind
    if kind == "synthetic":
        log_hr = None if truth is None else truth.get("log_hr_death_cyt107")
        if log_hr is not None and float(log_hr) == 0.0:
            head = "Read the deaths with care: this difference arose by chance"
            truth_line = (
                "The generator that made this SYNTHETIC trial gives CYT107 NO effect on "
                "mortality (true log hazard ratio of death 0, recorded in its truth.json): any "
                "difference between the arms is chance. With 27 patients, chance differences "
                "this large are common.")
        elif log_hr is not None:
            head = "Read the deaths with care"
            truth_line = (f"The generator's true log hazard ratio of death for CYT107 is "
                          f"{float(log_hr):+.2f}; in 27 patients the observed difference is "
                          "dominated by chance.")
        else:
            head = "Read the deaths with care"
            truth_line = ("This is a SYNTHETIC trial without its truth file: the deaths say "
                          "nothing about CYT107.")
        box = h.box("warning", head, [f"In this SYNTHETIC trial {counts}.", posterior,
                                      truth_line, *_resolution(c),
                                      "No conclusion about mortality can be drawn from these "
                                      "data; the phase III chapter sizes a trial that could."])
    else:
        box = h.box("info", "What a 27-patient trial can and cannot say about mortality", [
            f"{counts[:1].upper()}{counts[1:]}.", posterior,
            "IRIS-7 was designed for safety and the reversal of lymphopenia, not mortality; "
            "published accounts say it was too small to show a difference in deaths.",
            *_resolution(c),
            "Read the difference as hypothesis-generating at most."])
    shown = pd.DataFrame({
        "arm": summ["arm"], "patients": summ["patients"], "deaths": summ["deaths"],
        "Risk (exact 95 % CI)": [f"{_pct(r)} ({_pct(lo)}–{_pct(hi)})" for r, lo, hi in zip(
            summ["risk"], summ["risk_lower95"], summ["risk_upper95"], strict=True)]})
    table = rep.table("mortality_summary", step=STEP, frame=shown, max_rows=None,
                      caption="Deaths by arm (Clopper–Pearson interval)")
    return h.join(box, table)


def km_figure(rep: Report) -> h.HTMLFragment:
    """The time-to-event figure with a caption that says what the two panels mean."""
    return rep.figure(
        "km_curves", step=STEP,
        caption="Left: probability of being alive by study day (Kaplan–Meier, censored at the "
                "last follow-up; band: 95 % log(−log) interval). Right: probability of having "
                "been discharged from the ICU alive (cumulative incidence, Aalen–Johansen). "
                "Death in the ICU is a competing event, not censoring: a patient who dies can "
                "never be discharged alive, and one minus Kaplan–Meier would overstate the "
                "chance of leaving the ICU.")
