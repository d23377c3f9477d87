"""Scenario grids on dask.distributed, including OC with a full MCMC refit per simulated trial.

When the analysis model is not conjugate (here: independent ``N(0, 1.5²)`` priors on the logit of
each arm's event rate), the OC of a Bayesian rule needs an MCMC fit per simulated trial. Each
Dask task simulates a batch of trials of one scenario, **builds and compiles its small PyMC model
inside the task** (compiled samplers cannot be pickled), swaps the data with ``pm.set_data`` for
each trial, and samples with ``cores=1`` (PyMC's multi-process sampler cannot run inside a
daemonic Dask worker) and 4 chains. Every fit's diagnostics (R-hat, ESS, divergences) are kept;
a scenario with a failing fit is flagged, and ``strict=True`` raises
:class:`~bayes_iris.errors.ConvergenceError`.

The cluster is a :class:`distributed.LocalCluster` by default (``n_workers`` processes, one
thread each); pass ``address="tcp://host:8786"`` to use an existing scheduler and scale out.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, InputError
from ..seeds import DEFAULT_SEED, int_seed, rng
from .rules import BayesRule

RHAT_MAX, ESS_MIN = 1.01, 400


def run_grid(func: Callable[[Any], Any], tasks: Sequence[Any], *, address: str | None = None,
             n_workers: int = 2, processes: bool = True) -> list[Any]:
    """Map ``func`` over ``tasks`` on a Dask cluster and return the results in order.

    Examples
    --------
    >>> run_grid(abs, [-1, 2, -3], n_workers=1, processes=False)
    [1, 2, 3]
    """
    from distributed import Client, LocalCluster

    if address is not None:
        client, cluster = Client(address), None
    else:
        if n_workers < 1:
            raise InputError("n_workers must be >= 1", column="n_workers")
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        return client.gather(client.map(func, list(tasks), pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def mcmc_oc_task(task: dict) -> dict:
    """One Dask task: simulate ``task["n_trials"]`` trials of one scenario and refit each by MCMC.

    ``task`` keys: ``scenario`` (id), ``n1``, ``n2``, ``p1``, ``p2`` (true rates), ``rule`` (a
    :class:`BayesRule` as a dict), ``n_trials``, ``draws``, ``tune``, ``seed`` (an int derived
    from the run seed).
    """
    import pymc as pm

    rule = BayesRule.model_validate(task["rule"])
    r = rng(task["seed"], f"design.mcmc.{task['scenario']}.{task['batch']}")
    y1 = r.binomial(task["n1"], task["p1"], task["n_trials"])
    y2 = r.binomial(task["n2"], task["p2"], task["n_trials"])
    with pm.Model() as model:
        y = pm.Data("y", np.array([y1[0], y2[0]]))
        logit_p = pm.Normal("logit_p", 0.0, 1.5, shape=2)
        pm.Binomial("obs", n=np.array([task["n1"], task["n2"]]), logit_p=logit_p, observed=y)
    logging.getLogger("pymc").setLevel(logging.ERROR)
    trials = []
    for i in range(task["n_trials"]):
        with model:
            pm.set_data({"y": np.array([y1[i], y2[i]])})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(draws=task["draws"], tune=task["tune"], chains=4, cores=1,
                                  random_seed=int_seed(task["seed"], f"mcmc.{i}"),
                                  progressbar=False, compute_convergence_checks=False,
                                  nuts_sampler="pymc")
        lp = np.asarray(idata["posterior"]["logit_p"].values)  # (chain, draw, 2)
        p = 1 / (1 + np.exp(-lp.reshape(-1, 2)))
        c0 = rule.criteria[0]
        g = {"identity": lambda x: x, "log": np.log, "logit": lambda x: np.log(x / (1 - x))}[
            rule.scale]
        diff = g(p[:, 0]) - g(p[:, 1])
        trials.append({
            "scenario": task["scenario"], "y1": int(y1[i]), "y2": int(y2[i]),
            "prob_criterion_1": float(np.mean(diff <= c0.threshold) if c0.lower_tail
                                      else np.mean(diff > c0.threshold)),
            "success": bool(rule.decide_draws(p[:, 0], p[:, 1])),
            "max_rhat": _split_rhat(lp), "min_ess": _ess_bulk_lower_bound(lp),
            "divergences": int(np.asarray(idata["sample_stats"]["diverging"]).sum()),
        })
    return trials


def _split_rhat(x: np.ndarray) -> float:
    """Max over parameters of ArviZ's rank-normalised split R-hat of draws ``(chain, draw, k)``."""
    from arviz_stats.base import array_stats

    return float(np.max(array_stats.rhat(x, chain_axis=0, draw_axis=1)))


