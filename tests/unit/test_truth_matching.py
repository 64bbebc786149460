"""METHOD §2: customs attributes, the three-step one-to-one match, survey
panel ids, intermediaries."""

import pandas as pd

from analytics.synth.truth.matching import (
    customs_firm_attributes,
    flag_intermediaries,
    match_customs_to_survey,
    survey_index_rows,
    survey_keys,
    survey_panel_ids,
    unique_key_links,
)

T = 2005


def _survey(rows):
    cols = ["firm_id", "firm_name", "phone", "zip_code", "legal_rep", "city_code", "industry_code"]
    return pd.DataFrame(rows, columns=cols)


def test_customs_attributes_mode_with_ties_to_smallest():
    tx = pd.DataFrame(
        {
            "customs_firm_id": ["C1"] * 5 + ["C2"],
            # 甲公司 x2, 乙公司 x2: tie -> smallest value; 乙 (U+4E59) < 甲 (U+7532)
            "firm_name": ["甲公司", "乙公司", "甲公司", "乙公司", None, "丙公司"],
            # nulls and blanks are not values: "010-8888 1234" is the only one
            "phone": [None, None, "", "010-8888 1234", None, None],
            # 310000 x3 beats 310001 x1
            "zip_code": ["310000", "310000", "310001", "310000", None, "200000"],
        }
    )
    a = customs_firm_attributes(tx).set_index("customs_firm_id")
    assert a.loc["C1", "firm_name"] == "乙公司"
    assert a.loc["C1", "phone"] == "010-8888 1234"
    assert a.loc["C1", "phone_key"] == "8881234"
    assert a.loc["C1", "zip_code"] == "310000"
    assert a.loc["C2", "phone"] is None and a.loc["C2", "phone_key"] is None


def test_unique_key_links_ambiguous_keys_link_none():
    left = pd.DataFrame({"l": ["L1", "L2", "L3", "L4"], "key": ["k1", "k2", "k2", None]})
    right = pd.DataFrame({"r": ["R1", "R2", "R3"], "key": ["k1", "k2", None]})
    # k1 unique on both sides -> L1-R1; k2 carried by L2 and L3 -> none; missing keys never link
    assert unique_key_links(left, right, "l", "r").values.tolist() == [["L1", "R1"]]


def _world():
    """One survey year 2005 (plus other years in the index) and its customs firms.

    Expected:
      C1 甲有限责任公司 -> S1 甲有限公司 step a (normalised names equal)
      C7 己公司 -> S7 step a; C8 shares C7's zip+phone but C7 is already
         matched, so the key is unique among the unmatched: C8 -> S8 step b
         (S7 also has that zip+phone, but S7 is matched too)
      C2 -> S2 step b: (0571)8888-1234 and 0571-88881234 both give 8881234, zip 310000
      C3 丙旧名 -> S3 step c: S3 carried 丙旧名公司 in 2004
      C4 丁公司: two survey firms S4, S5 are called 丁公司 -> none
      C5, C6 both 戊公司: ambiguous on the customs side -> none (S6 stays unmatched)
      C9 庚公司: S9 carried it in 2004 but has no 2005 row -> none
      C10 辛公司: carried by S10 (2003) and S11 (2004) -> none
      C11 壬A and C12 壬B: both other-year names of S12 -> S12 would get two
         partners -> none
    """
    survey = _survey(
        [
            ["S1", "甲有限公司", None, None, None, "330100", "3911"],
            ["S2", "乙机械公司", "0571-88881234", "310000", None, "330100", "3911"],
            ["S3", "丙新名公司", None, None, None, "330100", "3911"],
            ["S4", "丁公司", None, None, None, "330100", "3911"],
            ["S5", "丁公司", None, None, None, "330100", "3911"],
            ["S6", "戊公司", None, None, None, "330100", "3911"],
            ["S7", "己公司", "021-5555 6666", "200000", None, "310100", "3911"],
            ["S8", "己分厂", "5556666", "200000", None, "310100", "3911"],
            ["S10", "辛新公司", None, None, None, "330100", "3911"],
            ["S11", "辛另公司", None, None, None, "330100", "3911"],
            ["S12", "壬C", None, None, None, "330100", "3911"],
        ]
    )
    index = pd.concat(
        [
            survey_index_rows(survey, T),
            survey_index_rows(_survey([["S3", "丙旧名公司", None, None, None, "330100", "3911"]]), 2004),
            survey_index_rows(_survey([["S9", "庚公司", None, None, None, "330100", "3911"]]), 2004),
            survey_index_rows(_survey([["S10", "辛公司", None, None, None, "330100", "3911"]]), 2003),
            survey_index_rows(_survey([["S11", "辛公司", None, None, None, "330100", "3911"]]), 2004),
            survey_index_rows(_survey([["S12", "壬A", None, None, None, "330100", "3911"]]), 2003),
            survey_index_rows(_survey([["S12", "壬B", None, None, None, "330100", "3911"]]), 2004),
        ],
        ignore_index=True,
    )
    tx = pd.DataFrame(
        [
            ["C1", "甲有限责任公司", None, None],
            ["C2", "乙进口部", "(0571)8888-1234", "310000"],
            ["C3", "丙旧名公司", None, None],
            ["C4", "丁公司", None, None],
            ["C5", "戊公司", None, None],
            ["C6", "戊公司", None, None],
            ["C7", "己公司", "02155556666", "200000"],
            ["C8", "己销售部", "5556666", "200000"],
            ["C9", "庚公司", None, None],
            ["C10", "辛公司", None, None],
            ["C11", "壬A", None, None],
            ["C12", "壬B", None, None],
        ],
        columns=["customs_firm_id", "firm_name", "phone", "zip_code"],
    )
    return tx, survey, index


