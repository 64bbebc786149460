"""Writing into the warehouse (one DuckDB file, one writer).

Python assets open the warehouse only inside their body and close it before
returning; every write is one transaction, so a failed asset leaves the
table as it was.

One writer at a time, across processes: every Dagster run that writes the
warehouse (the UI's, the sensor's, ``dagster asset materialize``'s) holds
:class:`WriterLock` on it from its start to its end (``GvcResource``), and
``gvc build`` holds it from the copy of the warehouse to the swap of the
built copy -- so no run's writes fall between the two and are lost. The
lock is ``flock`` on ``<warehouse>.lock``: the kernel frees it when its
holder exits, however it dies (a SIGKILLed build leaves no stale lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's writer lock (past the wait allowed)."""


def lock_path(warehouse: Path | str) -> Path:
    return Path(f"{warehouse}.lock")


class WriterLock:
    """The exclusive writer lock of one warehouse file (module docstring).

    ``acquire`` waits for the holder to finish, calling ``progress`` every
    ``report_every`` seconds with who holds it; ``timeout`` (seconds, None =
    no limit) raises WarehouseBusy naming the holder. Not re-entrant: a
    process takes it once per warehouse path.
    """

    def __init__(self, warehouse: Path | str, holder: str) -> None:
        self.path = lock_path(Path(warehouse).resolve())
        self.holder = holder
        self._fd: int | None = None

    def holder_info(self) -> str:
        """Who holds the lock, as its holder wrote it (empty when unknown)."""
        try:
            info = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return ""
        if not info:
            return ""
        since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
        return f"{info.get('holder', '?')} (pid {info.get('pid', '?')}, since {since})"

    def acquire(self, timeout: float | None = None, progress: Callable[[str], None] | None = None,
                report_every: float = 30.0, poll: float = 0.5) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: already held by this lock object")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        t0 = next_report = time.monotonic()
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    now = time.monotonic()
                    if timeout is not None and now - t0 >= timeout:
                        raise WarehouseBusy(
                            f"the warehouse {self.path.with_suffix('')} is being written by "
                            f"{self.holder_info() or 'another process'}; waited {now - t0:.0f} s") from None
                    if progress is not None and now >= next_report:
                        progress(f"waiting for the warehouse: {self.holder_info() or 'another writer'} "
                                 f"holds its writer lock ({now - t0:.0f} s)")
                        next_report = now + report_every
                    time.sleep(poll)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"holder": self.holder, "pid": os.getpid(), "since": time.time()}).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@contextlib.contextmanager
def transaction(warehouse: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection inside one transaction: committed on success, rolled back
    on any error (or interrupt), closed either way."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        try:
            yield con
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()


def replace_table(warehouse: Path | str, schema: str, table: str, frame: pd.DataFrame) -> int:
    """``create or replace table schema.table`` from ``frame`` in one transaction."""
    with transaction(warehouse) as con:
        con.execute(f'create schema if not exists "{schema}"')
        con.register("frame_to_write", frame)
        con.execute(f'create or replace table "{schema}"."{table}" as select * from frame_to_write')
        con.unregister("frame_to_write")
    return len(frame)


def read_sql(warehouse: Path | str, sql: str) -> pd.DataFrame:
    """A query's result as a DataFrame, read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def checkpoint(warehouse: Path | str) -> None:
    """Merge the write-ahead log into the file (before copying it)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
