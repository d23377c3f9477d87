"""The Jupyter fallback renderer on FABRICATED results folders (see conftest.py).

Each render takes a few seconds (one kernel); the module renders four folders: complete, hostile,
partial/stale, and empty.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bayes_iris.report import Report, render_report, render_report_detailed
from bayes_iris.report.html import table
from bayes_iris.report.render import chunk_options, expand_includes, qmd_to_notebook
from bayes_iris.results.tables import STEPS

from .conftest import HOSTILE_SITE, HOSTILE_TERM, fabricate_results, write_ledger

CHAPTERS = [
    "Overview",
    "The data",
    "Lymphocyte trajectories",
    "Diagnostics",
    "Safety",
    "Reanalysis of published summary data",
    "Phase III design",
    "Regulatory points: the FDA draft guidance on Bayesian methods",
    "Methods and provenance",
]

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    root = fabricate_results(tmp_path_factory.mktemp("complete") / "res", site=HOSTILE_SITE)
    result = render_report_detailed(root, engine="jupyter")
    html = result.path.read_text(encoding="utf-8")
    return root, result, html[html.find("<main") :]  # the body, after the table of contents


def test_every_chapter_with_its_figures_and_tables(complete):
    root, result, html = complete
    assert result.engine == "jupyter" and result.errors == []
    assert result.path == root / "report.html"
    positions = [html.find(f">{c}<") for c in CHAPTERS]
    assert all(p > 0 for p in positions), dict(zip(CHAPTERS, positions, strict=True))
    assert positions == sorted(positions), "chapters out of the include order"
    # every declared figure is embedded, byte for byte, as base64
    for spec in STEPS:
        for name in spec.figures:
            b64 = base64.b64encode((root / "figures" / f"{name}.png").read_bytes()).decode()
            assert b64 in html, name
    # key tables, with their content
    for caption in (
        "Patient flow by arm and regimen",
        "Deaths by arm",
        "Baseline characteristics by arm",
        "Treatment effect at key days",
        "CYT107 regimens compared: twice weekly versus weekly",
        "MCMC diagnostics per fitted model",
        "Adverse events ordered by P(θ &gt; 0)",
        "Patients with at least one adverse event, by grade",
        "Mortality (sepsis) — RR",
        "One row per endpoint: the design, its size",
        "Per look: patients, thresholds",
        "The guidance, point by point",
        "Operating characteristics of each decision rule",
        "Sampler settings of every fit",
        "Package versions",
    ):
        assert caption in html, caption
    assert "joint_hier" in html and "ae_bb_pois" in html
    assert "Real published summary-level data" in html
    assert "Not available" not in html and "bi-chunk-error" not in html
    assert "All fitted models pass the diagnostics gate" in html


def test_effects_table_shows_key_days_of_the_default_prior(complete):
    _, _, html = complete
    section = html[html.find("Treatment effect at key days") :]
    section = section[: section.find("</table>")]
    # header + 3 markers x 4 key days (of 8, 15, 22, 29, 43; day 1 and 22 dropped), default
    # prior only; the skeptical rows and the day-0 style baseline are not shown
    assert section.count("<tr>") == 1 + 3 * 4
    assert "Day 0 is the baseline" in html


def test_tables_have_human_headers_at_most_page_rows_and_their_full_csv(complete):
    root, _, html = complete
    headers = re.findall(r"<th>(.*?)</th>", html)
    assert headers
    snake = [t for t in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", t)]
    assert not snake, snake
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.DOTALL):
        assert body.count("<tr") <= 20
    # the full table is one click away, embedded: the download is the CSV file itself
    links = re.findall(r"download=[\"']([^\"']+)[\"'] href=[\"']data:text/csv;base64,"
                       r"([^\"']+)[\"']", html)
    names = {n for n, _ in links}
    assert {"consort.csv", "trajectory_effects.csv", "ae_summary.csv"} <= names
    name, b64 = next((n, b) for n, b in links if n == "trajectory_effects.csv")
    assert base64.b64decode(b64) == (root / "tables" / name).read_bytes()


def test_no_local_paths_or_internal_flags_on_the_page(complete):
    root, _, html = complete
    text = re.sub(r"<[^>]+>", " ", html)
    assert str(root) not in text and str(root.parent) not in text
    assert "fast: False" not in text and "fast: True" not in text
    assert "data hash (sha256 of the validated trial)" in text


def test_deaths_come_with_the_plain_warning(complete):
    _, _, html = complete
    assert "this difference arose by chance" in html
    assert "NO effect on mortality" in html
    assert "about 288 patients per arm" in html


def test_regulatory_and_methods_chapters_read_the_records(complete):
    _, _, html = complete
    text = re.sub(r"<[^>]+>", " ", html)
    # every point links to where the report answers it, and those places exist
    anchors = re.findall(r"<a href=[\"']#(bi-[a-z-]+)[\"']>", html)
    assert len(set(anchors)) >= 8
    for anchor in anchors:
        assert re.search(rf"id=[\"']{anchor}[\"']", html), anchor
    assert "0.0250" in text  # P(success) with no effect, from design_oc.csv
    assert "12.0" in text  # the MAP design prior's ESS, from map_summary.csv
    assert "0.500" in text  # its prior-data conflict p-value, from map_conflict.csv
    assert "0.4214" in text  # the skeptical trajectory prior, from the manifest
    assert "tau2_theta_0_0 = 10" in text  # the AE hierarchy's hyperparameters
    assert "How to rerun" in text and "git commit" in text


def test_synthetic_banner_on_first_page_and_every_chapter(complete):
    _, _, html = complete
    banners = [m.start() for m in re.finditer(r"class=[\"']bi-banner bi-banner-synthetic", html)]
    assert len(banners) >= len(CHAPTERS)
    assert banners[0] < html.find(">Overview<")  # before the first chapter
    for this, nxt in zip(CHAPTERS[1:], [*CHAPTERS[2:], None], strict=True):
        start = html.find(f">{this}<")
        end = html.find(f">{nxt}<") if nxt else len(html)
        assert any(start < b < end for b in banners), this
    assert "background:#b00020" in html  # red


def test_hostile_strings_render_inert(complete):
    _, _, html = complete
    assert HOSTILE_SITE not in html
    assert HOSTILE_TERM not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script" not in html.lower()


def test_no_external_resources(complete):
    root, _, _ = complete
    html = (root / "report.html").read_text()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "<link" not in html.lower()
    assert "@import" not in html


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """Steps 01-02 only; 02 with a failed model; 01's table edited after the fact; 03 failed."""
    root = fabricate_results(
        tmp_path_factory.mktemp("partial") / "res",
        steps=["01_data", "02_trajectories"],
        diag_status="failed",
    )
    consort = root / "tables" / "consort.csv"
    consort.write_text(consort.read_text().replace("17", "18"))
    write_ledger(
        root,
        {
            "03_adverse_events": {
                "status": "failed",
                "exit_code": 1,
                "message": "ValueError: <b>fixture</b> crash",
            }
        },
    )
    html = render_report(root, root / "out" / "r.html", engine="jupyter").read_text()
    return root, html


