"""Step ``phase3_design``: design of the phase III successor of IRIS-7 (assurance, OC, boundaries).

Reads the upstream tables of the results folder when present — ``tables/design_inputs_alc.csv``
(trajectory step) and ``tables/reanalysis_summary.csv`` (summary reanalysis) — and otherwise falls
back to published facts, labelled "FALLBACK" in every row that uses them. Design priors derived
from a SYNTHETIC trial's posterior are labelled "synthetic trial posterior — illustration only".

Writes ``tables/design_sample_size.csv`` (assurance curves with MCSE, per endpoint and design
prior), ``tables/design_recommendations.csv`` (recommended n, the rule as a sentence, the source
of the design prior and its assumptions), ``tables/design_oc.csv`` (P(success) vs the true effect),
``tables/design_boundaries.csv`` (interim stopping boundaries) and the figures
``design_assurance_curves``, ``design_oc_curves``, ``design_boundaries``.

Run: ``python analyses/05_phase3_design.py [--data DIR] [--results DIR] [--seed N] [--fast]``.
"""

from __future__ import annotations

import hashlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayes_iris.artifacts import ResultsDir, default_results_dir, script_parser
from bayes_iris.cli import print_input_error
from bayes_iris.design import (
    BetaMix,
    BinaryDesign,
    BinaryDesignPrior,
    NormalDesign,
    alc_design_prior,
    bridged_design_prior,
    clinical_design_prior,
    default_analysis_priors,
    default_rule,
    futility_boundary_2arm,
    normal_from_quantiles,
    rise50_design_prior,
    safety_boundaries,
    safety_design_prior,
    sample_size,
    sequential_oc,
    simulate_interim_design,
    stopping_boundaries,
)
from bayes_iris.design.design_priors import control_risk
from bayes_iris.errors import InputError
from bayes_iris.plots.design import plot_assurance_curves, plot_boundaries, plot_oc_curves

STEP = "phase3_design"
TARGET = 0.8


def _load(args):
    from bayes_iris.data import load_bundled, load_trial

    return load_bundled() if args.data is None else load_trial(args.data)


def design_priors(tables, provenance: str, seed: int) -> dict[str, list]:
    """Per endpoint, the design priors compared (labelled with their sources)."""
    out: dict[str, list] = {}
    for ep in ("mortality", "infection"):
        pooled = clinical_design_prior(ep, tables)
        robust = clinical_design_prior(ep, tables, robust_weight=0.5)
        ctrl, note = control_risk(ep)
        elicited = BinaryDesignPrior(
            control=ctrl, log_rr=normal_from_quantiles(np.log(0.55), np.log(1.05)),
            label="hypothesised benefit (elicited)",
            source="ELICITED (illustrative): RR 95 % in [0.55, 1.05]; not data",
            assumptions=(note,))
        out[ep] = [pooled, robust, elicited]
    alc = alc_design_prior(tables, provenance=provenance)
    out["mortality"].append(bridged_design_prior(alc, -0.25, 0.15, control_risk("mortality")[0],
                                                 seed=seed))
    out["alc"] = [alc, alc_design_prior(tables, provenance=provenance, robust_weight=0.5)]
    out["rise50"] = [rise50_design_prior(tables, provenance=provenance)]
    out["safety"] = [safety_design_prior()]
    return out


