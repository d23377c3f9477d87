"""The data package's dependency discipline: no import cycle between its modules, nothing imported
from the analysis layers above it, and every module importable on its own.

The graph is read from the ``import`` statements (including ``TYPE_CHECKING`` ones); a second check
imports each module in a fresh interpreter *without* running ``bayes_iris/data/__init__.py`` first
(that file imports everything, which would hide a module that only works after another) and compares
what gets loaded with the static graph.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = "bayes_iris.data"
# found without importing the package, so that a broken import still lets these tests report it
ROOT = Path(importlib.util.find_spec(PACKAGE).submodule_search_locations[0])
# the only toolkit modules outside the package that data/ may use: services with no imports of ours
ALLOWED_OUTSIDE = {"bayes_iris.errors", "bayes_iris.atomic", "bayes_iris.seeds"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_module(name: str) -> bool:
    """True if ``name`` (``bayes_iris...``) is a module or package of the source tree."""
    path = ROOT.parent.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imports(name: str, path: Path) -> set[str]:
    """Toolkit modules ``name`` imports (``from .x import y`` -> ``.x``, or ``.x.y`` if a module)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("bayes_iris")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("bayes_iris"):
                continue
            submodules = {f"{target}.{a.name}" for a in node.names} - {f"{target}.*"}
            submodules = {m for m in submodules if _is_module(m)}
            # `from .. import seeds` imports the module seeds; `from .x import y` the module x
            found |= submodules if submodules else {target}
    return found


def _graph() -> dict[str, set[str]]:
    return {name: _imports(name, path) for name, path in _modules().items()}


def _closure(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += [t for t in graph.get(m, ()) if t in graph]
    return seen


def test_the_graph_sees_every_module_and_the_known_edges():
    """Guard for the parser: the edges everyone knows are found."""
    g = _graph()
    assert {f"{PACKAGE}.trial", f"{PACKAGE}.load", f"{PACKAGE}.synthetic.generator"} <= set(g)
    assert f"{PACKAGE}.validate" in g[f"{PACKAGE}.load"]
    assert f"{PACKAGE}.trial" in g[f"{PACKAGE}.synthetic.truth"]
    assert "bayes_iris.errors" in g[f"{PACKAGE}.consistency"]
    assert f"{PACKAGE}.synthetic" in g[f"{PACKAGE}.write"]  # a TYPE_CHECKING import counts too


def test_no_import_cycle_within_data():
    g = _graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(g[m]):
            if t not in g:
                continue
            if state.get(t) == 1:
                cycle = [*path[path.index(t) :], t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])


def test_no_import_from_above_data():
    """data/ is a foundation: it imports only itself and errors, atomic, seeds (never models,
    effects, inference, plots, pipeline, report, cli, ...)."""
    bad = {
        (m, t)
        for m, targets in _graph().items()
        for t in targets
        if not (t == PACKAGE or t.startswith(PACKAGE + ".")) and t not in ALLOWED_OUTSIDE
    }
    assert not bad, f"data/ imports from outside its layer: {sorted(bad)}"


def test_every_module_imports_on_its_own():
    """Each module imports in a fresh interpreter with the package ``__init__`` replaced by an
    empty package, and loads no data module beyond those its own imports reach."""
    g = _graph()
    script = textwrap.dedent(
        """
        import importlib, json, sys, types
        root, package, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        import bayes_iris, bayes_iris.errors, bayes_iris.atomic, bayes_iris.seeds  # noqa: E401
        loaded, failures = {}, {}
        for name in names:
            for m in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
                del sys.modules[m]
            stub = types.ModuleType(package)
            stub.__path__ = [root]
            sys.modules[package] = stub
            try:
                importlib.import_module(name)
            except Exception as err:  # report every failure, not only the first
                failures[name] = f"{type(err).__name__}: {err}"
            loaded[name] = sorted(m for m in sys.modules if m.startswith(package + "."))
        print(json.dumps({"loaded": loaded, "failures": failures}))
        """
    )
    names = sorted(n for n in g if n != PACKAGE)
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), PACKAGE, json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["failures"] == {}
    for name, loaded in result["loaded"].items():
        reach = _closure(g, name)
        # importing a.b.c also runs the (real) __init__ of a subpackage a.b and what it imports
        for m in list(reach):
            parts = m.split(".")
            for k in range(len(PACKAGE.split(".")) + 1, len(parts)):
                reach |= _closure(g, ".".join(parts[:k]))
        assert set(loaded) <= reach, (name, sorted(set(loaded) - reach))
