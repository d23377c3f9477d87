"""The site-centring weight (:mod:`bayes_iris.trajectory.centring`).

The weight only chooses coordinates (the model is the same for every weight:
``test_trajectory_likelihood.py::test_site_centring_changes_coordinates_not_the_model``); here:
it estimates ``n tau^2 / (n tau^2 + s^2)`` from the patients' mean values, and falls back to the
non-centred form where there is nothing to estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_iris.trajectory.centring import site_centring


def _frame(n_sites: int, per_site: int, tau: float, s: float, *, visits: int = 1,
           seed: int = 0, markers: int = 1) -> pd.DataFrame:
    g = np.random.Generator(np.random.PCG64(seed))
    rows = []
    for m in range(markers):
        site_effect = g.normal(0.0, tau, n_sites)
        site = np.repeat(np.arange(n_sites), per_site)
        patient_mean = site_effect[site] + g.normal(0.0, s, site.size)
        patient = np.repeat(np.arange(site.size), visits)
        # visits scatter around the patient's mean and average back to it (mean of the noise 0)
        noise = g.normal(0.0, 0.3, (site.size, visits))
        noise -= noise.mean(axis=1, keepdims=True)
        rows.append(pd.DataFrame({"patient": patient, "site": site[patient], "marker": m,
                                  "y": patient_mean[patient] + noise.ravel()}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("per_site,tau,s", [(50, 0.3, 0.6), (10, 0.3, 0.6), (200, 0.1, 0.6)])
def test_weight_estimates_the_decorrelating_weight(per_site, tau, s):
    """1,000 sites, so the moment estimates are close to the truth (SE of the weight <= 0.013)."""
    want = per_site * tau**2 / (per_site * tau**2 + s**2)
    got = site_centring(_frame(1000, per_site, tau, s, visits=3), 1)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(want, abs=0.04)


def test_more_patients_per_site_centre_more():
    weights = [site_centring(_frame(60, n, 0.25, 0.6, seed=2), 1)[0] for n in (5, 40, 300)]
    assert weights[0] < weights[1] < weights[2]
    assert weights[2] > 0.9


def test_no_site_variation_is_non_centred():
    """tau = 0: the between-site variance estimate is at most noise; mostly exactly 0."""
    weights = np.array([site_centring(_frame(30, 20, 0.0, 0.6, seed=k), 1)[0] for k in range(20)])
    assert np.all((weights >= 0.0) & (weights <= 1.0))
    assert np.mean(weights == 0.0) >= 0.4
    assert np.median(weights) < 0.2


def test_nothing_to_estimate_gives_the_non_centred_form():
    one_site = _frame(1, 30, 0.3, 0.6)
    assert site_centring(one_site, 1).tolist() == [0.0]
    singletons = _frame(5, 1, 0.3, 0.6)  # one patient per site: no within-site variance
    assert site_centring(singletons, 1).tolist() == [0.0]


def test_one_weight_per_marker():
    frame = _frame(200, 50, 0.3, 0.6, markers=2)
    frame.loc[frame["marker"] == 1, "y"] = np.random.Generator(np.random.PCG64(5)).normal(
        0.0, 0.6, int((frame["marker"] == 1).sum()))  # marker 1: visits independent, no sites
    w = site_centring(frame, 2)
    assert w[0] > 0.8
    assert w[1] < 0.3
