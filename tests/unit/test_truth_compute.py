"""compute_truth end to end on a tiny raw root written with analytics.rawio."""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.rawio import write_reference, write_year
from analytics.settings import MethodSettings
from analytics.synth.truth import COMPLEMENTARITY_COLUMNS, DVAR_COLUMNS, compute_truth, write_truth

SETTINGS = MethodSettings(year_start=2008, year_end=2009, exclude_years=())

A, B, C, E, X, D, F = (f"C00000000{i}" for i in "1234567")


def _customs(year, rows):
    df = pd.DataFrame(
        rows, columns=["customs_firm_id", "firm_name", "phone", "zip_code", "flow", "trade_regime", "hs_code", "value_usd"]
    )
    df.insert(0, "year", year)
    df.insert(1, "month", 1)
    df["partner_country"] = "USA"
    return df


def _survey(year, rows):
    cols = ["firm_id", "firm_name", "legal_rep", "phone", "zip_code", "city_code", "industry_code", "sales",
            "intermediate_inputs"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "year", year)
    return df


def _patents(year, rows):
    df = pd.DataFrame(rows, columns=["application_id", "patent_type", "applicant_name", "applicant_city_code", "ipc_codes"])
    df.insert(1, "application_year", year)
    return df


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "raw"
    write_reference(r, "hs_concordance", pd.DataFrame(
        {"from_version": ["HS2007", "HS2007", "HS2007"], "from_hs6": ["847130", "847130", "290110"],
         "hs6_1996": ["847130", "847141", "290110"], "weight": [0.6, 0.4, 1.0]}))
    write_reference(r, "hs_bec", pd.DataFrame(
        {"hs6_1996": ["847130", "847141", "290110"], "bec_code": ["41", "42", "322"],
         "end_use": ["capital", "intermediate", "intermediate"]}))
    write_reference(r, "trade_regimes", pd.DataFrame(
        {"trade_regime": ["10", "14", "15", "20", "25", "35"],
         "regime_class": ["ordinary", "processing", "processing", "capital_equipment", "capital_equipment",
                          "capital_equipment"]}))
    write_reference(r, "cities", pd.DataFrame({"city_code": ["330100", "310100", "440300"]}))
    write_reference(r, "exchange_rates", pd.DataFrame({"year": [2007, 2008, 2009], "cny_per_usd": [7.5, 8.0, 8.0]}))
    write_reference(r, "intermediary_keywords", pd.DataFrame({"keyword": ["进出口", "经贸", "贸易", "科贸", "外经"]}))
    write_reference(r, "ipc_industry", pd.DataFrame(
        {"ipc": ["H01L", "H02J", "G06F", "G11B"], "industry_code": ["39", "39", "40", "40"], "weight": 1.0}))
    write_reference(r, "io_links", pd.DataFrame(
        {"industry_code": ["39", "39", "39"], "supplier_industry_code": ["39", "40", "33"],
         "input_coefficient": [0.001, 0.01, 0.05]}))

    # --- survey (money in thousand RMB; 8 RMB/USD in 2008-09)
    write_year(r, "firm_survey", 2007, _survey(2007, [
        ["S0000000A", "甲机械有限公司", "张三", None, None, "330102", "3911", 10.0, 5.0],
        ["S0000000C", "丙旧名公司", "李四", None, None, "310101", "3911", 1.0, 0.5],
    ]))
    write_year(r, "firm_survey", 2008, _survey(2008, [
        # A: S = 24*1000/8 = 3000 USD, M = 12 -> 1500 USD
        ["S0000000A", "甲机械有限公司", "张三", None, None, "330102", "3911", 24.0, 12.0],
        # B: S = 1.6 -> 200 USD, M = 0.64 -> 80 USD
        ["S0000000B", "乙电子科技有限公司", None, "057188881234", "310000", "330106", "4011", 1.6, 0.64],
        # C: S = 3.2 -> 400 USD, M = 1.6 -> 200 USD
        ["S0000000C", "丙新名公司", "李四", None, None, "310101", "3911", 3.2, 1.6],
        ["S0000000E", "戊公司", None, None, None, "440305", "1311", 0.0, 1.0],
        ["S0000000X", "华东进出口有限公司", None, None, None, "310101", "5100", 9.0, 9.0],
        ["S0000000F", "己公司", None, None, None, "330102", "3911", 9.0, 9.0],
    ]))
    write_year(r, "firm_survey", 2009, _survey(2009, [
        # A's legal person code changed; same name -> same panel firm. S = 1000 USD, M = 100 USD
        ["S000000A2", "甲机械有限公司", "张三", None, None, "330102", "3911", 8.0, 0.8],
    ]))

    # --- customs 2008 (HS2007)
    write_year(r, "customs_transactions", 2008, _customs(2008, [
        [X, "华东进出口有限公司", None, None, "import", "10", "84713000", 100.0],
        [X, "华东进出口有限公司", None, None, "import", "10", "29011000", 300.0],
        [A, "甲机械有限责任公司", None, None, "import", "10", "84713000", 300.0],
        [A, "甲机械有限责任公司", None, None, "import", "10", "29011000", 70.0],
        [A, "甲机械有限责任公司", None, None, "import", "10", "99999999", 50.0],
        [A, "甲机械有限责任公司", None, None, "import", "14", "29011000", 30.0],
        [A, "甲机械有限责任公司", None, None, "import", "20", "29011000", 200.0],
        [A, "甲机械有限责任公司", None, None, "export", "10", "84713000", 400.0],
        [A, "甲机械有限责任公司", None, None, "export", "10", "84713000", 600.0],  # two rows, summed
        [A, "甲机械有限责任公司", None, None, "export", "14", "84713000", 500.0],
        [A, "甲机械有限责任公司", None, None, "export", "20", "84713000", 999.0],
        [B, "乙电子", "0571-8888 1234", "310000", "export", "14", "85011000", 100.0],
        [B, "乙电子", "0571-8888 1234", "310000", "import", "14", "85011000", 30.0],
        [C, "丙旧名公司", None, None, "export", "10", "29011000", 100.0],
        [C, "丙旧名公司", None, None, "import", "10", "85011000", 80.0],
        [E, "戊公司", None, None, "export", "10", "29011000", 10.0],
        [D, "某外贸无名厂", None, None, "export", "10", "29011000", 10.0],  # unmatched
        [F, "己公司", None, None, "import", "10", "85011000", 10.0],  # matched, no exports
    ]))
    write_year(r, "customs_transactions", 2009, _customs(2009, [
        [A, "甲机械有限公司", None, None, "export", "10", "29011000", 100.0],
    ]))

    # --- patents
    write_year(r, "patents", 2008, _patents(2008, [
        ["P1", "invention", "甲机械有限公司;某大学", "330102", "H01L 21/02"],  # survey name -> 39
        ["P2", "invention", "某大学", "310104", "H02J 7/00"],  # IPC -> 39
        ["P3", "invention", "某人", "429004", "H01L 1/00"],  # 429000 not in the city list: kept
        ["P4", "invention", "乙电子科技有限公司", "330106", "G06F 3/00"],  # survey name -> 40
        ["P5", "invention", "某所", "310104", "G11B 5/00"],  # IPC -> 40
        ["P6", "utility_model", "某人", "330102", "H02J 7/00"],  # not an invention
    ]))
    write_year(r, "patents", 2009, _patents(2009, [
        ["P7", "invention", "甲机械有限公司", "330102", "H01L 21/02"],
    ]))
    return r


