"""dbt METHOD §0 step 4 (ownership shares where the capital components are
missing) on a hand-made survey (tests/ownership_cases.py): the components'
shares where a row has them (capped at 1); else the panel firm's nearest year
with components, the earlier of two as near, across a change of legal-person
code; else the registration type (state, HMT, foreign, other); else NULL.
The quality counts, ``impute_ownership_shares = "none"``, and the analysis
panel's shares read from this model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from analytics.synth.panel import generator_survey
from analytics.synth.truth.preparation import ownership_shares

from tests.integration.test_dbt_preparation import SETTINGS, build, counts, sql, write_root
from tests.ownership_cases import COUNTS_2008, EXPECTED, EXPECTED_NONE, SURVEY
from tests.preparation_cases import CUSTOMS


def shares(warehouse) -> dict:
    """(year, firm_id) -> (state_share, foreign_share, ownership_source, ownership_year), None for NULL."""
    q = sql(warehouse, "select * from intermediate.int_survey_ownership_shares").astype(object)
    q = q.where(q.notna(), None)
    return {(int(r.year), r.firm_id): (r.state_share, r.foreign_share, r.ownership_source, r.ownership_year)
            for r in q.itertuples()}


def assert_shares(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, (state, foreign, source, year) in want.items():
        g_state, g_foreign, g_source, g_year = got[key]
        assert (g_source, None if g_year is None else int(g_year)) == (source, year), key
        for g, w in ((g_state, state), (g_foreign, foreign)):
            assert (g is None) == (w is None), key
            if w is not None:
                assert g == pytest.approx(w, abs=1e-12), key


@pytest.fixture(scope="module")
def root(tiny_world, tmp_path_factory):
    return write_root(tiny_world[0], tmp_path_factory.mktemp("ownership"), survey=SURVEY, customs=CUSTOMS)


@pytest.fixture(scope="module")
def nearest(root):
    return build(root, root.parent)


def test_shares_from_components_nearest_year_then_registration_type(nearest):
    assert_shares(shares(nearest), EXPECTED)


def test_counts(nearest):
    c = counts(nearest, 2008)
    assert {k: c[k] for k in COUNTS_2008} == COUNTS_2008
    q = sql(nearest, '''select "check", share, example from intermediate.int_survey_quality_counts
                        where year = 2008 and "check" like 'survey_ownership_%' ''').set_index("check")
    assert q.loc["survey_ownership_nearest_year", "example"] == "OWNNEAR1A (from 2007)"
    assert q.loc["survey_ownership_registration_type", "example"] == "OWNPART1A"
    assert q.loc["survey_ownership_null", "share"] == pytest.approx(1 / len(SURVEY[2008]))
    assert counts(nearest, 2009)["survey_ownership_nearest_year"] == 1


def test_none_keeps_the_components_only(root, tmp_path):
    wh = build(root, tmp_path, dataclasses.replace(SETTINGS, impute_ownership_shares="none"))
    assert_shares(shares(wh), EXPECTED_NONE)
    c = counts(wh, 2008)
    assert (c["survey_ownership_nearest_year"], c["survey_ownership_registration_type"],
            c["survey_ownership_null"]) == (0, 0, 10)


def test_the_world_true_shares_come_back(tiny_world):
    """On the tiny world (components missing 2008-2010): the components' and the
    nearest year's shares are the firm's true shares (survey money is rounded to
    0.1), a firm seen only in those years gets its registration type's 1 or 0,
    which follows its true shares (foreign-invested from 0.25, state from 0.5)."""
    root, summary = tiny_world
    assert summary["params"]["capital_components_missing"] == [2008, 2009, 2010]
    survey = generator_survey(root)
    got = ownership_shares(survey).merge(
        pd.read_parquet(root / "truth" / "firm_year_latent.parquet",
                        columns=["firm_id", "year", "foreign_share", "state_share"]),
        on=["firm_id", "year"], suffixes=("", "_true"))
    assert len(got) == len(survey)
    source = got["ownership_source"]
    assert set(source[got["year"].between(2008, 2010)]) == {"nearest_year", "registration_type"}
    assert (source[~got["year"].between(2008, 2010)] == "components").all()
    counted = source.value_counts()
    assert counted["nearest_year"] > 500 and counted["registration_type"] > 20
    known = got[source.isin(["components", "nearest_year"])]
    for col in ("foreign_share", "state_share"):
        np.testing.assert_allclose(known[col], known[f"{col}_true"], atol=1e-3, err_msg=col)
    coded = got[source == "registration_type"]
    assert (coded["foreign_share"] == (coded["foreign_share_true"] >= 0.25)).all()
    assert (coded["state_share"] == ((coded["foreign_share_true"] < 0.25) & (coded["state_share_true"] >= 0.5))).all()
