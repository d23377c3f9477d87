"""Vectorised simulation of two-arm binary trials over a grid of sample sizes.

Two engines with the same contract — ``simulate_binary(designs, design_prior, n_sim, seed)``
returns the estimated probability of success of each design and its Monte Carlo SE:

* :func:`simulate_binary_numpy` — the small, obviously-correct NumPy reference (binomial draws,
  then a look-up in each design's decision matrix);
* :func:`simulate_binary_jax` — JAX (``jit`` + ``lax.map`` over batches of trials): each
  simulated trial accrues patients in increments between consecutive sample sizes of the grid
  (at most 32 patients per increment); each increment's event count is an exact inverse-cdf
  binomial draw from one uniform, and cumulative sums give the counts at *every* sample size of
  the grid at once (nested sample sizes, common random numbers across the curve). Runs on the
  CPU in float32: rates and cdf values are rounded to float32 (relative error ~1e-7), immaterial
  against any Monte Carlo error; counts are exact integers. float64 is not needed and not
  enabled.

Both draw the true rates from the design prior with the same seeded stream, so they share the
design-prior draws and differ only in the trial-outcome draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InputError
from ..seeds import DEFAULT_SEED, int_seed, rng
from .design_priors import BinaryDesignPrior
from .oc import BinaryDesign


@dataclass(frozen=True)
class SimulationResult:
    """P(success) per design (in the order given) with Monte Carlo SEs."""

    success: np.ndarray
    mcse: np.ndarray
    n_sim: int
    engine: str


def _theta(design_prior: BinaryDesignPrior, n_sim: int, seed: int):
    if n_sim < 2:
        raise InputError("n_sim must be at least 2", column="n_sim")
    return design_prior.sample(rng(seed, "design.engine.theta"), n_sim)


def _result(hits: np.ndarray, n_sim: int, engine: str) -> SimulationResult:
    p = np.asarray(hits, float) / n_sim
    return SimulationResult(p, np.sqrt(p * (1 - p) / n_sim), n_sim, engine)


def simulate_binary_numpy(designs: list[BinaryDesign], design_prior: BinaryDesignPrior,
                          n_sim: int, seed: int = DEFAULT_SEED) -> SimulationResult:
    """Reference engine: draw θ, draw both arms' event counts, look the decision up.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> from bayes_iris.design.distributions import BetaMix
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> d = [BinaryDesign(rule, BetaMix.single(1, 1), BetaMix.single(1, 1), n, n)
    ...      for n in (20, 60)]
    >>> dp = BinaryDesignPrior(control=0.2, treatment=0.5)
    >>> res = simulate_binary_numpy(d, dp, 4000, seed=3)
    >>> bool(res.success[1] > res.success[0])
    True
    """
    t, c = _theta(design_prior, n_sim, seed)
    r = rng(seed, "design.engine.numpy")
    hits = np.empty(len(designs))
    for k, d in enumerate(designs):
        y1 = r.binomial(d.n1, t)
        y2 = r.binomial(d.n2, c)
        hits[k] = d.decision[y1, y2].sum()
    return _result(hits, n_sim, "numpy")


def python_loop_assurance(design: BinaryDesign, design_prior: BinaryDesignPrior, n_sim: int,
                          seed: int = DEFAULT_SEED) -> float:
    """A plain Python loop, one trial at a time, refitting the conjugate posterior and applying
    the rule each time (what one would write first). For the benchmark only.

    Examples
    --------
    >>> from bayes_iris.design.rules import ZTestRule
    >>> d = BinaryDesign(ZTestRule(), None, None, 30, 30)
    >>> python_loop_assurance(d, BinaryDesignPrior(control=0.1, treatment=0.9), 20, seed=1)
    1.0
    """
    t, c = _theta(design_prior, n_sim, seed)
    r = rng(seed, "design.engine.loop")
    hits = 0
    for i in range(n_sim):
        y1, y2 = int(r.binomial(design.n1, t[i])), int(r.binomial(design.n2, c[i]))
        if getattr(design.rule, "kind", "") == "ztest":
            hits += bool(design.rule.decision_matrix(design.n1, design.n2)[y1, y2])
        else:
            hits += design.rule.decide(design.prior1.posterior(y1, design.n1),
                                       design.prior2.posterior(y2, design.n2))
    return hits / n_sim


def _padded_tables(designs: list[BinaryDesign]):
    n1 = np.array([d.n1 for d in designs])
    n2 = np.array([d.n2 for d in designs])
    table = np.zeros((len(designs), n1.max() + 1, n2.max() + 1), dtype=bool)
    for k, d in enumerate(designs):
        table[k, : d.n1 + 1, : d.n2 + 1] = d.decision
    return n1, n2, table


def _steps(ns: np.ndarray, chunk: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Split the sorted sample sizes of one arm into increments of at most ``chunk`` patients.

    Returns the increments ``(S,)`` and, per design, the index of the increment after which its
    sample size is reached (so ``cumsum(counts)[:, idx]`` are the designs' event counts).
    """
    levels = np.unique(ns)
    steps, ends, prev = [], {}, 0
    for level in levels:
        gap = int(level - prev)
        while gap > 0:
            steps.append(min(gap, chunk))
            gap -= steps[-1]
        ends[int(level)] = len(steps) - 1
        prev = level
    return np.array(steps, dtype=np.int32), np.array([ends[int(n)] for n in ns], dtype=np.int32)


