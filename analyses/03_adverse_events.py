"""Step ``adverse_events``: Berry & Berry hierarchical analysis of adverse events.

Fits the point-mass model (``bb``) on the trial's adverse_events table — and, without ``--fast``,
also model 1a (no point mass) and the Poisson model with exposure — and the exact conjugate
two-arm comparison of the published IV CYT107 signal (fever and respiratory distress, 3/15 vs 0/6).

Writes ``tables/ae_summary.csv`` (per model and AE), ``tables/ae_soc_summary.csv``,
``tables/ae_two_arm_builtin.csv`` (published), ``tables/diagnostics_adverse_events.csv``,
``figures/ae_shrinkage.png``, ``figures/ae_forest.png`` and
``figures/respiratory_distress_3of15.png`` (published). Exit 3 under ``--strict`` when the
diagnostics fail, 2 on bad input.

Run: ``python analyses/03_adverse_events.py [--data DIR] [--results DIR] [--seed N] [--fast]
[--strict]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayes_iris.artifacts import ResultsDir, default_results_dir, script_parser
from bayes_iris.cli import print_input_error
from bayes_iris.errors import ConvergenceError, InputError
from bayes_iris.models import adverse_events as AE
from bayes_iris.models.binary import compare_two_arms
from bayes_iris.plots.safety import plot_ae_forest, plot_ae_shrinkage, plot_two_arm

STEP = "adverse_events"


def _load(args):
    from bayes_iris.data import load_bundled, load_trial

    return load_bundled() if args.data is None else load_trial(args.data)


def two_arm_builtin_table() -> tuple[pd.DataFrame, object]:
    """The 3/15 vs 0/6 comparison as one tidy table (and the result for the figure)."""
    from bayes_iris.data import published as P

    e = P.FEVER_RESPIRATORY_DISTRESS
    res = compare_two_arms(e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo,
                           margins=(0.0, 0.05, 0.10, 0.20))
    est = res.table.rename(columns={"lower": "lower95", "upper": "upper95"})
    est.insert(0, "kind", "estimate")
    pr = pd.DataFrame({"kind": "p_excess_risk",
                       "quantity": [f"P(RD > {m:g})" for m in res.probabilities.margin],
                       "probability": res.probabilities.p_excess})
    table = pd.concat([est, pr], ignore_index=True)
    table.insert(0, "case", "iv_fever_respiratory_distress")
    table["counts"] = f"{e.events_cyt107}/{e.n_cyt107} vs {e.events_placebo}/{e.n_placebo}"
    table["prior"] = "Beta(1,1) each arm"
    table["source"] = e.citation
    fig_res = compare_two_arms(e.events_cyt107, e.n_cyt107, e.events_placebo, e.n_placebo,
                               margins=tuple(np.round(np.linspace(-0.3, 0.5, 33), 3)))
    return table, fig_res


def main(argv: list[str] | None = None) -> int:
    p = script_parser(__doc__.splitlines()[0])
    p.add_argument("--priors", default="c212", choices=sorted(AE.PRESETS),
                   help="AE hyperparameter preset (default: c212 package defaults)")
    args = p.parse_args(argv)
    try:
        trial = _load(args)
        results = ResultsDir(args.results or default_results_dir(trial), trial)
        AE.ae_incidence(trial)  # validate before anything is sampled or written
    except InputError as err:
        print_input_error(err)
        return 2
    kinds = ("bb",) if args.fast else AE.MODEL_KINDS
    fits = {}
    try:
        for kind in kinds:
            fits[kind] = AE.fit_adverse_events(
                trial, kind=kind, priors=args.priors, fast=args.fast, strict=args.strict,
                seed=args.seed, cache_dir=results.fits, draws=args.draws, tune=args.tune)
    except ConvergenceError as err:
        print(f"Diagnostics failed (--strict): {err}", file=sys.stderr)
        return 3
    except InputError as err:
        print_input_error(err)
        return 2

    ae_table = pd.concat([f.ae_table for f in fits.values()], ignore_index=True)
    soc_table = pd.concat([f.soc_table for f in fits.values()], ignore_index=True)
    diag = pd.concat([f.diagnostics_row for f in fits.values()], ignore_index=True)
    outputs = [
        results.write_table("ae_summary", ae_table),
        results.write_table("ae_soc_summary", soc_table),
        results.write_table("diagnostics_adverse_events", diag),
    ]
    two_arm, fig_res = two_arm_builtin_table()
    outputs.append(results.write_table("ae_two_arm_builtin", two_arm, provenance="published"))
    for name, plot in (("ae_shrinkage", plot_ae_shrinkage), ("ae_forest", plot_ae_forest)):
        fig = plot(fits["bb"])
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    fig = plot_two_arm(fig_res, title="IV CYT107: fever and respiratory distress, 3/15 vs 0/6")
    outputs.append(results.write_figure("respiratory_distress_3of15", fig, published=True))
    plt.close(fig)
    ok = all(f.fit.diagnostics.ok for f in fits.values())
    results.record_step(
        STEP, outputs=outputs, seed=args.seed, status="ok" if ok else "warning",
        inputs_hash=fits["bb"].fit.cache_key,
        diagnostics={k: f.fit.diagnostics.to_dict() for k, f in fits.items()},
        extra={"models": list(fits), "priors": args.priors},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
