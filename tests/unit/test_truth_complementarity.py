"""METHOD §4: patent location and industry, technology vectors, pairwise Cra,
C with both weight denominators, placebo, mart cells."""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.settings import MethodSettings
from analytics.synth.truth.complementarity import (
    PatentFlows,
    assign_industry,
    city_industry_complementarity,
    complementarity,
    first_applicant,
    main_subclass,
    pairwise_cra,
    patent_flows,
    placebo_industries,
    prefecture_code,
    sum_flows,
    survey_cells,
    survey_name_industry,
    technology_units,
)
from analytics.synth.truth.matching import survey_index_rows


def _vec(rows):
    return pd.DataFrame(rows, columns=["city_code", "unit", "value"])


def _flows(patents, tg, tm, k="39"):
    """PatentFlows of one industry from {city: P}, [(city, unit, value)] x2."""
    return PatentFlows(
        pd.DataFrame({"city_code": list(patents), "industry_code": k, "patents": list(patents.values())}),
        _vec(tg).assign(industry_code=k),
        _vec(tm).assign(industry_code=k),
    )


def test_prefecture_and_first_applicant_and_subclass():
    assert prefecture_code(pd.Series(["110105", "429004", "330102"])).tolist() == ["110100", "429000", "330100"]
    assert first_applicant(pd.Series(["甲公司;乙大学", "丙公司"])).tolist() == ["甲公司", "丙公司"]
    assert main_subclass(pd.Series(["H01L 21/02;G06F 3/00", " H 01M2/10", ""])).tolist() == ["H01L", "H01M", None]


def test_cra_by_hand_on_three_cities():
    """Section/class units.  j: 10 patents in H01; J: 10 in H02; L: 10 in H01, 10 in A01.
      Tg_j = (H 10), Tg_J = (H 10), Tg_L = (H 10, A 10), ||Tg_L|| = sqrt(200)
      Cra_jJ = (100 - 0)/(10*10) = 1          (same section, different classes)
      Cra_jL = (100 - 100)/(10*sqrt200) = 0   (the H part is identical)
      Cra_JL = (100 - 0)/(10*sqrt200) = 1/sqrt2
    """
    tg = [("j", "H", 10), ("J", "H", 10), ("L", "H", 10), ("L", "A", 10)]
    tm = [("j", "H01", 10), ("J", "H02", 10), ("L", "H01", 10), ("L", "A01", 10)]
    cra = pairwise_cra(_vec(tg), _vec(tm))
    assert cra.loc["j", "J"] == pytest.approx(1.0)
    assert cra.loc["J", "j"] == pytest.approx(1.0)
    assert cra.loc["j", "L"] == pytest.approx(0.0)
    assert cra.loc["J", "L"] == pytest.approx(1 / math.sqrt(2))
    assert np.isnan(np.diag(cra.to_numpy())).all()


def test_identical_vectors_give_zero_and_partial_overlap():
    # identical vectors: Tg.Tg = Tm.Tm -> 0
    cra = pairwise_cra(_vec([("a", "H", 5), ("b", "H", 5)]), _vec([("a", "H01", 5), ("b", "H01", 5)]))
    assert cra.loc["a", "b"] == 0.0
    # j: H01 6, H02 4; J: H01 3, H02 3, G06 4
    # Tg.Tg = 10*6 = 60; Tm.Tm = 6*3 + 4*3 = 30; ||Tg_j|| = 10, ||Tg_J|| = sqrt(36 + 16)
    # Cra = 30/(10*sqrt52) = 3/sqrt52
    cra = pairwise_cra(
        _vec([("j", "H", 10), ("J", "H", 6), ("J", "G", 4)]),
        _vec([("j", "H01", 6), ("j", "H02", 4), ("J", "H01", 3), ("J", "H02", 3), ("J", "G06", 4)]),
    )
    assert cra.loc["j", "J"] == pytest.approx(3 / math.sqrt(52))


def test_cra_within_unit_interval_on_random_vectors():
    rng = np.random.default_rng(0)
    classes = ["A01", "A61", "B01", "B60", "C07", "C08", "H01", "H02", "H04", "G06"]
    rows = [(f"c{i}", m, float(rng.integers(0, 4))) for i in range(30) for m in classes]
    tm = _vec([r for r in rows if r[2] > 0])
    tg = tm.assign(unit=tm["unit"].str[:1]).groupby(["city_code", "unit"], as_index=False)["value"].sum()
    cra = pairwise_cra(tg, tm).to_numpy()
    off = cra[~np.eye(len(cra), dtype=bool)]
    assert off.min() >= -1e-12 and off.max() <= 1 + 1e-12


