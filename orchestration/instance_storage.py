"""The Dagster instance's storage: Dagster's SQLite storage with an event log
that keeps its connections.

Dagster's `SqliteEventLogStorage` creates an engine, opens a connection,
commits (an fsync) and disposes the engine for every event it stores, about
3 ms each. A `gvc build` of the tiny world stores some 2,000 events (every
model, test, partition and log line of its runs), so a tenth of the build
went into its own run history. This event log keeps one pooled engine per
database file it writes (the cross-run index and the last few runs' files)
and asks SQLite for `synchronous=NORMAL`, which in the WAL mode Dagster puts
these files in drops the fsync per commit and stays consistent after a crash
(the last events before a power loss may be lost; never the file). Storing an
event then costs about 0.3 ms.

Everything else (the layout under ``base_dir``, run and schedule storage, the
watch the UI keeps on the run files) is Dagster's own. `dagster.yaml`
selects this storage with ``storage: custom``.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData

SQLITE_BUSY_TIMEOUT_SECONDS = 30
ENGINES_KEPT = 8  # the index database and the files of the last runs written


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine per database file, kept."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: D102 (Dagster's hook)
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sa.create_engine(self.conn_string_for_shard(shard),
                                  connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

        @sa.event.listens_for(engine, "connect")
        def _no_fsync_per_commit(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > ENGINES_KEPT:
            _, old = self._engines.popitem(last=False)
            old.dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the run files are deleted: no connection may keep one open
        super().wipe()

    def upgrade(self) -> None:
        self._dispose_engines()
        super().upgrade()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


class GvcSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, schedules, the event log in its usual
    folder) with :class:`PooledSqliteEventLogStorage` as the event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: D102 (Dagster's hook)
        return cls.from_local(inst_data=inst_data, **config_value)

    @property
    def event_storage_data(self) -> ConfigurableClassData | None:
        return ConfigurableClassData(__name__, PooledSqliteEventLogStorage.__name__,
                                     f"base_dir: {_event_logs_directory(self.base_dir)!r}\n")
