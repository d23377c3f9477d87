"""Exceptions that cross module boundaries, and the exit codes they map to.

The CLI and the step scripts map them to :class:`ExitCode`: :class:`InputError` -> 2 (bad input,
nothing written), :class:`ConvergenceError` -> 3 (diagnostics failed under ``--strict``). Anything
else is a bug -> 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path


@dataclass
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``row`` is the 1-based line number in the file as a user sees it in an editor (the header is
    line 1, so the first data row is line 2); ``None`` when the problem is not tied to a row.
    """

    message: str
    file: str | Path | None = None
    row: int | None = None
    column: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"{self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" -> {self.hint}"
        return text


class BayesIrisError(Exception):
    """Base class of the toolkit's own errors."""


@dataclass
class InputError(BayesIrisError):
    """Invalid user input: a trial folder, a config, a CLI option or an API argument.

    Carries one or more :class:`Problem` s. ``str(err)`` lists them, one per line.
    """

    problems: list[Problem] = field(default_factory=list)

    def __init__(self, problems: Problem | str | list[Problem], **kwargs) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, **kwargs)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConvergenceError(BayesIrisError):
    """MCMC diagnostics failed (divergences, R-hat, ESS, BFMI) and the caller asked for ``strict``."""


class ExitCode(IntEnum):
    """The exit codes of the ``bayes-iris`` command and of every ``analyses/NN_*.py`` step.

    ====  ===========  ============================================================
    code  name         meaning
    ====  ===========  ============================================================
    0     OK           success (diagnostics may have warned: the output says so)
    1     BUG          anything unexpected (a crash, a failed step): please report
    2     INPUT        invalid input (:class:`InputError`); nothing was written
    3     CONVERGENCE  diagnostics failed under ``--strict`` (:class:`ConvergenceError`)
    130   INTERRUPTED  stopped by the user (Ctrl-C)
    ====  ===========  ============================================================

    Examples
    --------
    >>> int(ExitCode.INPUT), ExitCode(3).name
    (2, 'CONVERGENCE')
    """

    OK = 0
    BUG = 1
    INPUT = 2
    CONVERGENCE = 3
    INTERRUPTED = 130


def input_error_lines(err: InputError) -> list[str]:
    """The lines every front end prints for an :class:`InputError` (CLI and step scripts alike).

    Examples
    --------
    >>> input_error_lines(InputError("bad seed", column="seed"))
    ['Invalid input — nothing was written.', "  • column 'seed': bad seed"]
    """
    return ["Invalid input — nothing was written.", *(f"  • {p}" for p in err.problems)]
