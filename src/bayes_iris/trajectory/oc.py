r"""Operating characteristics of a biomarker decision rule, by simulated trials and the real model.

A decision rule on the day-29 ALC ratio is usually judged with a normal approximation of its
posterior. Here it is judged the way it will be used: each simulated phase III trial is drawn from
the synthetic generator (:func:`bayes_iris.data.synthetic.simulate_trial`, default 252 CYT107 /
148 placebo patients) with a stated true effect, analysed by the hierarchical ALC trajectory model
(:class:`~bayes_iris.trajectory.TrajectoryModel`, fitted by :func:`bayes_iris.inference.fit`) and
the rule applied to its posterior:

.. math::

    \text{success} \iff P\big(\text{GM ratio}_{\text{CYT107/placebo}}(\text{day}) > r \mid
    \text{data}\big) > p \qquad (\text{default } r = 1,\ p = 0.975,\ \text{day } 29).

The ratio is the model's typical-patient ratio of geometric means (``mu_day``). A scenario sets
the generator's true day-29 ALC ratio versus placebo (``fold_reference="placebo"``; every marker
gets the same ratio); the null scenario (ratio 1) gives the rule's type I error, the others its
power. The OC of a scenario is the share of its trials that succeed, with the Monte Carlo SE
:math:`\sqrt{\hat p(1-\hat p)/n}`.

Trials run on Dask (:mod:`~bayes_iris.trajectory.oc_runner`): a ``LocalCluster`` by default or an
existing scheduler by address. Trial ``i`` of scenario ``s`` draws its data from the seed stream
``trajectory.oc.data.<s>.<i>`` and its sampler seed from ``trajectory.oc.sampler.<s>.<i>`` of the
run seed, so the numbers do not depend on the number of workers, the order trials finish in, or a
resume. Each finished trial is written to the results folder at once
(:mod:`~bayes_iris.trajectory.oc_store`); a rerun skips finished trials. Per-trial diagnostics
(R-hat, ESS, divergences) are kept; a scenario with a failed fit is flagged, and ``strict``
raises :class:`~bayes_iris.errors.ConvergenceError`.

Everything here is made from SYNTHETIC trials; the OC describe the rule under the generator's
model, not IRIS-7.

References
----------
Berry SM, Carlin BP, Lee JJ, Müller P. Bayesian Adaptive Methods for Clinical Trials. Chapman &
Hall/CRC 2010, ch. 2.5 (operating characteristics of Bayesian designs by simulation).
Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical methods. Stat
Med 2019;38:2074-2102 (Monte Carlo standard errors).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import seeds
from ..errors import ConvergenceError, InputError, Problem
from ..fingerprints import hash_inputs
from ..inference.config import DEFAULT_BUDGET
from ..result import LOWER_Q, UPPER_Q, Result

__all__ = [
    "DEFAULT_SCENARIOS",
    "OC_SUMMARY_COLUMNS",
    "OC_TRIAL_COLUMNS",
    "BiomarkerRule",
    "OCResult",
    "OCScenario",
    "OCSettings",
    "run_trial",
    "summarise_oc",
    "trajectory_oc",
]

#: Sampler budgets of the OC fits (per chain), full and ``fast``: the trajectory analysis's own
#: (4 x 2000 after 1000; fast 4 x 1000 after 500), so each simulated trial is analysed as the
#: real analysis would be (at 60 patients 4 x 1000 left the patient-effect SDs below the ESS gate
#: in 2 of 4 fits).
OC_BUDGET = DEFAULT_BUDGET
#: Columns of the per-trial table.
OC_TRIAL_COLUMNS = [
    "scenario", "trial", "true_ratio", "n_patients", "prob", "success", "ratio_median",
    "ratio_lower95", "ratio_upper95", "covered", "rhat_log_ratio", "ess_log_ratio", "max_rhat",
    "min_ess_bulk", "min_ess_tail", "divergences", "status", "messages", "seconds", "data_seed", "sampler_seed",
]
#: Columns of the summary table (one row per scenario).
OC_SUMMARY_COLUMNS = [
    "scenario", "true_ratio", "n_trials", "n_success", "p_success", "mcse", "mean_prob",
    "median_ratio", "coverage95", "n_failed_fits", "max_rhat", "min_ess_bulk",
    "min_ess_log_ratio", "divergences",
    "status", "rule", "n_cyt107", "n_placebo", "provenance",
]
PROVENANCE = ("SYNTHETIC — trials simulated by the bayes-iris generator; operating "
              "characteristics under its model, not IRIS-7 data")


class OCScenario(BaseModel):
    """A simulation scenario: a name (data only, never a path) and the true day-29 ALC ratio.

    Examples
    --------
    >>> OCScenario(name="null", true_ratio=1.0).true_ratio
    1.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    true_ratio: float = Field(gt=0, description="true GM ratio CYT107/placebo at day 29 (ALC)")

    @field_validator("true_ratio")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be finite")
        return v