def _ess_bulk_lower_bound(x: np.ndarray) -> float:
    """Min over parameters of ArviZ's bulk ESS of draws ``(chain, draw, k)``."""
    from arviz_stats.base import array_stats

    return float(np.min(array_stats.ess(x, chain_axis=0, draw_axis=1, method="bulk")))


def mcmc_oc_grid(scenarios: Sequence[tuple[int, int, float, float]], rule: BayesRule, *,
                 n_trials: int = 20, batch: int = 10, draws: int = 500, tune: int = 500,
                 seed: int = DEFAULT_SEED, address: str | None = None, n_workers: int = 2,
                 processes: bool = True, strict: bool = False) -> pd.DataFrame:
    """OC of ``rule`` under a non-conjugate logit-normal model, one MCMC fit per simulated trial.

    ``scenarios``: ``(n_treat, n_control, p_treat, p_control)`` tuples. Returns one row per
    scenario: ``p_success``, ``mcse``, ``n_trials``, ``max_rhat``, ``min_ess``, ``divergences``,
    ``status`` ("ok" or "warning"); with ``strict`` a warning raises ConvergenceError. The
    per-trial records (data, posterior probability of the first criterion, decision,
    diagnostics) are in ``result.attrs["trials"]``.

    Examples
    --------
    Not run as a doctest (it starts a cluster and compiles a PyMC model; about 20 s — the same
    call runs in ``tests/design/test_design_distributed.py``)::

        from bayes_iris.design.rules import Criterion
        rule = BayesRule(criteria=[Criterion(prob=0.9)])
        df = mcmc_oc_grid([(25, 25, 0.55, 0.3)], rule, n_trials=2, batch=1, draws=300,
                          tune=300, n_workers=2)
        df[["p_success", "mcse", "max_rhat", "status"]]
    """
    if n_trials < 1 or batch < 1:
        raise InputError("n_trials and batch must be >= 1", column="n_trials")
    tasks = []
    for s, (n1, n2, p1, p2) in enumerate(scenarios):
        for b, start in enumerate(range(0, n_trials, batch)):
            tasks.append({"scenario": s, "batch": b, "n1": int(n1), "n2": int(n2),
                          "p1": float(p1), "p2": float(p2), "rule": rule.model_dump(),
                          "n_trials": min(batch, n_trials - start), "draws": draws,
                          "tune": tune, "seed": int_seed(seed, f"design.mcmc.task.{s}.{b}")})
    per_trial = pd.DataFrame([t for res in run_grid(mcmc_oc_task, tasks, address=address,
                                                    n_workers=n_workers, processes=processes)
                              for t in res])
    agg = per_trial.groupby("scenario").agg(
        hits=("success", "sum"), n_trials=("success", "size"), max_rhat=("max_rhat", "max"),
        min_ess=("min_ess", "min"), divergences=("divergences", "sum")).reset_index()
    sc = pd.DataFrame(list(scenarios), columns=["n_treat", "n_control", "p_treat", "p_control"])
    agg = pd.concat([sc, agg.drop(columns="scenario")], axis=1)
    agg["p_success"] = agg["hits"] / agg["n_trials"]
    agg["mcse"] = np.sqrt(agg.p_success * (1 - agg.p_success) / agg.n_trials)
    bad = (agg.max_rhat > RHAT_MAX) | (agg.min_ess < ESS_MIN) | (agg.divergences > 0)
    agg["status"] = np.where(bad, "warning", "ok")
    if bad.any():
        msg = (f"MCMC diagnostics failed in {int(bad.sum())} scenario(s): "
               f"max R-hat {agg.max_rhat.max():.3f}, min ESS {agg.min_ess.min():.0f}, "
               f"{int(agg.divergences.sum())} divergences")
        if strict:
            raise ConvergenceError(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    agg = agg.drop(columns="hits")
    agg.attrs["trials"] = per_trial
    return agg
