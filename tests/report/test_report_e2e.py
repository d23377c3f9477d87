"""End to end on the bundled SYNTHETIC trial: the real analysis scripts, then the report.

One module-scoped run of ``bayes-iris report --fast`` (a subprocess, as a user types it) feeds
every test here:

- a smoke test per declared step (parametrised over the five expected scripts, so a missing
  script FAILS here, visibly): the script exists, ran as a subprocess with exit code 0, and wrote
  every output it declares, recorded in the manifest with a matching sha256;
- the rendered report's real chapters: every declared figure embedded, key tables filled from the
  fits, the SYNTHETIC banner, no "not available" box (but the optional design-prior ESS table),
  no external URL;
- every real figure was recorded with a legend and without overprinting tick labels, and — when
  Chromium is installed — no table of the real page is wider than its column and every image
  loads (the measurement of test_report_browser.py).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bayes_iris.fingerprints import sha256_file
from bayes_iris.pipeline import run_pipeline
from bayes_iris.report import render_report_detailed
from bayes_iris.results.tables import LEDGER, STEPS, find_manifest_record

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def main_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("e2e") / "results"
    cmd = [
        sys.executable,
        "-c",
        "from bayes_iris.cli import main; main()",
        "report",
        "--fast",
        "--results",
        str(results),
        "--engine",
        "jupyter",
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    html_path = results / "report.html"
    html = html_path.read_text(encoding="utf-8") if html_path.exists() else ""
    return results, proc, html


@pytest.mark.parametrize("spec", STEPS, ids=[s.stem for s in STEPS])
def test_step_script_runs_fast_and_writes_its_declared_outputs(main_run, spec):
    results, _, _ = main_run
    script = ROOT / "analyses" / f"{spec.stem}.py"
    assert script.is_file(), f"analyses/{spec.stem}.py does not exist yet"
    entry = json.loads((results / LEDGER).read_text())["steps"][spec.stem]
    assert entry["exit_code"] == 0, f"{spec.stem} failed:\n{entry.get('message')}"
    manifest = json.loads((results / "manifest.json").read_text())
    record = find_manifest_record(manifest["steps"], spec.stem)
    assert record is not None, f"{spec.stem} wrote no manifest record"
    recorded = {o["path"]: o["sha256"] for o in record["outputs"]}
    for rel in spec.outputs:
        assert (results / rel).is_file(), f"{spec.stem} did not write {rel}"
        assert rel in recorded, f"{spec.stem} did not record {rel} in manifest.json"
        assert sha256_file(results / rel) == recorded[rel]
    for rel in spec.outputs:
        if rel.startswith("tables/"):
            first = (results / rel).read_text().splitlines()[0]
            assert first.split(",")[0] == "provenance", rel


def test_main_command_succeeds_and_prints_the_report_path(main_run):
    results, proc, html = main_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(results / "report.html") in proc.stdout
    assert html


def test_report_chapters_are_filled_from_the_fits(main_run):
    results, proc, html = main_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    body = html[html.find("<main") :]
    for spec in STEPS:
        for name in spec.figures:
            b64 = base64.b64encode((results / "figures" / f"{name}.png").read_bytes()).decode()
            assert b64 in body, f"figure {name} not embedded"
    text = re.sub(r"<[^>]+>", " ", body)
    for needle in (
        "Patient flow by arm and regimen",
        "Baseline characteristics by arm",
        "this difference arose by chance",
        "Treatment effect at key days",
        "CYT107 regimens compared",
        "MCMC diagnostics per fitted model",
        "Adverse events ordered by P(θ &gt; 0)",
        "Mortality (sepsis) — RR",
        "One row per endpoint: the design, its size",
        "Per look: patients, thresholds",
        "Plan a group-sequential 1:1 trial of at most",
        "Placebo arms: the counts and their sources",
        "3/15 vs 0/6",
        "The guidance, point by point",
        "Sampler settings of every fit",
        "Package versions",
    ):
        assert needle in text, needle
    optional = "Not available: design-prior effective sample sizes"  # until the design step
    assert "Not available" not in text.replace(optional, "")
    assert "failed to render" not in text
    assert len(re.findall(r"bi-banner-synthetic", body)) >= 9
    assert not EXTERNAL.search(html)
    assert str(results) not in text  # no local paths on the page


def test_every_real_figure_has_a_legend_and_readable_ticks(main_run):
    results, proc, _ = main_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for spec in STEPS:
        for name in spec.figures:
            check = json.loads((results / "figures" / f"{name}.json").read_text())
            assert check["has_legend"], f"figure {name} has no legend"
            assert check["tick_label_overlaps"] == 0, (name, check["overlaps"])


def test_real_page_tables_fit_and_images_load_in_a_browser(main_run):
    from .test_report_browser import CHROMIUM, REQUIRED, broken, measure, overflowing

    results, proc, _ = main_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    if CHROMIUM is None:
        assert not REQUIRED, "BAYES_IRIS_REQUIRE_BROWSER=1 but no chromium on PATH"
        pytest.skip("chromium is not installed (.ci/run installs it)")
    found = measure(results / "report.html")
    assert not overflowing(found), overflowing(found)
    assert found["images"] and not broken(found), broken(found)


def test_warm_rerun_reuses_every_step(main_run):
    results, proc, _ = main_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    before = json.loads((results / LEDGER).read_text())["steps"]
    res = run_pipeline(None, results, fast=True, progress=False)
    assert len(res.steps) == len(STEPS)
    # A step is reused whenever its key (data, seed, --fast, code, script, upstream outputs) is
    # unchanged. (In a shared working tree a concurrent edit of the library or of a script
    # changes the key, and that step - correctly - runs again.)
    same_key = [s for s in res.steps if s.key == before[s.stem]["key"]]
    assert same_key, "no step kept its cache key: is the code hash unstable?"
    assert all(s.status == "cached" for s in same_key), [(s.stem, s.status) for s in same_key]


def test_hostile_site_and_term_in_a_real_trial_render_inert(tmp_path):
    from bayes_iris.data import load_bundled, write_trial

    trial = load_bundled()
    patients = trial.patients.copy()
    patients.loc[patients.index[0], "site"] = "<script>alert(1)</script>"
    trial = dataclasses.replace(trial, patients=patients)
    data = write_trial(trial, tmp_path / "hostile-trial")
    results = tmp_path / "res"
    res = run_pipeline(data, results, fast=True, steps=["01"], progress=False)
    assert res.steps[-1].status == "ok", res.steps[-1].message
    out = render_report_detailed(results, engine="jupyter")
    html = out.path.read_text()
    assert out.errors == []
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text, in the site table