def _grid(endpoint: str, fast: bool) -> list[int]:
    top = {"mortality": 1600, "infection": 1600, "alc": 60, "rise50": 80, "safety": 120}[endpoint]
    lo = {"mortality": 100, "infection": 100, "alc": 4, "rise50": 6, "safety": 5}[endpoint]
    k = 7 if fast else 20
    return sorted({int(v) // 2 * 2 for v in np.linspace(lo, top, k)})


def oc_table(recs: pd.DataFrame, fast: bool, seed: int) -> pd.DataFrame:
    """Exact OC of the recommended (or reference) designs as functions of the true effect."""
    rows = []
    ctrl = control_risk("mortality")[0].mean
    for ep in ("mortality", "infection"):
        rule = default_rule(ep)
        p1, p2 = default_analysis_priors(ep)
        c = control_risk(ep)[0].mean
        for n_total in (400, 800):
            d = BinaryDesign(rule, p1, p2, n_total // 2, n_total // 2)
            rr = np.round(np.arange(0.5, 1.31, 0.1 if fast else 0.05), 3)
            for r, p in zip(rr, d.oc(np.minimum(c * rr, 1.0), c), strict=True):
                rows.append({"endpoint": ep, "design": f"n = {n_total} (1:1)",
                             "control_rate": c, "true_effect": r,
                             "effect_label": "true risk ratio (CYT107 / placebo)",
                             "p_success": float(p), "mcse": 0.0, "method": "exact enumeration"})
    # with a futility interim at half the patients (PP < 0.1), by simulation
    d = BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), 400, 400)
    for r in (0.6, 0.8, 1.0) if fast else (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1):
        res = simulate_interim_design(d, [0.5], ctrl * r, ctrl, futility_pp=0.1,
                                      n_sim=150 if fast else 1500, seed=seed)
        rows.append({"endpoint": "mortality", "design": "n = 800, futility look at 50 % (PP<0.1)",
                     "control_rate": ctrl, "true_effect": r,
                     "effect_label": "true risk ratio (CYT107 / placebo)",
                     "p_success": res["p_success"], "mcse": res["mcse"],
                     "method": f"simulation; P(stop futility) = {res['p_stop_futility']:.3f}, "
                               f"E[N] = {res['expected_n']:.0f}"})
    alc = recs[(recs.endpoint == "alc") & (recs.metric == "assurance")]
    sigma = alc_design_prior().sigma if alc.empty else float(alc["sigma"].iloc[0])
    rule = default_rule("alc")
    for n_total in (12, 24, 48):
        d = NormalDesign(rule, *default_analysis_priors("alc", sigma), n_total // 2,
                         n_total // 2, sigma)
        for fold in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0):
            rows.append({"endpoint": "alc", "design": f"n = {n_total} (1:1)",
                         "control_rate": np.nan, "true_effect": fold,
                         "effect_label": "true day-29 ALC ratio (CYT107 / placebo)",
                         "p_success": float(d.oc(np.log(fold), 0.0)), "mcse": 0.0,
                         "method": "quadrature"})
    return pd.DataFrame(rows)


def boundaries_table() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stopping boundaries and a single-arm PP design on the ALC-rise endpoint."""
    looks = [10, 20, 30, 40, 60]
    sb = safety_boundaries(looks, threshold=0.10, prob=0.9).assign(
        design="safety: stop if P(infusion-reaction rate > 10 % | data) > 90 %, Beta(1,1)")
    sb = sb.rename(columns={"post_prob_at_boundary": "post_prob_at_boundary"})
    pp = stopping_boundaries([10, 20, 30, 40], 40, p0=0.35, theta_t=0.9, theta_l=0.05,
                             theta_u=0.95, prior=BetaMix.single(1, 1)).assign(
        design="single-arm PP (Lee & Liu): >=50 % ALC rise, p0 = 0.35, θT = 0.9, "
               "futility PP < 0.05, efficacy PP > 0.95")
    pp = pp.rename(columns={"post_prob_at_futility": "post_prob_at_boundary"})
    # the phase III mortality design (n = 800, 1:1) with a futility look at 200 per arm
    d = BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), 400, 400)
    fb = futility_boundary_2arm(d, 200, 200, range(40, 101, 5), pp_threshold=0.1)
    two = pd.DataFrame({
        "design": "mortality, n = 800 (1:1): at 200 per arm stop for futility if CYT107 deaths "
                  ">= boundary given placebo deaths (PP of final success < 0.1)",
        "n": 200, "futility_max_x": pd.NA, "efficacy_min_x": pd.NA,
        "post_prob_at_boundary": fb["pp_at_boundary"], "control_events": fb["control_events"],
        "futility_min_x": fb["boundary_x1"]})
    bounds = pd.concat([sb, pp, two], ignore_index=True)[
        ["design", "n", "futility_max_x", "efficacy_min_x", "post_prob_at_boundary",
         "control_events", "futility_min_x"]]
    # The library marks "no boundary at this look" with impossible counts (x <= -1, x >= n + 1);
    # in the table an absent boundary is empty, not a number a reader could take literally.
    fut = pd.to_numeric(bounds["futility_max_x"], errors="coerce")
    eff = pd.to_numeric(bounds["efficacy_min_x"], errors="coerce")
    bounds["futility_max_x"] = fut.where(fut >= 0).astype("Int64")
    bounds["efficacy_min_x"] = eff.where(eff <= bounds["n"]).astype("Int64")
    oc = pd.concat([
        sequential_oc(sb, [0.02, 0.05, 0.10, 0.20, 0.30]).assign(design=sb["design"].iloc[0]),
        sequential_oc(pp, [0.35, 0.5, 0.65, 0.8]).assign(design=pp["design"].iloc[0]),
    ], ignore_index=True)  # (the two-arm futility rule's OC is in design_oc.csv, by simulation)
    return bounds, oc


def main(argv: list[str] | None = None) -> int:
    args = script_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        trial = _load(args)
        results = ResultsDir(args.results or default_results_dir(trial), trial)
        priors = design_priors(results.tables, trial.meta.provenance.kind, args.seed)
    except InputError as err:
        print_input_error(err)
        return 2
    n_sim = 2000 if args.fast else 20000
    curves, recs = [], []
    for ep, dps in priors.items():
        for dp in dps:
            res = sample_size(ep, dp, n_grid=_grid(ep, args.fast), n_sim=n_sim, seed=args.seed,
                              target=TARGET, engine="rao-blackwell")
            curves.append(res.curve.assign(endpoint=ep, design_prior=res.design_prior,
                                           design_prior_source=res.design_prior_source))
            metrics = ["assurance", "power"]
            if "expected_power" in res.curve and res.curve["expected_power"].notna().all():
                metrics.append("expected_power")  # success given a relevant effect
            for metric in metrics:
                col = {"assurance": "assurance", "power": "power_at_point",
                       "expected_power": "expected_power"}[metric]
                hit = res.curve[res.curve[col] >= TARGET]
                n_rec = int(hit["n_total"].iloc[0]) if len(hit) else None
                recs.append({
                    "endpoint": ep, "design_prior": res.design_prior, "metric": metric,
                    "target": TARGET, "recommended_n": n_rec, "rule": res.rule,
                    "design_prior_source": res.design_prior_source,
                    "assumptions": " | ".join(res.assumptions),
                    "note": res.note if (metric == "assurance" and n_rec is None) else "",
                    "sigma": getattr(dp, "sigma", np.nan),
                    "relevant_effect": (res.extra.get("relevant")
                                        if metric == "expected_power" else np.nan),
                    "provenance_label": trial.provenance_label,
                })
    curve_df = pd.concat(curves, ignore_index=True)[
        ["endpoint", "design_prior", "n_total", "n_treat", "n_control", "assurance", "mcse",
         "power_at_point", "p_benefit", "expected_power", "expected_power_mcse",
         "design_prior_source"]]
    rec_df = pd.DataFrame(recs)
    rec_df["recommended_n"] = rec_df["recommended_n"].astype("Int64")
    oc_df = oc_table(rec_df, args.fast, args.seed)
    bounds, bounds_oc = boundaries_table()
    bounds = bounds.merge(bounds_oc.groupby("design").apply(
        lambda g: "; ".join(f"p={r.p_true:g}: P(stop)={r.p_stop_efficacy:.2f}/"
                            f"{r.p_stop_futility:.2f}, E[N]={r.expected_n:.1f}"
                            for r in g.itertuples()), include_groups=False).rename(
        "oc_summary (stop signal-or-efficacy / futility)"), on="design", how="left")

    figures = {"design_assurance_curves": plot_assurance_curves(curve_df, target=TARGET),
               "design_oc_curves": plot_oc_curves(oc_df),
               "design_boundaries": plot_boundaries(bounds)}
    # everything is computed before anything is written
    outputs = [
        results.write_table("design_sample_size", curve_df),
        results.write_table("design_recommendations", rec_df),
        results.write_table("design_oc", oc_df),
        results.write_table("design_boundaries", bounds),
    ]
    for name, fig in figures.items():
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    h = hashlib.sha256(curve_df.to_csv(index=False).encode()).hexdigest()
    results.record_step(STEP, outputs=outputs, seed=args.seed, inputs_hash=h, status="ok",
                        extra={"fast": bool(args.fast), "n_sim": n_sim,
                               "provenance_label": trial.provenance_label,
                               "design_prior_sources": sorted(set(rec_df.design_prior_source))})
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
