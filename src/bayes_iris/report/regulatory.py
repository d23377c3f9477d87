"""The regulatory chapter: the points of the FDA's January 2026 draft guidance on Bayesian methods,
each with where this report answers it and its status for this analysis.

The guidance: U.S. Food and Drug Administration (CDER, CBER). *Use of Bayesian Methodology in
Clinical Trials of Drug and Biological Products.* Draft guidance for industry, January 2026;
docket FDA-2025-D-3217. Its full text could not be consulted when this chapter was written; the
points follow the guidance's stated scope (primary inference in trials supporting effectiveness
and safety: prior specification and justification with the prior's information, prior-data
conflict, operating characteristics of decision rules including the type I error, sensitivity
to the prior, and computational transparency) as published summaries of it describe them.

Operating characteristics are read from the design step's tables (``design_oc.csv``,
``design_boundaries.csv``, ``design_recommendations.csv``, ``design_sample_size.csv``; optional
``design_priors.csv`` with an effective sample size and a prior-data conflict p-value): a
missing table gives a "not available" box, never an error.

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

__all__ = ["DESIGN_TABLES", "GUIDANCE", "effective_sample_sizes", "operating_characteristics",
           "points"]

GUIDANCE = ("U.S. Food and Drug Administration (CDER, CBER). Use of Bayesian Methodology in "
            "Clinical Trials of Drug and Biological Products. Draft guidance for industry, "
            "January 2026. Docket FDA-2025-D-3217. "
            "www.fda.gov/regulatory-information/search-fda-guidance-documents/"
            "use-bayesian-methodology-clinical-trials-drug-and-biological-products")

#: The design tables this chapter reads, with the columns it uses (the rest are ignored).
DESIGN_TABLES = {
    "design_oc": ["endpoint", "design", "true_effect", "effect_label", "p_success", "mcse",
                  "method"],
    "design_boundaries": ["design", "n", "oc_summary (stop signal-or-efficacy / futility)"],
    "design_recommendations": ["endpoint", "design_prior", "metric", "recommended_n", "rule",
                               "design_prior_source"],
    "design_sample_size": ["endpoint", "design_prior", "n_total", "assurance", "mcse"],
    "design_priors": ["endpoint", "design_prior", "ess", "conflict_p"],
}
ALPHA = 0.025


def _link(anchor: str, text: str) -> str:
    return f"<a href='#{h.esc(anchor)}'>{h.esc(text)}</a>"


def operating_characteristics(rep: Report) -> h.HTMLFragment:
    """Per design of the design step: P(success) when CYT107 has no effect (the type I error)
    and at the most favourable effect studied."""
    oc = rep.data("design_oc")
    if oc is None:
        return rep.unavailable("tables/design_oc.csv", "05_phase3_design")
    need = {"endpoint", "design", "true_effect", "p_success"}
    if not need <= set(oc.columns):
        return h.box("unavailable", "Not available: design_oc.csv lacks the columns "
                                    + ", ".join(sorted(need - set(oc.columns))))
    rows = []
    for (ep, design), g in oc.groupby(["endpoint", "design"], sort=False):
        eff = pd.to_numeric(g["true_effect"], errors="coerce")
        null_i = (eff - 1.0).abs().idxmin()
        null_eff = float(eff[null_i])
        p_null = float(g.loc[null_i, "p_success"])
        label = str(g["effect_label"].iloc[0]) if "effect_label" in g else "true effect"
        lower_better = "risk ratio" in label or "mortality" in str(ep) or "infection" in str(ep)
        best_i = eff.idxmin() if lower_better else eff.idxmax()
        mc = pd.to_numeric(g.get("mcse"), errors="coerce") if "mcse" in g else None
        mcse = float(mc.max()) if mc is not None and mc.notna().any() else 0.0
        flag = "above" if p_null > ALPHA + 2 * mcse else "within"
        rows.append({
            "Endpoint": ep, "Design": design,
            "P(success) with no effect (type I error)":
                f"{p_null:.4f}" + ("" if abs(null_eff - 1.0) < 1e-9 else
                                   f" (at effect {null_eff:g})"),
            "One-sided 2.5 %": flag,
            "P(success) at the largest effect studied":
                f"{float(g.loc[best_i, 'p_success']):.3f} (effect {float(eff[best_i]):g})",
            "Method": str(g["method"].iloc[0]) if "method" in g else "",
        })
    df = pd.DataFrame(rows)
    return rep.table("design_oc", step="05_phase3_design", frame=df, max_rows=15,
                     caption="Operating characteristics of each decision rule (from the design "
                             "step)", highlight={"One-sided 2.5 %": ["above"]})


def effective_sample_sizes(rep: Report) -> h.HTMLFragment:
    """How many patients each prior is worth: the trajectory effect priors (normal prior on a
    log ratio of two arm means: ESS per arm = 2σ²/s², σ the per-patient SD of the day-29 log
    ALC) and, when the design step reports them, the design priors' ESS and conflict p-values."""
    out = []
    sens, inputs = rep.data("prior_sensitivity"), rep.data("design_inputs_alc")
    if sens is not None and inputs is not None and "sd_patient_log_alc_day29" in inputs:
        sigma = float(inputs["sd_patient_log_alc_day29"].iloc[0])
        s = pd.to_numeric(sens["prior_log_sd"], errors="coerce")
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
    dp = rep.data("design_priors")
    if dp is None:
        out.append(h.box("unavailable", "Not available: design-prior effective sample sizes and "
                         "prior-data conflict p-values (expected from the design step as "
                         "tables/design_priors.csv with columns endpoint, design_prior, ess, "
                         "conflict_p)"))
    else:
        cols = [c for c in DESIGN_TABLES["design_priors"] if c in dp.columns]
        out.append(rep.table("design_priors", step="05_phase3_design", columns=cols,
                             caption="Design priors: effective sample size and prior-data "
                                     "conflict"))
    return h.join(*out)


