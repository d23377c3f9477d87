"""Running OC trials on Dask, with progress: the cluster, the loop over finished trials, the bar.

A :class:`distributed.LocalCluster` by default (``n_workers`` workers of one thread each; worker
processes run with one BLAS/OpenMP thread, so ``n_workers`` is the number of busy cores), or an
existing scheduler by ``address``. Results come back to the calling process as each trial
finishes, where they are written (the workers need no shared file system) and counted.

Progress goes to stderr: a rich bar on a terminal; otherwise one line per finished trial with the
elapsed time and an ETA (logs, CI, notebooks).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from ..errors import InputError, Problem

__all__ = ["TrialProgress", "cluster_client", "run_trials"]

#: Environment of LocalCluster worker processes: one thread per BLAS / OpenMP pool, so W workers
#: keep W cores busy (nested BLAS threads made one log-density 10x slower: issue #12).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


def _clock(seconds: float) -> str:
    """``h:mm:ss`` (or ``m:ss``).

    Examples
    --------
    >>> _clock(65.2), _clock(3725)
    ('1:05', '1:02:05')
    """
    s = round(seconds)
    h, m = divmod(s, 3600)
    m, s = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrialProgress:
    """Counts finished trials; a bar on a terminal, else one line per trial with elapsed and ETA.

    ``already``: trials found finished in the results folder (counted, not timed).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> with TrialProgress(3, already=1, stream=buf) as p:
    ...     p.advance("null", 1, 2.0)
    >>> buf.getvalue().splitlines()[-1].startswith("trajectory OC: 2/3 trials")
    True
    """

    def __init__(self, total: int, *, already: int = 0, enabled: bool = True,
                 stream: TextIO | None = None, label: str = "trajectory OC") -> None:
        self.total, self.already, self.done = int(total), int(already), int(already)
        self.enabled, self.label = enabled, label
        self.stream = stream if stream is not None else sys.stderr
        self._rich: Any = None
        self._t0 = time.perf_counter()

    def __enter__(self) -> TrialProgress:
        self._t0 = time.perf_counter()
        if not self.enabled:
            return self
        if getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._rich = Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), TimeRemainingColumn(),
                                  console=Console(file=self.stream), transient=False)
            self._rich.start()
            self._task = self._rich.add_task(self.label, total=self.total,
                                             completed=self.already)
        elif self.already:
            print(f"{self.label}: {self.already}/{self.total} trials already in the results "
                  "folder (skipped)", file=self.stream, flush=True)
        return self

    def advance(self, scenario: str, trial: int, seconds: float) -> None:
        """One more trial finished (``seconds``: its own fit time)."""
        self.done += 1
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.update(self._task, advance=1)
            return
        elapsed = time.perf_counter() - self._t0
        new = self.done - self.already
        eta = elapsed / new * (self.total - self.done) if new else float("nan")
        # the scenario name is data: printed with repr, never interpreted
        print(f"{self.label}: {self.done}/{self.total} trials (scenario {scenario!r} trial "
              f"{trial}, {seconds:.1f} s) elapsed {_clock(elapsed)}, ETA {_clock(eta)}",
              file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()


@contextlib.contextmanager
def cluster_client(address: str | None = None, *, n_workers: int = 2,
                   processes: bool = True) -> Iterator[Any]:
    """A Dask client: of the scheduler at ``address``, else of a new LocalCluster (closed after).

    Examples
    --------
    >>> with cluster_client(n_workers=1, processes=False) as client:
    ...     client.submit(abs, -2).result()
    2
    """
    from distributed import Client, LocalCluster

    if address is not None:
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise InputError(Problem(f"cannot reach the Dask scheduler at {address!r}: {err}",
                                     column="--address")) from None
        try:
            yield client
        finally:
            client.close()
        return
    if n_workers < 1:
        raise InputError(Problem("n_workers must be >= 1", column="n_workers"))
    kwargs: dict[str, Any] = {"env": dict(WORKER_ENV)} if processes else {}
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                           dashboard_address=None, silence_logs=logging.ERROR, **kwargs)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def run_trials(func: Callable[[dict[str, Any]], dict[str, Any]], tasks: list[dict[str, Any]],
               finished: Callable[[tuple[int, int], dict], None], *, total: int, already: int,
               address: str | None, n_workers: int, processes: bool, progress: bool) -> None:
    """Run ``func`` (:func:`~bayes_iris.trajectory.oc.run_trial`) on every task; call
    ``finished`` with ``((scenario, trial), record)`` as each completes. No cluster is started
    when there is nothing to run. An exception from ``finished`` (strict mode) cancels the rest."""
    with TrialProgress(total, already=already, enabled=progress) as bar:
        if not tasks:
            return
        from distributed import as_completed

        with cluster_client(address, n_workers=n_workers, processes=processes) as client:
            futures = client.map(func, tasks, pure=False)
            keys = {f.key: (t["scenario"], t["trial"]) for f, t in zip(futures, tasks,
                                                                        strict=True)}
            try:
                for fut in as_completed(futures):
                    record = fut.result()
                    key = keys[fut.key]
                    finished(key, record)
                    bar.advance(record["scenario"], key[1], record["seconds"])
            finally:
                client.cancel(futures)
