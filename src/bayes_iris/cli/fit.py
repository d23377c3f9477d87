"""CLI commands of the trajectory area: ``fit`` one trajectory model, print its ``effects``.

Thin wrappers over :mod:`bayes_iris.trajectory.analysis` — the same sampler policy and the same
cached fit file as the pipeline's trajectory step, so ``bayes-iris fit`` followed by
``make report`` reuses the fit (and vice versa). Fits are cached in ``<results>/fits``; ``fit``
writes the effects table as ``<results>/tables/trajectory_effects_<model>.csv`` and the diagnostics
as ``<results>/tables/diagnostics_fit_<model>.csv``. Exit 2 on bad input, 3 with ``--strict``
when diagnostics fail. ``--sampler``: the reproducibility promise of each sampler is in
:mod:`bayes_iris.inference` (nutpie and pymc: the same draws for a seed whatever the compile
cache, processes and threads; numpyro: not across core counts).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .options import (
    DEFAULT,
    DataOpt,
    FastOpt,
    ResultsOpt,
    SeedOpt,
    StrictOpt,
    examples,
)

out = Console()

ModelOpt = Annotated[str, typer.Option("--model", help="alc | joint (ALC/CD4/CD8)")]
ShapeOpt = Annotated[str, typer.Option("--shape", help="piecewise | spline")]
PriorOpt = Annotated[str, typer.Option("--prior", help="default | vague | skeptical | "
                                       "enthusiastic")]
SamplerOpt = Annotated[str, typer.Option(
    "--sampler", help="nutpie (default) | pymc | numpyro. nutpie and pymc give bit-identical "
    "draws for a seed in every compile-cache state, process and thread count; numpyro (JAX) "
    "does not promise it across machines with different core counts")]


def _run(data, results, model: str, shape: str, prior: str, sampler: str, seed: int,
         fast: bool, strict: bool):
    from ..data import load_bundled, load_trial
    from ..results.store import ResultsDir, default_results_dir
    from ..trajectory.analysis import fit_model, model_for, sampler_config
    from ..trajectory.effects import summarise

    config = sampler_config(seed, fast=fast, sampler=sampler)  # validates --sampler first
    trial = load_bundled() if data is None else load_trial(data)
    tm = model_for(trial, model, shape=shape, prior=prior)
    folder = ResultsDir(results or default_results_dir(trial), trial)
    res = fit_model(tm, config, fits_dir=folder.fits, strict=strict)
    return trial, tm, res, summarise(res, tm, seed=seed), folder


def _print_effects(trial, tm, res, table) -> None:
    style = "bold red" if trial.is_synthetic else "bold green"
    out.print(f"[{style}]{trial.provenance_label}[/{style}]", highlight=False)
    d = res.diagnostics
    status = "[green]ok[/green]" if d.ok else f"[yellow]warning: {'; '.join(d.messages)}[/yellow]"
    out.print(f"model {tm.name}: diagnostics {status}"
              + (" (cached fit)" if res.from_cache else ""), highlight=False)
    t = Table(title="Ratio CYT107 / placebo of geometric means (typical patient)")
    for col in ("marker", "day", "median", "95% CrI", "P(>1)", "P(>2)", "P(>3)"):
        t.add_column(col, justify="left" if col == "marker" else "right")
    sub = table[table["quantity"] == "ratio"]
    for _, r in sub.iterrows():
        t.add_row(r["marker"], str(r["day"]), f"{r['median']:.2f}",
                  f"{r['lower95']:.2f}–{r['upper95']:.2f}", f"{r['p_gt_1']:.3f}",
                  f"{r['p_gt_2']:.3f}", f"{r['p_gt_3']:.3f}")
    out.print(t)
    p = table[table["quantity"] == "p_above_900"]
    if len(p):
        t2 = Table(title="P(new patient's ALC > 900/mm³), posterior predictive")
        for col in ("arm", "day", "mean", "95% CrI"):
            t2.add_column(col, justify="left" if col == "arm" else "right")
        for _, r in p.iterrows():
            t2.add_row(r["arm"], str(r["day"]), f"{r['mean']:.2f}",
                       f"{r['lower95']:.2f}–{r['upper95']:.2f}")
        out.print(t2)


def fit_command(data: DataOpt = None, results: ResultsOpt = None, model: ModelOpt = "alc",
                shape: ShapeOpt = "piecewise", prior: PriorOpt = "default",
                sampler: SamplerOpt = "nutpie", seed: SeedOpt = DEFAULT, fast: FastOpt = False,
                strict: StrictOpt = False) -> int:
    """Fit a lymphocyte trajectory model (cached) and write its effects and diagnostics tables."""
    from ..inference import diagnostics_table

    trial, tm, res, eff, folder = _run(data, results, model, shape, prior, sampler, seed, fast,
                                       strict)
    folder.write_table(f"trajectory_effects_{tm.name}", eff.effects)
    folder.write_table(f"diagnostics_fit_{tm.name}", diagnostics_table([(tm.name,
                                                                         res.diagnostics)]))
    _print_effects(trial, tm, res, eff.effects)
    out.print(f"fit: {res.path}", highlight=False)
    return 0


def effects_command(data: DataOpt = None, results: ResultsOpt = None, model: ModelOpt = "alc",
                    shape: ShapeOpt = "piecewise", prior: PriorOpt = "default",
                    sampler: SamplerOpt = "nutpie", seed: SeedOpt = DEFAULT,
                    fast: FastOpt = False, strict: StrictOpt = False) -> int:
    """Print the posterior treatment effects of a trajectory model (fits it if not cached)."""
    trial, tm, res, eff, _ = _run(data, results, model, shape, prior, sampler, seed, fast,
                                  strict)
    _print_effects(trial, tm, res, eff.effects)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``fit`` and ``effects`` to ``app``."""
    app.command("fit", epilog=examples(
        "bayes-iris fit --fast",
        "bayes-iris fit --model joint --prior skeptical --results results/mine",
        "bayes-iris fit --data path/to/trial --strict",
    ))(fit_command)
    app.command("effects", epilog=examples(
        "bayes-iris effects --fast",
        "bayes-iris effects --shape spline --seed 7",
    ))(effects_command)
