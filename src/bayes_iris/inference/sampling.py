"""Sampling backends: nutpie (default; compiled models reused in-process), PyMC, numpyro.

No caching and no diagnostics gate here (that is :func:`bayes_iris.inference.fit`).

Compiled code is reused across processes and compiled models in-process. With the default
``nutpie`` sampler the C wrappers nutpie needs are cached on disk (:mod:`.nutpie_numba`), and a
``pm.Model`` object is compiled once: later calls on the *same* model object (for example after
``pm.set_data`` swapped the prior hyperparameters or the data), or on a model with the same
structure key, only swap the shared values (nutpie ``CompiledModel.with_data``).

Every sampler runs with numba fast-math off and one BLAS thread per chain
(:mod:`bayes_iris.inference.determinism`): the reproducibility promise of each sampler is in the
:mod:`bayes_iris.inference` docstring.
"""

from __future__ import annotations

import sys
import time
import warnings
import weakref
from typing import Any

import numpy as np
import xarray as xr

from .. import progress
from . import determinism
from .config import SamplerConfig

__all__ = ["sample_posterior"]

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COMPILED_BY_KEY: dict[str, Any] = {}
_MAX_COMPILED = 8


def _shared_values(model) -> dict[str, np.ndarray]:
    return {v.name: np.asarray(v.get_value()) for v in model.data_vars}


def _compiled_nutpie(model, compile_key: str | None):
    from .nutpie_numba import compile_model

    compiled = _COMPILED.get(model)
    if compiled is None and compile_key is not None:
        compiled = _COMPILED_BY_KEY.get(compile_key)
    if compiled is None:
        compiled = compile_model(model)  # nutpie's, its C wrappers cached on disk
        if compile_key is not None:
            while len(_COMPILED_BY_KEY) >= _MAX_COMPILED:
                _COMPILED_BY_KEY.pop(next(iter(_COMPILED_BY_KEY)))
            _COMPILED_BY_KEY[compile_key] = compiled
    _COMPILED[model] = compiled
    return compiled


def _sample_nutpie(model, config: SamplerConfig, compile_key: str | None = None) -> xr.DataTree:
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata

    compiled = _compiled_nutpie(model, compile_key)
    known = {var.name for var in compiled.shared_var_keys}
    updates = {k: v for k, v in _shared_values(model).items() if k in known}
    if updates:
        compiled = compiled.with_data(**updates)
    t0 = time.time()
    idata = nutpie.sample(
        compiled, draws=config.draws, tune=config.tune, chains=config.chains,
        cores=config.cores, seed=config.seed, save_warmup=False,
        progress_bar=config.progressbar, target_accept=config.target_accept,
        progress_callback=progress.sampler_callback(),  # draws for bayes_iris.progress
    )
    patch_nutpie_idata(idata, model, sampling_time=time.time() - t0)
    return idata


def _sample_pymc_api(model, config: SamplerConfig) -> xr.DataTree:
    import pymc as pm

    kwargs: dict[str, Any] = {}
    if config.sampler == "numpyro":
        # one XLA device here: run the chains one after another without numpyro's warning
        kwargs["nuts"] = {"target_accept": config.target_accept, "chain_method": "sequential"}
    else:
        kwargs["nuts"] = {"target_accept": config.target_accept}
        if config.cores > 1 and "jax" in sys.modules:
            # JAX starts threads once imported (the design engine, numpyro); forking such a process
            # can deadlock, so PyMC's worker processes are started from a clean forkserver instead.
            kwargs["mp_ctx"] = "forkserver"
    return pm.sample(
        draws=config.draws, tune=config.tune, chains=config.chains, cores=config.cores,
        random_seed=config.seed, progressbar=config.progressbar, nuts_sampler=config.sampler,
        model=model, compute_convergence_checks=False, **kwargs,
    )


def sample_posterior(
    model, config: SamplerConfig, *, compile_key: str | None = None
) -> xr.DataTree:
    """Sample ``model`` with the backend named in ``config`` (no caching, no diagnostics gate).

    ``compile_key`` (nutpie only): models built by the same code with the same structure (same
    graph and dims; shared data and prior values may differ) share one compiled model in-process.
    """
    import pymc as pm

    determinism.configure()
    # one BLAS thread per chain: no oversubscription, and a summation order that does not depend
    # on the machine's core count (determinism.py)
    with determinism.sampling_threads(1):
        if config.sampler == "nutpie" and not _is_mocked(pm):
            idata = _sample_nutpie(model, config, compile_key)
        else:
            idata = _sample_pymc_api(model, config)
        if config.log_likelihood and model.observed_RVs:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                pm.compute_log_likelihood(
                    idata, model=model, extend_inferencedata=True, progressbar=False,
                    backend="numba",  # the C backend's cold compile costs ~30 s here
                )
    return idata


def _is_mocked(pm) -> bool:
    """True when tests replaced ``pm.sample`` with ``pymc.testing.mock_sample``."""
    return getattr(pm.sample, "__name__", "") == "mock_sample" or getattr(
        getattr(pm.sample, "func", None), "__name__", ""
    ) == "mock_sample"
