"""Fixtures of the end-to-end (hardening) tests (issue #7). Helpers live in ``e2e_helpers.py``.

pytest runs with ``--import-mode=importlib``: this folder is put on ``sys.path`` here so that the
test modules can ``import e2e_helpers``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import e2e_helpers as H  # noqa: E402


@pytest.fixture
def good_trial(tmp_path: Path) -> Path:
    """A fresh, valid copy of the bundled SYNTHETIC trial folder."""
    return H.copy_bundled(tmp_path / "trial")


@pytest.fixture
def in_tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty working folder (default results folders land here)."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> dict:
    """One guarded end-to-end run on a trial with hostile strings, shared by the e2e tests.

    ``bayes-iris run --fast --step 01 --step 03 --step 04`` then the report renderer, each as a
    real subprocess with the network guard (``netguard/sitecustomize.py``) inherited by the steps
    and the Jupyter kernel, and a deliberately tiny sampling budget for the adverse-event fits
    (a non-converged fit: diagnostics must warn). Returns paths and the processes' outputs.
    """
    base = tmp_path_factory.mktemp("hostile")
    trial = H.make_hostile_trial(base / "trial")
    results = base / "results"
    netlog = base / "net.log"
    extra = {"PYTHONPATH": str(H.NETGUARD), "HARDENING_NET_LOG": str(netlog),
             "HARDENING_TINY_BUDGET": "adverse_events"}
    run = H.run_proc([H.BIN, "run", "--data", trial, "--results", results, "--fast",
                      "--step", "01", "--step", "03", "--step", "04"], cwd=base, timeout=1800,
                     **extra)
    render = H.run_proc([H.PYTHON, "-c",
                         "import sys; from bayes_iris.report import render_report_detailed as r; "
                         "res = r(sys.argv[1], engine='jupyter'); print(res.path); "
                         "print('errors:', len(res.errors))", results],
                        cwd=base, timeout=1800, **extra)
    return {"trial": trial, "results": results, "netlog": netlog, "run": run, "render": render,
            "html": results / "report.html"}
