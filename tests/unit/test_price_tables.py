"""The optional price tables of METHOD §0 step 5 (schemas/prices.py): refused,
naming file, column, rule and example rows, when a deflator is not positive,
a key repeats, a year is out of range, a code is not 2 digits or the base
year's index is not 1; absent tables are a note, not an error."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import rawio
from schemas.prices import validate_price_tables
from schemas.validate import OPTIONAL_MODELS, RawValidationError

GOOD = pd.DataFrame({"industry_code": ["17", "17", "35"], "year": [1998, 1999, 1998],
                     "output_deflator": [1.0, 1.05, 1.0], "input_deflator": [1.0, 1.1, 1.0]})
GOOD_INVESTMENT = pd.DataFrame({"year": [1998, 1999], "deflator": [1.0, 1.02]})


def _root(tmp_path, deflators=GOOD, investment=GOOD_INVESTMENT):
    if deflators is not None:
        rawio.write_reference(tmp_path, "deflators", deflators)
    if investment is not None:
        rawio.write_reference(tmp_path, "investment_deflator", investment)
    return tmp_path


def test_good_tables_pass_and_are_optional_models(tmp_path):
    assert validate_price_tables(_root(tmp_path)) == {"deflators": 3, "investment_deflator": 2}
    assert {"deflators", "investment_deflator"} <= set(OPTIONAL_MODELS)


def test_absent_tables_are_a_note(tmp_path):
    notes = []
    assert validate_price_tables(tmp_path, note=notes.append) == {"deflators": 0, "investment_deflator": 0}
    assert len(notes) == 2 and all("nominal" in n for n in notes)


@pytest.mark.parametrize("change, column, rule", [
    ({"output_deflator": [1.0, 0.0, 1.0]}, "output_deflator", "greater_than(0)"),
    ({"input_deflator": [1.0, -1.1, 1.0]}, "input_deflator", "greater_than(0)"),
    ({"industry_code": ["17", "17", "351"]}, "industry_code", "digits(n=2)"),
    ({"year": [1998, 1998, 1998]}, "industry_code, year", "unique key (industry_code, year)"),
    ({"year": [1998, 2099, 1998]}, "year", "in_range(1978, 2030)"),
    ({"output_deflator": [1.2, 1.05, 1.0]}, "output_deflator, input_deflator",
     "output and input deflators are 1 in 1998"),
])
def test_bad_deflators_are_refused_naming_file_column_rule_rows(tmp_path, change, column, rule):
    root = _root(tmp_path, GOOD.assign(**change))
    with pytest.raises(RawValidationError) as info:
        validate_price_tables(root)
    text = str(info.value)
    assert "reference/deflators" in text and f"column {column} | rule {rule}" in text, text
    assert "row" in text  # the failing rows are shown


@pytest.mark.parametrize("investment, rule", [
    (GOOD_INVESTMENT.assign(deflator=[1.0, float("nan")]), "not_nullable"),
    (GOOD_INVESTMENT.assign(year=[1998, 1998]), "unique key (year)"),
    (GOOD_INVESTMENT.assign(deflator=[0.9, 1.0]), "deflator is 1 in 1998"),
])
def test_bad_investment_deflator_is_refused(tmp_path, investment, rule):
    with pytest.raises(RawValidationError) as info:
        validate_price_tables(_root(tmp_path, investment=investment))
    assert "reference/investment_deflator" in str(info.value) and rule in str(info.value), str(info.value)
