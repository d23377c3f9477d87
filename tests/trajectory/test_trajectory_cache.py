"""``bayes-iris fit`` and the pipeline's trajectory step share one fit cache (issue #11).

Before, the command line and the step named the same file with different sampler settings and
keys: after ``bayes-iris fit`` the next ``make report`` silently refitted, and the next fit refitted
again. Here: ``bayes-iris fit --fast`` then the step's ``analysis.run(fast=True)`` on the same
results folder must not sample that model again (``pymc.testing.mock_sample`` stands in for MCMC;
a call counter says what was sampled). The pipeline-level version (the step is skipped as cached
after ``bayes-iris fit``) runs real fits and is in the slow tier below.
"""

from __future__ import annotations

import json

import pymc as pm
import pytest
from pymc.testing import mock_sample

from bayes_iris.cli import main
from bayes_iris.data import load_bundled
from bayes_iris.trajectory import analysis

pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")


@pytest.fixture
def sampled(monkeypatch):
    """Replace MCMC by prior draws and record the names of the models that were sampled."""
    names: list[str] = []

    def counting(*args, model=None, **kwargs):
        names.append(",".join(sorted(model.coords["marker"])) + f":{len(model.free_RVs)}")
        kwargs.pop("nuts", None)
        kwargs.pop("mp_ctx", None)
        return mock_sample(*args, model=model, **kwargs)

    counting.__name__ = "mock_sample"
    monkeypatch.setattr(pm, "sample", counting)
    return names


def test_cli_fit_then_step_reuses_the_fit(tmp_path, sampled):
    results = tmp_path / "results"
    assert main(["fit", "--fast", "--results", str(results), "--seed", "3"]) == 0
    assert len(sampled) == 1
    fit_files = sorted((results / "fits").glob("alc_piecewise_default-*.nc"))
    assert len(fit_files) == 1
    stamp = fit_files[0].stat().st_mtime_ns

    res = analysis.run(load_bundled(), seed=3, fast=True, fits_dir=results / "fits")
    assert res.fits["alc_piecewise_default"].from_cache
    assert res.fits["alc_piecewise_default"].path == fit_files[0]
    assert fit_files[0].stat().st_mtime_ns == stamp  # not rewritten
    # the step sampled only its other models: 3 prior sets + the joint model
    assert len(sampled) == 1 + 4
    assert sorted((results / "fits").glob("alc_piecewise_default-*.nc")) == fit_files

    # and the other way round: the command line now reuses the step's joint fit
    assert main(["fit", "--fast", "--model", "joint", "--results", str(results),
                 "--seed", "3"]) == 0
    assert len(sampled) == 5


@pytest.mark.slow
def test_pipeline_step_stays_cached_after_cli_fit(tmp_path):
    """``make report``-level: run the trajectory step, then ``bayes-iris fit``, then the step
    again: it is skipped as cached (the fit file it recorded is untouched)."""
    from bayes_iris.pipeline import run_pipeline

    results = tmp_path / "results"
    first = run_pipeline(None, results, fast=True, steps=["02"], progress=False)
    assert [s.status for s in first.steps] in (["ok"], ["warning"])
    assert main(["fit", "--fast", "--results", str(results)]) == 0
    again = run_pipeline(None, results, fast=True, steps=["02"], progress=False)
    assert [s.status for s in again.steps] == ["cached"]
    ledger = json.loads((results / "pipeline.json").read_text())
    assert ledger["steps"]["02_trajectories"]["cached"] is True
