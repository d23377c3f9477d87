"""CLI command of the safety area: ``safety`` (the Berry & Berry adverse-event hierarchy).

A thin wrapper over :func:`bayes_iris.safety.analysis.run` — the same sampler policy and cached
fits (``<results>/fits``) as the pipeline's adverse-event step. Bad values raise
:class:`~bayes_iris.errors.InputError` (exit 2, nothing written); ``--strict``: exit 3 when the
diagnostics fail.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from .options import DEFAULT, DataOpt, FastOpt, OutOpt, ResultsOpt, SeedOpt, StrictOpt, examples
from .output import out, print_table


def safety_command(
    data: DataOpt = None,
    results: ResultsOpt = None,
    model: Annotated[str, typer.Option(
        "--model", help="bb (point mass), 1a (no point mass) or poisson")] = "bb",
    priors: Annotated[str, typer.Option(
        "--priors", help="named prior set: c212 | c212_fixed_pi")] = "c212",
    seed: SeedOpt = DEFAULT,
    fast: FastOpt = False,
    strict: StrictOpt = False,
    out_csv: OutOpt = None,
) -> int:
    """Fit the Berry & Berry adverse-event model (cached) and print the per-AE table."""
    from ..data import load_bundled, load_trial
    from ..results.store import ResultsDir, default_results_dir
    from ..safety.analysis import run
    from ..safety.model import MODEL_KINDS

    if model not in MODEL_KINDS:
        raise InputError(f"unknown AE model {model!r}", column="model",
                         hint="one of: " + ", ".join(MODEL_KINDS))
    trial = load_bundled() if data is None else load_trial(data)
    folder = ResultsDir(results or default_results_dir(trial), trial)
    res = run(trial, seed=seed, fast=fast, kinds=(model,), priors=priors, strict=strict,
              fits_dir=folder.fits)
    cols = ["soc", "term", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo", "p_theta_gt_0",
            "p_point_mass", "rd_median", "rd_lower95", "rd_upper95", "or_median"]
    print_table(res.ae_table, f"Adverse events — model {model}", cols, trial.provenance_label)
    out.print(res.diagnostics.to_string(index=False), highlight=False, markup=False)
    if out_csv is not None:
        from .output import write_csv

        write_csv(out_csv, res.ae_table, trial.meta.provenance.kind)
    return 0


def register(app: typer.Typer) -> None:
    """Add ``safety`` to ``app``."""
    app.command("safety", epilog=examples(
        "bayes-iris safety --fast",
        "bayes-iris safety --model poisson --priors c212_fixed_pi --out ae.csv",
        "bayes-iris safety --data path/to/trial --strict",
    ))(safety_command)
