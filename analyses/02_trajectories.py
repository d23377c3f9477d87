"""Step ``trajectories``: hierarchical lymphocyte trajectory models and posterior treatment effects.

Fits (saved in ``fits/``, reused while data, model and sampler config are unchanged):
ALC piecewise and spline (default prior; compared by PSIS-LOO), ALC piecewise under the prior sets
vague / skeptical / enthusiastic (one compiled model serves all), and the joint ALC/CD4/CD8
piecewise model. The model used for the design inputs and the ALC figures is the LOO-best shape,
unless the piecewise model is within 2 SE of it (parsimony). ``--fast``: small budgets and no
spline fit (LOO table then has one row).

Writes ``tables/trajectory_effects.csv`` (contract in ``bayes_iris.effects``),
``tables/design_inputs_alc.csv``, ``tables/prior_sensitivity.csv``, ``tables/loo_compare.csv``,
``tables/prior_predictive_alc.csv``, ``tables/diagnostics_trajectories.csv`` and the figures
``trajectory_{alc,cd4,cd8}.png``, ``day29_ratio_forest.png``, ``effects_by_day.png``,
``ppc_alc.png``, ``prior_predictive_alc.png``, ``trace_alc.png`` (rank plots). Records step
"trajectories" (status "warning" when any fit fails its diagnostics). Exit 2 on invalid input,
3 under ``--strict`` when diagnostics fail.

Run: ``python analyses/02_trajectories.py [--data DIR] [--results DIR] [--seed N] [--fast] [--strict]``.
"""

from __future__ import annotations

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from bayes_iris import effects, seeds
from bayes_iris.artifacts import ResultsDir, default_results_dir, script_parser
from bayes_iris.cli import print_input_error
from bayes_iris.data import load_bundled, load_trial
from bayes_iris.errors import InputError
from bayes_iris.inference import SamplerConfig, diagnostics_table, fit, hash_inputs
from bayes_iris.models.priors import PRIOR_SET_NAMES
from bayes_iris.models.trajectory import (
    TrajectoryModel,
    posterior_predictive,
    prior_predictive,
    prior_predictive_draws,
)
from bayes_iris.plots.diagnostics import plot_rank
from bayes_iris.plots.trajectory import (
    plot_effects_by_day,
    plot_ppc,
    plot_prior_predictive,
    plot_ratio_forest,
    plot_trajectories,
)

STEP = "trajectories"
RANK_VARS = ["effect", "effect_post", "natural_ramp", "regimen_ramp", "sd_site", "sigma", "nu",
             "chol_patient_stds"]


def sampler_config(seed: int, *, fast: bool, sampler: str = "nutpie",
                   progressbar: bool | None = None) -> SamplerConfig:
    """The sampler budget of this step (the sampler's seed is the run seed's "sampler" stream)."""
    pb = sys.stderr.isatty() if progressbar is None else progressbar
    s = seeds.int_seed(seed, "sampler")
    if fast:
        return SamplerConfig.fast(seed=s, sampler=sampler, progressbar=pb, target_accept=0.95)
    # 2000 draws per chain: sampling costs seconds next to compiling, and the LKJ scale of the
    # patient slopes mixes slowly (bulk ESS ~300 per 4000 draws under some prior sets)
    # target_accept 0.95: under the vague prior the hierarchical SDs reach into a funnel (2 of
    # 4000 transitions diverged at 0.9 on the bundled trial)
    return SamplerConfig(seed=s, sampler=sampler, progressbar=pb, draws=2000, target_accept=0.95)


def choose_shape(loo: pd.DataFrame) -> str:
    """The LOO-best shape, unless the piecewise model is within 2 SE of it (parsimony)."""
    if loo.empty:
        return "piecewise"
    best = str(loo["model"].iloc[0])
    pw = loo[loo["model"] == "piecewise"]
    if best != "piecewise" and len(pw) and abs(float(pw["elpd_diff"].iloc[0])) < 2 * float(
            pw["dse"].iloc[0]):
        return "piecewise"
    return best


def fit_model(tm: TrajectoryModel, config: SamplerConfig, results: ResultsDir, label: str):
    """Fit one trajectory model through the cache in ``results/fits``."""
    return fit(tm.build(), config, name=f"{tm.name}_{label}", cache_dir=results.fits,
               cache_key=tm.cache_key(), provenance=tm.data.provenance_label,
               compile_key=tm.structure_key())


