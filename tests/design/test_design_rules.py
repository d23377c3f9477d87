"""Decision rules: kernels vs quadrature, decision matrix vs brute force, sentences."""

import numpy as np
import pytest
from scipy import integrate, special, stats

from bayes_iris.design import BayesRule, BetaMix, Criterion, OneSampleRule, ZTestRule
from bayes_iris.design.rules import beta_prob_upper


def _quad(p1, p2, q, scale):
    def t(x):
        if scale == "identity":
            return x + q
        if scale == "log":
            return x * np.exp(q)
        return special.expit(special.logit(x) + q)

    return integrate.quad(lambda x: p2.pdf(x) * p1.sf(np.clip(t(x), 0, 1)), 0, 1, limit=500,
                          points=[p2.mean], epsabs=1e-13)[0]


@pytest.mark.parametrize(
    ("p1", "p2", "q", "scale"),
    [(BetaMix.single(14.5, 11), BetaMix.single(2, 6), 0.0, "identity"),
     (BetaMix.single(501, 601), BetaMix.single(3, 9), 0.1, "identity"),
     (BetaMix([0.8, 0.2], [300, 1], [700, 1]).posterior(10, 30), BetaMix.single(50, 150), 0.0,
      "log"),
     (BetaMix.single(0.5, 1), BetaMix.single(40, 60), 0.3, "logit")],
)
def test_beta_kernel_matches_adaptive_quadrature(p1, p2, q, scale):
    got = beta_prob_upper(p1.w, p1.a, p1.b, p2.w, p2.a, p2.b, q, scale)
    assert got == pytest.approx(_quad(p1, p2, q, scale), abs=1e-7)


@pytest.mark.parametrize(
    ("scale", "criteria"),
    [("logit", [Criterion(prob=0.6, threshold=0.05), Criterion(prob=0.6, threshold=1.5,
                                                                lower_tail=True)]),
     ("log", [Criterion(prob=0.7, threshold=float(np.log(0.8)), lower_tail=True)]),
     ("identity", [Criterion(prob=0.9, threshold=-0.1)])],
)
def test_decision_matrix_equals_brute_force(scale, criteria):
    p1, p2 = BetaMix([0.7, 0.3], [5, 1], [15, 1]), BetaMix.single(2, 3)
    rule = BayesRule(criteria=criteria, scale=scale)
    D = rule.decision_matrix(p1, p2, 15, 12)
    brute = np.array([[rule.decide(p1.posterior(a, 15), p2.posterior(b, 12)) for b in range(13)]
                      for a in range(16)])
    assert 0 < D.sum() < D.size
    np.testing.assert_array_equal(D, brute)


def test_ztest_matrix_matches_scipy_chi_square():
    """Pooled z-test = one-sided Pearson chi-square without continuity correction."""
    rule = ZTestRule(alpha=0.025, alternative="greater")
    D = rule.decision_matrix(30, 25)
    for y1, y2 in [(20, 8), (15, 10), (12, 12), (25, 5)]:
        table = np.array([[y1, 30 - y1], [y2, 25 - y2]])
        _chi2, p, *_ = stats.chi2_contingency(table, correction=False)
        one_sided = p / 2 if y1 / 30 > y2 / 25 else 1 - p / 2
        assert D[y1, y2] == (one_sided < 0.025)


def test_rule_sentences_are_readable():
    rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True),
                               Criterion(prob=0.5, threshold=-0.05, lower_tail=True)],
                     endpoint="28-day mortality")
    text = str(rule)
    assert text.startswith("Declare success if the posterior probability that 28-day mortality "
                           "on CYT107 is lower than on placebo exceeds 97.5 %, and ")
    assert "lower than on placebo by more than 0.05 exceeds 50 %" in text
    rr = BayesRule(criteria=[Criterion(prob=0.9, threshold=float(np.log(0.8)),
                                       lower_tail=True)], scale="log", endpoint="mortality")
    assert "risk ratio of mortality (CYT107 vs placebo) is at most 0.8" in rr.describe()
    assert "z-test" in ZTestRule().describe()
    assert "above 0.1 exceeds 90 %" in OneSampleRule(prob=0.9, threshold=0.1).describe()


def test_rule_config_forbids_unknown_fields():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Criterion(prob=0.9, treshold=0.1)
    with pytest.raises(ValidationError):
        Criterion(prob=1.5)
