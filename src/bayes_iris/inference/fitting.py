"""Fitting a model spec: sample, gate on diagnostics, cache the fit as self-describing netCDF.

The model protocol (:class:`ModelSpec`): every model of the toolkit is a *specification* that
exposes ``name``, ``build() -> pm.Model``, ``cache_key()`` (hash of the data and everything that
defines the model) and ``structure_key()`` (hash of what fixes the compiled graph, or ``None``).
:func:`fit` takes the spec, so no caller invents a file name or a key: a fit is saved as
``<cache_dir>/<name>-<key[:12]>.nc`` where ``key`` combines the spec's name and cache key with the
sampler config — two configurations of one model are two files and never evict each other (files
of configurations no longer used stay until the results folder is cleaned).

Saved fits carry the root attributes ``model_name``, ``cache_key``, ``seed``, ``sampler``,
``sampler_config``, ``versions`` (JSON), ``provenance`` and ``diagnostics`` (JSON). A file whose
``cache_key`` does not match, or which cannot be read, is ignored and recomputed.

Every fit announces its start, draws, heartbeat and end (or its reuse from the cache) through
:mod:`bayes_iris.progress`, so a log or the pipeline runner shows where a long run is.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import xarray as xr

from .. import atomic, progress
from ..fingerprints import hash_inputs, package_versions
from .config import SamplerConfig
from .diagnostics import Diagnostics, diagnose, warn_diagnostics
from .sampling import sample_posterior

__all__ = ["BuiltModel", "FitResult", "ModelSpec", "fit", "fit_path", "load_fit"]

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
KEY_CHARS = 12


@runtime_checkable
class ModelSpec(Protocol):
    """What :func:`fit` needs from a model specification."""

    @property
    def name(self) -> str: ...

    def build(self) -> Any: ...

    def cache_key(self) -> str: ...

    def structure_key(self) -> str | None: ...


@dataclass(frozen=True)
class BuiltModel:
    """An already built ``pm.Model`` as a :class:`ModelSpec` (toy models, oracle fits).

    Its identity is ``name``, the text of the graph (``model.str_repr()``) and ``key``: pass as
    ``key`` whatever the graph's text does not show (the observed data) when fits are cached.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("mu", 0, 1)
    >>> BuiltModel(m, "toy").cache_key() == BuiltModel(m, "toy", key="data v2").cache_key()
    False
    """

    model: Any
    name: str
    key: str = ""

    def build(self) -> Any:
        return self.model

    def cache_key(self) -> str:
        return hash_inputs("built-model", self.name, self.key, self.model.str_repr())

    def structure_key(self) -> str | None:
        return None


@dataclass
class FitResult:
    """A fitted model: the posterior (DataTree), its diagnostics and where it is saved."""

    name: str
    idata: xr.DataTree
    diagnostics: Diagnostics
    config: SamplerConfig
    cache_key: str
    path: Path | None = None
    from_cache: bool = False
    seconds: float = 0.0


def load_fit(path: str | Path) -> xr.DataTree | None:
    """Read a saved fit; ``None`` if the file is missing or unreadable (never raises)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return xr.load_datatree(path, engine="h5netcdf")
    except Exception:  # a corrupt or foreign file is a cache miss, not a crash
        return None


def _save(idata: xr.DataTree, path: Path) -> None:
    def writer(tmp: Path) -> None:
        idata.to_netcdf(tmp, engine="h5netcdf")

    atomic.write_with(path, writer)


def _attrs(name, key, config, provenance, diag) -> dict[str, Any]:
    return {
        "model_name": name,
        "cache_key": key,
        "seed": int(config.seed),
        "sampler": config.sampler,
        "sampler_config": json.dumps(config.cache_dict(), sort_keys=True),
        "versions": json.dumps(package_versions(), sort_keys=True),
        "provenance": provenance or "unknown",
        "diagnostics": json.dumps(diag.to_dict(), sort_keys=True),
    }


