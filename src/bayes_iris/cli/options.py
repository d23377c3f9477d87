"""One naming scheme for the options of every command (and of the step scripts):

=============  ====================================================================
option         meaning
=============  ====================================================================
``--data``     trial folder to read (default: the bundled SYNTHETIC trial)
``--results``  results folder (default ``results/<trial name>``); fits are cached in
               ``<results>/fits``, tables written to ``<results>/tables``
``--out``      the one output a command writes on request: a CSV file (``simulate``:
               the new trial folder)
``--seed``     run seed, a non-negative integer (every random number derives from it)
``--fast``     small budgets (smoke runs)
``--strict``   exit 3 when diagnostics fail
=============  ====================================================================

Each command's help ends with an Examples section (:func:`examples`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..seeds import DEFAULT_SEED

__all__ = ["DataOpt", "FastOpt", "OutOpt", "ResultsOpt", "SeedOpt", "StrictOpt", "examples"]

DataOpt = Annotated[
    Path | None,
    typer.Option("--data", help="trial folder (default: the bundled SYNTHETIC trial "
                                "'iris7-synthetic')"),
]
ResultsOpt = Annotated[
    Path | None,
    typer.Option("--results", help="results folder (default: results/<trial name>)"),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="also write the table to this CSV file")]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, help="run seed (non-negative integer)")]
FastOpt = Annotated[bool, typer.Option("--fast", help="small budgets (smoke runs)")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="exit 3 when diagnostics fail")]

DEFAULT = DEFAULT_SEED


def examples(*lines: str) -> str:
    """The ``Examples`` section that ends a command's ``--help`` (one command per line).

    Examples
    --------
    >>> print(examples("bayes-iris fit --fast"))
    Examples:
    <BLANKLINE>
      bayes-iris fit --fast
    """
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
