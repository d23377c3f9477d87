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

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from bayes_iris.data import load_bundled
from bayes_iris.results.store import ResultsDir
from bayes_iris.results.tables import STEPS, TABLE_COLUMNS

HOSTILE_SITE = "<script>alert(1)</script>"
HOSTILE_TERM = "<img src=x onerror=alert(2)>"


def _figure(title: str):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 3, 2])
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
                quantity="ratio",
                arm="cyt107",
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
        "design_sample_size": (
            pd.DataFrame(
                {
                    "endpoint": ["mortality"],
                    "design_prior": ["neutral"],
                    "n_per_arm": [180],
                    "assurance": [0.61],
                }
            ),
            None,
        ),
        "design_recommendations": (
            pd.DataFrame({"endpoint": ["mortality"], "n_total": [360]}),
            None,
        ),
        "design_oc": (pd.DataFrame({"delta": [0.0, 0.1], "power": [0.025, 0.8]}), None),
        "design_boundaries": (
            pd.DataFrame({"look": [1, 2], "efficacy": [0.99, 0.975], "futility": [0.1, 0.2]}),
            None,
        ),
    }


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
        for name in spec.tables:
            df, prov = tables[name]
            outputs.append(res.write_table(name, df, provenance=prov))
        for name in spec.figures:
            fig = _figure(name)
            outputs.append(
                res.write_figure(name, fig, published=spec.stem == "04_summary_reanalysis")
            )
            plt.close(fig)
        status = "warning" if (spec.stem == "02_trajectories" and diag_status != "ok") else "ok"
        res.record_step(
            spec.stem, outputs=outputs, seed=seed, status=status, diagnostics={"note": "fixture"}
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
