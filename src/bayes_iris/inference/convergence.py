r"""Rank-normalised split R-hat, bulk ESS and tail ESS for many quantities at once.

The same estimators as ArviZ (``arviz_stats``: ``rhat(method="rank")``, ``ess(method="bulk")``,
``ess(method="tail")``), computed on one ``(chain, draw, quantity)`` array with vectorised numpy
instead of one Python call per scalar: at 400 patients a trajectory fit has ~850 scalar
quantities, and ArviZ's per-scalar loop took ~5 s of the fit (``benchmarks/results/scaling.md``);
here it is a fraction of a second. ``tests/inference/test_convergence.py`` checks every value
against ArviZ.

* R-hat: the larger of the split-R-hat of the rank-normalised draws and of the rank-normalised
  draws folded about the median.
* Bulk ESS: ESS of the rank-normalised split chains, autocorrelations by FFT, Geyer's initial
  positive and monotone sequences.
* Tail ESS: the smaller ESS of the indicators :math:`x \le q_{0.05}` and :math:`x \le q_{0.95}`
  (the quantiles of Vehtari et al.; ArviZ's default follows its 89 % interval, 0.11 and 0.89).

References
----------
Vehtari A, Gelman A, Simpson D, Carpenter B, Bürkner P-C. Rank-normalization, folding, and
localization: an improved R-hat for assessing convergence of MCMC. Bayesian Analysis 2021;
16(2):667-718.
Geyer CJ. Practical Markov chain Monte Carlo. Statistical Science 1992;7(4):473-483.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(4, 1000, 3))
>>> bool((rhat_rank(x) < 1.01).all()), bool((ess_bulk(x) > 3000).all())
(True, True)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import special
from scipy.fft import irfft, next_fast_len, rfft

__all__ = ["TAIL_PROBS", "ess_bulk", "ess_tail", "rhat_rank", "summary"]

#: the quantiles of the tail ESS (Vehtari et al. 2021, section 4.3)
TAIL_PROBS = (0.05, 0.95)
_MIN_BLOCK = 64


def _split(x: np.ndarray) -> np.ndarray:
    """(chain, draw, K) -> (2 chain, draw // 2, K): first and last halves (middle draw dropped)."""
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]], axis=0)


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties given their average rank (as ``rankdata``)."""
    k, n = a.shape
    order = np.argsort(a, axis=1)  # quicksort: ties are averaged below, so order within them is moot
    s = np.take_along_axis(a, order, axis=1)
    pos = np.broadcast_to(np.arange(n), (k, n))
    starts = np.ones((k, n), dtype=bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]
    ends = np.ones((k, n), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty((k, n))
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=1)
    return ranks


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Normal scores of the pooled ranks of each quantity (Blom's offset 3/8)."""
    c, d, k = x.shape
    n = c * d
    # rank along a contiguous axis: (K, chain * draw)
    pooled = np.ascontiguousarray(np.moveaxis(x, 2, 0).reshape(k, n))
    z = special.ndtri((_average_ranks(pooled) - 3 / 8) / (n - 2 * 3 / 8 + 1))
    return np.moveaxis(z.reshape(k, c, d), 0, 2)


