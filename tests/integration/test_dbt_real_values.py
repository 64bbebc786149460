"""dbt METHOD §0 step 5 (real values and perpetual-inventory capital) on a
hand-made survey (tests/real_values_cases.py): output and inputs deflated by
the 2-digit industry-year indices; capital from the first year's real book
value, a fall in fixed assets no investment, a gap depreciated over its years
with the change across it the next year's investment, a change of legal-person
code within one panel firm; a missing deflator leaves the values NULL, a
missing investment deflator the capital of that year and every later one.
The quality counts, the panel mart's real columns, and a raw root without the
optional price tables (empty staging, everything counted)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from analytics import rawio
from tests.integration.test_dbt_preparation import build, counts, sql, write_root
from tests.preparation_cases import CUSTOMS
from tests.real_values_cases import COUNTS, DEFLATORS, EXPECTED, INVESTMENT_DEFLATOR, SURVEY
from tests.unit.test_truth_real_values import as_dict, assert_cases


def _without_prices(root):
    for table in ("deflators", "investment_deflator"):
        shutil.rmtree(root / "reference" / table, ignore_errors=True)
    return root


@pytest.fixture(scope="module")
def root(tiny_world, tmp_path_factory):
    root = _without_prices(write_root(tiny_world[0], tmp_path_factory.mktemp("real"), survey=SURVEY,
                                      customs=CUSTOMS))
    rawio.write_reference(root, "deflators", DEFLATORS)
    rawio.write_reference(root, "investment_deflator", INVESTMENT_DEFLATOR)
    return root


@pytest.fixture(scope="module")
def warehouse(root):
    return build(root, root.parent)


def test_real_values_and_capital(warehouse):
    got = sql(warehouse, "select * from intermediate.int_survey_real_values")
    assert (got["real_sales"].fillna(-1) == got["real_output"].fillna(-1)).all()
    assert_cases(as_dict(got), EXPECTED)
    panel = got.set_index(["year", "firm_id"])["panel_firm_id"]
    assert panel[(2009, "PIMPANL2B")] == panel[(2007, "PIMPANL1A")]


def test_counts(warehouse):
    for year, want in COUNTS.items():
        c = counts(warehouse, year)
        assert {k: c[k] for k in want} == want, year
    q = sql(warehouse, '''select "check", example from intermediate.int_survey_quality_counts
                          where year = 2009 and "check" = 'survey_deflator_missing' ''')
    assert q["example"].tolist() == ["DEFMISS1A (industry 17)"]


def test_the_panel_mart_carries_the_real_values(root, tmp_path):
    from orchestration.dbt_cli import run_dbt
    from tests.integration.test_dbt_preparation import SETTINGS

    res = run_dbt(["build", "--select", "+pnl_survey_firm_years"], root, tmp_path / "w.duckdb", SETTINGS,
                  target_path=tmp_path / "target")
    assert res.success and not res.failures(), res.failures()
    got = sql(tmp_path / "w.duckdb", """select year, firm_id, real_output, real_sales, real_intermediate_inputs,
                                       real_capital from panel.pnl_survey_firm_years""")
    got = got.set_index(["year", "firm_id"])
    assert got.loc[(2009, "PIMGAP01A"), "real_capital"] == pytest.approx(164.8)
    assert got.loc[(2008, "PIMPLAIN1"), "real_intermediate_inputs"] == pytest.approx(400.0)
    assert pd.isna(got.loc[(2009, "DEFMISS1A"), "real_output"])


def test_without_price_tables_the_staging_is_empty_and_everything_counted(root, tmp_path):
    bare = _without_prices(shutil.copytree(root, tmp_path / "raw"))
    wh = build(bare, tmp_path)
    assert sql(wh, "select count(*) n from staging.stg_reference__deflators")["n"].iat[0] == 0
    assert sql(wh, "select count(*) n from staging.stg_reference__investment_deflator")["n"].iat[0] == 0
    got = sql(wh, "select * from intermediate.int_survey_real_values")
    assert got["deflator_missing"].all() and got["investment_deflator_missing"].all()
    assert got[["real_output", "real_intermediate_inputs", "real_capital"]].isna().all().all()
    c = counts(wh, 2008)
    n = len(got[got["year"] == 2008])
    assert (c["survey_deflator_missing"], c["survey_investment_deflator_missing"]) == (n, n)


def test_the_built_tiny_world_agrees_with_the_truth(tiny_warehouse):
    """The tiny world's build (its own deflators): pnl_survey_firm_years' real values equal the
    truth's (analytics.synth.panel.generator_survey, by the pandas twin), none is missing, and on
    the panel firms seen from their first year without a gap the capital is the world's true K."""
    from analytics.synth.panel import REAL_COLUMNS, generator_survey

    root, wh = tiny_warehouse
    got = sql(wh, f"select firm_id, year, {', '.join(REAL_COLUMNS)} from panel.pnl_survey_firm_years")
    want = generator_survey(root)[["firm_id", "year", *REAL_COLUMNS]]
    both = got.merge(want, on=["firm_id", "year"], suffixes=("", "_truth"))
    assert len(both) == len(got) == len(want)
    for col in REAL_COLUMNS:
        have = both[col].notna() & both[f"{col}_truth"].notna()
        assert (both[col].isna() == both[f"{col}_truth"].isna()).all(), col
        np.testing.assert_allclose(both.loc[have, col], both.loc[have, f"{col}_truth"], rtol=1e-9, err_msg=col)
    assert both["real_capital"].notna().all() and both["real_sales"].notna().all()
    c = sql(wh, '''select "check", sum(count) n from marts.fct_data_quality
                   where "check" like 'survey_%deflator_missing' group by all''')
    assert dict(zip(c["check"], c["n"])) == {"survey_deflator_missing": 0, "survey_investment_deflator_missing": 0}
