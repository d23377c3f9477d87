"""bayes_iris.inference: config and sampler policy, the diagnostics gate, the fit cache."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from pydantic import ValidationError

from bayes_iris import seeds
from bayes_iris.errors import ConvergenceError
from bayes_iris.fingerprints import hash_inputs
from bayes_iris.inference import (
    DIAGNOSTICS_COLUMNS,
    BuiltModel,
    SamplerConfig,
    diagnose,
    diagnostics_table,
    fit,
    fit_path,
    load_fit,
    warn_diagnostics,
)


def _tree(post: np.ndarray, diverging: np.ndarray | None = None) -> xr.DataTree:
    groups = {"posterior": xr.Dataset({"mu": (("chain", "draw"), post)})}
    if diverging is not None:
        rng = np.random.default_rng(1)
        groups["sample_stats"] = xr.Dataset({
            "diverging": (("chain", "draw"), diverging),
            "energy": (("chain", "draw"), rng.normal(size=post.shape)),
        })
    return xr.DataTree.from_dict(groups)


def test_config_forbids_unknown_fields_and_bad_values():
    with pytest.raises(ValidationError):
        SamplerConfig(seed=1, warmup=10)
    with pytest.raises(ValidationError):
        SamplerConfig(seed=1, sampler="stan")
    with pytest.raises(ValidationError):
        SamplerConfig(seed=1, target_accept=1.5)
    assert SamplerConfig(seed=1).chains == 4 and SamplerConfig(seed=1).cores == 2


def test_hash_is_stable_and_sensitive():
    a = hash_inputs(pd.DataFrame({"x": [1.0, 2.0]}), {"k": 1}, SamplerConfig(seed=1))
    assert a == hash_inputs(pd.DataFrame({"x": [1.0, 2.0]}), {"k": 1}, SamplerConfig(seed=1))
    assert a != hash_inputs(pd.DataFrame({"x": [1.0, 2.5]}), {"k": 1}, SamplerConfig(seed=1))
    assert a != hash_inputs(pd.DataFrame({"x": [1.0, 2.0]}), {"k": 1}, SamplerConfig(seed=2))
    # progress bars do not change the numbers, so they do not change the key
    assert SamplerConfig(seed=1).cache_dict() == SamplerConfig(
        seed=1, progressbar=False).cache_dict()


def test_diagnose_passes_good_chains_and_flags_bad_ones():
    rng = np.random.default_rng(0)
    good = diagnose(_tree(rng.normal(size=(4, 1000)), np.zeros((4, 1000), bool)))
    assert good.ok and good.max_rhat < 1.01 and good.min_ess_bulk > 400
    # chains stuck at different places: R-hat far above 1.01
    stuck = rng.normal(size=(4, 1000)) + np.arange(4)[:, None] * 3
    div = np.zeros((4, 1000), bool)
    div[0, :3] = True
    bad = diagnose(_tree(stuck, div))
    assert not bad.ok and bad.max_rhat > 1.1 and bad.divergences == 3
    assert any("R-hat" in m for m in bad.messages)
    assert any("divergent" in m for m in bad.messages)
    # strongly autocorrelated chains: low ESS
    walk = np.cumsum(rng.normal(size=(4, 1000)), axis=1)
    assert any("ESS" in m for m in diagnose(_tree(walk)).messages)
    with pytest.raises(ConvergenceError):
        warn_diagnostics("bad", bad, strict=True)
    table = diagnostics_table([("good", good), ("bad", bad)])
    assert list(table.columns) == DIAGNOSTICS_COLUMNS
    assert table["status"].tolist() == ["ok", "warning"]


@pytest.fixture(scope="module")
def toy_model():
    with pm.Model() as m:
        s = pm.Data("prior_sd", 10.0)
        mu = pm.Normal("mu", 0.0, s)
        pm.Normal("y", mu, 1.0, observed=np.array([0.5, 1.0, 1.5, 2.0]))
    return m


def test_fit_recovers_conjugate_posterior_and_caches(tmp_path, toy_model):
    cfg = SamplerConfig(seed=3, draws=1000, tune=500, progressbar=False)
    r = fit(BuiltModel(toy_model, "toy", key="k1"), cfg, cache_dir=tmp_path,
            provenance="SYNTHETIC")
    # conjugate normal: posterior mean = sum(y) / (n + 1/s0^2), sd = 1/sqrt(n + 1/s0^2)
    prec = 4 + 1 / 100
    post = r.idata["posterior"]["mu"]
    assert abs(float(post.mean()) - 5.0 / prec) < 4 * (prec**-0.5) / np.sqrt(1000)
    assert abs(float(post.std()) - prec**-0.5) < 0.05
    assert r.diagnostics.ok and not r.from_cache and r.path.is_file()
    assert "log_likelihood" in r.idata.children
    saved = load_fit(r.path)
    assert saved.attrs["model_name"] == "toy" and saved.attrs["provenance"] == "SYNTHETIC"
    assert saved.attrs["seed"] == 3 and "pymc" in saved.attrs["versions"]
    again = fit(BuiltModel(toy_model, "toy", key="k1"), cfg, cache_dir=tmp_path)
    assert again.from_cache
    np.testing.assert_array_equal(again.idata["posterior"]["mu"], post)
    # another key (data or model changed): recomputed, not reused
    other = fit(BuiltModel(toy_model, "toy", key="k2"), cfg, cache_dir=tmp_path)
    assert not other.from_cache


def test_same_seed_same_numbers_and_shared_data_swap(toy_model):
    cfg = SamplerConfig(seed=5, draws=200, tune=200, progressbar=False, log_likelihood=False)
    a = fit(toy_model, cfg, name="toy").idata["posterior"]["mu"].values
    b = fit(toy_model, cfg, name="toy").idata["posterior"]["mu"].values
    np.testing.assert_array_equal(a, b)
    # the compiled model is reused with the new prior value (a tight prior at 0)
    pm.set_data({"prior_sd": 0.01}, model=toy_model)
    try:
        c = fit(toy_model, cfg, name="toy").idata["posterior"]["mu"]
        assert abs(float(c.mean())) < 0.01
    finally:
        pm.set_data({"prior_sd": 10.0}, model=toy_model)


def test_corrupt_cache_is_ignored(tmp_path, toy_model):
    spec = BuiltModel(toy_model, "toy", key="k")
    cfg = SamplerConfig(seed=3, draws=200, tune=200, progressbar=False, log_likelihood=False)
    path = fit_path(spec, cfg, tmp_path)
    path.write_bytes(b"not a netcdf file")
    assert load_fit(path) is None
    r = fit(spec, cfg, cache_dir=tmp_path)
    assert not r.from_cache and r.path == path and load_fit(path) is not None


def test_two_configs_of_one_model_are_two_files(tmp_path, toy_model):
    """Another sampler config never evicts a cached fit: each config has its own file, and
    both are reused afterwards (before, one file per name: each config overwrote the other)."""
    spec = BuiltModel(toy_model, "toy", key="k")
    a_cfg = SamplerConfig(seed=3, draws=200, tune=200, progressbar=False, log_likelihood=False)
    b_cfg = a_cfg.model_copy(update={"target_accept": 0.95})
    a, b = fit(spec, a_cfg, cache_dir=tmp_path), fit(spec, b_cfg, cache_dir=tmp_path)
    assert a.path != b.path and a.path.is_file() and b.path.is_file()
    assert sorted(p.name for p in tmp_path.glob("*.nc")) == sorted([a.path.name, b.path.name])
    assert a.path.name == f"toy-{a.cache_key[:12]}.nc"
    assert fit(spec, a_cfg, cache_dir=tmp_path).from_cache
    assert fit(spec, b_cfg, cache_dir=tmp_path).from_cache


def test_fit_takes_its_name_from_the_spec(toy_model):
    cfg = SamplerConfig(seed=3, draws=10, tune=10, progressbar=False, log_likelihood=False)
    with pytest.raises(TypeError, match="name="):
        fit(toy_model, cfg)
    with pytest.raises(TypeError, match="names itself"):
        fit(BuiltModel(toy_model, "toy"), cfg, name="other")
    with pytest.raises(ValueError, match="safe file name"):
        fit_path(BuiltModel(toy_model, "../toy"), cfg, "fits")


def test_sampler_policy_keeps_the_seed_streams_and_budgets():
    """``for_run`` derives the sampler seed from the named stream — whose key is the stream's
    original name, so the numbers did not change — and the full or fast budget."""
    full = SamplerConfig.for_run(11, stream="trajectory.sampler")
    fast = SamplerConfig.for_run(11, stream="trajectory.sampler", fast=True, draws=None)
    assert full.seed == fast.seed == seeds.int_seed(11, "sampler")
    assert (full.draws, full.tune, fast.draws, fast.tune) == (2000, 1000, 1000, 500)
    ae = SamplerConfig.for_run(11, stream="safety.sampler", tune=7)
    assert ae.seed == seeds.int_seed(11, "ae.sampler") and ae.tune == 7
    assert SamplerConfig.for_run(12, stream="trajectory.sampler").seed != full.seed


def test_samplers_agree_within_mc_error(toy_model):
    """nutpie, PyMC NUTS and numpyro sample the same posterior (conjugate normal)."""
    means = {}
    for sampler in ("nutpie", "pymc", "numpyro"):
        cfg = SamplerConfig(seed=7, sampler=sampler, draws=1000, tune=500, progressbar=False,
                            log_likelihood=False)
        r = fit(toy_model, cfg, name=f"toy_{sampler}")
        assert r.diagnostics.ok, (sampler, r.diagnostics.messages)
        means[sampler] = float(r.idata["posterior"]["mu"].mean())
    sd = (4 + 1 / 100) ** -0.5
    mcse = sd / np.sqrt(1000)  # ESS >= 1000 for this model
    for v in means.values():
        assert abs(v - 5.0 / (4 + 1 / 100)) < 5 * mcse
