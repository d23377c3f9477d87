"""The ``bayes-iris`` command line (typer + rich).

Each area registers its commands from its own module (``cli/data.py``, ``cli/fit.py``,
``cli/safety.py``, ``cli/design.py``, ``cli/report.py``); every command is a thin wrapper over a
library function that can be called from Python as well.

Exit codes: 0 success · 2 bad input (message names file, row and column; nothing written) ·
3 diagnostics failed under ``--strict`` · 1 anything else (a bug: please report it).
"""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console

from ..errors import ConvergenceError, InputError

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_CONVERGENCE = 0, 1, 2, 3

# typer >= 0.2x vendors its own click (``typer._click``): its usage errors are not click's.
try:
    from typer._click.exceptions import UsageError as _TyperUsageError
except ImportError:  # older typer: plain click
    _TyperUsageError = click.exceptions.UsageError
_USAGE_ERRORS = (click.exceptions.UsageError, _TyperUsageError)

console = Console(stderr=True)

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
    from . import data, design, fit, report, safety

    for module in (data, fit, safety, design, report):
        module.register(app)


_register_all()


def print_input_error(err: InputError) -> None:
    console.print("[bold red]Invalid input[/bold red] — nothing was written.", highlight=False)
    for problem in err.problems:
        console.print(f"  • {problem}", highlight=False, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayes-iris`` console script; returns (and exits with) the exit code."""
    try:
        result = app(args=argv, prog_name="bayes-iris", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except InputError as err:
        print_input_error(err)
        code = EXIT_INPUT
    except ConvergenceError as err:
        console.print(f"[bold red]Diagnostics failed (--strict):[/bold red] {err}", highlight=False)
        code = EXIT_CONVERGENCE
    except _USAGE_ERRORS as err:
        err.show()
        code = EXIT_INPUT
    except click.exceptions.Exit as err:
        code = err.exit_code
    except typer.Exit as err:
        code = getattr(err, "exit_code", getattr(err, "code", EXIT_OK))
    except (click.exceptions.Abort, typer.Abort):
        console.print("Aborted.")
        code = 130
    except KeyboardInterrupt:
        console.print("Interrupted.")
        code = 130
    if argv is None:
        sys.exit(code)
    return code
