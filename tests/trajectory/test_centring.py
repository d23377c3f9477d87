"""The site-centring weight (:mod:`bayes_iris.trajectory.centring`).

The weight only chooses coordinates (the model is the same for every weight:
``test_trajectory_likelihood.py::test_site_centring_changes_coordinates_not_the_model``); here:
with many sites it is the decorrelating weight ``n tau^2 / (n tau^2 + s^2)``; with few it is the
log-scale regression slope over the posterior of the site SD, checked against an independent Monte
Carlo computation; it moves away from a four-site point estimate in the direction that stopped
the divergences of model version 7; and it falls back to the non-centred form where there is
nothing to estimate.
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
def test_many_sites_give_the_decorrelating_weight(per_site, tau, s):
    """1,000 sites pin the site SD down, so the weight is the one-value weight at the truth."""
    want = per_site * tau**2 / (per_site * tau**2 + s**2)
    got = site_centring(_frame(1000, per_site, tau, s, visits=3), 1, 1.0)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(want, abs=0.04)


def test_more_patients_per_site_centre_more():
    weights = [site_centring(_frame(60, n, 0.25, 0.6, seed=2), 1, 0.5)[0] for n in (5, 40, 300)]
    assert weights[0] < weights[1] < weights[2]
    assert weights[2] > 0.9


def test_no_site_variation_is_nearly_non_centred():
    weights = np.array([site_centring(_frame(30, 20, 0.0, 0.6, seed=k), 1, 0.25)[0]
                        for k in range(20)])
    assert np.all((weights >= 0.0) & (weights <= 1.0))
    assert np.median(weights) < 0.15


def _four_sites(site_means, per_site: int, s: float) -> pd.DataFrame:
    """Four sites whose patients' values have exactly these site means and pooled SD ``s``."""
    g = np.random.Generator(np.random.PCG64(3))
    rows = []
    for mean in site_means:
        e = g.normal(0.0, 1.0, per_site)
        rows.append(mean + (e - e.mean()) / e.std(ddof=1) * s)
    y = np.concatenate(rows)
    site = np.repeat(np.arange(len(site_means)), per_site)
    return pd.DataFrame({"patient": np.arange(y.size), "site": site, "marker": 0, "y": y})


def _monte_carlo_slope(site_means, per_site: int, s: float, prior: float) -> float:
    """The same slope by importance sampling: tau from its HalfNormal prior, weighted by the
    likelihood of the site means' sum of squares, ``(tau^2 + s^2/n) chi^2_{S-1}`` (equal sites)."""
    g = np.random.Generator(np.random.PCG64(11))
    tau = np.abs(g.normal(0.0, prior, 2_000_000))
    means = np.asarray(site_means)
    ss = float(np.sum((means - means.mean()) ** 2))
    lam = tau**2 + s**2 / per_site
    log_w = -0.5 * (means.size - 1) * np.log(lam) - ss / (2.0 * lam)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    eta = np.log(tau)
    gee = 0.5 * np.log1p(per_site * tau**2 / s**2)
    d = eta - np.sum(w * eta)
    return float(np.sum(w * d * (gee - np.sum(w * gee))) / np.sum(w * d**2))


@pytest.mark.parametrize("site_means,per_site,prior", [
    ([-0.3, 0.0, 0.1, 0.3], 7, 0.25),
    ([-0.5, 0.0, 0.2, 0.4], 7, 1.0),
    ([-0.05, 0.0, 0.02, 0.03], 100, 0.25),
    ([-0.3, 0.0, 0.1, 0.3], 100, 0.25),
])
def test_four_site_weight_matches_monte_carlo(site_means, per_site, prior):
    """Grid (restricted likelihood) against Monte Carlo (chi-square form): the same slope."""
    got = site_centring(_four_sites(site_means, per_site, 0.7), 1, prior)[0]
    assert got == pytest.approx(_monte_carlo_slope(site_means, per_site, 0.7, prior), abs=0.02)


def _point_weight(site_means, per_site: int, s: float) -> float:
    """Model version 7's weight: method-of-moments tau^2 from four sites, then n tau^2/(n tau^2+s^2)."""
    between = float(np.var(site_means, ddof=1)) - s**2 / per_site
    return max(0.0, per_site * between / (per_site * between + s**2))


def test_four_sites_temper_the_point_estimate():
    """The two ways version 7's four-site weight made fits diverge (tests/trajectory/results/
    README.md): a large weight with ~7 patients per site, where the site SD's posterior still
    reaches 0, now comes down; a zero weight with 100 per site, where it still reaches values
    that pin each site down, now goes up."""
    small = [-0.5, 0.0, 0.2, 0.4]
    assert _point_weight(small, 7, 0.7) > 0.5
    assert site_centring(_four_sites(small, 7, 0.7), 1, 0.25)[0] < 0.4
    flat = [-0.02, 0.0, 0.01, 0.01]
    assert _point_weight(flat, 100, 0.7) == 0.0
    assert site_centring(_four_sites(flat, 100, 0.7), 1, 0.25)[0] > 0.15


def test_the_prior_counts_when_the_data_say_little():
    frame = _four_sites([-0.3, 0.0, 0.1, 0.3], 7, 0.7)
    narrow, wide = (site_centring(frame, 1, p)[0] for p in (0.05, 1.0))
    assert narrow < wide
    per_marker = site_centring(pd.concat([frame, frame.assign(marker=1)]), 2, [0.05, 1.0])
    assert per_marker == pytest.approx([narrow, wide])


def test_nothing_to_estimate_gives_the_non_centred_form():
    one_site = _frame(1, 30, 0.3, 0.6)
    assert site_centring(one_site, 1, 0.25).tolist() == [0.0]
    singletons = _frame(5, 1, 0.3, 0.6)  # one patient per site: no within-site variance
    assert site_centring(singletons, 1, 0.25).tolist() == [0.0]


def test_one_weight_per_marker():
    frame = _frame(200, 50, 0.3, 0.6, markers=2)
    frame.loc[frame["marker"] == 1, "y"] = np.random.Generator(np.random.PCG64(5)).normal(
        0.0, 0.6, int((frame["marker"] == 1).sum()))  # marker 1: visits independent, no sites
    w = site_centring(frame, 2, 0.25)
    assert w[0] > 0.8
    assert w[1] < 0.3