def test_three_step_match():
    tx, survey, index = _world()
    m = match_customs_to_survey(customs_firm_attributes(tx), survey_keys(survey), index, T)
    got = {r.customs_firm_id: (r.firm_id, r.match_step) for r in m.itertuples()}
    assert got == {
        "C1": ("S1", "a"),
        "C7": ("S7", "a"),
        "C2": ("S2", "b"),
        "C8": ("S8", "b"),
        "C3": ("S3", "c"),
    }
    # one-to-one
    assert m["customs_firm_id"].is_unique and m["firm_id"].is_unique


def test_step_c_ignores_the_survey_firms_year_t_name():
    # S1's only name is its 2005 name; a customs firm carrying it but ambiguous
    # at step a (two customs firms) must not be linked at step c either.
    survey = _survey([["S1", "甲公司", None, None, None, "330100", "3911"]])
    index = survey_index_rows(survey, T)
    tx = pd.DataFrame(
        {"customs_firm_id": ["C1", "C2"], "firm_name": ["甲公司", "甲公司"], "phone": None, "zip_code": None}
    )
    m = match_customs_to_survey(customs_firm_attributes(tx), survey_keys(survey), index, T)
    assert m.empty


def test_intermediaries_flagged_on_the_year_name():
    tx = pd.DataFrame(
        {
            "customs_firm_id": ["X", "X", "A"],
            "firm_name": ["华东进出口有限公司", "华东进出口有限公司", "华东机械有限公司"],
            "phone": None,
            "zip_code": None,
        }
    )
    a = customs_firm_attributes(tx)
    flags = flag_intermediaries(a, ["进出口", "经贸", "贸易", "科贸", "外经"])
    assert dict(zip(a["customs_firm_id"], flags)) == {"A": False, "X": True}


def test_customs_brokers_flagged_by_their_code():
    """METHOD §0 step 6: the 6th character 8 of a customs code (a broker) makes an
    intermediary whatever its name; with broker_digit off only names count."""
    tx = pd.DataFrame({
        "customs_firm_id": ["1101080001", "1101030002", "1101080003", "11018"],
        "firm_name": ["华东机械有限公司", "华东进出口有限公司", None, "华东机械有限公司"],
        "phone": None, "zip_code": None,
    })
    a = customs_firm_attributes(tx)
    keywords = ["进出口", "贸易"]
    assert dict(zip(a["customs_firm_id"], flag_intermediaries(a, keywords))) == {
        "1101080001": True, "1101030002": True, "1101080003": True, "11018": False}
    assert dict(zip(a["customs_firm_id"], flag_intermediaries(a, keywords, broker_digit=False))) == {
        "1101080001": False, "1101030002": True, "1101080003": False, "11018": False}


def test_survey_panel_ids():
    """Rule: firm_id links any years; a firm_id ending in year p links to one
    starting in the next survey year by name, then legal rep + city + industry,
    one-to-one; panel id = the chain's first firm_id.

    F1 2000-2001 'A公司' -> F2 starts 2002 as 'A（公司）' (same normalised name): panel F1
    F3 2000-2002 rep 张三 330102 3911 -> F4 starts 2003, new name, same rep/city/industry: panel F3
    F5 2001 'E公司' ends; F6 and F7 both start 2002 as 'E公司': ambiguous -> own ids
    F8 2000 and 2002 (gap in 2001): one firm, panel F8
    F9 2000-2002 'N9' does not end in 2000, so F10 starting 2001 as 'N9' is not linked
    F2 -> F11: the chain continues (F11 starts 2003 with F2's 2002 name): panel F1
    """
    def rows(year, data):
        return survey_index_rows(_survey([[f, n, None, None, rep, city, ind] for f, n, rep, city, ind in data]), year)

    idx = pd.concat(
        [
            rows(2000, [("F1", "A公司", "李四", "330102", "3911"), ("F3", "C公司", "张三", "330102", "3911"),
                        ("F8", "H公司", None, "330102", "3911"), ("F9", "N9", None, "330102", "3911")]),
            rows(2001, [("F1", "A公司", "李四", "330102", "3911"), ("F3", "C公司", "张三", "330102", "3911"),
                        ("F5", "E公司", None, "330102", "3911"), ("F9", "N9", None, "330102", "3911"),
                        ("F10", "N9", None, "330102", "3911")]),
            rows(2002, [("F2", "A（公司）", "王五", "330102", "3911"), ("F3", "C公司", "张三", "330102", "3911"),
                        ("F6", "E公司", None, "330102", "3911"), ("F7", "E公司", None, "330102", "3911"),
                        ("F8", "H公司", None, "330102", "3911"), ("F9", "N9", None, "330102", "3911"),
                        ("F10", "N9", None, "330102", "3911")]),
            rows(2003, [("F4", "D新公司", "张 三", "330102", "3911"), ("F11", "A公司", None, "330102", "3911"),
                        ("F10", "N9", None, "330102", "3911")]),
        ],
        ignore_index=True,
    )
    p = survey_panel_ids(idx).set_index("firm_id")["panel_firm_id"].to_dict()
    assert p == {
        "F1": "F1", "F2": "F1", "F11": "F1",
        "F3": "F3", "F4": "F3",
        "F5": "F5", "F6": "F6", "F7": "F7",
        "F8": "F8", "F9": "F9", "F10": "F10",
    }
    # a chain never holds two rows of one year
    merged = idx.assign(panel=idx["firm_id"].map(p))
    assert not merged.duplicated(["panel", "year"]).any()
