"""The regulatory chapter: the points of the FDA's January 2026 draft guidance on Bayesian methods,
each with where this report answers it and its status for this analysis.

The guidance: U.S. Food and Drug Administration (CDER, CBER). *Use of Bayesian Methodology in
Clinical Trials of Drug and Biological Products.* Draft guidance for industry, January 2026;
docket FDA-2025-D-3217. Its full text could not be consulted when this chapter was written; the
points follow the guidance's stated scope (primary inference in trials supporting effectiveness
and safety: prior specification and justification with the prior's information, prior-data
conflict, operating characteristics of decision rules including the type I error, sensitivity
to the prior, and computational transparency) as published summaries of it describe them.

Operating characteristics are read from the design step's tables (``design_oc.csv``: exact OC
of every fixed design by true risk ratio and, at no effect, by placebo risk;
``design_gsd_oc.csv``: the group-sequential design per scenario and look;
``design_recommendations.csv``), the priors' information from ``map_summary.csv`` (ESS by the
expected local-information ratio) and ``map_conflict.csv`` (prior-data conflict): a missing
table gives a "not available" box, never an error.

References
----------
.. [1] U.S. FDA. Use of Bayesian Methodology in Clinical Trials of Drug and Biological Products.
   Draft guidance, January 2026 (FDA-2025-D-3217).
.. [2] Morita S, Thall PF, Müller P. Determining the effective sample size of a parametric
   prior. Biometrics 2008;64:595–602.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import html as h

if TYPE_CHECKING:
    from .sections import Report

__all__ = [
    "DESIGN_TABLES",
    "GUIDANCE",
    "effective_sample_sizes",
    "oc_rows",
    "operating_characteristics",
    "points",
]

GUIDANCE = ("U.S. Food and Drug Administration (CDER, CBER). Use of Bayesian Methodology in "
            "Clinical Trials of Drug and Biological Products. Draft guidance for industry, "
            "January 2026. Docket FDA-2025-D-3217. "
            "www.fda.gov/regulatory-information/search-fda-guidance-documents/"
            "use-bayesian-methodology-clinical-trials-drug-and-biological-products")

#: The design tables this chapter reads, with the columns it uses (the rest are ignored).
DESIGN_TABLES = {
    "design_oc": ["endpoint", "design", "analysis_prior", "x_variable", "true_rr",
                  "control_rate", "p_success", "method"],
    "design_gsd_oc": ["scenario", "true_rr", "control_rate", "p_efficacy", "expected_n"],
    "design_recommendations": ["endpoint", "design", "n_total", "type_I_error"],
    "map_summary": ["map", "outcome", "used_as", "ess_elir", "robust_weight", "robust_ess_elir",
                    "ess_unit"],
    "map_conflict": ["map", "compared_with", "p_conflict_map", "p_conflict_robust",
                     "conclusion"],
}
ALPHA = 0.025
MCID_RR = 0.8


def _link(anchor: str, text: str) -> str:
    return f"<a href='#{h.esc(anchor)}'>{h.esc(text)}</a>"


def _num(s) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def oc_rows(rep: Report) -> pd.DataFrame | None:
    """One row per decision rule of the design step: its type I error (P(success) at no effect,
    the largest over the placebo risks studied), P(success) at the MCID and the method; ``None``
    when the design step has not run. Group-sequential designs come from ``design_gsd_oc``
    (overall P(efficacy) and the expected n under the null)."""
    oc = rep.data("design_oc")
    if oc is None:
        return None
    need = {"endpoint", "design", "true_rr", "p_success"}
    if not need <= set(oc.columns):
        return pd.DataFrame()
    oc = oc.assign(true_rr=_num(oc["true_rr"]), p_success=_num(oc["p_success"]))
    oc["rule"] = oc["design"].astype(str).str.replace(r": (type I error|power at .*)$", "", regex=True)
    oc = oc[oc["true_rr"].notna()]
    if "x_variable" in oc:
        oc = oc[oc["x_variable"].astype(str).isin(["true_rr", "control_rate"])]
    oc = oc.assign(analysis_prior=oc["analysis_prior"].astype(object).fillna("").astype(str)
                   if "analysis_prior" in oc else "")
    rows = []
    for (ep, rule, prior), g in oc.groupby(["endpoint", "rule", "analysis_prior"], sort=False):
        null = g[np.isclose(g["true_rr"], 1.0)]
        alt = g[np.isclose(g["true_rr"], MCID_RR)]
        rows.append({"endpoint": ep, "design": rule, "analysis_prior": str(prior),
                     "type_I": float(null["p_success"].max()) if len(null) else np.nan,
                     "n_null_rates": len(null),
                     "p_mcid": float(alt["p_success"].iloc[0]) if len(alt) else np.nan,
                     "expected_n_null": np.nan,
                     "method": str(g["method"].iloc[0]) if "method" in g else ""})
    gsd = rep.data("design_gsd_oc")
    if gsd is not None and {"true_rr", "p_efficacy"} <= set(gsd.columns):
        tr, pe = _num(gsd["true_rr"]), _num(gsd["p_efficacy"])
        null, alt = np.isclose(tr, 1.0), np.isclose(tr, MCID_RR)
        rec = rep.data("design_recommendations")
        name = "group-sequential"
        if rec is not None and "design" in rec:
            found = rec.loc[rec["endpoint"] == "mortality", "design"].dropna()
            name = str(found.iloc[0]) if len(found) else name
        en = _num(gsd["expected_n"]) if "expected_n" in gsd else pd.Series(np.nan, gsd.index)
        rows.append({"endpoint": "mortality", "design": name, "analysis_prior": "",
                     "type_I": float(pe[null].max()) if null.any() else np.nan,
                     "n_null_rates": int(gsd.loc[null, "control_rate"].nunique())
                     if "control_rate" in gsd else int(null.any()),
                     "p_mcid": float(pe[alt].max()) if alt.any() else np.nan,
                     "expected_n_null": float(en[null].max()) if null.any() else np.nan,
                     "method": "exact (group-sequential recursion)"})
    return pd.DataFrame(rows)


def _fmt(v: float, fmt: str) -> str:
    return "–" if not np.isfinite(v) else format(v, fmt)


def operating_characteristics(rep: Report) -> h.HTMLFragment:
    """Per decision rule of the design step: P(success) when CYT107 has no effect (the type I
    error, the largest over the placebo risks studied) and at the MCID risk ratio."""
    rows = oc_rows(rep)
    if rows is None:
        return rep.unavailable("tables/design_oc.csv", "05_phase3_design")
    if rows.empty:
        return h.box("unavailable", "Not available: design_oc.csv lacks the columns endpoint, "
                                    "design, true_rr, p_success")
    df = pd.DataFrame({
        "Endpoint": rows["endpoint"], "Design": rows["design"],
        "Analysis prior": rows["analysis_prior"],
        "P(success) with no effect (type I error)": [
            _fmt(t, ".4f") + (f" (largest of {k} placebo risks)" if k > 1 else "")
            for t, k in zip(rows["type_I"], rows["n_null_rates"], strict=True)],
        "One-sided 2.5 %": np.where(rows["type_I"] > ALPHA + 1e-9, "above", "within"),
        f"P(success) at RR {MCID_RR:g} (MCID)": [_fmt(v, ".3f") for v in rows["p_mcid"]],
        "Expected n under no effect": [_fmt(v, ".0f") for v in rows["expected_n_null"]],
        "Method": rows["method"],
    })
    return rep.table("design_oc", step="05_phase3_design", frame=df, max_rows=15,
                     caption="Operating characteristics of each decision rule (from the design "
                             "step)", highlight={"One-sided 2.5 %": ["above"]})


def effective_sample_sizes(rep: Report) -> h.HTMLFragment:
    """How many patients each prior is worth: the trajectory effect priors (normal prior on a
    log ratio of two arm means: ESS per arm = 2σ²/s², σ the per-patient SD of the day-29 log
    ALC) and the MAP design priors' ESS with their prior-data conflict p-values."""
    out = []
    sens, inputs = rep.data("prior_sensitivity"), rep.data("design_inputs_alc")
    if sens is not None and inputs is not None and "sd_patient_log_alc_day29" in inputs:
        sigma = float(inputs["sd_patient_log_alc_day29"].iloc[0])
        s = _num(sens["prior_log_sd"])
        df = pd.DataFrame({"Prior set": sens["prior_set"],
                           "Prior SD of the log ratio": s.map(lambda v: f"{v:.3f}"),
                           "ESS, patients per arm (2σ²/s²)": (2 * sigma**2 / s**2).map(
                               lambda v: f"{v:.1f}")})
        out.append(rep.table(
            "prior_sensitivity", step="02_trajectories", frame=df, max_rows=None,
            caption=f"Effective sample size of the trajectory effect priors (σ = {sigma:.2f}, "
                    "the per-patient SD of the day-29 log ALC; Morita, Thall & Müller 2008)"))
    else:
        out.append(rep.unavailable("tables/prior_sensitivity.csv", "02_trajectories"))
    ms, mc = rep.data("map_summary"), rep.data("map_conflict")
    if ms is None:
        out.append(h.box("unavailable", "Not available: design-prior effective sample sizes and "
                         "prior-data conflict p-values (the design step writes them to "
                         "tables/map_summary.csv and tables/map_conflict.csv)"))
        return h.join(*out)
    conf = {} if mc is None else {str(r["map"]): r for _, r in mc.iterrows()}
    rows = []
    for _, r in ms.iterrows():
        c = conf.get(str(r["map"]))
        rows.append({
            "MAP prior": r.get("outcome", r["map"]), "Used as": r.get("used_as", ""),
            "ESS": _fmt(float(r.get("ess_elir", np.nan)), ".1f"),
            "Robust weight": _fmt(float(r.get("robust_weight", np.nan)), ".2f"),
            "ESS of the robust version": _fmt(float(r.get("robust_ess_elir", np.nan)), ".1f"),
            "ESS unit": r.get("ess_unit", ""),
            "Prior-data conflict p": "–" if c is None else
            _fmt(float(c.get("p_conflict_map", np.nan)), ".3f"),
            "Conflict verdict": "" if c is None else c.get("conclusion", ""),
        })
    out.append(rep.table("map_summary", step="05_phase3_design", frame=pd.DataFrame(rows),
                         max_rows=None,
                         caption="Design priors (MAP): effective sample size (expected local "
                                 "information ratio) and prior-data conflict with this trial"))
    return h.join(*out)


