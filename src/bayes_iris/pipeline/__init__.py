"""The analysis pipeline: the runner (``run_pipeline``), its ledger (which step is reused), and
the step-script contract every ``analyses/NN_*.py`` follows (``script``)."""

from .ledger import PipelineResult, StepOutcome
from .runner import diagnostics_failures, load_trial_meta, run_pipeline
from .script import (
    load_trial_arg,
    report_convergence_error,
    report_input_error,
    results_dir,
    run_step,
    script_parser,
)

__all__ = [
    "PipelineResult",
    "StepOutcome",
    "diagnostics_failures",
    "load_trial_arg",
    "load_trial_meta",
    "report_convergence_error",
    "report_input_error",
    "results_dir",
    "run_pipeline",
    "run_step",
    "script_parser",
]
