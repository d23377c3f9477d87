"""Compile a PyMC model for nutpie's numba backend, with the C wrappers cached on disk.

nutpie (0.16) drives a model through two C callbacks, one for the log-density and its gradient and
one that expands a draw into the stored variables. :func:`nutpie.compile_pymc_model` builds both
with :func:`numba.cfunc` around the functions PyTensor compiled. Those wrappers reach the model's
data through values captured from the closure, which numba refuses to cache ("dynamic globals"), so
every process compiled them again: 8-12 s whatever the model's size, most of a first fit at
IRIS-7's size (``benchmarks/results/backends.md``).

:func:`compile_model` builds the same two callbacks from generated source in which every data
array is read through the pointer table nutpie already passes (``user_data``), at offsets written
into the source as literals. Nothing is captured but the PyTensor function, so numba can cache the
wrapper: the cache entry is keyed on the generated source and on PyTensor's own cache key of the
function it calls, and stored in PyTensor's numba cache folder
(``<base_compiledir>/numba``), so an empty PyTensor cache is an empty wrapper cache too. A process
that finds the entry loads machine code instead of compiling it (0.2 s instead of 8 s).

The result is nutpie's own :class:`nutpie.compile_pymc.CompiledPyMCModel`, with the same pointer
table, so :meth:`~nutpie.compile_pymc.CompiledPyMCModel.with_data` and sampling work unchanged.
The log-density, its gradient and so the draws are bit-identical to those of
:func:`nutpie.compile_pymc_model`: the same PyTensor function is called, compiled with IEEE
arithmetic (:mod:`bayes_iris.inference.determinism`), whether the wrapper was compiled or loaded
(``tests/inference/test_nutpie_numba.py``).

Where the shortcut does not apply (PyTensor's numba cache switched off, a function without a
PyTensor cache key, a data type the wrapper does not read, or a nutpie whose private helpers
changed) :func:`compile_model` falls back to :func:`nutpie.compile_pymc_model`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

__all__ = ["compile_model"]

#: bumped whenever the generated source or its environment changes meaning
_WRAPPER_VERSION = "1"
_READABLE_KINDS = frozenset("biuf")  # bool, signed, unsigned, float
#: the private helpers of ``nutpie.compile_pymc`` (0.16) this module calls
_NUTPIE_HELPERS = ("CompiledPyMCModel", "_make_functions", "make_user_data",
                   "_prepare_dims_and_coords", "_wrap_with_lock")


def compile_model(model) -> Any:
    """nutpie's compiled form of ``model`` (numba backend), its C wrappers cached on disk.

    Same arguments as ``nutpie.compile_pymc_model(model, backend="numba")`` with its defaults,
    and the same result; see the module docstring for what is cached and when it falls back.
    """
    import nutpie

    try:
        return _compile_cached(model)
    except _NotCacheable:
        return nutpie.compile_pymc_model(model, backend="numba")


class _NotCacheable(Exception):
    """The wrapper cache does not apply to this model here (fall back to nutpie)."""


def _compile_cached(model) -> Any:
    try:
        import numba
        import nutpie
        from nutpie import compile_pymc as cp
        from pymc.initial_point import make_initial_point_fn
        from pytensor import config as pt_config
        from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src
    except ImportError as err:  # PyTensor's numba cache moved
        raise _NotCacheable(str(err)) from err
    missing = [name for name in _NUTPIE_HELPERS if not hasattr(cp, name)]
    if missing:  # nutpie's private helpers moved
        raise _NotCacheable(f"nutpie.compile_pymc lacks {', '.join(missing)}")
    if not pt_config.numba__cache:
        raise _NotCacheable("PyTensor's numba cache is switched off")

    # as nutpie.compile_pymc_model(model, backend="numba") with its default arguments
    initial_point_fn = cp._wrap_with_lock(make_initial_point_fn(
        model=model, overrides=None, default_strategy="support_point",
        jitter_rvs=set(model.free_RVs), return_transformed=True,
    ))
    n_dim, n_expanded, logp_pt, expand_pt, init_fn, shape_info, reparameterized = (
        cp._make_functions(model, mode="NUMBA", compute_grad=True, join_expanded=True,
                           pymc_initial_point_fn=initial_point_fn, var_names=None))
    logp_fn, expand_fn = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    inner_keys = [CACHED_SRC_FUNCTIONS.get(getattr(f, "py_func", None)) for f in (logp_fn, expand_fn)]
    if None in inner_keys:
        raise _NotCacheable("a PyTensor function has no numba cache key")

    shared_data: dict[str, np.ndarray] = {}
    shared_var_keys: dict[Any, str] = {}
    for var in [*logp_pt.get_shared(), *expand_pt.get_shared()]:
        if var in shared_var_keys:
            continue
        value = np.array(var.get_value(), order="C", copy=True)
        if value.dtype.kind not in _READABLE_KINDS:
            raise _NotCacheable(f"shared variable {var.name} has dtype {value.dtype}")
        value.flags.writeable = False
        key = f"s{len(shared_var_keys)}"  # record field names; nutpie uses random ones
        shared_data[key] = value
        shared_var_keys[var] = key
    user_data = cp.make_user_data(shared_var_keys, shared_data)

    env = {"__name__": __name__, "np": np, "numba": numba, "_as_pointer": _as_pointer()}
    versions = (_WRAPPER_VERSION, numba.__version__, nutpie.__version__)
    n_words = user_data.dtype.itemsize // 8
    sources = (
        logp_source(n_dim, n_words,
                    _array_reads(logp_pt, shared_var_keys, shared_data, user_data.dtype)),
        expand_source(n_dim, n_expanded, n_words,
                      _array_reads(expand_pt, shared_var_keys, shared_data, user_data.dtype)),
    )
    compiled = []
    for name, src, inner, inner_key, sig in zip(
        ("logp_wrapper", "expand_wrapper"), sources, (logp_fn, expand_fn), inner_keys,
        (_logp_signature(), _expand_signature()), strict=True,
    ):
        key = hashlib.sha256(repr((versions, src, inner_key)).encode()).hexdigest()
        py_func = compile_numba_function_src(
            src, name, global_env={**env, "inner": inner}, cache_key=f"bayes_iris_{key}")
        compiled.append(numba.cfunc(sig, cache=True)(py_func))

    dims, coords = cp._prepare_dims_and_coords(model, shape_info, reparameterized)
    return cp.CompiledPyMCModel(
        _n_dim=n_dim, dims=dims, _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=compiled[0], compiled_expand_func=compiled[1],
        initial_point_func=init_fn, shared_data=shared_data, shared_var_keys=shared_var_keys,
        user_data=user_data, n_expanded=n_expanded, shape_info=shape_info,
        logp_func=logp_pt, expand_func=expand_pt, reparameterized_names=reparameterized,
    )


def _array_reads(fn, shared_var_keys, shared_data, record_dtype) -> list[str]:
    """Source lines that view each shared input of ``fn`` through the pointer table.

    nutpie's table (``make_user_data``) is one record of unsigned 64-bit words: per array its
    address, its size and its shape; the word offsets are read from the record's dtype here.
    """
    shared, base = record_dtype.fields["shared"]
    data, data_off = shared.fields["data"]
    shapes, shape_off = shared.fields["shape"]
    lines = []
    for i, var in enumerate(fn.get_shared()):
        key = shared_var_keys[var]
        value = shared_data[key]
        address = (base + data_off + data.fields[key][1]) // 8
        first = (base + shape_off + shapes.fields[key][1]) // 8
        dims = [f"int(meta[{first + j}])" for j in range(value.ndim)]
        shape = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        lines.append(f"a{i} = numba.carray(_as_pointer(meta[{address}]), {shape}, "
                     f"np.{value.dtype.name})")
    return lines


def _body(n_words: int, reads: list[str]) -> list[str]:
    meta = [f"meta = numba.carray(user_data_, ({n_words},), np.uint64)"] if reads else []
    return [*meta, *reads]


def logp_source(n_dim: int, n_words: int, reads: list[str]) -> str:
    """Source of the log-density callback: nutpie's return codes (0 ok, 1 error, 3/4 not finite).

    Examples
    --------
    >>> print(logp_source(2, 0, []).splitlines()[0])
    def logp_wrapper(dim, x_, out_, logp_, user_data_):
    """
    args = ", ".join(["x", *(f"a{i}" for i in range(len(reads)))])
    body = [
        *_body(n_words, reads),
        f"x = numba.carray(x_, ({n_dim},))",
        f"out = numba.carray(out_, ({n_dim},))",
        "logp = numba.carray(logp_, ())",
        f"logp_val, grad = inner({args})",
        "logp[()] = logp_val",
        "out[...] = grad",
        "if not np.all(np.isfinite(out)):",
        "    return 3",
        "if not np.isfinite(logp_val):",
        "    return 4",
    ]
    return "\n".join([
        "def logp_wrapper(dim, x_, out_, logp_, user_data_):",
        f"    if dim != {n_dim}:",
        "        return -1",
        "    try:",
        *("        " + line for line in body),
        "    except Exception:",
        "        return 1",
        "    return 0",
        "",
    ])


def expand_source(n_dim: int, n_expanded: int, n_words: int, reads: list[str]) -> str:
    """Source of the callback that expands a draw into the stored values (0 ok, -1/-2 error)."""
    args = ", ".join(["x", *(f"a{i}" for i in range(len(reads)))])
    body = [
        *_body(n_words, reads),
        f"x = numba.carray(x_, ({n_dim},))",
        f"out = numba.carray(out_, ({n_expanded},))",
        f"(values,) = inner({args})",
        "out[...] = values",
    ]
    return "\n".join([
        "def expand_wrapper(dim, expanded, x_, out_, user_data_):",
        f"    if dim != {n_dim}:",
        "        return -1",
        f"    if expanded != {n_expanded}:",
        "        return -1",
        "    try:",
        *("        " + line for line in body),
        "    except Exception:",
        "        return -2",
        "    return 0",
        "",
    ])


def _logp_signature():
    from numba import types

    double_p = types.CPointer(types.double)
    return types.int64(types.uint64, double_p, double_p, double_p, types.voidptr)


def _expand_signature():
    from numba import types

    double_p = types.CPointer(types.double)
    return types.int64(types.uint64, types.uint64, double_p, double_p, types.voidptr)


_AS_POINTER = None


def _as_pointer():
    """A numba intrinsic turning an address (integer) into a ``void*`` (built once, lazily)."""
    global _AS_POINTER
    if _AS_POINTER is None:
        from numba.core import cgutils, types
        from numba.extending import intrinsic

        @intrinsic
        def as_pointer(typingctx, address):
            def codegen(context, builder, signature, args):
                return builder.inttoptr(args[0], cgutils.voidptr_t)

            return types.voidptr(address), codegen

        _AS_POINTER = as_pointer
    return _AS_POINTER