def test_compute_truth_end_to_end(root, tmp_path):
    msgs = []
    dvar, comp = compute_truth(root, SETTINGS, progress=msgs.append)
    assert list(dvar.columns) == DVAR_COLUMNS
    assert list(comp.columns) == COMPLEMENTARITY_COLUMNS
    assert msgs  # a message per table and year

    # --- DVAR.  2008: A mixed (hand case of test_truth_dvar: 3976/4500), B processing
    # (Y1=100, S=200, M=80, IMP1=30 -> 0.6875), C ordinary via step c
    # (Y2=100, S=400, M=200, IMPo=80 unlinked code: IMP2=20, dF2=0.05*120*0.25=1.5 -> 0.785),
    # E sales 0 -> NULL.  X (intermediary), D (unmatched), F (no exports): no rows.
    # 2009: A under a new firm_id, panel S0000000A: Y2=100, S=1000, M=100 -> 1 - 0.5/100 = 0.995
    got = dvar.set_index(["year", "firm_id"])
    assert list(got.index) == [(2008, "S0000000A"), (2008, "S0000000B"), (2008, "S0000000C"), (2008, "S0000000E"),
                               (2009, "S000000A2")]
    assert got["customs_firm_id"].tolist() == [A, B, C, E, A]
    assert got["match_step"].tolist() == ["a", "b", "c", "a", "a"]
    assert got["panel_firm_id"].tolist() == ["S0000000A", "S0000000B", "S0000000C", "S0000000E", "S0000000A"]
    assert got["trade_type"].tolist() == ["mixed", "processing", "ordinary", "ordinary", "ordinary"]
    d = got["dvar"].to_numpy()
    assert d[[0, 1, 2, 4]] == pytest.approx([3976 / 4500, 0.6875, 0.785, 0.995])
    assert np.isnan(d[3])
    assert got["dvar_in_range"].tolist()[:3] == [True, True, True] and pd.isna(got["dvar_in_range"].iloc[3])
    a = got.loc[(2008, "S0000000A")]
    assert a["exports_usd"] == pytest.approx(1500.0)
    assert a["exports_processing_usd"] == pytest.approx(500.0)
    assert a["exports_ordinary_usd"] == pytest.approx(1000.0)
    assert a["imports_processing_usd"] == pytest.approx(30.0)
    assert a["imports_ordinary_scaled_usd"] == pytest.approx(590 / 3)
    assert a["capital_imports_scaled_usd"] == pytest.approx(80.0)
    assert a["foreign_content_usd"] == pytest.approx(0.05 * 1120 * 1500 / 3000)

    # --- complementarity 2008, industry 39: 330100 (H01), 310100 (H02), 429000 (H01), one each
    # Cra: 330100-310100 = 1, 330100-429000 = 0, 310100-429000 = 1; national D = 3
    #   C(330100) = 1/3, C(310100) = 2/3, C(429000) = 1/3
    # industry 40: 330100 (G06), 310100 (G11): Cra 1, C = 1/2 each
    # placebo of 39 = 40 (smallest coefficient besides itself); 40 has none -> NULL
    # survey cells without patents: (440300, 13) E -> C 0, flag; X's (310100, 51) is not
    # manufacturing, so METHOD §0's standard filters drop its survey row (test below)
    c = comp.set_index(["year", "city_code", "industry_code"])
    c08 = c.loc[2008]
    assert sorted(c08.index) == [("310100", "39"), ("310100", "40"), ("330100", "39"),
                                 ("330100", "40"), ("429000", "39"), ("440300", "13")]
    assert c08["complementarity"].to_dict() == pytest.approx({
        ("310100", "39"): 2 / 3, ("310100", "40"): 0.5, ("330100", "39"): 1 / 3,
        ("330100", "40"): 0.5, ("429000", "39"): 1 / 3, ("440300", "13"): 0.0})
    assert c08.loc[("440300", "13"), "no_patents_flag"]
    assert c08.loc[("440300", "13"), "invention_patents"] == 0.0
    assert not c08.loc[("429000", "39"), "no_patents_flag"]
    assert c08.loc[("330100", "39"), "placebo_complementarity"] == pytest.approx(0.5)
    assert c08.loc[("429000", "39"), "placebo_complementarity"] == 0.0  # (429000, 40) has no patents
    assert math.isnan(c08.loc[("330100", "40"), "placebo_complementarity"])
    # 2009: one patent (330100, 39): alone -> C = 0 but not flagged
    c09 = c.loc[2009]
    assert list(c09.index) == [("330100", "39")]
    assert c09.iloc[0]["complementarity"] == 0.0 and c09.iloc[0]["invention_patents"] == 1.0
    assert not c09.iloc[0]["no_patents_flag"]
    assert comp["complementarity"].between(0, 1).all()

    # --- write_truth
    p1, p2 = write_truth(root, tmp_path / "out", SETTINGS)
    assert pd.read_parquet(p1).shape == dvar.shape
    assert pd.read_parquet(p2).shape == comp.shape