def _rhat(x: np.ndarray) -> np.ndarray:
    n = x.shape[1]
    between = n * np.var(x.mean(axis=1), axis=0, ddof=1)
    within = np.mean(np.var(x, axis=1, ddof=1), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt((between / within + n - 1) / n)


def summary(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R-hat, bulk ESS, tail ESS) of each quantity: the normal scores are computed once.

    Examples
    --------
    >>> x = np.random.default_rng(4).normal(size=(4, 400, 3))
    >>> r, b, t = summary(x)
    >>> bool(np.allclose(r, rhat_rank(x))), bool(np.allclose(b, ess_bulk(x)))
    (True, True)
    """
    x = np.asarray(x, dtype=float)
    k = x.shape[2]
    if x.shape[1] < 4:
        nan = np.full(k, np.nan)
        return nan, nan.copy(), nan.copy()
    if k >= 2 * _MIN_BLOCK:
        # quantities are independent: two threads (numpy's sorts and FFTs release the GIL), each
        # on its own block; the values do not depend on the split
        blocks = np.array_split(np.arange(k), 2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(lambda b: _summary_block(x[:, :, b]), blocks))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))
    return _summary_block(x)


def _summary_block(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = x.shape[2]
    s = _split(x)
    z = _z_scale(s)
    bulk = _ess(z)
    if x.shape[0] < 2:
        rhat = np.full(k, np.nan)
    else:
        rhat = np.maximum(_rhat(z), _rhat(_folded_z(s)))
    return _nan_where_invalid(x, rhat, bulk, ess_tail(x))


def _folded_z(s: np.ndarray) -> np.ndarray:
    return _z_scale(np.abs(s - np.median(s.reshape(-1, s.shape[2]), axis=0)))


def _nan_where_invalid(x: np.ndarray, *values: np.ndarray):
    """A quantity with any NaN draw gets NaN diagnostics (as ArviZ)."""
    bad = np.isnan(x).any(axis=(0, 1))
    for v in values:
        v[bad] = np.nan
    return values if len(values) > 1 else values[0]


def rhat_rank(x: np.ndarray) -> np.ndarray:
    """Rank-normalised split R-hat of each quantity of ``x`` (chain, draw, K); NaN if constant.

    Examples
    --------
    >>> x = np.random.default_rng(1).normal(size=(4, 500, 2))
    >>> x[0, :, 1] += 3.0  # one chain stuck elsewhere
    >>> r = rhat_rank(x)
    >>> bool(r[0] < 1.01), bool(r[1] > 1.1)
    (True, True)
    """
    x = np.asarray(x, dtype=float)
    if x.shape[0] < 2 or x.shape[1] < 4:
        return np.full(x.shape[2], np.nan)
    s = _split(x)
    return _nan_where_invalid(x, np.maximum(_rhat(_z_scale(s)), _rhat(_folded_z(s))))


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance of each chain and quantity at every lag, by FFT: (chain, draw, K)."""
    n = x.shape[1]
    m = next_fast_len(2 * n)
    centred = x - x.mean(axis=1, keepdims=True)
    f = rfft(centred, n=m, axis=1)
    f *= np.conjugate(f)
    return irfft(f, n=m, axis=1)[:, :n] / n


def _ess(x: np.ndarray) -> np.ndarray:
    """ESS of each quantity of ``x`` (chain, draw, K): Geyer's initial monotone sequence."""
    n_chain, n_draw, k = x.shape
    total = n_chain * n_draw
    out = np.full(k, np.nan)
    constant = (x.max(axis=(0, 1)) - x.min(axis=(0, 1))) < np.finfo(float).resolution
    out[constant] = total
    live = np.flatnonzero(~constant)
    if live.size == 0:
        return out
    x = x[:, :, live]
    acov = _autocov(x)
    mean_var = acov[:, 0].mean(axis=0) * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus = var_plus + np.var(x.mean(axis=1), axis=0, ddof=1)
    rho = 1.0 - (mean_var - acov.mean(axis=0)) / var_plus  # (draw, K): rho[t] at lag t
    m = live.size
    kept = np.zeros((n_draw, m))
    kept[0] = 1.0
    kept[1] = rho[1]
    even, odd = np.ones(m), rho[1].copy()
    going = (even + odd) > 0.0
    stop = np.ones(m, dtype=np.int64)  # the loop counter t at which each sequence stopped
    t = 1
    # Geyer's initial positive sequence: pairs (t + 1, t + 2) while their sum stays positive
    while t < n_draw - 3 and going.any():
        e, o = rho[t + 1], rho[t + 2]
        store = going & (e + o >= 0.0)
        kept[t + 1, store] = e[store]
        kept[t + 2, store] = o[store]
        even = np.where(going, e, even)
        odd = np.where(going, o, odd)
        t += 2
        stop[going] = t
        going &= (e + o) > 0.0
    max_t = stop - 2
    cols = np.arange(m)
    last = max_t + 1
    kept[last[even > 0.0], cols[even > 0.0]] = even[even > 0.0]
    # Geyer's initial monotone sequence: pair sums made non-increasing
    t = 1
    while t <= int(max_t.max()) - 2:
        act = t <= max_t - 2
        prev = kept[t - 1] + kept[t]
        fix = act & ((kept[t + 1] + kept[t + 2]) > prev)
        kept[t + 1, fix] = prev[fix] / 2.0
        kept[t + 2, fix] = prev[fix] / 2.0
        t += 2
    lags = np.arange(n_draw)[:, None]
    tau = (-1.0 + 2.0 * np.where(lags <= max_t, kept, 0.0).sum(axis=0)
           + np.where(lags == max_t + 1, kept, 0.0).sum(axis=0))
    tau = np.maximum(tau, 1.0 / np.log10(total))
    ess = total / tau
    ess[np.isnan(kept).any(axis=0)] = np.nan
    out[live] = ess
    return out


def ess_bulk(x: np.ndarray) -> np.ndarray:
    """Bulk ESS of each quantity of ``x`` (chain, draw, K).

    Examples
    --------
    >>> g = np.random.default_rng(2)
    >>> iid = g.normal(size=(4, 1000, 1))
    >>> sticky = np.cumsum(g.normal(size=(4, 1000, 1)), axis=1)  # a random walk
    >>> bool(ess_bulk(iid)[0] > 3000), bool(ess_bulk(sticky)[0] < 100)
    (True, True)
    """
    x = np.asarray(x, dtype=float)
    if x.shape[1] < 4:
        return np.full(x.shape[2], np.nan)
    return _nan_where_invalid(x, _ess(_z_scale(_split(x))))


def ess_tail(x: np.ndarray, probs: tuple[float, float] = TAIL_PROBS) -> np.ndarray:
    """Tail ESS of each quantity of ``x`` (chain, draw, K): the smaller of the two quantiles'.

    Examples
    --------
    >>> x = np.random.default_rng(3).normal(size=(4, 1000, 2))
    >>> bool((ess_tail(x) > 2000).all())
    True
    """
    x = np.asarray(x, dtype=float)
    if x.shape[1] < 4:
        return np.full(x.shape[2], np.nan)
    flat = x.reshape(-1, x.shape[2])
    out = []
    for p in probs:
        q = np.quantile(flat, p, axis=0)
        out.append(_ess(_split((x <= q).astype(float))))
    return _nan_where_invalid(x, np.minimum(*out))
