"""The pandas twin of METHOD §0 step 5 (analytics.synth.truth.real_values) on the
hand-made cases of tests/real_values_cases.py, which dbt's int_survey_real_values
must also give (tests/integration/test_dbt_real_values.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.synth.truth.real_values import real_values
from tests.real_values_cases import DEFLATORS, EXPECTED, INVESTMENT_DEFLATOR, SURVEY

PANEL_FIRM = {"PIMPANL2B": "PIMPANL1A"}  # the one change of legal-person code among the cases


def survey() -> pd.DataFrame:
    s = pd.DataFrame([r for rows in SURVEY.values() for r in rows])
    s["panel_firm_id"] = s["firm_id"].map(PANEL_FIRM).fillna(s["firm_id"])
    s["industry_code_2"] = s["industry_code"].str[:2]
    return s


def as_dict(got: pd.DataFrame) -> dict:
    got = got.astype(object).where(got.notna(), None)
    return {(int(r.year), r.firm_id): (r.real_output, r.real_intermediate_inputs, r.real_capital,
                                       bool(r.deflator_missing), bool(r.investment_deflator_missing))
            for r in got.itertuples()}


def assert_cases(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, values in want.items():
        assert got[key][3:] == values[3:], key
        for g, w in zip(got[key][:3], values[:3]):
            assert (g is None) == (w is None), key
            if w is not None:
                assert g == pytest.approx(w, rel=1e-12), key


def test_cases():
    got = real_values(survey(), DEFLATORS, INVESTMENT_DEFLATOR)
    assert (got["real_sales"].fillna(-1) == got["real_output"].fillna(-1)).all()
    assert_cases(as_dict(got), EXPECTED)


def test_without_price_tables_everything_is_missing():
    got = real_values(survey(), None, None)
    assert got["deflator_missing"].all() and got["investment_deflator_missing"].all()
    assert got[["real_output", "real_intermediate_inputs", "real_capital"]].isna().all().all()
