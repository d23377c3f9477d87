"""Execution of models: sampler configuration, sampling, the diagnostics gate and the fit cache.

Specification lives in ``bayes_iris.models``; this module only runs a ``pm.Model`` and judges the
result. Public API (stable; other areas call it):

``SamplerConfig``        pydantic config (``extra="forbid"``): sampler, draws, tune, chains, cores,
                         target_accept, seed, progressbar, log_likelihood; ``SamplerConfig.fast(seed)``
``fit(model, config, *, name, cache_dir=None, cache_key=None, provenance=None, strict=False)``
                         -> :class:`FitResult` (``idata``: xarray DataTree, ``diagnostics``, ``path``,
                         ``from_cache``)
``diagnose(idata)``      -> :class:`Diagnostics` (max R-hat, min bulk/tail ESS, divergences, min BFMI)
``diagnostics_table``    ``[(name, Diagnostics)]`` -> DataFrame with columns ``model, max_rhat,
                         min_ess_bulk, min_ess_tail, divergences, min_bfmi, status, messages``
``hash_inputs(*objs)``   stable sha256 of DataFrames, arrays, dicts, pydantic models, scalars
``load_fit(path)``       read a saved fit (``None`` when unreadable)

Fits are saved as self-describing netCDF (h5netcdf) with root attributes ``model_name``,
``cache_key``, ``seed``, ``sampler``, ``versions`` (JSON), ``provenance``, ``diagnostics`` (JSON). A
file whose ``cache_key`` does not match, or which cannot be read, is ignored and recomputed.

Compiled models are reused in-process: with the default ``nutpie`` sampler, a ``pm.Model`` object is
compiled once, and later calls of :func:`fit` on the *same* model object (for example after
``pm.set_data`` swapped the prior hyperparameters or the data) only swap the shared values
(nutpie ``CompiledModel.with_data``).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from . import atomic
from .errors import ConvergenceError

__all__ = [
    "Diagnostics",
    "FitResult",
    "SamplerConfig",
    "diagnose",
    "diagnostics_table",
    "fit",
    "hash_inputs",
    "load_fit",
]

RHAT_MAX = 1.01
ESS_PER_CHAIN = 100
ESS_MIN = 400
BFMI_MIN = 0.3

_console = Console(stderr=True)


class SamplerConfig(BaseModel):
    """How to sample. Explicit, hashable, and part of every fit's cache key.

    Examples
    --------
    >>> SamplerConfig(seed=1).sampler
    'nutpie'
    >>> SamplerConfig.fast(seed=1).tune
    500
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampler: Literal["nutpie", "pymc", "numpyro"] = "nutpie"
    # 2000 draws per chain: the LKJ scale of the patient slopes mixes slowly (bulk ESS ~300 per
    # 4000 draws under some prior sets); sampling costs seconds next to compiling.
    draws: int = Field(default=2000, ge=1)
    tune: int = Field(default=1000, ge=1)
    chains: int = Field(default=4, ge=1)
    cores: int = Field(default=2, ge=1)
    target_accept: float = Field(default=0.9, gt=0.0, lt=1.0)
    seed: int = Field(ge=0)
    progressbar: bool = True
    log_likelihood: bool = Field(
        default=True, description="add the log_likelihood group (needed for LOO)"
    )

    @classmethod
    def fast(cls, seed: int, **overrides: Any) -> SamplerConfig:
        """A small budget for smoke runs and CI (500 tuning + 1000 draws per chain, 4 chains).

        Sampling is cheap next to compiling; 1000 draws keep the ESS gate (≥ 400) passable.
        """
        kw: dict[str, Any] = {"draws": 1000, "tune": 500, "seed": seed}
        kw.update(overrides)
        return cls(**kw)

    def cache_dict(self) -> dict[str, Any]:
        """The fields that change the numbers (progress bars do not)."""
        return self.model_dump(exclude={"progressbar"})


