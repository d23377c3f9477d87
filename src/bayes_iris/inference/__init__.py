"""Execution of models: sampler configuration, sampling, the diagnostics gate and the fit cache.

Specification lives in the analysis packages (``trajectory``, ``safety``); this package only runs
a model spec and judges the result. Public API:

``SamplerConfig``        pydantic config (``extra="forbid"``): sampler, draws, tune, chains, cores,
                         target_accept, seed, progressbar, log_likelihood;
                         ``SamplerConfig.for_run(run_seed, stream=..., fast=...)`` (the policy)
``fit(spec, config, *, cache_dir=None, provenance=None, strict=False)``
                         -> :class:`FitResult` (``idata``: xarray DataTree, ``diagnostics``, ``path``,
                         ``from_cache``); the spec names the file (:func:`fit_path`)
``ModelSpec``            the protocol: ``name``, ``build()``, ``cache_key()``, ``structure_key()``
``diagnose(idata)``      -> :class:`Diagnostics` (max R-hat, min bulk/tail ESS, divergences, min BFMI)
``diagnostics_table``    ``[(name, Diagnostics)]`` -> DataFrame with :data:`DIAGNOSTICS_COLUMNS`
``load_fit(path)``       read a saved fit (``None`` when unreadable)
``determinism``          ``configure()`` (numba fast-math off; applied on import of this package)
                         and ``sampling_threads(n)`` (BLAS threads while sampling)

Reproducibility, per sampler: the same ``SamplerConfig`` (seed included) gives bit-identical
draws whatever the compile cache holds (empty, warm, filled in another order, a resumed run),
however many processes (``cores``) and BLAS threads —

* ``nutpie`` (the default) and ``pymc``: promised. Both compile with numba; fast-math is off and
  BLAS runs one thread per chain while sampling (:mod:`bayes_iris.inference.determinism`;
  ``tests/inference/test_determinism.py``).
* ``numpyro`` (JAX): the same draws from a cold or warm JAX cache, chains run one after another,
  but XLA sizes its CPU thread pool from the machine, which the toolkit does not control: the
  same numbers across machines with different core counts are *not* promised
  (``benchmarks/results/backends.md``). Not the default for that reason.

No sampler promises identical draws across CPU architectures or package versions.
"""

from . import determinism
from .config import DEFAULT_BUDGET, SamplerConfig
from .diagnostics import (
    DIAGNOSTICS_COLUMNS,
    Diagnostics,
    diagnose,
    diagnostics_table,
    warn_diagnostics,
)
from .fitting import BuiltModel, FitResult, ModelSpec, fit, fit_path, load_fit
from .sampling import sample_posterior

# same seed, same numbers in every compile-cache state: numba fast-math off before any model of
# this process is compiled (determinism.py)
determinism.configure()

__all__ = [
    "DEFAULT_BUDGET",
    "DIAGNOSTICS_COLUMNS",
    "BuiltModel",
    "Diagnostics",
    "FitResult",
    "ModelSpec",
    "SamplerConfig",
    "determinism",
    "diagnose",
    "diagnostics_table",
    "fit",
    "fit_path",
    "load_fit",
    "sample_posterior",
    "warn_diagnostics",
]
