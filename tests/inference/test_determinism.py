"""Same seed, same draws — whatever the compile cache holds, however many processes and threads.

Each fit runs in a fresh process (``determinism_child.py``) whose PyTensor/numba compile cache is
a temporary folder (``PYTENSOR_FLAGS=base_compiledir=<tmp>``), so "cold" is a first fit on a
fresh machine and "warm" a later one. Conditions, each of which changed the draws before
:mod:`bayes_iris.inference.determinism` (numba fast-math let LLVM compile freshly built and cached
code into different arithmetic; OpenBLAS split large products over a machine-dependent number of
threads; ``benchmarks/results/backends.md``):

* empty vs warm compile cache (nutpie and PyMC's NUTS);
* a cache filled by another data set's fit of the same model (cache history);
* a run resumed after an interruption (first fit read from the fit cache, second sampled) vs an
  uninterrupted one;
* the number of processes (nutpie cores; PyMC's worker processes started from a forkserver);
* the number of BLAS threads (``OPENBLAS_NUM_THREADS``).

The toy models are small so that a cold compile takes seconds; the conditions are about the
compiler and the runtime, not the model. A last test checks that importing the inference package
switches off fast-math a user asked for (the guard behind all the others).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("determinism_child.py")
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _env(compile_dir: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("PYTENSOR_FLAGS", *THREAD_VARS)}
    return {**base, "PYTENSOR_FLAGS": f"base_compiledir={compile_dir}",
            "NUMBA_CACHE_DIR": str(compile_dir / "numba-cache"), "PYTHONHASHSEED": "0", **extra}


class Runs:
    """Child processes run on demand and remembered, so tests share them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done: dict[str, dict[str, str]] = {}

    def run(self, key: str, cache: str, *args: str, env: dict[str, str] | None = None
            ) -> dict[str, str]:
        if key not in self.done:
            proc = subprocess.run([sys.executable, str(CHILD), *args],
                                  env=_env(self.root / f"compile-{cache}", **(env or {})),
                                  capture_output=True, text=True, timeout=600, check=False)
            assert proc.returncode == 0, proc.stderr[-3000:]
            self.done[key] = json.loads(proc.stdout.strip().splitlines()[-1])
        return self.done[key]

    def fits(self, name: str) -> Path:
        path = self.root / f"fits-{name}"
        path.mkdir(exist_ok=True)
        return path

    # the runs --------------------------------------------------------------------------------
    def nutpie_cold(self) -> dict[str, str]:
        """Empty compile cache; fits beta:1 then beta:2 (one compiled model) into fits-a."""
        return self.run("nutpie_cold", "x", "nutpie", "1", "beta:1", "beta:2",
                        "--fits", str(self.fits("a")))

    def nutpie_warm(self, cores: int = 1) -> dict[str, str]:
        self.nutpie_cold()
        return self.run(f"nutpie_warm_{cores}", "x", "nutpie", str(cores), "beta:1")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    return Runs(tmp_path_factory.mktemp("determinism"))


def test_determinism_examples_and_environment_restored(monkeypatch):
    """The module's Examples run; ``sampling_threads`` restores the thread variables after."""
    import doctest

    from bayes_iris.inference import determinism

    result = doctest.testmod(determinism)
    assert result.attempted > 0 and result.failed == 0
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with determinism.sampling_threads(1):
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" == os.environ["OMP_NUM_THREADS"]
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "OMP_NUM_THREADS" not in os.environ


def test_importing_inference_switches_fast_math_off(tmp_path):
    """A user's ``numba__fastmath=True`` (PyTensor imported first) is overridden on import of
    :mod:`bayes_iris.inference`, in the process and for its children."""
    code = ("import pytensor; a = pytensor.config.numba__fastmath; import bayes_iris.inference; "
            "import os; print(a, pytensor.config.numba__fastmath, os.environ['PYTENSOR_FLAGS'])")
    env = _env(tmp_path / "compile")
    env["PYTENSOR_FLAGS"] += ",numba__fastmath=True"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    before, after, flags = proc.stdout.split()
    assert (before, after) == ("True", "False")
    assert flags.endswith("numba__fastmath=False") and "fastmath=True" not in flags


def test_nutpie_cold_and_warm_compile_cache_give_identical_draws(runs):
    cold, warm = runs.nutpie_cold(), runs.nutpie_warm()
    assert warm["beta:1"] == cold["beta:1"], "a warm compile cache changed the draws"
    assert cold["beta:1"] != cold["beta:2"], "other data, same draws: the digest is vacuous"


def test_nutpie_cache_history_does_not_change_draws(runs):
    """A cache first filled by a fit of the same model to other data, then our fit."""
    ref = runs.nutpie_cold()
    runs.run("history_other", "y", "nutpie", "1", "beta:2")
    after = runs.run("history_ours", "y", "nutpie", "1", "beta:1")
    assert after["beta:1"] == ref["beta:1"]


def test_nutpie_resumed_run_gives_the_uninterrupted_draws(runs):
    """Interrupted after the first fit was saved: the rerun reads it and samples the second."""
    whole = runs.nutpie_cold()
    resumed_fits = runs.fits("resumed")
    (first,) = runs.fits("a").glob("beta_1-*.nc")
    shutil.copy2(first, resumed_fits / first.name)
    resumed = runs.run("resumed", "x", "nutpie", "1", "beta:1", "beta:2",
                       "--fits", str(resumed_fits))
    assert resumed == whole


def test_nutpie_chains_on_one_or_two_cores_give_identical_draws(runs):
    assert runs.nutpie_warm(cores=2)["beta:1"] == runs.nutpie_warm(cores=1)["beta:1"]


def test_blas_thread_count_does_not_change_draws(runs):
    """``OPENBLAS_NUM_THREADS`` 1 vs 2, both with a warm cache, on a product large enough for
    OpenBLAS to split it over threads (and sum in another order) unless sampling holds BLAS to
    one thread per chain."""
    runs.run("dense_compile", "d", "nutpie", "1", "dense:0", "--draws", "1")  # fills the cache
    one = runs.run("dense_1", "d", "nutpie", "1", "dense:0", "--draws", "10",
                   env={"OPENBLAS_NUM_THREADS": "1"})
    two = runs.run("dense_2", "d", "nutpie", "1", "dense:0", "--draws", "10",
                   env={"OPENBLAS_NUM_THREADS": "2"})
    assert one == two


def test_pymc_nuts_cold_and_warm_compile_cache_give_identical_draws(runs):
    cold = runs.run("pymc_cold", "p", "pymc", "1", "beta:1")
    warm = runs.run("pymc_warm", "p", "pymc", "1", "beta:1")
    assert cold == warm


def test_pymc_nuts_worker_processes_give_the_single_process_draws(runs):
    """Two worker processes started from a forkserver (as when JAX is loaded) vs one process,
    each with an empty compile cache."""
    single = runs.run("pymc_cold", "p", "pymc", "1", "beta:1")
    workers = runs.run("pymc_workers", "q", "pymc", "2", "beta:1", "--import-jax")
    assert workers == single
