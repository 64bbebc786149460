"""A built warehouse, read-only, from Python: ``gvc.open(path)``.

The marts of schema ``marts`` (CONTRACT "Warehouse outputs") as pandas
frames, their column descriptions from the dbt docs, nothing written: the
DuckDB connection is read-only, so a warehouse can be read while another
process reads it too (not while a build holds it open for writing: `gvc
build` writes a copy and swaps it in, so that is only ever a moment).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from gvc.descriptions import model_docs

__all__ = ["Warehouse", "WarehouseError", "open", "problem", "DEFAULT_WAREHOUSE", "PANEL", "RESULTS", "QUALITY"]

# as orchestration.resources.warehouse_path (not imported: it loads dagster)
DEFAULT_WAREHOUSE = Path(__file__).resolve().parent.parent / "data" / "warehouse.duckdb"
PANEL = "fct_firm_panel"
RESULTS = "fct_regression_results"
QUALITY = "fct_data_quality"
ALIASES = {"panel": PANEL}
# Row order of what is read (DuckDB returns a table's rows in no fixed order):
# the panel in its key order, as the estimation assets read it (the estimates'
# last bits follow the row order); the results as the study wrote them (each
# table's columns and terms in the paper's order: DuckDB keeps insertion
# order); any other mart by all its columns.
ORDER = {PANEL: "panel_firm_id, year", RESULTS: None}
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


class WarehouseError(Exception):
    """A path that is no built warehouse, or a table it does not hold; the message is one line."""


def problem(path: Path | str) -> str | None:
    """Why ``path`` is not a warehouse `gvc build` wrote (missing, empty, not
    DuckDB, no marts), in one line; None if it is one."""
    path = Path(path)
    if not path.exists():
        return f"no warehouse at {path} (build one with `gvc build`)"
    if path.is_dir():
        return f"{path} is a folder, not a warehouse file"
    with path.open("rb") as f:
        head = f.read(12)
    if not head:
        return f"{path} is an empty file, not a DuckDB database"
    if head[8:12] != _DUCKDB_MAGIC:
        return f"{path} is not a DuckDB database (no DuckDB header)"
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        return f"{path} is not a DuckDB database ({str(err).splitlines()[0]})"
    try:
        marts = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()[0]
    finally:
        con.close()
    if not marts:
        return f"{path} holds no built warehouse (no table in schema marts): build it with `gvc build`"
    return None


def open(path: Path | str | None = None) -> Warehouse:  # noqa: A001 (gvc.open, as gzip.open)
    """The warehouse at ``path`` (default ``$GVC_WAREHOUSE``, else the project's
    ``data/warehouse.duckdb``), opened read-only; raises :class:`WarehouseError`
    if it is no built warehouse."""
    return Warehouse(path if path is not None else os.environ.get("GVC_WAREHOUSE", DEFAULT_WAREHOUSE))


class Warehouse:
    """A read-only view of a built warehouse's marts. Use it as a context
    manager, or call :meth:`close`.

    >>> with gvc.open("data/warehouse.duckdb") as w:
    ...     panel = w.panel()                   # marts.fct_firm_panel
    ...     t4 = w.results("table4")            # Table 4's rows of marts.fct_regression_results
    ...     labels = w.columns("panel")         # column -> description (dbt docs)
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        why = problem(self.path)
        if why:
            raise WarehouseError(why)
        self._con: duckdb.DuckDBPyConnection | None = duckdb.connect(str(self.path), read_only=True)

    # -- the connection -----------------------------------------------------------------------------------
    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The read-only DuckDB connection (for your own SQL: ``w.connection.sql("...").df()``)."""
        if self._con is None:
            raise WarehouseError(f"the warehouse {self.path} was closed")
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<gvc.Warehouse {self.path}{'' if self._con is not None else ' (closed)'}>"

    # -- which tables ---------------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        """The marts this warehouse holds (``fct_*`` of schema marts), by name."""
        return [r[0] for r in self.connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_name like 'fct\\_%' escape '\\' order by table_name").fetchall()]

    def resolve(self, name: str) -> str:
        """The mart ``name`` names: ``panel`` (= fct_firm_panel), ``fct_x`` or ``marts.fct_x``."""
        table = ALIASES.get(name, name.removeprefix("marts."))
        available = self.tables()
        if table not in available:
            listed = ", ".join(f"panel (= {t})" if t == PANEL else t for t in available)
            raise WarehouseError(f"no table {name!r} in schema marts of {self.path}; available: {listed}")
        return table

    def select(self, name: str) -> str:
        """The SQL reading mart ``name`` whole, in the order :data:`ORDER` gives it."""
        table = self.resolve(name)
        order = ORDER.get(table, "all")
        return f'select * from marts."{table}"' + (f" order by {order}" if order else "")

    # -- the data -------------------------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """Mart ``name`` as a pandas frame (DuckDB's types: nullable integers and
        booleans where the column has NULLs, strings as ``str``)."""
        return self.connection.execute(self.select(name)).df()

    def panel(self) -> pd.DataFrame:
        """``marts.fct_firm_panel``, the analysis panel (METHOD §5), in (panel_firm_id, year) order."""
        return self.table(PANEL)

    def quality(self) -> pd.DataFrame:
        """``marts.fct_data_quality``: per year and check, the count and share of what METHOD counts."""
        return self.connection.execute(f'select * from marts.{self.resolve(QUALITY)} order by year, "check"').df()

    def results(self, table_id: str) -> pd.DataFrame:
        """The rows of ``marts.fct_regression_results`` of one study table
        (``table4`` .. ``table11``, ``fig6``, ``econ_significance``,
        ``spec_curve``), in the order the study wrote them."""
        self.resolve(RESULTS)
        rows = self.connection.execute(f"select * from marts.{RESULTS} where table_id = ?", [table_id]).df()
        if rows.empty:
            have = [r[0] for r in self.connection.execute(
                f"select distinct table_id from marts.{RESULTS} order by table_id").fetchall()]
            raise WarehouseError(f"no rows for table_id {table_id!r} in marts.{RESULTS}; it holds: {', '.join(have)}")
        return rows

    # -- what it means --------------------------------------------------------------------------------------
    def columns(self, name: str) -> dict[str, str]:
        """Column name -> description (the dbt docs), in the table's column order;
        ``""`` where the docs say nothing (every column of fct_regression_results,
        which no dbt model writes: docs/contract.md describes it)."""
        table = self.resolve(name)
        docs = model_docs(table)
        described = docs.columns if docs else {}
        return {c: described.get(c, "") for c in self._column_names(table)}

    def description(self, name: str) -> str:
        """The mart's own description (the dbt docs; ``""`` if none)."""
        docs = model_docs(self.resolve(name))
        return docs.description if docs else ""

    def column_types(self, name: str) -> dict[str, str]:
        """Column name -> DuckDB type (``VARCHAR``, ``DOUBLE``, ``BOOLEAN``, ...)."""
        table = self.resolve(name)
        return dict(self.connection.execute(
            "select column_name, data_type from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? order by ordinal_position", [table]).fetchall())

    def _column_names(self, table: str) -> list[str]:
        return list(self.column_types(table))
