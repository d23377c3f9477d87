"""Progress of long computations (fits, rendering) that a terminal, a log file or the pipeline
runner can follow.

Three modes, chosen by ``$BAYES_IRIS_PROGRESS`` (default: ``tty`` when stderr is a terminal,
else ``plain``):

``plain``
    One human line on stderr per start and end of an activity, with a timestamp and the elapsed
    time, and a heartbeat line every ``$BAYES_IRIS_HEARTBEAT_S`` seconds (default 30) while it
    runs — with the sampler's draws and an estimate of the time left when the sampler reports
    them. This is what a CI log or ``nohup`` shows.
``tty``
    Start and end lines only: the sampler draws its own progress bar on the terminal.
``events``
    Set by the pipeline runner for its step subprocesses: one machine-readable line per event
    (``EVENT_PREFIX`` + JSON) on stderr, which the runner turns into its own display (a rich
    progress bar on a terminal, timestamped lines otherwise: :mod:`bayes_iris.pipeline.monitor`).
``quiet``
    Nothing.

The sampling path calls :func:`fit_progress` around the sampler and passes
:func:`sampler_callback` to nutpie (``progress_callback``: draws per chain); other samplers get
the heartbeat with elapsed time only.

Examples
--------
>>> import io
>>> buf = io.StringIO()
>>> with activity("demo", mode="plain", stream=buf, heartbeat=None):
...     pass
>>> "demo: start" in buf.getvalue() and "demo: done in" in buf.getvalue()
True
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = [
    "EVENT_PREFIX",
    "HEARTBEAT_ENV",
    "MODE_ENV",
    "Activity",
    "activity",
    "describe",
    "fit_progress",
    "format_seconds",
    "heartbeat_seconds",
    "mode",
    "parse_event",
    "sampler_callback",
]

MODE_ENV = "BAYES_IRIS_PROGRESS"
HEARTBEAT_ENV = "BAYES_IRIS_HEARTBEAT_S"
EVENT_PREFIX = "@@bayes-iris-progress "
DEFAULT_HEARTBEAT = 30.0
MODES = ("plain", "tty", "events", "quiet")
#: Draw events are sent to the runner at most this often (seconds).
DRAW_EVENT_INTERVAL = 1.0


def mode() -> str:
    """The progress mode: ``$BAYES_IRIS_PROGRESS`` if valid, else ``tty`` or ``plain``.

    Examples
    --------
    >>> import os
    >>> os.environ[MODE_ENV] = "quiet"; mode()
    'quiet'
    >>> del os.environ[MODE_ENV]
    """
    return _detect_mode()


def _detect_mode() -> str:
    value = os.environ.get(MODE_ENV, "").strip().lower()
    if value in MODES:
        return value
    try:
        return "tty" if sys.stderr.isatty() else "plain"
    except (AttributeError, ValueError):  # a closed or replaced stderr
        return "plain"


def heartbeat_seconds() -> float:
    """Seconds between heartbeat lines: ``$BAYES_IRIS_HEARTBEAT_S`` (> 0), default 30.

    Examples
    --------
    >>> heartbeat_seconds() > 0
    True
    """
    try:
        value = float(os.environ.get(HEARTBEAT_ENV, DEFAULT_HEARTBEAT))
    except ValueError:
        return DEFAULT_HEARTBEAT
    return value if value > 0 else DEFAULT_HEARTBEAT


def format_seconds(seconds: float) -> str:
    """``"42 s"``, ``"3 min 05 s"`` or ``"1 h 02 min"``.

    Examples
    --------
    >>> format_seconds(42.4), format_seconds(185), format_seconds(3725)
    ('42 s', '3 min 05 s', '1 h 02 min')
    """
    s = round(max(seconds, 0.0))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


@dataclass
class Activity:
    """A running activity: its name, what it is, and (for fits) the sampler's draws so far."""

    name: str
    kind: str = "task"
    detail: str = ""
    total: int | None = None
    done: int = 0
    divergences: int = 0
    started: float = field(default_factory=time.monotonic)
    first_draw: float | None = None
    first_done: int = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def seconds_left(self) -> float | None:
        """Time left at the rate of the draws so far (``None`` before the second report)."""
        if not self.total or self.first_draw is None or self.done <= self.first_done:
            return None
        rate = (self.done - self.first_done) / max(time.monotonic() - self.first_draw, 1e-9)
        return max(self.total - self.done, 0) / rate if rate > 0 else None

    def update(self, done: int, total: int | None, divergences: int = 0) -> None:
        if self.first_draw is None and done > 0:
            self.first_draw, self.first_done = time.monotonic(), done
        self.done, self.divergences = int(done), int(divergences)
        if total:
            self.total = int(total)