def test_c_with_both_weight_denominators():
    """Cities of the hand Cra case with P_j = 10, P_J = 10, P_L = 20 (total 40).
    national: C_j = (10*1 + 20*0)/40 = 0.25
              C_J = (10*1 + 20/sqrt2)/40 = 0.25 + 0.5/sqrt2
              C_L = (10*0 + 10/sqrt2)/40 = 0.25/sqrt2
    partners: C_j = 10/30, C_J = (10 + 20/sqrt2)/30, C_L = (10/sqrt2)/20
    """
    fl = _flows(
        {"j": 10.0, "J": 10.0, "L": 20.0},
        [("j", "H", 10), ("J", "H", 10), ("L", "H", 10), ("L", "A", 10)],
        [("j", "H01", 10), ("J", "H02", 10), ("L", "H01", 10), ("L", "A01", 10)],
    )
    r2 = math.sqrt(2)
    nat = complementarity(fl, "national").set_index("city_code")["complementarity"]
    assert nat.to_dict() == pytest.approx({"j": 0.25, "J": 0.25 + 0.5 / r2, "L": 0.25 / r2})
    par = complementarity(fl, "partners").set_index("city_code")["complementarity"]
    assert par.to_dict() == pytest.approx({"j": 1 / 3, "J": (10 + 20 / r2) / 30, "L": (10 / r2) / 20})


def test_single_city_has_no_partner():
    fl = _flows({"j": 3.0}, [("j", "H", 3)], [("j", "H01", 3)])
    assert complementarity(fl, "national")["complementarity"].tolist() == [0.0]
    assert complementarity(fl, "partners")["complementarity"].tolist() == [0.0]


def _patents(rows):
    return pd.DataFrame(
        rows, columns=["application_id", "application_year", "patent_type", "applicant_name", "applicant_city_code", "ipc_codes"]
    )


IPC_INDUSTRY = pd.DataFrame({"ipc": ["H01L", "H01L", "H02J", "G06F"], "industry_code": ["39", "40", "39", "40"],
                             "weight": [0.7, 0.3, 1.0, 1.0]})


def test_multi_code_patent_under_both_counting_switches():
    """j (330100): one patent 'H01L 21/02;G06F 3/00'; J (310100): one 'H02J 7/00'; both industry 39
    (applicants not in the survey; H01L -> 39 (0.7)/40 (0.3), H02J -> 39).  In industry 39:
    P_j = 0.7, P_J = 1, total 1.7.
      main: Tg_j = (H .7), Tm_j = (H01 .7); Tg_J = (H 1), Tm_J = (H02 1)
            Cra = (.7 - 0)/(.7*1) = 1; C_j = (1/1.7)*1, C_J = (.7/1.7)*1
      fractional: Tg_j = (H .35, G .35), Tm_j = (H01 .35, G06 .35)
            Cra = (.35 - 0)/(sqrt(2)*.35 * 1) = 1/sqrt2; C_j = (1/1.7)/sqrt2, C_J = (.7/1.7)/sqrt2
    """
    pats = _patents(
        [
            ["P1", 2005, "invention", "某大学", "330102", "H01L 21/02;G06F 3/00"],
            ["P2", 2005, "invention", "某研究所", "310115", "H02J 7/00"],
            ["P3", 2005, "utility_model", "某大学", "330102", "H02J 7/00"],  # not an invention
        ]
    )
    name_ind = survey_name_industry(pd.DataFrame(columns=["firm_id", "year", "name_norm", "industry_code"]))
    r2 = math.sqrt(2)
    for counting, cra in [("main", 1.0), ("fractional", 1 / r2)]:
        fl = patent_flows(pats, name_ind, IPC_INDUSTRY, MethodSettings(ipc_counting=counting))
        c = complementarity(fl, "national")
        c39 = c[c["industry_code"] == "39"].set_index("city_code")
        assert c39["invention_patents"].to_dict() == pytest.approx({"330100": 0.7, "310100": 1.0})
        assert c39["complementarity"].to_dict() == pytest.approx(
            {"330100": cra / 1.7, "310100": 0.7 * cra / 1.7}
        )
        # industry 40: only j (0.3 of P1): no partner, C = 0
        assert c[c["industry_code"] == "40"]["complementarity"].tolist() == [0.0]


