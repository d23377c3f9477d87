"""The trajectory mean's Op: values and gradients equal the generic gather in every backend."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from bayes_iris.trajectory.gather_op import GatherMean, gather_mean


def _case(seed: int = 0, rows: int = 50, k: int = 4, n: int = 13):
    g = np.random.default_rng(seed)
    # repeated indices within and across rows: the scatter-add must accumulate them
    return g.normal(size=n), g.normal(size=(rows, k)), g.integers(0, n, size=(rows, k))


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_COMPILE", "JAX"])
def test_value_and_gradient_equal_the_generic_form(mode):
    if mode == "JAX":
        pytest.importorskip("jax")
    theta0, w, idx = _case()
    theta = pt.vector("theta")
    c = np.random.default_rng(1).normal(size=w.shape[0])
    ours = (gather_mean(theta, w, idx) * c).sum()
    generic = ((theta[idx] * w).sum(axis=1) * c).sum()
    f = pytensor.function([theta], [ours, pt.grad(ours, theta)], mode=mode)
    ref = pytensor.function([theta], [generic, pt.grad(generic, theta)], mode="FAST_COMPILE")
    v, gr = f(theta0)
    rv, rg = ref(theta0)
    np.testing.assert_allclose(v, rv, rtol=1e-12)
    np.testing.assert_allclose(gr, rg, rtol=1e-12, atol=1e-12)


def test_gradient_is_the_numerical_derivative():
    theta0, w, idx = _case(2, rows=20, k=3, n=7)
    verify_grad(lambda t, ww: gather_mean(t, ww, idx), [theta0, w],
                rng=np.random.default_rng(3))


def test_rejects_float_indices():
    with pytest.raises(TypeError, match="integer"):
        GatherMean()(pt.vector(), pt.matrix(), pt.matrix())
