"""Child process of ``test_nutpie_numba.py``: compile a small model both ways, print digests.

Usage: ``python nutpie_numba_child.py``. Compiles :func:`model` with
:func:`bayes_iris.inference.nutpie_numba.compile_model` and with
``nutpie.compile_pymc_model(backend="numba")``, evaluates both log-density callbacks (value and
gradient) and both expand callbacks at fixed points, before and after ``with_data``, and prints
one JSON line: the digests of each, and how many of the cached wrappers numba loaded from disk.
Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import warnings

import numpy as np


def model():
    """Every kind of shared input the trajectory models have: float and int64, 0-d to 2-d."""
    import pymc as pm

    g = np.random.Generator(np.random.PCG64(3))
    with pm.Model() as m:
        y = pm.Data("y", g.normal(size=12))
        index = pm.Data("index", (np.arange(12) % 3).astype("int64"))
        design = pm.Data("design", g.normal(size=(12, 2)))
        scale = pm.Data("scale", np.array(2.0))
        mu = pm.Normal("mu", 0.0, scale, shape=3)
        beta = pm.Normal("beta", 0.0, 1.0, shape=2)
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Deterministic("spread", sigma * scale)
        pm.StudentT("obs", nu=5, mu=mu[index] + design @ beta, sigma=sigma, observed=y)
    return m


def new_data() -> dict[str, np.ndarray]:
    """Other data of another length for ``with_data``."""
    g = np.random.Generator(np.random.PCG64(4))
    return {"y": g.normal(size=20), "index": (np.arange(20) % 3).astype("int64"),
            "design": g.normal(size=(20, 2)), "scale": np.array(1.5)}


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def evaluate(compiled) -> str:
    """sha256 of return codes, log-densities, gradients and expanded draws at fixed points."""
    n, n_exp = compiled.n_dim, compiled.n_expanded
    h = hashlib.sha256()
    g = np.random.Generator(np.random.PCG64(9))
    for _ in range(5):
        x = g.normal(size=n) * 0.5
        grad, logp, expanded = np.zeros(n), np.zeros(()), np.zeros(n_exp)
        user = ctypes.c_void_p(compiled.user_data.ctypes.data)
        rc = compiled.compiled_logp_func.ctypes(n, _ptr(x), _ptr(grad), _ptr(logp), user)
        rc_exp = compiled.compiled_expand_func.ctypes(n, n_exp, _ptr(x), _ptr(expanded), user)
        h.update(np.array([rc, rc_exp]).tobytes() + logp.tobytes() + grad.tobytes()
                 + expanded.tobytes())
    return h.hexdigest()


def main() -> None:
    warnings.simplefilter("ignore")
    import nutpie

    from bayes_iris.inference import determinism
    from bayes_iris.inference.nutpie_numba import compile_model

    determinism.configure()
    m = model()
    ours = compile_model(m)
    theirs = nutpie.compile_pymc_model(m, backend="numba")
    print(json.dumps({
        "ours": evaluate(ours), "nutpie": evaluate(theirs),
        "ours_new_data": evaluate(ours.with_data(**new_data())),
        "nutpie_new_data": evaluate(theirs.with_data(**new_data())),
        "cache_hits": [ours.compiled_logp_func._cache_hits,
                       ours.compiled_expand_func._cache_hits],
    }))


if __name__ == "__main__":
    main()