def test_failed_and_stale_fits_show_warning_boxes(partial):
    _, html = partial
    assert "Warning — diagnostics do not all pass" in html
    assert "diagnostics_trajectories" not in html or "trajectories/alc_hier: failed" in html
    assert "R-hat 1.08 &gt; 1.01; 7 divergences" in html
    assert "Warning — step 02_trajectories: diagnostics flagged a problem" in html
    assert "Warning — step 01_data: stale artefacts" in html
    assert "tables/consort.csv is modified" in html
    assert "Not available: step 03_adverse_events failed" in html
    assert "ValueError: &lt;b&gt;fixture&lt;/b&gt; crash" in html


def test_missing_steps_show_not_available_boxes(partial):
    _, html = partial
    assert "Not available: step 05_phase3_design has not run" in html
    assert "Not available: figures/design_oc_curves.png (step 05_phase3_design has not run)" in html
    assert "Not available: tables/reanalysis_summary.csv" in html
    assert "bi-chunk-error" not in html


def test_empty_results_folder_renders(tmp_path):
    result = render_report_detailed(tmp_path, engine="jupyter")
    html = result.path.read_text()
    assert result.errors == []
    assert "Provenance unknown" in html
    assert html.count("Not available") >= 20


def test_a_chunk_that_raises_becomes_a_visible_error_box(tmp_path):
    src = tmp_path / "rep"
    src.mkdir()
    (src / "index.qmd").write_text(
        "---\ntitle: T\n---\n\n# One\n\n```{python}\nraise RuntimeError('<b>x</b>')\n```\n\n"
        "# Two\n\n```{python}\n#| echo: true\n1 + 1\n```\n"
    )
    res = render_report_detailed(tmp_path, tmp_path / "o.html", engine="jupyter", report_dir=src)
    html = res.path.read_text()
    assert res.errors == ["RuntimeError: <b>x</b>"]
    assert "bi-chunk-error" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert "Two" in text and "1 + 1" in text  # echo: true shows the code, execution went on


