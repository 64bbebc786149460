"""Estimation assets end to end on a DuckDB warehouse holding a stand-in
marts.fct_firm_panel (the tiny world's generator panel plus the stand-in
columns): every table's rows land in marts.fct_regression_results, a rerun
replaces only its own table_id, and a panel missing a column fails
validation before anything is written."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest

from tests.standin import standin_panel
from orchestration.estimation import estimation_assets
from orchestration.resources import GvcResource

KEYS = ["table4", "table5", "fig6", "table6", "table7", "table8", "table9", "table10", "table11",
        "econ_significance"]


@pytest.fixture(scope="module")
def warehouse(tiny_world, tmp_path_factory):
    root, _ = tiny_world
    wh = tmp_path_factory.mktemp("est") / "warehouse.duckdb"
    panel = standin_panel(root)
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.register("p", panel)
    con.execute("create table marts.fct_firm_panel as select * from p")
    con.close()
    return root, wh


def _results(wh) -> pd.DataFrame:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute("select * from marts.fct_regression_results").df()
    finally:
        con.close()


def test_assets_are_keyed_and_grouped():
    keys = {a.key.to_user_string(): a for a in estimation_assets}
    assert set(keys) == {f"estimation/{k}" for k in KEYS}
    for a in estimation_assets:
        assert a.group_names_by_key[a.key] == "estimation"
        deps = {k.to_user_string() for k in a.asset_deps[a.key]}
        assert "fct_firm_panel" in deps
    econ = keys["estimation/econ_significance"]
    assert "estimation/table7" in {k.to_user_string() for k in econ.asset_deps[econ.key]}


def test_materialize_all_then_rerun_one(warehouse):
    root, wh = warehouse
    gvc = GvcResource(raw_root=str(root), warehouse=str(wh))
    res = dg.materialize(estimation_assets, resources={"gvc": gvc})
    assert res.success
    rows = _results(wh)
    assert set(rows["table_id"]) == set(KEYS)
    assert rows.groupby(["table_id", "column_id", "term"]).size().max() == 1
    assert set(rows["run_id"]) == {res.run_id}
    mat = {e.asset_key.to_user_string(): e for e in res.get_asset_materialization_events()}
    md = mat["estimation/table7"].step_materialization_data.materialization.metadata
    assert md["estimate"].value == pytest.approx(
        rows.query("table_id == 'table7' and column_id == '3' and term == 'complementarity'")["estimate"].iloc[0])
    assert "complementarity" in md["preview"].value
    kp = rows.query("table_id == 'table7' and term == 'kp_rk_wald_f'")
    assert set(kp["column_id"]) == {"1", "3", "3b", "4", "4b"}  # the first stage, and every 2SLS column's

    before = rows.groupby("table_id").size()
    t4 = [a for a in estimation_assets if a.key.to_user_string() == "estimation/table4"]
    res2 = dg.materialize(t4, resources={"gvc": gvc})
    after = _results(wh)
    assert after.groupby("table_id").size().equals(before)
    assert set(after.query("table_id == 'table4'")["run_id"]) == {res2.run_id}
    assert set(after.query("table_id == 'table5'")["run_id"]) == {res.run_id}


def test_missing_panel_column_fails_validation(warehouse, tmp_path):
    root, wh = warehouse
    bad = tmp_path / "bad.duckdb"
    con = duckdb.connect(str(bad))
    con.execute(f"attach '{wh}' as src (read_only)")
    con.execute("create schema marts")
    con.execute("create table marts.fct_firm_panel as select * exclude (instrument) from src.marts.fct_firm_panel")
    con.close()
    t6 = [a for a in estimation_assets if a.key.to_user_string() == "estimation/table6"]
    res = dg.materialize(t6, resources={"gvc": GvcResource(raw_root=str(root), warehouse=str(bad))},
                         raise_on_error=False)
    assert not res.success
    con = duckdb.connect(str(bad), read_only=True)
    n = con.execute("select count(*) from information_schema.tables "
                    "where table_name = 'fct_regression_results'").fetchone()[0]
    con.close()
    assert n == 0
