"""Adverse events by grade, seriousness, relatedness and system organ class: patients with at
least one such event per arm, and the exact posterior of the risk difference.

The Berry & Berry hierarchy (:mod:`bayes_iris.safety.model`) answers "which events does CYT107
raise?"; this table answers the committee's coarser questions — more severe events? more serious
events? more events in a body system? — one row per category, each patient counted once. Risks
get independent uniform priors and the difference CYT107 − placebo its exact posterior
(:func:`bayes_iris.data.proportions.risk_difference_posterior`); no hierarchy, no multiplicity
adjustment: a screening view, read together with the model.

Columns of ``tables/ae_breakdown.csv``: :data:`BREAKDOWN_COLUMNS`.
"""

from __future__ import annotations

import pandas as pd

from ..data.proportions import risk_difference_posterior
from ..data.trial import TrialData

__all__ = ["BREAKDOWN_COLUMNS", "ae_breakdown"]

BREAKDOWN_COLUMNS = ["category", "group", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo",
                     "rd_median", "rd_lower95", "rd_upper95", "p_higher_cyt107"]


def ae_breakdown(trial: TrialData, *, treated: str = "cyt107",
                 control: str = "placebo") -> pd.DataFrame:
    """Patients with ≥ 1 adverse event of each category, per arm, with the risk difference.

    Categories: ``overall`` (any event), ``grade`` (worst grade ≥ 2, ≥ 3, ≥ 4, and 5 = fatal),
    ``seriousness`` (any serious event), ``relatedness`` (any event the investigator judged
    related, when the column is recorded) and ``soc`` (any event in each system organ class).

    Examples
    --------
    >>> from bayes_iris.data import load_bundled
    >>> b = ae_breakdown(load_bundled())
    >>> b.loc[b["group"] == "any adverse event", ["N_cyt107", "N_placebo"]].values.tolist()
    [[17, 10]]
    """
    arm = trial.patients.set_index("patient_id")["arm"]
    n_arm = {a: int((arm == a).sum()) for a in (treated, control)}
    ae = trial.adverse_events.assign(arm=lambda d: d["patient_id"].map(arm))
    groups: list[tuple[str, str, pd.Series]] = [("overall", "any adverse event",
                                                 pd.Series(True, index=ae.index))]
    grade = pd.to_numeric(ae["grade"], errors="coerce")
    for k, label in ((2, "grade ≥ 2"), (3, "grade ≥ 3 (severe or worse)"),
                     (4, "grade ≥ 4 (life-threatening or fatal)"), (5, "grade 5 (fatal)")):
        groups.append(("grade", label, grade >= k))
    groups.append(("seriousness", "serious adverse event", ae["serious"].astype(bool)))
    if "related" in ae.columns and ae["related"].notna().any():
        groups.append(("relatedness", "related to study drug (investigator)",
                       ae["related"].fillna(False).astype(bool)))
    for soc in sorted(ae["soc"].astype(str).unique()):
        groups.append(("soc", soc, ae["soc"].astype(str) == soc))
    rows = []
    for category, label, mask in groups:
        hit = ae.loc[mask.to_numpy(bool)]
        n_t = int(hit.loc[hit["arm"] == treated, "patient_id"].nunique())
        n_c = int(hit.loc[hit["arm"] == control, "patient_id"].nunique())
        post = risk_difference_posterior(n_t, n_arm[treated], n_c, n_arm[control])
        rows.append({"category": category, "group": label, "n_cyt107": n_t,
                     "N_cyt107": n_arm[treated], "n_placebo": n_c, "N_placebo": n_arm[control],
                     "rd_median": post["rd_median"], "rd_lower95": post["rd_lower95"],
                     "rd_upper95": post["rd_upper95"],
                     "p_higher_cyt107": post["p_higher_treated"]})
    return pd.DataFrame(rows, columns=BREAKDOWN_COLUMNS)
