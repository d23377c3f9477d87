"""Trajectory model: priors, structure, censoring, effects plumbing (mock_sample, no MCMC)."""

import math

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pymc.testing import mock_sample

from bayes_iris.data import SyntheticParams, simulate_trial
from bayes_iris.errors import InputError
from bayes_iris.inference import SamplerConfig, fit
from bayes_iris.trajectory import TrajectoryModel, effects, prior_predictive
from bayes_iris.trajectory.priors import SKEPTICAL_SD, resolve_priors, statement

# PyTensor's C backend (used for initial points and mock sampling) warns once that this pip
# install has no BLAS; harmless to the numbers (sampling uses numba), so ignore exactly that.
pytestmark = pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS:UserWarning")


def test_prior_sets_state_what_they_claim():
    sk = statement(resolve_priors("skeptical"))
    assert sk["mu"] == 0 and abs(sk["p_gt_2"] - 0.05) < 1e-9
    assert abs(SKEPTICAL_SD - math.log(2) / 1.6448536) < 1e-6
    en = statement(resolve_priors("enthusiastic"))
    assert abs(en["mu"] - math.log(3.5)) < 1e-12 and abs((1 - en["p_gt_1"]) - 0.05) < 1e-9
    # merge order: default <- named set <- overrides
    p = resolve_priors("skeptical", {"effect": {"mu": 0.1}})
    assert p["effect"]["mu"] == 0.1 and p["effect"]["sigma"] == SKEPTICAL_SD
    assert p["sigma"] == resolve_priors()["sigma"]
    with pytest.raises(InputError):
        resolve_priors("optimistic")
    with pytest.raises(InputError):
        resolve_priors({"effect": {"scale": 1.0}})
    with pytest.raises(InputError):
        resolve_priors({"sigma": {"sigma": -1.0}})


def test_model_reads_schedule_and_uses_named_dims(sim1):
    tm = TrajectoryModel(sim1.data, markers=("alc", "cd4", "cd8"))
    m = tm.build()
    assert list(m.coords["day"]) == list(sim1.data.meta.visit_schedule)
    for dim in ("patient", "obs", "day", "arm", "regimen", "site", "marker"):
        assert dim in m.coords
    assert len(m.coords["patient"]) == sim1.data.n_patients
    # one modelled row per non-missing value
    n_values = int(sim1.data.labs[["alc", "cd4", "cd8"]].notna().sum().sum())
    assert len(m.coords["obs"]) == n_values
    assert {"mu_day", "chol_patient_corr", "chol_patient_stds"} <= set(m.named_vars)
    with pytest.raises(InputError):
        TrajectoryModel(sim1.data, markers=("il7",))
    with pytest.raises(InputError):
        TrajectoryModel(sim1.data, shape="cubic")


def test_structure_key_ignores_priors_but_not_shape(sim1):
    tm = TrajectoryModel(sim1.data)
    assert tm.structure_key() == tm.with_priors("vague").structure_key()
    assert tm.cache_key() != tm.with_priors("vague").cache_key()
    assert tm.structure_key() != TrajectoryModel(sim1.data, shape="spline").structure_key()


def test_prior_predictive_is_clinically_plausible(sim1):
    t = prior_predictive(TrajectoryModel(sim1.data), seed=1, draws=400)
    pl = t.query("marker == 'alc' and group == 'placebo'").iloc[0]
    # typical day-29 ALC on placebo: median in the lymphopenic-to-normal range, 95 % within
    # 20-20000 cells/mm3 (not absurd), ratio to placebo centred on 1 under the default prior
    assert 200 < pl["q50"] < 1500
    assert pl["q2.5"] > 20 and pl["q97.5"] < 20000
    cyt = t.query("marker == 'alc' and group == 'cyt107'").iloc[0]
    assert 0.7 < cyt["ratio_q50"] < 1.4


def _censored_trial(seed: int, limit: float):
    params = SyntheticParams(detection_limit={"alc": limit, "cd4": 20.0, "cd8": 20.0})
    return simulate_trial(seed, params)


