"""CLI commands of the trajectory area: ``fit`` one trajectory model, print its ``effects``.

Thin wrappers over :class:`bayes_iris.models.trajectory.TrajectoryModel`,
:func:`bayes_iris.inference.fit` and :func:`bayes_iris.effects.treatment_effects`. Fits are cached
in ``<out>/fits`` (reused while data, model and sampler config are unchanged); ``fit`` writes the
effects table as ``<out>/tables/trajectory_effects_<model>.csv`` and the diagnostics as
``<out>/tables/diagnostics_fit_<model>.csv``. Exit 2 on bad input, 3 with ``--strict`` when
diagnostics fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..seeds import DEFAULT_SEED

out = Console()

MODELS = {"alc": ("alc",), "joint": ("alc", "cd4", "cd8")}


def _run(data: Path | None, model: str, shape: str, prior: str, sampler: str, seed: int,
         fast: bool, strict: bool, out_dir: Path | None):
    from .. import effects, seeds
    from ..artifacts import ResultsDir, default_results_dir
    from ..data import load_bundled, load_trial
    from ..errors import InputError, Problem
    from ..inference import SamplerConfig, fit
    from ..models.trajectory import TrajectoryModel

    if model not in MODELS:
        raise InputError(Problem(f"unknown model {model!r}", column="--model",
                                 hint="choose alc or joint"))
    if sampler not in ("nutpie", "pymc", "numpyro"):
        raise InputError(Problem(f"unknown sampler {sampler!r}", column="--sampler",
                                 hint="choose nutpie, pymc or numpyro"))
    trial = load_bundled() if data is None else load_trial(data)
    tm = TrajectoryModel(trial, markers=MODELS[model], shape=shape, priors=prior)
    results = ResultsDir(out_dir or default_results_dir(trial), trial)
    s = seeds.int_seed(seed, "sampler")
    cfg = (SamplerConfig.fast(seed=s, sampler=sampler) if fast
           else SamplerConfig(seed=s, sampler=sampler))
    res = fit(tm.build(), cfg, name=f"{tm.name}_{tm.prior_set}", cache_dir=results.fits,
              cache_key=tm.cache_key(), provenance=trial.provenance_label, strict=strict,
              compile_key=tm.structure_key())
    eff = effects.treatment_effects(res, tm, seed=seed)
    return trial, tm, res, eff, results


def _print_effects(trial, tm, res, table) -> None:
    style = "bold red" if trial.is_synthetic else "bold green"
    out.print(f"[{style}]{trial.provenance_label}[/{style}]", highlight=False)
    d = res.diagnostics
    status = "[green]ok[/green]" if d.ok else f"[yellow]warning: {'; '.join(d.messages)}[/yellow]"
    out.print(f"model {tm.name}, prior {tm.prior_set}: diagnostics {status}"
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


_DATA = Annotated[Path | None, typer.Option("--data", help="trial folder (default: bundled "
                                            "SYNTHETIC trial)")]
_MODEL = Annotated[str, typer.Option("--model", help="alc | joint (ALC/CD4/CD8)")]
_SHAPE = Annotated[str, typer.Option("--shape", help="piecewise | spline")]
_PRIOR = Annotated[str, typer.Option("--prior", help="default | vague | skeptical | "
                                     "enthusiastic")]
_SAMPLER = Annotated[str, typer.Option("--sampler", help="nutpie | pymc | numpyro")]
_SEED = Annotated[int, typer.Option("--seed", help="run seed")]
_FAST = Annotated[bool, typer.Option("--fast", help="small budgets (smoke runs)")]
_STRICT = Annotated[bool, typer.Option("--strict", help="exit 3 when diagnostics fail")]
_OUT = Annotated[Path | None, typer.Option("--out", help="results folder (default: "
                                           "results/<trial>)")]


def fit_command(data: _DATA = None, model: _MODEL = "alc", shape: _SHAPE = "piecewise",
                prior: _PRIOR = "default", sampler: _SAMPLER = "nutpie",
                seed: _SEED = DEFAULT_SEED, fast: _FAST = False, strict: _STRICT = False,
                out_dir: _OUT = None) -> int:
    """Fit a lymphocyte trajectory model (cached) and write its effects and diagnostics tables."""
    from ..inference import diagnostics_table

    trial, tm, res, eff, results = _run(data, model, shape, prior, sampler, seed, fast, strict,
                                        out_dir)
    label = f"{tm.name}_{tm.prior_set}"
    results.write_table(f"trajectory_effects_{label}", eff.table)
    results.write_table(f"diagnostics_fit_{label}", diagnostics_table([(label, res.diagnostics)]))
    _print_effects(trial, tm, res, eff.table)
    out.print(f"fit: {res.path}", highlight=False)
    return 0


def effects_command(data: _DATA = None, model: _MODEL = "alc", shape: _SHAPE = "piecewise",
                    prior: _PRIOR = "default", sampler: _SAMPLER = "nutpie",
                    seed: _SEED = DEFAULT_SEED, fast: _FAST = False, strict: _STRICT = False,
                    out_dir: _OUT = None) -> int:
    """Print the posterior treatment effects of a trajectory model (fits it if not cached)."""
    trial, tm, res, eff, _ = _run(data, model, shape, prior, sampler, seed, fast, strict,
                                  out_dir)
    _print_effects(trial, tm, res, eff.table)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``fit`` and ``effects`` to ``app``."""
    app.command("fit")(fit_command)
    app.command("effects")(effects_command)