def test_technology_units_levels_and_fractions():
    ids = pd.Series(["P1"])
    codes = pd.Series(["H01L 21/02;H01M 2/10;G06F 3/00"])
    main = technology_units(codes, ids, "subclass", "main")
    assert main[["unit", "share"]].values.tolist() == [["H01L", 1.0]]
    frac = technology_units(codes, ids, "class", "fractional")
    # H01 twice (2/3), G06 once (1/3)
    assert dict(zip(frac["unit"], frac["share"])) == pytest.approx({"G06": 1 / 3, "H01": 2 / 3})


def test_industry_by_nearest_survey_year_and_lowest_firm_id():
    """Survey: 'A公司' F9 in 2003 (CIC 3911 -> 39) and F9 in 2007 (4011 -> 40);
    'B公司' in 2003 held by F2 (2610) and F1 (2710): lowest firm_id F1 -> 27.
      P1 2005, A: 2003 and 2007 both 2 years away -> earlier, 39
      P2 2006, A（公司）;其他 (first applicant, normalised): nearest 2007 -> 40
      P3 2005, B: only 2003 -> F1 -> 27
      P4 unknown name, main subclass H01L -> 39 (0.7) + 40 (0.3)
      P5 unknown name, subclass A99Z not in the concordance -> left out
    """
    idx = pd.concat(
        [
            survey_index_rows(pd.DataFrame({"firm_id": ["F9", "F2", "F1"], "firm_name": ["A公司", "B公司", "B公司"],
                                            "city_code": "330102", "industry_code": ["3911", "2610", "2710"]}), 2003),
            survey_index_rows(pd.DataFrame({"firm_id": ["F9"], "firm_name": ["A公司"], "city_code": "330102",
                                            "industry_code": ["4011"]}), 2007),
        ],
        ignore_index=True,
    )
    pats = _patents(
        [
            ["P1", 2005, "invention", "A公司", "330102", "H02J 7/00"],
            ["P2", 2006, "invention", "A（公司）;其他", "330102", "H02J 7/00"],
            ["P3", 2005, "invention", "B公司", "330102", "H02J 7/00"],
            ["P4", 2005, "invention", "某人", "330102", "H01L 21/02"],
            ["P5", 2005, "invention", "某人", "330102", "A99Z 1/00"],
        ]
    )
    a = assign_industry(pats, survey_name_industry(idx), IPC_INDUSTRY)
    got = sorted(map(tuple, a[["application_id", "industry_code", "weight", "source"]].values.tolist()))
    assert got == [
        ("P1", "39", 1.0, "name"),
        ("P2", "40", 1.0, "name"),
        ("P3", "27", 1.0, "name"),
        ("P4", "39", 0.7, "ipc"),
        ("P4", "40", 0.3, "ipc"),
    ]


def test_placebo_industry():
    io = pd.DataFrame(
        {
            "industry_code": ["39", "39", "39", "39", "40", "27", "27"],
            "supplier_industry_code": ["39", "26", "34", "33", "40", "26", "31"],
            "input_coefficient": [0.001, 0.05, 0.02, 0.02, 0.1, np.nan, 0.3],
        }
    )
    p = placebo_industries(io)
    # 39: own row excluded; 33 and 34 tie at 0.02 -> smallest code 33
    # 40: only its own row -> no placebo; 27: the null coefficient is no candidate -> 31
    assert p.to_dict() == {"27": "31", "39": "33"}


