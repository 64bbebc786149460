"""Raw inputs that used to pass silently: each is now refused or counted.

- Refused (one case each, a copy of the tiny world with one file corrupted):
  ``validate_raw_root`` raises RawValidationError whose single failure names
  the exact file, column and rule, and shows the failing row (its row number
  in the file and the bad value): a value past its plausibility bound
  (value_usd 1e15, quantity, survey sales, wage bill, employment), a partner
  outside the country list (``ZZZ``), a trade regime outside
  reference/trade_regimes (``99``), a survey city of no listed province
  (``999999``), a 2011-vintage industry code (``3811``).
- CSV encoding: a GBK / GB18030 CSV is refused with the byte offset, the
  line, the encoding tried and the ``csv_encoding`` setting, and read with
  the setting; its UTF-8 staging copy reads in DuckDB.
- Unknown columns: a note per file, the summary still the ``{table: rows}`` dict.
- Counted (one dbt run on one corrupted copy, year 2000, whose survey file is
  a GBK CSV read through its UTF-8 staging copy): a city missing from
  reference/cities, a mining industry code, intermediate inputs NULL for the
  whole year, sales of 0 for an exporter, HS codes missing from hs_bec --
  each validated without a failure and counted in its check of
  intermediate.int_survey_quality_counts / int_end_use_quality_counts, the
  models fct_data_quality unions.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics.rawio import read_reference, read_year, stage_utf8_csv, write_reference, write_year
from analytics.settings import MethodSettings
from analytics.synth.truth.preparation import FILTER_RULES, deduplicate_survey, survey_filter_rule
from schemas.validate import RawValidationError, validate_raw_root

YEAR = 2005


@pytest.fixture
def world(tiny_world, tmp_path) -> Path:
    """A copy of the tiny world (without its truth) to corrupt."""
    return Path(shutil.copytree(tiny_world[0], tmp_path / "raw", ignore=shutil.ignore_patterns("truth")))


def _rewrite(root: Path, table: str, year: int, edit) -> Path:
    df = edit(read_year(root, table, year))
    path = root / table / f"year={year}" / "part-0.parquet"
    path.unlink()
    return write_year(root, table, year, df)


def _set(table: str, column: str, value, row: int = 3):
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(value, (int, float)):
            df[column] = df[column].astype(object)
        df.loc[row, column] = value
        return df
    return table, edit


def _refusal(root: Path, **kw) -> RawValidationError:
    with pytest.raises(RawValidationError) as info:
        validate_raw_root(root, **kw)
    return info.value


REFUSED = {
    "value_usd 1e15": (*_set("customs_transactions", "value_usd", 1e15), "value_usd",
                       "at most 100,000,000,000 USD per line (VALUE_USD_MAX)", 1e15),
    "quantity 1e14": (*_set("customs_transactions", "quantity", 1e14), "quantity",
                      "at most 10,000,000,000,000 units per line (QUANTITY_MAX)", 1e14),
    "partner ZZZ": (*_set("customs_transactions", "partner_country", "ZZZ"), "partner_country",
                    "ISO 3166-1 alpha-3 country (schemas/countries.py, reference/customs_countries)", "ZZZ"),
    "regime 99": (*_set("customs_transactions", "trade_regime", "99"), "trade_regime",
                  "in reference/trade_regimes", "99"),
    "survey city 999999": (*_set("firm_survey", "city_code", "999999"), "city_code",
                           "province (first 2 digits) in reference/cities", "999999"),
    "2011-vintage industry 3811": (*_set("firm_survey", "industry_code", "3811"), "industry_code",
                                   "2-digit division in reference/industries (GB/T 4754-2002)", "3811"),
    "sales in yuan": (*_set("firm_survey", "sales", 4.3e10), "sales",
                      "at most 10,000,000,000 thousand RMB (SURVEY_MONEY_MAX)", 4.3e10),
    "wage bill": (*_set("firm_survey", "wage_bill", 2e9), "wage_bill",
                  "at most 1,000,000,000 thousand RMB (SURVEY_PAYMENTS_MAX)", 2e9),
    "employment": (*_set("firm_survey", "employment", 5_000_000), "employment",
                   "at most 2,000,000 persons (EMPLOYMENT_MAX)", 5e6),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_corrupted_file_is_refused_naming_file_column_rule_and_rows(world, case):
    table, edit, column, rule, shown = REFUSED[case]
    path = _rewrite(world, table, YEAR, edit)
    err = _refusal(world, years=[YEAR])
    assert len(err.failures) == 1, str(err)
    failure = err.failures[0]
    assert (failure.path, failure.column, failure.rule, failure.count) == (str(path), column, rule, 1)
    assert failure.rows["row"].tolist() == [3], failure.rows
    value = failure.rows[column].iloc[0]
    assert (float(value) == float(shown)) if isinstance(shown, float) else (str(value) == shown), failure.rows
    text = str(err)
    assert f"file {path} | column {column} | rule {rule} | 1 failing row(s)" in text
    assert failure.detail and failure.detail in text  # what the rule is for, what to change


def test_a_bad_file_in_the_whole_tiny_world_is_refused_quickly(world, capsys):
    table, edit, *_ = REFUSED["value_usd 1e15"]
    path = _rewrite(world, table, YEAR, edit)
    validate_raw_root(world, tables=["trade_regimes"])  # warm: the first call compiles pandera's checks
    t0 = time.perf_counter()
    err = _refusal(world)
    seconds = time.perf_counter() - t0
    assert [f.path for f in err.failures] == [str(path)]
    with capsys.disabled():
        print(f"\nvalidate_raw_root refused one bad file of the tiny world in {seconds:.2f} s")


GB18030_ONLY = "\U00020000"  # a CJK Extension B character: GB18030 has it, GBK does not


def _encodable(df: pd.DataFrame, encoding: str) -> pd.DataFrame:
    """The frame with the characters ``encoding`` lacks replaced (the world's names
    carry a few compatibility ideographs outside GBK)."""
    for c in ("firm_name", "legal_rep"):
        df[c] = df[c].map(lambda v: v.encode(encoding, "replace").decode(encoding) if isinstance(v, str) else v)
    return df


def _survey_as_csv(root: Path, year: int, encoding: str, extra: str = "") -> Path:
    df = _encodable(read_year(root, "firm_survey", year), encoding)
    df.loc[0, "firm_name"] = df.loc[0, "firm_name"] + extra
    (root / "firm_survey" / f"year={year}" / "part-0.parquet").unlink()
    path = root / "firm_survey" / f"year={year}" / "part-0.csv"
    df.to_csv(path, index=False, encoding=encoding)
    return path


@pytest.mark.parametrize("encoding, extra", [("gbk", ""), ("gb18030", GB18030_ONLY)])
def test_chinese_csv_needs_its_csv_encoding(world, tmp_path, encoding, extra):
    path = _survey_as_csv(world, YEAR, encoding, extra)
    raw_bytes = path.read_bytes()
    with pytest.raises(UnicodeDecodeError) as where:
        raw_bytes.decode("utf-8")
    first_bad = where.value.start
    err = _refusal(world, years=[YEAR])
    assert len(err.failures) == 1, str(err)
    failure = err.failures[0]
    assert (failure.path, failure.column, failure.rule) == (str(path), "-", 'CSV text in csv_encoding "utf-8"')
    line = raw_bytes[:first_bad].count(b"\n") + 1
    assert f"byte offset {first_bad} (line {line}) is not utf-8 text" in failure.detail
    assert 'set csv_encoding = "gb18030"' in failure.detail and "gvc.toml" in failure.detail

    if encoding == "gb18030":  # GBK lacks the character: refused at its byte
        err = _refusal(world, years=[YEAR], settings=MethodSettings(csv_encoding="gbk"))
        at = raw_bytes.index(GB18030_ONLY.encode("gb18030"))
        assert f"byte offset {at} (line 2) is not gbk text" in err.failures[0].detail
    summary = validate_raw_root(world, years=[YEAR], settings=MethodSettings(csv_encoding=encoding))
    assert summary["firm_survey"] == len(pd.read_csv(path, encoding=encoding))

    staged = stage_utf8_csv(world, encoding, tmp_path / "utf8")
    copy = staged / path.relative_to(world)
    names = duckdb.sql(f"select firm_name from read_csv('{copy}', all_varchar = true)").df()["firm_name"]
    assert names.tolist() == pd.read_csv(path, encoding=encoding, dtype=str)["firm_name"].tolist()
    assert stage_utf8_csv(world, "utf-8", tmp_path / "none") is None  # DuckDB reads UTF-8 itself


def test_a_utf8_csv_read_as_gbk_is_noted_or_refused(world):
    _survey_as_csv(world, YEAR, "utf-8")
    try:
        summary = validate_raw_root(world, years=[YEAR], settings=MethodSettings(csv_encoding="gbk"))
        assert any("valid UTF-8" in n and 'csv_encoding = "utf-8"' in n for n in summary.notes), summary.notes
    except RawValidationError as err:  # the UTF-8 bytes are no GBK text
        assert 'set csv_encoding = "utf-8"' in str(err)


def test_unknown_columns_are_noted_per_file(world):
    customs = _rewrite(world, "customs_transactions", YEAR, lambda df: df.assign(broker="x", 报关行="y"))
    survey = _rewrite(world, "firm_survey", YEAR, lambda df: df.assign(email=None))
    seen: list[str] = []
    summary = validate_raw_root(world, years=[YEAR], note=seen.append)
    assert isinstance(summary, dict) and dict(summary) == summary  # still the {table: rows} its callers read
    assert summary["customs_transactions"] == len(read_year(world, "customs_transactions", YEAR))
    assert seen == summary.notes and len(seen) == 2
    by_file = {n.split(": ", 2)[1]: n for n in seen}
    assert all(n.startswith("note: ") for n in seen)
    assert "broker, 报关行" in by_file[str(customs)] and "email" in by_file[str(survey)]
    assert "not in the contract" in by_file[str(customs)]


# ---------------------------------------------------------------- counted, not refused

COUNTED_YEAR = 2000


def _corrupt_counted(root: Path) -> dict:
    """The counted corruptions, all in COUNTED_YEAR; returns what each count must be."""
    truth = pd.read_parquet(root.parent / "truth" / "firm_year_dvar.parquet")
    exporters = truth[(truth["year"] == COUNTED_YEAR)]
    survey = read_year(root, "firm_survey", COUNTED_YEAR)
    # a city left out of reference/cities: the one with most survey firms that year
    prefecture = survey["city_code"].str[:4] + "00"
    cities = read_reference(root, "cities")
    dropped = prefecture.value_counts().index[0]
    shutil.rmtree(root / "reference" / "cities")
    write_reference(root, "cities", cities[cities["city_code"] != dropped].reset_index(drop=True))
    # a mining firm (GB/T 4754-2002 division 08), outside reference/industries: under the
    # standard filters of METHOD §0 it leaves the survey, counted as filtered
    miner = survey.index[~survey["firm_id"].isin(exporters["firm_id"])][0]
    survey.loc[miner, "industry_code"] = "0810"
    # an exporter reporting no sales; no intermediate inputs for anyone that year, nor
    # the cost of sales that the accounting identity would take them from
    seller = sorted(exporters["firm_id"])[0]
    survey.loc[survey["firm_id"] == seller, "sales"] = 0.0
    survey["intermediate_inputs"] = None
    survey["cost_of_sales"] = None
    (root / "firm_survey" / f"year={COUNTED_YEAR}" / "part-0.parquet").unlink()
    _encodable(survey, "gbk").to_csv(root / "firm_survey" / f"year={COUNTED_YEAR}" / "part-0.csv", index=False,
                                     encoding="gbk")
    # two HS codes of the year's customs lines left out of hs_bec (HS1996 year: hs6_1996 = hs6)
    codes = sorted(set(read_year(root, "customs_transactions", COUNTED_YEAR)["hs_code"].str[:6]))
    hs_bec = read_reference(root, "hs_bec")
    hs_bec = hs_bec[~hs_bec["hs6_1996"].isin(codes[:2])]
    shutil.rmtree(root / "reference" / "hs_bec")
    write_reference(root, "hs_bec", hs_bec.reset_index(drop=True))
    listed = set(cities["city_code"]) - {dropped}
    deduplicated = deduplicate_survey(survey)
    rule = survey_filter_rule(deduplicated)
    kept = deduplicated[rule.isna()]
    assert rule[deduplicated["firm_id"] == survey.loc[miner, "firm_id"]].tolist() == ["industry"]
    return {
        "survey_duplicate_rows": len(survey) - len(deduplicated),
        **{f"survey_filtered_{r}": int((rule == r).sum()) for r in FILTER_RULES},
        "survey_intermediate_inputs_imputed": 0,
        # 2000 reports every capital component: no ownership share is filled
        "survey_ownership_nearest_year": 0, "survey_ownership_registration_type": 0, "survey_ownership_null": 0,
        # the world's price tables cover every industry and year; without them every firm-year counts
        **{f"survey_{check}_missing": 0 if (root / "reference" / table).is_dir() else len(kept)
           for check, table in (("deflator", "deflators"), ("investment_deflator", "investment_deflator"))},
        "survey_city_not_in_reference": int((~(kept["city_code"].str[:4] + "00").isin(listed)).sum()),
        "survey_industry_not_in_reference": 0,
        "survey_intermediate_inputs_null": len(kept),
        "exporters_intermediate_inputs_null": len(exporters),
        "exporters_sales_not_positive": 1,
        "hs_codes_not_in_hs_bec": len(set(codes) - set(hs_bec["hs6_1996"])),
        "_examples": {"exporters_sales_not_positive": seller},
    }


def test_non_refusable_oddities_are_counted(tiny_world, tmp_path, monkeypatch):
    from orchestration.dbt_cli import run_dbt

    root = Path(shutil.copytree(tiny_world[0], tmp_path / "w" / "raw", ignore=shutil.ignore_patterns("truth")))
    shutil.copytree(tiny_world[0] / "truth", tmp_path / "w" / "truth")
    want = _corrupt_counted(root)
    examples = want.pop("_examples")
    settings = MethodSettings(csv_encoding="gbk")
    # none of them is refused
    validate_raw_root(root, years=[COUNTED_YEAR], settings=settings)
    # dbt reads the GBK survey through its UTF-8 copy
    monkeypatch.setenv("GVC_CSV_UTF8", str(stage_utf8_csv(root, "gbk", tmp_path / "utf8")))
    wh = tmp_path / "warehouse.duckdb"
    res = run_dbt(["run", "--select", "+int_survey_quality_counts", "+int_end_use_quality_counts"], root, wh,
                  settings=settings, years=[COUNTED_YEAR], target_path=tmp_path / "target")
    assert res.success, (res.exception, res.failures())
    with duckdb.connect(str(wh), read_only=True) as con:
        got = con.sql('select "check", count, share, example from intermediate.int_survey_quality_counts '
                      'union all select "check", count, share, example from intermediate.int_end_use_quality_counts'
                      ).df().set_index("check")
    assert got["count"].to_dict() == want
    assert got.loc["survey_intermediate_inputs_null", "share"] == 1.0
    assert got.loc["exporters_intermediate_inputs_null", "share"] == 1.0
    for check, firm in examples.items():
        assert got.loc[check, "example"].startswith(firm), got.loc[check, "example"]


REFERENCE_REFUSED = {
    "trade regime of no class": ("trade_regimes", "regime_class", "bonded"),
    "city off the globe": ("cities", "longitude", 500.0),
    "negative city GDP": ("city_year", "gdp", -1.0),
    "unknown technology intensity": ("industries", "tech_intensity", "very_high"),
    "policy attitude 7": ("province_industry_policy", "attitude", 7),
    "negative input coefficient": ("io_links", "input_coefficient", -0.5),
    "end use outside the three": ("hs_bec", "end_use", "luxury"),
}


@pytest.mark.parametrize("case", list(REFERENCE_REFUSED))
def test_corrupted_reference_table_is_refused_naming_file_column_and_rows(world, case):
    """Each reference table is checked as strictly as the yearly tables: one bad
    cell is one failure naming the table's file, the column, the rule and the row."""
    table, column, value = REFERENCE_REFUSED[case]
    ref = read_reference(world, table)
    if not isinstance(value, (int, float)):
        ref[column] = ref[column].astype(object)
    ref.loc[2, column] = value
    shutil.rmtree(world / "reference" / table)
    path = write_reference(world, table, ref)
    err = _refusal(world, tables=[table])
    assert len(err.failures) == 1, str(err)
    failure = err.failures[0]
    assert (failure.path, failure.column, failure.count) == (str(path), column, 1)
    assert failure.rows["row"].tolist() == [2], failure.rows
    shown = failure.rows[column].iloc[0]
    assert (float(shown) == float(value)) if isinstance(value, (int, float)) else (str(shown) == value)
    assert f"file {path} | column {column} | rule {failure.rule} | 1 failing row(s)" in str(err)
