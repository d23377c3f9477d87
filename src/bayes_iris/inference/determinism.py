"""Same seed, same numbers: compiler flags and thread limits that make sampling bit-reproducible.

Two things made draws depend on more than the seed (``benchmarks/results/backends.md``):

* **numba fast-math.** PyTensor compiles its numba Ops with LLVM fast-math flags by default
  (``reassoc``, ``contract``, ``afn``, ...). Those let LLVM reorder sums and fuse multiply-adds
  differently when an Op's code is inlined into a freshly compiled caller than when the Op is
  loaded, already compiled, from the on-disk cache; so a process with an empty compile cache, one
  with a warm cache, and one whose cache was filled in another order computed log-densities that
  differ in the last bits, and NUTS turned those bits into different draws. With IEEE semantics
  (``numba__fastmath=False``) inlining cannot change a result: the same bits whatever the cache
  holds. PyTensor keys its cache on the flag, so code compiled with fast-math is never reused.
  Measured cost: none within noise (``benchmarks/results/backends.md``).
* **BLAS threads.** Above a size threshold OpenBLAS splits a matrix product over threads, which
  changes the summation order (other bits) and, while the sampler runs its chains on their own
  threads, oversubscribes the cores. :func:`sampling_threads` holds BLAS (and OpenMP) to one
  thread per chain while sampling.

:func:`configure` runs when :mod:`bayes_iris.inference` is imported (every analysis that fits or
simulates from a PyMC model imports it first) and again before every fit: it switches fast-math
off in a PyTensor already imported and sets ``PYTENSOR_FLAGS`` for one imported later and for
every child process (PyMC's worker processes, Dask workers, pipeline steps).

Examples
--------
>>> configure()
>>> import pytensor
>>> pytensor.config.numba__fastmath
False
>>> "numba__fastmath=False" in os.environ["PYTENSOR_FLAGS"]
True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["THREAD_ENV", "configure", "sampling_threads"]

FASTMATH_FLAG = "numba__fastmath=False"
#: environment variables read by BLAS / OpenMP runtimes when a child process loads them
THREAD_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _with_flag(flags: str) -> str:
    """``PYTENSOR_FLAGS`` with any ``numba__fastmath`` entry replaced by ``False``.

    Examples
    --------
    >>> _with_flag("")
    'numba__fastmath=False'
    >>> _with_flag("base_compiledir=/tmp/x,numba__fastmath=True")
    'base_compiledir=/tmp/x,numba__fastmath=False'
    """
    kept = [f for f in flags.split(",")
            if f.strip() and f.split("=", 1)[0].strip() != "numba__fastmath"]
    return ",".join([*kept, FASTMATH_FLAG])


def configure() -> None:
    """Switch numba fast-math off for PyTensor, in this process and in its children (idempotent).

    Examples
    --------
    >>> configure(); configure()
    >>> os.environ["PYTENSOR_FLAGS"].count("numba__fastmath")
    1
    """
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    wanted = _with_flag(flags)
    if flags != wanted:
        os.environ["PYTENSOR_FLAGS"] = wanted
    pytensor = sys.modules.get("pytensor")
    config = getattr(pytensor, "config", None)
    if config is not None and getattr(config, "numba__fastmath", False):
        config.numba__fastmath = False


@contextmanager
def sampling_threads(n: int = 1) -> Iterator[None]:
    """Limit BLAS and OpenMP to ``n`` threads while the block runs (then restore).

    Applies to the libraries loaded in this process (``threadpoolctl``) and, through the
    environment, to processes started inside the block (PyMC's chain workers).

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with sampling_threads(1):
    ...     all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    True
    """
    from threadpoolctl import threadpool_limits

    configure()
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update({k: str(n) for k in THREAD_ENV})
    try:
        with threadpool_limits(limits=n, user_api=None):
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