def test_mart_cells_no_patents_and_placebo():
    """Industry 39 has patents in j=330100 and J=310100 (C as in the hand case:
    Cra = 1, P 10 each -> C = 0.5 each); industry 33 patents only in J.
    Survey cells: (330100, 39) [patents], (440300, 39) [no patents], (330100, 40).
      (440300, 39): C = 0, invention_patents = 0, flag true
      placebo of 39 is 33: (310100, 39) -> C of (310100, 33) = 0 (alone); (330100, 39) -> 0
        ((330100, 33) has no patents)
      placebo of 40: absent from io_links -> NULL
    """
    fl39 = _flows({"330100": 10.0, "310100": 10.0}, [("330100", "H", 10), ("310100", "H", 10)],
                  [("330100", "H01", 10), ("310100", "H02", 10)], k="39")
    fl33 = _flows({"310100": 4.0}, [("310100", "B", 4)], [("310100", "B01", 4)], k="33")
    fl = sum_flows([fl39, fl33])
    idx = survey_index_rows(
        pd.DataFrame({"firm_id": ["F1", "F2", "F3"], "firm_name": ["x", "y", "z"],
                      "city_code": ["330102", "440305", "330106"], "industry_code": ["3911", "3912", "4011"]}),
        2005,
    )
    placebo = pd.Series({"39": "33"})
    out = city_industry_complementarity(2005, fl, survey_cells(idx), placebo, MethodSettings())
    rows = {(r.city_code, r.industry_code): r for r in out.itertuples()}
    assert set(rows) == {("310100", "33"), ("310100", "39"), ("330100", "39"), ("330100", "40"), ("440300", "39")}
    assert rows[("330100", "39")].complementarity == pytest.approx(0.5)
    assert rows[("330100", "39")].invention_patents == 10.0
    assert not rows[("330100", "39")].no_patents_flag
    r = rows[("440300", "39")]
    assert (r.complementarity, r.invention_patents, r.no_patents_flag) == (0.0, 0.0, True)
    assert rows[("310100", "39")].placebo_complementarity == 0.0
    assert rows[("330100", "39")].placebo_complementarity == 0.0
    assert np.isnan(rows[("330100", "40")].placebo_complementarity)
    assert out["year"].eq(2005).all()
    assert list(out[["city_code", "industry_code"]].itertuples(index=False, name=None)) == sorted(rows)


def test_placebo_takes_the_placebo_cells_c():
    # industry 33 with patents in j and J: C = 0.5 each (Cra 1); placebo of 39 is 33
    fl39 = _flows({"330100": 1.0}, [("330100", "H", 1)], [("330100", "H01", 1)], k="39")
    fl33 = _flows({"330100": 2.0, "310100": 2.0}, [("330100", "B", 2), ("310100", "B", 2)],
                  [("330100", "B01", 2), ("310100", "B02", 2)], k="33")
    out = city_industry_complementarity(2005, sum_flows([fl39, fl33]), survey_cells(survey_index_rows(
        pd.DataFrame({"firm_id": [], "firm_name": [], "city_code": [], "industry_code": []}), 2005)),
        pd.Series({"39": "33"}), MethodSettings())
    r = out.set_index(["city_code", "industry_code"]).loc[("330100", "39")]
    assert r["complementarity"] == 0.0 and r["placebo_complementarity"] == pytest.approx(0.5)


def test_window_sums_flows():
    a = _flows({"j": 1.0}, [("j", "H", 1)], [("j", "H01", 1)])
    b = _flows({"j": 2.0, "J": 1.0}, [("j", "H", 2), ("J", "H", 1)], [("j", "H01", 2), ("J", "H02", 1)])
    s = sum_flows([a, b])
    assert s.patents.set_index("city_code")["patents"].to_dict() == {"j": 3.0, "J": 1.0}
    # Cra_jJ = (3*1 - 0)/(3*1) = 1; national: C_j = 1/4, C_J = 3/4
    c = complementarity(s, "national").set_index("city_code")["complementarity"]
    assert c.to_dict() == pytest.approx({"j": 0.25, "J": 0.75})


def test_class_subclass_levels():
    """ipc_levels = class_subclass: g = 3-char class, m = 4-char subclass.
    j: H01L, J: H01M (same class, different subclass) -> Cra = 1; with section_class
    both are H / H01 -> identical -> Cra = 0.  P = 1 each (H01L -> 39 weight .7, so use names
    in no survey and an ipc table mapping both to 39 with weight 1)."""
    pats = _patents(
        [
            ["P1", 2005, "invention", "某大学", "330102", "H01L 21/02"],
            ["P2", 2005, "invention", "某所", "310115", "H01M 2/10"],
        ]
    )
    ipc = pd.DataFrame({"ipc": ["H01L", "H01M"], "industry_code": "39", "weight": 1.0})
    name_ind = survey_name_industry(pd.DataFrame(columns=["firm_id", "year", "name_norm", "industry_code"]))
    for levels, expected in [("class_subclass", 0.5), ("section_class", 0.0)]:
        fl = patent_flows(pats, name_ind, ipc, MethodSettings(ipc_levels=levels))
        c = complementarity(fl, "national")["complementarity"].tolist()
        # national D = 2: C = (1/2) * Cra
        assert c == pytest.approx([expected, expected])