def test_quarto_engine_runs_the_expected_command(tmp_path, monkeypatch):
    """No quarto here: a fake `quarto` on PATH records its arguments and environment."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "quarto.log"
    fake = bindir / "quarto"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, pathlib\n"
        f"pathlib.Path({str(log)!r}).write_text(repr((sys.argv[1:], os.getcwd(), "
        "os.environ.get('BAYES_IRIS_RESULTS'), os.environ.get('QUARTO_PYTHON'))))\n"
        "out = pathlib.Path(sys.argv[sys.argv.index('--output-dir') + 1])\n"
        "(out / 'index.html').write_text('<html>quarto made this</html>')\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    results = tmp_path / "res"
    results.mkdir()
    res = render_report_detailed(results, engine="auto")
    assert res.engine == "quarto"
    assert res.path.read_text() == "<html>quarto made this</html>"
    args, cwd, env_results, qpy = eval(log.read_text())  # our own fake's repr
    report_dir = Path(__file__).resolve().parents[2] / "report"
    assert args[:4] == ["render", str(report_dir), "--to", "html"]
    assert args[4] == "--output-dir" and Path(args[5]).is_absolute()
    assert Path(cwd) == report_dir
    assert env_results == str(results.resolve()) and qpy == sys.executable


def test_quarto_engine_failure_is_reported(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "quarto"
    fake.write_text("#!/bin/sh\necho 'ERROR: no kernel' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    from bayes_iris.report import RenderError

    with pytest.raises(RenderError, match="no kernel"):
        render_report(tmp_path, engine="quarto")
    assert not (tmp_path / "report.html").exists()


QUARTO = shutil.which("quarto")


def _real_quarto() -> str | None:
    """The version of the ``quarto`` on PATH, if it is a real Quarto (prints a version)."""
    if QUARTO is None:
        return None
    try:
        out = subprocess.run([QUARTO, "--version"], capture_output=True, text=True, timeout=60,
                             check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out if re.fullmatch(r"\d+\.\d+(\.\d+)*", out) else None


@pytest.mark.skipif(_real_quarto() is None,
                    reason="no real quarto binary on PATH (https://quarto.org): the Jupyter "
                           "fallback renders the report here; this test renders through quarto "
                           "wherever it is installed")
def test_real_quarto_renders_the_whole_report(tmp_path):
    root = fabricate_results(tmp_path / "res", site=HOSTILE_SITE)
    result = render_report_detailed(root, engine="quarto")
    html = result.path.read_text(encoding="utf-8")
    assert result.engine == "quarto" and result.errors == []
    for chapter in CHAPTERS[1:]:
        assert chapter in html, chapter
    assert html.count("bi-banner-synthetic") >= len(CHAPTERS)
    assert "data:text/csv;base64," in html and "data:image/png;base64," in html
    assert HOSTILE_SITE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "bi-chunk-error" not in html and "Traceback" not in html


def test_quarto_yml_asks_for_one_self_contained_page():
    import yaml

    cfg = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "report" / "_quarto.yml").read_text()
    )
    assert cfg["format"]["html"]["embed-resources"] is True
    assert cfg["format"]["html"]["toc"] is True
    assert cfg["project"]["render"] == ["index.qmd"]
    assert cfg["execute"]["echo"] is False


# -- units ----------------------------------------------------------------------------------------
def test_chunk_options_and_tags():
    assert chunk_options("#| echo: false\n#| output: false\nx = 1") == (
        {"echo": False, "output": False},
        "x = 1",
    )
    nb, meta = qmd_to_notebook(
        "---\ntitle: X\n---\n\n```{python}\n#| include: false\na = 1\n```\n\n"
        "```{python}\n#| echo: true\nb = 2\n```\n\n```{python}\nc = 3\n```\n"
    )
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert meta == {"title": "X"}
    assert [c.source for c in code] == ["a = 1", "b = 2", "c = 3"]
    assert "remove-cell" in code[0].metadata["tags"]
    assert "remove-input" not in code[1].metadata["tags"]
    assert "remove-input" in code[2].metadata["tags"]  # echo is off by default


def test_includes_stay_inside_the_report_folder(tmp_path):
    from bayes_iris.errors import InputError

    (tmp_path / "a.qmd").write_text("A")
    assert expand_includes("{{< include a.qmd >}}", tmp_path) == "A\n"
    with pytest.raises(InputError, match="include target not found"):
        expand_includes("{{< include ../../etc/passwd >}}", tmp_path)


def test_table_escapes_headers_and_cells():
    import pandas as pd

    out = table(pd.DataFrame({"<th>": ["<i>x</i>"], "p_benefit": [0.98765]}))
    assert "<i>" not in out and "&lt;th&gt;" in out and "0.988" in out


def test_report_helpers_on_missing_folder(tmp_path):
    rep = Report(tmp_path / "nothing")
    assert "Not available: tables/consort.csv (step 01_data has not run)" in rep.table("consort")
    assert "not available" in rep.figure("trace_alc").lower()
    assert "Not available: no diagnostics tables" in rep.diagnostics()