def _status(rep: Report) -> dict[str, tuple[str, str]]:
    """(status word, sentence) per point, from what the results folder holds."""
    has = {n: rep.data(n) is not None for n in ("design_oc", "design_gsd_oc", "map_summary",
                                                "map_conflict", "prior_sensitivity",
                                                "reanalysis_summary", "ae_summary")}
    traj = rep.reader.step_record("02_trajectories") or {}
    ae = rep.reader.step_record("03_adverse_events") or {}
    code = rep.reader.manifest.get("code") or {}
    data = rep.reader.step_record("01_data") or {}
    diag = [df for _, df in rep.reader.diagnostics_tables()]
    failing = sum(int((d["status"].astype(str) != "ok").sum()) for d in diag if "status" in d)
    out = {}
    out["priors"] = (("met", "every prior is given in numbers with its source") if
                     traj.get("priors") and ae.get("prior_values") else
                     ("partial", "some steps did not record their priors"))
    out["ess"] = (("met", "ESS of the trajectory and MAP design priors reported") if
                  has["map_summary"] else
                  ("partial", "ESS of the trajectory effect priors given; the design step's "
                              "MAP priors not reported"))
    out["conflict"] = (("met", "shown, with the MAP priors' conflict p-values against this "
                               "trial")
                       if has["map_conflict"] else
                       ("partial", "prior against posterior shown for every analysis; no "
                                   "formal conflict test reported"))
    out["oc"] = (("met" if has["design_gsd_oc"] else "partial",
                  "type I error and power of the phase III decision rules computed")
                 if has["design_oc"] else ("missing", "the design step has not run"))
    out["sensitivity"] = (("partial",
                           "trajectory effect under every prior set; published data under the "
                           "prior grid; the adverse-event model under one prior set only")
                          if has["prior_sensitivity"] and has["reanalysis_summary"] else
                          ("missing", "the prior-sensitivity tables are missing"))
    out["diagnostics"] = (("met", "every fit passes") if diag and not failing else
                          ("not met", f"{failing} fit(s) fail the gate") if diag else
                          ("missing", "no diagnostics recorded"))
    commit = str(code.get("commit") or "unknown")
    out["reproducibility"] = (
        ("met" if commit != "unknown" and not code.get("dirty") and data.get("inputs_hash")
         else "partial"),
        "versions, data hash, seeds and the rerun command recorded; commit "
        + (commit[:12] + (" with uncommitted changes" if code.get("dirty") else "")
           if commit != "unknown" else "unknown"))
    out["prespecified"] = (("partial", "phase III rules stated before any data; this reanalysis "
                                       "is exploratory, not pre-specified"))
    out["data"] = (("not applicable", "SYNTHETIC data: nothing here supports a regulatory claim")
                   if rep.reader.provenance_kind == "synthetic" else
                   ("met", "real patient-level data, validated at the boundary"))
    return out