def describe(event: dict[str, Any]) -> str:
    """One human line (no timestamp) for an event.

    Examples
    --------
    >>> describe({"event": "heartbeat", "name": "f", "kind": "fit", "elapsed": 65, "done": 300,
    ...           "total": 1200, "left": 30})
    'fit f: running 1 min 05 s, draws 300/1200 (25 %), about 30 s left'
    """
    what = f"{event.get('kind', 'task')} {event.get('name', '?')}".strip()
    ev = event.get("event")
    if ev == "start":
        detail = event.get("detail")
        return f"{what}: start" + (f" — {detail}" if detail else "")
    if ev == "cached":
        return f"{what}: reused from cache" + (f" ({event['detail']})" if event.get("detail")
                                                else "")
    if ev == "end":
        status = "done" if event.get("ok", True) else "FAILED"
        return f"{what}: {status} in {format_seconds(float(event.get('elapsed', 0)))}"
    parts = [f"{what}: running {format_seconds(float(event.get('elapsed', 0)))}"]
    total, done = event.get("total"), event.get("done")
    if total and done is not None and done >= total:
        parts.append(f"draws {done}/{total}, collecting the trace")
    elif total and done is not None and done > 0:
        parts.append(f"draws {done}/{total} ({100 * done / total:.0f} %)")
        if event.get("left") is not None:
            parts.append(f"about {format_seconds(float(event['left']))} left")
    elif total:
        parts.append("compiling / warming up")
    if event.get("divergences"):
        parts.append(f"{event['divergences']} divergences")
    return ", ".join(parts)


def parse_event(line: str) -> dict[str, Any] | None:
    """The event of a line written in ``events`` mode, or ``None`` for any other line.

    Examples
    --------
    >>> parse_event(EVENT_PREFIX + '{"event": "start", "name": "x"}')["name"]
    'x'
    >>> parse_event("Sampling 4 chains") is None
    True
    """
    if not line.startswith(EVENT_PREFIX):
        return None
    try:
        event = json.loads(line[len(EVENT_PREFIX):])
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


def _snapshot(act: Activity, event: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"event": event, "name": act.name, "kind": act.kind,
                           "elapsed": round(act.elapsed, 2)}
    if act.detail:
        out["detail"] = act.detail
    if act.total:
        out.update(total=act.total, done=act.done, divergences=act.divergences)
        left = act.seconds_left()
        if left is not None:
            out["left"] = round(left, 1)
    out.update(extra)
    return out


class _Emitter:
    def __init__(self, how: str, stream: TextIO | None) -> None:
        self.how, self.stream = how, stream
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        if self.how == "quiet" or (self.how == "tty" and event["event"] in {"heartbeat",
                                                                             "draws"}):
            return
        if self.how != "events" and event["event"] == "draws":
            return
        stream = self.stream or sys.stderr
        if self.how == "events":
            text = EVENT_PREFIX + json.dumps(event, sort_keys=True)
        else:
            text = f"[{time.strftime('%H:%M:%S')}] {describe(event)}"
        with self.lock:
            try:
                print(text, file=stream, flush=True)
            except (OSError, ValueError):  # a closed pipe must not break the computation
                pass


