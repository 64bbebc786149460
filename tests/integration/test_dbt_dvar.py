"""dbt DVAR half (METHOD §1-§3): raw -> marts.fct_firm_year_dvar and
marts.fct_data_quality, against the pandas truth (analytics.synth.truth).

- the tiny world as the session's shared build left it (``tiny_warehouse``:
  `gvc build`, every model and data test passed): the mart equals
  truth/firm_year_dvar row for row;
- a rebuild with years=[2012] (a year whose M comes from METHOD §0's
  accounting identity) leaves the other years byte-identical and 2012 equal
  to the truth again;
- fct_data_quality has every check for every year, DVAR counts as the truth,
  METHOD §0's counts as the raw files hold them;
- a "stressed" copy of the tiny world (split survey ids linked by name and by
  legal rep, ambiguous names on both sides, name ties, full-width and bracket
  variants, blank names, step-c cases, CSV files with and without hive year
  columns, no reference/trade_regimes so the seed is used) against the truth
  computed on that copy, including the panel ids and every customs match.
"""

from __future__ import annotations

import dataclasses

import shutil
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import rawio
from analytics.settings import DEFAULT_SETTINGS
from analytics.synth.truth import SurveyPreparation, build_survey_index, dvar_truth
from analytics.synth.truth.dvar import load_trade_references
from analytics.synth.truth.matching import (
    customs_firm_attributes,
    match_customs_to_survey,
    survey_keys,
    survey_panel_ids,
)
from analytics.synth.truth.preparation import FILTER_RULES, deduplicate_survey, prepare_customs, survey_filter_rule
from orchestration.dbt_cli import AFTER_PYTHON_SELECT, run_dbt
from tests.warehouses import copy_warehouse

KEY = ["year", "firm_id"]
EXACT = ["panel_firm_id", "customs_firm_id", "match_step", "trade_type", "dvar_in_range", "intermediate_inputs_imputed"]
USD = [
    "exports_usd",
    "exports_processing_usd",
    "exports_ordinary_usd",
    "imports_processing_usd",
    "imports_ordinary_scaled_usd",
    "capital_imports_scaled_usd",
    "foreign_content_usd",
]
PER_YEAR_MODELS = [
    "intermediate.int_customs_harmonised",
    "intermediate.int_customs_firm_attributes",
    "intermediate.int_intermediaries",
    "intermediate.int_indirect_import_shares",
    "intermediate.int_customs_firm_trade_totals",
    "intermediate.int_customs_survey_matches",
    "intermediate.int_trade_quality_counts",
    "marts.fct_firm_year_dvar",
]


def _sql(warehouse: Path, query: str) -> pd.DataFrame:
    # default configuration: dbt-duckdb, run in-process, may still hold the file open
    with duckdb.connect(str(warehouse)) as con:
        return con.sql(query).df()


def _build(root: Path, warehouse: Path, target: Path, years=None, select=None):
    # without a selection: every model dbt alone can build (the panel models
    # read the Python production tables and are tested in test_dbt_panel)
    command = ["build"] + (["--select", *select] if select else ["--exclude", AFTER_PYTHON_SELECT])
    t0 = time.perf_counter()
    res = run_dbt(command, root, warehouse, years=years, target_path=target)
    seconds = time.perf_counter() - t0
    assert res.exception is None, res.exception
    assert res.success, res.failures()
    assert not res.failures(), res.failures()
    return res, seconds


def _assert_equals_truth(got: pd.DataFrame, truth: pd.DataFrame) -> None:
    got = got.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    truth = truth.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    assert list(zip(got["year"].astype(int), got["firm_id"])) == list(zip(truth["year"].astype(int), truth["firm_id"]))
    for col in EXACT:
        a = got[col].astype(object).where(got[col].notna(), None).tolist()
        b = truth[col].astype(object).where(truth[col].notna(), None).tolist()
        assert a == b, col
    a, b = got["dvar"].to_numpy(float), truth["dvar"].to_numpy(float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, equal_nan=True)
    for col in USD:
        a, b = got[col].to_numpy(float), truth[col].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=col)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=0, equal_nan=True, err_msg=col)


@pytest.fixture(scope="module")
def tiny_built(tiny_warehouse):
    """The tiny world built every year, by the session's shared build: (root, warehouse)."""
    return tiny_warehouse