def _spec(model: Any, name: str | None) -> ModelSpec:
    import pymc as pm

    if isinstance(model, pm.Model):
        if name is None:
            raise TypeError("fit(pm.Model, ...) needs name=; or pass a model spec")
        return BuiltModel(model, name)
    if name is not None and name != model.name:
        raise TypeError(f"a model spec names itself ({model.name!r}); do not pass name=")
    return model


def fit_key(spec: ModelSpec, config: SamplerConfig) -> str:
    """The stored key of a fit: the spec's name and cache key, and the sampler config."""
    return hash_inputs(spec.name, spec.cache_key(), config.cache_dict())


def fit_path(spec: ModelSpec, config: SamplerConfig, cache_dir: str | Path) -> Path:
    """``<cache_dir>/<name>-<key[:12]>.nc``: where :func:`fit` keeps this spec under this config.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("mu", 0, 1)
    >>> spec = BuiltModel(m, "toy")
    >>> a = fit_path(spec, SamplerConfig(seed=1), "fits")
    >>> b = fit_path(spec, SamplerConfig(seed=1, target_accept=0.95), "fits")
    >>> a.name.startswith("toy-") and a != b
    True
    """
    if not _SAFE_NAME.fullmatch(spec.name):
        raise ValueError(f"model name {spec.name!r} is not a safe file name")
    return Path(cache_dir) / f"{spec.name}-{fit_key(spec, config)[:KEY_CHARS]}.nc"


def fit(
    model: ModelSpec | Any,
    config: SamplerConfig,
    *,
    cache_dir: str | Path | None = None,
    provenance: str | None = None,
    strict: bool = False,
    name: str | None = None,
) -> FitResult:
    """Sample a model spec with ``config``, gate on diagnostics, and cache the fit as netCDF.

    Parameters
    ----------
    model : ModelSpec or pymc.Model
        The specification (``TrajectoryModel``, ``AEModel``, ...): it gives the fit its name, its
        cache key and its structure key (models of one structure share a compiled nutpie model
        in-process). A bare ``pm.Model`` is wrapped as :class:`BuiltModel` and needs ``name``.
    config : SamplerConfig
        Sampler, budgets and seed. Only ``progressbar`` does not enter the cache key.
    cache_dir : path, optional
        Where to save / look for the fit (file :func:`fit_path`). ``None``: no caching.
    provenance : str, optional
        The trial's provenance label, stored in the file's attributes.
    strict : bool
        Raise :class:`~bayes_iris.errors.ConvergenceError` when diagnostics fail (the fit is
        saved first, so a rerun does not resample).
    name : str, optional
        Only with a bare ``pm.Model``.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("mu", 0, 1)
    >>> r = fit(m, SamplerConfig(seed=1, draws=200, tune=200, progressbar=False), name="toy")
    >>> abs(float(r.idata.posterior["mu"].mean())) < 0.3
    True
    """
    spec = _spec(model, name)
    key = fit_key(spec, config)
    path = fit_path(spec, config, cache_dir) if cache_dir is not None else None
    if path is not None:
        cached = load_fit(path)
        if cached is not None and cached.attrs.get("cache_key") == key and (
            "posterior" in cached.children
        ):
            diag = diagnose(cached)
            progress.announce_cached(spec.name, path.name)
            warn_diagnostics(spec.name, diag, strict=strict)
            return FitResult(spec.name, cached, diag, config, key, path, from_cache=True)
    t0 = time.time()
    with progress.fit_progress(spec.name, sampler=config.sampler, chains=config.chains,
                               draws=config.draws, tune=config.tune):
        idata = sample_posterior(spec.build(), config, compile_key=spec.structure_key())
    seconds = time.time() - t0
    diag = diagnose(idata)
    idata.attrs.update(_attrs(spec.name, key, config, provenance, diag))
    if path is not None:
        _save(idata, path)
    warn_diagnostics(spec.name, diag, strict=strict)
    return FitResult(spec.name, idata, diag, config, key, path, from_cache=False, seconds=seconds)