def test_censored_likelihood_moves_the_estimate_down():
    """Values below detection, treated as censored, pull the baseline estimate below the naive
    one that takes the detection limit as an exact value (profile of the model's log density)."""
    sim = _censored_trial(3, limit=400.0)
    # baseline draws only: the intercept is then the typical baseline log ALC
    labs = sim.data.labs[sim.data.labs["study_day"] == 0].reset_index(drop=True)
    assert labs["alc_bdl"].sum() >= 5

    def with_labs(frame):
        return type(sim.data)(sim.data.meta, sim.data.patients, frame,
                              sim.data.adverse_events, sim.data.outcomes)

    censored_data, naive_data = with_labs(labs), with_labs(labs.assign(alc_bdl=False))
    grid = np.linspace(math.log(100), math.log(900), 201)

    def profile(data):
        m = TrajectoryModel(data).build()
        logp = m.compile_logp(mode="NUMBA")
        point = m.initial_point()
        values = []
        for g in grid:
            point["intercept"] = np.array([g])
            values.append(float(logp(point)))
        return grid[int(np.argmax(values))]

    cens, nv = profile(censored_data), profile(naive_data)
    # the censored values lie somewhere below 400: the profile maximum must move down
    assert cens < nv - 0.05
    # and the naive estimate is the mean log of the data with censored values set to the limit
    y = np.log(labs["alc"].to_numpy())
    assert nv == pytest.approx(y.mean(), abs=0.05)


@pytest.fixture
def mocked_sample(monkeypatch):
    monkeypatch.setattr(pm, "sample", mock_sample)


def test_effects_plumbing_with_mock_sample(sim1, mocked_sample):
    tm = TrajectoryModel(sim1.data, markers=("alc", "cd4"))
    cfg = SamplerConfig(seed=1, sampler="pymc", draws=50, tune=10, progressbar=False,
                        log_likelihood=False)
    r = fit(tm, cfg)
    res = effects.summarise(r, tm, seed=1)
    t = res.effects
    assert list(t.columns) == effects.EFFECT_COLUMNS
    assert set(t["quantity"]) == {"ratio", "fold_from_baseline", "p_above_900",
                                  "regimen_contrast"}
    assert set(t.loc[t.quantity == "p_above_900", "marker"]) == {"alc"}
    days = list(sim1.data.meta.visit_schedule)
    assert sorted(t.loc[t.quantity == "ratio", "day"].unique()) == days
    # ratio at day 0 is exactly 1 (common baseline) and folds from baseline at day 0 are 1
    assert np.allclose(t.loc[(t.quantity != "p_above_900") & (t.day == 0)
                             & (t.quantity != "regimen_contrast"), "median"], 1.0)
    # the ratio is the exponential of the log draws, and probabilities are in [0, 1]
    r29 = t[(t.quantity == "ratio") & (t.day == 29) & (t.marker == "alc")].iloc[0]
    logs = res.draws["log_ratio"].sel(marker="alc", day=29).values
    assert r29["median"] == pytest.approx(float(np.median(np.exp(logs))))
    assert r29["p_gt_2"] == pytest.approx(float(np.mean(logs > math.log(2))))
    p = t.loc[t.quantity == "p_above_900", ["median", "lower95", "upper95"]]
    assert ((p >= 0) & (p <= 1)).all().all()
    d = effects.design_inputs(r, tm, seed=1)
    assert list(d.columns) == effects.DESIGN_INPUTS_COLUMNS and len(d) == 1
    assert d["day"].iloc[0] == 29 and d["log_ratio_mean"].iloc[0] == pytest.approx(
        float(logs.mean()))
    sens = effects.prior_sensitivity([("default", tm.priors, res)])
    assert sens["prior_set"].tolist() == ["default"]


