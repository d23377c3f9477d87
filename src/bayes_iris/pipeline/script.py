"""The step-script contract: what every ``analyses/NN_name.py`` takes, prints and returns.

A step script is ``main(argv=None) -> int`` = :func:`run_step` (parse the options of
:func:`script_parser`, then the step's body): the body loads the trial (:func:`load_trial_arg`),
calls its area's ``analysis.run(...)``, writes ``result.tables()`` and the figures through
``ResultsDir`` and records the step in ``manifest.json``. Exit codes are
:class:`~bayes_iris.errors.ExitCode`: 0 ok · 2 bad input (:class:`InputError`; the problems are
printed, nothing was written) · 3 diagnostics failed under ``--strict``. Scripts never import the
command line (``bayes_iris.cli``); the CLI and the scripts share this module's messages.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import ConvergenceError, ExitCode, InputError, input_error_lines
from ..seeds import DEFAULT_SEED

__all__ = [
    "load_trial_arg",
    "report_convergence_error",
    "report_input_error",
    "results_dir",
    "run_step",
    "script_parser",
]


def _int_at_least(minimum: int):
    """An argparse type: a whole number >= ``minimum`` (argparse exits 2 otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {value}")
        return value

    return parse


_seed_arg = _int_at_least(0)  # --seed: a non-negative integer
_positive_int = _int_at_least(1)


def script_parser(description: str) -> argparse.ArgumentParser:
    """The options every script in ``analyses/`` takes (the same names as the command line).

    Examples
    --------
    >>> a = script_parser("x").parse_args(["--seed", "3", "--fast"])
    >>> a.seed, a.fast, a.strict, a.data, a.results, a.draws
    (3, True, False, None, None, None)
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, default=None,
                   help="trial folder (default: the bundled SYNTHETIC trial 'iris7-synthetic')")
    p.add_argument("--results", type=Path, default=None,
                   help="results folder (default: results/<trial name>)")
    p.add_argument("--seed", type=_seed_arg, default=DEFAULT_SEED,
                   help="run seed, a non-negative integer (all randomness derives from it)")
    p.add_argument("--fast", action="store_true", help="small budgets, for smoke tests")
    p.add_argument("--strict", action="store_true", help="fail (exit 3) when diagnostics fail")
    p.add_argument("--draws", type=_positive_int, default=None,
                   help="MCMC draws per chain for every fit of this step (default: the step's own)")
    p.add_argument("--tune", type=_positive_int, default=None,
                   help="MCMC tuning steps per chain (default: the step's own)")
    return p


def load_trial_arg(args: argparse.Namespace):
    """The trial of ``--data`` (validated; :class:`InputError` on bad input), else the bundled
    SYNTHETIC trial."""
    from ..data import load_bundled, load_trial

    return load_bundled() if args.data is None else load_trial(args.data)


def results_dir(args: argparse.Namespace, trial):
    """The ``ResultsDir`` of ``--results``, else ``results/<slug of the trial name>``."""
    from ..results.store import ResultsDir, default_results_dir

    return ResultsDir(args.results or default_results_dir(trial), trial)


def report_input_error(err: InputError, file: TextIO | None = None) -> int:
    """Print the problems of ``err`` (file, row, column) and return :data:`ExitCode.INPUT`."""
    print("\n".join(input_error_lines(err)), file=file or sys.stderr)
    return ExitCode.INPUT


def report_convergence_error(err: ConvergenceError, file: TextIO | None = None) -> int:
    """Say that diagnostics failed under ``--strict``; return :data:`ExitCode.CONVERGENCE`."""
    print(f"Diagnostics failed (--strict): {err}", file=file or sys.stderr)
    return ExitCode.CONVERGENCE


def run_step(body: Callable[[argparse.Namespace], int], argv: list[str] | None = None, *,
             description: str,
             configure: Callable[[argparse.ArgumentParser], None] | None = None) -> int:
    """Parse ``argv`` with :func:`script_parser` (plus ``configure``'s options), run ``body`` and
    map the toolkit's errors to exit codes.

    Examples
    --------
    >>> from bayes_iris.errors import InputError
    >>> def body(args):
    ...     raise InputError("no such trial", column="--data")
    >>> run_step(body, [], description="demo", ) == ExitCode.INPUT  # doctest: +ELLIPSIS
    True
    """
    parser = script_parser(description)
    if configure is not None:
        configure(parser)
    args = parser.parse_args(argv)
    try:
        return int(body(args))
    except InputError as err:
        return report_input_error(err)
    except ConvergenceError as err:
        return report_convergence_error(err)
