"""Vectorised simulation of two-arm binary trials over a grid of sample sizes.

Two engines with the same contract — ``simulate_binary(designs, design_prior, n_sim, seed)``
returns the estimated probability of success of each design and its Monte Carlo SE:

* :func:`simulate_binary_numpy` — the small, obviously-correct NumPy reference (binomial draws,
  then a look-up in each design's decision matrix);
* :func:`simulate_binary_jax` — JAX (``jit`` + ``lax.map`` over batches of trials): patients are
  simulated one by one as Bernoulli draws and counted with a cumulative sum, so one simulated
  trial yields the outcome at *every* sample size of the grid at once (nested sample sizes, common
  random numbers across the curve). Runs on the CPU in float32: the true rates are rounded to
  float32 (relative error 6e-8), immaterial against any Monte Carlo error; counts are exact
  integers. float64 is not needed and not enabled.

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


@partial(jax.jit, static_argnames=("n1_max", "n2_max", "batch"))
def _jax_hits(key, t, c, n1, n2, table, *, n1_max: int, n2_max: int, batch: int):
    k_designs = n1.shape[0]

    def one_batch(args):
        kb, tb, cb = args
        k1, k2 = jax.random.split(kb)
        u1 = jax.random.uniform(k1, (tb.shape[0], n1_max))
        u2 = jax.random.uniform(k2, (cb.shape[0], n2_max))
        cs1 = jnp.cumsum(u1 < tb[:, None], axis=1, dtype=jnp.int32)
        cs2 = jnp.cumsum(u2 < cb[:, None], axis=1, dtype=jnp.int32)
        y1 = cs1[:, n1 - 1]  # (B, K): events among the first n1[k] patients
        y2 = cs2[:, n2 - 1]
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
    key = jax.random.key(int_seed(seed, "design.engine.jax"))
    hits = _jax_hits(key, jnp.asarray(t, jnp.float32), jnp.asarray(c, jnp.float32),
                     jnp.asarray(n1), jnp.asarray(n2), jnp.asarray(table),
                     n1_max=int(n1.max()), n2_max=int(n2.max()), batch=batch)
    return _result(np.asarray(hits), n_sim, "jax")


def simulate_binary(designs: list[BinaryDesign], design_prior: BinaryDesignPrior, n_sim: int,
                    seed: int = DEFAULT_SEED, *, engine: str = "jax") -> SimulationResult:
    """Dispatch to the JAX or NumPy engine."""
    if engine == "jax":
        return simulate_binary_jax(designs, design_prior, n_sim, seed)
    if engine == "numpy":
        return simulate_binary_numpy(designs, design_prior, n_sim, seed)
    raise InputError(f"unknown engine {engine!r}", column="engine", hint="'jax' or 'numpy'")
