"""Worker processes for estimation loops that repeat one fit many times (the
production bootstrap's draws, Table 8's KLS resamples, the specification
curve's panels), each handed its items a few at a time (:func:`ordered_map`).

Spawned, not forked: the calling process may hold threads (DuckDB's,
Dagster's). Each worker's linear algebra runs on one thread, as the cores are
the workers' (two workers with two BLAS threads each on two cores: 38 s for 40
bootstrap draws of 2.25M rows, one thread each 32 s).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from analytics.environ import scoped_environ

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MAX_WORKERS = 4


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_count(n_rows: int, n_tasks: int, min_rows: int, tasks_per_worker: int = 2) -> int:
    """How many processes share ``n_tasks`` fits on ``n_rows`` rows: one per
    usable core (at most :data:`MAX_WORKERS`), each with at least
    ``tasks_per_worker`` tasks, when the rows reach ``min_rows`` (below, a
    worker's start costs more than it saves); else 1 (the fits run here)."""
    n = min(usable_cores(), MAX_WORKERS, n_tasks // max(1, tasks_per_worker))
    return n if n_rows >= min_rows and n > 1 else 1


@contextlib.contextmanager
def spawned_pool(n_workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``n_workers`` spawned processes with single-threaded BLAS."""
    with scoped_environ(**{k: "1" for k in BLAS_THREADS}), ProcessPoolExecutor(
            n_workers, mp_context=multiprocessing.get_context("spawn"), initializer=initializer,
            initargs=initargs) as pool:
        yield pool


def ordered_map(pool: Executor, fn: Callable, items: Iterable, ahead: int) -> Iterator:
    """``fn`` of each item in ``pool``, the results in the items' order; at most
    ``ahead`` items handed over and not yet collected (``pool.map`` takes
    every item at once: every panel, or every resample's rows, in memory)."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        del item
        if len(pending) >= max(1, ahead):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