def test_build_equals_truth(tiny_built):
    root, warehouse = tiny_built
    got = _sql(warehouse, "select * from marts.fct_firm_year_dvar")
    truth = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    assert len(truth) > 1000
    _assert_equals_truth(got, truth)
    # every match step and trade type occurs, so the comparison covers them
    assert set(got["match_step"]) == {"a", "b", "c"}
    assert set(got["trade_type"]) == {"processing", "ordinary", "mixed"}
    assert set(got["year"]) == set(DEFAULT_SETTINGS.years)


def test_customs_brokers_are_intermediaries(tiny_built, tmp_path):
    """METHOD §0 step 6: a customs code whose 6th character is 8 (a customs
    broker) is an intermediary even when its name has no keyword (the world
    has such brokers); with broker_digit off only the names count."""
    root, built = tiny_built
    inter = _sql(built, "select * from intermediate.int_intermediaries")
    brokers = inter[inter["rule"] == "broker_id"]
    assert len(brokers) > 0 and brokers["keyword"].isna().all()
    assert (brokers["customs_firm_id"].str[5] == "8").all()
    coded = _sql(built, "select distinct year, customs_firm_id from intermediate.int_customs_firm_attributes "
                        "where substr(customs_firm_id, 6, 1) = '8'")
    assert set(map(tuple, coded.to_numpy())) <= set(map(tuple, inter[["year", "customs_firm_id"]].to_numpy()))
    dvar = _sql(built, "select customs_firm_id from marts.fct_firm_year_dvar")
    assert not (dvar["customs_firm_id"].str[5] == "8").any()
    dq = _sql(built, "select sum(count) as n from marts.fct_data_quality where \"check\" = 'customs_firms_intermediary'")
    assert int(dq["n"][0]) >= len(inter)

    warehouse = copy_warehouse(built, tmp_path)
    res = run_dbt(["run", "--select", "int_intermediaries"], root, warehouse, years=[2005],
                  settings=dataclasses.replace(DEFAULT_SETTINGS, broker_digit=False), target_path=tmp_path / "t")
    assert res.success, res.exception
    off = _sql(warehouse, "select * from intermediate.int_intermediaries where year = 2005")
    on = inter[inter["year"] == 2005]
    assert (off["rule"] == "keyword").all() and len(off) == (on["rule"] == "keyword").sum()


REBUILT = 2012  # M from the accounting identity: the firm means of every survey year are rebuilt too


def test_rebuild_one_year_replaces_only_that_year(tiny_built, tmp_path):
    root, built = tiny_built
    warehouse = copy_warehouse(built, tmp_path)
    order = "order by all"
    before = {m: _sql(warehouse, f"select * from {m} where year <> {REBUILT} {order}") for m in PER_YEAR_MODELS}
    n_rebuilt = {m: int(_sql(warehouse, f"select count(*) as n from {m} where year = {REBUILT}")["n"][0])
                 for m in PER_YEAR_MODELS}
    _, seconds = _build(root, warehouse, tmp_path / "target", years=[REBUILT])
    for m in PER_YEAR_MODELS:
        after = _sql(warehouse, f"select * from {m} where year <> {REBUILT} {order}")
        pd.testing.assert_frame_equal(after, before[m], check_exact=True, obj=m)
        n = int(_sql(warehouse, f"select count(*) as n from {m} where year = {REBUILT}")["n"][0])
        assert n == n_rebuilt[m] > 0, m
    got = _sql(warehouse, f"select * from marts.fct_firm_year_dvar where year = {REBUILT}")
    assert got["intermediate_inputs_imputed"].sum() > 0.9 * len(got)
    truth = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    _assert_equals_truth(got, truth[truth["year"] == REBUILT])
    print(f"rebuild of {REBUILT} {seconds:.1f} s")


