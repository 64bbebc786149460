"""Estimation assets: one per paper table (METHOD §6), group "estimation".

Each asset reads the columns its table needs from ``marts.fct_firm_panel``,
validates them (``schemas.panel``), calls the pure table function of
``analytics.study``, validates the rows against ``fct_regression_results``
and replaces that table_id's rows in ``marts.fct_regression_results``
(created if missing; delete + insert in one transaction). Thin: no formulas.
"""

# no `from __future__ import annotations`: dagster inspects the context annotation

import inspect
from collections.abc import Callable

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from analytics.study import HEADLINE, TABLE_COLUMNS, TABLES, econ_significance
from analytics.study.spec import RESULT_COLUMNS
from orchestration.resources import GvcResource, reports_dir
from orchestration.warehouse import transaction
from schemas.panel import REGRESSION_RESULTS, panel_schema

__all__ = ["estimation_assets", "read_panel", "write_results", "read_results", "result_metadata"]

PANEL = dg.AssetKey(["fct_firm_panel"])
RESULTS_TABLE = "marts.fct_regression_results"
_DDL = f"""
create table if not exists {RESULTS_TABLE} (
    table_id varchar, column_id varchar, term varchar, estimate double, std_error double,
    p_value double, n_obs bigint, r2 double, fixed_effects varchar, cluster varchar, run_id varchar,
    model varchar, dep_var varchar, ci_low double, ci_high double, controls varchar, sample varchar,
    asset varchar, reason varchar
)"""
# a table created before the column existed gets it (NULL on its old rows)
_ADD_REASON = f"alter table {RESULTS_TABLE} add column if not exists reason varchar"


def read_panel(warehouse: str, columns: list[str]) -> pd.DataFrame:
    """The given columns of marts.fct_firm_panel, validated (missing columns fail validation),
    in (panel_firm_id, year) order: DuckDB returns rows in no fixed order, and
    the estimates' last bits and every bootstrap's resamples follow the row order."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        have = {r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_firm_panel'").fetchall()}
        if not have:
            raise RuntimeError(f"marts.fct_firm_panel is missing in {warehouse}")
        cols = [c for c in dict.fromkeys(columns) if c in have]
        # the panel's key (a dbt test keeps it unique); without it, every column
        order = "panel_firm_id, year" if {"panel_firm_id", "year"} <= set(cols) else "all"
        df = con.execute(f"select {', '.join(cols)} from marts.fct_firm_panel order by {order}").df()
    finally:
        con.close()
    return panel_schema(columns).validate(df)


def write_results(warehouse: str, table_id: str, rows: pd.DataFrame) -> None:
    """Replace ``table_id``'s rows of marts.fct_regression_results in one transaction."""
    if set(rows["table_id"]) != {table_id}:
        raise ValueError(f"rows must all have table_id {table_id!r}")
    with transaction(warehouse) as con:
        con.execute("create schema if not exists marts")
        con.execute(_DDL)
        con.execute(_ADD_REASON)
        con.register("new_rows", rows[RESULT_COLUMNS])
        con.execute(f"delete from {RESULTS_TABLE} where table_id = ?", [table_id])
        con.execute(f"insert into {RESULTS_TABLE} by name select * from new_rows")
        con.unregister("new_rows")


def read_results(warehouse: str, table_id: str) -> pd.DataFrame:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(f"select * from {RESULTS_TABLE} where table_id = ?", [table_id]).df()
    finally:
        con.close()


def _fmt(v: float) -> str:
    return "" if v is None or not np.isfinite(v) else f"{v:.4g}"


def _not_estimable(rows: pd.DataFrame) -> list[bool]:
    if "reason" not in rows.columns:
        return [False] * len(rows)
    return [isinstance(r, str) and bool(r) for r in rows["reason"]]


