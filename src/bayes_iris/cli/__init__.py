"""The ``bayes-iris`` command line (typer + rich).

Each area registers its commands from its own module (``cli/data.py``, ``cli/fit.py``,
``cli/oc.py``, ``cli/safety.py``, ``cli/reanalysis.py``, ``cli/design.py``,
``cli/report.py``); every command is a thin wrapper over a library function — the analyses'
``analysis`` modules, which the pipeline's step scripts call too. Options follow one naming scheme (:mod:`bayes_iris.cli.options`) and every
``--help`` ends with examples.

Exit codes (:class:`~bayes_iris.errors.ExitCode`): 0 success · 2 bad input (message names file,
row and column; nothing written) · 3 diagnostics failed under ``--strict`` · 130 interrupted ·
1 anything else (a bug: please report it).
"""

from __future__ import annotations

import sys

import click
import typer

from ..errors import ConvergenceError, ExitCode, InputError, input_error_lines
from .output import console

# typer >= 0.2x vendors its own click (``typer._click``): its usage errors are not click's.
try:
    from typer._click.exceptions import UsageError as _TyperUsageError
except ImportError:  # older typer: plain click
    _TyperUsageError = click.exceptions.UsageError
_USAGE_ERRORS = (click.exceptions.UsageError, _TyperUsageError)

app = typer.Typer(
    name="bayes-iris",
    help=(
        "Bayesian reanalysis of IRIS-7 (CYT107 / IL-7 in septic shock) and phase III design.\n\n"
        "The bundled default trial 'iris7-synthetic' is SYNTHETIC: generated to resemble IRIS-7 "
        "from public facts, it is not the trial's patient data."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root() -> None:
    """Bayesian reanalysis of IRIS-7 and design of its phase III successor."""


def _register_all() -> None:
    from . import data, design, fit, oc, reanalysis, report, safety

    for module in (data, fit, oc, safety, reanalysis, design, report):
        module.register(app)


_register_all()


def print_input_error(err: InputError) -> None:
    """Print the problems of ``err`` on stderr (the same lines as the step scripts)."""
    first, *rest = input_error_lines(err)
    console.print(f"[bold red]{first}[/bold red]", highlight=False)
    for line in rest:
        console.print(line, highlight=False, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayes-iris`` console script; returns (and exits with) the exit code."""
    try:
        result = app(args=argv, prog_name="bayes-iris", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitCode.OK
    except InputError as err:
        print_input_error(err)
        code = ExitCode.INPUT
    except ConvergenceError as err:
        console.print(f"[bold red]Diagnostics failed (--strict):[/bold red] {err}", highlight=False)
        code = ExitCode.CONVERGENCE
    except _USAGE_ERRORS as err:
        err.show()
        code = ExitCode.INPUT
    except click.exceptions.Exit as err:
        code = err.exit_code
    except typer.Exit as err:
        code = getattr(err, "exit_code", getattr(err, "code", ExitCode.OK))
    except (click.exceptions.Abort, typer.Abort):
        console.print("Aborted.")
        code = ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        console.print("Interrupted.")
        code = ExitCode.INTERRUPTED
    if argv is None:
        sys.exit(int(code))
    return int(code)
