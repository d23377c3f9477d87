"""The data layer: trial schema and validation, the synthetic IRIS-7-like trial, public facts.

Public API
----------
``load_trial(path) -> TrialData``                      read + validate a trial folder (InputError)
``load_bundled(name="iris7-synthetic") -> TrialData``  the shipped SYNTHETIC trial
``load_truth(path)``, ``load_bundled_truth(name)``     the truth of a synthetic trial folder
``write_trial(trial, dir, truth=None)``                validate + write a trial folder atomically
``validate_data(trial) -> TrialData``                  the same checks on an in-memory trial
``simulate_trial(seed, params=None, n_cyt107=17, n_placebo=10) -> SyntheticTrial(data, truth)``
``SyntheticParams``, ``Truth``, ``parameter_table()``  the generator's parameters and truth
"""

from .io import (
    bundled_path,
    load_bundled,
    load_bundled_truth,
    load_trial,
    load_truth,
    validate_data,
    write_trial,
)
from .synthetic import (
    SyntheticParams,
    SyntheticTrial,
    Truth,
    parameter_table,
    simulate_trial,
)
from .trial import LAB_MARKERS, TrialData, TrialMeta

__all__ = [
    "LAB_MARKERS",
    "SyntheticParams",
    "SyntheticTrial",
    "TrialData",
    "TrialMeta",
    "Truth",
    "bundled_path",
    "load_bundled",
    "load_bundled_truth",
    "load_trial",
    "load_truth",
    "parameter_table",
    "simulate_trial",
    "validate_data",
    "write_trial",
]
