"""`import gvc`: the warehouse from Python (read-only), and the pyfixest example.

`gvc.open` gives the panel, one study table's results, the quality counts, any
mart and its column descriptions; `examples/table4_pyfixest.py` reruns Table 4
column (1) from `w.panel()` and matches the stored estimate.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import gvc
from analytics.study.spec import FULL_CONTROLS, RESULT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def _count(wh: Path, sql: str) -> int:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_open_reads_the_marts(tiny_warehouse):
    _, wh = tiny_warehouse
    with gvc.open(wh) as w:
        panel = w.panel()
        assert len(panel) == _count(wh, "select count(*) from marts.fct_firm_panel") > 0
        assert {"panel_firm_id", "year", "dvar", "complementarity", *FULL_CONTROLS} <= set(panel.columns)
        assert list(panel[["panel_firm_id", "year"]].itertuples(index=False)) == \
            sorted(panel[["panel_firm_id", "year"]].itertuples(index=False))  # in the panel's key order

        t4 = w.results("table4")
        assert list(t4.columns) == RESULT_COLUMNS and set(t4["table_id"]) == {"table4"}
        assert set(t4["column_id"]) == {"1", "2", "3", "4"}
        assert t4["term"].iloc[0] == "complementarity"  # in the order the study wrote them
        assert len(w.results("table7")) == _count(
            wh, "select count(*) from marts.fct_regression_results where table_id = 'table7'")

        quality = w.quality()
        assert list(quality.columns) == ["year", "check", "count", "share", "example"]
        assert len(quality) == _count(wh, "select count(*) from marts.fct_data_quality")

        dvar = w.table("marts.fct_firm_year_dvar")
        assert len(dvar) == _count(wh, "select count(*) from marts.fct_firm_year_dvar")
        assert "fct_firm_panel" in w.tables()

        columns = w.columns("panel")
        assert list(columns) == list(panel.columns)
        assert columns["panel_firm_id"].startswith("Stable survey panel id")
        assert all(columns[c] for c in FULL_CONTROLS)
        assert set(w.columns("fct_regression_results").values()) == {""}  # no dbt model writes it
    with pytest.raises(gvc.WarehouseError, match="closed"):
        w.panel()


def test_open_is_read_only_and_says_what_is_missing(tiny_warehouse, tmp_path):
    _, wh = tiny_warehouse
    w = gvc.open(wh)
    try:
        with pytest.raises(duckdb.Error):
            w.connection.execute("create table marts.fct_scratch as select 1 as x")
        with pytest.raises(gvc.WarehouseError, match="available: "):
            w.table("fct_no_such_mart")
        with pytest.raises(gvc.WarehouseError, match="table4"):
            w.results("table99")
    finally:
        w.close()
    with pytest.raises(gvc.WarehouseError, match="no warehouse at"):
        gvc.open(tmp_path / "none.duckdb")


def test_table4_pyfixest_example_matches_the_stored_estimate(tiny_warehouse, tmp_path):
    _, wh = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(wh, copy)
    with gvc.open(copy) as w:
        t4 = w.results("table4")
    stored = t4[(t4["column_id"] == "1") & (t4["term"] == "complementarity")].iloc[0]
    # run from elsewhere: `gvc` and `analytics` import as installed packages, not from the working folder
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "table4_pyfixest.py"), str(copy)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
    assert f"pyfixest here:  complementarity {stored['estimate']:.6f} (se {stored['std_error']:.6f})" in res.stdout
    assert "the same to 1e-06" in res.stdout
