"""Progress reporting for long design computations: a rich bar when stderr is a terminal, one
plain line per ~10 % otherwise (logs, CI, notebooks)."""

from __future__ import annotations

import sys
from types import TracebackType


class Progress:
    """Context manager counting ``total`` steps.

    Examples
    --------
    >>> with Progress(3, "demo", enabled=False) as p:
    ...     for _ in range(3):
    ...         p.advance()
    >>> p.done
    3
    """

    def __init__(self, total: int, label: str, *, enabled: bool = True, stream=None) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._next_pct = 10
        self._rich = None

    def __enter__(self) -> Progress:
        if self.enabled and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(console=Console(file=self.stream), transient=True)
            self._rich.start()
            self._task = self._rich.add_task(self.label, total=self.total)
        return self

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.update(self._task, advance=steps)
            return
        pct = 100 * self.done / self.total
        if pct >= self._next_pct or self.done == self.total:
            print(f"{self.label}: {self.done}/{self.total} ({pct:.0f} %)", file=self.stream,
                  flush=True)
            while self._next_pct <= pct:
                self._next_pct += 10

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._rich is not None:
            self._rich.stop()
