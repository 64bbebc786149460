"""`gvc synth --layout vendor` then `gvc ingest` gives the canonical world back.

One seed end to end through the command line: the canonical world A, the
same world in the delivered layouts V (monthly GBK/GB18030 CSV and GB18030
Stata 117 customs files, the survey in pinyin Stata and Chinese-label CSV,
CNIPA publication and grant lists), and B = `gvc ingest V/delivered`. Every
table and year of B equals A's after sorting by the key, dtypes included.
The generator writes a firm's region and industry codes as ingest gives them
back from a delivery of their year (analytics/synth/vintages.py): Chongqing's
prefecture 500100 is delivered as a county code 5002xx of the time and moved
back, and an industry code no GB/T 4754-1994 or -2011 code converts into is
not written in those years. What the writer lists in
V/delivered/delivery.json as not carried back is only the spelling of IPC
symbols the canonical world writes without the space (H01L21/02): ingest
spells them H01L 21/02, each once.

Columns B has beyond A (the survey's optional columns) are NULL. A second
seed checks two years of customs (one CSV year, one Stata year) through the
writer alone. Under ``-m slow``, the dbt models built on B give A's marts,
row for row.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analytics import rawio
from analytics.ingest.codes import Codes, vintage
from analytics.ingest.run import KEYS, REPORT
from analytics.synth.vendor import DELIVERED, MANIFEST, write_delivery
from orchestration.cli import main

SEED = 2
TABLES = ("customs_transactions", "firm_survey", "patents")


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("vendor")
    a, v, b = base / "A", base / "V", base / "B"
    assert main(["synth", "--scale", "tiny", "--seed", str(SEED), "--out", str(a)]) == 0
    assert main(["synth", "--scale", "tiny", "--seed", str(SEED), "--out", str(v), "--layout", "vendor"]) == 0
    assert main(["ingest", str(v / DELIVERED), "--raw", str(b)]) == 0
    return {"A": a, "V": v, "B": b}


def manifest(v: Path) -> dict:
    return json.loads((v / DELIVERED / MANIFEST).read_text(encoding="utf-8"))


def compact_ipc(codes: pd.Series) -> pd.Series:
    """The symbols without white space, each once: what the space and the repeat do not change."""
    return codes.map(lambda s: ";".join(dict.fromkeys(x.replace(" ", "") for x in s.split(";"))))


def expected(a: pd.DataFrame, table: str, year: int, lossy: list[dict]) -> pd.DataFrame:
    """A's table with the cells the delivery cannot carry back replaced by what ingest gives back."""
    out = a.copy()
    for x in lossy:
        if (x["table"], x["year"]) != (table, year):
            continue
        if x["column"] == "ipc_codes":
            continue  # compared apart (test_ipc_symbols_come_back_spaced)
        hit = out[x["column"]].isin(list(x["values"]))
        assert int(hit.sum()) == x["rows"]
        out.loc[hit, x["column"]] = out.loc[hit, x["column"]].map(x["values"])
    return out