def test_data_quality(tiny_built):
    root, warehouse = tiny_built
    dq = _sql(warehouse, 'select year, "check", count, share, example from marts.fct_data_quality')
    checks = {
        "hs_codes_without_concordance_link",
        "customs_firms_intermediary",
        "customs_firms_unmatched_no_candidate",
        "customs_firms_unmatched_ambiguous",
        "dvar_null",
        "dvar_out_of_range",
    }
    assert checks <= set(dq["check"])
    years = set(DEFAULT_SETTINGS.years)
    for check in checks:
        assert set(dq.loc[dq["check"] == check, "year"]) == years, check
    assert not dq.duplicated(["year", "check"]).any()
    assert (dq["example"].isna() == (dq["count"] == 0)).all()

    truth = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    by_year = truth.groupby("year")
    want_null = by_year["dvar"].apply(lambda s: int(s.isna().sum()))
    want_out = by_year["dvar_in_range"].apply(lambda s: int((s == False).sum()))  # noqa: E712
    got = dq.set_index(["check", "year"])["count"]
    for y in years:
        assert got[("dvar_null", y)] == want_null.get(y, 0), y
        assert got[("dvar_out_of_range", y)] == want_out.get(y, 0), y
    assert want_null.sum() > 0 and want_out.sum() > 0
    # HS1996 years need no concordance; the later ones have a few unlinked codes
    hs = dq[dq["check"] == "hs_codes_without_concordance_link"].set_index("year")["count"]
    assert hs[2000] == 0 and hs[2001] == 0 and hs.sum() > 0
    assert dq.loc[dq["check"] == "customs_firms_intermediary", "count"].sum() > 0

    # METHOD §0: the counts are what the raw files hold, year by year (the world writes
    # each quirk, SYNTH), and M comes from the accounting identity from 2008 on
    for y in years:
        raw = rawio.read_year(root, "firm_survey", y)
        deduplicated = deduplicate_survey(raw)
        rule = survey_filter_rule(deduplicated)
        assert got[("survey_duplicate_rows", y)] == len(raw) - len(deduplicated), y
        for r in FILTER_RULES:
            assert got[(f"survey_filtered_{r}", y)] == int((rule == r).sum()), (y, r)
        lines = rawio.read_year(root, "customs_transactions", y)
        no_id = lines["customs_firm_id"].isna()
        assert got[("customs_rows_without_firm_id", y)] == int(no_id.sum()) > 0, y
        assert got[("customs_rows_zero_value", y)] == int(((lines["value_usd"] == 0) & ~no_id).sum()) > 0, y
        imputed = got[("survey_intermediate_inputs_imputed", y)]
        assert (imputed > 0) if y >= 2008 else (imputed == 0), y
    total = dq.groupby("check")["count"].sum()
    assert (total[["survey_duplicate_rows", "customs_firms_unmatched_survey_row_filtered"]] > 0).all()
    assert (total[[f"survey_filtered_{r}" for r in FILTER_RULES]] > 0).all()
    assert truth.loc[truth["year"] < 2008, "intermediate_inputs_imputed"].sum() == 0
    later = truth[truth["year"] >= 2008]
    assert (later["intermediate_inputs_imputed"] | later["dvar"].isna()).all()


# --- a stressed copy of the tiny world -------------------------------------------------


