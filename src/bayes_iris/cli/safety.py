"""CLI commands of the safety / reanalysis area: ``reanalyze`` and ``safety``.

Both are thin wrappers: ``reanalyze`` over :func:`bayes_iris.models.summary.reanalyze`, ``safety``
over :mod:`bayes_iris.models.adverse_events`. Bad values raise
:class:`~bayes_iris.errors.InputError` (exit 2, nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ..errors import InputError

out = Console(width=200)

PUBLISHED_BANNER = "Published summary-level data — not patient-level data"


def _print_table(df: pd.DataFrame, title: str, columns: list[str], banner: str) -> None:
    table = Table(title=title, caption=banner, show_lines=False)
    for c in columns:
        text = df[c].dtype == object or str(df[c].dtype) in ("str", "string")
        table.add_column(c, justify="left" if text else "right", no_wrap=text)
    for _, row in df.iterrows():
        cells = []
        for c in columns:
            v = row[c]
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        table.add_row(*cells)
    out.print(banner, style="bold")
    out.print(table)


def reanalyze_command(
    estimate: Annotated[float | None, typer.Option(help="published point estimate")] = None,
    lower: Annotated[float | None, typer.Option(help="lower limit of its 95% CI")] = None,
    upper: Annotated[float | None, typer.Option(help="upper limit of its 95% CI")] = None,
    measure: Annotated[str, typer.Option(help="RR, OR, HR (ratio) or RD, MD (difference)")] = "RR",
    counts: Annotated[str | None, typer.Option(
        help="2x2 counts as events/n, treated first, e.g. 3/15,0/6")] = None,
    builtin: Annotated[str | None, typer.Option(
        help="built-in published case, e.g. sepsis-mortality")] = None,
    mcid: Annotated[float | None, typer.Option(
        help="clinically important effect (ratio, e.g. 0.8; default 0.8 for ratios)")] = None,
    baseline_risk: Annotated[float | None, typer.Option(
        help="control-arm risk in (0, 1) for absolute-risk results")] = None,
    benefit: Annotated[str, typer.Option(help="'lower' (ratio < 1 is benefit) or 'higher'")] = (
        "lower"),
    prior: Annotated[list[str] | None, typer.Option(
        help="extra user prior NAME=MEAN,SD (normal on the log ratio, or on the difference); "
             "repeatable")] = None,
    csv: Annotated[Path | None, typer.Option(help="also write the table to this CSV file")] = None,
) -> int:
    """Bayesian reanalysis of a published estimate+CI or a 2x2 table under a grid of priors."""
    from .. import atomic
    from ..models import summary as S

    given = [x is not None for x in (estimate, counts, builtin)]
    if sum(given) != 1:
        raise InputError("give exactly one of --estimate (with --lower/--upper), --counts or "
                         "--builtin", column="estimate",
                         hint="e.g. --estimate 1.01 --lower 0.36 --upper 2.81 --measure RR")
    if benefit not in ("lower", "higher"):
        raise InputError(f"--benefit must be 'lower' or 'higher', got {benefit!r}",
                         column="benefit")
    measure = measure.upper()
    case = "user"
    if builtin is not None:
        c = S.builtin_case(builtin)
        data, case = c.data, c.name
        mcid = c.mcid if mcid is None else mcid
    elif counts is not None:
        if measure not in ("RR", "OR"):
            raise InputError(f"counts support --measure RR or OR, got {measure}", column="measure")
        data = S.Counts.parse(counts, measure=measure, benefit=benefit)
    else:
        if lower is None or upper is None:
            raise InputError("--estimate needs --lower and --upper (the 95% CI)", column="lower")
        if measure not in S.RATIO_MEASURES + S.DIFFERENCE_MEASURES:
            raise InputError(f"unknown measure {measure!r}", column="measure",
                             hint="one of RR, OR, HR, RD, MD")
        try:
            data = S.Estimate(value=estimate, lower=lower, upper=upper, measure=measure,
                              benefit=benefit)
        except ValidationError as err:
            raise S._pydantic_to_input(err, "estimate") from None
    scale = "ratio" if data.is_ratio else "difference"
    if mcid is None:
        if scale == "difference":
            raise InputError("difference measures need --mcid on the difference scale",
                             column="mcid", hint="e.g. --mcid -0.05")
        mcid = 0.8 if data.benefit == "lower" else 1.25
    grid = S.prior_grid(mcid, scale=scale, benefit=data.benefit,
                        extra=[_parse_prior(text) for text in prior or []])
    res = S.reanalyze(data, grid, baseline_risk=baseline_risk, case=case)
    cols = ["prior", "prior_mean_log", "prior_sd_log", "median", "lower95", "upper95",
            "p_benefit", "p_benefit_mcid", "p_harm"]
    if baseline_risk is not None and scale == "ratio":
        cols += ["ard_median", "ard_lower95", "ard_upper95"]
    _print_table(res.table, f"Reanalysis: {case} ({data.measure}, MCID {mcid:g})", cols,
                 PUBLISHED_BANNER)
    if csv is not None:
        tab = res.table.copy()
        tab.insert(0, "provenance", "published")
        atomic.write_with(csv, lambda p: tab.to_csv(p, index=False, lineterminator="\n"))
    return 0


def _parse_prior(text: str):
    """``NAME=MEAN,SD`` -> :class:`~bayes_iris.models.summary.Prior`."""
    from ..models.summary import Prior, _pydantic_to_input

    hint = "write a user prior as NAME=MEAN,SD, e.g. sceptic=0,0.2 (log-ratio scale)"
    try:
        name, rest = text.split("=", 1)
        mean, sd = (float(v) for v in rest.split(","))
    except ValueError:
        raise InputError(f"cannot read prior {text!r}", column="prior", hint=hint) from None
    try:
        return Prior(name=name.strip(), mean=mean, sd=sd, description="user-defined")
    except ValidationError as err:
        raise _pydantic_to_input(err, "prior") from None


def safety_command(
    data: Annotated[Path | None, typer.Option(
        help="trial folder (default: the bundled SYNTHETIC trial)")] = None,
    model: Annotated[str, typer.Option(help="bb (point mass), 1a (no point mass) or poisson")] = (
        "bb"),
    fast: Annotated[bool, typer.Option(help="short run (smoke test)")] = False,
    strict: Annotated[bool, typer.Option(help="exit 3 when diagnostics fail")] = False,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
) -> int:
    """Fit the Berry & Berry adverse-event model and print the per-AE table."""
    from ..models import adverse_events as AE
    from ..seeds import DEFAULT_SEED

    if model not in AE.MODEL_KINDS:
        raise InputError(f"unknown AE model {model!r}", column="model",
                         hint="one of: " + ", ".join(AE.MODEL_KINDS))
    trial = _load_trial(data)
    res = AE.fit_adverse_events(trial, kind=model, fast=fast, strict=strict,
                                seed=DEFAULT_SEED if seed is None else seed)
    cols = ["soc", "term", "n_cyt107", "N_cyt107", "n_placebo", "N_placebo", "p_theta_gt_0",
            "p_point_mass", "rd_median", "rd_lower95", "rd_upper95", "or_median"]
    _print_table(res.ae_table, f"Adverse events — model {model}", cols, trial.provenance_label)
    out.print(res.diagnostics_row.to_string(index=False))
    return 0


def _load_trial(path: Path | None):
    from .. import data as D

    if path is None:
        return D.load_bundled()
    return D.load_trial(path)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("reanalyze")(reanalyze_command)
    app.command("safety")(safety_command)
