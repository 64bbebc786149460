"""Delivered layouts: the shipped YAML files, recognition by column names, a user's own layouts."""

from __future__ import annotations

import pytest

from analytics.ingest.layouts import LayoutError, load_layouts, recognise

CUSTOMS_2003 = ["日期", "进口或出口", "企业编码", "经营单位", "电话", "邮编", "税号编码", "起运国或目的国", "贸易方式",
                "金额", "数量", "单位"]
CUSTOMS_2010 = ["_进口或出口", "_企业编码", "_经营单位", "_税号编码", "_起运国或目的国", "_贸易方式", "_金额", "_数量"]
SURVEY_PINYIN = ["frdm", "qymc", "sdxm", "hylb", "cyrs", "gyzczxjxgd", "zyywsr", "ckjhz", "gdzchj", "zczj", "year"]
SURVEY_CHINESE = ["法人代码", "企业名称", "省地县码", "行业代码", "全部从业人员年平均人数人", "工业总产值_当年价格千元",
                  "主营业务收入千元", "其中出口交货值千元", "固定资产合计千元", "资产总计千元"]
PATENTS = ["申请号", "申请日", "主分类号", "分类号", "申请（专利权）人", "地址", "国省代码"]


def test_the_shipped_layouts_cover_every_delivered_layout():
    layouts = load_layouts()
    assert set(layouts) >= {"asif_pinyin", "asif_chinese", "customs_2000_2006", "customs_2000_2006_en",
                            "customs_2007_2014_dta", "cnipa_list"}
    for cols, name in ((CUSTOMS_2003, "customs_2000_2006"), (CUSTOMS_2010, "customs_2007_2014_dta"),
                       (SURVEY_PINYIN, "asif_pinyin"), (SURVEY_CHINESE, "asif_chinese"), (PATENTS, "cnipa_list")):
        assert recognise(cols, layouts).name == name


def test_spellings_that_drift_by_year_and_width_are_the_same_column():
    layouts = load_layouts()
    drifted = [c.replace("企业编码", "企业代码").replace("税号编码", "HS编码") for c in CUSTOMS_2003]
    lay = recognise(drifted, layouts)
    assert lay.name == "customs_2000_2006"
    assert lay.match(drifted)["企业代码"] == "customs_firm_id"
    # half-width brackets and upper-case pinyin are the same names
    assert recognise([c.replace("（", "(").replace("）", ")") for c in PATENTS], layouts).name == "cnipa_list"
    assert recognise([c.upper() for c in SURVEY_PINYIN], layouts).name == "asif_pinyin"


def test_no_layout_is_an_error_that_names_what_each_layout_misses():
    with pytest.raises(LayoutError) as err:
        recognise(["日期", "进口或出口", "企业编码"], load_layouts(), "d/2003.csv")
    msg = str(err.value)
    assert "d/2003.csv: no layout explains" in msg
    assert "customs_2000_2006: missing" in msg and "hs_code (税号编码 | HS编码 | 商品代码)" in msg


def test_a_tie_between_layouts_is_an_error(tmp_path):
    (tmp_path / "twin.yaml").write_text(
        "name: twin\ntable: customs_transactions\nyear_from: 2000\nyear_to: 2006\n"
        "columns: {date: [日期], flow: [进口或出口], customs_firm_id: [企业编码], firm_name: [经营单位], "
        "phone: [电话], zip_code: [邮编], hs_code: [税号编码], partner: [起运国或目的国], trade_mode_name: [贸易方式], "
        "value_usd: [金额], quantity: [数量], unit: [单位]}\nrequired: [date]\n", encoding="utf-8")
    with pytest.raises(LayoutError, match=r"equally well.*--layout"):
        recognise(CUSTOMS_2003, load_layouts(tmp_path))


def test_a_users_spelling_is_one_yaml_line(tmp_path):
    shipped = (load_layouts()["asif_pinyin"].source)
    text = open(shipped, encoding="utf-8").read().replace("firm_id: [frdm]", "firm_id: [frdm, faren_daima]")
    (tmp_path / "asif_pinyin.yaml").write_text(text, encoding="utf-8")
    cols = ["faren_daima" if c == "frdm" else c for c in SURVEY_PINYIN]
    with pytest.raises(LayoutError):
        recognise(cols, load_layouts())
    lay = recognise(cols, load_layouts(tmp_path))
    assert lay.name == "asif_pinyin" and lay.match(cols)["faren_daima"] == "firm_id"


@pytest.mark.parametrize("body, why", [
    ("name: x\ntable: nope\nyear_from: 1\nyear_to: 2\ncolumns: {a: [b]}\nrequired: [a]\n", "table 'nope'"),
    ("name: x\ntable: patents\nyear_from: 1\nyear_to: 2\ncolumns: {a: [b]}\nrequired: [c]\n", "required columns"),
    ("name: x\ntable: patents\nyear_from: 1\nyear_to: 2\ncolumns: {a: [b], c: [b]}\nrequired: [a]\n",
     "listed for both"),
    ("name: x\ntable: patents\ncolumns: {a: [b]}\nrequired: [a]\n", "missing key 'year_from'"),
])
def test_a_malformed_layout_file_is_refused_with_its_path(tmp_path, body, why):
    (tmp_path / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(LayoutError, match=why) as err:
        load_layouts(tmp_path)
    assert "bad.yaml" in str(err.value)
