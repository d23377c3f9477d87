"""End to end on a hostile trial: no network, inert hostile strings, provenance kept, warnings loud.

All default-tier tests here share the session fixture ``hostile_run`` (conftest.py): steps 01, 03
and 04 through ``bayes-iris run`` and the report renderer, as subprocesses with every socket
guarded (``netguard/sitecustomize.py``: Unix sockets and loopback only, everything else refused
and logged), and a tiny sampling budget for the adverse-event fits so that their diagnostics fail.

The full pipeline (``bayes-iris report --fast``, every step) on the hostile trial and on a trial
declared "real" are in the slow tier.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import e2e_helpers as H
import pandas as pd
import pytest

# Tables computed from published summary-level numbers only (provenance "published").
PUBLISHED_TABLES = {"reanalysis_summary", "ae_two_arm_builtin"}


def _ok(proc) -> None:
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text, text[-4000:]


# -- no network ---------------------------------------------------------------------------------
def _net_records(netlog: Path) -> list[dict]:
    return [json.loads(line) for line in netlog.read_text().splitlines() if line.strip()]


def test_no_network_connection_attempted(hostile_run):
    records = _net_records(hostile_run["netlog"])
    installed = [r for r in records if r["kind"] == "guard-installed"]
    # the CLI, each step, the renderer and its Jupyter kernel were all guarded
    argvs = " ".join(" ".join(r["argv"]) for r in installed)
    assert len(installed) >= 5, installed
    for needle in ("01_data", "03_adverse_events", "04_summary_reanalysis", "ipykernel"):
        assert needle in argvs, (needle, argvs)
    refused = [r for r in records if not r["allowed"]]
    assert refused == [], f"non-loopback network access attempted: {refused}"


def test_network_guard_is_effective(tmp_path):
    """The guard itself refuses a real connection and lets loopback/Unix sockets through."""
    log = tmp_path / "net.log"
    code = (
        "import socket, sys\n"
        "try:\n"
        "    socket.create_connection(('93.184.216.34', 80), timeout=1)\n"
        "    print('CONNECTED')\n"
        "except OSError as e:\n"
        "    print('REFUSED', e)\n"
        "try:\n"
        "    socket.getaddrinfo('example.org', 443)\n"
        "    print('RESOLVED')\n"
        "except OSError as e:\n"
        "    print('NORESOLVE')\n"
        "a, b = socket.socketpair(socket.AF_UNIX)\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); c = socket.socket()\n"
        "c.connect(s.getsockname()); print('LOOPBACK-OK')\n"
    )
    proc = H.run_proc([H.PYTHON, "-c", code], PYTHONPATH=str(H.NETGUARD),
                      HARDENING_NET_LOG=str(log), timeout=60)
    assert "REFUSED network access disabled" in proc.stdout, proc.stdout + proc.stderr
    assert "NORESOLVE" in proc.stdout and "LOOPBACK-OK" in proc.stdout
    refused = [r for r in _net_records(log) if not r["allowed"]]
    assert {r["kind"] for r in refused} == {"create_connection", "getaddrinfo"}


# -- hostile strings are inert ------------------------------------------------------------------
class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def test_hostile_strings_render_inert(hostile_run):
    _ok(hostile_run["render"])
    html = hostile_run["html"].read_text(encoding="utf-8")
    scan = _Scan()
    scan.feed(html)
    handlers = [(tag, name) for tag, attrs in scan.tags for name, _ in attrs
                if name.lower().startswith("on")]
    assert handlers == [], f"event-handler attributes in the report: {handlers[:5]}"
    assert not any("alert(" in s for s in scan.script_text), "injected script executed"
    assert not any(t == "img" and dict(a).get("src") == "x" for t, a in scan.tags)
    for raw in (H.HOSTILE_SITE, H.HOSTILE_TERM, H.HOSTILE_ID_SUFFIX):
        assert raw not in html, f"unescaped {raw!r} in the report"
    # ... and they are shown, escaped, as text (the test would pass vacuously otherwise)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    text = "".join(_visible_text(html))
    assert "onmouseover=\"alert(3)\"" in text  # the attribute-injection term, as inert text


def _visible_text(html: str) -> list[str]:
    out: list[str] = []

    class P(HTMLParser):
        def handle_data(self, data):
            out.append(data)

    P(convert_charrefs=True).feed(html)
    return out


# -- provenance ---------------------------------------------------------------------------------
def test_every_table_carries_the_trial_provenance(hostile_run):
    tables = sorted((hostile_run["results"] / "tables").glob("[!.]*.csv"))
    assert len(tables) >= 6, tables
    for p in tables:
        df = pd.read_csv(p)
        assert "provenance" in df.columns, p.name
        want = "published" if p.stem in PUBLISHED_TABLES else "synthetic"
        assert set(df["provenance"]) == {want}, (p.name, set(df["provenance"]))


def test_every_fit_carries_the_provenance(hostile_run):
    from bayes_iris.inference import load_fit

    fits = sorted((hostile_run["results"] / "fits").glob("[!.]*.nc"))
    assert fits
    for p in fits:
        assert "SYNTHETIC" in load_fit(p).attrs["provenance"], p.name


def test_manifest_and_figures_recorded_with_provenance(hostile_run):
    results = hostile_run["results"]
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["provenance"]["kind"] == "synthetic"
    assert manifest["provenance_label"].startswith("SYNTHETIC")
    recorded = {o["path"] for s in manifest["steps"].values() for o in s["outputs"]}
    figures = {p.relative_to(results).as_posix() for p in (results / "figures").glob("[!.]*.png")}
    assert figures and figures <= recorded, figures - recorded


def _chapters(html: str) -> list[tuple[str, str]]:
    """``(chapter id, its HTML)``; the text before the first chapter heading (the page banner)
    belongs to the first chapter."""
    heads = list(re.finditer(r"<h1 id=\"([^\"]+)\"", html))
    start = html.find("</header>")
    out = []
    for i, m in enumerate(heads):
        lo = start if i == 0 else m.start()
        hi = heads[i + 1].start() if i + 1 < len(heads) else len(html)
        out.append((m.group(1), html[lo:hi]))
    return out


def test_synthetic_banner_in_every_chapter(hostile_run):
    html = hostile_run["html"].read_text(encoding="utf-8")
    chapters = _chapters(html)
    assert len(chapters) >= 6, [c for c, _ in chapters]
    missing = [c for c, body in chapters
               if not re.search(r"class=.bi-banner[^>]*>(?:(?!</div>).)*SYNTHETIC", body, re.S)]
    assert missing == [], f"chapters without the SYNTHETIC banner: {missing}"


# -- convergence failures are loud --------------------------------------------------------------
def test_failed_diagnostics_are_loud_everywhere(hostile_run):
    results = hostile_run["results"]
    run = hostile_run["run"]
    _ok(run)
    # 1. the run does not fail (warnings are not errors) but says so on the console
    assert run.returncode == 0, run.stderr[-3000:]
    flat = H.squash(run.stdout + run.stderr)
    assert H.squash("warning") in flat and "03_adverse_events" in flat, run.stderr[-3000:]
    log = (results / "logs" / "03_adverse_events.log").read_text()
    assert "diagnostics failed" in log.lower()
    # 2. the manifest records the step as "warning", the diagnostics table says why
    steps = json.loads((results / "manifest.json").read_text())["steps"]
    assert steps["adverse_events"]["status"] == "warning", steps["adverse_events"]
    diag = pd.read_csv(results / "tables" / "diagnostics_adverse_events.csv")
    assert (diag["status"] == "warning").all() and diag["messages"].str.len().gt(0).all()
    # 3. the report shows a warning box in the Diagnostics and Safety chapters
    html = hostile_run["html"].read_text(encoding="utf-8")
    boxed = {c for c, body in _chapters(html) if "bi-box bi-warning" in body}
    assert {"Diagnostics", "Safety"} <= boxed, boxed


def test_strict_turns_recorded_warning_into_exit_3(hostile_run, capsys, monkeypatch):
    """``run --strict`` on a results folder whose step warned: exit 3, loud, no traceback.

    The step is normally reused from the cache (its recorded status "warning" triggers the
    error); should the library code have changed since the fixture ran, the step is rerun with
    the same tiny budget and fails its diagnostics under --strict: exit 3 either way.
    """
    monkeypatch.setenv("PYTHONPATH", str(H.NETGUARD))
    monkeypatch.setenv("HARDENING_TINY_BUDGET", "adverse_events")
    results = hostile_run["results"]
    code, out, err = H.run_cli(["run", "--data", hostile_run["trial"], "--results", results,
                                "--fast", "--strict", "--step", "03"], capsys)
    assert code == 3, out + err
    assert "Traceback" not in out + err
    assert "diagnostics" in (out + err).lower()


# -- slow: the whole pipeline -------------------------------------------------------------------
def _full_report(trial: Path, results: Path, netlog: Path):
    return H.run_proc([H.BIN, "report", "--data", trial, "--results", results, "--fast",
                       "--engine", "jupyter"], cwd=results.parent, timeout=3600,
                      PYTHONPATH=str(H.NETGUARD), HARDENING_NET_LOG=str(netlog))


@pytest.mark.slow
def test_full_report_hostile_trial_offline(tmp_path):
    trial = H.make_hostile_trial(tmp_path / "trial")
    results, netlog = tmp_path / "results", tmp_path / "net.log"
    proc = _full_report(trial, results, netlog)
    _ok(proc)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert [r for r in _net_records(netlog) if not r["allowed"]] == []
    html = (results / "report.html").read_text(encoding="utf-8")
    for raw in (H.HOSTILE_SITE, H.HOSTILE_TERM, H.HOSTILE_ID_SUFFIX):
        assert raw not in html
    missing = [c for c, body in _chapters(html) if "SYNTHETIC" not in body]
    assert missing == []
    for p in (results / "tables").glob("[!.]*.csv"):
        want = "published" if p.stem in PUBLISHED_TABLES else "synthetic"
        assert set(pd.read_csv(p)["provenance"]) == {want}, p.name


@pytest.mark.slow
def test_full_report_real_trial_never_says_synthetic(tmp_path):
    trial = H.make_real_trial(tmp_path / "trial")
    results, netlog = tmp_path / "results", tmp_path / "net.log"
    proc = _full_report(trial, results, netlog)
    _ok(proc)
    assert proc.returncode == 0, proc.stderr[-4000:]
    html = (results / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" not in html
    assert "Real patient-level data" in html
    for p in (results / "tables").glob("[!.]*.csv"):
        want = "published" if p.stem in PUBLISHED_TABLES else "real"
        assert set(pd.read_csv(p)["provenance"]) == {want}, p.name
