"""What the pipeline runner shows while its steps run.

The runner starts every step with ``$BAYES_IRIS_PROGRESS=events``, reads the step's progress
events (:mod:`bayes_iris.progress`: fit start, draws, heartbeat, end) as they arrive, and hands
them to a monitor:

:class:`PlainMonitor` (stderr is not a terminal: a CI log, ``nohup``, a pipe)
    One timestamped line per step start and end and per fit event, and a heartbeat line
    ("still running, 3 min 10 s") whenever a step has been silent for ``heartbeat`` seconds, so
    a log never stays quiet for longer than that.
:class:`RichMonitor` (a terminal)
    A rich progress display: one line per running step with its elapsed time, and the running
    fit's draws as a bar with the time left; a permanent line per finished step.
:class:`NullMonitor`
    Nothing (``run_pipeline(progress=False)``).

Examples
--------
>>> import io
>>> buf = io.StringIO()
>>> m = PlainMonitor(buf, heartbeat=60)
>>> m.step_started("01_data", 1, 5)
>>> m.step_event("01_data", {"event": "start", "name": "f", "kind": "fit"})
>>> m.step_finished("01_data", "ok", 2.0)
>>> [line.split("] ", 1)[1] for line in buf.getvalue().splitlines()]
['step 1/5 01_data: started', '01_data | fit f: start', 'step 01_data: ok in 2 s']
"""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

from ..progress import describe, format_seconds, heartbeat_seconds

__all__ = ["Monitor", "NullMonitor", "PlainMonitor", "RichMonitor", "choose_monitor"]


class Monitor(Protocol):
    """What the runner calls while it runs the steps."""

    def step_started(self, stem: str, index: int, total: int) -> None: ...

    def step_event(self, stem: str, event: dict[str, Any]) -> None: ...

    def tick(self) -> None: ...

    def step_finished(self, stem: str, status: str, seconds: float | None) -> None: ...

    def close(self) -> None: ...


class NullMonitor:
    """Shows nothing."""

    def step_started(self, stem: str, index: int, total: int) -> None:
        pass

    def step_event(self, stem: str, event: dict[str, Any]) -> None:
        pass

    def tick(self) -> None:
        pass

    def step_finished(self, stem: str, status: str, seconds: float | None) -> None:
        pass

    def close(self) -> None:
        pass


def _finished_text(stem: str, status: str, seconds: float | None) -> str:
    if status == "cached":
        return f"step {stem}: reused (inputs unchanged)"
    took = f" in {format_seconds(seconds)}" if seconds is not None else ""
    return f"step {stem}: {status}{took}"


class PlainMonitor:
    """Timestamped lines, and a heartbeat whenever a running step has been silent too long."""

    def __init__(self, stream: TextIO | None = None, *, heartbeat: float | None = None) -> None:
        self.stream = stream
        self.heartbeat = heartbeat or heartbeat_seconds()
        self.current: str | None = None
        self.started = 0.0
        self.last_line = 0.0

    def _print(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=stream, flush=True)
        except (OSError, ValueError):
            return
        self.last_line = time.monotonic()

    def step_started(self, stem: str, index: int, total: int) -> None:
        self.current, self.started = stem, time.monotonic()
        self._print(f"step {index}/{total} {stem}: started")

    def step_event(self, stem: str, event: dict[str, Any]) -> None:
        if event.get("event") == "draws":  # the heartbeat carries the draws
            return
        self._print(f"{stem} | {describe(event)}")

    def tick(self) -> None:
        if self.current is None:
            return
        now = time.monotonic()
        if now - self.last_line >= self.heartbeat:
            self._print(f"{self.current}: still running, "
                        f"{format_seconds(now - self.started)} so far")

    def step_finished(self, stem: str, status: str, seconds: float | None) -> None:
        self.current = None
        self._print(_finished_text(stem, status, seconds))

    def close(self) -> None:
        pass


class RichMonitor:
    """A rich progress display on a terminal: steps with elapsed time, fits with draws and ETA."""

    def __init__(self, console: Any | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        # steps: spinner, name, elapsed; fits: a bar of their draws and the time left
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=28),
            TextColumn("{task.fields[draws]}"), TimeElapsedColumn(),
            TextColumn("{task.fields[left]}", style="dim"),
            console=console or Console(stderr=True), transient=False,
        )
        self.progress.start()
        self.step_task: Any = None
        self.fit_task: Any = None
        self.index = ""

    def step_started(self, stem: str, index: int, total: int) -> None:
        self.index = f"[{index}/{total}]"
        self.step_task = self.progress.add_task(f"{self.index} {stem}", total=None, draws="",
                                                left="")

    def step_event(self, stem: str, event: dict[str, Any]) -> None:
        kind = event.get("event")
        name = f"   {event.get('kind', 'task')} {event.get('name', '?')}"
        if kind == "start":
            self._drop_fit()
            self.fit_task = self.progress.add_task(name, total=event.get("total"),
                                                   draws="compiling", left="")
        elif kind in {"draws", "heartbeat"} and self.fit_task is not None:
            done, total = event.get("done") or 0, event.get("total")
            left = event.get("left")
            self.progress.update(
                self.fit_task, completed=done, total=total,
                draws=f"{done}/{total} draws" if done else "compiling",
                left=f"about {format_seconds(float(left))} left" if left is not None else "")
        elif kind == "end":
            self._drop_fit()
            self.progress.console.print(f"   {describe(event)}", highlight=False)
        elif kind == "cached":
            self.progress.console.print(f"   {describe(event)}", highlight=False)

    def _drop_fit(self) -> None:
        if self.fit_task is not None:
            self.progress.remove_task(self.fit_task)
            self.fit_task = None

    def tick(self) -> None:
        pass

    def step_finished(self, stem: str, status: str, seconds: float | None) -> None:
        self._drop_fit()
        if self.step_task is not None:
            self.progress.remove_task(self.step_task)
            self.step_task = None
        colour = {"ok": "green", "cached": "green", "warning": "yellow"}.get(status, "red")
        self.progress.console.print(
            f"[{colour}]{self.index} {_finished_text(stem, status, seconds)}[/{colour}]",
            highlight=False)

    def close(self) -> None:
        self.progress.stop()


def choose_monitor(progress: bool | str) -> Monitor:
    """``False``: :class:`NullMonitor`; ``"plain"`` / ``"rich"``: that one; ``True``: rich on a
    terminal, plain lines otherwise."""
    if progress is False:
        return NullMonitor()
    if progress == "plain":
        return PlainMonitor()
    if progress == "rich":
        return RichMonitor()
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return RichMonitor() if tty else PlainMonitor()
