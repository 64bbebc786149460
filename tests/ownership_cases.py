"""Hand-made survey rows for METHOD §0 step 4 (ownership shares where the capital
components are missing), with the shares the preparation must give them, worked
out by hand: shared by tests/integration/test_dbt_ownership.py (dbt) and
tests/unit/test_truth_ownership.py (the pandas twin).

Paid-in capital is 100 unless said, so a component of 30 is a share of 0.3; the
components are missing (NULL) in 2008 unless said.
"""

from __future__ import annotations

from tests.preparation_cases import survey_row

NO_COMPONENTS = {"state_capital": None, "foreign_capital": None, "hmt_capital": None}


def row(firm_id: str, year: int, state=0.0, foreign=0.0, hmt=0.0, **over) -> dict:
    return survey_row(firm_id, year, paid_in_capital=100.0, state_capital=state, foreign_capital=foreign,
                      hmt_capital=hmt, **over)


def missing(firm_id: str, year: int, **over) -> dict:
    return survey_row(firm_id, year, paid_in_capital=100.0, **{**NO_COMPONENTS, **over})


SURVEY = {
    2007: [
        row("OWNNEAR1A", 2007, foreign=40.0, hmt=20.0),
        missing("OWNNEAR2A", 2007),
        # the panel firm's first id: the same name as OWNPANL2B, which starts in 2008
        row("OWNPANL1A", 2007, foreign=100.0, firm_name="联动机械有限公司"),
        row("OWNPNUL1A", 2007, foreign=50.0),
    ],
    2008: [
        row("OWNCOMP1A", 2008, state=30.0, foreign=20.0, hmt=10.0),
        # 2007 (0.6) and 2009 (0.8) are as near: the earlier wins
        missing("OWNNEAR1A", 2008),
        missing("OWNNEAR2A", 2008),
        missing("OWNPANL2B", 2008, firm_name="联动机械有限公司"),
        # paid-in capital NULL: no components, the nearest year's shares
        survey_row("OWNPNUL1A", 2008, paid_in_capital=None, state_capital=10.0, foreign_capital=0.0, hmt_capital=0.0),
        # no other year: the registration type
        missing("OWNREGS1A", 2008, registration_type="151"),
        missing("OWNREGH1A", 2008, registration_type="230"),
        missing("OWNREGF1A", 2008, registration_type="310"),
        missing("OWNREGD1A", 2008, registration_type="173"),
        # one component missing is no components
        row("OWNPART1A", 2008, state=10.0, foreign=None, registration_type="110"),
        missing("OWNNULL1A", 2008, registration_type=None),
    ],
    2009: [
        row("OWNNEAR1A", 2009, foreign=80.0),
        row("OWNNEAR2A", 2009, state=100.0),
        missing("OWNPANL2B", 2009, firm_name="联动机械有限公司"),
        # (foreign + HMT) / paid-in = 1.2: capped at 1
        row("OWNCAP01A", 2009, foreign=80.0, hmt=40.0),
    ],
}

# (year, firm_id) -> (state_share, foreign_share, ownership_source, ownership_year) under "nearest_year"
EXPECTED = {
    (2007, "OWNNEAR1A"): (0.0, 0.6, "components", 2007),
    (2007, "OWNNEAR2A"): (1.0, 0.0, "nearest_year", 2009),
    (2007, "OWNPANL1A"): (0.0, 1.0, "components", 2007),
    (2007, "OWNPNUL1A"): (0.0, 0.5, "components", 2007),
    (2008, "OWNCOMP1A"): (0.3, 0.3, "components", 2008),
    (2008, "OWNNEAR1A"): (0.0, 0.6, "nearest_year", 2007),
    (2008, "OWNNEAR2A"): (1.0, 0.0, "nearest_year", 2009),
    (2008, "OWNPANL2B"): (0.0, 1.0, "nearest_year", 2007),
    (2008, "OWNPNUL1A"): (0.0, 0.5, "nearest_year", 2007),
    (2008, "OWNREGS1A"): (1.0, 0.0, "registration_type", None),
    (2008, "OWNREGH1A"): (0.0, 1.0, "registration_type", None),
    (2008, "OWNREGF1A"): (0.0, 1.0, "registration_type", None),
    (2008, "OWNREGD1A"): (0.0, 0.0, "registration_type", None),
    (2008, "OWNPART1A"): (1.0, 0.0, "registration_type", None),
    (2008, "OWNNULL1A"): (None, None, None, None),
    (2009, "OWNNEAR1A"): (0.0, 0.8, "components", 2009),
    (2009, "OWNNEAR2A"): (1.0, 0.0, "components", 2009),
    (2009, "OWNPANL2B"): (0.0, 1.0, "nearest_year", 2007),
    (2009, "OWNCAP01A"): (0.0, 1.0, "components", 2009),
}

# under "none": the components' shares, NULL elsewhere
EXPECTED_NONE = {k: (v if v[2] == "components" else (None, None, None, None)) for k, v in EXPECTED.items()}

# 2008's quality counts under "nearest_year"
COUNTS_2008 = {"survey_ownership_nearest_year": 4, "survey_ownership_registration_type": 5,
               "survey_ownership_null": 1}