def test_new_patient_simulation_matches_analytic_variance(sim1, mocked_sample):
    """Monte-Carlo new-patient log ALC: its variance equals the analytic sum of components,
    a new site contributing tau^2 (1 + 1/S) (zero-sum site effects: the observed sites' mean sits
    in the intercept), and the design inputs' per-patient SD is the same number."""
    tm = TrajectoryModel(sim1.data)
    cfg = SamplerConfig(seed=2, sampler="pymc", draws=20, tune=10, progressbar=False,
                        log_likelihood=False)
    r = fit(tm, cfg)
    post = r.idata["posterior"]
    # pin the variance components: nu large (residual variance finite, close to sigma^2) and a
    # site SD that dominates, so the new site's variance is measured sharply
    r.idata["posterior"]["nu"] = post["nu"] * 0 + 200.0
    r.idata["posterior"]["sd_site"] = post["sd_site"] * 0 + 1.0
    r.idata["posterior"]["sigma"] = post["sigma"] * 0 + 0.1
    r.idata["posterior"]["chol_patient_stds"] = post["chol_patient_stds"] * 0 + [0.3, 0.2]
    post = r.idata["posterior"]
    sims = effects.new_patient_log_counts(r, tm, "alc", "placebo", seed=3, n_per_draw=20000)
    j = list(post["day"].values).index(29)
    r1 = min(29, tm.obs.dosing_end_day) / tm.obs.dosing_end_day
    rho = float(post["chol_patient_corr"].isel(chain=0, draw=0).values[0, 1])
    n_sites = len(tm.obs.sites)
    var = (0.3**2 + (r1 * 0.2) ** 2 + 2 * r1 * rho * 0.3 * 0.2 + 1.0 * (1 + 1 / n_sites)
           + 0.1**2 * 200 / 198)
    emp = sims[0, :, j].var()
    # Monte Carlo SE of a variance from 20000 normal-ish draws ~ 1 %; leaving out 1/S would be
    # off by ~ 15 %
    assert emp == pytest.approx(var, rel=0.04)
    mean = float(post["mu_day"].isel(chain=0, draw=0).sel(marker="alc", group="placebo",
                                                          day=29))
    assert abs(sims[0, :, j].mean() - mean) < 4 * math.sqrt(var / 20000)
    d = effects.design_inputs(r, tm, seed=1)
    rhos = post["chol_patient_corr"].values[..., 0, 1]
    want = np.sqrt(0.3**2 + (r1 * 0.2) ** 2 + 2 * r1 * rhos * 0.3 * 0.2 + 1.0 * (1 + 1 / n_sites)
                   + 0.1**2 * 200 / 198).mean()
    assert d["sd_patient_log_alc_day29"].iloc[0] == pytest.approx(want, rel=1e-12)


def test_new_site_variance_factor():
    """tau^2 (1 + 1/S): the new site's deviation from the observed sites' mean; S >= 1."""
    assert effects.new_site_variance_factor(1) == 2.0
    assert effects.new_site_variance_factor(4) == 1.25
    with pytest.raises(ValueError):
        effects.new_site_variance_factor(0)


def test_labs_without_values_are_rejected(sim1):
    labs = sim1.data.labs.copy()
    labs.loc[3, "alc"] = 0.0
    bad = type(sim1.data)(sim1.data.meta, sim1.data.patients, labs, sim1.data.adverse_events,
                          sim1.data.outcomes)
    with pytest.raises(InputError) as err:
        TrajectoryModel(bad)
    assert err.value.problems[0].row == 5 and err.value.problems[0].column == "alc"
    assert isinstance(pd.DataFrame(), pd.DataFrame)


def _curve_fn(model):
    """mu_day as a function of a point of the model's value variables."""
    import pytensor

    out = model.replace_rvs_by_values([model["mu_day"]])[0]
    fn = pytensor.function(model.value_vars, out, mode="NUMBA", on_unused_input="ignore")
    return lambda point: fn(*[point[v.name] for v in model.value_vars])


