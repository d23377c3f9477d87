"""Slow tier: repeated-sampling behaviour of the AE models on data with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_iris.safety.analysis import run as run_safety

pytestmark = pytest.mark.slow

N_REP = 12


def test_detection_and_coverage_over_replicates(simulate_ae, ae_truth):
    """Over replicates: the strong signal is detected (P(θ>0) > 0.95) nearly always; null terms
    rarely cross that threshold; model 1a's 95% CrIs of the log OR cover the truth at close to the
    nominal rate (pooled over terms; the hierarchy shrinks, so allow down to 85%)."""
    truth = {t: lor for _, t, _, lor in ae_truth}
    detected, false_pos, n_null, covered, n_cov = 0, 0, 0, 0, 0
    for rep in range(N_REP):
        data = simulate_ae(1000 + rep)
        bb = run_safety(data, kinds=("bb",), fast=True, seed=rep)
        m1a = run_safety(data, kinds=("1a",), fast=True, seed=rep)
        assert bb.fits["bb"].diagnostics.divergences == 0
        t = bb.ae_table.set_index("term")
        detected += t.loc["signal", "p_theta_gt_0"] > 0.95
        nulls = t.drop(index="signal")
        false_pos += int((nulls.p_theta_gt_0 > 0.95).sum())
        n_null += len(nulls)
        theta = m1a.results["1a"].draws["theta"].values
        lo, hi = np.quantile(theta, [0.025, 0.975], axis=0)
        for j, term in enumerate(m1a.ae_table.term):
            covered += lo[j] <= truth[term] <= hi[j]
            n_cov += 1
    assert detected >= N_REP - 1
    assert false_pos / n_null <= 0.05
    assert covered / n_cov >= 0.85
