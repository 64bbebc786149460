"""Metadata people use on the warehouse assets: row counts, null
shares, a Markdown preview of each mart and, on the data-quality mart, the
per-year quality counts.

DuckDB lets one process hold a file for writing, and a file open for writing
can't also be opened read-only, so the dbt assets buffer dbt's events and
call :func:`with_table_metadata` once dbt has finished and closed the
warehouse; it opens the warehouse read-only, reads each model's table and adds
the metadata to the model's event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import dagster as dg
import duckdb
import pandas as pd

PREVIEW_ROWS = 5
_PREVIEW_SCHEMAS = ("marts",)


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False, floatfmt=".4g")


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                   years: list[int] | None = None) -> dict:
    """Row count, null shares and (marts) a preview of ``schema.table``;
    ``years``: count the rows of those years only (a per-year model's run)."""
    rel = f'"{schema}"."{table}"'
    cols = [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]
    if not cols:
        return {}
    where = f"where year in ({', '.join(str(int(y)) for y in years)})" if years and "year" in cols else ""
    non_null = ", ".join('count("' + c + '")' for c in cols)
    counts = con.execute(f"select count(*), {non_null} from {rel} {where}").fetchone()
    n = int(counts[0])
    nulls = {c: (1 - v / n) if n else 0.0 for c, v in zip(cols, counts[1:])}
    md: dict = {"dagster/row_count": dg.MetadataValue.int(n)}
    if years and where:
        md["years"] = dg.MetadataValue.text(", ".join(str(y) for y in years))
    share = pd.DataFrame({"column": list(nulls), "null share": list(nulls.values())})
    md["null_shares"] = dg.MetadataValue.md(_md(share[share["null share"] > 0]) if (share["null share"] > 0).any()
                                            else "_no NULLs_")
    if schema in _PREVIEW_SCHEMAS:
        head = con.execute(f"select * from {rel} {where} limit {PREVIEW_ROWS}").df()
        md["preview"] = dg.MetadataValue.md(_md(head))
    if schema == "marts" and table == "fct_data_quality":
        q = con.execute('select year, "check", count from marts.fct_data_quality').df()
        wide = q.pivot_table(index="year", columns="check", values="count", aggfunc="sum").reset_index()
        md["quality_counts_by_year"] = dg.MetadataValue.md(_md(wide))
    return md


def with_table_metadata(events: Iterable, warehouse: str, relations: dict[dg.AssetKey, tuple[str, str]],
                        key_of, years: list[int] | None = None) -> Iterator:
    """Yield ``events`` (buffered: dbt has finished), each model's Output or
    AssetMaterialization with :func:`table_metadata` added. ``relations``:
    asset key -> (schema, table); ``key_of(event)`` gives an event's key."""
    buffered = list(events)
    con = duckdb.connect(warehouse, read_only=True)
    try:
        for ev in buffered:
            if isinstance(ev, (dg.Output, dg.AssetMaterialization)):
                key = key_of(ev)
                if key in relations:
                    try:
                        extra = table_metadata(con, *relations[key], years=years)
                    except duckdb.Error as err:  # a view over a missing source: say so, do not fail the build
                        extra = {"metadata_error": dg.MetadataValue.text(str(err).splitlines()[0])}
                    ev = ev.with_metadata({**(ev.metadata or {}), **extra})
            yield ev
    finally:
        con.close()
