"""The design step as a function: :func:`run` turns typed inputs and the labelled assumptions
into every table of ``analyses/05_phase3_design.py``; :func:`figures` draws them.

Tables (columns: :mod:`.tables`): ``design_recommendations`` (one row per endpoint),
``design_sample_size`` (probability-of-success curves), ``design_oc`` (fixed designs and the
borrowing option), ``design_gsd_boundaries``, ``design_gsd_oc``, ``design_boundaries`` (the
safety rule), ``design_priors``, ``design_assumptions``, and the MAP tables ``map_summary``,
``map_mixture``, ``map_shrinkage``, ``map_excluded``, ``map_conflict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr

from ..design import AlcInputs, BinaryDesign, NormalDesign, default_analysis_priors, pos
from ..design.design_priors import LogRRPosterior
from ..design.presets import ENDPOINT_LABELS, MECHANISTIC, PHASE3, SAFETY, default_rule
from ..result import Result
from . import clinical as C
from . import mechanistic as M
from .assumptions import Phase3Assumptions
from .maps import TrialEvidence, conflict_table, fit_maps, map_tables
from .tables import (
    DESIGN_TABLE_COLUMNS,
    PUBLISHED_TABLES,
    RECOMMENDATION_COLUMNS,
    design_prior_rows,
    ordered,
)

__all__ = ["STEP", "Phase3Inputs", "Phase3Result", "figures", "run"]

STEP = "phase3_design"


@dataclass(frozen=True)
class Phase3Inputs:
    """What the plan reads from upstream steps and the trial (``None`` where absent: the
    published facts are used instead, labelled "FALLBACK").

    Examples
    --------
    >>> Phase3Inputs().mortality is None, Phase3Inputs().provenance
    (True, 'synthetic')
    """

    mortality: LogRRPosterior | None = None
    infection: LogRRPosterior | None = None
    alc: AlcInputs | None = None
    evidence: TrialEvidence | None = None
    provenance: str = "synthetic"


@dataclass(frozen=True)
class Phase3Result(Result):
    """Every table of the step, plus what the figures need."""

    TABLES: ClassVar[dict[str, str]] = {}

    named_tables: dict[str, pd.DataFrame]
    draws: xr.Dataset
    maps: dict[str, Any] = field(repr=False)
    gsd: C.GSDPlan | None = field(repr=False)
    assumptions: Phase3Assumptions = field(default_factory=Phase3Assumptions)

    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(self.named_tables)

    @property
    def published(self) -> tuple[str, ...]:
        """Tables computed from published data only (provenance "published")."""
        return tuple(t for t in self.named_tables if t in PUBLISHED_TABLES)


def _grid(fast: bool) -> list[int]:
    return list(range(200, 3001, 400 if fast else 200))


def _value_at(design, dp, n: int, relevant: float) -> dict[str, float]:
    d = design.with_n(n // 2, n - n // 2) if hasattr(design, "with_n") else design
    r = pos(d, dp, relevant=relevant)
    return {"assurance": r.assurance, "expected_power": r.expected_power,
            "p_benefit": r.p_benefit}


def run(inputs: Phase3Inputs | None = None, assumptions: Phase3Assumptions | None = None, *,
        fast: bool = False) -> Phase3Result:
    """Build the phase III plan (see the module docstring; ``fast``: coarser grids).

    Examples
    --------
    The whole plan takes 15-30 seconds (tested in tests/phase3), so it is skipped here:

    >>> res = run(fast=True)  # doctest: +SKIP
    >>> res.tables()["design_recommendations"]["endpoint"].tolist()  # doctest: +SKIP
    ['mortality', 'infection', 'alc', 'rise50', 'safety']
    """
    inputs = inputs or Phase3Inputs()
    a = assumptions or Phase3Assumptions()
    fits = fit_maps()
    mort_map = fits["placebo_mortality"]
    ctrl = mort_map.mixture if a.control_design_prior == "map" else mort_map.robust_prior
    ctrl_label = ("the placebo-mortality MAP" if a.control_design_prior == "map"
                  else "the robust placebo-mortality MAP")
    robust_ctrl = mort_map.robust_prior
    rr_grid = np.round(np.arange(0.6, 1.201, 0.1 if fast else 0.05), 3)

    # -- mortality: curves, fixed n, group-sequential design, borrowing -----------------------
    mort_priors = C.design_priors("mortality", ctrl, ctrl_label, a, inputs.mortality,
                                  robust_control=robust_ctrl)
    curves = [C.clinical_curves("mortality", mort_priors, _grid(fast), a, PHASE3)]
    c0 = curves[0]
    sizing = c0[(c0.design_prior_key == "mcid") & (c0.metric == "power_mcid")]
    n_fixed = C.fixed_n("mortality", mort_priors[0].prior, sizing, a)
    gsd = None
    oc_rows = []
    tables: dict[str, pd.DataFrame] = {}
    ctrl_mean = float(ctrl.mean)
    if n_fixed is not None:
        gsd = C.gsd_plan(n_fixed, ctrl, a, fast=fast)
        tables["design_gsd_boundaries"] = C.gsd_boundaries(gsd, ctrl_mean)
        tables["design_gsd_oc"] = C.gsd_oc(gsd, ctrl_mean, rr_grid)
        oc_rows.append(C.fixed_oc("mortality", n_fixed, ctrl_mean, rr_grid))
        rates = np.round(np.arange(0.15, 0.601, 0.15 if fast else 0.05), 3)
        oc_rows.append(C.borrowing_oc(n_fixed, robust_ctrl, a.mcid_rr, rates))
    n_trial = (gsd.design.n1[-1] + gsd.design.n2[-1]) if gsd is not None else n_fixed

    # -- infection: secondary; its power in the mortality-sized trial --------------------------
    inf_ctrl = C.infection_control(a)
    inf_priors = C.design_priors("infection", inf_ctrl, "the elicited infection risk", a,
                                 inputs.infection)
    curves.append(C.clinical_curves("infection", inf_priors, _grid(fast), a, PHASE3))
    ci = curves[-1]
    n_inf = C.fixed_n("infection", inf_priors[0].prior,
                      ci[(ci.design_prior_key == "mcid") & (ci.metric == "power_mcid")], a)
    if n_trial:
        oc_rows.append(C.fixed_oc("infection", n_trial, float(inf_ctrl.mean), rr_grid,
                                  label=f"fixed, n = {n_trial} (the mortality trial's size)"))

    # -- mechanistic and safety -----------------------------------------------------------------
    alc_list = M.alc_priors(fits["cyt107_alc"].robust_prior, a, inputs.alc, inputs.provenance,
                            plain_map=fits["cyt107_alc"].mixture)
    mech, n_mech = M.mechanistic_curves(alc_list, inputs.alc, a, fast=fast)
    curves.append(mech)
    if n_mech.get("alc"):
        oc_rows.append(M.alc_oc(int(n_mech["alc"]), a))
    bounds, safety_oc = M.safety_tables()
    oc_rows.append(pd.DataFrame({
        "endpoint": "safety", "design": "single-arm monitoring, looks at "
        + ", ".join(map(str, M.SAFETY_LOOKS)), "analysis_prior": "Beta(1, 1)",
        "x_variable": "true_rate", "true_rr": safety_oc["p_true"], "control_rate": np.nan,
        "p_success": safety_oc["p_stop_efficacy"], "method": "exact recursion (P(stop))"}))

    # -- recommendations ------------------------------------------------------------------------
    recs = _recommendations(a, mort_priors, inf_priors, alc_list, n_fixed, gsd, n_trial, n_inf,
                            n_mech, safety_oc, inputs, mech)
    evidence = inputs.evidence
    tables = {
        "design_recommendations": recs,
        "design_sample_size": ordered("design_sample_size", pd.concat(curves,
                                                                        ignore_index=True)),
        "design_oc": ordered("design_oc", pd.concat(oc_rows, ignore_index=True)),
        **tables,
        "design_boundaries": bounds,
        "design_priors": design_prior_rows(mort_priors, inf_priors, alc_list, a),
        "design_assumptions": a.table(),
        **map_tables(fits),
        "map_conflict": conflict_table(fits, evidence) if evidence is not None
        else conflict_table({}, TrialEvidence(None, None, None, None, "")),
    }
    tables = {k: ordered(k, v) for k, v in tables.items() if k in DESIGN_TABLE_COLUMNS}
    return Phase3Result(named_tables=tables, draws=xr.Dataset(), maps=fits, gsd=gsd,
                        assumptions=a)


#: The assumptions (``design_assumptions`` rows) each endpoint's recommendation rests on.
USES = {
    "mortality": "mcid_rr, target, alpha, looks, efficacy_shape, futility_pp, "
                 "control_design_prior, robust_weight, borrowing",
    "infection": "mcid_rr, target, infection_control_risk",
    "alc": "target, sd_log_alc, alc_relevant_fold",
    "rise50": "target",
    "safety": "",
}


def _plateau(curves: pd.DataFrame, endpoint: str, target: float) -> tuple[int | None, float,
                                                                          str]:
    """For a mechanistic curve that never reaches the target: the smallest n within 0.02 of
    its maximum, that maximum, and a note saying so."""
    c = curves[(curves.endpoint == endpoint) & (curves.role == "sizing")]
    if c.empty:
        return None, np.nan, ""
    top = float(c["value"].max())
    n = int(c.loc[c["value"] >= top - 0.02, "n_total"].min())
    return n, top, (f"assurance never reaches {target:g}: it levels off at {top:.2f} (the "
                    f"ceiling the design prior allows); n = {n} is where it is within 0.02 of "
                    "that level")


def _recommendations(a, mort_priors, inf_priors, alc_list, n_fixed, gsd, n_trial, n_inf,
                     n_mech, safety_oc, inputs, mech) -> pd.DataFrame:
    rows = []
    mcid = a.mcid_rr
    tmpl = BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), 1, 1)
    ev = next(p for p in mort_priors if p.key == "evidence")
    if gsd is not None:
        d = gsd.design
        at = _value_at(tmpl, ev.prior, n_trial, mcid)
        null = [r for r in (gsd.design.oc(v, v)["expected_n"] for v in gsd.null_rates)]
        c = float(mort_priors[0].prior.control.mean)
        rows.append({
            "endpoint": "mortality", "role": "primary (phase III)", "purpose": PHASE3,
            "design": f"group-sequential, {d.K} looks ({', '.join(f'{x:.0%}' for x in a.looks)} "
                      f"of patients), 1:1, efficacy thresholds O'Brien-Fleming-like, "
                      f"non-binding futility if PP < {a.futility_pp:g}",
            "n_total": n_trial, "n_per_arm_at_looks": "/".join(map(str, d.n1)),
            "n_for_target": n_fixed, "sizing_metric": C.METRICS["power_mcid"],
            "target": a.target, "value_at_n": gsd.hybrid_power,
            "assurance_at_n": at["assurance"], "expected_power_at_n": at["expected_power"],
            "p_benefit": at["p_benefit"],
            "type_I_error": float(gsd.type_one["type_I_error"].max()),
            "expected_n_null": float(np.mean(null)),
            "expected_n_mcid": gsd.design.oc(mcid * c, c)["expected_n"],
            "rule": default_rule("mortality").describe(),
            "design_prior": mort_priors[0].prior.label,
            "design_prior_source": mort_priors[0].prior.source,
            "note": f"fixed-design equivalent n = {n_fixed}; inflation {gsd.inflation:.3f}"})
    else:
        rows.append({"endpoint": "mortality", "role": "primary (phase III)", "purpose": PHASE3,
                     "design": "none reaches the target in the range searched",
                     "rule": default_rule("mortality").describe(),
                     "note": "no size up to 3000 reaches the target power at the MCID"})
    ev_i = next(p for p in inf_priors if p.key == "evidence")
    tmpl_i = BinaryDesign(default_rule("infection"), *default_analysis_priors("infection"), 1, 1)
    row = {"endpoint": "infection", "role": "secondary (phase III)", "purpose": PHASE3,
           "design": "analysed in the mortality trial (fixed analysis at its final look)",
           "n_total": n_trial, "n_for_target": n_inf, "sizing_metric": C.METRICS["power_mcid"],
           "target": a.target, "rule": default_rule("infection").describe(),
           "design_prior": inf_priors[0].prior.label,
           "design_prior_source": inf_priors[0].prior.source,
           "note": "secondary endpoint: not sized for"}
    if n_trial:
        at = _value_at(tmpl_i, ev_i.prior, n_trial, mcid)
        row.update(value_at_n=_value_at(tmpl_i, inf_priors[0].prior, n_trial, mcid)[
            "assurance"], assurance_at_n=at["assurance"],
            expected_power_at_n=at["expected_power"], p_benefit=at["p_benefit"])
    rows.append(row)
    for key, (ep, prior_list) in {"alc": ("alc", alc_list)}.items():
        sizing = next(p for p in prior_list if p[1] == "sizing")
        n_target = n_mech.get(key)
        n, note = n_target, ""
        if n is None:
            n, _, note = _plateau(mech, ep, a.target)
        tmpl_a = NormalDesign(default_rule("alc"), *default_analysis_priors("alc", a.sd_log_alc),
                              1, 1, a.sd_log_alc)
        v = pos(tmpl_a.with_n(n // 2, n - n // 2), sizing[2]) if n else None
        rows.append({"endpoint": ep, "role": "mechanistic (phase II)", "purpose": MECHANISTIC,
                     "design": "mechanistic substudy, 1:1 (not a phase III size)",
                     "n_total": n, "n_for_target": n_target, "sizing_metric": "assurance",
                     "target": a.target, "value_at_n": v.assurance if v else np.nan,
                     "assurance_at_n": v.assurance if v else np.nan,
                     "p_benefit": v.p_benefit if v else np.nan,
                     "rule": default_rule("alc").describe(), "design_prior": sizing[2].label,
                     "design_prior_source": sizing[2].source, "note": note})
    n50 = n_mech.get("rise50")
    n50_shown, _, note50 = (n50, np.nan, "") if n50 else _plateau(mech, "rise50", a.target)
    c50 = mech[(mech.endpoint == "rise50") & (mech.n_total == n50_shown)]
    rows.append({"endpoint": "rise50", "role": "mechanistic (phase II)", "purpose": MECHANISTIC,
                 "design": "mechanistic substudy, 1:1 (not a phase III size)",
                 "n_total": n50_shown, "n_for_target": n50, "sizing_metric": "assurance",
                 "target": a.target,
                 "value_at_n": float(c50["value"].iloc[0]) if len(c50) else np.nan,
                 "assurance_at_n": float(c50["value"].iloc[0]) if len(c50) else np.nan,
                 "p_benefit": float(c50["p_benefit"].iloc[0]) if len(c50) else np.nan,
                 "rule": default_rule("rise50").describe(),
                 "design_prior": "P(>= 50 % ALC rise) by arm",
                 "design_prior_source": ("trajectory posterior" if inputs.alc is not None
                                         else "FALLBACK: published 3-4-fold rise; placebo "
                                         "assumed"),
                 "note": note50})
    sig = safety_oc.set_index("p_true")
    rows.append({"endpoint": "safety", "role": "safety monitoring", "purpose": SAFETY,
                 "design": "single-arm monitoring of IV dosing at "
                           + ", ".join(map(str, M.SAFETY_LOOKS)) + " patients on CYT107",
                 "n_total": max(M.SAFETY_LOOKS), "sizing_metric": "P(stop) if the true rate "
                 "is 20 %", "target": np.nan, "value_at_n": float(sig.loc[0.2,
                                                                          "p_stop_efficacy"]),
                 "type_I_error": float(sig.loc[0.05, "p_stop_efficacy"]),
                 "rule": f"stop if P(rate > {M.SAFETY_THRESHOLD:.0%} | data) > "
                         f"{M.SAFETY_PROB:.0%}",
                 "design_prior": "Beta(4, 13): 3/15 in IRIS-7-C&D",
                 "design_prior_source": "published: 3/15 CYT107 patients (Daix et al. 2023)",
                 "note": "type_I_error here: P(stop) if the true rate is 5 %"})
    df = pd.DataFrame(rows)
    df.insert(1, "endpoint_label", df["endpoint"].map(ENDPOINT_LABELS))
    for col in ("n_total", "n_for_target"):
        df[col] = pd.array(df[col].astype("float").round(), dtype="Int64")
    df["assumptions"] = df["endpoint"].map(USES)
    return df.reindex(columns=RECOMMENDATION_COLUMNS)


def figures(result: Phase3Result) -> dict[str, Any]:
    """Every figure of the step, by name."""
    from . import plots as P

    return P.all_figures(result)