def main(argv: list[str] | None = None) -> int:
    args = script_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        trial = load_bundled() if args.data is None else load_trial(args.data)
        base = TrajectoryModel(trial, markers=("alc",), shape="piecewise")
    except InputError as err:
        print_input_error(err)
        return 2
    results = ResultsDir(args.results or default_results_dir(trial), trial)
    config = sampler_config(args.seed, fast=args.fast)
    budget = {k: v for k, v in (("draws", args.draws), ("tune", args.tune)) if v is not None}
    if budget:
        config = config.model_copy(update=budget)
    fits: dict[str, tuple[TrajectoryModel, object]] = {}

    # ALC: both shapes under the default prior, compared by LOO
    fits["alc_piecewise_default"] = (base, fit_model(base, config, results, "default"))
    if not args.fast:
        spline = TrajectoryModel(trial, markers=("alc",), shape="spline")
        fits["alc_spline_default"] = (spline, fit_model(spline, config, results, "default"))
    loo = effects.loo_compare({k.split("_")[1]: f for k, (_, f) in fits.items()})
    chosen_shape = choose_shape(loo)
    chosen_tm, chosen_fit = fits[f"alc_{chosen_shape}_default"]
    loo["chosen"] = loo["model"] == chosen_shape

    # prior sets (same compiled piecewise model)
    for pset in PRIOR_SET_NAMES:
        if pset == "default":
            continue
        tm = base.with_priors(pset)
        fits[f"alc_piecewise_{pset}"] = (tm, fit_model(tm, config, results, pset))
    # joint ALC / CD4 / CD8
    joint = TrajectoryModel(trial, markers=("alc", "cd4", "cd8"), shape="piecewise")
    fits["joint_piecewise_default"] = (joint, fit_model(joint, config, results, "default"))

    # effects
    eff = {k: effects.treatment_effects(f, tm, seed=args.seed) for k, (tm, f) in fits.items()}
    table = pd.concat([e.table for e in eff.values()], ignore_index=True)
    sens = effects.prior_sensitivity([
        (pset, fits[f"alc_piecewise_{pset}"][0].priors, eff[f"alc_piecewise_{pset}"])
        for pset in PRIOR_SET_NAMES
    ])
    design = effects.design_inputs(chosen_fit, chosen_tm, seed=args.seed)
    design.insert(0, "model", chosen_shape)
    diag = diagnostics_table([(k, f.diagnostics) for k, (_, f) in fits.items()])
    prior_tab = prior_predictive(base, seed=args.seed, draws=500)

    outputs = [
        results.write_table("trajectory_effects", table),
        results.write_table("design_inputs_alc", design),
        results.write_table("prior_sensitivity", sens),
        results.write_table("loo_compare", loo),
        results.write_table("prior_predictive_alc", prior_tab),
        results.write_table("diagnostics_trajectories", diag),
    ]

    # figures
    jt, jf = fits["joint_piecewise_default"]
    figs = {"trajectory_alc": plot_trajectories(chosen_fit, chosen_tm, marker="alc")}
    for m in ("cd4", "cd8"):
        figs[f"trajectory_{m}"] = plot_trajectories(jf, jt, marker=m)
    figs["day29_ratio_forest"] = plot_ratio_forest(sens)
    figs["effects_by_day"] = plot_effects_by_day(
        table[table["prior_set"] == "default"], marker="alc")
    figs["ppc_alc"] = plot_ppc(posterior_predictive(chosen_fit, chosen_tm, seed=args.seed),
                               chosen_tm)
    figs["prior_predictive_alc"] = plot_prior_predictive(
        prior_predictive_draws(base, seed=args.seed))
    figs["trace_alc"] = plot_rank(chosen_fit, var_names=RANK_VARS)
    for name, fig in figs.items():
        outputs.append(results.write_figure(name, fig))
        plt.close(fig)
    outputs.extend(f.path for _, f in fits.values() if f.path is not None)

    failed = [k for k, (_, f) in fits.items() if not f.diagnostics.ok]
    status = "warning" if failed else "ok"
    if failed and args.strict:
        status = "failed"
    results.record_step(
        STEP, outputs=outputs, seed=args.seed,
        inputs_hash=hash_inputs(*(tm.cache_key() for tm, _ in fits.values())),
        diagnostics={k: f.diagnostics.to_dict() for k, (_, f) in fits.items()},
        status=status,
        extra={"provenance_label": trial.provenance_label, "chosen_model": chosen_shape,
               "fast": bool(args.fast)},
    )
    print(f"{trial.provenance_label}\n{len(outputs)} artefacts written to {results.root}")
    if failed:
        print(f"diagnostics failed for: {', '.join(failed)}", file=sys.stderr)
        if args.strict:
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