@dataclass
class Diagnostics:
    """Convergence summary of one fit; ``ok`` is the gate."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float
    n_chains: int
    n_draws: int
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.messages

    @property
    def status(self) -> str:
        return "ok" if self.ok else "warning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_rhat": self.max_rhat,
            "min_ess_bulk": self.min_ess_bulk,
            "min_ess_tail": self.min_ess_tail,
            "divergences": self.divergences,
            "min_bfmi": self.min_bfmi,
            "n_chains": self.n_chains,
            "n_draws": self.n_draws,
            "status": self.status,
            "messages": list(self.messages),
        }


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


# --------------------------------------------------------------------------------------------
# hashing
# --------------------------------------------------------------------------------------------
def _canonical(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return {"__pydantic__": type(obj).__name__, **_canonical(obj.model_dump(mode="json"))}
    if isinstance(obj, pd.DataFrame):
        h = hashlib.sha256()
        h.update(json.dumps([str(c) for c in obj.columns]).encode())
        h.update(json.dumps([str(t) for t in obj.dtypes]).encode())
        h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        return {"__frame__": h.hexdigest()}
    if isinstance(obj, pd.Series):
        return _canonical(obj.to_frame())
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        return {"__array__": hashlib.sha256(arr.tobytes()).hexdigest(),
                "shape": list(arr.shape), "dtype": str(arr.dtype)}
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, list | tuple):
        return [_canonical(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def hash_inputs(*objs: Any) -> str:
    """Stable sha256 (hex) of DataFrames, arrays, dicts, pydantic models and scalars.

    Examples
    --------
    >>> import pandas as pd
    >>> a = hash_inputs(pd.DataFrame({"x": [1, 2]}), {"b": 1, "a": 2})
    >>> a == hash_inputs(pd.DataFrame({"x": [1, 2]}), {"a": 2, "b": 1})
    True
    >>> a == hash_inputs(pd.DataFrame({"x": [1, 3]}), {"a": 2, "b": 1})
    False
    """
    text = json.dumps([_canonical(o) for o in objs], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------
def _min_over(ds: xr.Dataset) -> float:
    vals = [float(np.nanmin(v.values)) for v in ds.data_vars.values() if v.size]
    return float(min(vals)) if vals else float("nan")


def _max_over(ds: xr.Dataset) -> float:
    vals = [float(np.nanmax(v.values)) for v in ds.data_vars.values() if v.size]
    return float(max(vals)) if vals else float("nan")


def diagnose(idata: xr.DataTree, *, var_names: list[str] | None = None) -> Diagnostics:
    """Convergence diagnostics of a posterior, with the toolkit's thresholds.

    Thresholds: R-hat (rank-normalised, split) ≤ 1.01; bulk and tail ESS ≥ max(400, 100 × chains);
    no divergent transitions; E-BFMI ≥ 0.3 in every chain.

    References
    ----------
    Vehtari A, Gelman A, Simpson D, Carpenter B, Bürkner P-C. Rank-normalization, folding, and
    localization: an improved R-hat for assessing convergence of MCMC. Bayesian Analysis 2021;
    16(2):667-718.
    Betancourt M. Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo.
    arXiv:1604.00695 (E-BFMI).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> g = np.random.default_rng(0)
    >>> post = xr.Dataset({"mu": (("chain", "draw"), g.normal(size=(4, 500)))})
    >>> d = diagnose(xr.DataTree.from_dict({"posterior": post}))
    >>> d.max_rhat < 1.01, d.divergences
    (True, 0)
    """
    import arviz as az

    post = idata["posterior"].to_dataset()
    # deterministic variables that are constant (e.g. a fixed correlation diagonal) have no R-hat
    keep = [
        k for k, v in post.data_vars.items()
        if (var_names is None or k in var_names) and v.size and float(v.std()) > 0
    ]
    post = post[keep]
    n_chains = int(post.sizes.get("chain", 1))
    n_draws = int(post.sizes.get("draw", 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = _max_over(az.rhat(post))
        ess_bulk = _min_over(az.ess(post, method="bulk"))
        ess_tail = _min_over(az.ess(post, method="tail"))
    divergences = 0
    bfmi = float("nan")
    if "sample_stats" in idata.children:
        stats = idata["sample_stats"].to_dataset()
        for key in ("diverging", "divergences"):
            if key in stats:
                divergences = int(np.asarray(stats[key]).sum())
                break
        if "energy" in stats:
            energy = np.asarray(stats["energy"], dtype=float)
            if energy.ndim == 1:
                energy = energy[None, :]
            num = np.mean(np.diff(energy, axis=1) ** 2, axis=1)
            den = np.var(energy, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                bfmi = float(np.min(num / den))
    ess_min = max(ESS_MIN, ESS_PER_CHAIN * n_chains)
    messages = []
    if not (rhat <= RHAT_MAX):
        messages.append(f"max R-hat {rhat:.3f} > {RHAT_MAX}")
    if not (ess_bulk >= ess_min):
        messages.append(f"min bulk ESS {ess_bulk:.0f} < {ess_min}")
    if not (ess_tail >= ess_min):
        messages.append(f"min tail ESS {ess_tail:.0f} < {ess_min}")
    if divergences > 0:
        messages.append(f"{divergences} divergent transitions")
    if math.isfinite(bfmi) and bfmi < BFMI_MIN:
        messages.append(f"min E-BFMI {bfmi:.2f} < {BFMI_MIN}")
    return Diagnostics(
        max_rhat=rhat, min_ess_bulk=ess_bulk, min_ess_tail=ess_tail, divergences=divergences,
        min_bfmi=bfmi, n_chains=n_chains, n_draws=n_draws, messages=messages,
    )


DIAGNOSTICS_COLUMNS = [
    "model", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "min_bfmi", "status",
    "messages",
]


def diagnostics_table(items: list[tuple[str, Diagnostics]]) -> pd.DataFrame:
    """One row per fitted model: the table each analysis step writes as ``diagnostics_<step>.csv``.

    Examples
    --------
    >>> d = Diagnostics(1.0, 900.0, 800.0, 0, 0.9, 4, 1000)
    >>> list(diagnostics_table([("alc", d)]).status)
    ['ok']
    """
    rows = [
        {
            "model": name,
            "max_rhat": d.max_rhat,
            "min_ess_bulk": d.min_ess_bulk,
            "min_ess_tail": d.min_ess_tail,
            "divergences": d.divergences,
            "min_bfmi": d.min_bfmi,
            "status": d.status,
            "messages": "; ".join(d.messages),
        }
        for name, d in items
    ]
    return pd.DataFrame(rows, columns=DIAGNOSTICS_COLUMNS)


def warn_diagnostics(name: str, diag: Diagnostics, *, strict: bool = False) -> None:
    """Loud warning (rich, stderr) when ``diag`` fails; :class:`ConvergenceError` if ``strict``."""
    if diag.ok:
        return
    text = f"{name}: " + "; ".join(diag.messages)
    _console.print(f"[bold yellow]WARNING — diagnostics failed[/bold yellow] {text}",
                   highlight=False)
    if strict:
        raise ConvergenceError(text)


# --------------------------------------------------------------------------------------------
# sampling backends
# --------------------------------------------------------------------------------------------
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COMPILED_BY_KEY: dict[str, Any] = {}
_MAX_COMPILED = 8


def _shared_values(model) -> dict[str, np.ndarray]:
    return {v.name: np.asarray(v.get_value()) for v in model.data_vars}


def _compiled_nutpie(model, compile_key: str | None):
    import nutpie

    compiled = _COMPILED.get(model)
    if compiled is None and compile_key is not None:
        compiled = _COMPILED_BY_KEY.get(compile_key)
    if compiled is None:
        compiled = nutpie.compile_pymc_model(model, backend="numba")
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


# --------------------------------------------------------------------------------------------
# saving / loading
# --------------------------------------------------------------------------------------------
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
    from .artifacts import package_versions

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


def fit(
    model,
    config: SamplerConfig,
    *,
    name: str,
    cache_dir: str | Path | None = None,
    cache_key: str | None = None,
    provenance: str | None = None,
    strict: bool = False,
    compile_key: str | None = None,
) -> FitResult:
    """Sample ``model`` with ``config``, gate on diagnostics, and cache the fit as netCDF.

    Parameters
    ----------
    model : pymc.Model
        The model (built by a ``models.*`` class; no sampling happened there).
    config : SamplerConfig
        Sampler, budgets and seed. Only ``progressbar`` does not enter the cache key.
    name : str
        Model name; the file is ``<cache_dir>/<name>.nc``.
    cache_dir : path, optional
        Where to save / look for the fit. ``None``: no caching.
    cache_key : str, optional
        Hash of the data and model specification (see :func:`hash_inputs`); combined with the
        config and ``name`` into the stored key. A saved fit is reused only if its key matches.
    provenance : str, optional
        The trial's provenance label, stored in the file's attributes.
    strict : bool
        Raise :class:`~bayes_iris.errors.ConvergenceError` when diagnostics fail (the fit is
        saved first, so a rerun does not resample).
    compile_key : str, optional
        Structure hash: models with the same key reuse one compiled nutpie model (see
        :func:`sample_posterior`). Leave ``None`` unless the builder guarantees it.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("mu", 0, 1)
    >>> r = fit(m, SamplerConfig(seed=1, draws=200, tune=200, progressbar=False), name="toy")
    >>> abs(float(r.idata.posterior["mu"].mean())) < 0.3
    True
    """
    key = hash_inputs(name, cache_key, config.cache_dict())
    path = Path(cache_dir) / f"{name}.nc" if cache_dir is not None else None
    if path is not None:
        cached = load_fit(path)
        if cached is not None and cached.attrs.get("cache_key") == key and (
            "posterior" in cached.children
        ):
            diag = diagnose(cached)
            warn_diagnostics(name, diag, strict=strict)
            return FitResult(name, cached, diag, config, key, path, from_cache=True)
    t0 = time.time()
    idata = sample_posterior(model, config, compile_key=compile_key)
    seconds = time.time() - t0
    diag = diagnose(idata)
    idata.attrs.update(_attrs(name, key, config, provenance, diag))
    if path is not None:
        _save(idata, path)
    warn_diagnostics(name, diag, strict=strict)
    return FitResult(name, idata, diag, config, key, path, from_cache=False, seconds=seconds)