def test_spline_shape_builds_and_nests_piecewise(sim1):
    """The spline deviations vanish at day 0 and at the end of dosing, and with them at zero the
    spline model's typical-patient curves equal the piecewise model's."""
    from bayes_iris.trajectory.basis import spline_deviation_basis

    sp = TrajectoryModel(sim1.data, markers=("alc", "cd4"), shape="spline")
    z = spline_deviation_basis(np.array([0.0, 28.0]), sp.knots, 28)
    assert np.allclose(z, 0.0)
    m = sp.build()
    point = m.initial_point()
    assert np.isfinite(m.compile_logp(mode="NUMBA")(point))
    pw = TrajectoryModel(sim1.data, markers=("alc", "cd4")).build()
    f_sp, f_pw = _curve_fn(m), _curve_fn(pw)
    shared = {k: v for k, v in point.items() if k in pw.initial_point()}
    shared["effect"] = np.array([1.0, 0.8])
    sp_point = {**point, **shared, "z_spline_natural": np.zeros_like(point["z_spline_natural"]),
                "z_spline_effect": np.zeros_like(point["z_spline_effect"])}
    np.testing.assert_allclose(f_sp(sp_point), f_pw(shared))
    # non-zero deviations change the curve between the knots but not at day 0 or day D
    sp_point["z_spline_effect"] = np.ones_like(point["z_spline_effect"])
    diff = f_sp(sp_point) - f_pw(shared)
    days = list(m.coords["day"])
    assert np.allclose(diff[:, :, days.index(0)], 0.0)
    assert np.abs(diff).max() > 1e-3


@pytest.mark.parametrize("markers,shape", [(("alc",), "piecewise"),
                                           (("alc", "cd4", "cd8"), "spline")])
def test_design_matrix_gives_the_documented_mean(sim1, markers, shape):
    """The gathered mean ``sum_k theta[index] * weight`` (the compiled form) equals the module
    docstring's mean, term by term, for random parameter values."""
    from bayes_iris.data.trial import ramp_bases
    from bayes_iris.trajectory.basis import spline_deviation_basis

    tm = TrajectoryModel(sim1.data, markers=markers, shape=shape)
    f = tm.obs.frame
    rng = np.random.default_rng(3)
    n_m, n_p, n_s = len(markers), len(tm.obs.patients), len(tm.obs.sites)
    fixed = {k: rng.normal(size=n_m) for k in ("alpha", "g1", "g2", "b1", "b2", "d1", "d2")}
    eff = rng.normal(size=(n_p, 2 * n_m))
    u = rng.normal(size=(n_m, n_s))
    parts = [*fixed.values(), eff.ravel(), u.ravel()]
    nb = spline_deviation_basis(np.array([1.0]), tm.knots, tm.obs.dosing_end_day).shape[1]
    w_nat, w_eff = rng.normal(size=(n_m, nb)), rng.normal(size=(n_m, nb))
    if shape == "spline":
        parts += [w_nat.ravel(), w_eff.ravel()]
    theta = np.concatenate(parts)
    d = tm.design()
    assert int(d["n_theta"]) == theta.size
    mu_design = (theta[d["index"]] * d["weight"]).sum(axis=1)

    mk, pat, site = f["marker"].to_numpy(), f["patient"].to_numpy(), f["site"].to_numpy()
    cyt, sign = f["cyt107"].to_numpy(), f["regimen_sign"].to_numpy()
    r1, r2 = ramp_bases(f["study_day"].to_numpy(), tm.obs.dosing_end_day)
    mu = (fixed["alpha"][mk] + eff[pat, 2 * mk] + u[mk, site]
          + (fixed["g1"][mk] + cyt * fixed["b1"][mk] + sign * fixed["d1"][mk]
             + eff[pat, 2 * mk + 1]) * r1
          + (fixed["g2"][mk] + cyt * fixed["b2"][mk] + sign * fixed["d2"][mk]) * r2)
    if shape == "spline":
        zb = spline_deviation_basis(f["study_day"].to_numpy(dtype=float), tm.knots,
                                    tm.obs.dosing_end_day)
        mu = mu + (zb * (w_nat[mk] + cyt[:, None] * w_eff[mk])).sum(axis=1)
    np.testing.assert_allclose(mu_design, mu, rtol=1e-12, atol=1e-12)
    assert tm.design()["onehot"][np.arange(len(f)), mk].all()
