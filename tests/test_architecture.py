"""The architecture holds: no import cycle in ``src/``, no upward import, ``design/`` a leaf, no
module over ~500 lines. The layer order (lowest first) is the one ARCHITECTURE.md documents:

0. foundation — ``errors``, ``seeds``, ``atomic``, ``fingerprints``, ``paths``, ``priors``,
   ``result``, ``progress``, ``_version``, ``_lazy``
1. ``data``          2. ``design``        3. ``inference``       4. ``plots``
5. the analyses — ``trajectory``, ``safety``, ``reanalysis``, ``map_prior`` (side by side:
   never each other)
6. ``phase3`` (the phase III plan: design + MAP priors)
7. ``results``       8. ``pipeline``      9. ``report``          10. ``cli``

Every import counts, also those inside functions (a lazy import is still a dependency). The package
facade ``bayes_iris/__init__.py`` exports names lazily (strings) and imports only ``_lazy`` and
``_version``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bayes_iris"
LAYERS = [
    {"errors", "seeds", "atomic", "fingerprints", "paths", "priors", "result", "progress",
     "_version", "_lazy"},
    {"data"},
    {"design"},
    {"inference"},
    {"plots"},
    {"trajectory", "safety", "reanalysis", "map_prior"},
    {"phase3"},
    {"results"},
    {"pipeline"},
    {"report"},
    {"cli"},
]
LAYER = {name: i for i, group in enumerate(LAYERS) for name in group}
#: Modules allowed over the size limit (none: keep it empty).
KNOWN_OVER: set[str] = set()
MAX_LINES = 520


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``bayes_iris`` module ``path`` imports (relative imports resolved)."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("bayes_iris")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("bayes_iris"):
                continue
            # "from .x import y" may import the submodule x.y
            for alias in node.names:
                cand = f"{target}.{alias.name}"
                out.add(cand if _exists(cand) else target)
    return out - {mod}


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


GRAPH = {_module(p): _imports(p) for p in sorted(SRC.rglob("*.py"))}


def test_every_area_has_a_layer():
    areas = {_area(m) for m in GRAPH} - {""}
    assert areas <= set(LAYER), areas - set(LAYER)


def test_no_upward_or_sideways_imports():
    bad = []
    for mod, deps in GRAPH.items():
        if mod == "bayes_iris":
            assert deps <= {"bayes_iris._lazy", "bayes_iris._version"}, "the facade is lazy"
            continue
        for dep in deps:
            a, b = _area(mod), _area(dep)
            if a == b or dep == "bayes_iris":
                continue
            if LAYER[b] > LAYER[a] or (LAYER[b] == LAYER[a] and LAYER[a] != 0):
                bad.append(f"{mod} -> {dep}")
    assert bad == [], "imports against the layer order:\n" + "\n".join(sorted(bad))


def test_design_is_a_leaf():
    for mod, deps in GRAPH.items():
        if _area(mod) == "design":
            outside = {d for d in deps if _area(d) not in ("design", "errors", "seeds")}
            assert not outside, (mod, outside)


def _cycles() -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(GRAPH):
        if v not in index:
            strong(v)
    return out


#: Import cycles allowed (none: keep it empty).
KNOWN_CYCLES: list[set[str]] = []


def test_no_import_cycles():
    cycles = _cycles()
    assert [c for c in cycles if c not in KNOWN_CYCLES] == []
    assert [c for c in KNOWN_CYCLES if c not in cycles] == [], "fixed: remove from KNOWN_CYCLES"


def test_the_graph_is_not_vacuous():
    assert "bayes_iris.errors" in GRAPH["bayes_iris.trajectory.model"]
    assert "bayes_iris.inference" in GRAPH["bayes_iris.trajectory.analysis"]
    assert len(GRAPH) > 60


def test_no_module_over_the_size_limit():
    sizes = {p.relative_to(SRC).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in SRC.rglob("*.py")}
    over = {k for k, n in sizes.items() if n > MAX_LINES}
    assert over <= KNOWN_OVER, {k: sizes[k] for k in over - KNOWN_OVER}
    assert KNOWN_OVER <= over, f"split already: remove {KNOWN_OVER - over} from KNOWN_OVER"


def test_models_package_is_gone():
    assert not (SRC / "models").exists()
    assert not (SRC / "artifacts.py").exists() and not (SRC / "effects.py").exists()
