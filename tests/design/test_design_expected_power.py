"""Expected power (probability of success given a relevant effect; Kunzmann et al. 2021).

Checked against a direct Monte Carlo average of the exact operating characteristic over the
design-prior draws that satisfy the relevance condition, and against its limits.
"""

import numpy as np
import pytest

from bayes_iris.design import sample_size
from bayes_iris.design.assurance import assurance
from bayes_iris.design.design_priors import BinaryDesignPrior, NormalDesignPrior
from bayes_iris.design.distributions import BetaMix, NormMix
from bayes_iris.design.oc import BinaryDesign, NormalDesign
from bayes_iris.design.rules import BayesRule, Criterion
from bayes_iris.errors import InputError
from bayes_iris.seeds import rng

RULE_LOWER = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])


def _binary_design(n=120):
    return BinaryDesign(RULE_LOWER, BetaMix.single(1, 1), BetaMix.single(1, 1), n, n)


def test_expected_power_equals_mean_oc_over_relevant_draws():
    design = _binary_design()
    dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(np.log(0.9), 0.3))
    res = assurance(design, dp, n_draws=6000, seed=3, relevant=0.8)
    # Independent estimate: exact OC at each relevant draw, averaged.
    t, c = dp.sample(rng(11, "test.expected_power"), 1500)
    keep = t / c <= 0.8
    oc = np.array([design.oc(ti, ci) for ti, ci in zip(t[keep], c[keep], strict=True)])
    se = np.hypot(res.expected_power_mcse, oc.std(ddof=1) / np.sqrt(oc.size))
    assert abs(res.expected_power - oc.mean()) < 4 * se


def test_expected_power_exceeds_assurance_when_prior_has_mass_on_harm():
    design = _binary_design()
    dp = BinaryDesignPrior(control=0.35, log_rr=NormMix.single(np.log(1.01), 0.5))
    res = assurance(design, dp, n_draws=4000, seed=1, relevant=0.8)
    assert res.p_benefit < 0.6
    assert res.expected_power > res.assurance + 5 * res.mcse


def test_expected_power_tends_to_power_for_a_point_design_prior():
    sigma, n = 1.0, 40
    design = NormalDesign(BayesRule(criteria=[Criterion(prob=0.975)]),
                          NormMix.single(0.0, 10.0, sigma=sigma),
                          NormMix.single(0.0, 10.0, sigma=sigma), n, n, sigma)
    dp = NormalDesignPrior(delta=NormMix.single(0.7, 1e-6), sigma=sigma)
    res = assurance(design, dp, n_draws=20000, seed=2, relevant=0.5)
    assert abs(res.expected_power - res.power_at_point) < 4 * res.expected_power_mcse + 1e-3


def test_mortality_sample_size_with_pooled_rr_prior_recommends_n():
    """The issue's acceptance call: mortality endpoint, pooled published RR as design prior.

    Assurance cannot reach 0.8 (the prior gives P(benefit) ~ 0.5), so the recommendation uses
    expected power given RR <= 0.8 — and must return a curve and an n.
    """
    res = sample_size("mortality", metric="expected_power", n_sim=2000, seed=1)
    assert "1.01" in res.design_prior_source
    assert res.recommended_n is not None
    assert res.curve["expected_power"].is_monotonic_increasing or (
        res.curve["expected_power"].diff().min() > -4 * res.curve["expected_power_mcse"].max())
    assert res.curve.loc[res.curve.n_total == res.recommended_n, "expected_power"].item() >= 0.8
    plain = sample_size("mortality", n_sim=2000, seed=1)
    assert plain.recommended_n is None and "expected_power" in plain.note


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_relevant_must_be_finite(bad):
    with pytest.raises(InputError):
        sample_size("mortality", metric="expected_power", relevant=bad, n_sim=100)


def test_expected_power_not_for_single_arm():
    with pytest.raises(InputError, match="two-arm"):
        sample_size("safety", metric="expected_power", n_sim=100)
