"""``bayes-iris run`` (the analysis pipeline) and ``bayes-iris report`` (pipeline, then the report).

Exit codes (:class:`~bayes_iris.errors.ExitCode`): 0 ok (steps may have warned: the report says
so) · 1 a step crashed (the report is still written and shows the failure) · 2 bad input · 3
diagnostics failed under ``--strict`` (no report is rendered from failed diagnostics).
"""

from __future__ import annotations

import webbrowser
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ExitCode
from .options import DEFAULT, DataOpt, FastOpt, ResultsOpt, SeedOpt, StrictOpt, examples

StepsOpt = Annotated[
    list[str] | None,
    typer.Option("--step", help="run only this step (repeatable): 01, data, 01_data, ..."),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="run every step again")]


class EngineChoice(StrEnum):
    auto = "auto"
    quarto = "quarto"
    jupyter = "jupyter"


def _summarise(result) -> int:
    from .output import console

    for s in result.steps:
        colour = {"ok": "green", "cached": "green", "warning": "yellow"}.get(s.status, "red")
        extra = (
            f" (diagnostics: {s.diagnostics_status})"
            if (s.cached and s.diagnostics_status not in (None, "ok"))
            else ""
        )
        console.print(
            f"  [{colour}]{s.status:>8}[/{colour}]  {s.stem}"
            f"{'' if s.cached else f'  {s.seconds:.1f} s'}{extra}",
            highlight=False,
        )
    if result.failed:
        console.print(
            "[bold red]Some steps failed[/bold red]: "
            + ", ".join(s.stem for s in result.failed)
            + f" — logs in {result.results_dir / 'logs'}",
            highlight=False,
        )
        return ExitCode.BUG
    if result.warnings:
        console.print(
            "[bold yellow]Warning:[/bold yellow] diagnostics flagged problems in "
            + ", ".join(s.stem for s in result.warnings)
            + " — see the report's Diagnostics chapter",
            highlight=False,
        )
    return ExitCode.OK


def run(
    data: DataOpt = None,
    results: ResultsOpt = None,
    seed: SeedOpt = DEFAULT,
    fast: FastOpt = False,
    strict: StrictOpt = False,
    step: StepsOpt = None,
    no_cache: NoCacheOpt = False,
) -> int:
    """Run the analysis steps (analyses/NN_*.py) in order, reusing cached steps."""
    from ..pipeline import run_pipeline
    from .output import console

    result = run_pipeline(data, results, seed, fast, strict, steps=step, use_cache=not no_cache)
    code = _summarise(result)
    console.print(f"Results: {result.results_dir}", highlight=False)
    return code


def report(
    data: DataOpt = None,
    results: ResultsOpt = None,
    seed: SeedOpt = DEFAULT,
    fast: FastOpt = False,
    strict: StrictOpt = False,
    engine: Annotated[
        EngineChoice,
        typer.Option("--engine", help="quarto when installed (auto), else the Jupyter fallback"),
    ] = EngineChoice.auto,
    open_: Annotated[bool, typer.Option("--open", help="open the report in a browser")] = False,
    no_cache: NoCacheOpt = False,
) -> int:
    """Run the analyses on a trial (default: the bundled SYNTHETIC trial) and render the report."""
    from ..pipeline import run_pipeline
    from ..report import render_report_detailed
    from .output import console

    result = run_pipeline(data, results, seed, fast, strict, use_cache=not no_cache)
    code = _summarise(result)
    if console.is_terminal:
        with console.status("Rendering the report…"):
            rendered = render_report_detailed(result.results_dir, engine=engine.value)
    else:  # a log: a line when rendering starts and ends, a heartbeat while it runs
        from .. import progress

        with progress.activity("report.html", kind="render", mode="plain"):
            rendered = render_report_detailed(result.results_dir, engine=engine.value)
    if rendered.errors:
        console.print(
            f"[bold red]{len(rendered.errors)} report section(s) failed to render[/]: "
            + "; ".join(rendered.errors),
            highlight=False,
        )
        code = code or ExitCode.BUG
    label = result.provenance_label
    if result.provenance_kind == "synthetic":
        console.print(f"[bold white on red] SYNTHETIC [/] {label}", highlight=False, markup=True)
    console.print(f"Report ({rendered.engine}): [bold]{rendered.path}[/bold]", highlight=False)
    print(rendered.path)
    if open_:
        webbrowser.open(Path(rendered.path).as_uri())
    return code


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``report`` to ``app``."""
    app.command("run", epilog=examples(
        "bayes-iris run --fast",
        "bayes-iris run --data path/to/trial --results results/mine --strict",
        "bayes-iris run --step 02 --no-cache",
    ))(run)
    app.command("report", epilog=examples(
        "bayes-iris report",
        "bayes-iris report --fast --open",
        "bayes-iris report --data path/to/trial --strict --engine jupyter",
    ))(report)
