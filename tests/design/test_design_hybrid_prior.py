"""A binary design prior with a fixed log RR ("hybrid": an uncertain control risk, a fixed
effect): its probability of success is the power at that effect averaged over the control
risk — exact quadrature against Monte Carlo, the ordinary power when the control is fixed, and
clear errors for a bad log RR."""

import numpy as np
import pytest

from bayes_iris import seeds
from bayes_iris.design import (
    BetaMix,
    BinaryDesign,
    BinaryDesignPrior,
    NormMix,
    default_analysis_priors,
    default_rule,
    pos,
)
from bayes_iris.errors import InputError


def _design(n=150):
    return BinaryDesign(default_rule("mortality"), *default_analysis_priors("mortality"), n, n)


def test_hybrid_pos_is_power_averaged_over_the_control_risk():
    ctrl = BetaMix([0.6, 0.4], [12, 30], [20, 45])
    d = _design()
    exact = pos(d, BinaryDesignPrior(control=ctrl, log_rr=float(np.log(0.7))))
    mc = pos(d, BinaryDesignPrior(control=ctrl, log_rr=float(np.log(0.7))), method="mc",
             n_draws=40_000, seed=4)
    assert exact.assurance == pytest.approx(mc.assurance, abs=4 * mc.mcse + 1e-4)
    c = ctrl.sample(seeds.rng(9, "test.design.hybrid"), 20_000)
    direct = np.asarray(d.oc(0.7 * c, c))
    assert exact.assurance == pytest.approx(direct.mean(), abs=4 * direct.std() / np.sqrt(
        c.size))
    assert exact.p_benefit == 1.0
    # the limit of a normal log-RR prior whose SD goes to zero
    narrow = pos(d, BinaryDesignPrior(control=ctrl, log_rr=NormMix.single(np.log(0.7), 1e-6)))
    assert narrow.assurance == pytest.approx(exact.assurance, abs=1e-8)


def test_hybrid_with_fixed_control_is_ordinary_power():
    d = _design(200)
    res = pos(d, BinaryDesignPrior(control=0.4, log_rr=float(np.log(0.75))))
    assert res.assurance == pytest.approx(float(d.oc(0.3, 0.4)), rel=1e-12)
    harm = pos(d, BinaryDesignPrior(control=0.4, log_rr=float(np.log(1.2))))
    assert harm.p_benefit == 0.0 and harm.assurance < 0.001


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "x", None])
def test_bad_fixed_log_rr_is_refused(bad):
    if bad is None:
        with pytest.raises(InputError, match="exactly one"):
            BinaryDesignPrior(control=0.3)
        return
    with pytest.raises(InputError, match="log_rr"):
        BinaryDesignPrior(control=0.3, log_rr=bad)
