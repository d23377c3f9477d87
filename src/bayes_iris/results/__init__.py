"""The results folder: writing it (``ResultsDir``), its contract (``tables``: steps, tables, column
lists, typed readers) and reading it back (``ResultsReader``).
"""

from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".reader": ["RESULTS_ENV", "ArtefactState", "ResultsReader", "StepState"],
    ".store": ["ResultsDir", "default_results_dir", "stamp_provenance"],
    ".tables": [
        "LEDGER", "MANIFEST", "STEPS", "STEP_BY_STEM", "TABLE_COLUMNS", "StepSpec",
        "design_prior_from_results", "find_manifest_record", "read_alc_inputs", "read_reanalysis",
        "step_of_artefact",
    ],
})