def test_survey_filters_none_keeps_the_non_manufacturing_row(root):
    # X (industry 51) is a survey cell without patents again: C 0, flagged
    _, comp = compute_truth(root, MethodSettings(year_start=2008, year_end=2008, exclude_years=(),
                                                 survey_filters="none"))
    x = comp.set_index(["city_code", "industry_code"]).loc[("310100", "51")]
    assert x["complementarity"] == 0.0 and x["no_patents_flag"]


def test_window_and_partners_switches(root):
    # window of 2 years for 2009: 2008 + 2009 flows.  Industry 39: 330100 has H01 x2, 310100 H02,
    # 429000 H01; Tg all H.  Cra(330100, 310100) = 2/(2*1) = 1, (330100, 429000) = 0, (310100, 429000) = 1.
    # partners: C(330100) = (1*1 + 1*0)/(4 - 2) = 0.5; C(310100) = (2*1 + 1*1)/3 = 1; C(429000) = (0 + 1)/3
    s = MethodSettings(year_start=2009, year_end=2009, exclude_years=(), patent_window_years=2,
                       weight_denominator="partners")
    _, comp = compute_truth(root, s)
    c = comp.set_index(["city_code", "industry_code"])["complementarity"]
    assert c[("330100", "39")] == pytest.approx(0.5)
    assert c[("310100", "39")] == pytest.approx(1.0)
    assert c[("429000", "39")] == pytest.approx(1 / 3)


def test_csv_root_gives_the_same_truth(root, tmp_path):
    # the same raw root as CSV (every value read back as text)
    csv_root = tmp_path / "csv"
    for p in root.rglob("*.parquet"):
        out = csv_root / p.relative_to(root).with_suffix(".csv")
        out.parent.mkdir(parents=True, exist_ok=True)
        pd.read_parquet(p).to_csv(out, index=False)
    d1, c1 = compute_truth(root, SETTINGS)
    d2, c2 = compute_truth(csv_root, SETTINGS)
    pd.testing.assert_frame_equal(d1, d2, check_dtype=False)
    pd.testing.assert_frame_equal(c1, c2, check_dtype=False)