def _binomial_increments(u, theta, steps, max_step: int):
    """Exact inverse-cdf binomial draws ``Bin(steps[s], θ_b)`` from uniforms ``u`` ``(B, S)``.

    For θ > 1/2 the failures are drawn instead (better precision, no overflow); the pmf
    recursion ``pmf(j+1) = pmf(j)·(m−j)/(j+1)·θ/(1−θ)`` runs over ``j < max_step``.
    """
    flip = theta > 0.5
    t = jnp.where(flip, 1.0 - theta, theta)[:, None]
    m = steps[None, :].astype(t.dtype)
    ratio = t / (1.0 - t)
    pmf = jnp.power(1.0 - t, m)

    def body(j, carry):
        pmf, cdf, count = carry
        count = count + ((u > cdf) & (j < m)).astype(jnp.int32)
        pmf = pmf * (m - j) / (j + 1) * ratio
        return pmf, cdf + pmf, count

    _, _, count = jax.lax.fori_loop(0, max_step, body, (pmf, pmf, jnp.zeros(u.shape, jnp.int32)))
    return jnp.where(flip[:, None], steps[None, :] - count, count)


@partial(jax.jit, static_argnames=("max1", "max2", "batch"))
def _jax_hits(key, t, c, steps1, idx1, steps2, idx2, table, *, max1: int, max2: int,
              batch: int):
    k_designs = idx1.shape[0]

    def one_batch(args):
        kb, tb, cb = args
        k1, k2 = jax.random.split(kb)
        u1 = jax.random.uniform(k1, (tb.shape[0], steps1.shape[0]))
        u2 = jax.random.uniform(k2, (cb.shape[0], steps2.shape[0]))
        y1 = jnp.cumsum(_binomial_increments(u1, tb, steps1, max1), axis=1)[:, idx1]  # (B, K)
        y2 = jnp.cumsum(_binomial_increments(u2, cb, steps2, max2), axis=1)[:, idx2]
        valid = (tb >= 0)[:, None]  # padding rows carry t = -1
        hit = table[jnp.arange(k_designs)[None, :], y1, y2] & valid
        return hit.sum(axis=0)

    tb = t.reshape(-1, batch)
    cb = c.reshape(-1, batch)
    keys = jax.random.split(key, tb.shape[0])
    return jax.lax.map(one_batch, (keys, tb, cb)).sum(axis=0)


def simulate_binary_jax(designs: list[BinaryDesign], design_prior: BinaryDesignPrior,
                        n_sim: int, seed: int = DEFAULT_SEED, *, batch: int = 10000
                        ) -> SimulationResult:
    """JAX engine (see the module docstring). Same contract as :func:`simulate_binary_numpy`.

    Examples
    --------
    >>> from bayes_iris.design.rules import BayesRule, Criterion
    >>> from bayes_iris.design.distributions import BetaMix
    >>> rule = BayesRule(criteria=[Criterion(prob=0.975)])
    >>> d = [BinaryDesign(rule, BetaMix.single(1, 1), BetaMix.single(1, 1), 40, 40)]
    >>> res = simulate_binary_jax(d, BinaryDesignPrior(control=0.3, treatment=0.3), 5000, seed=2)
    >>> bool(res.success[0] < 0.05)
    True
    """
    t, c = _theta(design_prior, n_sim, seed)
    batch = int(min(batch, n_sim))
    pad = (-n_sim) % batch
    t = np.concatenate([t, np.full(pad, -1.0)])
    c = np.concatenate([c, np.full(pad, -1.0)])
    n1, n2, table = _padded_tables(designs)
    s1, i1 = _steps(n1)
    s2, i2 = _steps(n2)
    key = jax.random.key(int_seed(seed, "design.engine.jax"))
    hits = _jax_hits(key, jnp.asarray(t, jnp.float32), jnp.asarray(c, jnp.float32),
                     jnp.asarray(s1), jnp.asarray(i1), jnp.asarray(s2), jnp.asarray(i2),
                     jnp.asarray(table), max1=int(s1.max()), max2=int(s2.max()), batch=batch)
    return _result(np.asarray(hits), n_sim, "jax")


def simulate_binary(designs: list[BinaryDesign], design_prior: BinaryDesignPrior, n_sim: int,
                    seed: int = DEFAULT_SEED, *, engine: str = "jax") -> SimulationResult:
    """Dispatch to the JAX or NumPy engine.

    Examples
    --------
    >>> from bayes_iris.design.rules import ZTestRule
    >>> d = [BinaryDesign(ZTestRule(), None, None, 50, 50)]
    >>> dp = BinaryDesignPrior(control=0.2, treatment=0.2)
    >>> float(simulate_binary(d, dp, 2000, seed=1, engine="numpy").success[0]) < 0.05
    True
    """
    if engine == "jax":
        return simulate_binary_jax(designs, design_prior, n_sim, seed)
    if engine == "numpy":
        return simulate_binary_numpy(designs, design_prior, n_sim, seed)
    raise InputError(f"unknown engine {engine!r}", column="engine", hint="'jax' or 'numpy'")
