"""dbt METHOD §0 (preparation of real deliveries) on a hand-made raw root.

The reference tables are the tiny world's; the survey (2007-2009) and the
customs lines (2008-2009) are written here, one case per rule, so every kept
row, count and imputed value below is worked out by hand:

- survey duplicates: the row with the largest sales stays; on a tie of
  sales, the smallest firm name;
- sample filters (``survey_filters``): one firm-year per rule and the edge
  that passes it (NULL current assets, paid-in capital and founding year do
  not apply their rule), a row failing two rules counted under the first;
  a filtered firm's customs firm stays unmatched, counted as "survey row
  filtered"; ``none`` keeps every row;
- intermediate inputs by the accounting identity
  (``impute_intermediate_inputs``): a missing wage or welfare is the firm's
  mean over its other kept years, then 0; a result <= 0 or a missing item
  leaves M NULL; the DVAR mart says which M was imputed; ``none`` leaves M
  NULL;
- customs lines without a firm id or of value 0: dropped and counted;
- a one-year rebuild after another year's wage changed: the year's imputed
  M follows (int_survey_prepared is rebuilt whole).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import rawio
from analytics.settings import MethodSettings
from analytics.synth.truth import dvar_truth
from orchestration.dbt_cli import run_dbt
from tests.preparation_cases import CUSTOMS, DVAR_IMPUTE01, FILTERED, RATE, SURVEY
from tests.warehouses import copy_warehouse

SETTINGS = MethodSettings(year_start=2008, year_end=2009, exclude_years=())
SELECT = ["build", "--select", "+fct_firm_year_dvar", "+int_survey_quality_counts", "+int_trade_quality_counts"]
def write_root(tiny_root: Path, dest: Path, survey=SURVEY, customs=CUSTOMS) -> Path:
    """The tiny world's reference tables with this module's survey and customs lines."""
    root = dest / "raw"
    shutil.copytree(tiny_root / "reference", root / "reference")
    shutil.rmtree(root / "reference" / "exchange_rates")
    rawio.write_reference(root, "exchange_rates", pd.DataFrame({"year": [2007, 2008, 2009], "cny_per_usd": RATE}))
    for year, rows in survey.items():
        rawio.write_year(root, "firm_survey", year, pd.DataFrame(rows))
    for year, rows in customs.items():
        rawio.write_year(root, "customs_transactions", year, pd.DataFrame(rows))
    for year in (2007, 2008, 2009):
        rawio.write_year(root, "patents", year, pd.DataFrame({
            "application_id": [f"CN{year}0001"], "application_year": [year], "patent_type": ["invention"],
            "applicant_name": ["某大学"], "applicant_city_code": ["330102"], "ipc_codes": ["H01L 21/02"]}))
    return root


def build(root: Path, out: Path, settings: MethodSettings = SETTINGS, years=None, tag: str = "target") -> Path:
    res = run_dbt(SELECT, root, out / "w.duckdb", settings, years=years, target_path=out / tag)
    assert res.exception is None, res.exception
    assert res.success and not res.failures(), res.failures()
    return out / "w.duckdb"


def sql(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse)) as con:
        return con.sql(query).df()


def counts(warehouse: Path, year: int = 2008) -> dict[str, int]:
    q = sql(warehouse, f'''select "check", count from intermediate.int_survey_quality_counts where year = {year}
                          union all
                          select "check", count from intermediate.int_trade_quality_counts where year = {year}''')
    return dict(zip(q["check"], q["count"].astype(int)))


def prepared(warehouse: Path, year: int = 2008) -> pd.DataFrame:
    return sql(warehouse, f"select * from intermediate.int_survey_prepared where year = {year}").set_index("firm_id")


@pytest.fixture(scope="module")
def standard(tiny_world, tmp_path_factory):
    """(raw root, warehouse) built with the default switches."""
    out = tmp_path_factory.mktemp("prep_standard")
    root = write_root(tiny_world[0], out)
    return root, build(root, out)


def test_duplicates_keep_the_largest_sales_then_the_smallest_name(standard):
    _, wh = standard
    rows = prepared(wh)
    assert rows.loc["DUPLIC01A", "sales"] == 100.0 and rows.loc["DUPLIC01A", "employment"] == 50
    assert rows.loc["DUPLIC02A", "firm_name"] == "A名称有限公司"
    dedup = sql(wh, "select firm_id, duplicate_rows from intermediate.int_survey_deduplicated where year = 2008")
    assert dedup.set_index("firm_id")["duplicate_rows"].to_dict() == {
        **{f: 0 for f in dedup["firm_id"]}, "DUPLIC01A": 1, "DUPLIC02A": 1}
    c = counts(wh)
    assert c["survey_duplicate_rows"] == 2
    q = sql(wh, '''select share, example from intermediate.int_survey_quality_counts
                   where year = 2008 and "check" = 'survey_duplicate_rows' ''').iloc[0]
    assert q["example"] == "DUPLIC01A (2 rows)" and q["share"] == pytest.approx(2 / len(SURVEY[2008]))


def test_standard_filters_drop_and_count_each_rule(standard):
    _, wh = standard
    rules = sql(wh, "select firm_id, filter_rule from intermediate.int_survey_deduplicated where year = 2008")
    got = rules.dropna().set_index("firm_id")["filter_rule"].to_dict()
    assert got == FILTERED
    kept = set(prepared(wh).index)
    assert not kept & set(FILTERED)
    assert {"FILTEMP8A", "KEEPCURNA", "KEEPPAIDA", "KEEP1949A", "KEEPNOYRA", "KEEPIN13A", "KEEPIN43A"} <= kept
    assert "FILTEMP7A" in set(prepared(wh, 2009).index)  # only its 2008 row fails
    c = counts(wh)
    assert {r: c[f"survey_filtered_{r}"] for r in ("employment", "assets", "paid_in_capital", "founding_year",
                                                   "industry")} == {
        "employment": 2, "assets": 2, "paid_in_capital": 1, "founding_year": 2, "industry": 2}
    # the filtered row matches no customs firm: its customs firm is counted with that reason
    assert c["customs_firms_unmatched_survey_row_filtered"] == 1
    matched = sql(wh, "select customs_firm_id, firm_id from intermediate.int_customs_survey_matches where year = 2008")
    assert "3301000002" not in set(matched["customs_firm_id"])


def assert_mart_equals_truth(warehouse: Path, root: Path, settings: MethodSettings) -> None:
    """The DVAR mart against the pandas truth under the same switches."""
    cols = ["year", "firm_id", "customs_firm_id", "dvar", "intermediate_inputs_imputed"]
    got = sql(warehouse, "select * from marts.fct_firm_year_dvar order by year, firm_id")[cols]
    want = dvar_truth(root, settings)[cols]
    pd.testing.assert_frame_equal(got.astype({"year": "int64"}), want.astype({"year": "int64"}), check_dtype=False,
                                  rtol=1e-12)


def test_survey_filters_none_keeps_every_firm_year(standard, tmp_path):
    root, _ = standard
    settings = MethodSettings(year_start=2008, year_end=2009, exclude_years=(), survey_filters="none")
    wh = build(root, tmp_path, settings)
    assert_mart_equals_truth(wh, root, settings)
    rows = prepared(wh)
    assert set(FILTERED) <= set(rows.index)
    c = counts(wh)
    assert all(c[f"survey_filtered_{r}"] == 0 for r in ("employment", "assets", "paid_in_capital", "founding_year",
                                                       "industry"))
    assert c["survey_duplicate_rows"] == 2  # duplicates go whatever the switch
    assert c["customs_firms_unmatched_survey_row_filtered"] == 0
    matched = sql(wh, "select customs_firm_id, firm_id from intermediate.int_customs_survey_matches where year = 2008")
    assert matched.set_index("customs_firm_id")["firm_id"]["3301000002"] == "FILTEMP7A"
    # IMPUTE06A's 2007 row is kept now, so its wage enters the mean: 430 - (1000 + 60) / 2 - 0 < 0 -> NULL
    assert pd.isna(rows.loc["IMPUTE06A", "intermediate_inputs"])


def test_intermediate_inputs_by_the_accounting_identity(standard):
    root, wh = standard
    rows = prepared(wh)
    m = rows["intermediate_inputs"]
    assert m["IMPUTE01A"] == pytest.approx(385.0, abs=1e-9)
    assert m["IMPUTE04A"] == pytest.approx(430.0, abs=1e-9)
    assert m["IMPUTE06A"] == pytest.approx(370.0, abs=1e-9)
    assert m["IMPUTE05A"] == 70.0
    assert pd.isna(m["IMPUTE02A"]) and pd.isna(m["IMPUTE03A"])
    imputed = rows["intermediate_inputs_imputed"]
    assert set(imputed[imputed].index) == {"IMPUTE01A", "IMPUTE04A", "IMPUTE06A"}
    c = counts(wh)
    assert c["survey_intermediate_inputs_imputed"] == 3
    assert c["survey_intermediate_inputs_null"] == 2
    # the DVAR mart: M imputed for IMPUTE01A, reported for IMPUTE05A
    dvar = sql(wh, "select * from marts.fct_firm_year_dvar where year = 2008").set_index("firm_id")
    assert dvar.loc["IMPUTE01A", "intermediate_inputs_imputed"]
    assert not dvar.loc["IMPUTE05A", "intermediate_inputs_imputed"]
    assert dvar.loc["IMPUTE01A", "dvar"] == pytest.approx(DVAR_IMPUTE01, abs=1e-12)
    # the pandas truth says the same
    assert_mart_equals_truth(wh, root, SETTINGS)


def test_impute_none_leaves_m_missing(standard, tmp_path):
    root, _ = standard
    settings = MethodSettings(year_start=2008, year_end=2009, exclude_years=(), impute_intermediate_inputs="none")
    wh = build(root, tmp_path, settings)
    assert_mart_equals_truth(wh, root, settings)
    rows = prepared(wh)
    assert rows["intermediate_inputs"].isna().sum() == 5 and not rows["intermediate_inputs_imputed"].any()
    dvar = sql(wh, "select * from marts.fct_firm_year_dvar where year = 2008").set_index("firm_id")
    assert pd.isna(dvar.loc["IMPUTE01A", "dvar"]) and not dvar.loc["IMPUTE01A", "intermediate_inputs_imputed"]
    c = counts(wh)
    assert c["survey_intermediate_inputs_imputed"] == 0 and c["survey_intermediate_inputs_null"] == 5


def test_customs_lines_without_firm_id_or_value_are_dropped_and_counted(standard):
    _, wh = standard
    c = counts(wh)
    assert c["customs_rows_without_firm_id"] == 2 and c["customs_rows_zero_value"] == 1
    lines = sql(wh, "select customs_firm_id, value_usd from intermediate.int_customs_prepared where year = 2008")
    assert len(lines) == 4 and lines["customs_firm_id"].notna().all() and (lines["value_usd"] > 0).all()
    ex = sql(wh, '''select "check", share, example from intermediate.int_trade_quality_counts
                    where year = 2008 and "check" like 'customs_rows_%' ''').set_index("check")
    assert ex.loc["customs_rows_zero_value", "example"] == "export 84713000 3301000005"
    assert ex.loc["customs_rows_without_firm_id", "share"] == pytest.approx(2 / 7)


def test_customs_lines_without_partner_are_kept_and_counted(standard):
    _, wh = standard
    c = counts(wh)
    assert c["customs_rows_without_partner"] == 1
    ex = sql(wh, '''select share, example from intermediate.int_trade_quality_counts
                    where year = 2008 and "check" = 'customs_rows_without_partner' ''').iloc[0]
    assert ex["example"] == "export 84713000 3301000002" and ex["share"] == pytest.approx(1 / 7)
    kept = sql(wh, """select value_usd from intermediate.int_customs_prepared
                      where year = 2008 and partner_country is null""")
    assert kept["value_usd"].tolist() == [700.0]


def test_one_year_rebuild_follows_another_years_wage(standard, tmp_path):
    """2009's wage of IMPUTE01A enters 2008's M: after it changes, rebuilding 2008 alone
    gives 2008 the new M (and 2009's rows are left as they were)."""
    root, built = standard
    wh = copy_warehouse(built, tmp_path)
    before_2009 = sql(wh, "select * from marts.fct_firm_year_dvar where year = 2009 order by all")
    edited = {**SURVEY, 2009: [{**r, "wage_bill": 70.0} if r["firm_id"] == "IMPUTE01A" else r for r in SURVEY[2009]]}
    rawio.write_year(root, "firm_survey", 2009, pd.DataFrame(edited[2009]))
    try:
        build(root, tmp_path, years=[2008])
    finally:
        rawio.write_year(root, "firm_survey", 2009, pd.DataFrame(SURVEY[2009]))
    # wage (30 + 70) / 2 = 50: M = 50 - 20 + 400 - 50 - 5 = 375
    assert prepared(wh).loc["IMPUTE01A", "intermediate_inputs"] == pytest.approx(375.0, abs=1e-9)
    dvar = sql(wh, "select firm_id, dvar from marts.fct_firm_year_dvar where year = 2008").set_index("firm_id")
    assert dvar.loc["IMPUTE01A", "dvar"] == pytest.approx(1 - 0.05 * 375 / 1000, abs=1e-12)
    pd.testing.assert_frame_equal(sql(wh, "select * from marts.fct_firm_year_dvar where year = 2009 order by all"),
                                  before_2009)
