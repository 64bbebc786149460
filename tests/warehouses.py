"""Copying a warehouse, and comparing two table by table (the determinism and rebuild tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SCHEMAS = ("marts", "analytics")


def copy_warehouse(src: Path, folder: Path) -> Path:
    """A copy of warehouse ``src`` in ``folder`` under the same file name (DuckDB
    names the catalog after the file, and the staging views refer to it), its
    WAL flushed into the file first (dbt's in-process connection may have left
    one)."""
    with duckdb.connect(str(src)) as con:
        con.execute("checkpoint")
    dst = Path(folder) / Path(src).name
    shutil.copyfile(src, dst)
    return dst


def tables(con: duckdb.DuckDBPyConnection, db: str, schemas: tuple[str, ...] = SCHEMAS) -> set[tuple[str, str]]:
    return set(con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "and list_contains(?, schema_name)", [db, list(schemas)]).fetchall())


def columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ? "
        "order by column_index", [db, schema, table]).fetchall()]


def differences(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """Per column that differs: how many rows, and by how much for numbers."""
    out = []
    for c in a.columns:
        x, y = a[c], b[c]
        same = ((x == y) | (x.isna() & y.isna())).to_numpy(bool)
        if same.all():
            continue
        what = f"{c}: {int((~same).sum())} of {len(a)} rows"
        if pd.api.types.is_float_dtype(x):
            what += f", max |diff| {np.nanmax(np.abs(x.to_numpy(float) - y.to_numpy(float))[~same]):.3g}"
        out.append(what)
    return out


def table_differences(first: Path, second: Path, *, schemas: tuple[str, ...] = SCHEMAS,
                      skip_columns: frozenset[str] = frozenset({"run_id"}),
                      where: dict[str, str] | None = None) -> tuple[set[tuple[str, str]], dict[str, list[str]]]:
    """(the tables of ``first``, {table: what differs}) over ``schemas``: the same
    tables, columns and rows, values exactly equal (``order by all``), but the
    ``skip_columns``; ``where``: a filter per table name."""
    where = where or {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as first_build (read_only)")
        con.execute(f"attach '{second}' as second_build (read_only)")
        have = tables(con, "first_build", schemas)
        differ: dict[str, list[str]] = {}
        if have != tables(con, "second_build", schemas):
            differ["tables"] = [f"only in one: {sorted(have ^ tables(con, 'second_build', schemas))}"]
        for schema, table in sorted(have & tables(con, "second_build", schemas)):
            cols = columns(con, "first_build", schema, table)
            if cols != columns(con, "second_build", schema, table):
                differ[f"{schema}.{table}"] = ["columns differ"]
                continue
            keep = ", ".join(f'"{c}"' for c in cols if c not in skip_columns)
            filt = f"where {where[table]}" if table in where else ""
            a, b = (con.execute(f'select {keep} from {db}."{schema}"."{table}" {filt} order by all').df()
                    for db in ("first_build", "second_build"))
            if len(a) != len(b):
                differ[f"{schema}.{table}"] = [f"{len(a)} vs {len(b)} rows"]
                continue
            try:
                pd.testing.assert_frame_equal(a, b, check_exact=True)
            except AssertionError:
                differ[f"{schema}.{table}"] = differences(a, b)
        return have, differ
    finally:
        con.close()


def headline(warehouse: Path) -> tuple[float, float, float]:
    """Table 7 (3)'s 2SLS coefficient on C and its interval, as the warehouse holds them."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select estimate, ci_low, ci_high from marts.fct_regression_results "
            "where table_id = 'table7' and column_id = '3' and term = 'complementarity'").fetchone()
