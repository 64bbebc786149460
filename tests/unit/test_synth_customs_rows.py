"""The generator's monthly customs lines (analytics.synth.trade.customs_rows),
built a month at a time: one line per contract key, in key order, each annual
flow's value spread over its months and summed back exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics.rawio import arrow_table
from analytics.synth.trade import CUSTOMS_COLUMNS, CUSTOMS_GRAIN, customs_rows


def _flows(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    firms = [f"3301{i:06d}" for i in range(40)]
    flows = pd.DataFrame({
        "customs_firm_id": rng.choice(firms, n), "flow": rng.choice(["export", "import"], n),
        "trade_regime": rng.choice(["10", "14"], n), "hs6": rng.choice(["847130", "620342", "870323"], n),
        "partner_country": rng.choice(["USA", "JPN", "DEU"], n), "value_usd": rng.uniform(0, 1e5, n),
    })
    flows.loc[:4, "value_usd"] = 0.0  # flows of value 0 write no line
    flows["quantity"] = flows["value_usd"] / 20.0
    ident = pd.DataFrame({"customs_firm_id": firms, "firm_name": [f"公司{i}" for i in range(40)],
                          "phone": [f"0571-8{i:07d}" for i in range(40)], "zip_code": "310000"})
    return flows, ident


def test_lines_are_unique_sorted_and_sum_back_to_the_flows():
    flows, ident = _flows(3_000)
    table = customs_rows(flows, ident, 2008, np.random.default_rng(5), max_months=12)
    assert isinstance(table, pa.Table) and table.column_names == CUSTOMS_COLUMNS
    # held with its text dictionary-encoded, written plain: the lines are those of the file
    assert pa.types.is_dictionary(table.schema.field("firm_name").type)
    lines = arrow_table(table).to_pandas()
    assert not lines.duplicated(CUSTOMS_GRAIN).any()
    assert lines.equals(lines.sort_values(CUSTOMS_GRAIN, ignore_index=True))  # the months in order are the year's order
    assert set(lines["month"]) <= set(range(1, 13)) and (lines["year"] == 2008).all()
    assert (lines["value_usd"] > 0).all()
    # every flow's value is spread over months and summed back (lines round to the cent)
    key = ["customs_firm_id", "flow", "trade_regime", "partner_country"]
    got = lines.assign(hs6=lines["hs_code"].str[:6]).groupby(key + ["hs6"])["value_usd"].sum()
    want = flows[flows["value_usd"] > 0].groupby(key + ["hs6"])["value_usd"].sum()
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_exact=False, atol=0.01 * 12 * 40)
    # the name and zip code are the firm's; about 5% of the monthly parts lose the phone
    assert lines["firm_name"].notna().all() and (lines["zip_code"] == "310000").all()
    assert 0 < lines["phone"].isna().mean() < 0.15
    firm = ident.set_index("customs_firm_id")
    assert (lines["firm_name"] == lines["customs_firm_id"].map(firm["firm_name"])).all()
    has_phone = lines["phone"].notna()
    assert (lines.loc[has_phone, "phone"] == lines.loc[has_phone, "customs_firm_id"].map(firm["phone"])).all()
    # the unit follows the HS chapter
    assert (lines.loc[lines["hs_code"].str[:2] == "84", "unit"] == "台").all()
    assert (lines.loc[lines["hs_code"].str[:2] == "62", "unit"] == "件").all()


def test_a_firm_id_twice_in_ident_is_refused():
    flows, ident = _flows(50)
    with pytest.raises(ValueError, match="one row per customs_firm_id"):
        customs_rows(flows, pd.concat([ident, ident.iloc[:1]]), 2008, np.random.default_rng(5), max_months=12)


def test_the_same_draws_give_the_same_lines():
    flows, ident = _flows(500, seed=1)
    a = customs_rows(flows, ident, 2003, np.random.default_rng(9), max_months=6)
    b = customs_rows(flows, ident, 2003, np.random.default_rng(9), max_months=6)
    assert a.equals(b) and a.num_rows > 500
