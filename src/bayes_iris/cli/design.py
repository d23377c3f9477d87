"""CLI command of the design area: ``design`` (sample size / assurance for the phase III trial).

A thin wrapper over :func:`bayes_iris.design.sample_size`, with the design prior read from a
results folder's upstream posteriors (:func:`bayes_iris.results.design_prior_from_results`) or
taken from published facts; bad values raise :class:`~bayes_iris.errors.InputError` (exit 2,
nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..errors import InputError
from .options import DEFAULT, OutOpt, SeedOpt, examples
from .output import out

DESIGN_PRIORS = ("default", "robust", "published", "elicited")


def _design_prior(endpoint: str, which: str, results: Path | None, elicited_rr: str | None):
    import numpy as np

    from ..design import BinaryDesignPrior, default_design_prior, normal_from_quantiles
    from ..design.design_priors import control_risk
    from ..results.tables import design_prior_from_results

    if which not in DESIGN_PRIORS:
        raise InputError(f"unknown --design-prior {which!r}", column="design-prior",
                         hint=f"one of {', '.join(DESIGN_PRIORS)}")
    folder = None if (which == "published" or results is None) else Path(results)
    if folder is not None and not (folder / "tables").is_dir():
        raise InputError(f"no tables folder in {results}", file=str(results), column="results",
                         hint="run the analyses first, or drop --results to use published facts")
    if which == "elicited":
        if endpoint not in ("mortality", "infection"):
            raise InputError("--design-prior elicited applies to mortality and infection",
                             column="design-prior")
        try:
            lo, hi = (float(v) for v in (elicited_rr or "").split(","))
        except ValueError:
            raise InputError(f"--elicited-rr must be LO,HI, got {elicited_rr!r}",
                             column="elicited-rr", hint="e.g. --elicited-rr 0.55,1.05") from None
        if not 0 < lo < hi:
            raise InputError("--elicited-rr needs 0 < LO < HI", column="elicited-rr")
        ctrl, note = control_risk(endpoint)
        return BinaryDesignPrior(control=ctrl, log_rr=normal_from_quantiles(
            float(np.log(lo)), float(np.log(hi))),
            label=f"elicited RR 95 % in [{lo:g}, {hi:g}]", source="ELICITED (user-stated)",
            assumptions=(note,))
    weight = 0.5 if which == "robust" else 0.0
    if folder is None:
        return default_design_prior(endpoint, robust_weight=weight)
    # upstream tables carry their own provenance column (synthetic posteriors get labelled)
    return design_prior_from_results(folder, endpoint, robust_weight=weight)


def design_command(
    endpoint: Annotated[str, typer.Option(
        help="mortality | alc | rise50 | infection | safety")] = "mortality",
    design_prior: Annotated[str, typer.Option(
        help="default (toolkit posterior or published fallback) | robust | published | "
             "elicited")] = "default",
    elicited_rr: Annotated[str | None, typer.Option(
        help="with --design-prior elicited: 95 % interval of the RR, LO,HI")] = None,
    target: Annotated[float, typer.Option(help="target assurance (or power)")] = 0.8,
    metric: Annotated[str, typer.Option(
        help="assurance | power | expected_power")] = "assurance",
    n_max: Annotated[int | None, typer.Option(help="largest total sample size")] = None,
    allocation: Annotated[float, typer.Option(help="treatment:control ratio")] = 1.0,
    results: Annotated[Path | None, typer.Option(
        "--results", help="results folder whose tables/ hold the upstream posteriors")] = None,
    seed: SeedOpt = DEFAULT,
    fast: Annotated[bool, typer.Option(
        "--fast", help="8 evenly spaced sample sizes instead of the refined search")] = False,
    out_csv: OutOpt = None,
) -> int:
    """Probability of success / power versus sample size for the phase III trial, and the
    recommended n (exact; the smallest n from which the target holds for every larger n)."""
    import numpy as np

    from .. import atomic
    from ..design import ENDPOINTS, N_CAP, sample_size
    from ..design.presets import DEFAULT_N_MAX, DEFAULT_N_MIN, PRESET_KIND

    if endpoint not in ENDPOINTS:
        raise InputError(f"unknown --endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {', '.join(ENDPOINTS)}")
    if n_max is not None and n_max < 4:
        raise InputError("--n-max must be at least 4", column="n-max")
    kind = PRESET_KIND[endpoint]
    if n_max is not None and n_max > N_CAP[kind]:
        raise InputError(f"--n-max {n_max} exceeds the cap of {N_CAP[kind]} patients for the "
                         f"{endpoint} endpoint ({kind.replace('_', ' ')} design)",
                         column="n-max", hint=f"choose --n-max <= {N_CAP[kind]}")
    dp = _design_prior(endpoint, design_prior, results, elicited_rr)
    top = n_max or DEFAULT_N_MAX[endpoint]
    grid = None
    if fast:
        lo = DEFAULT_N_MIN[endpoint]
        grid = sorted({int(v) // 2 * 2 for v in np.linspace(lo, max(top, lo + 2), 8)})
    res = sample_size(endpoint, dp, target=target, metric=metric, allocation=allocation,
                      n_grid=grid, n_max=None if fast else top, seed=seed, progress=True)
    table = Table(title=f"Phase III design: {endpoint} — {res.design_prior}",
                  caption=f"design prior source: {res.design_prior_source}")
    cols = ["n_total", "n_treat", "n_control", "assurance", "power_at_point", "p_benefit"]
    if metric == "expected_power":
        cols.append("expected_power")
    for c in cols:
        table.add_column(c, justify="right")
    for row in res.curve.itertuples(index=False):
        table.add_row(*[f"{getattr(row, c):.3f}" if isinstance(getattr(row, c), float)
                        else str(getattr(row, c)) for c in cols])
    out.print(table)
    out.print(res.rule)
    out.print(f"[bold]Purpose:[/bold] {res.purpose}", highlight=False)
    for a in res.assumptions:
        out.print(f"[yellow]{a}[/yellow]", highlight=False)
    if res.recommended_n is None:
        why = res.note or f"{metric} does not reach {target:g}"
        out.print(f"[bold red]No recommended n:[/bold red] {why}", highlight=False)
    else:
        alloc = "" if endpoint == "safety" else f"; allocation {allocation:g}:1"
        out.print(f"[bold]Recommended total n = {res.recommended_n}[/bold] "
                  f"({metric} >= {target:g}{alloc}). {res.recommendation}", highlight=False)
    if out_csv is not None:
        tab = res.curve.assign(endpoint=endpoint, design_prior=res.design_prior,
                               design_prior_source=res.design_prior_source,
                               recommended_n=res.recommended_n,
                               first_crossing_n=res.first_crossing_n, target=target,
                               metric=metric, purpose=res.purpose)
        atomic.write_with(out_csv, lambda p: tab.to_csv(p, index=False, lineterminator="\n"))
    return 0


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("design", epilog=examples(
        "bayes-iris design --endpoint mortality --metric expected_power",
        "bayes-iris design --endpoint alc --results results/iris7-synthetic --out alc.csv",
        "bayes-iris design --endpoint infection --design-prior elicited --elicited-rr 0.55,1.05",
    ))(design_command)