def _status(rep: Report) -> dict[str, tuple[str, str]]:
    """(status word, sentence) per point, from what the results folder holds."""
    has = {n: rep.data(n) is not None for n in ("design_oc", "design_boundaries",
                                                "design_recommendations", "design_priors",
                                                "prior_sensitivity", "reanalysis_summary",
                                                "ae_summary")}
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
    out["ess"] = (("met", "ESS of the trajectory and design priors reported") if
                  has["design_priors"] else
                  ("partial", "ESS of the trajectory effect priors given; design priors' ESS "
                              "not reported by the design step"))
    out["conflict"] = (("partial", "prior against posterior shown for every analysis; a formal "
                                   "conflict test only where the design step reports one")
                       if not has["design_priors"] else
                       ("met", "shown, with the design step's conflict p-values"))
    out["oc"] = (("met" if has["design_boundaries"] else "partial",
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
    """Which designs keep the one-sided type I error at 2.5 % (the same criterion as the
    table: P(success | no effect) ≤ 0.025 + 2 Monte Carlo standard errors)."""
    oc = rep.data("design_oc")
    if oc is None or not {"true_effect", "p_success", "design"} <= set(oc.columns):
        return h.HTMLFragment("")
    eff = pd.to_numeric(oc["true_effect"], errors="coerce")
    null = oc[np.isclose(eff, 1.0)].copy()
    if null.empty:
        return h.HTMLFragment("")
    mcse = pd.to_numeric(null["mcse"], errors="coerce").fillna(0.0) if "mcse" in null else 0.0
    above = null[null["p_success"] > ALPHA + 2 * mcse]
    if above.empty:
        return h.box("ok", "Every decision rule keeps P(success | no effect) at or below 0.025",
                     f"largest: {float(null['p_success'].max()):.4f}")
    lines = [f"{r.get('endpoint', '')}, {r['design']}: {float(r['p_success']):.4f}"
             for _, r in above.iterrows()]
    return h.box("warning", "Not calibrated to a one-sided 2.5 % type I error", [
        *lines, "A rule whose posterior-probability threshold is not calibrated to the design "
                "exceeds the conventional one-sided 2.5 %; calibrate the threshold, or justify "
                "the operating characteristics with the review division."])
