"""Exceptions that cross module boundaries, and the exit codes they map to.

The CLI and the step scripts map them to :class:`ExitCode`: :class:`InputError` -> 2 (bad input,
nothing written), :class:`ConvergenceError` -> 3 (diagnostics failed under ``--strict``). Anything
else is a bug -> 1. Validation collects its :class:`Problem` s in a :class:`ProblemList` and
raises them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

MAX_PROBLEMS = 200  # problems listed by one InputError; more are counted, not shown


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


class ProblemList:
    """Collects the :class:`Problem` s of one validation; keeps the first ``limit``, counts the rest.

    Validation reports *every* problem it finds in one :class:`InputError` rather than stopping at
    the first; the cap keeps a file with a thousand bad cells readable.

    Parameters
    ----------
    limit : int
        Problems kept (default :data:`MAX_PROBLEMS`); further ones are only counted and summarised
        as one last line.

    Examples
    --------
    >>> problems = ProblemList(limit=2)
    >>> for k in range(3):
    ...     problems.add(f"bad value {k}", file="labs.csv", row=k + 2, column="alc")
    >>> len(problems)
    3
    >>> try:
    ...     problems.raise_if_any()
    ... except InputError as err:
    ...     print(err)
    labs.csv, row 2, column 'alc': bad value 0
    labs.csv, row 3, column 'alc': bad value 1
    ... and 1 more problems not shown -> fix the ones above and validate again
    """

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.items: list[Problem] = []
        self.dropped = 0

    def add(
        self,
        message: str,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Record one problem (see :class:`Problem` for the fields)."""
        self.append(Problem(message, file=file, row=row, column=column, hint=hint))

    def append(self, problem: Problem) -> None:
        """Record a :class:`Problem` built elsewhere."""
        if len(self.items) < self.limit:
            self.items.append(problem)
        else:
            self.dropped += 1

    def __len__(self) -> int:
        return len(self.items) + self.dropped

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` with every problem kept (and a count of the rest), if any."""
        if not self:
            return
        items = list(self.items)
        if self.dropped:
            items.append(
                Problem(
                    f"... and {self.dropped} more problems not shown",
                    hint="fix the ones above and validate again",
                )
            )
        raise InputError(items)
