"""Time-to-event summaries and the two-proportion posterior, against hand computations and
closed forms (not against our own output)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from bayes_iris.data import load_bundled
from bayes_iris.data.proportions import risk_difference_posterior
from bayes_iris.data.survival import (
    cumulative_incidence,
    kaplan_meier,
    km_curves,
    mortality_contrast,
    mortality_summary,
    outcome_times,
)


def test_kaplan_meier_matches_the_hand_computation():
    # times 1, 2, 2+, 3, 4+, 5: S = 5/6, 5/6*4/5, *2/3, (censored), *0/1
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    assert km["time"].tolist() == [0, 1, 2, 3, 4, 5]
    assert km["at_risk"].tolist() == [6, 6, 5, 3, 2, 1]
    np.testing.assert_allclose(km["survival"], [1, 5 / 6, 4 / 6, 4 / 9, 4 / 9, 0])
    # Greenwood at t = 3: S^2 * (1/(6*5) + 1/(5*4) + 1/(3*2)) = (4/9)^2 * 0.25
    assert km.loc[3, "se"] == pytest.approx(4 / 9 * 0.5)
    inner = km.iloc[1:4]
    assert (inner["lower95"] < inner["survival"]).all()
    assert (inner["survival"] < inner["upper95"]).all()
    assert (km[["lower95", "upper95"]].dropna().stack().between(0, 1)).all()


def test_cumulative_incidence_matches_the_hand_computation():
    # times 1..5, causes 1, 2, 1, censored, 2; all-cause S(t-): 1, 4/5, 3/5, 2/5, 2/5
    one = cumulative_incidence([1, 2, 3, 4, 5], [1, 2, 1, 0, 2], of=1)
    two = cumulative_incidence([1, 2, 3, 4, 5], [1, 2, 1, 0, 2], of=2)
    np.testing.assert_allclose(one["incidence"], [0, 0.2, 0.2, 0.4, 0.4, 0.4])
    np.testing.assert_allclose(two["incidence"], [0, 0, 0.2, 0.2, 0.2, 0.6])
    # the incidences of both causes add up to one minus all-cause survival (0 at the end)
    assert one["incidence"].iloc[-1] + two["incidence"].iloc[-1] == pytest.approx(1.0)


def test_without_competing_events_incidence_is_one_minus_kaplan_meier():
    rng = np.random.default_rng(4)
    t = rng.integers(1, 30, 40)
    e = rng.random(40) < 0.7
    ci = cumulative_incidence(t, e.astype(int), of=1)
    km = kaplan_meier(t, e)
    np.testing.assert_allclose(ci["incidence"], 1 - km["survival"], atol=1e-12)


def test_bundled_trial_curves_end_where_the_counts_say():
    trial = load_bundled()
    ot = outcome_times(trial)
    k = km_curves(trial)
    for arm, g in ot.groupby("arm"):
        death = k[(k["endpoint"] == "death") & (k["arm"] == arm)]
        # nobody is censored before the last death in the bundled trial: S = 1 - deaths / n
        if (g.loc[~g["died"], "death_time"] >= g.loc[g["died"], "death_time"].max()).all():
            assert death["estimate"].iloc[-1] == pytest.approx(1 - g["died"].mean())
        disc = k[(k["endpoint"] == "icu_discharge") & (k["arm"] == arm)]
        assert disc["estimate"].iloc[-1] == pytest.approx((g["discharge_cause"] == 1).mean())
        assert disc["estimate"].is_monotonic_increasing
    summ = mortality_summary(trial).set_index("arm")
    died = trial.outcomes.merge(trial.patients, on="patient_id").groupby("arm")[
        "death_day"].count()
    assert summ["deaths"].to_dict() == died.to_dict()


def _p_greater(a_b: float, b_b: float, a_a: float, b_a: float) -> float:
    """P(p_B > p_A) for Beta(a_a, b_a), Beta(a_b, b_b), integer a_b (closed form, Cook 2005;
    Miller 2015)."""
    total = 0.0
    for i in range(int(a_b)):
        total += np.exp(betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1 + i, b_b)
                        - betaln(a_a, b_a))
    return total


@pytest.mark.parametrize("xt,nt,xc,nc", [(3, 15, 0, 6), (2, 17, 6, 10), (7, 17, 7, 10)])
def test_probability_of_a_higher_risk_matches_the_closed_form(xt, nt, xc, nc):
    post = risk_difference_posterior(xt, nt, xc, nc)
    exact = _p_greater(xt + 1, nt - xt + 1, xc + 1, nc - xc + 1)
    assert post["p_higher_treated"] == pytest.approx(exact, abs=2e-4)


def test_risk_difference_quantiles_match_monte_carlo():
    post = risk_difference_posterior(2, 17, 6, 10)
    rng = np.random.default_rng(11)
    d = rng.beta(3, 16, 400_000) - rng.beta(7, 5, 400_000)
    q = np.quantile(d, [0.025, 0.5, 0.975])
    np.testing.assert_allclose([post["rd_lower95"], post["rd_median"], post["rd_upper95"]], q,
                               atol=0.004)
    sym = risk_difference_posterior(5, 10, 5, 10)
    assert sym["rd_median"] == pytest.approx(0, abs=1e-3)
    assert sym["p_lower_treated"] == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(ValueError, match="0 <= events <= patients"):
        risk_difference_posterior(5, 4, 0, 3)


def test_mortality_contrast_states_the_trials_resolution():
    s = pd.DataFrame({"arm": ["placebo", "cyt107"], "patients": [100, 100], "deaths": [30, 30]})
    row = mortality_contrast(s, reduction=0.10).iloc[0]
    # Fleiss, Levin & Paik (2003), two proportions 0.30 vs 0.20, two-sided 5 %, power 80 %,
    # no continuity correction: (1.95996 + 0.84162)^2 (0.21 + 0.16) / 0.01 = 290.4 -> 291
    assert row["n_per_arm_80"] == 291
    assert row["null_halfwidth95"] == pytest.approx(1.959964 * np.sqrt(0.21 * 2 / 100))
    assert row["reference_risk"] == pytest.approx(0.3)
