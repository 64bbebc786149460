"""Worlds the generator never writes: one, two or three sample years, spaced
years, one city, one industry, a year without patents, a year without
exporters. Each builds to the end: the marts, every estimable table, and the
rest marked "not estimable" with its reason -- never a crash, never a lost
warehouse. The two- and three-year worlds run in the default suite, the
others under ``-m slow``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.rawio import read_year, write_year
from analytics.study import TABLES
from orchestration.build import build
from orchestration.dbt import ensure_manifest, yearly_relations
from tests.worlds import keep_years


def _query(wh: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _edit_years(raw: Path, table: str, edit: Callable[[pd.DataFrame, int], pd.DataFrame]) -> None:
    for folder in sorted((raw / table).glob("year=*")):
        year = int(folder.name.split("=", 1)[1])
        df = read_year(raw, table, year)
        for f in folder.iterdir():
            f.unlink()
        write_year(raw, table, year, edit(df, year).reset_index(drop=True))


def _build_and_check(raw: Path, tmp_path: Path, years: list[int]) -> tuple[Path, pd.DataFrame]:
    wh, reports = tmp_path / "warehouse.duckdb", tmp_path / "reports"
    res = build(raw, wh, progress=lambda _m: None, reports=reports)
    assert res["years"] == years
    dvar = _query(wh, "select year, count(*) n from marts.fct_firm_year_dvar group by 1 order by 1")
    assert set(dvar["year"]) <= set(years) and len(dvar)
    results = _query(wh, "select * from marts.fct_regression_results")
    # every paper table has its rows: estimated, or marked with the reason
    assert set(TABLES) <= set(results["table_id"])
    coefficient = results[~results["term"].isin(["singletons_dropped", "kp_rk_wald_f"])]
    missing = coefficient[coefficient["estimate"].isna()]
    assert missing["reason"].notna().all(), missing[["table_id", "column_id", "term"]]
    assert coefficient.loc[coefficient["reason"].isna(), "estimate"].notna().all()
    html = (reports / "report.html").read_text()
    if len(missing):
        assert "not estimable" in html
    return wh, results


@pytest.mark.parametrize("years", [[2005, 2006], pytest.param([2005, 2006, 2007], marks=pytest.mark.slow)],
                         ids=["two_years", "three_years"])
def test_a_short_panel_builds_with_what_it_can_estimate(tiny_world, tmp_path, years):
    root, _ = tiny_world
    raw = keep_years(root, tmp_path / "raw", years)
    _, results = _build_and_check(raw, tmp_path, years)
    # Fig 6's leads reach past the last year: not estimable, said why
    leads = results[(results["table_id"] == "fig6") & (results["term"] == "complementarity")]
    assert leads["estimate"].isna().any()
    assert leads.loc[leads["estimate"].isna(), "reason"].str.contains("not estimable").all()
    # the baseline is estimable on two years of firms
    base = results[(results["table_id"] == "table4") & (results["term"] == "complementarity")]
    assert base["estimate"].notna().any()


@pytest.mark.slow
@pytest.mark.parametrize("years", [[2006], [2003, 2008, 2013]], ids=["one_year", "spaced_years"])
def test_one_year_and_spaced_years_build(tiny_world, tmp_path, years):
    root, _ = tiny_world
    raw = keep_years(root, tmp_path / "raw", years)
    _build_and_check(raw, tmp_path, years)


YEARS3 = [2005, 2006, 2007]


def _one_city(raw: Path) -> None:
    city = read_year(raw, "firm_survey", 2006)["city_code"].mode().iloc[0]
    _edit_years(raw, "firm_survey", lambda df, _y: df[df["city_code"] == city])
    _edit_years(raw, "patents", lambda df, _y: df[df["applicant_city_code"] == city])


def _one_industry(raw: Path) -> None:
    industry = read_year(raw, "firm_survey", 2006)["industry_code"].mode().iloc[0]
    _edit_years(raw, "firm_survey", lambda df, _y: df[df["industry_code"] == industry])


def _no_patents_in_2006(raw: Path) -> None:
    _edit_years(raw, "patents", lambda df, y: df.iloc[:0] if y == 2006 else df)


def _no_exporters_in_2006(raw: Path) -> None:
    _edit_years(raw, "customs_transactions",
                lambda df, y: df[df["flow"] != "export"] if y == 2006 else df)


@pytest.mark.slow
@pytest.mark.parametrize("edit", [_one_city, _one_industry, _no_patents_in_2006, _no_exporters_in_2006],
                         ids=["one_city", "one_industry", "no_patents_in_a_year", "no_exporters_in_a_year"])
def test_thin_worlds_build(tiny_world, tmp_path, edit):
    root, _ = tiny_world
    raw = keep_years(root, tmp_path / "raw", YEARS3)
    edit(raw)
    wh, _ = _build_and_check(raw, tmp_path, YEARS3)
    if edit is _no_exporters_in_2006:
        assert not len(_query(wh, "select * from marts.fct_firm_year_dvar where year = 2006 and exports_usd > 0"))
    if edit is _no_patents_in_2006:
        c = _query(wh, "select * from marts.fct_city_industry_complementarity where year = 2006")
        assert c.empty or (c["invention_patents"] == 0).all()


def test_years_removed_from_the_raw_root_are_dropped_from_the_warehouse(tiny_warehouse, tmp_path):
    """A rebuild on a root with fewer years says which it drops and holds none of their rows.
    (Their survey years stay: a removed survey year would make every year stale, as
    METHOD's matching reads the other years' names -- a full rebuild, not this test's point.)"""
    root, built = tiny_warehouse
    raw = Path(shutil.copytree(root, tmp_path / "raw", ignore=shutil.ignore_patterns("truth", "truth.json")))
    for table in ("customs_transactions", "patents"):
        for year in (2013, 2014):
            shutil.rmtree(raw / table / f"year={year}")
    wh = tmp_path / "warehouse.duckdb"
    wh.write_bytes(built.read_bytes())
    lines: list[str] = []
    res = build(raw, wh, changed=True, progress=lines.append, reports=tmp_path / "reports")
    assert res["dropped"] == [2013, 2014]
    assert any("no longer has: [2013, 2014]" in line for line in lines)
    assert res["years"] == []  # no year changed: the cross-year work alone
    # every per-year table, the panel built from them and the record of what was built
    tables = [(s, t) for s, t, _ in yearly_relations(ensure_manifest())]
    tables += [("marts", "fct_firm_panel"), ("meta", "build_inputs")]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for schema, table in tables:
            n = con.execute(f'select count(*) from "{schema}"."{table}" where year in (2013, 2014)').fetchone()[0]
            assert n == 0, f"{schema}.{table} keeps {n} rows of the dropped years"
    finally:
        con.close()
