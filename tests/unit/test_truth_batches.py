"""The truth reads a year's customs lines in batches: the same DVAR as read whole.

A paper-scale year has about 8 million customs lines; the truth counts each
firm's names, phones and zip codes and keeps only the columns its trade
totals sum, a batch at a time. Counts add up, so nothing may depend on the
batch size.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import rawio
from analytics.settings import MethodSettings
from analytics.synth.rawroot import MemoryRoot, iter_year, write_year
from analytics.synth.truth import build_survey_index
from analytics.synth.truth.dvar import firm_year_dvar
from analytics.synth.truth.matching import AttributeCounts, customs_firm_attributes
from analytics.synth.truth.preparation import SurveyPreparation


def test_attribute_counts_over_batches_equal_the_whole_year():
    # C1 writes 甲 twice in the first batch and 乙 twice in the second: a tie
    # only the two batches together show, broken to the smaller value 乙
    tx = pd.DataFrame({
        "customs_firm_id": ["C1", "C1", "C2", "C1", "C1", "C2", "C3"],
        "firm_name": ["甲公司", "甲公司", "丙公司", "乙公司", "乙公司", " ", None],
        "phone": [None, "010-8888 1234", None, "", "010-8888 1234", "021-5555 0000", None],
        "zip_code": ["310000", "310001", "200000", "310001", "310001", "200000", None],
    })
    whole = customs_firm_attributes(tx)
    counts = AttributeCounts()
    for part in (tx.iloc[:3], tx.iloc[3:5], tx.iloc[5:]):
        counts.add(part)
    batched = counts.attributes()
    pd.testing.assert_frame_equal(batched, whole)
    a = batched.set_index("customs_firm_id")
    assert a.loc["C1", "firm_name"] == "乙公司"
    assert a.loc["C1", "zip_code"] == "310001"  # 3 against 1
    assert a.loc["C2", "firm_name"] == "丙公司"  # a blank name is not a value
    assert a.loc["C3", "firm_name"] is None  # a firm with no value keeps its row


def test_attributes_of_codes_written_as_numbers_are_their_text():
    # a zip code read as a number, or a column mixing numbers and text, counts as str writes it
    tx = pd.DataFrame({"customs_firm_id": ["C1", "C1", "C1", "C2"],
                       "firm_name": ["甲公司"] * 3 + ["乙公司"],
                       "phone": pd.Series([None, 88881234, "88881234", "  "], dtype=object),
                       "zip_code": [310000, 310000, 310001, 200000]})
    a = customs_firm_attributes(tx).set_index("customs_firm_id")
    assert a.loc["C1", "phone"] == "88881234" and a.loc["C1", "zip_code"] == "310000"
    assert a.loc["C2", "phone"] is None and a.loc["C2", "zip_code"] == "200000"


def test_iter_year_gives_read_year_in_order(tmp_path):
    df = pd.DataFrame({"year": [2005] * 10, "customs_firm_id": [f"C{i % 3}" for i in range(10)],
                       "value_usd": [float(i) for i in range(10)]})
    rawio.write_year(tmp_path, "customs_transactions", 2005, df)
    parts = list(rawio.iter_year(tmp_path, "customs_transactions", 2005, batch_rows=4))
    assert [len(p) for p in parts] == [4, 4, 2]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True),
                                  rawio.read_year(tmp_path, "customs_transactions", 2005))
    assert list(rawio.iter_year(tmp_path, "customs_transactions", 2006)) == []
    # only the columns asked for (those the file has), and the year
    some = pd.concat(rawio.iter_year(tmp_path, "customs_transactions", 2005, batch_rows=4,
                                     columns=["value_usd", "phone"]), ignore_index=True)
    assert sorted(some.columns) == ["value_usd", "year"]
    assert some["value_usd"].tolist() == df["value_usd"].tolist() and (some["year"] == 2005).all()
    with pytest.raises(ValueError, match="batch_rows"):
        next(rawio.iter_year(tmp_path, "customs_transactions", 2005, batch_rows=0))


def test_a_memory_root_gives_its_year_in_one_batch():
    root = MemoryRoot()
    df = pd.DataFrame({"year": [2005, 2005, 2005], "value_usd": [1.0, 2.0, 3.0]})
    write_year(root, "customs_transactions", 2005, df)
    parts = list(iter_year(root, "customs_transactions", 2005, batch_rows=1))
    assert len(parts) == 1 and parts[0].equals(df)
    (some,) = iter_year(root, "customs_transactions", 2005, columns=["value_usd"])
    assert some.equals(df)  # the year column comes along
    (only,) = iter_year(root, "customs_transactions", 2005, columns=["phone"])
    assert list(only.columns) == ["year"]
    assert list(iter_year(root, "customs_transactions", 2006)) == []


def test_dvar_of_a_year_does_not_depend_on_the_batch_size(tiny_world):
    root, _ = tiny_world
    settings = MethodSettings()
    prep = SurveyPreparation.of_root(root, settings)
    index = build_survey_index(root, None, settings, prep)
    year = 2008
    rows = len(rawio.read_year(root, "customs_transactions", year))
    whole = firm_year_dvar(root, year, settings, index, survey=prep.year(year))
    batched = firm_year_dvar(root, year, settings, index, survey=prep.year(year), batch_rows=rows // 7 + 1)
    assert len(whole) > 50 and whole["dvar"].notna().sum() > 50
    pd.testing.assert_frame_equal(batched, whole)
