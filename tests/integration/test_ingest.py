"""`gvc ingest`: delivered files of each layout and format become the contract's raw root.

Every fixture is made here from the delivered layouts (no real rows are
public): a GBK CSV of monthly customs files with Chinese headers, a
pre-Unicode Stata file (format 117) whose variable names and strings are
GB18030 bytes, a Stata 14 file (UTF-8) of the survey with pinyin names, an
Excel survey with Chinese labels, and a CNIPA list. Each test states what
the contract file must hold, value by value, and each refusal names file,
column, rule and rows and leaves the raw root as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import IngestError, ingest
from orchestration.cli import main

CUSTOMS_HEADER = ["日期", "进口或出口", "企业编码", "经营单位", "电话", "邮编", "税号编码", "起运国或目的国", "贸易方式",
                  "金额", "数量", "单位"]


def customs_month(rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CUSTOMS_HEADER)


JAN = customs_month([
    ["200301", "出口", "1234567890", "杭州甲进出口有限公司", "0571-8888888", "310000", "84713000", "美国", "一般贸易",
     "1,000.5", "10", "台"],
    ["200301", "进口", "987654321", "乙公司", None, None, "1012100", "116", "进料加工贸易", "200", "20", "千克"],
])
FEB = customs_month([
    # January's first row delivered again in February's file: one row, counted once
    ["200301", "出口", "1234567890", "杭州甲进出口有限公司", "0571-8888888", "310000", "84713000", "美国", "一般贸易",
     "1,000.5", "10", "台"],
    ["200302", "出口", "987654321", "乙公司", None, None, "84713000", "142", "来料加工", "300", None, None],
    ["200302", "出口", "1234567890", "杭州甲进出口有限公司", None, None, "84713000", "701", "加工贸易", "400", "40", "台"],
])


def write_gbk_months(folder: Path) -> Path:
    folder.mkdir(parents=True)
    JAN.to_csv(folder / "出口_200301.csv", index=False, encoding="gbk")
    FEB.to_csv(folder / "出口_200302.csv", index=False, encoding="gbk")
    return folder


def write_gb18030_dta(path: Path, df: pd.DataFrame) -> Path:
    """A Stata 13 (format 117) file whose names and strings are GB18030 bytes, as pre-Unicode Stata wrote them:
    written with ASCII stand-ins of the same byte length, then the bytes replaced."""
    swaps: dict[bytes, bytes] = {}

    def stand_in(text: str, letter: str) -> str:
        raw = text.encode("gb18030")
        ascii_ = ("_" + letter * (len(raw) - 1)) if text.startswith("_") else letter * len(raw)
        swaps[ascii_.encode()] = raw
        return ascii_

    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    renamed = df.rename(columns={c: stand_in(c, next(letters).lower()) for c in df.columns})
    for col in renamed.columns:
        if not pd.api.types.is_numeric_dtype(renamed[col]):
            values = renamed[col].astype(object)
            renamed[col] = [stand_in(v, next(letters)) if isinstance(v, str) and not v.isascii() else v
                            for v in values]
    renamed.to_stata(path, version=117, write_index=False)
    data = path.read_bytes()
    for a, b in swaps.items():
        assert data.count(a) >= 1
        data = data.replace(a, b)
    path.write_bytes(data)
    return path


def contract(raw: Path, table: str, year: int) -> pd.DataFrame:
    return pd.read_parquet(raw / table / f"year={year}" / "part-0.parquet")


def test_monthly_gbk_customs_files_become_one_year_with_codes_restored(tmp_path):
    delivered = write_gbk_months(tmp_path / "海关2003")
    raw = tmp_path / "raw"
    report = ingest([delivered], raw)
    got = contract(raw, "customs_transactions", 2003)
    assert len(got) == 4
    first = got[(got.customs_firm_id == "1234567890") & (got.month == 1)].iloc[0]
    assert (first.flow, first.trade_regime, first.hs_code, first.partner_country, first.value_usd) == \
        ("export", "10", "84713000", "USA", 1000.5)
    imp = got[got.flow == "import"].iloc[0]
    assert (imp.customs_firm_id, imp.hs_code, imp.partner_country, imp.trade_regime) == \
        ("0987654321", "01012100", "JPN", "15")
    feb = got[got.month == 2].set_index("customs_firm_id")
    assert feb.loc["0987654321", "partner_country"] == "CHN"       # 142: re-imports kept
    assert pd.isna(feb.loc["1234567890", "partner_country"])        # 701: unknown partner
    assert feb.loc["0987654321", "trade_regime"] == "14"
    assert feb.loc["1234567890", "trade_regime"] == "15"            # the aggregated label
    assert report.merged == {"exact duplicate rows dropped (customs_transactions)": 1}
    saved = json.loads((raw / "ingest_report.json").read_text(encoding="utf-8"))
    jan = next(f for f in saved["files"] if f["file"].endswith("200301.csv"))
    assert jan["layout"] == "customs_2000_2006" and jan["rows_read"] == 2
    assert jan["restored"]["hs_code: 7 digits left-padded to 8"] == 1
    assert jan["restored"]["customs_firm_id: leading zeros restored"] == 1
    febr = next(f for f in saved["files"] if f["file"].endswith("200302.csv"))
    assert febr["restored"]["partner: 142 (China, re-imports) -> CHN, kept"] == 1
    assert febr["restored"]["trade mode: aggregated label 加工贸易 mapped to 15 (processing with imported materials)"] == 1
    assert jan["restored"]["trade mode: name -> 2-digit code"] == 2
    assert jan["restored"]["partner: Chinese name -> ISO3"] == 1
    assert jan["restored"]["partner: 3-digit customs code -> ISO3"] == 1


def test_a_pre_unicode_stata_customs_file_with_numeric_codes(tmp_path):
    df = pd.DataFrame({
        "_进口或出口": [0.0, 1.0],
        "_企业编码": [1234567890.0, 987654321.0],
        "_经营单位": ["杭州甲进出口有限公司", "乙公司"],
        "_税号编码": [84713000.0, 1012100.0],
        "_起运国或目的国": [502.0, 116.0],
        "_贸易方式": ["一般贸易", "进料加工贸易"],
        "_金额": [1000.5, 200.0],
        "_数量": [10.0, float("nan")],
    })
    (tmp_path / "delivered").mkdir()
    path = write_gb18030_dta(tmp_path / "delivered" / "customs2010.dta", df)
    raw = tmp_path / "raw"
    report = ingest([path], raw)
    got = contract(raw, "customs_transactions", 2010).set_index("flow")
    assert report.files[0].layout == "customs_2007_2014_dta"
    assert got.loc["export", "customs_firm_id"] == "1234567890" and got.loc["export", "partner_country"] == "USA"
    assert got.loc["import", "customs_firm_id"] == "0987654321" and got.loc["import", "hs_code"] == "01012100"
    assert got.loc["export", "firm_name"] == "杭州甲进出口有限公司"
    assert got["month"].isna().all() and got["year"].eq(2010).all()


def test_a_stata_customs_date_gives_the_month_or_only_the_year(tmp_path):
    base = {"_进口或出口": [0.0], "_企业编码": [1234567890.0], "_经营单位": ["杭州甲进出口有限公司"],
            "_税号编码": [84713000.0], "_起运国或目的国": [502.0], "_贸易方式": ["一般贸易"], "_金额": [1000.5]}
    (tmp_path / "d").mkdir()
    write_gb18030_dta(tmp_path / "d" / "customs201003.dta", pd.DataFrame({**base, "_日期": [201003.0]}))
    write_gb18030_dta(tmp_path / "d" / "customs2011.dta", pd.DataFrame({**base, "_日期": [2011.0]}))
    raw = tmp_path / "raw"
    report = ingest([tmp_path / "d"], raw)
    assert contract(raw, "customs_transactions", 2010)["month"].tolist() == [3]
    assert contract(raw, "customs_transactions", 2011)["month"].isna().all()  # an annual file: the bare year
    assert report.files[0].restored["trade mode: name -> 2-digit code"] == 1
    assert report.files[0].restored["partner: 3-digit customs code -> ISO3"] == 1


def test_an_unknown_trade_mode_name_is_refused_with_its_count_and_nothing_is_written(tmp_path):
    delivered = tmp_path / "d"
    delivered.mkdir()
    bad = JAN.copy()
    bad["贸易方式"] = ["一般贸易", "神秘贸易"]
    bad.to_csv(delivered / "2003.csv", index=False, encoding="gbk")
    raw = tmp_path / "raw"
    (raw / "customs_transactions" / "year=2003").mkdir(parents=True)
    (raw / "customs_transactions" / "year=2003" / "old.parquet").write_bytes(b"previous delivery")
    with pytest.raises(IngestError) as err:
        ingest([delivered], raw)
    assert "'神秘贸易' (1 rows)" in str(err.value) and "trade_mode_names" in str(err.value)
    assert "nothing was written" in str(err.value)
    assert [p.name for p in (raw / "customs_transactions" / "year=2003").iterdir()] == ["old.parquet"]
    assert not (raw / "ingest_report.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


def test_a_refusal_names_file_column_rule_and_rows(tmp_path):
    delivered = tmp_path / "d"
    delivered.mkdir()
    bad = JAN.copy()
    bad.loc[1, "税号编码"] = "84713"
    bad.loc[0, "起运国或目的国"] = "亚特兰蒂斯"
    bad.to_csv(delivered / "2003.csv", index=False, encoding="gbk")
    with pytest.raises(IngestError) as err:
        ingest([delivered], tmp_path / "raw")
    msg = str(err.value)
    assert f"file {delivered / '2003.csv'} | column hs_code | rule 7 or 8 digits | 1 failing row(s)" in msg
    assert "84713" in msg
    assert "column partner | rule a customs country code or name in customs_countries" in msg and "亚特兰蒂斯" in msg
    assert not (tmp_path / "raw").exists()


def test_key_repeats_that_are_not_exact_duplicates_are_refused(tmp_path):
    delivered = tmp_path / "d"
    delivered.mkdir()
    twice = pd.concat([JAN.iloc[:1], JAN.iloc[:1].assign(金额="999")])
    twice.to_csv(delivered / "2003.csv", index=False, encoding="gbk")
    with pytest.raises(IngestError, match=r"rule unique \(customs_transactions grain\) \| 1 failing"):
        ingest([delivered], tmp_path / "raw")


def test_customs_lines_without_firm_id_are_kept_null_for_the_preparation(tmp_path):
    """An empty firm id is no refusal: the line is written with a NULL id (METHOD §0 drops
    and counts it in the build), outside the key, so two such lines may share the rest."""
    delivered = tmp_path / "d"
    delivered.mkdir()
    blank = JAN.iloc[:1].assign(企业编码="")
    pd.concat([JAN, blank, blank.assign(金额="7")]).to_csv(delivered / "2003.csv", index=False, encoding="gbk")
    report = ingest([delivered], tmp_path / "raw")
    got = contract(tmp_path / "raw", "customs_transactions", 2003)
    assert got["customs_firm_id"].isna().sum() == 2 and len(got) == 4
    assert report.files[0].restored["customs_firm_id: empty, kept NULL (METHOD §0 drops the line)"] == 2


SURVEY_PINYIN = pd.DataFrame({
    "frdm": ["12345678x", "7654321"],
    "qymc": ["杭州甲进出口有限公司", "乙公司"],
    "sdxm": ["330106000000", "341421"],          # 12-digit code; a county of Chaohu, dissolved in 2011
    "hylb": ["4011", "1711"],
    "kysjn": [1995.0, 0.0],                      # 0 = missing
    "cyrs": [120.0, 35.0],
    "gyzczxjxgd": [5000.0, 800.0],
    "zyywsr": [4800.0, 790.0],
    "ckjhz": [1000.0, 0.0],
    "zjtrhj": [3500.0, float("nan")],             # a 2009-style firm without intermediate inputs
    "gdzchj": [2000.0, 300.0],
    "zczj": [6000.0, 900.0],
    "djzclx": ["310", "110"],
    "year": [2009.0, 2009.0],
})


def test_a_stata_14_survey_with_pinyin_names(tmp_path):
    path = tmp_path / "asif2009.dta"
    SURVEY_PINYIN.to_stata(path, version=118, write_index=False)
    raw = tmp_path / "raw"
    report = ingest([path], raw)
    got = contract(raw, "firm_survey", 2009).set_index("firm_id")
    assert report.files[0].layout == "asif_pinyin"
    assert list(got.index) == ["007654321", "12345678X"]
    assert got.loc["12345678X", "city_code"] == "330106"
    assert got.loc["007654321", "city_code"] == "340100"          # Lujiang county -> Hefei, its 2014 prefecture
    assert pd.isna(got.loc["007654321", "intermediate_inputs"])
    assert pd.isna(got.loc["007654321", "year_established"])
    assert got.loc["12345678X", "registration_type"] == "310"
    assert got.loc["12345678X", "intermediate_inputs"] == 3500.0
    assert report.files[0].restored["year_established: 0 (missing) set NULL"] == 1
    assert report.files[0].unknown_columns == []


def test_a_repeated_survey_firm_year_is_kept_for_the_preparation(tmp_path):
    """Two rows of one (year, firm_id) that differ are both written (METHOD §0 keeps the
    one with the largest sales in the build); an exact repeat is still dropped once."""
    path = tmp_path / "asif2009.dta"
    again = SURVEY_PINYIN.iloc[:1]
    pd.concat([SURVEY_PINYIN, again, again.assign(zyywsr=100.0)]).to_stata(path, version=118, write_index=False)
    report = ingest([path], tmp_path / "raw")
    got = contract(tmp_path / "raw", "firm_survey", 2009)
    assert sorted(got.loc[got["firm_id"] == "12345678X", "sales"]) == [100.0, 4800.0]
    assert report.merged == {"exact duplicate rows dropped (firm_survey)": 1}


def _concordance(raw: Path) -> None:
    ref = raw / "reference" / "industry_concordance"
    ref.mkdir(parents=True)
    pd.DataFrame({"from_vintage": ["GB/T 4754-1994", "GB/T 4754-1994", "GB/T 4754-2011", "GB/T 4754-2011"],
                  "from_code": ["4011", "4011", "3610", "2922"],
                  "code_2002": ["4011", "4012", "3721", "3022"],
                  "weight": ["0.5", "0.5", "1", "1"]}).to_csv(ref / "c.csv", index=False)


def test_an_excel_survey_with_chinese_labels_converts_1994_and_2011_industry_codes(tmp_path):
    raw = tmp_path / "raw"
    _concordance(raw)
    chinese = pd.DataFrame({
        "法人代码": ["123456789", "223456789"], "企业名称": ["甲", "乙"], "省地县码": ["330106", "330106"],
        "行业代码": ["4011", "3610"], "全部从业人员年平均人数人": [10, 20],
        "工业总产值_当年价格千元": [1.0, 2.0], "主营业务收入千元": [1.0, 2.0], "其中出口交货值千元": [0.0, 0.0],
        "固定资产合计千元": [1.0, 1.0], "资产总计千元": [2.0, 2.0],
    })
    (tmp_path / "d").mkdir()
    chinese.iloc[:1].to_excel(tmp_path / "d" / "工业企业1999.xlsx", index=False)
    chinese.iloc[1:].to_excel(tmp_path / "d" / "工业企业2013.xlsx", index=False)
    report = ingest([tmp_path / "d"], raw)
    assert contract(raw, "firm_survey", 1999)["industry_code"].tolist() == ["4011"]   # a split: tie -> smallest
    assert contract(raw, "firm_survey", 2013)["industry_code"].tolist() == ["3721"]
    assert {f.layout for f in report.files} == {"asif_chinese"}
    assert report.files[1].restored == {"industry_code: GB/T 4754-2011 code converted to GB/T 4754-2002": 1}


def test_an_industry_code_missing_from_the_concordance_is_refused(tmp_path):
    raw = tmp_path / "raw"
    _concordance(raw)
    path = tmp_path / "asif2013.dta"
    SURVEY_PINYIN.assign(year=2013.0, hylb=["3610", "9999"]).to_stata(path, version=118, write_index=False)
    with pytest.raises(IngestError, match=r"column industry_code \| rule a GB/T 4754-2011 code \(or its 3-digit "
                                          r"group\) listed in industry_concordance \| 1 failing"):
        ingest([path], raw)


def test_a_code_missing_from_the_concordance_goes_through_its_group_counted(tmp_path):
    raw = tmp_path / "raw"
    _concordance(raw)
    path = tmp_path / "asif2013.dta"
    SURVEY_PINYIN.assign(year=2013.0, hylb=["3610", "3619"]).to_stata(path, version=118, write_index=False)
    report = ingest([path], raw)
    assert contract(raw, "firm_survey", 2013).set_index("firm_id")["industry_code"].to_dict() == {
        "007654321": "3721", "12345678X": "3721"}
    assert report.files[0].restored[
        "industry_code: GB/T 4754-2011 code not in industry_concordance, converted through its 3-digit group"] == 1


PATENTS = pd.DataFrame({
    "申请号": ["200310100000.X", "200310100000.X", "200320100001.2", "03310000.5", "200410100002.1"],
    "申请日": ["2003.10.08", "2003.10.08", "2003-11-01", "2003.01.05", "20040105"],
    "主分类号": ["H01L21/02", "H01L21/02", "A61K 31/00", "G06F 3/01", "B01D 53/00"],
    "分类号": ["H01L21/02;H01L29/78", "H01L21/02;H01L29/78", None, None, None],
    "申请（专利权）人": ["甲公司;乙大学", "甲公司;乙大学", "丙公司", "丁公司", "戊公司"],
    "地址": ["浙江省杭州市西湖区文三路1号", "浙江省杭州市西湖区文三路1号", "北京市海淀区中关村", "广东省深圳市南山区",
           "江苏省"],
    "国省代码": ["33", "33", "11", "44", "32"],
})


def test_a_cnipa_list_counts_one_application_once_and_finds_cities_from_addresses(tmp_path):
    delivered = tmp_path / "patents.csv"
    PATENTS.assign(专利类型=["发明公开", "发明授权", "实用新型", "外观设计", "发明公开"]).to_csv(
        delivered, index=False, encoding="utf-8")
    raw = tmp_path / "raw"
    report = ingest([delivered], raw)
    y2003 = contract(raw, "patents", 2003).set_index("application_id")
    assert list(y2003.index) == ["03310000.5", "200310100000.X", "200320100001.2"]
    assert y2003.loc["200310100000.X", "ipc_codes"] == "H01L 21/02;H01L 29/78"
    assert y2003.loc["200310100000.X", "applicant_city_code"] == "330100"
    assert y2003.loc["200320100001.2", "applicant_city_code"] == "110100"
    assert y2003["patent_type"].tolist() == ["design", "invention", "utility_model"]
    assert report.merged == {"patent records of one application (published and granted) counted once": 1}
    # an address that names a province only: left out, counted
    assert not (raw / "patents" / "year=2004").exists()
    assert report.files[0].dropped == {"patents left out: the address names no prefecture": 1}


def test_without_a_type_column_the_application_number_gives_the_type(tmp_path):
    delivered = tmp_path / "patents.csv"
    PATENTS.iloc[2:4].to_csv(delivered, index=False)
    raw = tmp_path / "raw"
    ingest([delivered], raw)
    got = contract(raw, "patents", 2003).set_index("application_id")["patent_type"]
    assert got.to_dict() == {"03310000.5": "design", "200320100001.2": "utility_model"}


def test_ingest_replaces_only_the_years_it_delivers(tmp_path):
    raw = tmp_path / "raw"
    ingest([write_gbk_months(tmp_path / "d2003")], raw)
    other = raw / "customs_transactions" / "year=2004"
    other.mkdir()
    (other / "keep.parquet").write_bytes(b"x")
    again = tmp_path / "again"
    again.mkdir()
    JAN.to_csv(again / "2003.csv", index=False, encoding="gbk")
    ingest([again], raw)
    assert len(contract(raw, "customs_transactions", 2003)) == 2
    assert (other / "keep.parquet").exists()


def test_a_file_without_a_year_is_refused(tmp_path):
    path = tmp_path / "survey.dta"
    SURVEY_PINYIN.drop(columns="year").to_stata(path, version=118, write_index=False)
    with pytest.raises(IngestError, match=r"survey.dta: no year"):
        ingest([path], tmp_path / "raw")


def test_the_command_line_dry_run_writes_nothing_and_refusals_exit_2(tmp_path, capsys):
    delivered = write_gbk_months(tmp_path / "d2003")
    raw = tmp_path / "raw"
    assert main(["ingest", str(delivered), "--raw", str(raw), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "layout customs_2000_2006 -> customs_transactions [2003]; read 2, kept 2" in out
    assert "dry run: every file passed; nothing written" in out
    assert not raw.exists() or not any(raw.iterdir())
    assert main(["ingest", str(tmp_path / "missing"), "--raw", str(raw)]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["ingest", str(delivered), "--raw", str(raw)]) == 0
    assert len(contract(raw, "customs_transactions", 2003)) == 4


def test_mining_and_utility_codes_outside_the_concordance_are_kept(tmp_path):
    raw = tmp_path / "raw"
    _concordance(raw)
    path = tmp_path / "asif1999.dta"
    SURVEY_PINYIN.assign(year=1999.0, hylb=["0610", "4411"]).to_stata(path, version=118, write_index=False)
    ingest([path], raw)
    assert sorted(contract(raw, "firm_survey", 1999)["industry_code"]) == ["0610", "4411"]


def test_the_ingest_asset_reads_its_configured_source_folder(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.ingest import delivered_files
    from orchestration.resources import GvcResource

    delivered = write_gbk_months(tmp_path / "d2003")
    raw = tmp_path / "raw"
    gvc = GvcResource(raw_root=str(raw), warehouse=str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("GVC_DELIVERY", str(delivered))
    result = dg.materialize([delivered_files], resources={"gvc": gvc}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert len(contract(raw, "customs_transactions", 2003)) == 4
    md = result.asset_materializations_for_node("raw__delivered_files")[0].metadata
    assert "customs_2000_2006" in md["files"].value
    monkeypatch.delenv("GVC_DELIVERY")
    failed = dg.materialize([delivered_files], resources={"gvc": gvc}, instance=dg.DagsterInstance.ephemeral(),
                            raise_on_error=False)
    assert not failed.success


def test_an_excel_97_survey_with_numeric_codes_and_two_sheets(tmp_path):
    """An old ``.xls`` workbook (BIFF8, as xlwt writes it): every sheet is read, and codes
    Excel stored as numbers (the region code, a legal-person code) come back as their text."""
    xlwt = pytest.importorskip("xlwt")
    header = ["法人代码", "企业名称", "省地县码", "行业代码", "全部从业人员年平均人数人", "工业总产值_当年价格千元",
              "主营业务收入千元", "其中出口交货值千元", "固定资产合计千元", "资产总计千元"]
    rows = [[123456789, "甲", 330106, "3721", 10, 1.0, 1.0, 0.0, 1.0, 2.0],
            ["00765432X", "乙", "330106", "3721", 20, 2.0, 2.0, 0.5, 1.0, 2.0]]
    book = xlwt.Workbook(encoding="utf-8")
    for name, row in zip(("上半年", "下半年"), rows):
        sheet = book.add_sheet(name)
        for j, value in enumerate(header):
            sheet.write(0, j, value)
        for j, value in enumerate(row):
            sheet.write(1, j, value)
    (tmp_path / "d").mkdir()
    book.save(str(tmp_path / "d" / "工业企业2005.xls"))
    report = ingest([tmp_path / "d"], tmp_path / "raw")
    got = contract(tmp_path / "raw", "firm_survey", 2005).set_index("firm_id")
    assert sorted(got.index) == ["00765432X", "123456789"]
    assert got["city_code"].tolist() == ["330106", "330106"] and got["industry_code"].tolist() == ["3721", "3721"]
    assert got.loc["00765432X", "export_delivery"] == 0.5 and got.loc["123456789", "employment"] == 10
    assert [f.layout for f in report.files] == ["asif_chinese"]


def test_a_later_sheet_with_other_headers_is_refused_naming_it(tmp_path):
    """The layout is recognised from a workbook's first sheet; a later sheet that
    lacks one of its columns is refused naming the file, the sheet and the column,
    and nothing is written."""
    xlwt = pytest.importorskip("xlwt")
    header = ["法人代码", "企业名称", "省地县码", "行业代码", "全部从业人员年平均人数人", "工业总产值_当年价格千元",
              "主营业务收入千元", "其中出口交货值千元", "固定资产合计千元", "资产总计千元"]
    row = ["00765432X", "乙", "330106", "3721", 20, 2.0, 2.0, 0.5, 1.0, 2.0]
    book = xlwt.Workbook(encoding="utf-8")
    for name, cols in (("上半年", header), ("下半年", [c for c in header if c != "行业代码"])):
        sheet = book.add_sheet(name)
        for j, value in enumerate(cols):
            sheet.write(0, j, value)
        for j, value in enumerate(v for c, v in zip(header, row) if c in cols):
            sheet.write(1, j, value)
    (tmp_path / "d").mkdir()
    book.save(str(tmp_path / "d" / "工业企业2005.xls"))
    with pytest.raises(IngestError) as err:
        ingest([tmp_path / "d"], tmp_path / "raw")
    text = str(err.value)
    assert "工业企业2005.xls" in text and "sheet '下半年'" in text and "行业代码" in text
    assert not (tmp_path / "raw" / "firm_survey").exists()
