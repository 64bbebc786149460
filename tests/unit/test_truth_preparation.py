"""The pandas twin of METHOD §0 (analytics.synth.truth.preparation) on the hand cases
that tests/integration/test_dbt_preparation.py builds with dbt: the same kept rows,
filter rules and imputed M, worked out by hand there."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.rawio import write_year
from analytics.settings import MethodSettings
from analytics.synth.truth.preparation import (
    SurveyPreparation,
    deduplicate_survey,
    prepare_customs,
    survey_filter_rule,
)
from tests.preparation_cases import CUSTOMS, FILTERED, SURVEY

SETTINGS = MethodSettings(year_start=2008, year_end=2009, exclude_years=())


@pytest.fixture
def root(tmp_path):
    for year, rows in SURVEY.items():
        write_year(tmp_path, "firm_survey", year, pd.DataFrame(rows))
    return tmp_path


def test_duplicates_and_filters():
    d = deduplicate_survey(pd.DataFrame(SURVEY[2008])).set_index("firm_id")
    assert d.loc["DUPLIC01A", "sales"] == 100.0 and d.loc["DUPLIC02A", "firm_name"] == "A名称有限公司"
    assert d["duplicate_rows"].sum() == 2
    rule = survey_filter_rule(d.reset_index()).to_numpy()
    assert dict(zip(d.index[pd.notna(rule)], rule[pd.notna(rule)])) == FILTERED
    assert survey_filter_rule(d.reset_index(), "none").isna().all()


def test_imputed_m_follows_the_switches(root):
    m = SurveyPreparation.of_root(root, SETTINGS).year(2008).set_index("firm_id")
    assert m.loc[["IMPUTE01A", "IMPUTE04A", "IMPUTE06A", "IMPUTE05A"], "intermediate_inputs"].tolist() == \
        pytest.approx([385.0, 430.0, 370.0, 70.0])
    assert m.loc[["IMPUTE02A", "IMPUTE03A"], "intermediate_inputs"].isna().all()
    assert set(m.index[m["intermediate_inputs_imputed"]]) == {"IMPUTE01A", "IMPUTE04A", "IMPUTE06A"}
    assert not set(FILTERED) & set(m.index)
    kept_all = SurveyPreparation.of_root(root, MethodSettings(survey_filters="none")).year(2008).set_index("firm_id")
    assert set(FILTERED) <= set(kept_all.index) and pd.isna(kept_all.loc["IMPUTE06A", "intermediate_inputs"])
    none = SurveyPreparation.of_root(root, MethodSettings(impute_intermediate_inputs="none")).year(2008)
    assert none["intermediate_inputs"].isna().sum() == 5 and not none["intermediate_inputs_imputed"].any()


def test_a_csv_survey_read_as_text_gives_the_same(root, tmp_path):
    csv = tmp_path / "csv"
    for year, rows in SURVEY.items():
        folder = csv / "firm_survey" / f"year={year}"
        folder.mkdir(parents=True)
        pd.DataFrame(rows).to_csv(folder / "part-0.csv", index=False)
    a = SurveyPreparation.of_root(root, SETTINGS).year(2008)
    b = SurveyPreparation.of_root(csv, SETTINGS).year(2008)
    cols = ["year", "firm_id", "sales", "intermediate_inputs", "intermediate_inputs_imputed"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_dtype=False)


def test_customs_lines_without_firm_id_or_value_are_dropped():
    lines = prepare_customs(pd.DataFrame(CUSTOMS[2008]))
    assert len(lines) == 4 and lines["customs_firm_id"].notna().all() and (lines["value_usd"] > 0).all()
