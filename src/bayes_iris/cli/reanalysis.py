"""CLI command of the reanalysis area: ``reanalyze`` a published estimate+CI or 2x2 counts.

A thin wrapper over :mod:`bayes_iris.reanalysis`; bad values raise
:class:`~bayes_iris.errors.InputError` (exit 2, nothing written).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from ..errors import InputError
from .options import OutOpt, examples
from .output import print_table

PUBLISHED_BANNER = "Published summary-level data — not patient-level data"


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
    method: Annotated[str, typer.Option(
        help="counts only: 'exact' (Jeffreys Beta(1/2,1/2) per arm as the minimally informative "
             "prior, exact quadrature for the grid) or 'normal' (normal approximation of the "
             "counts on the log scale, 0.5 added to every cell when a cell is zero)")] = "exact",
    out_csv: OutOpt = None,
) -> int:
    """Bayesian reanalysis of a published estimate+CI or a 2x2 table under a grid of priors."""
    from .. import reanalysis as R

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
        c = R.builtin_case(builtin)
        data, case = c.data, c.name
        mcid = c.mcid if mcid is None else mcid
    elif counts is not None:
        if measure not in ("RR", "OR"):
            raise InputError(f"counts support --measure RR or OR, got {measure}", column="measure")
        data = R.Counts.parse(counts, measure=measure, benefit=benefit)
    else:
        if lower is None or upper is None:
            raise InputError("--estimate needs --lower and --upper (the 95% CI)", column="lower")
        if measure not in R.RATIO_MEASURES + R.DIFFERENCE_MEASURES:
            raise InputError(f"unknown measure {measure!r}", column="measure",
                             hint="one of RR, OR, HR, RD, MD")
        try:
            data = R.Estimate(value=estimate, lower=lower, upper=upper, measure=measure,
                              benefit=benefit)
        except ValidationError as err:
            raise R.inputs.pydantic_to_input(err, "estimate") from None
    scale = "ratio" if data.is_ratio else "difference"
    if mcid is None:
        if scale == "difference":
            raise InputError("difference measures need --mcid on the difference scale",
                             column="mcid", hint="e.g. --mcid -0.05")
        mcid = 0.8 if data.benefit == "lower" else 1.25
    grid = R.prior_grid(mcid, scale=scale, benefit=data.benefit,
                        extra=[_parse_prior(text) for text in prior or []])
    if method not in ("exact", "normal"):
        raise InputError(f"--method must be 'exact' or 'normal', got {method!r}",
                         column="method")
    res = R.reanalyze(data, grid, baseline_risk=baseline_risk, case=case, method=method)
    cols = ["prior", "method", "prior_mean_log", "prior_sd_log", "median", "lower95", "upper95",
            "p_benefit", "p_benefit_mcid", "p_harm"]
    if baseline_risk is not None and scale == "ratio":
        cols += ["ard_median", "ard_lower95", "ard_upper95"]
    print_table(res.table, f"Reanalysis: {case} ({data.measure}, MCID {mcid:g})", cols,
                PUBLISHED_BANNER)
    if out_csv is not None:
        from .output import write_csv

        write_csv(out_csv, res.table, "published")
    return 0


def _parse_prior(text: str):
    """``NAME=MEAN,SD`` -> :class:`~bayes_iris.reanalysis.Prior`."""
    from ..reanalysis.inputs import pydantic_to_input
    from ..reanalysis.priors import Prior

    hint = "write a user prior as NAME=MEAN,SD, e.g. sceptic=0,0.2 (log-ratio scale)"
    try:
        name, rest = text.split("=", 1)
        mean, sd = (float(v) for v in rest.split(","))
    except ValueError:
        raise InputError(f"cannot read prior {text!r}", column="prior", hint=hint) from None
    try:
        return Prior(name=name.strip(), mean=mean, sd=sd, description="user-defined")
    except ValidationError as err:
        raise pydantic_to_input(err, "prior") from None


def register(app: typer.Typer) -> None:
    """Add ``reanalyze`` to ``app``."""
    app.command("reanalyze", epilog=examples(
        "bayes-iris reanalyze --builtin sepsis-mortality",
        "bayes-iris reanalyze --estimate 1.01 --lower 0.36 --upper 2.81 --measure RR",
        "bayes-iris reanalyze --counts 3/15,0/6 --prior sceptic=0,0.2 --out rr.csv",
        "bayes-iris reanalyze --counts 3/15,0/6 --method normal",
    ))(reanalyze_command)
