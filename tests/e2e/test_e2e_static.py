"""Static guarantees, checked on the source with ``ast``: no unsafe deserialisation of inputs, and
every figure leaves through ``ResultsDir.write_figure`` (which stamps the provenance banner)."""

from __future__ import annotations

import ast
from pathlib import Path

import e2e_helpers as H

SRC = H.REPO / "src" / "bayes_iris"


def _files() -> list[Path]:
    return sorted(SRC.rglob("*.py")) + sorted(H.ANALYSES.glob("*.py"))


def _name(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def unsafe_calls(code: str, where: str = "<string>") -> list[str]:
    """Calls that can execute code hidden in an input file."""
    bad = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] + ([node.module] if isinstance(
                node, ast.ImportFrom) and node.module else [])
            for m in mods:
                if m.split(".")[0] in {"pickle", "cPickle", "dill", "cloudpickle", "marshal",
                                       "shelve", "joblib"}:
                    bad.append(f"{where}:{node.lineno}: import {m}")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        last = name.rsplit(".", 1)[-1]
        loc = f"{where}:{node.lineno}: {name}"
        if name in {"eval", "exec", "compile", "__import__"}:
            bad.append(loc)
        elif name.endswith(("pickle.load", "pickle.loads")) or last == "read_pickle":
            bad.append(loc)
        elif name in {"yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.full_load"}:
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or "Safe" not in _name(loader):
                bad.append(loc + " (not SafeLoader)")
        elif last == "load" and name.startswith(("np.", "numpy.")):
            allow = _kw(node, "allow_pickle")
            if isinstance(allow, ast.Constant) and allow.value is True:
                bad.append(loc + " (allow_pickle=True)")
    return bad


def test_no_unsafe_deserialisation_in_library():
    bad = [v for p in _files() for v in unsafe_calls(p.read_text(encoding="utf-8"),
                                                     str(p.relative_to(H.REPO)))]
    assert bad == [], "unsafe loading of inputs:\n" + "\n".join(bad)


def test_unsafe_scanner_is_not_vacuous():
    code = ("import pickle\nimport yaml, numpy as np, pandas as pd\n"
            "pickle.loads(b'')\neval('1')\nexec('x=1')\nyaml.load(t)\n"
            "yaml.load(t, Loader=yaml.FullLoader)\nnp.load(f, allow_pickle=True)\n"
            "pd.read_pickle(f)\n"
            "yaml.safe_load(t)\nyaml.load(t, Loader=yaml.SafeLoader)\nnp.load(f)\n")
    assert len(unsafe_calls(code)) == 8, unsafe_calls(code)


def savefig_calls(code: str, where: str) -> list[str]:
    return [f"{where}:{n.lineno}" for n in ast.walk(ast.parse(code))
            if isinstance(n, ast.Call) and _name(n.func).endswith("savefig")]


def test_figures_only_leave_through_results_dir():
    """No ``savefig`` outside ``results/store.py`` (which stamps provenance) and the report (which
    embeds figures already stamped)."""
    allowed = {SRC / "results" / "store.py"}
    report_pkg = SRC / "report"
    bad = [v for p in _files() if p not in allowed and not p.is_relative_to(report_pkg)
           for v in savefig_calls(p.read_text(encoding="utf-8"), str(p.relative_to(H.REPO)))]
    assert bad == [], "figures written without the provenance stamp:\n" + "\n".join(bad)


def test_write_figure_stamps_provenance(tmp_path):
    import matplotlib.pyplot as plt

    from bayes_iris.data import load_bundled, load_trial
    from bayes_iris.results.store import ResultsDir

    synthetic = load_bundled()
    real = load_trial(H.make_real_trial(tmp_path / "real"))
    for trial, want, not_want in ((synthetic, "SYNTHETIC", None),
                                  (real, "Real patient-level data", "SYNTHETIC")):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        out = ResultsDir(tmp_path / trial.meta.name, trial).write_figure("f", fig)
        texts = [t.get_text() for t in fig.texts]
        plt.close(fig)
        assert any(want in t for t in texts), texts
        assert not_want is None or not any(not_want in t for t in texts), texts
        assert out.is_file() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig, _ = plt.subplots()
    ResultsDir(tmp_path / "pub", synthetic).write_figure("p", fig, published=True)
    assert any("Published" in t.get_text() for t in fig.texts)
    assert not any("SYNTHETIC" in t.get_text() for t in fig.texts)
    plt.close(fig)


def test_write_table_stamps_provenance(tmp_path):
    import pandas as pd

    from bayes_iris.data import load_bundled, load_trial
    from bayes_iris.results.store import ResultsDir

    real = load_trial(H.make_real_trial(tmp_path / "real"))
    for trial, kind in ((load_bundled(), "synthetic"), (real, "real")):
        rd = ResultsDir(tmp_path / kind, trial)
        # a table that tries to claim another provenance is overridden
        p = rd.write_table("t", pd.DataFrame({"x": [1, 2], "provenance": ["real", "published"]}))
        assert list(pd.read_csv(p)["provenance"]) == [kind, kind]
