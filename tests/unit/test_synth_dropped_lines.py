"""The generator's customs lines without a firm id or of value 0
(analytics.synth.preparation.customs_dropped_lines, and customs_dropped_table
for a year held as an Arrow table): the key stays unique at any scale, also
when the year's lines already use most partners."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.synth.config import SynthParams
from analytics.synth.preparation import customs_dropped_lines, customs_dropped_table, customs_partners

KEY = ["year", "month", "customs_firm_id", "flow", "trade_regime", "hs_code", "partner_country"]  # the contract's


def _lines(n: int, partners: list[str], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customs_firm_id": [f"F{i:07d}" for i in range(n)],
        "year": 2008, "hs_code": "84713000", "partner_country": rng.choice(partners, n), "flow": "export",
        "trade_regime": "ordinary", "month": 1, "value_usd": rng.uniform(1, 100, n), "quantity": 1.0,
    })


def test_value_zero_copies_are_capped_by_the_unused_partners():
    partners = sorted(customs_partners())
    used, spare = partners[:-5], partners[-5:]  # five partners left over
    rows = _lines(40_000, used)
    params = dataclasses.replace(SynthParams(), customs_dropped_share=0.001)  # 40 of each wanted
    out = customs_dropped_lines(rows, params, np.random.default_rng(1))
    added = out.iloc[len(rows):]
    assert added["customs_firm_id"].isna().sum() == 40
    zero = added[added["value_usd"] == 0]
    assert len(zero) <= len(spare) and set(zero["partner_country"]) <= set(spare) and len(zero) >= 1
    keyed = out[out["customs_firm_id"].notna()]
    assert not keyed.duplicated(KEY).any()


def test_small_years_get_as_many_of_each():
    rows = _lines(3_000, sorted(customs_partners())[:20])
    params = dataclasses.replace(SynthParams(), customs_dropped_share=0.002)
    added = customs_dropped_lines(rows, params, np.random.default_rng(2)).iloc[len(rows):]
    assert added["customs_firm_id"].isna().sum() == (added["value_usd"] == 0).sum() == 6


def test_a_year_held_as_an_arrow_table_gets_the_same_copies():
    rows = _lines(3_000, sorted(customs_partners())[:20])
    params = dataclasses.replace(SynthParams(), customs_dropped_share=0.002)
    want = customs_dropped_lines(rows, params, np.random.default_rng(3))
    got = customs_dropped_table(pa.Table.from_pandas(rows, preserve_index=False), params, np.random.default_rng(3))
    assert got.num_rows == len(want) == 3_012
    assert got.schema.field("customs_firm_id").type in (pa.string(), pa.large_string())  # not null: promoted
    # as written and read back (a missing id reads back the same either way)
    pd.testing.assert_frame_equal(got.to_pandas(), pa.Table.from_pandas(want, preserve_index=False).to_pandas(),
                                  check_dtype=False)
