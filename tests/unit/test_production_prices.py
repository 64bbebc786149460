"""The production side's prices (setting production_prices, METHOD §0 step 5;
analytics/measures.py): "deflated" takes output, intermediate inputs and
capital from the survey's real columns (pnl_survey_firm_years), "nominal" the
survey's own; a real column without any value (no deflator tables) falls back
to the nominal one; DLW's alpha_m stays the nominal share M / S; a bad value is
refused. (On the synthetic world, whose survey reports current prices, only
the deflated values recover the production function:
tests/integration/test_synth_prices.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import measures as ms
from analytics.settings import settings_from_dict
from tests.unit.test_measures import survey_from_panel
from tests.unit.test_dlw_markups import dlw_panel


def _hand_survey() -> pd.DataFrame:
    """One firm, three years: nominal and real values (output prices 1, 2, 2; input prices 1, 1, 4;
    real capital 100, 100, 110 against book values 100, 150, 200)."""
    return pd.DataFrame({
        "panel_firm_id": "a", "year": [2000, 2001, 2002], "industry_code": "13", "city_code": "110100",
        "employment": [10.0, 10.0, 10.0], "sales": [100.0, 200.0, 240.0], "output": [100.0, 200.0, 240.0],
        "intermediate_inputs": [40.0, 40.0, 160.0], "fixed_assets": [100.0, 150.0, 200.0],
        "real_sales": [100.0, 100.0, 120.0], "real_output": [100.0, 100.0, 120.0],
        "real_intermediate_inputs": [40.0, 40.0, 40.0], "real_capital": [100.0, 100.0, 110.0],
        "exit_flag": False, "is_exporter": True,
    })


def test_bad_value_is_refused():
    with pytest.raises(ValueError, match=r"prices='real' is not one of \('deflated', 'nominal'\)"):
        ms.ProductionOptions(prices="real")
    with pytest.raises(ValueError, match=r"production_prices='real' is not one of"):
        settings_from_dict({"production_prices": "real"})


def test_deflated_and_nominal_take_their_columns_by_hand():
    s = _hand_survey()
    real = ms.production_frame(s, ms.ProductionOptions(prices="deflated", depreciation=0.1))
    nominal = ms.production_frame(s, ms.ProductionOptions(prices="nominal", depreciation=0.1))
    np.testing.assert_allclose(real["y"], np.log([100, 100, 120]))
    np.testing.assert_allclose(real["m"], np.log([40, 40, 40]))
    np.testing.assert_allclose(real["k"], np.log([100, 100, 110]))
    # investment K_{t+1} - 0.9 K_t of the real stock: 100 - 90, 110 - 90
    np.testing.assert_allclose(real["inv"], [10.0, 20.0, np.nan])
    np.testing.assert_allclose(nominal["y"], np.log([100, 200, 240]))
    np.testing.assert_allclose(nominal["k"], np.log([100, 150, 200]))
    np.testing.assert_allclose(nominal["inv"], [60.0, 65.0, np.nan])
    # the share DLW divides by is the nominal M / S under both
    for f in (real, nominal):
        np.testing.assert_allclose(f["share"], np.log([0.4, 0.2, 160 / 240]))
    assert ms.production_prices(s, ms.ProductionOptions()) == {
        "sales": "deflated", "intermediate_inputs": "deflated", "fixed_assets": "deflated"}


def test_without_deflators_the_nominal_values_are_used():
    s = _hand_survey()
    s[["real_sales", "real_output", "real_intermediate_inputs", "real_capital"]] = np.nan
    assert set(ms.production_prices(s, ms.ProductionOptions()).values()) == {"nominal"}
    pd.testing.assert_frame_equal(ms.production_frame(s), ms.production_frame(s, ms.ProductionOptions(prices="nominal")))
    # and a survey frame without the real columns at all
    bare = s.drop(columns=["real_sales", "real_output", "real_intermediate_inputs", "real_capital"])
    np.testing.assert_allclose(ms.production_frame(bare)["y"], np.log([100, 200, 240]))


def test_markups_divide_by_the_nominal_share():
    """The DLW DGP's survey as real values, with nominal ones at output prices 1.0-2.6 and
    input prices 1.0-1.6 over the years: the deflated fit is the real fit, and alpha_m is
    the nominal M / S times exp(e_hat) (M / S where there is no e_hat)."""
    real = survey_from_panel(dlw_panel(seed=0, n_firms=600))
    years = np.sort(real["year"].unique())
    p_out = pd.Series(np.linspace(1.0, 2.6, len(years)), index=years)
    p_in = pd.Series(np.linspace(1.0, 1.6, len(years)), index=years)
    s = real.assign(real_sales=real["sales"], real_output=real["output"],
                    real_intermediate_inputs=real["intermediate_inputs"], real_capital=real["fixed_assets"])
    s["sales"] = s["output"] = real["sales"] * real["year"].map(p_out)
    s["intermediate_inputs"] = real["intermediate_inputs"] * real["year"].map(p_in)
    frame = ms.production_frame(s)
    fit = ms.estimate_production(frame)
    plain = ms.estimate_production(ms.production_frame(real))
    pd.testing.assert_frame_equal(fit["coefficients"], plain["coefficients"])
    rows = fit["rows"]
    nominal_share = (s["intermediate_inputs"] / s["sales"]).to_numpy()
    order = frame.merge(s.reset_index()[["panel_firm_id", "year", "index"]], on=["panel_firm_id", "year"])["index"]
    share = nominal_share[order.to_numpy()]
    e = np.nan_to_num(rows["e_hat"].to_numpy(), nan=0.0)
    np.testing.assert_allclose(rows["alpha_m"], share * np.exp(e), rtol=1e-10)



@pytest.mark.parametrize("deflator_missing, investment_missing, says", [
    ([False, True], [False, False], None),
    ([True, True], [False, False], "nominal output and intermediate inputs (no reference/deflators)"),
    ([True, True], [True, True], "nominal output and intermediate inputs (no reference/deflators) and capital"),
])
def test_the_report_says_when_the_production_side_is_nominal(deflator_missing, investment_missing, says):
    import duckdb

    from analytics.report.render import _prices_note

    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_survey_real_values as select * from "
                "(values (?, ?), (?, ?)) t(deflator_missing, investment_deflator_missing)",
                [deflator_missing[0], investment_missing[0], deflator_missing[1], investment_missing[1]])
    note = _prices_note(con)
    assert (note == "") if says is None else (says in note and "METHOD §0 step 5" in note)
