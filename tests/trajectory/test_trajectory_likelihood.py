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
    u = v["z_site"] * v["sd_site"][:, None] ** (1.0 - tm.site_centring()[:, None])
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


@pytest.mark.parametrize("weights", [(0.0, 1.0), (0.3, 0.8)])
def test_site_centring_changes_coordinates_not_the_model(censored_trial, weights):
    """For any centring weight w the site effects' prior is ZSN(0, sd_site) (centring.py).

    The same point (sd_site, u) in the coordinates of two weights: the sampled variable is
    ``z = u / sd^(1 - w)`` (linear in z's unconstrained value), so the log-densities differ by the
    change-of-variables term alone, ``(w2 - w1) (S - 1) log sd`` per marker.
    """
    import pymc as pm

    tm = TrajectoryModel(censored_trial, markers=("alc", "cd4", "cd8"))
    model = tm.build()
    logp = model.compile_logp(mode="FAST_COMPILE")
    n_sites = len(tm.obs.sites)
    rng = np.random.Generator(np.random.PCG64(3))
    start = model.initial_point()
    (w1, w2), m = weights, len(tm.markers)
    for _ in range(3):
        point = {k: x + rng.normal(scale=0.5, size=np.shape(x)) for k, x in start.items()}
        with model:
            pm.set_data({"site_centring": np.full(m, w1)})
        sd = _values(model, point)["sd_site"]
        first = logp(point)
        moved = dict(point)
        moved["z_site_zerosum__"] = point["z_site_zerosum__"] * sd[:, None] ** (w2 - w1)
        with model:
            pm.set_data({"site_centring": np.full(m, w2)})
        second = logp(moved)
        np.testing.assert_allclose(first - second, (w2 - w1) * (n_sites - 1) * np.log(sd).sum(),
                                   rtol=1e-9, atol=1e-9)
        # and the sites' effects are the same point
        u1 = _values(model, moved)["z_site"] * sd[:, None] ** (1.0 - w2)
        with model:
            pm.set_data({"site_centring": np.full(m, w1)})
        u0 = _values(model, point)["z_site"] * sd[:, None] ** (1.0 - w1)
        np.testing.assert_allclose(u1, u0, rtol=1e-12)
