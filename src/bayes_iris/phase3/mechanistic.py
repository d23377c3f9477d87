"""Biomarker and safety designs of the plan — phase II / mechanistic, never phase III sizes.

* ``alc`` — the day-29 ALC ratio, normal on the log scale with a known per-patient SD (an
  assumption); success if ``P(δ > 0) > 97.5 %`` and ``P(δ > log 1.5) > 50 %``. Design priors:
  the robust co-data MAP of the CYT107 effect (published IRIS-7, IRIS-7-C&D, ILIAD-7; illustrative
  standard errors) — the primary one — and the analysed trial's own posterior (SYNTHETIC for the
  bundled trial: an illustration only).
* ``rise50`` — a ≥ 50 % ALC rise by day 29 (the IRIS-7-C&D registry endpoint), binary.
* ``safety`` — fever with respiratory distress after an IV dose (3/15 on CYT107 in IRIS-7-C&D):
  single-arm monitoring, stop if ``P(rate > 10 % | data) > 90 %`` at the looks.

Each size answers "how many patients show the lymphocyte response (or trigger the safety
rule)"; the report never calls it a phase III recommendation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..design import (
    AlcInputs,
    NormalDesign,
    NormalDesignPrior,
    NormMix,
    alc_design_prior,
    crossings,
    default_analysis_priors,
    default_rule,
    rise50_design_prior,
    safety_boundaries,
    sample_size,
    sequential_oc,
)
from ..design.presets import MECHANISTIC, SAFETY
from .assumptions import Phase3Assumptions

__all__ = ["SAFETY_LOOKS", "alc_priors", "mechanistic_curves", "safety_tables"]

#: Looks (patients on CYT107) of the safety monitoring rule.
SAFETY_LOOKS = (10, 20, 30, 40, 60)
#: The safety rule: stop if P(rate > SAFETY_THRESHOLD | data) > SAFETY_PROB (Beta(1, 1) prior).
SAFETY_THRESHOLD, SAFETY_PROB = 0.10, 0.90


def alc_priors(robust_map: NormMix, a: Phase3Assumptions, inputs: AlcInputs | None,
               provenance: str, plain_map: NormMix | None = None
               ) -> list[tuple[str, str, NormalDesignPrior]]:
    """``(key, role, prior)`` of the ALC design: the robust co-data MAP (sizing), the MAP
    without its vague component (sensitivity: the co-data taken at face value), then — when
    the trajectory step ran — the trial's posterior (an illustration if the trial is
    synthetic)."""
    sigma = a.sd_log_alc
    src = ("published fold changes (SEs derived or assumed; ILIAD-7 is COVID-19) — "
           "ILLUSTRATIVE")
    assum = (f"ASSUMPTION: per-patient SD of log ALC at day 29 = {sigma:g}",)
    out = [("codata_map", "sizing", NormalDesignPrior(
        delta=NormMix(robust_map.w, robust_map.m, robust_map.s), sigma=sigma,
        label="robust co-data MAP (IRIS-7, IRIS-7-C&D, ILIAD-7; vague weight 0.5)",
        source=src, assumptions=assum))]
    if plain_map is not None:
        out.append(("codata_map_plain", "sensitivity", NormalDesignPrior(
            delta=NormMix(plain_map.w, plain_map.m, plain_map.s), sigma=sigma,
            label="co-data MAP without the vague component", source=src,
            assumptions=assum)))
    if inputs is not None:
        dp = alc_design_prior(inputs)
        role = "illustration" if provenance == "synthetic" else "sizing"
        out.append(("trial_posterior", role, NormalDesignPrior(
            delta=dp.delta, sigma=sigma, label=f"the analysed trial's day-{inputs.day} "
            "posterior" + (" (SYNTHETIC)" if provenance == "synthetic" else ""),
            source=inputs.source, assumptions=dp.assumptions)))
    return out


def _mech_rows(endpoint, key, role, dp, res) -> pd.DataFrame:
    c = res.curve
    return pd.DataFrame({
        "endpoint": endpoint, "purpose": MECHANISTIC, "design_prior": dp.label,
        "design_prior_key": key, "role": role, "metric": "assurance",
        "metric_label": "assurance: probability of success given the design prior",
        "n_total": c["n_total"], "n_treat": c["n_treat"], "n_control": c["n_control"],
        "value": c["assurance"], "mcse": c["mcse"], "p_benefit": c["p_benefit"],
        "design_prior_source": dp.source})


def mechanistic_curves(alc: list, inputs: AlcInputs | None, a: Phase3Assumptions, *,
                       fast: bool) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Assurance curves of the ALC and ≥ 50 %-rise designs, and the smallest size from which
    each reaches the target for good (sustained crossing; ``None``: never in the range)."""
    rows, n_at = [], {}
    step = 8 if fast else 2
    for key, role, dp in alc:
        res = sample_size("alc", dp, n_grid=list(range(4, 81, step)), target=a.target)
        rows.append(_mech_rows("alc", key, role, dp, res))
        if role == "sizing" and "alc" not in n_at:
            n_at["alc"] = crossings(res.curve["n_total"].to_numpy(),
                                    res.curve["assurance"].to_numpy(), a.target)[1]
    dp = rise50_design_prior(inputs)
    res = sample_size("rise50", dp, n_grid=list(range(4, 121, 4 * (2 if fast else 1))),
                      target=a.target)
    rows.append(_mech_rows("rise50", "rise50", "sizing", dp, res))
    n_at["rise50"] = crossings(res.curve["n_total"].to_numpy(),
                               res.curve["assurance"].to_numpy(), a.target)[1]
    return pd.concat(rows, ignore_index=True), n_at


def alc_oc(n_total: int, a: Phase3Assumptions) -> pd.DataFrame:
    """Exact OC of the ALC design of ``n_total`` (1:1) over true fold changes (quadrature)."""
    rule = default_rule("alc")
    d = NormalDesign(rule, *default_analysis_priors("alc", a.sd_log_alc), n_total // 2,
                     n_total // 2, a.sd_log_alc)
    fold = np.array([1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0])
    return pd.DataFrame({"endpoint": "alc", "design": f"mechanistic, n = {n_total}",
                         "analysis_prior": "N(0, 10^2) per arm mean", "x_variable": "true_fold",
                         "true_rr": fold, "control_rate": np.nan,
                         "p_success": [float(d.oc(np.log(f), 0.0)) for f in fold],
                         "method": "quadrature"})


def safety_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The single-arm safety rule's boundaries per look, and its OC over true rates."""
    b = safety_boundaries(list(SAFETY_LOOKS), threshold=SAFETY_THRESHOLD, prob=SAFETY_PROB)
    rates = [0.02, 0.05, 0.10, 0.15, 0.20, 0.30]
    oc = sequential_oc(b, rates)
    b = b.assign(rule=f"stop IV dosing if P(rate > {SAFETY_THRESHOLD:.0%} | data) > "
                      f"{SAFETY_PROB:.0%}, Beta(1, 1) prior", purpose=SAFETY)
    b["stop_min_x"] = b["stop_min_x"].where(b["stop_min_x"] <= b["n"]).astype("Int64")
    return b[["rule", "purpose", "n", "stop_min_x", "post_prob_at_boundary"]], oc
