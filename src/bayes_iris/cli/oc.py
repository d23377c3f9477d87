"""CLI command ``trajectory-oc``: OC of a biomarker decision rule with the real trajectory model.

A thin wrapper over :func:`bayes_iris.trajectory.oc.trajectory_oc`. The run's folder
(``--results``, default ``results/trajectory-oc``) keeps one file per finished trial, so an
interrupted run resumes where it stopped; the tables are written to ``<results>/tables/``
(``trajectory_oc.csv``, one row per scenario; ``trajectory_oc_trials.csv``, one row per trial) and
``--out`` writes the summary to a CSV file too. Exit 2 on bad input (nothing written), 3 with
``--strict`` when a fit fails its diagnostics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, Problem
from .options import DEFAULT, FastOpt, OutOpt, ResultsOpt, SeedOpt, StrictOpt, examples
from .output import console, print_table, write_csv

DEFAULT_RESULTS = Path("results") / "trajectory-oc"

ScenarioOpt = Annotated[list[str] | None, typer.Option(
    "--scenario", help="NAME=RATIO: true day-29 ALC ratio CYT107/placebo (repeat; default "
                       "null=1 alternative=1.25)")]


def parse_scenarios(values: list[str] | None) -> list[dict]:
    """``["null=1", "alt=1.3"]`` -> scenario dicts; bad text raises InputError (--scenario).

    Examples
    --------
    >>> parse_scenarios(["null=1", "alt=1.3"])
    [{'name': 'null', 'true_ratio': 1.0}, {'name': 'alt', 'true_ratio': 1.3}]
    """
    if not values:
        from ..trajectory.oc import DEFAULT_SCENARIOS

        return [s.model_dump() for s in DEFAULT_SCENARIOS]
    out = []
    for text in values:
        name, sep, ratio = text.partition("=")
        try:
            value = float(ratio)
        except ValueError:
            value = None
        if not sep or not name.strip() or value is None:
            raise InputError(Problem(f"--scenario must be NAME=RATIO, got {text!r}",
                                     column="--scenario", hint="e.g. --scenario null=1"))
        out.append({"name": name.strip(), "true_ratio": value})
    return out


def oc_command(
    scenario: ScenarioOpt = None,
    trials: Annotated[int, typer.Option("--trials", help="trials per scenario")] = 100,
    n_cyt107: Annotated[int, typer.Option("--n-cyt107", help="CYT107 patients per trial")] = 252,
    n_placebo: Annotated[int, typer.Option("--n-placebo",
                                           help="placebo patients per trial")] = 148,
    day: Annotated[int, typer.Option("--day", help="day of the ALC ratio (a visit)")] = 29,
    ratio: Annotated[float, typer.Option("--ratio", help="rule: ratio threshold r")] = 1.0,
    prob: Annotated[float, typer.Option("--prob", help="rule: P(ratio > r) must exceed")] = 0.975,
    workers: Annotated[int, typer.Option("--workers", help="local Dask workers")] = 2,
    address: Annotated[str | None, typer.Option(
        "--address", help="existing Dask scheduler (tcp://host:8786) instead of local "
                          "workers")] = None,
    draws: Annotated[int | None, typer.Option("--draws", help="draws per chain")] = None,
    tune: Annotated[int | None, typer.Option("--tune", help="tuning steps per chain")] = None,
    results: ResultsOpt = None,
    out_csv: OutOpt = None,
    seed: SeedOpt = DEFAULT,
    fast: FastOpt = False,
    strict: StrictOpt = False,
) -> int:
    """OC of a biomarker rule: simulated SYNTHETIC trials, each fitted by the ALC model, on Dask.

    Success of a trial: P(ALC ratio CYT107/placebo on --day > --ratio) > --prob under the
    hierarchical trajectory model. Prints P(success) per scenario with its Monte Carlo SE and the
    fits' diagnostics. Rerun the same command to resume an interrupted run.
    """
    from rich.markup import escape

    from ..trajectory.oc import BiomarkerRule, trajectory_oc

    try:
        rule = BiomarkerRule(day=day, ratio=ratio, prob=prob)
    except ValueError as err:
        raise InputError(Problem(f"bad rule: {err.errors()[0]['msg']}",  # type: ignore[attr-defined]
                                 column="--" + str(err.errors()[0]["loc"][0]))) from None
    folder = Path(results) if results is not None else DEFAULT_RESULTS
    res = trajectory_oc(parse_scenarios(scenario), rule, n_trials=trials, n_cyt107=n_cyt107,
                        n_placebo=n_placebo, seed=seed, fast=fast, draws=draws, tune=tune,
                        results=folder, address=address, n_workers=workers, strict=strict)
    from .. import atomic

    for name, table in res.tables().items():
        atomic.write_with(folder / "tables" / f"{name}.csv",
                          lambda p, t=table: t.to_csv(p, index=False))
    shown = res.summary.assign(scenario=res.summary["scenario"].map(escape))
    print_table(shown, f"Operating characteristics — {rule.text()}, "
                       f"{n_cyt107} CYT107 / {n_placebo} placebo",
                ["scenario", "true_ratio", "n_trials", "p_success", "mcse", "coverage95",
                 "n_failed_fits", "max_rhat", "min_ess_bulk", "divergences", "status"],
                res.summary["provenance"].iloc[0])
    if out_csv is not None:
        write_csv(out_csv, res.summary, res.summary["provenance"].iloc[0])
    console.print(f"tables: {folder / 'tables'}", highlight=False, markup=False)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``trajectory-oc`` to ``app``."""
    app.command("trajectory-oc", epilog=examples(
        "bayes-iris trajectory-oc --trials 20 --n-cyt107 60 --n-placebo 40 --fast",
        "bayes-iris trajectory-oc --scenario null=1 --scenario alt=1.2 --prob 0.99 --seed 7",
        "bayes-iris trajectory-oc --address tcp://scheduler:8786 --results results/oc400 "
        "--strict",
    ))(oc_command)
