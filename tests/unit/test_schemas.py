"""The raw-input models and the raw-root validator (schemas/)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.rawio import REFERENCE_TABLES, YEAR_COLUMN, YEARLY_TABLES, write_parquet, write_reference, write_year
from analytics.settings import MethodSettings
from schemas import validate as v
from schemas.validate import MODELS, RawValidationError, validate_frame, validate_raw_root
from tests.worlds import add_year

YEARS = (2005, 2006)


def customs(year: int) -> pd.DataFrame:
    return pd.DataFrame({
        "year": year,
        "month": pd.array([1, 2, None], dtype="Int64"),
        "customs_firm_id": ["1101234567", "1101234567", "3302000001"],
        "firm_name": ["北京华星进出口有限公司"] * 2 + ["宁波（东方）电子有限公司"],
        "phone": ["010-6512 3456", None, "0574 8888"],
        "zip_code": ["010010", None, "315000"],
        "flow": ["export", "import", "export"],
        "trade_regime": ["10", "14", "15"],
        "hs_code": ["01012100", "85423100", "85423100"],
        "partner_country": ["USA", "JPN", "DEU"],
        "value_usd": [1000.0, 0.0, 25.5],
        "quantity": [10.0, None, 3.0],
        "unit": ["kg", None, "pcs"],
    })


def survey(year: int) -> pd.DataFrame:
    money = [100.0, 0.0]
    return pd.DataFrame({
        "year": year,
        "firm_id": ["012345678", "98765432X"],
        "firm_name": ["北京华星电子有限公司", "宁波东方机械有限责任公司"],
        "legal_rep": ["张三", None],
        "phone": ["010-65123456", None],
        "zip_code": ["100000", None],
        "city_code": ["110105", "330201"],
        "industry_code": ["4011", "3511"],
        "year_established": pd.array([1995, None], dtype="Int64"),
        "employment": [120, 0],
        **{c: money for c in ["output", "sales", "export_delivery", "fixed_assets", "total_assets"]},
        **{c: [5.0, None] for c in ["intermediate_inputs", "paid_in_capital", "state_capital", "foreign_capital",
                                    "hmt_capital", "wage_bill", "rd_expenditure", "subsidy"]},
    })


def patents(year: int) -> pd.DataFrame:
    return pd.DataFrame({
        "application_id": [f"CN{year}10000001", f"CN{year}20000002"],
        "application_year": year,
        "patent_type": ["invention", "utility_model"],
        "applicant_name": ["北京华星电子有限公司;清华大学", "宁波东方机械有限责任公司"],
        "applicant_city_code": ["110105", "330201"],
        "ipc_codes": ["H01L 21/02;H01L 29/78", "F16H 1/28"],
    })


REFERENCE = {
    "hs_concordance": pd.DataFrame({
        "from_version": ["HS2002", "HS2002", "HS2007"],
        "from_hs6": ["010110", "010110", "854231"],
        "hs6_1996": ["010111", "010119", "854230"],
        "weight": [0.5, 0.5, 1.0],
    }),
    "hs_bec": pd.DataFrame({"hs6_1996": ["010111", "854230"], "bec_code": ["111", "42"],
                            "end_use": ["intermediate", "capital"]}),
    "trade_regimes": pd.DataFrame({"trade_regime": ["10", "14", "15"],
                                   "regime_class": ["ordinary", "processing", "processing"]}),
    "cities": pd.DataFrame({"city_code": ["110100", "330200"], "city_name": ["北京市", "宁波市"],
                            "province_code": ["11", "33"], "longitude": [116.4, 121.6], "latitude": [39.9, 29.9],
                            "innovation_center": [True, True], "yrd_prd": [False, True]}),
    "city_year": pd.DataFrame({"city_code": ["110100", "330200", "110100"], "year": [2005, 2005, 2006],
                               "gdp": [6970.0, 2450.0, 8117.8], "gdp_per_capita": [45000.0, 43000.0, 50000.0],
                               "basic_research": [3.0, 0.0, 3.5], "market_access": [None, 12.5, None]}),
    "industries": pd.DataFrame({"industry_code": ["13", "35", "40"],
                                "industry_name": ["农副食品加工业", "通用设备制造业", "通信设备制造业"],
                                "tech_intensity": ["low", "medium_high", "high"]}),
    "ipc_industry": pd.DataFrame({"ipc": ["H01L", "H01L", "F16H"], "industry_code": ["40", "39", "35"],
                                  "weight": [0.75, 0.25, 1.0]}),
    "province_industry_policy": pd.DataFrame({"province_code": ["11", "11"], "industry_code": ["40", "40"],
                                              "plan": ["10th", "11th"], "attitude": [3, 1],
                                              "provincial_priority": [True, False],
                                              "national_priority": [True, True]}),
    "io_links": pd.DataFrame({"industry_code": ["40", "40"], "supplier_industry_code": ["40", "13"],
                              "input_coefficient": [0.3, 0.0]}),
    "hs_industry": pd.DataFrame({"hs6_1996": ["010111", "854230"], "industry_code": ["13", "40"],
                                 "upstreamness": [2.1, None]}),
    "exchange_rates": pd.DataFrame({"year": [2005, 2006], "cny_per_usd": [8.19, 7.97]}),
    "intermediary_keywords": pd.DataFrame({"keyword": ["进出口", "贸易"]}),
}

BUILDERS = {"customs_transactions": customs, "firm_survey": survey, "patents": patents}


def write_root(root: Path, change=None) -> Path:
    """A valid raw root; ``change(table, year_or_None, frame)`` may return a broken frame."""
    change = change or (lambda table, year, df: df)
    for table, build in BUILDERS.items():
        for year in YEARS:
            write_year(root, table, year, change(table, year, build(year)))
    for table, df in REFERENCE.items():
        write_reference(root, table, change(table, None, df.copy()))
    return root


def rejection(root: Path, **kw) -> str:
    with pytest.raises(RawValidationError) as info:
        validate_raw_root(root, **kw)
    return str(info.value)


def failure_block(message: str, column: str, rule: str) -> str:
    """The message lines of the failure about (column, rule)."""
    blocks = re.split(r"\n(?=- file )", message)
    hits = [b for b in blocks if f"| column {column} |" in b and f"| rule {rule}" in b]
    assert hits, f"no failure for column {column!r}, rule {rule!r} in:\n{message}"
    return hits[0]


def test_every_table_has_a_model():
    assert set(MODELS) == set(YEARLY_TABLES) | set(REFERENCE_TABLES)


def test_valid_root_passes(tmp_path):
    seen = []
    summary = validate_raw_root(write_root(tmp_path), progress=lambda t, p, n: seen.append((t, p.name, n)))
    assert summary["customs_transactions"] == 6
    assert summary["firm_survey"] == 4
    assert summary["patents"] == 4
    assert summary["hs_concordance"] == 3
    assert set(summary) == set(MODELS)
    assert ("cities", "cities.parquet", 2) in seen


def test_validate_frame_gives_canonical_dtypes():
    out = validate_frame(customs(2005), "customs_transactions", "mem")
    assert str(out["year"].dtype) == "Int64" and str(out["month"].dtype) == "Int64"
    assert out["value_usd"].dtype == "float64"
    assert pd.api.types.is_string_dtype(out["hs_code"]) and out["hs_code"].iloc[0] == "01012100"
    flags = validate_frame(REFERENCE["cities"], "cities", "mem")["innovation_center"]
    assert str(flags.dtype) == "boolean"


def test_every_column_gets_a_canonical_dtype():
    frames = {**{t: build(2005) for t, build in BUILDERS.items()}, **REFERENCE}
    for table, df in frames.items():
        out = validate_frame(df, table, table)
        assert {str(d) for d in out.dtypes} <= {"Int64", "float64", "str", "boolean"}, table
        assert list(out.columns) == list(df.columns)


def test_validate_frame_names_its_source():
    df = survey(2005)
    df.loc[1, "city_code"] = "33020"
    with pytest.raises(RawValidationError, match=r"file survey-asset \| column city_code \| rule digits\(n=6\)"):
        validate_frame(df, "firm_survey", "survey-asset")


def test_weights_within_tolerance_pass():
    near = pd.DataFrame({"ipc": "H01L", "industry_code": ["39", "40"], "weight": [0.5, 0.5 - 1e-12]})
    validate_frame(near, "ipc_industry", "mem")
    near.loc[1, "weight"] = 0.5 - 1e-8
    with pytest.raises(RawValidationError, match=r"weights sum to 1 per \(ipc\)"):
        validate_frame(near, "ipc_industry", "mem")


def break_column(table, column, value, row=0):
    def change(t, year, df):
        if t == table and year in (None, 2005):
            df[column] = df[column].astype(object)
            df.loc[row, column] = value
        return df
    return change


BROKEN = {
    "firm id 9 chars": (break_column("customs_transactions", "customs_firm_id", "110123456"),
                        "customs_transactions/year=2005/part-0.parquet", "customs_firm_id", "str_length(10, 10)",
                        "110123456"),
    "negative value": (break_column("customs_transactions", "value_usd", -7.5),
                       "customs_transactions/year=2005/part-0.parquet", "value_usd", "greater_than_or_equal_to(0)",
                       "-7.5"),
    "bad flow": (break_column("customs_transactions", "flow", "exprt"),
                 "customs_transactions/year=2005/part-0.parquet", "flow", "isin(['export', 'import'])", "exprt"),
    "bad hs code": (break_column("customs_transactions", "hs_code", "8542310"),
                    "customs_transactions/year=2005/part-0.parquet", "hs_code", "digits(n=8)", "8542310"),
    "weights sum to 0.9": (break_column("hs_concordance", "weight", 0.4, row=1),
                           "hs_concordance/hs_concordance.parquet", "weight",
                           "weights sum to 1 per (from_version, from_hs6)", "0.4"),
    "prefecture code": (break_column("cities", "city_code", "110105"),
                        "cities/cities.parquet", "city_code", "prefecture_code", "110105"),
    "bad ipc": (break_column("ipc_industry", "ipc", "H1L"),
                "ipc_industry/ipc_industry.parquet", "ipc", "ipc_subclass", "H1L"),
    "bad plan": (break_column("province_industry_policy", "plan", "13th"),
                 "province_industry_policy/province_industry_policy.parquet", "plan", "isin", "13th"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_input_is_named(tmp_path, case):
    change, file, column, rule, value = BROKEN[case]
    message = rejection(write_root(tmp_path, change))
    block = failure_block(message, column, rule)
    assert file in block.replace("\\", "/")
    assert value in block


def test_repeated_survey_firm_years_pass(tmp_path):
    """METHOD §0 resolves a repeated (year, firm_id) (the largest sales stays): the
    contract accepts it, within a file and across files of one year."""
    def change(t, year, df):
        if t == "firm_survey" and year == 2005:
            return pd.concat([df, df.iloc[:1].assign(sales=50.0)], ignore_index=True)
        return df
    root = write_root(tmp_path, change)
    write_parquet(survey(2006).iloc[:1], root / "firm_survey" / "year=2006" / "part-1.parquet")
    summary = validate_raw_root(root)
    assert summary["firm_survey"] == 6
    assert len(validate_frame(pd.concat([survey(2005)] * 2), "firm_survey", "mem")) == 4


def test_implausible_founding_years_pass_for_the_sample_filter(tmp_path):
    """A founding year after the survey year or long before 1949 (delivered surveys hold
    both) is not a reason to refuse the year: METHOD §0's sample filter drops and counts
    those firm-years (tests/integration/test_dbt_preparation.py)."""
    def change(t, year, df):
        if t == "firm_survey" and year == 2005:
            df["year_established"] = pd.array([2007, 1201], dtype="Int64")
        return df
    root = write_root(tmp_path, change)
    assert validate_raw_root(root)["firm_survey"] == 4
    got = validate_frame(survey(2005).assign(year_established=pd.array([2031, 0], dtype="Int64")),
                         "firm_survey", "mem")
    assert got["year_established"].tolist() == [2031, 0]


def test_a_refused_survey_row_shows_its_year_and_firm_id(tmp_path):
    """The survey has no unique key any more; a refused row still says which firm-year it is."""
    block = failure_block(rejection(write_root(tmp_path, break_column("firm_survey", "sales", -1.0))),
                          "sales", "greater_than_or_equal_to(0)")
    assert "012345678" in block and "2005" in block


def test_customs_lines_without_firm_id_pass_outside_the_key(tmp_path):
    """A line without a firm id (NULL) passes and is outside the key: two such lines of
    one month, flow, regime, product and partner are no repeat (METHOD §0 drops them);
    an id of another length is still refused."""
    def change(t, year, df):
        if t == "customs_transactions" and year == 2005:
            extra = df.iloc[[0, 0]].assign(customs_firm_id=None, value_usd=[5.0, 7.0])
            return pd.concat([df, extra], ignore_index=True)
        return df
    assert validate_raw_root(write_root(tmp_path / "ok", change))["customs_transactions"] == 8

    def repeat(t, year, df):
        return pd.concat([df, df.iloc[[0]].assign(value_usd=3.0)], ignore_index=True) if (
            t == "customs_transactions" and year == 2005) else df
    block = failure_block(rejection(write_root(tmp_path / "repeat", repeat)),
                          "year, month, customs_firm_id, flow, trade_regime, hs_code, partner_country",
                          "unique key (year, month, customs_firm_id")
    assert "1101234567" in block
    frame = pd.concat([customs(2005), customs(2005).iloc[[0, 0]].assign(customs_firm_id=None)], ignore_index=True)
    assert validate_frame(frame, "customs_transactions", "mem")["customs_firm_id"].isna().sum() == 2
    with pytest.raises(RawValidationError, match=r"unique key \(year, month, customs_firm_id"):
        validate_frame(pd.concat([customs(2005), customs(2005).iloc[[0]]]), "customs_transactions", "mem")


def test_weights_0_9_is_rejected_with_value(tmp_path):
    def change(t, year, df):
        if t == "ipc_industry":
            df.loc[0, "weight"] = 0.65  # H01L: 0.65 + 0.25 = 0.9
        return df
    block = failure_block(rejection(write_root(tmp_path, change)), "weight", "weights sum to 1 per (ipc)")
    assert "ipc_industry.parquet" in block and "0.65" in block and "2 failing row(s)" in block


def test_duplicate_patent_across_year_folders(tmp_path):
    def change(t, year, df):
        if t == "patents" and year == 2006:
            df.loc[1, "application_id"] = "CN200510000001"
        return df
    message = rejection(write_root(tmp_path, change))
    block = failure_block(message, "application_id", "unique key (application_id)")
    assert "patents/year=2006/part-0.parquet" in block and "1 failing row(s)" in block
    assert "key also in earlier rows of" in block and "year=2005" in block
    assert "CN200510000001" in block


def test_missing_column_names_file(tmp_path):
    def change(t, year, df):
        return df.drop(columns=["hs_code"]) if t == "customs_transactions" and year == 2006 else df
    block = failure_block(rejection(write_root(tmp_path, change)), "hs_code", "missing required column")
    assert "customs_transactions/year=2006/part-0.parquet" in block


def test_missing_table_folder(tmp_path):
    root = write_root(tmp_path)
    for p in (root / "reference" / "hs_bec").iterdir():
        p.unlink()
    (root / "reference" / "hs_bec").rmdir()
    assert "hs_bec | column - | rule required table folder missing" in rejection(root)


def test_year_disagrees_with_folder(tmp_path):
    def change(t, year, df):
        if t == "customs_transactions" and year == 2006:
            df.loc[2, "year"] = 2005
        return df
    block = failure_block(rejection(write_root(tmp_path, change)), "year", "equals its folder year=2006")
    assert "customs_transactions/year=2006/part-0.parquet" in block and "2005" in block


def test_partitioned_file_without_year_column_takes_folder_year(tmp_path):
    def change(t, year, df):
        return df.drop(columns=[YEAR_COLUMN[t]]) if t in BUILDERS else df
    summary = validate_raw_root(write_root(tmp_path, change))
    assert summary["patents"] == 4


def test_a_year_past_2014_needs_it_in_the_settings(tmp_path):
    root = write_root(tmp_path)
    add_year(root, 2015, max(YEARS))
    block = failure_block(rejection(root, settings=MethodSettings()), "year", "in_range(2000, 2014)")
    assert "customs_transactions/year=2015/part-0.parquet" in block and "2015" in block
    assert "application_year" in rejection(root, settings=MethodSettings())  # patents too
    summary = validate_raw_root(root, settings=MethodSettings(year_end=2015))
    assert summary["customs_transactions"] == 9 and summary["patents"] == 6


def test_a_sample_year_needs_its_exchange_rate_and_city_year_rows(tmp_path):
    root = write_root(tmp_path)
    add_year(root, 2015, max(YEARS), reference_rows=False)
    text = rejection(root, settings=MethodSettings(year_end=2015))
    blocks = re.split(r"\n(?=- file )", text)
    for table in ("exchange_rates", "city_year"):
        hit = [b for b in blocks if f"reference/{table} | column year | rule has rows for every sample year" in b]
        assert len(hit) == 1 and "1 failing row" in hit[0], text
        assert "2015" in hit[0] and "2005" not in hit[0] and "2006" not in hit[0]  # only the year without rows
    # a year outside the settings' sample, or not among the years validated, needs none
    assert validate_raw_root(root, years=[2005, 2006], settings=MethodSettings(year_end=2015))


def test_years_restrict_the_yearly_folders(tmp_path):
    root = write_root(tmp_path, break_column("customs_transactions", "flow", "exprt"))  # broken in 2005 only
    assert validate_raw_root(root, years=[2006])["customs_transactions"] == 3
    assert "exprt" in rejection(root, years=[2005], tables=["customs_transactions"])


def write_csv_root(root: Path, flag_text=("TRUE", "false")) -> Path:
    def csv(df: pd.DataFrame, path: Path) -> None:
        df = df.copy()
        for c in df.columns:
            if df[c].dtype == bool:
                df[c] = df[c].map({True: flag_text[0], False: flag_text[1]})
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)

    for table, build in BUILDERS.items():
        for year in YEARS:
            csv(build(year), root / table / f"year={year}" / "part-0.csv")
    for table, df in REFERENCE.items():
        csv(df, root / "reference" / table / f"{table}.csv")
    return root


def test_csv_root_with_text_flags_and_leading_zeros_passes(tmp_path):
    root = write_csv_root(tmp_path)
    assert "TRUE" in (root / "reference/cities/cities.csv").read_text()
    assert validate_raw_root(root)["customs_transactions"] == 6
    raw = pd.read_csv(root / "reference/cities/cities.csv", dtype=str, keep_default_na=False, na_values=[""])
    cities = validate_frame(raw, "cities", "cities.csv")
    assert cities["innovation_center"].tolist() == [True, True] and cities["yrd_prd"].tolist() == [False, True]
    rows = pd.read_csv(root / "customs_transactions/year=2005/part-0.csv", dtype=str, keep_default_na=False,
                       na_values=[""])
    out = validate_frame(rows, "customs_transactions", "part-0.csv")
    assert out["hs_code"].iloc[0] == "01012100" and out["zip_code"].iloc[0] == "010010"


def test_csv_flag_that_is_not_true_or_false_is_rejected(tmp_path):
    root = write_csv_root(tmp_path, flag_text=("yes", "false"))
    block = failure_block(rejection(root, tables=["cities"]), "innovation_center", "coerce_dtype('boolean')")
    assert "cities.csv" in block and "yes" in block


def test_at_most_ten_failing_rows_are_listed(tmp_path):
    df = pd.concat([customs(2005)] * 20, ignore_index=True)
    df["customs_firm_id"] = [f"{i:010d}" for i in range(len(df))]
    df.loc[:49, "hs_code"] = [f"X{i:07d}" for i in range(50)]
    write_year(tmp_path, "customs_transactions", 2005, df)
    block = failure_block(rejection(tmp_path, tables=["customs_transactions"]), "hs_code", "digits(n=8)")
    assert "50 failing row(s), first 10 shown" in block
    listed = re.findall(r"X\d{7}", block)
    assert listed == [f"X{i:07d}" for i in range(10)]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_chunks_keep_file_row_numbers_and_cross_chunk_keys(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(v, "CHUNK_ROWS", 4)
    df = pd.concat([patents(2005)] * 5, ignore_index=True)
    df["application_id"] = [f"CN2005{i:08d}" for i in range(10)]
    df.loc[9, "application_id"] = "CN200500000001"  # row 1 again, two chunks later
    df.loc[6, "patent_type"] = "trademark"
    path = write_year(tmp_path, "patents", 2005, df)
    if fmt == "csv":
        path.unlink()
        df.to_csv(path.with_suffix(".csv"), index=False)
    message = rejection(tmp_path, tables=["patents"])
    block = failure_block(message, "patent_type", "isin")
    assert re.search(r"\n\s+6\s+trademark", block)
    dup = failure_block(message, "application_id", "unique key (application_id)")
    assert re.search(r"\n\s+9\s+CN200500000001", dup)


def test_key_tracker_finds_repeats_within_and_across_chunks_and_files():
    """The tracker against a plain dict of the hashes seen, over chunks from
    three files with repeats in a chunk, across chunks and across files; the
    hashes it holds stay sorted and name the file they were first seen in."""
    rng = np.random.default_rng(4)
    chunks = [rng.integers(0, 2**63, 5_000, dtype=np.uint64) for _ in range(6)]
    chunks[0][7] = chunks[0][3]          # within a chunk
    chunks[2][:4] = chunks[1][100:104]   # across chunks of one file
    chunks[5][50] = chunks[0][9]         # across files
    tracker, seen = v._KeyTracker(), {}
    for i, h in enumerate(chunks):
        source = f"part-{i // 2}.parquet"
        mask, first = tracker.check(h, source)
        counts = pd.Series(h).value_counts()
        hand = np.array([x in seen or counts[x] > 1 for x in h])
        assert (mask == hand).all()
        earlier = [seen[x] for x in h if x in seen]
        assert first == (earlier[0] if earlier else "")
        for x in h:
            seen.setdefault(x, source)
        assert (tracker.hashes[1:] >= tracker.hashes[:-1]).all()
        assert len(tracker.hashes) == sum(len(np.unique(c)) for c in chunks[: i + 1])  # each chunk's distinct ones
        assert [tracker.sources[o] for o in tracker.origin[:50]] == [seen[x] for x in tracker.hashes[:50]]
    assert [int(tracker.check(c, "again")[0].sum()) for c in chunks[:1]] == [len(chunks[0])]


def test_unpartitioned_csv_directly_under_table_folder(tmp_path):
    path = tmp_path / "firm_survey" / "survey_all.csv"
    path.parent.mkdir(parents=True)
    pd.concat([survey(2004), survey(2005)]).to_csv(path, index=False)
    assert validate_raw_root(tmp_path, tables=["firm_survey"], years=[2005]) == {"firm_survey": 4}


def test_unreadable_file_is_named(tmp_path):
    root = write_root(tmp_path)
    (root / "reference/io_links/io_links.parquet").write_bytes(b"not parquet")
    block = failure_block(rejection(root), "-", "readable Parquet or CSV file")
    assert "io_links.parquet" in block
