"""Reproducibility: same seed, same numbers (every sampler backend, every table); other seed, others.

- ``inference.fit`` with each supported sampler (nutpie, pymc, numpyro) on a small model: the same
  ``SamplerConfig`` gives bit-identical draws, another seed gives different draws;
- analysis scripts run twice with the same ``--seed`` into two results folders: identical CSVs
  (sha256), manifests equal except the timestamps; a different seed changes a seed-dependent table;
- (slow) ``bayes-iris run --fast`` with an empty and then a warm compile cache: identical CSVs;
- the design engine's Monte Carlo follows the seed;
- seeds derive from one run seed: no ``np.random.seed``, ``random.seed``, ``default_rng(<literal>)``
  or other literal seed anywhere in the library or the analysis scripts (``seeds.py`` excepted).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import e2e_helpers as H
import numpy as np
import pytest

SRC = H.REPO / "src" / "bayes_iris"


# -- samplers ---------------------------------------------------------------------------------
_TOY: dict = {}


def _toy_model():
    """One model object for the module: nutpie compiles it once (then reuses the compiled model)."""
    if "m" not in _TOY:
        import pymc as pm

        with pm.Model() as m:
            mu = pm.Normal("mu", 0.0, 2.0)
            sigma = pm.HalfNormal("sigma", 1.0)
            pm.Normal("y", mu, sigma, observed=np.array([0.3, -0.1, 0.8, 1.2, 0.5]))
        _TOY["m"] = m
    return _TOY["m"]


def _draws(sampler: str, seed: int) -> np.ndarray:
    from bayes_iris.inference import SamplerConfig, fit

    cfg = SamplerConfig(sampler=sampler, seed=seed, draws=60, tune=60, chains=2, cores=1,
                        progressbar=False, log_likelihood=False)
    res = fit(_toy_model(), cfg, name=f"toy_{sampler}")
    post = res.idata["posterior"]
    return np.stack([post["mu"].values, post["sigma"].values])


@pytest.mark.parametrize("sampler", ["nutpie", "pymc", "numpyro"])
def test_sampler_reproducible_with_fixed_seed(sampler):
    a, b = _draws(sampler, 7), _draws(sampler, 7)
    assert a.shape == (2, 2, 60)
    np.testing.assert_array_equal(a, b)
    c = _draws(sampler, 8)
    assert not np.array_equal(a, c), "a different seed gave the same draws"


# -- scripts ----------------------------------------------------------------------------------
def _csv_digests(results: Path) -> dict[str, str]:
    return {p.relative_to(results).as_posix(): H.sha256(p)
            for p in sorted(results.rglob("*.csv"))}


def _strip_times(obj):
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items()
                if k not in {"finished", "started", "seconds"}}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


@pytest.mark.parametrize("script", ["01_data", "04_summary_reanalysis"])
def test_script_tables_identical_for_same_seed(script, tmp_path, capsys):
    runs = []
    for k in (1, 2):
        results = tmp_path / f"r{k}"
        code, out, err = H.run_script(script, ["--results", results, "--seed", "99", "--fast"],
                                      capsys)
        assert code == 0, out + err
        runs.append(results)
    d1, d2 = (_csv_digests(r) for r in runs)
    assert d1 and d1 == d2
    m1, m2 = (json.loads((r / "manifest.json").read_text()) for r in runs)
    assert _strip_times(m1) == _strip_times(m2)


def _design_run(seed: int, n_sim: int = 400):
    from bayes_iris.design import sample_size

    return sample_size("mortality", n_grid=[100, 200], n_sim=n_sim, seed=seed, engine="numpy")


def test_design_monte_carlo_follows_the_seed():
    a, b, c = _design_run(3), _design_run(3), _design_run(4)
    np.testing.assert_array_equal(a.curve["assurance"].to_numpy(), b.curve["assurance"].to_numpy())
    assert not np.array_equal(a.curve["assurance"].to_numpy(), c.curve["assurance"].to_numpy())


def test_simulated_trial_follows_the_seed():
    from bayes_iris.data import simulate_trial
    from bayes_iris.data.write import csv_text as _csv_text

    a, b, c = (simulate_trial(s).data for s in (5, 5, 6))
    assert _csv_text(a.labs) == _csv_text(b.labs)
    assert _csv_text(a.labs) != _csv_text(c.labs)


@pytest.mark.slow
@pytest.mark.parametrize("script", [s for s in H.scripts() if s not in ("01_data",)])
def test_every_script_reproducible_and_seed_sensitive(script, tmp_path):
    """Every step (MCMC included) twice with one seed: identical CSVs; once with another seed."""
    digests = {}
    for name, seed in (("a", 21), ("b", 21), ("c", 22)):
        results = tmp_path / name
        proc = H.run_proc([H.PYTHON, H.ANALYSES / f"{script}.py", "--fast", "--results",
                           results, "--seed", seed], timeout=1800)
        assert proc.returncode == 0, proc.stderr[-3000:]
        digests[name] = _csv_digests(results)
    assert digests["a"] == digests["b"]
    if script != "04_summary_reanalysis":  # closed-form: no randomness at all
        assert digests["a"] != digests["c"], "a different seed gave identical tables"


@pytest.mark.slow
@pytest.mark.timeout(7200)  # a cold compile of every model: minutes on a 2-core machine
def test_cold_and_warm_bayes_iris_run_write_byte_identical_tables(tmp_path):
    """The whole pipeline (``bayes-iris run --fast``), first with an empty compile cache, then
    warm into a fresh results folder: every table byte for byte the same (issue #12; numba
    fast-math made 11 of 19 tables differ before ``inference.determinism``)."""
    compile_dir = tmp_path / "compile"
    flags = {"PYTENSOR_FLAGS": f"base_compiledir={compile_dir}",
             "NUMBA_CACHE_DIR": str(compile_dir / "numba-cache")}
    digests = []
    for name in ("cold", "warm"):
        results = tmp_path / name
        proc = H.run_proc([H.BIN, "run", "--fast", "--results", results, "--seed", "12"],
                          timeout=3600, **flags)
        assert proc.returncode == 0, proc.stderr[-3000:]
        digests.append(_csv_digests(results))
    assert any(k.endswith("trajectory_effects.csv") for k in digests[0]), sorted(digests[0])
    assert any(k.endswith("ae_summary.csv") for k in digests[0]), sorted(digests[0])
    assert digests[0] == digests[1]


# -- one seed, derived: no scattered or literal seeds -------------------------------------------
RNG_FACTORIES = {"default_rng", "RandomState", "SeedSequence", "PRNGKey", "key", "Generator",
                 "PCG64", "MT19937", "Random"}


def _literal_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(
        node.value, bool)


def _call_name(node: ast.Call) -> str:
    f = node.func
    parts = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def seed_violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        last = name.rsplit(".", 1)[-1]
        where = f"{path.relative_to(H.REPO)}:{node.lineno}: {name}"
        if name.endswith("random.seed") or name in {"seed", "np.random.seed"}:
            bad.append(where + " (global seeding)")
        elif last in RNG_FACTORIES and (
                (node.args and _literal_int(node.args[0]))
                or any(k.arg in {"seed", "entropy"} and _literal_int(k.value)
                       for k in node.keywords)):
            bad.append(where + " (literal seed)")
        elif last in RNG_FACTORIES and not node.args and not node.keywords and last in {
                "default_rng", "RandomState", "SeedSequence"}:
            bad.append(where + " (unseeded: fresh OS entropy)")
        elif name.startswith(("np.random.", "numpy.random.")) and last not in RNG_FACTORIES:
            bad.append(where + " (global numpy random state)")
        elif name.startswith("random.") and last not in RNG_FACTORIES:
            bad.append(where + " (stdlib global random state)")
        for k in node.keywords:
            if k.arg in {"random_seed", "seed", "random_state"} and _literal_int(k.value):
                bad.append(where + f" ({k.arg}={k.value.value} literal)")
    return bad


def _library_files() -> list[Path]:
    files = [p for p in SRC.rglob("*.py") if p.name != "seeds.py"]
    return files + sorted(H.ANALYSES.glob("*.py"))


def test_no_literal_or_global_seeds_in_library():
    bad = [v for p in _library_files() for v in seed_violations(p)]
    assert bad == [], "seeds must derive from the run seed (bayes_iris.seeds):\n" + "\n".join(bad)


def test_seed_scanner_catches_violations():
    """The scanner above is not vacuous."""
    code = ("import numpy as np, random\nnp.random.seed(1)\nrandom.seed(2)\n"
            "g = np.random.default_rng(42)\nx = np.random.normal()\n"
            "f(random_seed=3)\nok = np.random.default_rng(seed_sequence)\n")
    found = seed_violations_text(code)
    assert len(found) == 5, found


def seed_violations_text(code: str) -> list[str]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", dir=H.REPO / "tests" / "e2e",
                                     prefix=".probe-", delete=True) as fh:
        fh.write(code)
        fh.flush()
        return seed_violations(Path(fh.name))


def test_run_seed_streams_are_independent_and_stable():
    from bayes_iris import seeds

    a = seeds.rng(1, "sampler").random(5)
    np.testing.assert_array_equal(a, seeds.rng(1, "sampler").random(5))
    assert not np.array_equal(a, seeds.rng(1, "simulate").random(5))
    assert not np.array_equal(a, seeds.rng(2, "sampler").random(5))
    assert seeds.int_seed(1, "x") == seeds.int_seed(1, "x") != seeds.int_seed(1, "y")
    assert 0 <= seeds.int_seed(2**40, "x") < 2**31
