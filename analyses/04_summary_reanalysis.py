"""Step ``summary_reanalysis``: Bayesian reanalysis of the published summary-level results.

The step is :func:`bayes_iris.reanalysis.analysis.run`: every built-in case (meta-analysis RRs for
mortality and secondary infections, sepsis and COVID-19; the IV CYT107 fever/respiratory-distress
counts 3/15 vs 0/6) under the prior grid of :func:`bayes_iris.reanalysis.prior_grid`. Writes
(provenance "published": these numbers do not depend on the trial folder):

- ``tables/reanalysis_summary.csv`` — one row per (case, prior); the design step reads ``log_mean``
  and ``log_sd`` of the sepsis cases as design priors;
- ``figures/reanalysis_forest.png`` (every reanalysed quantity under every prior),
  ``figures/reanalysis_triplot_sepsis_mortality.png``,
  ``figures/reanalysis_triplot_sepsis_secondary_infection.png``.

Run: ``python analyses/04_summary_reanalysis.py [--data DIR] [--results DIR] [--fast]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.reanalysis import analysis

STEP = analysis.STEP


def step(args) -> int:
    trial = load_trial_arg(args)
    results = results_dir(args, trial)
    res = analysis.run()
    outputs = results.write_result(res, provenance="published")
    for name, fig in analysis.figures(res).items():
        outputs.append(results.write_figure(name, fig, published=True))
        plt.close(fig)
    results.record_step(STEP, outputs=outputs, seed=args.seed, status="ok",
                        extra={"cases": list(res.results), "method": "conjugate normal on the "
                               "log ratio (estimate+CI); 2-D quadrature and exact beta (counts)"})
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