def preview(rows: pd.DataFrame) -> str:
    """Markdown: terms x columns, 'estimate (se)' ('not estimable' where a row has a reason)."""
    cell = ["not estimable" if ne else f"{_fmt(e)} ({_fmt(s)})" if np.isfinite(s) else _fmt(e)
            for e, s, ne in zip(rows["estimate"].astype(float), rows["std_error"].astype(float),
                                _not_estimable(rows))]
    t = rows.assign(cell=cell).pivot_table(index="term", columns="column_id", values="cell", aggfunc="first",
                                           sort=False)
    n = rows.drop_duplicates("column_id").set_index("column_id")["n_obs"]
    t.loc["N"] = [str(n.get(c, "")) for c in t.columns]
    return t.fillna("").to_markdown()


def result_metadata(rows: pd.DataFrame, table_id: str) -> dict:
    col, term = HEADLINE[table_id]
    hit = rows[(rows["column_id"] == col) & (rows["term"] == term)]
    md: dict = {"n_rows": dg.MetadataValue.int(len(rows)), "preview": dg.MetadataValue.md(preview(rows)),
                # the table as the report lays it out (written by report/report)
                "report_table": dg.MetadataValue.path(str(reports_dir() / "tables" / f"{table_id}.md")),
                "report_html": dg.MetadataValue.url(f"file://{reports_dir() / 'report.html'}#{table_id}")}
    n_ne = sum(_not_estimable(rows))
    if n_ne:
        md["rows_not_estimable"] = dg.MetadataValue.int(n_ne)
    if len(hit):
        h = hit.iloc[0]
        md["headline"] = dg.MetadataValue.text(f"{table_id} ({col}) {term}")
        if _finite(h.get("estimate")):
            md["estimate"] = dg.MetadataValue.float(float(h["estimate"]))
        else:
            reason = h.get("reason")
            md["not_estimable"] = dg.MetadataValue.text(reason if isinstance(reason, str) and reason
                                                        else "not estimable")
        if _finite(h.get("ci_low")) and _finite(h.get("ci_high")):
            md["ci_low"] = dg.MetadataValue.float(float(h["ci_low"]))
            md["ci_high"] = dg.MetadataValue.float(float(h["ci_high"]))
    return md


def _finite(v) -> bool:
    """A number that is not NULL, NaN or infinite."""
    try:
        return v is not None and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def _finish(context, gvc: GvcResource, table_id: str, rows: pd.DataFrame) -> dg.MaterializeResult:
    rows = REGRESSION_RESULTS.validate(rows)
    write_results(gvc.warehouse, table_id, rows)
    context.log.info(f"{table_id}: {len(rows)} rows written to {RESULTS_TABLE}")
    return dg.MaterializeResult(metadata=result_metadata(rows, table_id))


def _table_asset(table_id: str, fn: Callable[..., pd.DataFrame]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["estimation", table_id],
        group_name="estimation",
        deps=[PANEL],
        description=(fn.__doc__ or "").strip().split("\n\n")[0],
        kinds={"python", "duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
        panel = read_panel(gvc.warehouse, TABLE_COLUMNS[table_id])
        # a table that draws at random (Table 8's bootstrap) gets the seed and its number of draws
        params = inspect.signature(fn).parameters
        seeded = {"seed": gvc.settings.seed} if "seed" in params else {}
        if "n_boot" in params:
            seeded["n_boot"] = gvc.settings.table8_bootstrap_draws
        rows = fn(panel, run_id=context.run.run_id, asset=context.asset_key.to_user_string(), **seeded)
        return _finish(context, gvc, table_id, rows)

    return _asset


@dg.asset(
    key=["estimation", "econ_significance"],
    group_name="estimation",
    deps=[PANEL, dg.AssetKey(["estimation", "table7"])],
    description="Mean change in C (first -> last sample year) x Table 7 (4) coefficient / mean change in DVAR.",
    kinds={"python", "duckdb"},
)
def econ_significance_asset(context: dg.AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    panel = read_panel(gvc.warehouse, TABLE_COLUMNS["econ_significance"])
    t7 = read_results(gvc.warehouse, "table7")
    rows = econ_significance(panel, t7, run_id=context.run.run_id, asset=context.asset_key.to_user_string())
    return _finish(context, gvc, "econ_significance", rows)


estimation_assets: list[dg.AssetsDefinition] = [
    *[_table_asset(t, f) for t, f in TABLES.items()],
    econ_significance_asset,
]