def points(rep: Report) -> h.HTMLFragment:
    """The guidance point by point: what it asks, where this report answers it, the status."""
    st = _status(rep)
    spec = [
        ("priors", "Prior distributions specified in full and justified (their source: "
                   "previous data, elicitation or convention)",
         [("bi-priors", "Methods: priors"), ("bi-design", "Phase III: design priors")]),
        ("ess", "The information an informative prior adds, e.g. its effective sample size",
         [("bi-ess", "this chapter: effective sample sizes")]),
        ("conflict", "Prior-data conflict assessed, and what happens when prior and data "
                     "disagree",
         [("bi-prior-posterior", "Trajectories: prior vs posterior"),
          ("bi-triplots", "Reanalysis: triplots"), ("bi-ae", "Safety: prior vs posterior")]),
        ("oc", "Operating characteristics of every decision rule: type I error, power, "
               "stopping probabilities, expected sample size (simulation or exact)",
         [("bi-oc", "this chapter: operating characteristics"),
          ("bi-design", "Phase III design")]),
        ("sensitivity", "Sensitivity of the conclusions to the prior",
         [("bi-prior-sets", "Trajectories: prior sets"),
          ("bi-reanalysis-forest", "Reanalysis: forest plot across priors")]),
        ("diagnostics", "Computation checked: convergence and model fit",
         [("bi-diagnostics", "Diagnostics"), ("bi-model-checks", "Trajectories: model checks")]),
        ("reproducibility", "Computational transparency: software and versions, code, data, "
                            "seeds, how to reproduce",
         [("bi-provenance", "Methods: provenance")]),
        ("prespecified", "Success criteria and decision rules pre-specified",
         [("bi-design", "Phase III: decision rules")]),
        ("data", "Data that can support the claim",
         [("bi-data", "The data")]),
    ]
    head = ("<tr><th>#</th><th>What the guidance asks</th><th>Where this report answers it"
            "</th><th>Status for this analysis</th></tr>")
    colours = {"met": "#1e6b35", "partial": "#8a5a00", "not met": "#b00020",
               "missing": "#b00020", "not applicable": "#5f6368"}
    body = []
    for i, (key, asks, where) in enumerate(spec, start=1):
        word, sentence = st[key]
        links = "<br>".join(_link(a, t) for a, t in where)
        body.append(
            f"<tr><td>{i}</td><td>{h.esc(asks)}</td><td>{links}</td><td><strong style='color:"
            f"{colours.get(word, '#202124')}'>{h.esc(word)}</strong> — {h.esc(sentence)}</td>"
            "</tr>")
    table = ("<div class='bi-table-wrap' style='overflow-x:auto;max-width:100%'>"
             "<table class='bi-table' style='border-collapse:collapse;font-size:0.88em'>"
             f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>")
    return h.join(h.HTMLFragment("<div class='bi-caption' style='font-weight:600;margin:0.8em 0 "
                                 "0.2em 0'>The guidance, point by point</div>"),
                  h.HTMLFragment(table))


def type_one_error_note(rep: Report) -> h.HTMLFragment:
    """Which decision rules keep the one-sided type I error at 2.5 % (the same criterion as the
    table: the largest P(success | no effect) over the placebo risks studied ≤ 0.025)."""
    rows = oc_rows(rep)
    if rows is None or rows.empty or not rows["type_I"].notna().any():
        return h.HTMLFragment("")
    above = rows[rows["type_I"] > ALPHA + 1e-9]
    if above.empty:
        return h.box("ok", "Every decision rule keeps P(success | no effect) at or below 0.025",
                     f"largest: {float(rows['type_I'].max()):.4f}")
    lines = [f"{r['endpoint']}, {r['design']}"
             + (f", analysis prior {r['analysis_prior']}" if r["analysis_prior"] else "")
             + f": {float(r['type_I']):.4f}"
             for _, r in above.iterrows()]
    return h.box("warning", "Not calibrated to a one-sided 2.5 % type I error", [
        *lines, "A rule whose posterior-probability threshold is not calibrated to the design "
                "exceeds the conventional one-sided 2.5 %; calibrate the threshold, or justify "
                "the operating characteristics with the review division."])