def sorted_by_key(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows in key order; the survey has no key (a delivery may repeat a (year, firm_id)): by
    year and firm, then every other column."""
    keys = list(KEYS.get(table, ("year", "firm_id")))
    return df.sort_values(keys + [c for c in df.columns if c not in keys], ignore_index=True)


@pytest.mark.parametrize("table", TABLES)
def test_every_year_of_every_table_comes_back(worlds, table):
    a_root, b_root = worlds["A"], worlds["B"]
    lossy = manifest(worlds["V"])["lossy"]
    years = rawio.years_present(a_root, table)
    assert years and rawio.years_present(b_root, table) == years
    for year in years:
        a = sorted_by_key(rawio.read_year(a_root, table, year), table)
        b = sorted_by_key(rawio.read_year(b_root, table, year), table)
        extra = [c for c in b.columns if c not in a.columns]
        assert b[extra].isna().all().all(), f"{table} {year}: {extra} should be NULL"  # the optional columns
        want = expected(a, table, year, lossy)
        got = b[a.columns]
        if table == "patents":
            assert (compact_ipc(got["ipc_codes"]) == compact_ipc(want["ipc_codes"])).all()
            got, want = got.drop(columns="ipc_codes"), want.drop(columns="ipc_codes")
        pd.testing.assert_frame_equal(got, want, obj=f"{table} {year}")


def test_what_does_not_come_back_is_only_the_ipc_spelling(worlds):
    lossy = manifest(worlds["V"])["lossy"]
    assert {(x["table"], x["column"]) for x in lossy} == {("patents", "ipc_codes")}


def test_the_survey_codes_are_delivered_in_their_years_vintage(worlds):
    """The delivered survey carries codes of its time: 1994 and 2011 industry codes, and Chongqing's
    prefecture as a county code, each of which ingest restores to what A holds."""
    codes = Codes.load()
    unrestored = manifest(worlds["V"])["unrestored"]["firm_survey"]
    assert unrestored["prefecture codes delivered as a county code of the time, which ingest moves back"] > 0
    a = pd.concat([rawio.read_year(worlds["A"], "firm_survey", y).assign(year=y)
                   for y in rawio.years_present(worlds["A"], "firm_survey")])
    assert (a["city_code"] == "500100").any() and not a["city_code"].str.startswith("5002").any()
    for year in (2000, 2013):
        written = a.loc[a["year"] == year, "industry_code"]
        assert vintage(year) is not None
        image = set(codes.industry_2002(pd.Series([f"{i:04d}" for i in range(10_000)]), year)[0].dropna())
        assert set(written) <= image  # only codes a code of the year's vintage converts into


def test_ipc_symbols_come_back_spaced(worlds):
    a = rawio.read_year(worlds["A"], "patents", 2010).set_index("application_id")["ipc_codes"]
    b = rawio.read_year(worlds["B"], "patents", 2010).set_index("application_id")["ipc_codes"]
    unspaced = a.str.split(";").map(lambda s: any(" " not in x for x in s))
    assert unspaced.any()
    assert b[unspaced.index[unspaced]].str.split(";").map(lambda s: all(" " in x for x in s)).all()
    assert (b[~unspaced] == a[~unspaced]).mean() > 0.99  # only a symbol listed twice differs there


def test_the_delivery_is_in_the_vendor_layouts(worlds):
    files = manifest(worlds["V"])["files"]
    customs = pd.DataFrame(files["customs_transactions"])
    assert set(customs.loc[customs.year <= 2006, "layout"]) == {"customs_2000_2006"}
    assert set(customs.loc[customs.year >= 2007, "format"]) == {"Stata 117 .dta, GB18030"}
    assert customs.groupby("year").size().max() == 12  # monthly files
    assert {f["layout"] for f in files["firm_survey"]} == {"asif_pinyin", "asif_chinese"}
    assert {f["layout"] for f in files["patents"]} == {"cnipa_list"}
    # a Stata file of the delivery: GB18030 bytes in its names, pre-Unicode format
    dta = worlds["V"] / DELIVERED / customs.loc[customs.year == 2010, "file"].iloc[0]
    head = dta.read_bytes()[:4096]
    assert b"<release>117</release>" in head and "_税号编码".encode("gb18030") in head
    csv = worlds["V"] / DELIVERED / customs.loc[customs.year == 2003, "file"].iloc[0]
    header = csv.read_bytes().split(b"\n")[0].decode("gb18030")
    assert header.startswith("日期,")


def test_the_ingest_report_shows_the_restorations(worlds):
    report = json.loads((worlds["B"] / REPORT).read_text(encoding="utf-8"))
    delivered = manifest(worlds["V"])["unrestored"]
    restored: dict[str, dict[str, int]] = {}
    for f in report["files"]:
        for what, n in f["restored"].items():
            restored.setdefault(f["table"], {}).setdefault(what, 0)
            restored[f["table"]][what] += n
    a = pd.concat([rawio.read_year(worlds["A"], "customs_transactions", y)
                   for y in rawio.years_present(worlds["A"], "customs_transactions")])
    customs = restored["customs_transactions"]
    assert customs["hs_code: 7 digits left-padded to 8"] == int((a["hs_code"].str[0] == "0").sum()) > 0
    assert customs["trade mode: name -> 2-digit code"] == \
        delivered["customs_transactions"]["trade regimes delivered as names"] > 0.9 * len(a)
    assert customs["partner: Chinese name -> ISO3"] + customs["partner: 3-digit customs code -> ISO3"] == len(a)
    assert customs.get("partner: 142 (China, re-imports) -> CHN, kept", 0) == int((a["partner_country"] == "CHN").sum())
    survey = restored["firm_survey"]
    assert survey["city_code: 12-digit code cut to its first 6 digits"] == \
        delivered["firm_survey"]["city codes delivered as 12 digits"]
    assert survey["city_code: moved to the prefecture holding it in the base year"] == \
        delivered["firm_survey"]["prefecture codes delivered as a county code of the time, which ingest moves back"] > 0
    assert survey["industry_code: GB/T 4754-1994 code converted to GB/T 4754-2002"] > 0
    assert survey["industry_code: GB/T 4754-2011 code converted to GB/T 4754-2002"] > 0
    assert report["merged"]["patent records of one application (published and granted) counted once"] == \
        delivered["patents"]["applications also in the grant list (发明授权)"] > 0
    assert all(not f["rejected"] and not f["unknown_columns"] for f in report["files"])


def test_a_second_seed_two_customs_years(tmp_path, tiny_world):
    """Seed 1 (the session's tiny world): a CSV year and a Stata year of customs through the writer."""
    a_root, _ = tiny_world
    v, b = tmp_path / "V", tmp_path / "B"
    write_delivery(a_root, v, tables=("customs_transactions",), years=[2006, 2007])
    assert main(["ingest", str(v), "--raw", str(b)]) == 0
    table = "customs_transactions"
    for year in (2006, 2007):
        a = sorted_by_key(rawio.read_year(a_root, table, year), table)
        got = sorted_by_key(rawio.read_year(b, table, year), table)
        pd.testing.assert_frame_equal(got, a, obj=f"{table} {year}")


@pytest.mark.slow
def test_the_ingested_world_builds_the_canonical_marts(worlds, tmp_path):
    """`gvc build`'s dbt models on B (the ingested delivery, with V's reference tables):
    DVAR equals the truth computed on B and A's truth (the canonical world's) row for row,
    and C equals A's truth in every cell. Slow: a dbt build of its own (about 30 s on top
    of the module's worlds)."""
    import shutil

    from analytics.synth.truth import dvar_truth
    from orchestration.dbt_cli import AFTER_PYTHON_SELECT, run_dbt
    from tests.integration.test_dbt_dvar import _assert_equals_truth, _sql

    b = tmp_path / "B"
    shutil.copytree(worlds["B"], b)
    shutil.copytree(worlds["V"] / "reference", b / "reference")
    res = run_dbt(["build", "--exclude", AFTER_PYTHON_SELECT], b, tmp_path / "w.duckdb",
                  target_path=tmp_path / "target")
    assert res.success, res.failures()
    got = _sql(tmp_path / "w.duckdb", "select * from marts.fct_firm_year_dvar")
    _assert_equals_truth(got, dvar_truth(b))
    a_truth = pd.read_parquet(worlds["V"] / "truth" / "firm_year_dvar.parquet")
    _assert_equals_truth(got, a_truth)
    comp = _sql(tmp_path / "w.duckdb", "select year, city_code, industry_code, complementarity "
                                       "from marts.fct_city_industry_complementarity")
    a_comp = pd.read_parquet(worlds["V"] / "truth" / "city_industry_complementarity.parquet")
    both = comp.merge(a_comp, on=["year", "city_code", "industry_code"], suffixes=("", "_a"))
    assert len(both) == len(a_comp) == len(comp)
    close = ((both["complementarity"] - both["complementarity_a"]).abs() <= 1e-9) | (
        both["complementarity"].isna() & both["complementarity_a"].isna())
    print(f"DVAR: {len(got)} firm-years; C: {len(both)} of {len(a_comp)} cells, {int((~close).sum())} differ")
    assert close.all(), both.loc[~close].head()
