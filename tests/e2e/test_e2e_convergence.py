"""Convergence failures are flagged, loudly, and ``strict`` turns them into errors.

Through the Python API (``bayes_iris.inference.fit``) on a deliberately ill-posed toy model — a
non-identifiable sum ``a + b`` sampled with a tiny budget. The end-to-end view (manifest status
"warning", console message, warning box in the report, ``run --strict`` exit 3) is in
``test_e2e_hostile_run.py``; a fresh ``--strict`` script run is in the slow tier here.

Missing hook (reported): neither the CLI nor the analysis scripts can set a sampling budget
(``--draws``/``--tune``), so the end-to-end tests shrink it with a test-only ``sitecustomize``
(``netguard/sitecustomize.py``, ``HARDENING_TINY_BUDGET``).
"""

from __future__ import annotations

import json

import e2e_helpers as H
import numpy as np
import pytest

from bayes_iris.errors import ConvergenceError

_MODEL: dict = {}


def _ill_posed():
    """``y ~ N(a + b, 1)``: only the sum is identified; a and b wander along a ridge."""
    if "m" not in _MODEL:
        import pymc as pm

        with pm.Model() as m:
            a = pm.Normal("a", 0.0, 100.0)
            b = pm.Normal("b", 0.0, 100.0)
            pm.Normal("y", a + b, 1.0, observed=np.array([0.5, 1.0, 1.5]))
        _MODEL["m"] = m
    return _MODEL["m"]


def _tiny(seed: int = 3):
    from bayes_iris.inference import SamplerConfig

    return SamplerConfig(seed=seed, draws=25, tune=15, chains=2, cores=1, progressbar=False,
                         log_likelihood=False)


def test_ill_posed_fit_is_flagged_loudly(tmp_path, capsys):
    from bayes_iris.inference import diagnostics_table, fit

    res = fit(_ill_posed(), _tiny(), name="ridge", cache_dir=tmp_path)
    assert res.path.name.startswith("ridge-")
    d = res.diagnostics
    assert not d.ok and d.status == "warning"
    assert any("ESS" in m for m in d.messages), d.messages
    err = capsys.readouterr().err
    assert "WARNING" in err and "diagnostics failed" in err and "ridge" in err
    row = diagnostics_table([("ridge", d)]).iloc[0]
    assert row["status"] == "warning" and "ESS" in row["messages"]
    # the saved fit carries its (failed) diagnostics
    from bayes_iris.inference import load_fit

    saved = json.loads(load_fit(res.path).attrs["diagnostics"])
    assert saved["status"] == "warning"


def test_strict_raises_after_saving(tmp_path):
    from bayes_iris.inference import fit

    with pytest.raises(ConvergenceError, match="ridge_strict"):
        fit(_ill_posed(), _tiny(4), name="ridge_strict", cache_dir=tmp_path, strict=True)
    # saved first: a rerun does not resample
    assert len(list(tmp_path.glob("ridge_strict-*.nc"))) == 1
    res = fit(_ill_posed(), _tiny(4), name="ridge_strict", cache_dir=tmp_path)
    assert res.from_cache and not res.diagnostics.ok
    with pytest.raises(ConvergenceError):  # the cached fit is judged again under strict
        fit(_ill_posed(), _tiny(4), name="ridge_strict", cache_dir=tmp_path, strict=True)


def test_corrupt_or_foreign_cache_is_recomputed(tmp_path):
    """A truncated netCDF, or one with another cache key, is a cache miss, never used."""
    from bayes_iris.inference import fit

    first = fit(_ill_posed(), _tiny(5), name="ridge_cache", cache_dir=tmp_path)
    path = first.path
    again = fit(_ill_posed(), _tiny(5), name="ridge_cache", cache_dir=tmp_path)
    assert again.from_cache
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    redo = fit(_ill_posed(), _tiny(5), name="ridge_cache", cache_dir=tmp_path)
    assert not redo.from_cache
    np.testing.assert_array_equal(redo.idata["posterior"]["a"].values,
                                  first.idata["posterior"]["a"].values)
    other = fit(_ill_posed(), _tiny(6), name="ridge_cache", cache_dir=tmp_path)
    assert not other.from_cache  # another seed: another key


@pytest.mark.slow
def test_strict_script_exits_3_on_fresh_failed_fit(tmp_path):
    results = tmp_path / "results"
    proc = H.run_proc([H.PYTHON, H.ANALYSES / "03_adverse_events.py", "--fast", "--strict",
                       "--results", results], timeout=1800, PYTHONPATH=str(H.NETGUARD),
                      HARDENING_TINY_BUDGET="adverse_events")
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "diagnostics failed" in (proc.stdout + proc.stderr).lower()
    manifest = results / "manifest.json"
    steps = json.loads(manifest.read_text()).get("steps", {}) if manifest.exists() else {}
    assert steps.get("adverse_events", {}).get("status") != "ok"
