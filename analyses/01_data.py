"""Step ``data``: validate and load the trial; CONSORT counts, baseline table, observed counts.

Writes ``tables/consort.csv``, ``tables/baseline.csv``, ``tables/labs_long.csv`` (observed values in
long format, for the report's spaghetti plots), ``tables/parameters_synthetic.csv`` (the generator's
parameter table; synthetic trials only) and ``figures/observed_alc.png``; records the step "data"
in ``manifest.json``. Exit 2 on invalid input (problems printed, nothing written).

Run: ``python analyses/01_data.py [--data DIR] [--results DIR] [--seed N] [--fast] [--strict]``.
"""

from __future__ import annotations

import hashlib
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bayes_iris.data import load_truth, parameter_table
from bayes_iris.data.summary import baseline_table, consort_table, labs_long
from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.plots.observed import plot_observed_trajectories

STEP = "data"


def _inputs_hash(trial) -> str:
    h = hashlib.sha256(trial.meta.model_dump_json().encode())
    for t in ("patients", "labs", "adverse_events", "outcomes"):
        h.update(getattr(trial, t).to_csv(index=False).encode())
    return h.hexdigest()


def step(args) -> int:
    trial = load_trial_arg(args)
    results = results_dir(args, trial)
    long = labs_long(trial)
    outputs = [
        results.write_table("consort", consort_table(trial)),
        results.write_table("baseline", baseline_table(trial)),
        results.write_table("labs_long", long),
    ]
    if trial.is_synthetic:
        params = None
        if trial.source is not None and (truth := load_truth(trial.source)) is not None:
            params = truth.params
        outputs.append(results.write_table("parameters_synthetic", parameter_table(params)))
    fig = plot_observed_trajectories(long, marker="alc", dosing_end_day=trial.meta.dosing_end_day)
    outputs.append(results.write_figure("observed_alc", fig))
    plt.close(fig)
    results.record_step(
        STEP,
        outputs=outputs,
        seed=args.seed,
        inputs_hash=_inputs_hash(trial),
        extra={"provenance_label": trial.provenance_label},
    )
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
