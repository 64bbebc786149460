"""The pandas twin of METHOD §0 step 4 (analytics.synth.truth.preparation.ownership_shares)
on the hand-made cases of tests/ownership_cases.py, which dbt's
int_survey_ownership_shares must also give (tests/integration/test_dbt_ownership.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.synth.truth.preparation import ownership_shares, registration_type_shares
from tests.ownership_cases import EXPECTED, EXPECTED_NONE, SURVEY

PANEL_FIRM = {"OWNPANL2B": "OWNPANL1A"}  # the one change of legal-person code among the cases


def survey() -> pd.DataFrame:
    s = pd.DataFrame([r for rows in SURVEY.values() for r in rows])
    s["panel_firm_id"] = s["firm_id"].map(PANEL_FIRM).fillna(s["firm_id"])
    return s


def as_dict(got: pd.DataFrame) -> dict:
    got = got.astype(object).where(got.notna(), None)
    return {(int(r.year), r.firm_id): (r.state_share, r.foreign_share, r.ownership_source,
                                       None if r.ownership_year is None else int(r.ownership_year))
            for r in got.itertuples()}


@pytest.mark.parametrize("how, want", [("nearest_year", EXPECTED), ("none", EXPECTED_NONE)])
def test_cases(how, want):
    got = as_dict(ownership_shares(survey(), how))
    assert set(got) == set(want)
    for key, (state, foreign, source, year) in want.items():
        assert got[key][2:] == (source, year), key
        for g, w in zip(got[key][:2], (state, foreign)):
            assert (g is None) == (w is None), key
            if w is not None:
                assert g == pytest.approx(w, abs=1e-12), key


def test_registration_codes():
    got = registration_type_shares(pd.Series(["110", "120", "151", "159", "210", "240", "241", "310", "340",
                                              "390", None]))
    assert got["state_share"].tolist()[:10] == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert got["foreign_share"].tolist()[:10] == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    assert got.iloc[10].isna().all()


def test_without_registration_column_the_rest_stays_missing():
    s = survey().drop(columns="registration_type")
    got = as_dict(ownership_shares(s))
    assert got[(2008, "OWNREGS1A")] == (None, None, None, None)
    assert got[(2008, "OWNNEAR1A")][2:] == ("nearest_year", 2007)
