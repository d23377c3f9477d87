"""Test fixtures of the report area: FABRICATED results folders (not analysis output).

``fabricate_results`` writes, through the real ``ResultsDir`` (so the manifest and the provenance
stamping follow the project's contract), small tables and figures with the names the analysis
steps declare and, for every table with a contract, exactly its producer's column list
(``bayes_iris.results.tables.TABLE_COLUMNS``). Their numbers are made up; they only exercise the
report.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from bayes_iris.data import load_bundled
from bayes_iris.inference import SamplerConfig
from bayes_iris.results.store import ResultsDir
from bayes_iris.results.tables import STEPS, TABLE_COLUMNS

HOSTILE_SITE = "<script>alert(1)</script>"
HOSTILE_TERM = "<img src=x onerror=alert(2)>"


def _figure(title: str):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 3, 2], label="fixture line")
    ax.legend(fontsize=6)
    ax.set_title(f"FIXTURE {title}")
    return fig


def _contract(name: str, rows: list[dict] | dict) -> pd.DataFrame:
    """A FABRICATED table with exactly the contract columns of ``name`` (unset cells: NaN)."""
    df = pd.DataFrame(rows)
    unknown = set(df.columns) - set(TABLE_COLUMNS[name])
    assert not unknown, f"fixture columns {unknown} are not in the {name} contract"
    return df.reindex(columns=TABLE_COLUMNS[name])


def _tables(site: str) -> dict[str, tuple[pd.DataFrame, str | None]]:
    days = [1, 8, 15, 22, 29, 43]
    effects = _contract(
        "trajectory_effects",
        [
            dict(
                marker=m,
                model="hier",
                prior_set=p,
                quantity=q,
                arm="cyt107/placebo" if q == "ratio" else "twice_weekly/weekly",
                day=d,
                median=1.0 + d / 10,
                mean=1.0 + d / 10,
                lower95=0.8,
                upper95=2.0 + d / 10,
                log_mean=0.1 * d,
                log_sd=0.2,
                p_gt_1=0.97,
                p_gt_2=0.6,
                p_gt_3=0.2,
            )
            for q in ("ratio", "regimen_contrast")
            for m in ("alc", "cd4", "cd8")
            for p in ("default", "skeptical")
            for d in days
        ]
    )
    diag = _contract(
        "diagnostics_trajectories",
        {
            "model": ["alc_hier", "joint_hier"],
            "max_rhat": [1.002, 1.004],
            "min_ess_bulk": [1200.0, 900.0],
            "min_ess_tail": [1100.0, 850.0],
            "divergences": [0, 0],
            "min_bfmi": [0.9, 0.8],
            "status": ["ok", "ok"],
            "messages": ["", ""],
        }
    )
    return {
        "consort": (
            pd.DataFrame(
                {
                    "arm": ["placebo", "cyt107"],
                    "randomised": [10, 17],
                    "treated": [10, 17],
                    "day29_alive": [8, 15],
                }
            ),
            None,
        ),
        "baseline": (
            pd.DataFrame(
                {
                    "characteristic": ["age, median", f"site: {site}"],
                    "placebo": ["61", "3"],
                    "cyt107": ["63", "5"],
                }
            ),
            None,
        ),
        "labs_long": (
            pd.DataFrame(
                {
                    "patient_id": ["S001", "S001", "S002"],
                    "arm": ["placebo"] * 2 + ["cyt107"],
                    "site": [site, site, "Lyon"],
                    "study_day": [0, 3, 0],
                    "marker": "alc",
                    "value": [400.0, 420.0, 380.0],
                }
            ),
            None,
        ),
        "parameters_synthetic": (
            pd.DataFrame({"parameter": ["alc_fold_day29"], "value": [3.5], "source": ["FACTS.md"]}),
            None,
        ),
        "trajectory_effects": (effects, None),
        "prior_sensitivity": (
            _contract("prior_sensitivity",
                      {"prior_set": ["default", "skeptical"], "median": [3.1, 2.6]}),
            None,
        ),
        "loo_compare": (
            pd.DataFrame({"model": ["hier", "pooled"], "elpd_loo": [-100.0, -120.0]}),
            None,
        ),
        "design_inputs_alc": (
            _contract("design_inputs_alc", {"model": ["piecewise"], "log_ratio_mean": [1.1],
                                            "log_ratio_sd": [0.2],
                                            "sd_patient_log_alc_day29": [0.7],
                                            "p_rise50_placebo": [0.3], "p_rise50_cyt107": [0.9],
                                            "day": [29]}),
            None,
        ),
        "diagnostics_trajectories": (diag, None),
        "ae_summary": (
            _contract(
                "ae_summary",
                {
                    "soc": ["Respiratory", "General"],
                    "term": [HOSTILE_TERM, "Pyrexia"],
                    "n_placebo": [1, 2],
                    "n_cyt107": [3, 4],
                    "p_theta_gt_0": [0.71, 0.55],
                }
            ),
            None,
        ),
        "ae_soc_summary": (_contract("ae_soc_summary", {"soc": ["Respiratory"],
                                                        "n_terms": [4]}), None),
        "ae_two_arm_builtin": (
            pd.DataFrame({"comparison": ["3/15 vs 0/6"], "p_diff_gt_0": [0.93]}),
            "published",
        ),
        "diagnostics_adverse_events": (diag.assign(model=["ae_bb", "ae_bb_pois"]), None),
        "reanalysis_summary": (
            _contract(
                "reanalysis_summary",
                [
                    dict(
                        case=c,
                        measure="RR",
                        prior=p,
                        median=1.0,
                        lower95=0.4,
                        upper95=2.5,
                        p_benefit=0.5,
                        p_benefit_mcid=0.3,
                        p_harm=0.5,
                        log_mean=0.0,
                        log_sd=0.4,
                    )
                    for c in ("sepsis_mortality", "sepsis_secondary_infection")
                    for p in ("skeptical", "neutral", "enthusiastic")
                ]
            ),
            "published",
        ),
        "km_curves": (
            _contract("km_curves", [
                dict(endpoint=e, measure=m, arm=a, day=d, at_risk=10, events=1, censored=0,
                     estimate=v, lower95=v - 0.1, upper95=min(v + 0.1, 1.0))
                for e, m in (("death", "survival"), ("icu_discharge", "cumulative incidence"))
                for a in ("placebo", "cyt107") for d, v in ((0, 1.0), (10, 0.8), (90, 0.7))]),
            None,
        ),
        "mortality_summary": (
            _contract("mortality_summary", {"arm": ["placebo", "cyt107"], "patients": [10, 17],
                                            "deaths": [6, 2], "risk": [0.6, 2 / 17],
                                            "risk_lower95": [0.26, 0.01],
                                            "risk_upper95": [0.88, 0.36]}),
            None,
        ),
        "mortality_contrast": (
            _contract("mortality_contrast", {"treated": ["cyt107"], "control": ["placebo"],
                                             "rd_median": [-0.43], "rd_lower95": [-0.72],
                                             "rd_upper95": [-0.1],
                                             "p_lower_risk_treated": [0.99],
                                             "null_halfwidth95": [0.36], "reference_risk": [0.3],
                                             "reference_reduction": [0.1],
                                             "n_per_arm_80": [288]}),
            None,
        ),
        "ae_breakdown": (
            _contract("ae_breakdown", {"category": ["overall", "grade", "soc"],
                                       "group": ["any adverse event", "grade ≥ 3", HOSTILE_TERM],
                                       "n_cyt107": [17, 7, 1], "N_cyt107": 17,
                                       "n_placebo": [10, 7, 1], "N_placebo": 10,
                                       "rd_median": [0.02, -0.25, 0.0],
                                       "rd_lower95": [-0.1, -0.5, -0.3],
                                       "rd_upper95": [0.2, 0.1, 0.2],
                                       "p_higher_cyt107": [0.6, 0.08, 0.4]}),
            None,
        ),
        "design_sample_size": (
            _contract("design_sample_size", {
                "endpoint": ["mortality", "mortality"], "design_prior": ["neutral", "neutral"],
                "design_prior_key": "mcid", "metric": "power_mcid", "n_total": [180, 360],
                "value": [0.41, 0.61]}),
            None,
        ),
        "design_recommendations": (
            _contract("design_recommendations", {
                "endpoint": ["mortality", "infection", "alc", "rise50", "safety"],
                "endpoint_label": ["28-day mortality", "infection", "ALC", "rise", "safety"],
                "role": ["primary (phase III)", "secondary", "mechanistic", "mechanistic",
                         "safety"],
                "n_total": [360, 360, 40, 30, 60], "n_per_arm_at_looks": "60/120/180",
                "n_for_target": [340, 500, 40, 30, 60], "sizing_metric": "FIXTURE metric",
                "target": 0.8, "value_at_n": 0.8, "assurance_at_n": 0.4,
                "expected_power_at_n": 0.9, "p_benefit": 0.5, "type_I_error": 0.025,
                "expected_n_null": 250.0, "expected_n_mcid": 300.0,
                "design_prior": "FIXTURE prior", "design_prior_source": "FIXTURE source",
                "note": "FIXTURE note",
                "rule": [f"FIXTURE rule {HOSTILE_TERM}"] * 5}),
            None,
        ),
        "design_oc": (_contract("design_oc", {"endpoint": "mortality", "design": "fixed",
                                              "x_variable": "true_rr", "true_rr": [1.0, 0.8],
                                              "p_success": [0.025, 0.8]}), None),
        "design_gsd_boundaries": (
            _contract("design_gsd_boundaries", {"look": [1, 2], "n_total": [100, 200],
                                                "efficacy_threshold": [0.999, 0.975]}),
            None,
        ),
        "design_gsd_oc": (_contract("design_gsd_oc", {
            "scenario": ["RR 1", "RR 1", "RR 0.8", "RR 0.8"], "true_rr": [1.0, 1.0, 0.8, 0.8],
            "control_rate": 0.35, "look": [1, 2, 1, 2], "p_stop_efficacy": [0.01, 0.012, 0.4, 0.45],
            "p_efficacy": [0.022, 0.022, 0.85, 0.85], "expected_n": [350.0, 350.0, 260.0, 260.0]}),
            None),
        "design_boundaries": (
            _contract("design_boundaries", {"n": [10, 20], "stop_min_x": [3, 5]}), None),
        "design_priors": (_contract("design_priors", {"endpoint": ["mortality"],
                                                      "design_prior": ["FIXTURE prior"]}), None),
        "design_assumptions": (_contract("design_assumptions", {
            "name": ["mcid_rr"], "value": ["0.8"], "used_for": ["FIXTURE"],
            "reasoning": ["FIXTURE"]}), None),
        "map_summary": (_contract("map_summary", {
            "map": ["placebo_mortality", "cyt107_alc"], "n_studies": [2, 3],
            "studies": "FIXTURE studies", "data_kind": "FIXTURE", "outcome": "FIXTURE outcome",
            "map_median": 0.3, "map_lower95": 0.1, "map_upper95": 0.6, "ess_elir": 12.0,
            "robust_weight": 0.2, "robust_ess_elir": 8.0, "tau_median": 0.5,
            "tau_lower95": 0.2, "tau_upper95": 1.0, "used_as": "FIXTURE"}), "published"),
        "map_mixture": (_contract("map_mixture", {"map": ["placebo_mortality"], "w": [1.0]}),
                        "published"),
        "map_shrinkage": (_contract("map_shrinkage", {"map": ["placebo_mortality"],
                                                      "study": ["FIXTURE trial"]}), "published"),
        "map_excluded": (_contract("map_excluded", {"map": ["placebo_mortality"],
                                                    "study": ["FIXTURE"]}), "published"),
        "map_conflict": (_contract("map_conflict", {"map": ["placebo_mortality"],
                                                    "p_conflict_map": [0.5]}), None),
    }


def _records(stem: str) -> tuple[dict, dict | None]:
    """FABRICATED manifest extras of a step (what the report's methods chapters read)."""
    if stem == "01_data":
        return {"truth_outcomes": {"log_hr_death_cyt107": 0.0}, "follow_up_days": 90}, None
    if stem == "02_trajectories":
        from bayes_iris.trajectory.priors import resolve_priors

        fit = SimpleNamespace(name="alc_piecewise_default", seconds=12.0, from_cache=False,
                              path=None, diagnostics=None,
                              config=SamplerConfig(seed=123, draws=1000, tune=500))
        return ({"chosen_model": "hier", "priors": {s: resolve_priors(s) for s in
                                                     ("default", "skeptical")}},
                {"alc_piecewise_default": fit})
    if stem == "03_adverse_events":
        from bayes_iris.safety.priors import ae_priors, statement

        return {"priors": "c212", "prior_values": ae_priors("c212").model_dump(),
                "prior_statement": statement(ae_priors("c212"))}, None
    return {}, None


def fabricate_results(
    root: Path,
    *,
    site: str = "Limoges",
    steps: Iterable[str] | None = None,
    diag_status: str = "ok",
    seed: int = 11,
) -> Path:
    """Write a FABRICATED results folder for ``steps`` (default: all five) and return it."""
    trial = load_bundled()
    patients = trial.patients.copy()
    patients.loc[patients.index[0], "site"] = site
    trial = dataclasses.replace(trial, patients=patients)
    res = ResultsDir(root, trial)
    tables = _tables(site)
    if diag_status != "ok":
        df, prov = tables["diagnostics_trajectories"]
        df = df.copy()
        df.loc[0, ["status", "max_rhat", "divergences", "messages"]] = [
            diag_status,
            1.08,
            7,
            "R-hat 1.08 > 1.01; 7 divergences",
        ]
        tables["diagnostics_trajectories"] = (df, prov)
    wanted = set(steps) if steps is not None else {s.stem for s in STEPS}
    for spec in STEPS:
        if spec.stem not in wanted:
            continue
        outputs = []
        names = list(spec.tables) + (["design_priors"] if spec.stem == "05_phase3_design"
                                     else [])
        for name in names:
            df, prov = tables[name]
            outputs.append(res.write_table(name, df, provenance=prov))
        for name in spec.figures:
            fig = _figure(name)
            outputs.append(
                res.write_figure(name, fig, published=spec.stem == "04_summary_reanalysis")
            )
            plt.close(fig)
        status = "warning" if (spec.stem == "02_trajectories" and diag_status != "ok") else "ok"
        extra, fits = _records(spec.stem)
        res.record_step(
            spec.stem, outputs=outputs, seed=seed, status=status, diagnostics={"note": "fixture"},
            inputs_hash="f1x7u2e" * 9 if spec.stem == "01_data" else None, extra=extra,
            fits=fits,
        )
    return Path(root)


def write_ledger(root: Path, steps: dict[str, dict], seed: int = 11) -> None:
    """A FABRICATED runner ledger (pipeline.json)."""
    (root / "pipeline.json").write_text(
        json.dumps({"run": {"seed": seed, "trial": "x"}, "steps": steps})
    )


@pytest.fixture
def fabricate():
    return fabricate_results
