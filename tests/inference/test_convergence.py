"""The vectorised convergence diagnostics agree with ArviZ's per-quantity estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from arviz_stats.base import array_stats

from bayes_iris.inference.convergence import (
    TAIL_PROBS,
    ess_bulk,
    ess_tail,
    rhat_rank,
    summary,
)


def _draws(seed: int, chains: int = 4, draws: int = 500) -> np.ndarray:
    """Quantities with very different mixing: iid, AR(1) of several strengths, a random walk,
    a chain stuck elsewhere, a discrete one with ties, heavy tails and a constant."""
    g = np.random.default_rng(seed)
    cols = [g.normal(size=(chains, draws))]
    for phi in (0.5, 0.9, 0.99):
        e = g.normal(size=(chains, draws))
        ar = np.zeros_like(e)
        for t in range(1, draws):
            ar[:, t] = phi * ar[:, t - 1] + e[:, t]
        cols.append(ar)
    cols.append(np.cumsum(g.normal(size=(chains, draws)), axis=1))
    stuck = g.normal(size=(chains, draws))
    stuck[0] += 2.0
    cols += [stuck, g.integers(0, 3, size=(chains, draws)).astype(float),
             g.standard_t(1.5, size=(chains, draws))]
    with_nan = g.normal(size=(chains, draws))
    with_nan[1, 3] = np.nan
    cols += [with_nan, np.full((chains, draws), 0.7)]
    return np.stack(cols, axis=-1)


def _arviz(x: np.ndarray, **kw) -> np.ndarray:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _arviz_loop(x, **kw)


def _arviz_loop(x: np.ndarray, **kw) -> np.ndarray:
    return np.array([float(array_stats.__getattribute__(kw["f"])(
        x[:, :, k], chain_axis=0, draw_axis=1, **{a: b for a, b in kw.items() if a != "f"}))
        for k in range(x.shape[2])])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(4, 500), (2, 301), (8, 100)])
def test_agrees_with_arviz(seed, shape):
    x = _draws(seed, *shape)
    np.testing.assert_allclose(rhat_rank(x), _arviz(x, f="rhat", method="rank"), rtol=1e-10,
                               equal_nan=True)
    np.testing.assert_allclose(ess_bulk(x), _arviz(x, f="ess", method="bulk"), rtol=1e-9,
                               equal_nan=True)
    np.testing.assert_allclose(ess_tail(x), _arviz(x, f="ess", method="tail", prob=TAIL_PROBS),
                               rtol=1e-9, equal_nan=True)
    r, b, t = summary(x)
    np.testing.assert_array_equal(r, rhat_rank(x))
    np.testing.assert_array_equal(b, ess_bulk(x))
    np.testing.assert_array_equal(t, ess_tail(x))
    assert np.isnan(r[-2]) and np.isnan(b[-2]) and np.isnan(t[-2])  # a NaN draw: NaN, as ArviZ


def test_detects_what_it_should():
    x = _draws(5)
    r, e = rhat_rank(x), ess_bulk(x)
    assert r[0] < 1.01 and r[5] > 1.1  # iid fine; the stuck chain is found
    assert e[0] > 1500 and e[4] < 100 and e[3] < e[2] < e[1]  # ESS falls with autocorrelation
    assert np.isnan(r[-1]) and e[-1] == x.shape[0] * x.shape[1]  # constant: ArviZ's conventions


def test_diagnose_uses_the_vectorised_estimators():
    from bayes_iris.inference import diagnose

    x = np.delete(_draws(7), [-2, -1], axis=2)  # drop the NaN and the constant
    post = xr.Dataset({"a": (("chain", "draw", "k"), x[..., :4]),
                       "b": (("chain", "draw"), x[..., 4]),
                       "c": (("chain", "draw", "j"), x[..., 5:])})
    d = diagnose(xr.DataTree.from_dict({"posterior": post}))
    assert d.max_rhat == pytest.approx(np.nanmax(_arviz(x, f="rhat", method="rank")), rel=1e-10)
    assert d.min_ess_bulk == pytest.approx(np.nanmin(_arviz(x, f="ess", method="bulk")),
                                           rel=1e-9)
    assert d.min_ess_tail == pytest.approx(
        np.nanmin(_arviz(x, f="ess", method="tail", prob=TAIL_PROBS)), rel=1e-9)


def test_two_thread_blocks_give_the_same_values():
    from bayes_iris.inference.convergence import _summary_block

    g = np.random.default_rng(9)
    x = np.cumsum(g.normal(size=(4, 300, 150)), axis=1) * 0.05 + g.normal(size=(4, 300, 150))
    for a, b in zip(summary(x), _summary_block(x), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(summary(x)[1][:5], _arviz(x[..., :5], f="ess", method="bulk"),
                               rtol=1e-9)
