"""Berry & Berry AE hierarchy: data preparation, marginalised point mass, recovery, shrinkage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

from bayes_iris.errors import InputError
from bayes_iris.models import adverse_events as AE


def test_incidence_counts_each_patient_once_per_term():
    from bayes_iris.data import simulate_trial

    trial = simulate_trial(3).data
    ae = trial.adverse_events
    first = ae.iloc[[0]]
    doubled = dataclasses.replace(trial, adverse_events=pd.concat([ae, first, first]))
    inc = AE.ae_incidence(doubled).set_index(["soc", "term"])
    ref = AE.ae_incidence(trial).set_index(["soc", "term"])
    key = (first.soc.item(), first.term.item())
    arm = trial.patients.set_index("patient_id").loc[first.patient_id.item(), "arm"]
    assert inc.loc[key, f"n_{arm}"] == ref.loc[key, f"n_{arm}"]          # patients: unchanged
    assert inc.loc[key, f"events_{arm}"] == ref.loc[key, f"events_{arm}"] + 2  # events: +2
    # manual count from the raw table
    merged = ae.merge(trial.patients[["patient_id", "arm"]])
    manual = merged.groupby(["soc", "term", "arm"]).patient_id.nunique()
    for (soc, term), row in ref.iterrows():
        for a in ("placebo", "cyt107"):
            assert row[f"n_{a}"] == manual.get((soc, term, a), 0)
    assert (ref.N_cyt107 == (trial.patients.arm == "cyt107").sum()).all()


def test_incidence_rejects_empty_ae_table():
    from bayes_iris.data import simulate_trial

    trial = simulate_trial(3).data
    empty = dataclasses.replace(trial, adverse_events=trial.adverse_events.iloc[:0])
    with pytest.raises(InputError):
        AE.ae_incidence(empty)


def test_priors_preset_and_overrides():
    p = AE.ae_priors("c212")
    # c212.hyper.params(model = "BB", hier = 3) defaults (Carragher, c212 on CRAN)
    assert (p.tau2_gamma_0_0, p.alpha_gamma, p.beta_gamma, p.lambda_alpha) == (10, 3, 1, 1)
    assert AE.ae_priors("c212_fixed_pi").alpha_pi == 1.1
    assert AE.ae_priors("c212", beta_theta=2.0).beta_theta == 2.0
    with pytest.raises(InputError):
        AE.ae_priors("nope")
    with pytest.raises(InputError):
        AE.ae_priors("c212", tau2_gamma_0_0=-1)
    with pytest.raises(InputError):
        AE.AEModel(pd.DataFrame({"soc": ["a"]}), "bb")


@pytest.mark.parametrize("kind", AE.MODEL_KINDS)
def test_marginalised_point_mass_logp(kind, ae_data):
    """The model's data log density equals the hand-written one at a random point: in particular
    the treated arm's likelihood is log(π p0 + (1 − π) p1), the indicator summed out exactly."""
    model = AE.AEModel(ae_data, kind).build()
    ip = model.initial_point()
    rng = np.random.default_rng(0)  # test-local perturbation of the evaluation point
    point = {k: v + 0.3 * rng.standard_normal(np.shape(v)) for k, v in ip.items()}
    data_terms = model.logp(vars=[*model.observed_RVs, *model.potentials])
    data_logp = float(model.compile_fn(data_terms, inputs=model.value_vars,
                                       on_unused_input="ignore")(point))
    names = ["gamma", "theta" if kind == "1a" else "theta_slab"] + ([] if kind == "1a" else ["pi"])
    outs = model.replace_rvs_by_values([model[n] for n in names])
    vals = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore")(point)
    gamma, theta = vals[0], vals[1]
    if kind == "poisson":
        lc = stats.poisson.logpmf(ae_data.events_placebo, 2400 * np.exp(gamma))
        l0 = stats.poisson.logpmf(ae_data.events_cyt107, 2400 * np.exp(gamma))
        l1 = stats.poisson.logpmf(ae_data.events_cyt107, 2400 * np.exp(gamma + theta))
    else:
        lc = stats.binom.logpmf(ae_data.n_placebo, 80, expit(gamma))
        l0 = stats.binom.logpmf(ae_data.n_cyt107, 80, expit(gamma))
        l1 = stats.binom.logpmf(ae_data.n_cyt107, 80, expit(gamma + theta))
    if kind == "1a":
        lik = lc.sum() + l1.sum()
    else:
        pi_val = vals[2][pd.factorize(ae_data.soc)[0]]
        lik = lc.sum() + np.logaddexp(np.log(pi_val) + l0, np.log1p(-pi_val) + l1).sum()
    assert data_logp == pytest.approx(lik, rel=1e-8, abs=1e-8)


def test_fit_detects_strong_signal_not_nulls(bb_and_1a_fits):
    bb, _ = bb_and_1a_fits
    d = bb.fit.diagnostics
    assert d.divergences == 0 and d.max_rhat <= 1.01, d.messages
    t = bb.ae_table.set_index("term")
    assert t.loc["signal", "p_theta_gt_0"] > 0.95
    assert t.loc["signal", "p_point_mass"] < 0.05
    nulls = t.drop(index="signal")
    assert (nulls.p_theta_gt_0 < 0.5).all()
    assert (nulls.p_point_mass > 0.5).all()
    # recovery: the true log OR (2.5) inside the 95% CrI of the odds ratio
    assert t.loc["signal", "or_lower95"] < np.exp(2.5) < t.loc["signal", "or_upper95"]
    assert bb.ae_table.columns.tolist() == AE.AE_TABLE_COLUMNS
    assert bb.soc_table.columns.tolist() == AE.SOC_TABLE_COLUMNS


def test_point_mass_probability_is_the_conditional_posterior(bb_and_1a_fits, ae_data):
    """w (stored per draw) equals π p0 / (π p0 + (1 − π) p1) recomputed from the draws."""
    bb, _ = bb_and_1a_fits
    post = bb.fit.idata.posterior
    flat = lambda v: post[v].stack(s=("chain", "draw")).transpose("s", ...).values  # noqa: E731
    gamma, slab, pi, w = flat("gamma"), flat("theta_slab"), flat("pi"), flat("w_point_mass")
    soc_idx = pd.factorize(ae_data.soc)[0]
    p0 = stats.binom.logpmf(ae_data.n_cyt107.to_numpy(), 80, expit(gamma))
    p1 = stats.binom.logpmf(ae_data.n_cyt107.to_numpy(), 80, expit(gamma + slab))
    a = np.log(pi[:, soc_idx]) + p0
    b = np.log1p(-pi[:, soc_idx]) + p1
    np.testing.assert_allclose(w, np.exp(a - np.logaddexp(a, b)), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(bb.ae_table.p_point_mass, w.mean(axis=0), rtol=1e-12)


def test_point_mass_shrinks_nulls_more_than_model_1a(bb_and_1a_fits):
    bb, m1a = bb_and_1a_fits
    assert m1a.fit.diagnostics.divergences == 0
    nb = bb.ae_table.set_index("term").drop(index="signal")
    n1 = m1a.ae_table.set_index("term").drop(index="signal")
    assert np.abs(nb.theta_mean).mean() < np.abs(n1.theta_mean).mean()
    # P(θ > 0) of null terms is pulled further from the 'signal' end by the point mass
    assert (nb.p_theta_gt_0 <= n1.p_theta_gt_0 + 1e-9).all()
    assert n1.p_point_mass.isna().all()


def test_unknown_kind_rejected(ae_data):
    with pytest.raises(InputError):
        AE.AEModel(ae_data, "logit")
