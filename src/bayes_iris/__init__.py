"""bayes-iris: Bayesian reanalysis of the IRIS-7 trial and design of its phase III successor.

IRIS-7 randomised recombinant interleukin-7 (CYT107) against placebo in septic shock with severe
lymphopenia (Francois et al., JCI Insight 2018;3(5):e98960). No patient-level data of that trial is
public: the toolkit reads real data in a documented schema, ships a *synthetic*, IRIS-7-like trial as
its default, and reanalyses the published summary-level numbers as they stand.

The public API (imported lazily: ``import bayes_iris`` stays light):

======================================  ==========================================================
data                                    ``load_bundled``, ``load_trial``, ``simulate_trial``,
                                        ``TrialData``
models and fitting                      ``TrajectoryModel``, ``AEModel``, ``SamplerConfig``,
                                        ``fit`` (one package per analysis: ``trajectory``,
                                        ``safety``, ``reanalysis``, ``design``)
reanalysis of published numbers         ``Estimate``, ``Counts``, ``prior_grid``, ``reanalyze``
phase III design                        ``sample_size``, ``design_prior_from_results``
the pipeline                            ``run_pipeline``, ``render_report``
errors and exit codes                   ``InputError``, ``ConvergenceError``, ``ExitCode``
======================================  ==========================================================

Examples
--------
>>> import bayes_iris
>>> trial = bayes_iris.load_bundled()
>>> trial.is_synthetic, "SYNTHETIC" in trial.provenance_label
(True, True)
>>> bayes_iris.reanalyze(bayes_iris.Estimate(value=1.01, lower=0.36, upper=2.81),
...                      bayes_iris.prior_grid(0.8)).table["prior"].iloc[0]
'minimally_informative'
"""

from ._lazy import lazy_exports
from ._version import __version__

__getattr__, __dir__, _NAMES = lazy_exports(__name__, {
    ".data": ["TrialData", "load_bundled", "load_trial", "simulate_trial"],
    ".design": ["sample_size"],
    ".errors": ["ConvergenceError", "ExitCode", "InputError"],
    ".inference": ["SamplerConfig", "fit"],
    ".pipeline": ["run_pipeline"],
    ".reanalysis": ["Counts", "Estimate", "prior_grid", "reanalyze"],
    ".report": ["render_report"],
    ".results.tables": ["design_prior_from_results"],
    ".safety": ["AEModel"],
    ".trajectory": ["TrajectoryModel"],
})
__all__ = ["__version__", *_NAMES]
