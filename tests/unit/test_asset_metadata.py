"""Table metadata of the warehouse assets (orchestration.metadata), on a
small DuckDB file with hand-counted rows and NULLs."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.metadata import table_metadata, with_table_metadata


def _warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema intermediate")
    con.execute("create table marts.fct_x as select * from (values (2003, 'a', 1.0), (2004, 'b', null), "
                "(2004, 'c', null), (2005, null, 2.0)) t(year, firm, dvar)")
    con.execute("create table intermediate.int_y as select 1 as k")
    con.execute("create table marts.fct_data_quality as select * from (values (2003, 'dvar_null', 2), "
                "(2004, 'dvar_null', 5), (2004, 'patents_without_ipc', 1)) t(year, \"check\", count)")
    return con, path


def test_row_counts_null_shares_and_preview(tmp_path):
    con, _ = _warehouse(tmp_path)
    md = table_metadata(con, "marts", "fct_x")
    assert md["dagster/row_count"].value == 4
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in md["null_shares"].value.splitlines()[2:]]
    assert rows == [["firm", "0.25"], ["dvar", "0.5"]]  # 1 of 4 and 2 of 4; year has none
    assert md["preview"].value.count("\n") == 4 + 1  # header, rule, 4 rows
    md = table_metadata(con, "marts", "fct_x", years=[2004])  # a per-year run counts its years
    assert md["dagster/row_count"].value == 2 and md["years"].value == "2004"
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in md["null_shares"].value.splitlines()[2:]]
    assert rows == [["dvar", "1"]]  # both 2004 rows lack dvar
    md = table_metadata(con, "intermediate", "int_y")
    assert md["dagster/row_count"].value == 1 and "preview" not in md and md["null_shares"].value == "_no NULLs_"
    q = table_metadata(con, "marts", "fct_data_quality")["quality_counts_by_year"].value
    assert "dvar_null" in q and "patents_without_ipc" in q and "2004" in q


def test_events_get_the_metadata_of_their_table(tmp_path):
    con, path = _warehouse(tmp_path)
    con.close()
    key = dg.AssetKey(["fct_x"])
    events = [dg.AssetMaterialization(asset_key=key, metadata={"unique_id": "model.gvc.fct_x"}),
              dg.AssetMaterialization(asset_key=dg.AssetKey(["not_a_model"]))]
    out = list(with_table_metadata(events, str(path), {key: ("marts", "fct_x")}, lambda e: e.asset_key))
    assert out[0].metadata["dagster/row_count"].value == 4 and out[0].metadata["unique_id"].value == "model.gvc.fct_x"
    assert "dagster/row_count" not in out[1].metadata
