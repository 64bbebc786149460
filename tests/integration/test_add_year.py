"""Adding a year: a new `year=` folder and `year_end` in the settings
file give a new partition key; `gvc build --changed` takes the year as never
built and says which other years its files touch and why.

The default suite plans the rebuild (`--dry-run`: no build); the slow test
builds it end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from analytics.fingerprints import PER_YEAR_REFERENCE
from analytics.settings import MethodSettings, load_settings
from orchestration.cli import main as gvc
from orchestration.definitions import make_definitions
from tests.worlds import add_year

NEW, LAST = 2015, 2014


def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "gvc.toml"
    path.write_text(f"[method]\nyear_end = {NEW}\n")
    return path


@pytest.fixture
def raw_with_2015(tiny_warehouse, tmp_path):
    root, wh = tiny_warehouse
    raw = tmp_path / "raw"
    shutil.copytree(root, raw)
    add_year(raw, NEW, LAST)  # 2015: a copy of 2014, with its reference rows
    wh2 = tmp_path / "w.duckdb"
    shutil.copy2(wh, wh2)
    return raw, wh2


def test_the_settings_file_gives_the_partition_key(tmp_path):
    settings = load_settings(settings_file(tmp_path))
    assert settings.years[-2:] == (LAST, NEW)
    graph = make_definitions(tmp_path / "raw", tmp_path / "w.duckdb", settings).resolve_asset_graph()
    for key in (["raw", "customs_transactions"], ["fct_firm_year_dvar"], ["int_customs_harmonised"]):
        keys = graph.get(dg.AssetKey(key)).partitions_def.get_partition_keys()
        assert keys[-2:] == [str(LAST), str(NEW)] and "2010" not in keys, key
    default = make_definitions(tmp_path / "raw", tmp_path / "w.duckdb", MethodSettings()).resolve_asset_graph()
    assert str(NEW) not in default.get(dg.AssetKey(["fct_firm_year_dvar"])).partitions_def.get_partition_keys()
    # the reference tables a year's fingerprint holds are those upstream of the per-year assets
    partitioned = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None]
    upstream = dg.AssetSelection.assets(*partitioned).upstream().resolve(graph)
    assert {k.path[1] for k in upstream if k.path[0] == "reference"} == set(PER_YEAR_REFERENCE)


def test_bad_settings_are_named(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[method]\nyear_end = 2017\n")
    assert gvc(["build", "--config", str(bad), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "2000-2015" in err and "HS2017" in err
    bad.write_text("[method]\nyear_ends = 2015\n")
    assert gvc(["build", "--config", str(bad), "--dry-run"]) == 2
    assert "unknown METHOD setting(s) ['year_ends']" in capsys.readouterr().err


def test_an_added_year_is_planned_as_never_built(raw_with_2015, tmp_path, capsys):
    raw, wh = raw_with_2015
    before = wh.stat().st_mtime_ns
    # not yet in the settings: left out, and said so
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh), "--changed", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"customs_transactions has year= folders [{NEW}] after year_end = {LAST}: left out" in out
    assert f"{NEW}: never built" not in out

    # in the settings: a new partition, never built; the survey of 2015 is read by
    # every year's matching (METHOD §2 step c, §4's nearest survey year), so the
    # other years are stale too, and the reason is given
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh), "--changed", "--dry-run",
                "--config", str(settings_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert f"years {load_settings().year_start}-{NEW}" in out  # the settings line
    assert f"  {NEW}: never built" in out
    assert f"  2000-{LAST}: firm_survey/year={NEW} added\n" in out  # sample years: 2010 is not one
    assert f"will rebuild partitions [2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2011, 2012, " \
           f"2013, {LAST}, {NEW}] of" in out
    assert "dry run: nothing built" in out
    assert wh.stat().st_mtime_ns == before  # a dry run writes nothing

    # customs and patents of 2015 without its survey touch 2015 alone
    shutil.rmtree(raw / "firm_survey" / f"year={NEW}")
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh), "--changed", "--dry-run",
                "--config", str(settings_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "changed since the last build, 1 of 15 years to rebuild" in out and f"  {NEW}: never built" in out
    assert f"will rebuild partitions [{NEW}] of" in out


@pytest.mark.slow
def test_an_added_year_builds_end_to_end(raw_with_2015, tmp_path, capsys):
    """About 5 minutes on tiny: every year's partitions (the 2015 survey touches
    them all), then the cross-year assets; 2015 reaches the marts and the panel."""
    raw, wh = raw_with_2015
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh), "--changed", "--config",
                str(settings_file(tmp_path)), "--reports", str(tmp_path / "reports")]) == 0
    assert f"  {NEW}: never built" in capsys.readouterr().out
    con = duckdb.connect(str(wh), read_only=True)
    try:
        per_year = dict(con.execute("select year, count(*) from marts.fct_firm_year_dvar group by 1").fetchall())
        panel = dict(con.execute("select year, count(*) from marts.fct_firm_panel group by 1").fetchall())
        recorded = {r[0] for r in con.execute("select distinct year from meta.build_inputs").fetchall()}
        c = con.execute(f"select count(*) from marts.fct_city_industry_complementarity where year = {NEW}").fetchone()[0]
    finally:
        con.close()
    # 2015 is a copy of 2014: the same firm-years
    assert per_year[NEW] == per_year[LAST] > 0 and c > 0
    assert panel.get(NEW, 0) > 0
    assert NEW in recorded
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh), "--changed", "--config",
                str(settings_file(tmp_path))]) == 0
    assert "up to date" in capsys.readouterr().out
