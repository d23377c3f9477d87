"""Step ``summary_reanalysis``: Bayesian reanalysis of the published summary-level results.

Every built-in case (meta-analysis RRs for mortality and secondary infections, sepsis and COVID-19;
the IV CYT107 fever/respiratory-distress counts 3/15 vs 0/6) is reanalysed under the prior grid of
:func:`bayes_iris.models.summary.prior_grid`. Writes (provenance "published": these numbers do not
depend on the trial folder):

- ``tables/reanalysis_summary.csv`` — one row per (case, prior); the design step reads ``log_mean``
  and ``log_sd`` of the sepsis cases as design priors;
- ``figures/reanalysis_triplot_sepsis_mortality.png``,
  ``figures/reanalysis_triplot_sepsis_secondary_infection.png``.

Run: ``python analyses/04_summary_reanalysis.py [--data DIR] [--results DIR] [--fast]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from bayes_iris.artifacts import ResultsDir, default_results_dir, script_parser
from bayes_iris.cli import print_input_error
from bayes_iris.errors import InputError
from bayes_iris.models import summary as S
from bayes_iris.plots.reanalysis import plot_triplot

STEP = "summary_reanalysis"
TRIPLOT_CASES = ("sepsis_mortality", "sepsis_secondary_infection")


def _load(args):
    from bayes_iris.data import load_bundled, load_trial

    return load_bundled() if args.data is None else load_trial(args.data)


def main(argv: list[str] | None = None) -> int:
    args = script_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        trial = _load(args)
        results = ResultsDir(args.results or default_results_dir(trial), trial)
        reanalyses = {}
        for name, case in S.BUILTIN_CASES.items():
            grid = S.prior_grid(case.mcid, benefit=case.data.benefit)
            reanalyses[name] = S.reanalyze(case.data, grid, case=name)
    except InputError as err:
        print_input_error(err)
        return 2
    table = pd.concat([r.table for r in reanalyses.values()], ignore_index=True)
    table.insert(len(table.columns), "source",
                 table.case.map({k: c.source for k, c in S.BUILTIN_CASES.items()}))
    outputs = [results.write_table("reanalysis_summary", table, provenance="published")]
    for name in TRIPLOT_CASES:
        fig = plot_triplot(reanalyses[name])
        outputs.append(results.write_figure(f"reanalysis_triplot_{name}", fig, published=True))
        plt.close(fig)
    results.record_step(STEP, outputs=outputs, seed=args.seed, status="ok",
                        extra={"cases": list(reanalyses), "method": "conjugate normal on the log "
                               "ratio (estimate+CI); 2-D quadrature and exact beta (counts)"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
