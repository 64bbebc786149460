"""The vendor writer's un-restorations, on hand-made code tables: each value, delivered, is read back by
ingest's own restoration as it was (analytics/synth/vendor.py, analytics/ingest/restore.py and codes.py)."""

from __future__ import annotations

import pandas as pd

from analytics.ingest import readers, restore
from analytics.ingest.codes import Codes
from analytics.ingest.layouts import Layout
from analytics.synth import vendor


def s(*values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


CODES = Codes(
    trade_modes={"一般贸易": "10", "来料加工": "14", "来料加工装配贸易": "14", "加工贸易": "15", "进料加工": "15",
                 "其他": "39"},
    countries_by_code={"116": "JPN", "142": "CHN", "143": "TWN", "207": "ESP", "312": "ESP", "502": "USA",
                       "199": None, "701": None},
    countries_by_name={"日本": "JPN", "中华人民共和国": "CHN", "台湾省": "TWN", "台澎金马关税区": "TWN",
                       "加那利群岛": "ESP", "西班牙": "ESP", "美国": "USA", "亚洲其他国家(地区)": None},
    concordance=None, admin=None, sources={},
)


def test_partners_go_to_a_customs_code_and_come_back_as_iso3():
    iso = s("USA", "ESP", "TWN", "CHN", None)
    code, missing = vendor.deliver_partner(iso, vendor.partner_codes(CODES))
    assert code.tolist() == ["502", "207", "143", "142", "199"]  # the smallest code of each; 142 for China
    assert not missing.any()
    back, unknown, reimport, null = CODES.partner(code)
    assert back.tolist() == ["USA", "ESP", "TWN", "CHN", None]
    assert not unknown.any() and reimport.tolist() == [False, False, False, True, False]


def test_partners_by_name_come_back_and_one_without_a_code_stays_iso3():
    name, missing = vendor.deliver_partner(s("JPN", "ESP", None, "FRA"), vendor.partner_names(CODES))
    assert name.tolist() == ["日本", "加那利群岛", "亚洲其他国家(地区)", "FRA"]
    assert missing.tolist() == [False, False, False, True]
    back, unknown, _, _ = CODES.partner(name)
    assert back.tolist()[:3] == ["JPN", "ESP", None] and unknown.tolist() == [False, False, False, True]


def test_hs_codes_lose_their_leading_zero_and_get_it_back():
    numbers = vendor.hs_number(s("01012100", "84713000", "98010000"))
    assert numbers.tolist() == [1012100, 84713000, 98010000]
    back, padded, bad = restore.hs8(numbers.astype(str))
    assert back.tolist() == ["01012100", "84713000", "98010000"]
    assert padded.tolist() == [True, False, False] and not bad.any()


def test_a_prefecture_is_delivered_as_a_county_code_of_the_time_and_moved_back():
    admin = pd.DataFrame({
        "code": ["500100", "500221", "500229", "340100", "341421", "341422", "340124"],
        "valid_from": [1998, 1998, 1998, 1998, 1998, 1998, 2011],
        "valid_to": [2014, 2000, 2014, 2014, 2010, 2010, 2014],
        "prefecture_base": ["500100", "500100", "500100", "340100", "340100", "340200", "340100"],
    })
    codes = Codes(trade_modes={}, countries_by_code={}, countries_by_name={}, concordance=None, admin=admin,
                  sources={})
    city, firm = s("500100", "500100", "340100", "340100", "330106"), s("A1", "B2", "A1", "C3", "A1")
    then = vendor.county_of_the_time(city, firm, 2005, codes)
    # 500221 ended in 2000: only 500229 is Chongqing's county of another prefix in 2005; Hefei held Chaohu's
    # 341421 until 2010 (341422 went to Wuhu, 340124 is Hefei's own prefix)
    assert then.tolist() == ["500229", "500229", "341421", "341421", None]
    back, moved = codes.prefecture_unit(then.iloc[:4], 2005)
    assert back.tolist() == ["500100", "500100", "340100", "340100"] and moved.all()
    assert vendor.county_of_the_time(s("340100"), s("A1"), 2012, codes).isna().all()  # Chaohu dissolved
    # two counties: the firm's id chooses, the same one each time
    in_1999 = vendor.county_of_the_time(s("500100", "500100"), s("A1", "A1"), 1999, codes)
    assert in_1999.iloc[0] == in_1999.iloc[1] and in_1999.iloc[0] in {"500221", "500229"}


def test_region_codes_go_to_twelve_digits_and_back_to_six():
    twelve = vendor.region12(s("330106", "500229"))
    assert twelve.tolist() == ["330106000000", "500229000000"]
    assert restore.region6(twelve)[0].tolist() == ["330106", "500229"]


def test_trade_regimes_go_to_their_full_name_and_back():
    names = vendor.trade_mode_names(CODES)
    assert names == {"10": "一般贸易", "14": "来料加工装配贸易", "15": "进料加工", "39": "其他"}  # never 加工贸易
    delivered = vendor.deliver_trade_mode(s("10", "14", "15", "33"), names)
    assert delivered.tolist() == ["一般贸易", "来料加工装配贸易", "进料加工", "33"]  # a code without a name stays
    codes, unknown, aggregated = CODES.trade_regime(delivered)
    assert codes.tolist() == ["10", "14", "15", "33"] and not unknown.any() and not aggregated.any()


def test_legal_person_and_customs_ids_as_vendors_write_them():
    ids = vendor.legal_person_code(s("11813993X", "001234567", "123456789"))
    assert ids.tolist() == ["11813993x", "1234567", "123456789"]
    assert restore.padded_id(ids, 9, upper=True)[0].tolist() == ["11813993X", "001234567", "123456789"]
    numbers = vendor.customs_id_number(s("1310451995", "0012345678"))
    assert numbers.tolist() == [1310451995, 12345678]
    assert restore.padded_id(numbers.astype(str), 10)[0].tolist() == ["1310451995", "0012345678"]


def test_the_date_carries_the_month_or_only_the_year():
    dates = vendor.yyyymm(pd.Series([2003, 2007]), pd.Series([1, None], dtype="Int64"))
    assert dates.tolist() == [200301, 2007]
    year, month, bad = restore.year_month(dates.astype(str))
    assert year.tolist() == [2003, 2007] and month.tolist()[0] == 1 and pd.isna(month.iloc[1]) and not bad.any()


def test_ipc_symbols_and_application_dates_of_a_cnipa_list():
    main, every = vendor.ipc_vendor(s("H01L 21/02;H01L 29/78", "G06F 3/01"))
    assert main.tolist() == ["H01L21/02", "G06F3/01"] and every.tolist() == ["H01L21/02;H01L29/78", "G06F3/01"]
    assert restore.ipc_codes(main, every).tolist() == ["H01L 21/02;H01L 29/78", "G06F 3/01"]
    dates = vendor.application_date(s("CN200310100002.1", "CN200320100013.2"), pd.Series([2003, 2003]))
    assert dates.tolist() == ["2003.07.27", "2003.10.06"]
    assert restore.year_month(dates)[0].tolist() == [2003, 2003]


def test_spellings_and_values_come_from_the_layout():
    layout = Layout(name="x", table="customs_transactions", year_from=2000, year_to=2006,
                    columns={"flow": ("进口或出口", "进出口"), "unit": ("数量单位",)}, required=("flow",),
                    values={"flow": {"出口": "export", "进口": "import", "exp": "export"}})
    assert vendor.first_value(layout, "flow") == {"export": "出口", "import": "进口"}
    assert [vendor.spelling(layout, "flow", y) for y in (2002, 2003)] == ["进口或出口", "进出口"]
    assert vendor.spelling(layout, "unit", 2003) == "数量单位"


def test_a_gb18030_stata_file_reads_back_name_for_name_and_byte_for_byte(tmp_path):
    df = pd.DataFrame({"_经营单位": [" 杭州甲\u3000有限\u00a0公司 ", "﹙无锡﹚乙公司", None],
                       "_税号编码": [1012100, 84713000, 98010000], "_金额": [1000.5, 0.1, float("nan")]})
    path = tmp_path / "t.dta"
    vendor.write_stata_gb18030(df, path)
    assert readers.stata_encoding(path) == "GB18030"
    got = next(readers.read_chunks(path))
    assert list(got.columns) == ["_经营单位", "_税号编码", "_金额"]
    assert got["_经营单位"].tolist()[:2] == [" 杭州甲\u3000有限\u00a0公司 ", "﹙无锡﹚乙公司"]
    assert restore.as_delivered(got["_经营单位"]).tolist()[2] is None
    assert got["_税号编码"].tolist() == ["1012100", "84713000", "98010000"]
    assert restore.number(got["_金额"])[0].tolist()[:2] == [1000.5, 0.1]


def test_csv_is_gbk_when_it_can_be_else_gb18030(tmp_path):
    assert vendor.write_csv(pd.DataFrame({"名称": ["杭州甲公司"]}), tmp_path / "a.csv") == "GBK"
    assert vendor.write_csv(pd.DataFrame({"名称": ["杭州\u2002甲公司"]}), tmp_path / "b.csv") == "GB18030"
    assert readers.text_encoding(tmp_path / "b.csv") == "gb18030"
    assert next(readers.read_chunks(tmp_path / "b.csv"))["名称"].tolist() == ["杭州\u2002甲公司"]