def _stress_world(src: Path, dst: Path) -> None:
    """Copy the tiny world and add the hard cases of METHOD §2 (deterministic)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("truth", "truth.json"))
    survey_years = rawio.years_present(dst, "firm_survey")
    survey = pd.concat([rawio.read_year(dst, "firm_survey", y) for y in survey_years], ignore_index=True)
    customs_years = rawio.years_present(dst, "customs_transactions")
    customs = {y: rawio.read_year(dst, "customs_transactions", y) for y in customs_years}

    # 1. split survey firm_ids mid-spell: linked by name (kind 0), by legal rep
    #    + city + industry (kind 1), by rep after an ambiguous name (kind 2),
    #    not at all (kind 3, no legal rep in the new spell)
    span = survey.groupby("firm_id")["year"].agg(["min", "max", "size"])
    long_firms = sorted(span.index[(span["size"] >= 6) & (span["max"] - span["min"] + 1 == span["size"])])
    chosen = long_firms[:24]
    shared_name = "共同名称测试有限公司"
    for i, fid in enumerate(chosen):
        kind = i % 4
        first, last = span.loc[fid, "min"], span.loc[fid, "max"]
        split = int(first + (last - first + 1) // 2)
        new_id = "Z" + fid[1:]
        later = (survey["firm_id"] == fid) & (survey["year"] >= split)
        survey.loc[later, "firm_id"] = new_id
        if kind in (1, 2, 3):
            survey.loc[later, "firm_name"] = "新" + survey.loc[later, "firm_name"].astype(str)
        if kind == 2:  # the same name ends and starts several spells
            survey.loc[(survey["firm_id"] == fid) & (survey["year"] == split - 1), "firm_name"] = shared_name
            survey.loc[(survey["firm_id"] == new_id) & (survey["year"] == split), "firm_name"] = shared_name
        if kind == 3:
            survey.loc[later, "legal_rep"] = None
    # 2. two survey firms share a name in 2004 (step a ambiguous on the survey side)
    s04 = survey[survey["year"] == 2004].drop_duplicates("firm_id").index[:2]
    survey.loc[s04[1], "firm_name"] = survey.loc[s04[0], "firm_name"]
    # 3. a survey firm renamed in 2008 whose customs firm keeps the old name and
    #    has no phone: step (c)
    c08 = customs[2008]
    attrs08 = customs_firm_attributes(prepare_customs(c08))
    s08 = survey[survey["year"] == 2008]
    by_name = s08.assign(n=s08["firm_name"]).set_index("n")["firm_id"]
    renamed = 0
    for _, row in attrs08.iterrows():
        if renamed >= 3 or row["firm_name"] not in by_name.index:
            continue
        fid = by_name[row["firm_name"]]
        if not isinstance(fid, str) or survey.loc[survey["firm_id"] == fid, "year"].nunique() < 3:
            continue
        survey.loc[(survey["firm_id"] == fid) & (survey["year"] == 2008), "firm_name"] = row["firm_name"] + "改名"
        c08.loc[c08["customs_firm_id"] == row["customs_firm_id"], "phone"] = None
        renamed += 1
    assert renamed == 3
    # 4. customs: two firms with one name in 2003 (step a ambiguous on the customs
    #    side), an exact tie between two names, full-width / bracket / 有限责任公司
    #    variants, a blank name line, full-width phone digits
    #    (both without a phone, so they stay unmatched: "ambiguous")
    c03 = customs[2003]
    attrs03 = customs_firm_attributes(prepare_customs(c03))
    names03 = set(survey.loc[survey["year"] == 2003, "firm_name"])
    ids03 = sorted(attrs03.loc[attrs03["firm_name"].isin(names03), "customs_firm_id"])[:2]
    name0 = c03.loc[c03["customs_firm_id"] == ids03[0], "firm_name"].iloc[0]
    c03.loc[c03["customs_firm_id"] == ids03[1], "firm_name"] = name0
    c03.loc[c03["customs_firm_id"].isin(ids03), "phone"] = None
    c06 = customs[2006]
    counts = c06["customs_firm_id"].value_counts()
    even = sorted(counts.index[(counts >= 4) & (counts % 2 == 0)])[:3]
    for fid in even:
        rows = c06.index[c06["customs_firm_id"] == fid]
        base = c06.loc[rows[0], "firm_name"]
        c06.loc[rows[: len(rows) // 2], "firm_name"] = "乙" + base
        c06.loc[rows[len(rows) // 2 :], "firm_name"] = "甲" + base
    c07 = customs[2007]
    ids07 = sorted(prepare_customs(c07)["customs_firm_id"].unique())
    for j, fid in enumerate(ids07[:12]):
        rows = c07["customs_firm_id"] == fid
        name = c07.loc[rows, "firm_name"].astype(str)
        if j % 3 == 0:
            c07.loc[rows, "firm_name"] = "（" + name.str[:2] + "）" + name.str[2:].str.replace("有限公司", "有限责任公司")
        elif j % 3 == 1:
            c07.loc[rows, "firm_name"] = name.str[:2] + "\u3000" + name.str[2:]
        else:
            c07.loc[rows, "phone"] = c07.loc[rows, "phone"].astype(str).str.translate(
                str.maketrans("0123456789-", "０１２３４５６７８９－")
            )
    first_line = c07.index[c07["customs_firm_id"] == ids07[13]][0]
    c07.loc[first_line, "firm_name"] = "  "

    # write back: survey and customs as Parquet, except some years as CSV
    for y in survey_years:
        folder = dst / "firm_survey" / f"year={y}"
        shutil.rmtree(folder)
        part = survey[survey["year"] == y]
        folder.mkdir(parents=True)
        if y in (2005, 2006):  # CSV without the year column (it comes from the folder)
            part.drop(columns=["year"]).to_csv(folder / "part-0.csv", index=False)
        else:
            part.to_parquet(folder / "part-0.parquet", index=False)
    for y, part in customs.items():
        folder = dst / "customs_transactions" / f"year={y}"
        shutil.rmtree(folder)
        folder.mkdir(parents=True)
        if y == 2007:  # CSV with the year column, split in two files
            half = len(part) // 2
            part.iloc[:half].to_csv(folder / "part-0.csv", index=False)
            part.iloc[half:].to_csv(folder / "part-1.csv", index=False)
        else:
            part.to_parquet(folder / "part-0.parquet", index=False)
    # no reference/trade_regimes: the METHOD seed applies (truth: its default)
    shutil.rmtree(dst / "reference" / "trade_regimes")
    # cities as CSV with flags in mixed case
    cities = rawio.read_reference(dst, "cities")
    shutil.rmtree(dst / "reference" / "cities")
    (dst / "reference" / "cities").mkdir()
    cities = cities.assign(
        innovation_center=cities["innovation_center"].map({True: "TRUE", False: "false"}),
        yrd_prd=cities["yrd_prd"].map({True: "True", False: "FALSE"}),
    )
    cities.to_csv(dst / "reference" / "cities" / "cities.csv", index=False)


def test_stressed_world_equals_truth(tiny_world, tmp_path):
    src, _ = tiny_world
    root = tmp_path / "raw"
    _stress_world(src, root)
    prepared = SurveyPreparation.of_root(root, DEFAULT_SETTINGS)
    index = build_survey_index(root, preparation=prepared)
    truth = dvar_truth(root, DEFAULT_SETTINGS, index, preparation=prepared)
    warehouse = tmp_path / "w.duckdb"
    _, seconds = _build(
        root, warehouse, tmp_path / "target",
        select=["+fct_firm_year_dvar", "+int_trade_quality_counts", "stg_reference__cities"],
    )

    # panel ids: the stressed spells link by name and by legal rep
    want_panel = survey_panel_ids(index).sort_values("firm_id").reset_index(drop=True)
    got_panel = _sql(warehouse, "select firm_id, panel_firm_id, link_rule from intermediate.int_survey_panel_ids order by firm_id")
    assert got_panel["firm_id"].tolist() == want_panel["firm_id"].tolist()
    assert got_panel["panel_firm_id"].tolist() == want_panel["panel_firm_id"].tolist()
    assert (got_panel["link_rule"] == "legal_rep_city_industry").sum() >= 6
    assert (got_panel["link_rule"] == "name").sum() >= 10

    # every customs match of every year, intermediaries included
    refs = load_trade_references(root)
    assert refs.trade_regimes is None  # the seed is what dbt used
    got_matches = _sql(warehouse, "select year, customs_firm_id, firm_id, match_step from intermediate.int_customs_survey_matches")
    for y in DEFAULT_SETTINGS.years:
        c = prepare_customs(rawio.read_year(root, "customs_transactions", y))
        s = prepared.year(y)
        want = match_customs_to_survey(customs_firm_attributes(c), survey_keys(s), index, y)
        got = got_matches[got_matches["year"] == y].sort_values("customs_firm_id")
        assert got[["customs_firm_id", "firm_id", "match_step"]].values.tolist() == want.values.tolist(), y
    assert set(got_matches["match_step"]) == {"a", "b", "c"}

    got = _sql(warehouse, "select * from marts.fct_firm_year_dvar")
    _assert_equals_truth(got, truth)
    dq = _sql(warehouse, 'select "check", sum(count) as n from intermediate.int_trade_quality_counts group by 1')
    assert dq.set_index("check")["n"]["customs_firms_unmatched_ambiguous"] > 0
    cities = _sql(warehouse, "select innovation_center, yrd_prd from staging.stg_reference__cities")
    assert cities.notna().all().all() and cities["innovation_center"].any()
    print(f"stressed build {seconds:.1f} s")
