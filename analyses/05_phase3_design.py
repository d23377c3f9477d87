"""Step ``phase3_design``: the phase III plan for CYT107 — MAP priors, designs, dashboards.

The step is :func:`bayes_iris.phase3.analysis.run`. It reads the upstream tables through the
typed readers of :mod:`bayes_iris.results.tables` — the reanalysis posteriors of the pooled
mortality and infection RRs (``tables/reanalysis_summary.csv``; published data) and the day-29
ALC posterior (``tables/design_inputs_alc.csv``; SYNTHETIC for the bundled trial) — and the
trial's own placebo deaths and ALC ratio for the MAP conflict checks; where a table is absent
the published facts are used, labelled "FALLBACK".

Writes the tables ``design_recommendations`` (one row per endpoint), ``design_sample_size``,
``design_oc``, ``design_gsd_boundaries``, ``design_gsd_oc``, ``design_boundaries``,
``design_priors``, ``design_assumptions``, ``map_summary``, ``map_mixture``, ``map_shrinkage``,
``map_excluded``, ``map_conflict`` (columns: :data:`bayes_iris.results.tables.TABLE_COLUMNS`)
and the figures ``design_assurance_curves``, ``design_oc_curves``, ``design_gsd_boundaries``,
``design_gsd_expected_n``, ``design_boundaries``, ``map_forest_<map>``, ``map_density_<map>``.

Run: ``python analyses/05_phase3_design.py [--data DIR] [--results DIR] [--seed N] [--fast]``.
"""

from __future__ import annotations

import hashlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bayes_iris.phase3 import analysis
from bayes_iris.phase3.maps import TrialEvidence
from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.results.tables import read_alc_inputs, read_reanalysis

STEP = analysis.STEP


def step(args) -> int:
    trial = load_trial_arg(args)
    results = results_dir(args, trial)
    kind = trial.meta.provenance.kind
    alc = read_alc_inputs(results.root, provenance=kind)
    inputs = analysis.Phase3Inputs(
        mortality=read_reanalysis(results.root, "mortality"),
        infection=read_reanalysis(results.root, "infection"),
        alc=alc, evidence=TrialEvidence.from_trial(trial, alc), provenance=kind)
    res = analysis.run(inputs, fast=args.fast)
    figures = analysis.figures(res)
    # everything is computed before anything is written
    outputs = [results.write_table(name, df, provenance="published"
                                   if name in res.published else None)
               for name, df in res.tables().items()]
    for name, fig in figures.items():
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    recs = res.tables()["design_recommendations"]
    h = hashlib.sha256(recs.to_csv(index=False).encode()).hexdigest()
    results.record_step(STEP, outputs=outputs, seed=args.seed, inputs_hash=h, status="ok",
                        extra={"fast": bool(args.fast), "provenance_label": trial.provenance_label,
                               "design_prior_sources": sorted(set(
                                   res.tables()["design_sample_size"]["design_prior_source"]))})
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
