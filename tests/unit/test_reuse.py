"""Keeping a Python asset's tables when its inputs did not move (orchestration.reuse):
the input digest on a small warehouse written here."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.reuse import input_digest, record, recorded

Q = "select firm, year, output from survey"


@pytest.fixture
def warehouse(tmp_path) -> str:
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as con:
        con.execute("create table survey as select firm, year, output::double as output from (values ('a', 2001, 1.5), ('b', 2001, 2.0), "
                    "('a', 2002, 3.25)) t(firm, year, output)")
    return path


def _digest(wh: str, settings: dict | None = None, queries=(Q,)) -> str:
    return input_digest(wh, "analytics/x", list(queries), settings or {"depreciation": 0.1})


def test_digest_ignores_row_order_and_sees_every_value(warehouse):
    d0 = _digest(warehouse)
    with duckdb.connect(warehouse) as con:  # the same rows in another physical order
        con.execute("create or replace table survey as select * from survey order by output desc")
    assert _digest(warehouse) == d0
    with duckdb.connect(warehouse) as con:
        con.execute("update survey set output = 3.2500001 where firm = 'a' and year = 2002")
    assert _digest(warehouse) != d0


def test_digest_counts_duplicates_and_reads_settings_and_query(warehouse):
    d0 = _digest(warehouse)
    assert _digest(warehouse, {"depreciation": 0.15}) != d0
    assert _digest(warehouse, queries=(Q + " where year = 2001",)) != d0
    with duckdb.connect(warehouse) as con:  # a duplicated row is a change (a sum of hashes, not a set)
        con.execute("insert into survey values ('b', 2001, 2.0)")
    assert _digest(warehouse) != d0


def test_record_is_read_back_only_while_the_tables_exist(warehouse):
    assert recorded(warehouse, "analytics/x", ["main.survey"]) is None
    record(warehouse, "analytics/x", "abc", "run-1", {"rows": 3, "median_b_l": 0.25})
    got = recorded(warehouse, "analytics/x", ["main.survey"])
    assert got is not None and (got.digest, got.run_id, got.metadata) == ("abc", "run-1",
                                                                          {"rows": 3, "median_b_l": 0.25})
    record(warehouse, "analytics/x", "def", "run-2", {"rows": 4})  # a new result replaces the record
    assert recorded(warehouse, "analytics/x", ["main.survey"]).run_id == "run-2"
    assert recorded(warehouse, "analytics/x", ["main.survey", "analytics.gone"]) is None
