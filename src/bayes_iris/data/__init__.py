"""The data layer: the trial contract, reading, validating and writing trial folders, the synthetic
IRIS-7-like trial, and the published facts.

Public API
----------
``load_trial(path) -> TrialData``                      read + validate a trial folder (InputError)
``load_bundled(name="iris7-synthetic") -> TrialData``  the shipped SYNTHETIC trial
``load_truth(path)``, ``load_bundled_truth(name)``     the truth of a synthetic trial folder
``write_trial(trial, dir, truth=None)``                validate + write a trial folder atomically
``validate_data(trial) -> TrialData``                  the same checks on an in-memory trial
``bundled_path(name="iris7-synthetic") -> Path``       folder of a shipped trial
``simulate_trial(seed, params=None, n_cyt107=17, n_placebo=10) -> SyntheticTrial(data, truth)``
``SyntheticParams``, ``Truth``, ``parameter_table()``  the generator's parameters and truth
``TrialData``, ``TrialMeta``, ``Provenance``           the in-memory trial (:mod:`.trial`)
``LAB_MARKERS``, ``ramp_bases(day, dosing_end_day)``   the markers and the trial's time basis

Modules (each imports only those above it, and nothing outside ``errors``, ``atomic``, ``seeds``)
-------------------------------------------------------------------------------------------------
``trial``        TrialData, TrialMeta, Provenance, LAB_MARKERS, ramp_bases: the contract
``schema``       every column of every table as data; pandera schemas; dtype casting
``text``         the text form of a cell (missing/true/false tokens, value -> text)
``meta``         trial.yaml: parse, its rules, its text
``consistency``  the cross-table rules, one function each
``validate``     text tables -> typed, checked tables; validate_data
``load``         files -> text tables; load_trial
``write``        write_trial (atomic, deterministic CSV)
``synthetic/``   params, ae_terms, params_table, truth, generator
``bundle``       the bundled synthetic trial: bundled_path, load_bundled, build_bundled
``published``, ``summary``, ``docs``  published facts; descriptive tables; generated doc sections

Examples
--------
>>> from bayes_iris.data import load_bundled, simulate_trial
>>> load_bundled().n_patients
27
>>> simulate_trial(1).data.meta.provenance.kind
'synthetic'
"""

from .bundle import bundled_path, load_bundled, load_bundled_truth
from .load import load_trial
from .synthetic import (
    SyntheticParams,
    SyntheticTrial,
    Truth,
    load_truth,
    parameter_table,
    simulate_trial,
)
from .trial import LAB_MARKERS, Provenance, TrialData, TrialMeta, ramp_bases
from .validate import validate_data
from .write import write_trial

__all__ = [
    "LAB_MARKERS",
    "Provenance",
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
    "ramp_bases",
    "simulate_trial",
    "validate_data",
    "write_trial",
]
