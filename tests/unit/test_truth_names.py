"""METHOD §2 name / phone / zip keys of the truth implementation."""

import pandas as pd
import pytest

from analytics.synth.truth.names import (
    is_intermediary,
    is_intermediary_series,
    normalise_name,
    normalise_name_series,
    phone_key,
    phone_key_series,
    zip_key,
)

KEYWORDS = ["进出口", "经贸", "贸易", "科贸", "外经"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        # full-width letters, digits and brackets -> half-width (NFKC), brackets removed
        ("ＡＢＣ（北京）有限公司", "ABC北京有限公司"),
        ("华为１２３科技", "华为123科技"),
        # ideographic space U+3000 and ordinary whitespace removed
        ("上海\u3000华为 科技\t有限公司", "上海华为科技有限公司"),
        # 有限责任公司 -> 有限公司 (after whitespace removal, so a split suffix is caught too)
        ("深圳市甲乙有限责任公司", "深圳市甲乙有限公司"),
        ("深圳市甲乙有限 责任公司", "深圳市甲乙有限公司"),
        # every listed bracket removed, half- and full-width
        ("【甲】〔乙〕「丙」『丁』《戊》〈己〉[庚]{辛}(壬)", "甲乙丙丁戊己庚辛壬"),
        ("［甲］｛乙｝", "甲乙"),
        # case is kept (METHOD does not fold case)
        ("Abc公司", "Abc公司"),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("raw", [None, float("nan"), "", " \u3000 ", "（）"])
def test_normalise_name_missing_or_empty_is_none(raw):
    assert normalise_name(raw) is None


def test_full_width_and_half_width_names_agree():
    assert normalise_name("ＸＹＺ（上海）有限责任公司") == normalise_name("XYZ (上海) 有限公司")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("010-8888 1234", "8881234"),  # digits 01088881234 -> last 7
        ("(0571)8888-1234", "8881234"),
        ("８８８１２３４", "8881234"),  # full-width digits count (NFKC)
        ("1234567", "1234567"),  # exactly 7
        ("123456", None),  # fewer than 7 digits
        ("--", None),
        (None, None),
    ],
)
def test_phone_key(raw, expected):
    assert phone_key(raw) == expected


def test_zip_key():
    assert zip_key("310000") == "310000"
    assert zip_key(" 310000 ") == "310000"
    assert zip_key(None) is None
    assert zip_key("") is None


def test_is_intermediary():
    assert is_intermediary("浙江华东进出口有限公司", KEYWORDS)
    assert is_intermediary("浙江 华东 进 出口 有限公司", KEYWORDS)  # whitespace cannot hide a keyword
    assert is_intermediary("宁波科贸公司", KEYWORDS)
    assert not is_intermediary("浙江华东机械有限公司", KEYWORDS)
    assert not is_intermediary(None, KEYWORDS)


def test_series_variants_equal_scalar():
    names = pd.Series(["ＡＢＣ（北京）有限责任公司", None, "ＡＢＣ（北京）有限责任公司", "甲 贸易"])
    out = normalise_name_series(names)
    assert out.tolist() == ["ABC北京有限公司", None, "ABC北京有限公司", "甲贸易"]
    assert phone_key_series(pd.Series(["010-8888 1234", None, "12"])).tolist() == ["8881234", None, None]
    assert is_intermediary_series(names, KEYWORDS).tolist() == [False, False, False, True]
