r"""The trajectory mean as one PyTensor Op with a numba kernel: ``mu[i] = sum_k theta[index[i, k]] w[i, k]``.

PyTensor builds the same mean from generic pieces (an advanced-index gather, a product, a row
sum; the gradient an advanced-index scatter-add): at 400 patients they were ~40 % of each
log-density + gradient evaluation. :class:`GatherMean` does it in one loop over the rows, and its
gradient :class:`GatherMeanGrad` in one scatter-add; both are registered with PyTensor's numba
backend with a default cache key (so nutpie's compiled model caches them like PyTensor's own
Ops) and with JAX (numpyro); ``perform`` is the numpy fallback of the other linkers.

The sum over ``k`` runs in a fixed order, so the result does not depend on threads or caches.
``tests/trajectory/test_gather_op.py`` checks values and gradients against the generic form.

Examples
--------
>>> import numpy as np, pytensor.tensor as pt
>>> theta = pt.as_tensor(np.array([10.0, 20.0, 30.0]))
>>> w = np.array([[2.0, 1.0], [1.0, 0.0]])
>>> gather_mean(theta, w, np.array([[1, 0], [2, 1]])).eval()
array([50., 30.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType, grad_not_implemented
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.scalar import upcast

__all__ = ["GatherMean", "GatherMeanGrad", "gather_mean"]


class GatherMean(Op):
    """``mu[i] = sum_k theta[index[i, k]] * weight[i, k]`` (theta: vector; weight, index: rows x K)."""

    __props__ = ()

    def make_node(self, theta, weight, index):
        theta = pt.as_tensor_variable(theta)
        weight = pt.as_tensor_variable(weight)
        index = pt.as_tensor_variable(index)
        if theta.ndim != 1 or weight.ndim != 2 or index.ndim != 2:
            raise TypeError("GatherMean needs theta (vector), weight and index (matrices)")
        if not index.dtype.startswith("int"):
            raise TypeError(f"GatherMean's index must be integer, got {index.dtype}")
        dtype = upcast(theta.dtype, weight.dtype)
        out = pt.tensor(dtype=dtype, shape=(weight.type.shape[0],))
        return Apply(self, [theta, weight, index], [out])

    def perform(self, node, inputs, outputs):
        theta, weight, index = inputs
        outputs[0][0] = np.asarray((theta[index] * weight).sum(axis=1),
                                   dtype=node.outputs[0].dtype)

    def infer_shape(self, node, shapes):
        return [(shapes[1][0],)]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def pullback(self, inputs, outputs, cotangents):
        theta, weight, index = inputs
        (g,) = cotangents
        g_theta = GatherMeanGrad()(g, weight, index, theta.shape[0])
        g_weight = g[:, None] * theta[index]
        return [g_theta, g_weight, DisconnectedType()()]


class GatherMeanGrad(Op):
    """The gradient of :class:`GatherMean` in ``theta``: ``out[index[i, k]] += g[i] * w[i, k]``."""

    __props__ = ()

    def make_node(self, g, weight, index, n):
        g = pt.as_tensor_variable(g)
        weight = pt.as_tensor_variable(weight)
        index = pt.as_tensor_variable(index)
        n = pt.as_tensor_variable(n)
        dtype = upcast(g.dtype, weight.dtype)
        return Apply(self, [g, weight, index, n], [pt.tensor(dtype=dtype, shape=(None,))])

    def perform(self, node, inputs, outputs):
        g, weight, index, n = inputs
        out = np.zeros(int(n), dtype=node.outputs[0].dtype)
        np.add.at(out, index.ravel(), (g[:, None] * weight).ravel())
        outputs[0][0] = out

    def infer_shape(self, node, shapes):
        return [(node.inputs[3],)]

    def connection_pattern(self, node):
        return [[True], [True], [False], [False]]

    def pullback(self, inputs, outputs, cotangents):
        return [grad_not_implemented(self, i, v) for i, v in enumerate(inputs)]


def gather_mean(theta: Any, weight: Any, index: Any) -> Any:
    """Symbolic ``sum_k theta[index[:, k]] * weight[:, k]`` (one :class:`GatherMean` node)."""
    return GatherMean()(theta, weight, index)


def _register_numba() -> None:
    from pytensor.link.numba.dispatch import basic as numba_basic
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

    @register_funcify_default_op_cache_key(GatherMean)
    def _numba_gather_mean(op, **kwargs):
        @numba_basic.numba_njit(boundscheck=False)
        def gather(theta, weight, index):
            rows, k = weight.shape
            out = np.empty(rows, dtype=np.float64)
            for i in range(rows):
                acc = 0.0
                for j in range(k):
                    acc += theta[index[i, j]] * weight[i, j]
                out[i] = acc
            return out

        return gather, 1

    @register_funcify_default_op_cache_key(GatherMeanGrad)
    def _numba_gather_mean_grad(op, **kwargs):
        @numba_basic.numba_njit(boundscheck=False)
        def scatter(g, weight, index, n):
            out = np.zeros(n.item(), dtype=np.float64)
            rows, k = weight.shape
            for i in range(rows):
                gi = g[i]
                for j in range(k):
                    out[index[i, j]] += gi * weight[i, j]
            return out

        return scatter, 1


def _register_jax() -> None:
    try:
        from pytensor.link.jax.dispatch import jax_funcify
    except ImportError:  # JAX not installed: the numba and Python paths still work
        return

    @jax_funcify.register(GatherMean)
    def _jax_gather_mean(op, **kwargs):
        def gather(theta, weight, index):
            return (theta[index] * weight).sum(axis=1)

        return gather

    @jax_funcify.register(GatherMeanGrad)
    def _jax_gather_mean_grad(op, **kwargs):
        import jax.numpy as jnp

        def scatter(g, weight, index, n):
            return jnp.zeros(n, dtype=weight.dtype).at[index.ravel()].add(
                (g[:, None] * weight).ravel())

        return scatter


_register_numba()
_register_jax()
