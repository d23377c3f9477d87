"""Step ``trajectories``: hierarchical lymphocyte trajectory models and posterior treatment effects.

The step is :func:`bayes_iris.trajectory.analysis.run` (the fits, shape choice by PSIS-LOO, the
prior sets, the joint ALC/CD4/CD8 model; fits cached in ``fits/`` under the name and key of each
model spec — the same files ``bayes-iris fit`` uses) and
:func:`bayes_iris.trajectory.analysis.figures`.

Writes ``tables/trajectory_effects.csv`` (contract in ``bayes_iris.trajectory.effects``),
``tables/design_inputs_alc.csv``, ``tables/prior_sensitivity.csv``, ``tables/loo_compare.csv``,
``tables/prior_predictive_alc.csv``, ``tables/diagnostics_trajectories.csv`` and the figures
``trajectory_{alc,cd4,cd8}.png``, ``day29_ratio_forest.png``, ``effects_by_day.png``,
``regimen_contrast.png``, ``effect_prior_posterior.png``, ``ppc_alc.png``,
``prior_predictive_alc.png``, ``trace_alc.png`` (rank plots). Records step "trajectories"
(status "warning" when any fit fails its diagnostics) with the chosen shape, every fit's sampler
settings and the prior sets in numbers. Exit 2 on invalid input,
3 under ``--strict`` when diagnostics fail.

Run: ``python analyses/02_trajectories.py [--data DIR] [--results DIR] [--seed N] [--fast] [--strict]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bayes_iris.errors import ExitCode
from bayes_iris.fingerprints import hash_inputs
from bayes_iris.pipeline.script import load_trial_arg, results_dir, run_step
from bayes_iris.trajectory import analysis
from bayes_iris.trajectory.priors import resolve_priors

STEP = analysis.STEP


def step(args) -> int:
    trial = load_trial_arg(args)
    results = results_dir(args, trial)
    res = analysis.run(trial, seed=args.seed, fast=args.fast, fits_dir=results.fits,
                       draws=args.draws, tune=args.tune)
    outputs = results.write_result(res)
    for name, fig in analysis.figures(res, seed=args.seed).items():
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    outputs.extend(f.path for f in res.fits.values() if f.path is not None)

    failed = res.failed
    status = ("failed" if args.strict else "warning") if failed else "ok"
    results.record_step(
        STEP, outputs=outputs, seed=args.seed,
        inputs_hash=hash_inputs(*(m.cache_key() for m in res.models.values())),
        diagnostics={k: f.diagnostics.to_dict() for k, f in res.fits.items()},
        status=status,
        extra={"provenance_label": trial.provenance_label, "chosen_model": res.chosen_shape,
               "fast": bool(args.fast),
               "priors": {k: resolve_priors(k) for k in sorted({m.prior_set for m in
                                                                res.models.values()})}},
        fits=res.fits,
    )
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    if failed:
        print(f"diagnostics failed for: {', '.join(failed)}", file=sys.stderr)
        if args.strict:
            return ExitCode.CONVERGENCE
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(step, argv, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
