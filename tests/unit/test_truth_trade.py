"""METHOD §1: HS versions, HS1996 harmonisation, BEC end use, trade regimes."""

import pandas as pd
import pytest

from analytics.synth.truth.trade import end_use, end_use_table, harmonise, hs_version, regime_class

CONCORDANCE = pd.DataFrame(
    {
        "from_version": ["HS2007", "HS2007", "HS2007", "HS2002"],
        "from_hs6": ["847130", "847130", "290110", "847130"],
        "hs6_1996": ["847130", "847141", "290110", "847130"],
        "weight": [0.6, 0.4, 1.0, 1.0],
    }
)
HS_BEC = pd.DataFrame(
    {
        "hs6_1996": ["847130", "847141", "290110", "970600", "010120", "010120"],
        "bec_code": ["41", "42", "322", "7", "41", "111"],
        "end_use": ["capital", "intermediate", "intermediate", None, "capital", "intermediate"],
    }
)


@pytest.mark.parametrize(
    "year, version",
    [(2000, "HS1996"), (2001, "HS1996"), (2002, "HS2002"), (2006, "HS2002"), (2007, "HS2007"),
     (2011, "HS2007"), (2012, "HS2012"), (2014, "HS2012")],
)
def test_hs_version(year, version):
    assert hs_version(year) == version


def test_hs_version_outside_sample_raises():
    with pytest.raises(ValueError):
        hs_version(1999)


def test_harmonise_split_code_and_unlinked_code():
    rows = pd.DataFrame(
        {"customs_firm_id": ["A", "A"], "hs_code": ["84713000", "99999999"], "value_usd": [100.0, 50.0]}
    )
    out = harmonise(rows, CONCORDANCE, 2008)  # HS2007 in force
    # 84713000 -> HS2007 847130 -> 847130 (0.6) and 847141 (0.4): 100 -> 60 + 40
    # 99999999 -> no HS2007 link: kept whole (50), hs6_1996 NULL
    assert out["hs6"].tolist() == ["847130", "847130", "999999"]
    assert out["hs6_1996"].tolist() == ["847130", "847141", None]
    assert out["value_usd"].tolist() == pytest.approx([60.0, 40.0, 50.0])
    assert out["split_weight"].tolist() == pytest.approx([0.6, 0.4, 1.0])
    assert out["value_usd"].sum() == pytest.approx(150.0)  # nothing lost


def test_harmonise_uses_the_version_in_force():
    rows = pd.DataFrame({"customs_firm_id": ["A"], "hs_code": ["84713000"], "value_usd": [100.0]})
    # 2004: HS2002 link 847130 -> 847130 weight 1, no split
    out = harmonise(rows, CONCORDANCE, 2004)
    assert out["hs6_1996"].tolist() == ["847130"]
    assert out["value_usd"].tolist() == [100.0]


def test_harmonise_hs1996_years_identity_on_first_six_digits():
    rows = pd.DataFrame({"customs_firm_id": ["A"], "hs_code": ["99999912"], "value_usd": [7.0]})
    out = harmonise(rows, CONCORDANCE, 2001)
    assert out["hs6_1996"].tolist() == ["999999"]
    assert out["value_usd"].tolist() == [7.0]


def test_end_use_from_bec_classes():
    codes = pd.Series(["847130", "847141", "290110", "970600", "123456", None])
    # 41 capital, 42 intermediate, 322 intermediate, 7 unclassified, absent -> NULL, NULL code -> NULL
    assert end_use(codes, HS_BEC).tolist() == ["capital", "intermediate", "intermediate", None, None, None]


def test_end_use_several_bec_rows_takes_smallest_code():
    # 010120 has BEC 41 and 111: the smallest code as text, "111" < "41" -> intermediate
    assert end_use_table(HS_BEC)["010120"] == "intermediate"


def test_regime_class_default_and_reference():
    codes = pd.Series(["10", "14", "15", "20", "25", "35", "33", "99"])
    assert regime_class(codes).tolist() == [
        "ordinary", "processing", "processing", "capital_equipment", "capital_equipment",
        "capital_equipment", "other", "other",
    ]
    ref = pd.DataFrame({"trade_regime": ["10", "14"], "regime_class": ["ordinary", "processing"]})
    # a code absent from the supplied table is "other", even one the seed knows
    assert regime_class(pd.Series(["10", "14", "15"]), ref).tolist() == ["ordinary", "processing", "other"]
