"""Fast exact decision boundaries: every cell against cell-by-cell decisions (brute force), the
incomplete-beta recursion against scipy, large designs checked at their boundaries."""

import numpy as np
import pytest
from scipy import special

from bayes_iris.design import BayesRule, BetaMix, Criterion, two_sided
from bayes_iris.design.boundaries import _eta_grid, density_table, survival_table

MAP = BetaMix([0.4612914, 0.1917812, 0.1893896, 0.1575378],
              [33.9513487, 19.4400089, 12.2692310, 2.2521243],
              [103.0146367, 41.5205219, 55.9202833, 5.4812202])


def _brute(rule, p1, p2, n1, n2):
    return np.array([[rule.decide(p1.posterior(a, n1), p2.posterior(b, n2))
                      for b in range(n2 + 1)] for a in range(n1 + 1)])


def test_survival_recursion_matches_incomplete_beta():
    z = np.linspace(0.001, 0.999, 37)
    a, b, n = 2.3, 0.7, 40
    S = survival_table(np.ones(1), np.array([a]), np.array([b]), n, z)
    y = np.arange(n + 1)[:, None]
    np.testing.assert_allclose(S, special.betaincc(a + y, b + n - y, z), atol=1e-12)


def test_density_rows_integrate_to_one():
    eta, dw = _eta_grid(200.0)
    W = density_table(MAP.w, MAP.a, MAP.b, 60, eta, dw)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize(
    ("criteria", "scale", "combine"),
    [([Criterion(prob=0.95)], "identity", "all"),
     ([Criterion(prob=0.8, threshold=0.15)], "identity", "all"),
     ([Criterion(prob=0.8, threshold=-0.1, lower_tail=True)], "identity", "all"),
     ([Criterion(prob=0.9, threshold=float(np.log(1.3)))], "log", "all"),
     ([Criterion(prob=0.7, threshold=float(np.log(0.8)), lower_tail=True)], "log", "all"),
     ([Criterion(prob=0.9, threshold=0.5)], "logit", "all"),
     ([Criterion(prob=0.95), Criterion(prob=0.5, threshold=0.1)], "identity", "all"),
     ([Criterion(prob=0.975), Criterion(prob=0.975, lower_tail=True)], "identity", "any")],
)
def test_decision_matrix_equals_cell_by_cell_decisions(criteria, scale, combine):
    rule = BayesRule(criteria=criteria, scale=scale, combine=combine)
    for p1, p2, n1, n2 in [(BetaMix.single(0.5, 1), MAP.robustify(0.2), 24, 18),
                           (BetaMix([0.7, 0.3], [5, 1], [15, 1]), BetaMix.single(2, 3), 15, 12)]:
        D = rule.decision_matrix(p1, p2, n1, n2)
        np.testing.assert_array_equal(D, _brute(rule, p1, p2, n1, n2))


def test_two_sided_rule_matrix():
    rule = two_sided(0.975)
    p = BetaMix.single(1, 1)
    D = rule.decision_matrix(p, p, 20, 20)
    np.testing.assert_array_equal(D, _brute(rule, p, p, 20, 20))
    assert D[20, 0] and D[0, 20] and not D[10, 10]


@pytest.mark.parametrize("n", [300, 450])
def test_large_design_boundary_cells_agree_with_reference_kernel(n):
    """At every y2, the cells either side of the boundary are decided as decide() would."""
    rule = BayesRule(criteria=[Criterion(prob=0.975, lower_tail=True)])
    p1, p2 = BetaMix.single(1, 1), MAP.robustify(0.2)
    D = rule.decision_matrix(p1, p2, n, n)
    for y2 in range(0, n + 1, 37):
        col = D[:, y2]
        c = int(np.argmin(col)) if col[0] else 0  # first y1 that fails
        if col.all():
            continue
        assert not rule.decide(p1.posterior(c, n), p2.posterior(y2, n))
        if c > 0:
            assert rule.decide(p1.posterior(c - 1, n), p2.posterior(y2, n))
        assert not col[c:].any() and col[:c].all()
