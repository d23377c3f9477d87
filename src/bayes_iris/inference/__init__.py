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
"""

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

__all__ = [
    "DEFAULT_BUDGET",
    "DIAGNOSTICS_COLUMNS",
    "BuiltModel",
    "Diagnostics",
    "FitResult",
    "ModelSpec",
    "SamplerConfig",
    "diagnose",
    "diagnostics_table",
    "fit",
    "fit_path",
    "load_fit",
    "sample_posterior",
    "warn_diagnostics",
]