#: The activity whose sampler reports draws (the innermost running fit).
_CURRENT: list[tuple[Activity, _Emitter]] = []


@contextmanager
def activity(name: str, *, kind: str = "task", detail: str = "", total: int | None = None,
             mode: str | None = None, stream: TextIO | None = None,
             heartbeat: float | bool | None = True) -> Iterator[Activity]:
    """Announce an activity's start and end, with a heartbeat while it runs.

    Parameters
    ----------
    name, kind, detail : str
        What runs ("alc_piecewise_default", "fit", "nutpie, 4 chains × 1500").
    total : int, optional
        Total sampler iterations (all chains), when the sampler reports draws.
    mode : str, optional
        Override of :func:`mode`.
    stream : file, optional
        Where lines go (default ``sys.stderr``).
    heartbeat : True, None or float
        ``True``: every :func:`heartbeat_seconds`; a number: that many seconds; ``None`` or
        ``False``: no heartbeat.
    """
    how = mode or _detect_mode()
    emit = _Emitter(how, stream)
    act = Activity(name, kind=kind, detail=detail, total=total)
    emit(_snapshot(act, "start"))
    stop = threading.Event()
    interval = heartbeat_seconds() if heartbeat is True else (heartbeat or None)
    thread = None
    if interval and how in {"plain", "events"}:

        def beat() -> None:
            while not stop.wait(interval):
                emit(_snapshot(act, "heartbeat"))

        thread = threading.Thread(target=beat, name=f"heartbeat-{name}", daemon=True)
        thread.start()
    _CURRENT.append((act, emit))
    ok = False
    try:
        yield act
        ok = True
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=1.0)
        if _CURRENT and _CURRENT[-1][0] is act:
            _CURRENT.pop()
        emit(_snapshot(act, "end", ok=ok))


def fit_progress(name: str, *, sampler: str, chains: int, draws: int, tune: int,
                 **kwargs: Any):
    """:func:`activity` for one MCMC fit (kind "fit"; total = chains × (tune + draws)).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> with fit_progress("m", sampler="nutpie", chains=4, draws=10, tune=5, mode="plain",
    ...                   stream=buf, heartbeat=None):
    ...     sampler_callback()([type("P", (), {"finished_draws": 15, "total_draws": 15})()])
    >>> "fit m: start — nutpie, 4 chains × (5 tune + 10 draws)" in buf.getvalue()
    True
    """
    detail = f"{sampler}, {chains} chains × ({tune} tune + {draws} draws)"
    return activity(name, kind="fit", detail=detail, total=chains * (tune + draws), **kwargs)


def announce_cached(name: str, detail: str = "", *, mode: str | None = None,
                    stream: TextIO | None = None) -> None:
    """One line (or event) saying that fit ``name`` was reused from the cache."""
    how = mode or _detect_mode()
    _Emitter(how, stream)(_snapshot(Activity(name, kind="fit", detail=detail), "cached"))


def sampler_callback() -> Callable[[Sequence[Any]], None] | None:
    """A nutpie ``progress_callback`` that feeds the running :func:`fit_progress`.

    ``None`` outside a fit. Each call receives one progress object per chain
    (``finished_draws``, ``total_draws``, ``divergences``); the draws are summed over chains.
    """
    if not _CURRENT:
        return None
    act, emit = _CURRENT[-1]
    last = [0.0]

    def callback(chains: Sequence[Any]) -> None:
        try:
            done = sum(int(getattr(c, "finished_draws", 0) or 0) for c in chains)
            total = sum(int(getattr(c, "total_draws", 0) or 0) for c in chains) or None
            div = sum(int(getattr(c, "divergences", 0) or 0) for c in chains)
        except (TypeError, ValueError):
            return
        act.update(done, total, div)
        now = time.monotonic()
        if now - last[0] >= DRAW_EVENT_INTERVAL or (total and done >= total):
            last[0] = now
            emit(_snapshot(act, "draws"))

    return callback
