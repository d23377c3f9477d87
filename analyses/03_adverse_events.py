"""Step ``adverse_events``: Berry & Berry hierarchical analysis of adverse events.

The step is :func:`bayes_iris.safety.analysis.run`: the point-mass model (``bb``) on the trial's
adverse_events table — and, without ``--fast``, also model 1a (no point mass) and the Poisson model
with exposure — plus the exact conjugate two-arm comparison of the published IV CYT107 signal
(fever and respiratory distress, 3/15 vs 0/6; :func:`bayes_iris.reanalysis.two_arm_builtin`).

Writes ``tables/ae_summary.csv`` (per model and AE), ``tables/ae_soc_summary.csv``,
``tables/diagnostics_adverse_events.csv``, ``tables/ae_two_arm_builtin.csv`` (published),
``tables/ae_breakdown.csv`` (patients with events by grade, seriousness, relatedness and SOC, with
the exact posterior of the risk difference), ``figures/ae_shrinkage.png``, ``figures/ae_forest.png``,
``figures/ae_breakdown.png`` and ``figures/respiratory_distress_3of15.png`` (published). The
manifest records the AE priors in numbers and every fit's sampler settings. Exit 3 under ``--strict`` when the
diagnostics fail, 2 on bad input.

Run: ``python analyses/03_adverse_events.py [--data DIR] [--results DIR] [--seed N] [--fast]
[--strict] [--priors SET]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.reanalysis import analysis as reanalysis
from bayes_iris.safety import analysis
from bayes_iris.safety.breakdown import ae_breakdown
from bayes_iris.safety.plots import plot_ae_breakdown
from bayes_iris.safety.priors import PRIOR_SETS, ae_priors, statement

STEP = analysis.STEP


def step(args) -> int:
    trial = load_trial_arg(args)
    results = results_dir(args, trial)
    res = analysis.run(trial, seed=args.seed, fast=args.fast, priors=args.priors,
                       strict=args.strict, fits_dir=results.fits, draws=args.draws,
                       tune=args.tune)
    two_arm = reanalysis.two_arm_builtin()
    breakdown = ae_breakdown(trial)
    outputs = results.write_result(res)
    outputs += results.write_result(two_arm, provenance="published")
    outputs.append(results.write_table("ae_breakdown", breakdown))
    figs = {**analysis.figures(res), "ae_breakdown": plot_ae_breakdown(breakdown)}
    for name, fig in figs.items():
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    fig = reanalysis.two_arm_figure(two_arm)
    outputs.append(results.write_figure("respiratory_distress_3of15", fig, published=True))
    plt.close(fig)
    results.record_step(
        STEP, outputs=outputs, seed=args.seed, status="ok" if res.ok else "warning",
        inputs_hash=res.fits["bb"].cache_key,
        diagnostics={k: f.diagnostics.to_dict() for k, f in res.fits.items()},
        extra={"models": list(res.fits), "priors": args.priors,
               "prior_values": ae_priors(args.priors).model_dump(),
               "prior_statement": statement(ae_priors(args.priors))},
        fits=res.fits,
    )
    return 0


def _options(parser) -> None:
    parser.add_argument("--priors", default="c212", choices=sorted(PRIOR_SETS),
                        help="AE prior set (default: c212 package defaults)")


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0], configure=_options)


if __name__ == "__main__":
    sys.exit(main())