#: The null (type I error) and an alternative (power) scenario.
DEFAULT_SCENARIOS = (OCScenario(name="null", true_ratio=1.0),
                     OCScenario(name="alternative", true_ratio=1.25))


class BiomarkerRule(BaseModel):
    """Success if P(GM ratio CYT107/placebo of ``marker`` on ``day`` > ``ratio``) > ``prob``.

    Examples
    --------
    >>> rule = BiomarkerRule()
    >>> rule.decide(np.log([0.9, 1.2, 1.3, 1.5]))
    (0.75, False)
    >>> BiomarkerRule(prob=0.7).decide(np.log([0.9, 1.2, 1.3, 1.5]))
    (0.75, True)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    marker: str = "alc"
    day: int = Field(29, ge=1)
    ratio: float = Field(1.0, gt=0)
    prob: float = Field(0.975, gt=0, lt=1)

    def decide(self, log_ratio: np.ndarray) -> tuple[float, bool]:
        """Posterior probability of the criterion and the decision, from log-ratio draws."""
        p = float(np.mean(np.asarray(log_ratio) > math.log(self.ratio)))
        return p, bool(p > self.prob)

    def text(self) -> str:
        """The rule in words (the ``rule`` column)."""
        return f"P({self.marker.upper()} ratio day {self.day} > {self.ratio:g}) > {self.prob:g}"


class OCSettings(BaseModel):
    """Everything that fixes a run's numbers except the number of trials (the store's key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenarios: tuple[OCScenario, ...]
    rule: BiomarkerRule
    n_cyt107: int = Field(ge=2)
    n_placebo: int = Field(ge=1)
    draws: int = Field(ge=1)
    tune: int = Field(ge=1)
    chains: int = Field(4, ge=1)
    target_accept: float = Field(gt=0, lt=1)
    shape: str = "piecewise"
    seed: int = Field(ge=0)

    def key(self) -> str:
        return hash_inputs("trajectory-oc", "1", self.model_dump(mode="json"))


def _scenario_params(true_ratio: float) -> Any:
    from ..data.synthetic import SyntheticParams

    return SyntheticParams(fold_reference="placebo",
                           cyt107_fold={m: float(true_ratio) for m in ("alc", "cd4", "cd8")})


