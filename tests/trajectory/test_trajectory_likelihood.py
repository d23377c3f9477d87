"""The gathered (sparse) trajectory likelihood equals the dense ``W @ theta`` one it replaced.

``TrajectoryModel.build`` computes each row's mean as ``sum_k theta[index[i, k]] * weight[i, k]``
(cost linear in patients; :mod:`bayes_iris.trajectory.design`). This module keeps an independent
reference: the dense design matrix of model version 3 (one column per fixed effect, patient
effect, site effect and spline coefficient) and the Student-t / left-censored likelihood written
with scipy. At random
parameter points the model's log-density must equal the prior terms plus that reference
likelihood — same parameters, same posterior.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from bayes_iris.data import simulate_trial
from bayes_iris.data.trial import ramp_bases
from bayes_iris.trajectory import TrajectoryModel
from bayes_iris.trajectory.basis import spline_deviation_basis

# PyTensor's C backend is not used (FAST_COMPILE: the Python implementations, no compile cost);
# it may still warn once that this install has no BLAS.
pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")


def dense_design(tm: TrajectoryModel) -> np.ndarray:
    """Model version 3's design: ``mu = W @ concat(fixed, vec(E), vec(U)[, w])``."""
    f = tm.obs.frame
    n_m, n_p, n_s = len(tm.markers), len(tm.obs.patients), len(tm.obs.sites)
    n = len(f)
    rows = np.arange(n)
    mk = f["marker"].to_numpy()
    pat = f["patient"].to_numpy()
    site = f["site"].to_numpy()
    cyt = f["cyt107"].to_numpy(dtype=float)
    sign = f["regimen_sign"].to_numpy(dtype=float)
    r1, r2 = ramp_bases(f["study_day"].to_numpy(), tm.obs.dosing_end_day)
    fixed = np.zeros((n, 7 * n_m))
    for k, col in enumerate((np.ones(n), r1, r2, cyt * r1, cyt * r2, sign * r1, sign * r2)):
        fixed[rows, k * n_m + mk] = col
    patient = np.zeros((n, n_p * 2 * n_m))
    patient[rows, pat * 2 * n_m + 2 * mk] = 1.0
    patient[rows, pat * 2 * n_m + 2 * mk + 1] = r1
    sites = np.zeros((n, n_m * n_s))
    sites[rows, mk * n_s + site] = 1.0
    blocks = [fixed, patient, sites]
    if tm.shape == "spline":
        zb = spline_deviation_basis(f["study_day"].to_numpy(dtype=float), tm.knots,
                                    tm.obs.dosing_end_day)
        nb = zb.shape[1]
        spline = np.zeros((n, 2 * n_m * nb))
        for j in range(nb):
            spline[rows, mk * nb + j] = zb[:, j]
            spline[rows, (n_m + mk) * nb + j] = cyt * zb[:, j]
        blocks.append(spline)
    return np.hstack(blocks)


def _values(model, point) -> dict[str, np.ndarray]:
    """Constrained values of every free variable and deterministic at an unconstrained point."""
    outs = model.unobserved_value_vars
    fn = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore",
                          point_fn=False, mode="FAST_COMPILE")
    return dict(zip([o.name for o in outs], fn(*[point[v.name] for v in model.value_vars]),
                    strict=True))


def _theta(tm: TrajectoryModel, v: dict[str, np.ndarray]) -> np.ndarray:
    s, r = v["chol_patient_stds"], v["chol_patient_corr"]
    chol = np.linalg.cholesky(s[:, None] * r * s[None, :])
    eff = v["z_patient"] @ chol.T
    u = v["z_site"] * v["sd_site"][:, None]
    parts = [v[k] for k in ("intercept", "natural_ramp", "natural_post", "effect", "effect_post",
                            "regimen_ramp", "regimen_post")]
    parts += [eff.ravel(), u.ravel()]
    if tm.shape == "spline":
        lam = v["spline_sd"]
        parts += [(v["z_spline_natural"] * lam[:, 0][:, None]).ravel(),
                  (v["z_spline_effect"] * lam[:, 1][:, None]).ravel()]
    return np.concatenate(parts)


def reference_loglik(tm: TrajectoryModel, v: dict[str, np.ndarray]) -> float:
    """Student-t log-density of the observed rows + log-CDF of the rows below detection."""
    f = tm.obs.frame
    mu = dense_design(tm) @ _theta(tm, v)
    sigma = v["sigma"][f["marker"].to_numpy()]
    nu = float(v["nu"])
    y = f["y"].to_numpy()
    cens = f["censored"].to_numpy()
    out = stats.t.logpdf(y[~cens], nu, loc=mu[~cens], scale=sigma[~cens]).sum()
    lower = f["lower"].to_numpy()
    assert np.all(y[cens] <= lower[cens])  # censored rows sit at their bound
    return float(out + stats.t.logcdf(lower[cens], nu, loc=mu[cens], scale=sigma[cens]).sum())


@pytest.fixture(scope="module")
def censored_trial():
    """A small synthetic trial whose three lowest values of each marker are flagged below
    detection (so the censored term is exercised for every marker)."""
    data = simulate_trial(14, n_cyt107=12, n_placebo=7).data
    labs = data.labs.copy()
    for marker in ("alc", "cd4", "cd8"):
        low = labs[marker].nsmallest(3).index
        labs[f"{marker}_bdl"] = labs[f"{marker}_bdl"].astype("boolean")
        labs.loc[low, f"{marker}_bdl"] = True
    return dataclasses.replace(data, labs=labs)


@pytest.mark.parametrize("markers,shape", [(("alc",), "piecewise"), (("alc",), "spline"),
                                           (("alc", "cd4", "cd8"), "piecewise")])
def test_gathered_logp_equals_dense_reference(censored_trial, markers, shape):
    tm = TrajectoryModel(censored_trial, markers=markers, shape=shape)
    assert tm.obs.frame["censored"].any()
    model = tm.build()
    logp = model.compile_logp(mode="FAST_COMPILE")
    prior = model.compile_logp(vars=model.free_RVs, mode="FAST_COMPILE")
    rng = np.random.Generator(np.random.PCG64(7))
    start = model.initial_point()
    for _ in range(3):
        point = {k: x + rng.normal(scale=0.4, size=np.shape(x)) for k, x in start.items()}
        v = _values(model, point)
        want = prior(point) + reference_loglik(tm, v)
        got = logp(point)
        assert np.isfinite(got)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-8)


def test_sparse_design_is_the_dense_design(sim1):
    """Row by row, the gathered terms rebuild version 3's dense design matrix exactly."""
    for markers, shape in ((("alc",), "spline"), (("alc", "cd4", "cd8"), "piecewise")):
        tm = TrajectoryModel(sim1.data, markers=markers, shape=shape)
        d = tm.design()
        w = np.zeros((len(tm.obs.frame), int(d["n_theta"])))
        np.add.at(w, (np.arange(len(w))[:, None].repeat(d["index"].shape[1], 1), d["index"]),
                  d["weight"])
        np.testing.assert_array_equal(w, dense_design(tm))
