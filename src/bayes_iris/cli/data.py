"""CLI commands of the data area: ``validate`` a trial folder, ``simulate`` a synthetic trial.

Both are thin wrappers: :func:`bayes_iris.data.load_trial` / :func:`bayes_iris.data.simulate_trial`
and :func:`bayes_iris.data.write_trial`. Bad input raises :class:`InputError` (exit 2, nothing written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..data import load_trial, simulate_trial, write_trial
from ..data.summary import trial_overview
from ..data.trial import TrialData
from ..errors import InputError, Problem
from ..seeds import DEFAULT_SEED

out = Console()


def _print_summary(trial: TrialData) -> None:
    ov = trial_overview(trial)
    style = "bold red" if trial.is_synthetic else "bold green"
    out.print(f"[{style}]{trial.provenance_label}[/{style}]", highlight=False)
    out.print(
        f"trial [bold]{trial.meta.name}[/bold] — valid "
        f"({ov['n_patients']} patients, {ov['n_lab_rows']} lab rows, "
        f"{ov['n_adverse_events']} adverse events)",
        highlight=False,
    )
    table = Table(title="Patients per arm and regimen")
    for col in ("arm", "regimen", "patients", "died", "lab rows", "adverse events"):
        table.add_column(col, justify="left" if col in ("arm", "regimen") else "right")
    for row in ov["by_regimen"]:
        table.add_row(
            row["arm"],
            row["regimen"],
            str(row["patients"]),
            str(row["died"]),
            str(row["lab_rows"]),
            str(row["adverse_events"]),
        )
    out.print(table)
    out.print(
        f"visit schedule (days): {', '.join(map(str, trial.meta.visit_schedule))}; "
        f"dosing ends day {trial.meta.dosing_end_day}; follow-up {trial.meta.follow_up_days} "
        "days",
        highlight=False,
    )


def validate(
    directory: Annotated[Path, typer.Argument(help="trial folder (trial.yaml + tables)")],
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON summary on stdout")] = False,
) -> int:
    """Validate a trial folder; print a summary (exit 0) or every problem found (exit 2)."""
    if as_json:
        try:
            trial = load_trial(directory)
        except InputError as err:
            typer.echo(
                json.dumps(
                    {
                        "valid": False,
                        "problems": [
                            {
                                "message": p.message,
                                "file": None if p.file is None else str(p.file),
                                "row": p.row,
                                "column": p.column,
                                "hint": p.hint,
                            }
                            for p in err.problems
                        ],
                    },
                    indent=2,
                )
            )
            raise
        typer.echo(
            json.dumps(
                {
                    "valid": True,
                    "provenance": trial.meta.provenance.model_dump(),
                    "provenance_label": trial.provenance_label,
                    **trial_overview(trial),
                },
                indent=2,
                default=str,
            )
        )
        return 0
    _print_summary(load_trial(directory))
    return 0


def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help="folder to create")],
    seed: Annotated[int, typer.Option("--seed", help="generator seed")] = DEFAULT_SEED,
    n_cyt107: Annotated[
        int, typer.Option("--n-cyt107", help="CYT107 patients (both regimens)")
    ] = 17,
    n_placebo: Annotated[int, typer.Option("--n-placebo", help="placebo patients")] = 10,
    force: Annotated[bool, typer.Option("--force", help="replace a non-empty --out")] = False,
    name: Annotated[str | None, typer.Option("--name", help="trial name")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table format: csv or parquet")] = "csv",
) -> int:
    """Simulate a SYNTHETIC IRIS-7-like trial (with its truth.json) into a new trial folder."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())) and not force:
        raise InputError(
            Problem(
                "output folder exists and is not empty",
                file=str(out_dir),
                column="--out",
                hint="choose a new folder or pass --force",
            )
        )
    if fmt not in ("csv", "parquet"):
        raise InputError(
            Problem(f"unknown format {fmt!r}", column="--format", hint="csv or parquet")
        )
    sim = simulate_trial(seed, n_cyt107=n_cyt107, n_placebo=n_placebo, name=name)
    write_trial(sim, out_dir, overwrite=force, fmt=fmt)
    out.print(
        f"[bold red]SYNTHETIC[/bold red] trial '{sim.data.meta.name}' (seed {seed}, "
        f"{n_cyt107} CYT107 + {n_placebo} placebo) written to {out_dir}",
        highlight=False,
    )
    out.print(
        f"true CYT107/placebo ALC ratio at day 29: {sim.truth.alc_day29_ratio:.3f}", highlight=False
    )
    return 0


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("validate")(validate)
    app.command("simulate")(simulate)
