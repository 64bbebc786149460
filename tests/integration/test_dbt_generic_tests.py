"""The project's own generic dbt tests fail where they should, and say where.

``not_null_columns`` checks a model's required columns in one pass (one test
per model instead of dbt's not_null per column): on a copy of the shared tiny
build with NULLs written into two of the DVAR mart's columns it fails, and
its failing rows name each column with its number of NULL rows; on the build
as it is, it passes.
"""

from __future__ import annotations

import duckdb

from orchestration.dbt_cli import run_dbt
from tests.warehouses import copy_warehouse

SELECT = ["test", "--select", "fct_firm_year_dvar,test_name:not_null_columns", "--store-failures"]


def test_not_null_columns_names_each_column_with_nulls(tiny_warehouse, tmp_path):
    root, built = tiny_warehouse
    wh = copy_warehouse(built, tmp_path)

    ok = run_dbt(SELECT, root, wh, target_path=tmp_path / "target")
    assert ok.success and [r[1] for r in ok.results] == ["pass"], ok.results

    with duckdb.connect(str(wh)) as con:
        con.execute("update marts.fct_firm_year_dvar set firm_id = null where year = 2005")
        con.execute("update marts.fct_firm_year_dvar set trade_type = null where year in (2006, 2007)")
        n_2005, n_0607 = (con.execute(f"select count(*) from marts.fct_firm_year_dvar where year in ({y})").fetchone()[0]
                          for y in ("2005", "2006, 2007"))
    bad = run_dbt(SELECT, root, wh, target_path=tmp_path / "target")
    assert not bad.success
    (test_id, status, message), = bad.results
    assert status == "fail" and "Got 2 results" in message, (status, message)
    with duckdb.connect(str(wh)) as con:
        schema, audit = con.execute("select table_schema, table_name from information_schema.tables "
                                    "where table_name like 'not_null_columns%'").fetchone()
        rows = dict(con.execute(f"select column_name, n_null_rows from {schema}.{audit}").fetchall())
    assert rows == {"firm_id": n_2005, "trade_type": n_0607}
