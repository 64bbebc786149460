"""Codes restored on the way in, on hand cases (analytics/ingest/restore.py)."""

from __future__ import annotations

import pandas as pd

from analytics.ingest import restore


def s(*values):
    return pd.Series(list(values), dtype=object)


def test_hs_codes_get_their_leading_zero_back_and_other_lengths_are_refused():
    codes, padded, bad = restore.hs8(s("1012100", "84713000", "8471.30.00", "847130", None))
    assert codes.tolist() == ["01012100", "84713000", "84713000", None, None]
    assert padded.tolist() == [True, False, False, False, False]
    assert bad.tolist() == [False, False, False, True, True]


def test_firm_ids_are_padded_trimmed_and_upper_cased():
    ids, padded, bad = restore.padded_id(s("987654321", " 1234567890 ", "12345678901", None), 10)
    assert ids.tolist()[:3] == ["0987654321", "1234567890", "12345678901"]
    assert padded.tolist() == [True, False, False, False]
    assert bad.tolist() == [False, False, True, True]
    legal, padded, bad = restore.padded_id(s("12345678x", "1234567", "ABCDEFGH"), 9, upper=True)
    assert legal.tolist() == ["12345678X", "001234567", "ABCDEFGH"]
    assert padded.tolist() == [False, True, False]
    assert bad.tolist() == [False, False, True]  # 8 characters, not all digits: not padded, refused


def test_twelve_digit_region_codes_keep_their_first_six_digits():
    codes, cut, bad = restore.region6(s("330106000000", "330106", "3301", None))
    assert codes.tolist() == ["330106", "330106", None, None]
    assert cut.tolist() == [True, False, False, False]
    assert bad.tolist() == [False, False, True, True]


def test_every_date_spelling_gives_year_and_month():
    # Stata daily date 15706 = 2003-01-01 (days since 1960-01-01)
    year, month, bad = restore.year_month(
        s("200301", "20030215", "2003-03-31", "2003.04.01", "2003/5/6", "15706", "2003-07-01 00:00:00",
          "2003-13", "abc", None))
    assert year.tolist()[:7] == [2003] * 7
    assert month.tolist()[:7] == [1, 2, 3, 4, 5, 1, 7]
    assert bad.tolist() == [False] * 7 + [True] * 3


def test_a_bare_year_gives_the_year_without_a_month():
    # a date column of annual files holding only the year; 9500 stays a Stata date (1986-01-04)
    year, month, bad = restore.year_month(s("2007", "1998", "9500", "1965"))
    assert year.tolist()[:3] == [2007, 1998, 1986]
    assert month.isna().tolist()[:2] == [True, True] and month.tolist()[2] == 1
    assert bad.tolist() == [False, False, False, False]  # 1965 is a bare year too; the schema refuses it


def test_names_are_kept_as_delivered_and_only_blank_cells_become_null():
    names = restore.as_delivered(s(" 杭州甲\u3000有限公司 ", "﹙无锡﹚乙公司", "\u3000 ", "", None))
    assert names.tolist() == [" 杭州甲\u3000有限公司 ", "﹙无锡﹚乙公司", None, None, None]


def test_numbers_accept_thousands_separators_and_refuse_text():
    values, bad = restore.number(s("1,000.5", " 200 ", "", None, "12abc"))
    assert values.tolist()[:2] == [1000.5, 200.0]
    assert values.isna().tolist() == [False, False, True, True, True]
    assert bad.tolist() == [False, False, False, False, True]
    ints, bad = restore.integer(s("12", "12.0", "12.5"))
    assert ints.tolist()[:2] == [12, 12] and bad.tolist() == [False, False, True]


def test_value_maps_compare_normalised_text_and_refuse_unlisted_values():
    values, bad = restore.mapped(s("出口", " 进口", "1", None), {"出口": "export", "进口": "import"})
    assert values.tolist() == ["export", "import", None, None]
    assert bad.tolist() == [False, False, True, False]


def test_patent_type_from_the_application_number():
    ids = s("200310100000.X", "CN200320100000.1", "200330100000.5", "03110000.5", "99210000", "98310000",
            "200340100000.1", "12345")
    assert restore.patent_type_from_number(ids).tolist() == [
        "invention", "utility_model", "design", "invention", "utility_model", "design", None, None]


def test_ipc_codes_put_the_main_symbol_first_once_in_the_contract_form():
    got = restore.ipc_codes(s("H01L21/02", "a61k 31/00", None), s("H01L 29/78;H01L21/02", None, "G06F 3/01"))
    assert got.tolist() == ["H01L 21/02;H01L 29/78", "A61K 31/00", "G06F 3/01"]


def test_phones_keep_digits_dashes_and_spaces_and_zips_are_six_digits():
    phones, changed = restore.phone(s("(0571)8888-888", "0571 888", "转"))
    assert phones.tolist() == ["05718888-888", "0571 888", None]
    assert changed.tolist() == [True, False, True]
    zips, bad = restore.zip6(s("310000", "2000", None))
    assert zips.tolist() == ["310000", None, None] and bad.tolist() == [False, True, False]
