"""The results folder's contract: which step writes which table and figure, the column lists of
the tables read downstream, the manifest and ledger file names, and typed readers.

Column lists are defined by their producer and only re-exported here, so a writer and its readers
(the design step, the report chunks, the test fakes) cannot disagree:

==================================  ==========================================================
table                               columns
==================================  ==========================================================
``trajectory_effects``              :data:`EFFECT_COLUMNS` (``trajectory.effects``)
``design_inputs_alc``               :data:`DESIGN_INPUTS_COLUMNS` (``trajectory.effects``)
``prior_sensitivity``               :data:`PRIOR_SENSITIVITY_COLUMNS` (``trajectory.effects``)
``ae_summary``, ``ae_soc_summary``  :data:`AE_TABLE_COLUMNS`, :data:`SOC_TABLE_COLUMNS`
                                    (``safety.effects``)
``reanalysis_summary``              :data:`REANALYSIS_COLUMNS` + ``source``
                                    (``reanalysis.model``)
``diagnostics_<step>``              :data:`DIAGNOSTICS_COLUMNS` (``inference.diagnostics``)
``design_*``, ``map_*``             :data:`DESIGN_TABLE_COLUMNS` (``phase3.tables``): the
                                    recommendations, curves, OC, group-sequential boundaries
                                    and OC, safety rule, design priors, assumptions, MAP tables
``km_curves``                       :data:`KM_COLUMNS` (``data.survival``)
``mortality_summary``,              :data:`MORTALITY_COLUMNS`, :data:`CONTRAST_COLUMNS`
``mortality_contrast``              (``data.survival``)
``ae_breakdown``                    :data:`BREAKDOWN_COLUMNS` (``safety.breakdown``)
==================================  ==========================================================

Every table also carries a first column ``provenance`` (``ResultsDir.write_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data.survival import CONTRAST_COLUMNS, KM_COLUMNS, MORTALITY_COLUMNS
from ..errors import InputError, Problem
from ..inference.diagnostics import DIAGNOSTICS_COLUMNS
from ..phase3.tables import DESIGN_TABLE_COLUMNS
from ..reanalysis.model import REANALYSIS_COLUMNS
from ..safety.breakdown import BREAKDOWN_COLUMNS
from ..safety.effects import AE_TABLE_COLUMNS, SOC_TABLE_COLUMNS
from ..trajectory.effects import (
    DESIGN_INPUTS_COLUMNS,
    EFFECT_COLUMNS,
    PRIOR_SENSITIVITY_COLUMNS,
)

if TYPE_CHECKING:  # the design package imports JAX: only when a reader needs it
    from ..design.design_priors import AlcInputs, DesignPrior, LogRRPosterior

__all__ = [
    "AE_TABLE_COLUMNS",
    "DESIGN_INPUTS_COLUMNS",
    "DESIGN_TABLE_COLUMNS",
    "DIAGNOSTICS_COLUMNS",
    "EFFECT_COLUMNS",
    "LEDGER",
    "LOG_DIR",
    "MANIFEST",
    "PRIOR_SENSITIVITY_COLUMNS",
    "REANALYSIS_COLUMNS",
    "SOC_TABLE_COLUMNS",
    "STEPS",
    "STEP_BY_STEM",
    "TABLE_COLUMNS",
    "StepSpec",
    "design_prior_from_results",
    "find_manifest_record",
    "read_alc_inputs",
    "read_reanalysis",
    "step_of_artefact",
]

#: The step records (outputs with sha256, diagnostics, status), written by ``ResultsDir``.
MANIFEST = "manifest.json"
#: The runner's ledger (run key, status and log of every step), written by the pipeline.
LEDGER = "pipeline.json"
#: Console output of each step, ``logs/<step>.log``.
LOG_DIR = "logs"

#: Column lists of the tables that are read downstream, by table name.
TABLE_COLUMNS: dict[str, list[str]] = {
    "trajectory_effects": EFFECT_COLUMNS,
    "design_inputs_alc": DESIGN_INPUTS_COLUMNS,
    "prior_sensitivity": PRIOR_SENSITIVITY_COLUMNS,
    "diagnostics_trajectories": DIAGNOSTICS_COLUMNS,
    "ae_summary": AE_TABLE_COLUMNS,
    "ae_soc_summary": SOC_TABLE_COLUMNS,
    "diagnostics_adverse_events": DIAGNOSTICS_COLUMNS,
    "reanalysis_summary": [*REANALYSIS_COLUMNS, "source"],
    **DESIGN_TABLE_COLUMNS,
    "km_curves": KM_COLUMNS,
    "mortality_summary": MORTALITY_COLUMNS,
    "mortality_contrast": CONTRAST_COLUMNS,
    "ae_breakdown": BREAKDOWN_COLUMNS,
}


# -- the steps and what each one declares -------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """One analysis step: its script stem (``analyses/<stem>.py``), title and declared outputs."""

    stem: str
    title: str
    tables: tuple[str, ...]
    figures: tuple[str, ...]

    @property
    def number(self) -> str:
        return self.stem.split("_", 1)[0]

    @property
    def outputs(self) -> tuple[str, ...]:
        """Declared outputs as paths relative to the results folder."""
        return tuple(f"tables/{t}.csv" for t in self.tables) + tuple(
            f"figures/{f}.png" for f in self.figures
        )


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "01_data",
        "Data: CONSORT counts, baseline table, observed lymphocyte counts, deaths",
        ("consort", "baseline", "labs_long", "parameters_synthetic", "km_curves",
         "mortality_summary", "mortality_contrast"),
        ("observed_alc", "km_curves"),
    ),
    StepSpec(
        "02_trajectories",
        "Lymphocyte trajectories (ALC, CD4+, CD8+)",
        (
            "trajectory_effects",
            "prior_sensitivity",
            "loo_compare",
            "design_inputs_alc",
            "diagnostics_trajectories",
        ),
        (
            "trajectory_alc",
            "trajectory_cd4",
            "trajectory_cd8",
            "day29_ratio_forest",
            "effects_by_day",
            "regimen_contrast",
            "effect_prior_posterior",
            "ppc_alc",
            "prior_predictive_alc",
            "trace_alc",
        ),
    ),
    StepSpec(
        "03_adverse_events",
        "Adverse events (Berry & Berry hierarchy)",
        ("ae_summary", "ae_soc_summary", "ae_two_arm_builtin", "diagnostics_adverse_events",
         "ae_breakdown"),
        ("ae_shrinkage", "ae_forest", "ae_breakdown", "respiratory_distress_3of15"),
    ),
    StepSpec(
        "04_summary_reanalysis",
        "Reanalysis of published summary data",
        ("reanalysis_summary",),
        ("reanalysis_forest", "reanalysis_triplot_sepsis_mortality",
         "reanalysis_triplot_sepsis_secondary_infection"),
    ),
    StepSpec(
        "05_phase3_design",
        "Phase III design",
        tuple(DESIGN_TABLE_COLUMNS),
        (
            "design_assurance_curves",
            "design_oc_curves",
            "design_gsd_boundaries",
            "design_gsd_expected_n",
            "design_boundaries",
            "map_forest_placebo_mortality",
            "map_density_placebo_mortality",
            "map_forest_cyt107_alc",
            "map_density_cyt107_alc",
        ),
    ),
)

STEP_BY_STEM = {s.stem: s for s in STEPS}


def step_of_artefact(relpath: str) -> StepSpec | None:
    """The step that declares ``relpath`` (e.g. ``"tables/consort.csv"``), if any.

    Examples
    --------
    >>> step_of_artefact("tables/ae_summary.csv").stem
    '03_adverse_events'
    """
    for spec in STEPS:
        if relpath in spec.outputs:
            return spec
    return None


def find_manifest_record(steps: dict[str, Any], stem: str) -> dict[str, Any] | None:
    """The manifest record of step ``stem`` (keyed by the stem, its name, or its number).

    Examples
    --------
    >>> find_manifest_record({"trajectories": {"status": "ok"}}, "02_trajectories")
    {'status': 'ok'}
    """
    if stem in steps:
        return steps[stem]
    number, _, name = stem.partition("_")
    if name and name in steps:
        return steps[name]
    for key, rec in steps.items():
        if key.split("_", 1)[0] == number:
            return rec
    return None


# -- typed readers ------------------------------------------------------------------------------
def _read_csv(path: Path, required: list[str] | tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise InputError(Problem(f"cannot read CSV: {err}", file=str(path))) from err
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(Problem(f"missing column(s) {missing}", file=str(path),
                                 column=missing[0], hint=f"expected columns {list(required)}"))
    return df


def _finite(df: pd.DataFrame, cols, path, positive=()) -> None:
    for col in cols:
        vals = pd.to_numeric(df[col], errors="coerce")
        for i, v in enumerate(vals):
            if not np.isfinite(v) or (col in positive and v <= 0):
                raise InputError(Problem(
                    f"value {df[col].iloc[i]!r} is not a {'positive ' if col in positive else ''}"
                    "finite number", file=str(path), row=i + 2, column=col))


def _provenance(df: pd.DataFrame, default: str) -> str:
    return str(df["provenance"].iloc[0]) if "provenance" in df.columns and len(df) else default


def read_alc_inputs(results: str | Path, *, provenance: str = "real") -> AlcInputs | None:
    """The trajectory step's ``tables/design_inputs_alc.csv`` (one row) as :class:`AlcInputs`;
    ``None`` if absent. Its ``source`` says "synthetic trial posterior — illustration only" when
    the table's ``provenance`` column (else ``provenance``) is "synthetic".

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "tables").mkdir()
    >>> row = {"provenance": "synthetic", "model": "piecewise", "log_ratio_mean": 1.1,
    ...        "log_ratio_sd": 0.2, "sd_patient_log_alc_day29": 0.7, "p_rise50_placebo": 0.3,
    ...        "p_rise50_cyt107": 0.9, "day": 29}
    >>> pd.DataFrame([row]).to_csv(d / "tables" / "design_inputs_alc.csv", index=False)
    >>> read_alc_inputs(d).source
    'trajectory posterior, day 29 (synthetic trial posterior — illustration only)'
    >>> read_alc_inputs(Path(tempfile.mkdtemp())) is None
    True
    """
    from ..design.design_priors import SYNTHETIC_NOTE, AlcInputs

    path = Path(results) / "tables" / "design_inputs_alc.csv"
    if not path.exists():
        return None
    df = _read_csv(path, DESIGN_INPUTS_COLUMNS)
    if len(df) != 1:
        raise InputError(Problem(f"expected exactly one row, found {len(df)}", file=str(path)))
    _finite(df, DESIGN_INPUTS_COLUMNS[1:6], path,
            positive=("log_ratio_sd", "sd_patient_log_alc_day29"))
    for col in ("p_rise50_placebo", "p_rise50_cyt107"):
        if not 0 <= float(df[col].iloc[0]) <= 1:
            raise InputError(Problem("must be a probability in [0, 1]", file=str(path), row=2,
                                     column=col))
    kind = SYNTHETIC_NOTE if _provenance(df, provenance) == "synthetic" else "real trial posterior"
    day = int(float(df["day"].iloc[0]))
    return AlcInputs(
        **{c: float(df[c].iloc[0]) for c in DESIGN_INPUTS_COLUMNS[1:6]}, day=day,
        source=f"trajectory posterior, day {day} ({kind})")


def read_reanalysis(results: str | Path, endpoint: str, prior: str = "minimally_informative",
                    *, provenance: str = "published") -> LogRRPosterior | None:
    """The reanalysis posterior of the log RR of ``endpoint`` ("mortality" or "infection") under
    ``prior``, from ``tables/reanalysis_summary.csv``; ``None`` if the file or row is absent.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "tables").mkdir()
    >>> pd.DataFrame([{"case": "sepsis_mortality", "prior": "minimally_informative",
    ...                "log_mean": 0.01, "log_sd": 0.52}]).to_csv(
    ...     d / "tables" / "reanalysis_summary.csv", index=False)
    >>> p = read_reanalysis(d, "mortality")
    >>> p.log_mean, p.log_sd
    (0.01, 0.52)
    """
    from ..design.design_priors import CASES, SYNTHETIC_NOTE, LogRRPosterior

    if endpoint not in CASES:
        raise InputError(f"unknown clinical endpoint {endpoint!r}", column="endpoint",
                         hint=f"one of {list(CASES)}")
    path = Path(results) / "tables" / "reanalysis_summary.csv"
    if not path.exists():
        return None
    df = _read_csv(path, ("case", "prior", "log_mean", "log_sd"))
    rows = df[(df["case"] == CASES[endpoint]) & (df["prior"] == prior)]
    if rows.empty:
        return None
    _finite(rows.reset_index(drop=True), ("log_mean", "log_sd"), path, positive=("log_sd",))
    r = rows.iloc[0]
    prov = str(r["provenance"]) if "provenance" in rows.columns else provenance
    kind = SYNTHETIC_NOTE if prov == "synthetic" else "pooled published data"
    return LogRRPosterior(float(r["log_mean"]), float(r["log_sd"]),
                          f"reanalysis posterior of log RR ({CASES[endpoint]}, prior {prior}; "
                          f"{kind})")


def design_prior_from_results(results: str | Path, endpoint: str, *,
                              robust_weight: float = 0.0) -> DesignPrior:
    """The design prior of ``endpoint`` from a results folder's upstream posteriors (published
    facts, labelled "FALLBACK", where the folder has no such table).

    Examples
    --------
    >>> import tempfile
    >>> from bayes_iris.design import sample_size
    >>> dp = design_prior_from_results(tempfile.mkdtemp(), "alc")
    >>> dp.source.startswith("FALLBACK")
    True
    >>> sample_size("alc", dp, n_grid=[12, 24], n_sim=1000).recommended_n in (12, 24, None)
    True
    """
    from ..design.design_priors import (
        CASES,
        alc_design_prior,
        clinical_design_prior,
        rise50_design_prior,
    )
    from ..design.sample_size import default_design_prior

    if endpoint in CASES:
        return clinical_design_prior(endpoint, read_reanalysis(results, endpoint),
                                     robust_weight=robust_weight)
    if endpoint == "alc":
        return alc_design_prior(read_alc_inputs(results), robust_weight=robust_weight)
    if endpoint == "rise50":
        return rise50_design_prior(read_alc_inputs(results))
    return default_design_prior(endpoint, robust_weight=robust_weight)