def run_trial(task: dict[str, Any]) -> dict[str, Any]:
    """Simulate, fit and decide one trial (the Dask task; ``task`` is plain data).

    ``task``: ``settings`` (:class:`OCSettings` as a dict), ``scenario`` (its number) and
    ``trial`` (the trial number). Returns the trial's record (:data:`OC_TRIAL_COLUMNS`).
    """
    import warnings

    from arviz_stats.base import array_stats

    from ..data.synthetic import simulate_trial
    from ..inference import SamplerConfig, fit
    from .model import TrajectoryModel

    st = OCSettings.model_validate(task["settings"])
    s, i = int(task["scenario"]), int(task["trial"])
    sc = st.scenarios[s]
    t0 = time.perf_counter()
    data_seed = seeds.int_seed(st.seed, f"trajectory.oc.data.{sc.name}.{i}")
    sampler_seed = seeds.int_seed(st.seed, f"trajectory.oc.sampler.{sc.name}.{i}")
    sim = simulate_trial(data_seed, _scenario_params(sc.true_ratio), n_cyt107=st.n_cyt107,
                         n_placebo=st.n_placebo, name=f"oc-s{s}-t{i}")
    tm = TrajectoryModel(sim.data, markers=(st.rule.marker,), shape=st.shape)
    config = SamplerConfig(seed=sampler_seed, draws=st.draws, tune=st.tune, chains=st.chains,
                           cores=1, target_accept=st.target_accept, progressbar=False,
                           log_likelihood=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # library chatter; failed diagnostics are recorded below
        res = fit(tm, config, cache_dir=None, provenance=sim.data.provenance_label)
    mu = res.idata["posterior"]["mu_day"].sel(marker=st.rule.marker, day=st.rule.day)
    by_chain = (mu.sel(group="cyt107") - mu.sel(group="placebo")).transpose("chain", "draw").values
    log_ratio = by_chain.reshape(-1)
    prob, success = st.rule.decide(log_ratio)
    true_ratio = float(sim.truth.gm_ratio(st.rule.marker, st.rule.day))
    lo, hi = (float(np.exp(np.quantile(log_ratio, q))) for q in (LOWER_Q, UPPER_Q))
    d = res.diagnostics
    return {
        "scenario": sc.name, "trial": i, "true_ratio": true_ratio,
        "n_patients": int(sim.data.n_patients), "prob": prob, "success": success,
        "ratio_median": float(np.exp(np.median(log_ratio))), "ratio_lower95": lo,
        "ratio_upper95": hi, "covered": bool(lo <= true_ratio <= hi),
        "rhat_log_ratio": float(array_stats.rhat(by_chain, chain_axis=0, draw_axis=1)),
        "ess_log_ratio": float(array_stats.ess(by_chain, chain_axis=0, draw_axis=1,
                                               method="bulk")),
        "max_rhat": float(d.max_rhat), "min_ess_bulk": float(d.min_ess_bulk),
        "min_ess_tail": float(d.min_ess_tail), "divergences": int(d.divergences),
        "status": d.status, "messages": "; ".join(d.messages),
        "seconds": round(time.perf_counter() - t0, 3), "data_seed": data_seed,
        "sampler_seed": sampler_seed,
    }


@dataclass(frozen=True)
class OCResult(Result):
    """The OC of a rule: ``summary`` (one row per scenario) and ``trials`` (one row per trial).

    ``seconds`` (the time of each fit) varies from run to run; every other number is fixed by the
    seed.
    """

    TABLES: ClassVar[dict[str, str]] = {"trajectory_oc": "summary",
                                        "trajectory_oc_trials": "trials"}

    summary: pd.DataFrame
    trials: pd.DataFrame
    draws: xr.Dataset
    settings: OCSettings

    @property
    def failed(self) -> pd.DataFrame:
        """The trials whose fit failed the diagnostics gate."""
        return self.trials[self.trials["status"] != "ok"]


def summarise_oc(records: Sequence[dict[str, Any]], settings: OCSettings) -> OCResult:
    """OC per scenario from per-trial records (ordered by scenario, then trial)."""
    trials = pd.DataFrame(list(records), columns=OC_TRIAL_COLUMNS)
    trials = trials.astype({"prob": float, "max_rhat": float, "min_ess_bulk": float,
                            "rhat_log_ratio": float, "ess_log_ratio": float,
                            "min_ess_tail": float, "ratio_median": float})
    rows = []
    for sc in settings.scenarios:
        t = trials[trials["scenario"] == sc.name]
        n = len(t)
        hits = int(t["success"].sum())
        p = hits / n if n else float("nan")
        bad = int((t["status"] != "ok").sum())
        rows.append({
            "scenario": sc.name, "true_ratio": sc.true_ratio, "n_trials": n, "n_success": hits,
            "p_success": p, "mcse": math.sqrt(p * (1 - p) / n) if n else float("nan"),
            "mean_prob": float(t["prob"].mean()) if n else float("nan"),
            "median_ratio": float(t["ratio_median"].median()) if n else float("nan"),
            "coverage95": float(t["covered"].mean()) if n else float("nan"),
            "n_failed_fits": bad,
            "max_rhat": float(t["max_rhat"].max()) if n else float("nan"),
            "min_ess_bulk": float(t["min_ess_bulk"].min()) if n else float("nan"),
            "min_ess_log_ratio": float(t["ess_log_ratio"].min()) if n else float("nan"),
            "divergences": int(t["divergences"].sum()),
            "status": "ok" if bad == 0 else "warning", "rule": settings.rule.text(),
            "n_cyt107": settings.n_cyt107, "n_placebo": settings.n_placebo,
            "provenance": PROVENANCE,
        })
    summary = pd.DataFrame(rows, columns=OC_SUMMARY_COLUMNS)
    return OCResult(summary=summary, trials=trials, draws=xr.Dataset(), settings=settings)


def failure_message(records: Sequence[dict[str, Any]]) -> str | None:
    """One line naming the failed fits, or ``None`` when every fit passed the gate."""
    bad = [r for r in records if r.get("status") != "ok"]
    if not bad:
        return None
    first = bad[0]
    return (f"trajectory OC: diagnostics failed in {len(bad)} of {len(records)} fits (first: "
            f"scenario {first['scenario']!r}, trial {first['trial']}: {first['messages']})")


def _settings(scenarios, rule, n_cyt107, n_placebo, seed, fast, draws, tune,
              shape) -> OCSettings:
    from pydantic import ValidationError

    from .analysis import TARGET_ACCEPT

    budget = OC_BUDGET["fast" if fast else "full"]
    try:
        scs = tuple(s if isinstance(s, OCScenario) else OCScenario.model_validate(s)
                    for s in scenarios)
        st = OCSettings(scenarios=scs, rule=rule if rule is not None else BiomarkerRule(),
                        n_cyt107=n_cyt107, n_placebo=n_placebo, seed=seed,
                        draws=draws or budget["draws"], tune=tune or budget["tune"],
                        target_accept=TARGET_ACCEPT, shape=shape)
    except ValidationError as err:
        e = err.errors()[0]
        where = ".".join(str(p) for p in e["loc"])
        raise InputError(Problem(f"{where}: {e['msg']}", column=where)) from None
    names = [s.name for s in st.scenarios]
    if not names or len(set(names)) != len(names):
        raise InputError(Problem(f"scenario names must be distinct and at least one, got {names}",
                                 column="scenarios"))
    if st.shape not in ("piecewise", "spline"):
        raise InputError(Problem(f"unknown shape {st.shape!r}", column="shape",
                                 hint="piecewise or spline"))
    if st.rule.marker != "alc":
        raise InputError(Problem(f"the OC rule reads the ALC model; got marker "
                                 f"{st.rule.marker!r}", column="rule.marker", hint="alc"))
    schedule = _scenario_params(1.0).visit_schedule
    if st.rule.day not in schedule:
        raise InputError(Problem(f"day {st.rule.day} is not a scheduled visit "
                                 f"{list(schedule)}", column="rule.day"))
    return st


def trajectory_oc(
    scenarios: Sequence[OCScenario | dict[str, Any]] = DEFAULT_SCENARIOS,
    rule: BiomarkerRule | None = None,
    *,
    n_trials: int = 100,
    n_cyt107: int = 252,
    n_placebo: int = 148,
    seed: int = seeds.DEFAULT_SEED,
    fast: bool = False,
    draws: int | None = None,
    tune: int | None = None,
    shape: str = "piecewise",
    results: str | Path | None = None,
    address: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
    strict: bool = False,
    progress: bool = True,
) -> OCResult:
    """Operating characteristics of ``rule``: simulated trials, each analysed by the ALC model.

    Parameters
    ----------
    scenarios : sequence of OCScenario or dict
        Names and true day-29 ALC ratios CYT107/placebo (default: null 1.0, alternative 1.25).
    rule : BiomarkerRule, optional
        The decision rule (default P(ratio at day 29 > 1) > 0.975).
    n_trials : int
        Trials per scenario.
    n_cyt107, n_placebo : int
        Patients per arm of each simulated trial (default 400 patients: 252 / 148).
    seed : int
        Run seed: fixes every trial's data and sampler seed.
    fast, draws, tune : optional
        Sampler budget per chain (4 chains): the trajectory analysis's, full 2000 draws after
        1000 tuning, fast 1000 after 500; ``draws``/``tune`` override.
    shape : {"piecewise", "spline"}
        Time course of the analysis model.
    results : path, optional
        Folder of partial results (``oc.json``, ``trials/``): finished trials are written there at
        once and skipped by a rerun with the same settings. ``None``: nothing written.
    address : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); default a ``LocalCluster``.
    n_workers : int
        Worker processes of the LocalCluster (one thread and one sampling chain at a time each).
    processes : bool
        LocalCluster workers as processes (default) or threads.
    strict : bool
        Raise :class:`ConvergenceError` as soon as a fit fails the diagnostics gate (finished
        trials stay in ``results``).
    progress : bool
        A bar on a terminal, else one line per finished trial with elapsed time and ETA (stderr).

    Returns
    -------
    OCResult

    Examples
    --------
    Not run as a doctest (a cluster and an MCMC fit per trial; ``tests/trajectory/test_oc.py``
    runs small ones)::

        from bayes_iris.trajectory.oc import BiomarkerRule, trajectory_oc
        oc = trajectory_oc(n_trials=20, n_cyt107=60, n_placebo=40, fast=True,
                           rule=BiomarkerRule(prob=0.95), results="results/oc-demo")
        oc.summary[["scenario", "true_ratio", "p_success", "mcse", "status"]]
    """
    from .oc_runner import run_trials
    from .oc_store import OCStore, roundtrip

    if not isinstance(n_trials, int | np.integer) or n_trials < 1:
        raise InputError(Problem(f"n_trials must be a positive integer, got {n_trials!r}",
                                 column="n_trials"))
    if not isinstance(n_workers, int | np.integer) or n_workers < 1:
        raise InputError(Problem(f"n_workers must be a positive integer, got {n_workers!r}",
                                 column="n_workers"))
    seeds.seed_sequence(seed, "check")  # InputError on a bad seed
    st = _settings(scenarios, rule, n_cyt107, n_placebo, seed, fast, draws, tune, shape)
    store = (OCStore(results, st.model_dump(mode="json"), key=st.key())
             if results is not None else None)
    done = store.load() if store is not None else {}
    wanted = [(s, i) for s in range(len(st.scenarios)) for i in range(int(n_trials))]
    done = {k: v for k, v in done.items() if k in set(wanted)}
    if strict and (msg := failure_message([done[k] for k in sorted(done)])):
        raise ConvergenceError(msg)
    todo = [k for k in wanted if k not in done]
    settings_json = st.model_dump(mode="json")

    def finished(key: tuple[int, int], record: dict[str, Any]) -> None:
        rec = store.write(*key, record) if store is not None else roundtrip(record)
        done[key] = rec
        if strict and (msg := failure_message([rec])):
            raise ConvergenceError(msg)

    tasks = [{"settings": settings_json, "scenario": s, "trial": i} for s, i in todo]
    run_trials(run_trial, tasks, finished, total=len(wanted), already=len(wanted) - len(todo), address=address,
               n_workers=int(n_workers), processes=processes, progress=progress)
    result = summarise_oc([done[k] for k in wanted], st)
    if msg := failure_message([done[k] for k in wanted]):
        from rich.console import Console

        # scenario names are data: printed without markup
        Console(stderr=True).print(f"WARNING — {msg}", style="bold yellow", markup=False,
                                   highlight=False)
    return result
