"""nutpie's C wrappers, cached on disk (:mod:`bayes_iris.inference.nutpie_numba`).

The cached wrappers must compute exactly what nutpie's own compute (same bits, so the same
draws), load from disk in a later process instead of compiling, and fall back to nutpie where
they do not apply. The cross-process checks run ``nutpie_numba_child.py`` twice on one temporary
PyTensor compile folder: the first process compiles everything, the second finds it cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

CHILD = Path(__file__).with_name("nutpie_numba_child.py")


def _run_child(compile_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"}
    env["PYTENSOR_FLAGS"] = f"base_compiledir={compile_dir}"
    proc = subprocess.run([sys.executable, str(CHILD)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cold_then_warm(tmp_path_factory) -> tuple[dict, dict]:
    folder = tmp_path_factory.mktemp("nutpie-numba")
    return _run_child(folder), _run_child(folder)


def test_cached_wrappers_compute_nutpies_bits(cold_then_warm):
    for run in cold_then_warm:
        assert run["ours"] == run["nutpie"]
        assert run["ours_new_data"] == run["nutpie_new_data"]
        assert run["ours"] != run["ours_new_data"]  # with_data really swapped the data


def test_a_later_process_loads_the_wrappers_and_gets_the_same_bits(cold_then_warm):
    cold, warm = cold_then_warm
    assert cold["cache_hits"] == [0, 0]  # an empty PyTensor cache is an empty wrapper cache
    assert warm["cache_hits"] == [1, 1]
    assert {k: v for k, v in cold.items() if k != "cache_hits"} == {
        k: v for k, v in warm.items() if k != "cache_hits"}


def test_draws_equal_nutpies_own_compilation():
    import hashlib

    import nutpie

    from bayes_iris.inference import determinism
    from bayes_iris.inference.nutpie_numba import compile_model

    sys.path.insert(0, str(CHILD.parent))
    try:
        from nutpie_numba_child import model
    finally:
        sys.path.remove(str(CHILD.parent))
    determinism.configure()
    m = model()

    def digest(compiled) -> str:
        idata = nutpie.sample(compiled, draws=60, tune=60, chains=2, cores=1, seed=5,
                              progress_bar=False)
        h = hashlib.sha256()
        for name in sorted(idata.posterior.data_vars):
            h.update(np.ascontiguousarray(idata.posterior[name].values).tobytes())
        return h.hexdigest()

    assert digest(compile_model(m)) == digest(nutpie.compile_pymc_model(m, backend="numba"))


def test_falls_back_to_nutpie_when_pytensors_numba_cache_is_off(monkeypatch):
    import nutpie
    import pymc as pm
    import pytensor

    from bayes_iris.inference import nutpie_numba

    calls = []
    monkeypatch.setattr(nutpie, "compile_pymc_model",
                        lambda model, backend: calls.append((model, backend)) or "nutpie's")
    monkeypatch.setattr(pytensor.config, "numba__cache", False)
    with pm.Model() as m:
        pm.Normal("x")
    assert nutpie_numba.compile_model(m) == "nutpie's"
    assert calls == [(m, "numba")]


def test_generated_source_reads_each_array_at_its_offsets():
    from bayes_iris.inference.nutpie_numba import expand_source, logp_source

    reads = ["a0 = numba.carray(_as_pointer(meta[0]), (int(meta[2]),), np.float64)",
             "a1 = numba.carray(_as_pointer(meta[1]), (), np.int64)"]
    src = logp_source(4, 3, reads)
    assert "meta = numba.carray(user_data_, (3,), np.uint64)" in src
    assert "logp_val, grad = inner(x, a0, a1)" in src
    assert "if dim != 4:" in src
    no_data = expand_source(4, 6, 0, [])
    assert "meta" not in no_data and "(values,) = inner(x)" in no_data
    assert "if expanded != 6:" in no_data
    compile(src, "<logp>", "exec")
    compile(no_data, "<expand>", "exec")
