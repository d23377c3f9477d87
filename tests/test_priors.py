"""One prior vocabulary: every analysis resolves priors as defaults ← named set ← overrides, and
an unknown key — a misspelt prior — is an input error naming the known keys, never ignored."""

from __future__ import annotations

import pytest

from bayes_iris.errors import InputError
from bayes_iris.priors import merge, resolve
from bayes_iris.reanalysis import priors as reanalysis_priors
from bayes_iris.safety import priors as safety_priors
from bayes_iris.trajectory import priors as trajectory_priors


def test_merge_order_is_defaults_then_set_then_overrides():
    defaults = {"a": {"x": 1, "y": 2}, "b": 3}
    sets = {"default": {}, "s": {"a": {"x": 10}, "b": 30}}
    assert resolve(defaults, sets) == defaults
    assert resolve(defaults, sets, "s") == {"a": {"x": 10, "y": 2}, "b": 30}
    assert resolve(defaults, sets, "s", {"b": 300}) == {"a": {"x": 10, "y": 2}, "b": 300}
    assert resolve(defaults, sets, {"a": {"y": 5}}) == {"a": {"x": 1, "y": 5}, "b": 3}
    # leaves are replaced whole, and the inputs are never modified
    assert merge(defaults, {"a": {"x": 0}}, is_leaf=lambda v: True) == {"a": {"x": 0}, "b": 3}
    assert defaults == {"a": {"x": 1, "y": 2}, "b": 3}


def test_unknown_set_and_keys_name_the_known_ones():
    defaults = {"effect": {"mu": 0.0}, "sigma": 1.0}
    with pytest.raises(InputError, match="choose one of default, s"):
        resolve(defaults, {"default": {}, "s": {}}, "t")
    with pytest.raises(InputError, match="known: effect, sigma"):
        resolve(defaults, {"default": {}}, None, {"efect": 1})
    with pytest.raises(InputError, match=r"unknown prior effect\.'m'.*known: mu"):
        resolve(defaults, {"default": {}}, None, {"effect": {"m": 1}})


@pytest.mark.parametrize("call,known", [
    (lambda: trajectory_priors.resolve_priors("default", {"effct": {"sigma": 1.0}}), "effect"),
    (lambda: trajectory_priors.resolve_priors("default", {"effect": {"scale": 1.0}}), "sigma"),
    (lambda: trajectory_priors.resolve_priors("hopeful"), "enthusiastic"),
    (lambda: safety_priors.ae_priors("c212", tau2_theta=1.0), "tau2_theta_0_0"),
    (lambda: safety_priors.ae_priors("c213"), "c212_fixed_pi"),
    (lambda: reanalysis_priors.prior_grid(0.8, overrides={"neutral": {"p_beyond": 0.1}}),
     "neutral_strong"),
    (lambda: reanalysis_priors.prior_grid(0.8, overrides={"optimistic": {"p": 0.1}}),
     "p_wrong_side"),
], ids=["trajectory-parameter", "trajectory-hyper", "trajectory-set", "safety-key",
        "safety-set", "reanalysis-key", "reanalysis-hyper"])
def test_every_analysis_rejects_unknown_prior_keys(call, known):
    with pytest.raises(InputError) as err:
        call()
    text = str(err.value)
    assert known in text, text


def test_every_analysis_states_what_its_priors_imply():
    """Each analysis's ``statement()`` gives the implied prior probabilities of its sets."""
    sk = trajectory_priors.statement(trajectory_priors.resolve_priors("skeptical"))
    assert sk["p_gt_2"] == pytest.approx(0.05, abs=1e-9)
    assert safety_priors.statement(safety_priors.ae_priors("c212"))["p_point_mass"] == (
        pytest.approx(0.5, abs=1e-9))  # λα = λβ: the hierarchical π prior is symmetric
    g = reanalysis_priors.prior_grid(0.8)
    weak = next(p for p in g if p.name == "neutral_weak")
    assert reanalysis_priors.statement(weak, g.mcid_psi)["p_beyond_mcid"] == pytest.approx(0.5)
