"""Step ``data``: validate and load the trial; CONSORT counts, baseline table, observed counts.

Writes ``tables/consort.csv``, ``tables/baseline.csv``, ``tables/labs_long.csv`` (observed values in
long format, for the report's spaghetti plots), ``tables/parameters_synthetic.csv`` (the generator's
parameter table; synthetic trials only), the time-to-event tables ``tables/km_curves.csv``
(survival and cumulative incidence of ICU discharge by arm), ``tables/mortality_summary.csv`` and
``tables/mortality_contrast.csv`` (what the deaths can and cannot say), and the figures
``observed_alc.png`` and ``km_curves.png``; records the step "data" in ``manifest.json`` with the
data hash and, for a synthetic trial with its truth, the generator's true outcome effects. Exit 2
on invalid input (problems printed, nothing written).

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
from bayes_iris.data.survival import km_curves, mortality_contrast, mortality_summary
from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.plots.observed import plot_km_curves, plot_observed_trajectories

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
    km = km_curves(trial)
    deaths = mortality_summary(trial)
    outputs = [
        results.write_table("consort", consort_table(trial)),
        results.write_table("baseline", baseline_table(trial)),
        results.write_table("labs_long", long),
        results.write_table("km_curves", km),
        results.write_table("mortality_summary", deaths),
        results.write_table("mortality_contrast", mortality_contrast(deaths)),
    ]
    truth = None
    if trial.is_synthetic:
        params = None
        if trial.source is not None and (truth := load_truth(trial.source)) is not None:
            params = truth.params
        outputs.append(results.write_table("parameters_synthetic", parameter_table(params)))
    fig = plot_observed_trajectories(long, marker="alc", dosing_end_day=trial.meta.dosing_end_day)
    outputs.append(results.write_figure("observed_alc", fig))
    plt.close(fig)
    fig = plot_km_curves(km, follow_up=trial.meta.follow_up_days)
    outputs.append(results.write_figure("km_curves", fig))
    plt.close(fig)
    extra = {"provenance_label": trial.provenance_label,
             "follow_up_days": trial.meta.follow_up_days}
    if truth is not None:  # what the generator really did: the report's warnings read it
        extra["truth_outcomes"] = dict(truth.outcomes)
    results.record_step(
        STEP,
        outputs=outputs,
        seed=args.seed,
        inputs_hash=_inputs_hash(trial),
        extra=extra,
    )
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
