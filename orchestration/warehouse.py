"""Writing Python results into the warehouse (one DuckDB file, one writer).

Python assets open the warehouse only inside their body and close it before
returning; every write is one transaction, so a failed asset leaves the
table as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd


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
