"""The survey's accounting items (analytics.synth.preparation.accounting_items):
where a wage bill is not reported, the cost of sales carries the firm's mean
of the wage bills written before (what METHOD §0 fills it with), so the
identity M = inventory - finished goods + cost of sales - wage - welfare holds
with that mean; a history kept only for the firms with a missing payment
gives the same year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.synth.config import SynthParams
from analytics.synth.preparation import PaymentHistory, accounting_items


def _year(t: int, wage: list[float], null_wage: list[bool]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = ["A00000001", "B00000002", "C00000003"]
    survey = pd.DataFrame({"year": t, "firm_id": ids, "sales": [5_000.0, 8_000.0, 3_000.0],
                           "intermediate_inputs": [3_000.0, 4_500.0, 1_800.0], "wage_bill": wage,
                           "total_assets": [9_000.0, 12_000.0, 4_000.0], "fixed_assets": [4_000.0, 5_000.0, 1_500.0]})
    fy = pd.DataFrame({"firm_id": ids, "null_wage": null_wage, "null_welfare": False, "filter_rule": None})
    return survey, fy


def _run(history: PaymentHistory) -> pd.DataFrame:
    params = SynthParams(seed=1, scale="tiny")
    out = []
    for t, wage, null in ((2005, [100.0, 300.0, 50.0], [False] * 3), (2006, [140.0, 310.0, 60.0], [False] * 3),
                          (2007, [999.0, 320.0, 70.0], [True, False, False])):
        survey, fy = _year(t, wage, null)
        s, gap = accounting_items(survey, fy, params, history, np.random.default_rng(t))
        assert gap < 1e-9
        out.append(s)
    return pd.concat(out, ignore_index=True)


def test_a_missing_wage_bill_is_carried_at_the_firms_earlier_mean():
    s = _run(PaymentHistory())
    a7 = s[(s["firm_id"] == "A00000001") & (s["year"] == 2007)].iloc[0]
    assert np.isnan(a7["wage_bill"])
    # the identity with the mean of 2005-2006 (100 and 140) as the wage bill
    welfare = a7["welfare_payable"]
    implied = a7["inventory"] - a7["finished_goods"] + a7["cost_of_sales"] - 120.0 - welfare
    assert abs(implied - 3_000.0) < 1e-6
    assert a7["intermediate_inputs"] == 3_000.0  # 2007: the last year M is reported
    # a reported wage bill stays as written
    b7 = s[(s["firm_id"] == "B00000002") & (s["year"] == 2007)].iloc[0]
    assert b7["wage_bill"] == 320.0


def test_a_history_of_the_firms_with_a_gap_gives_the_same_year():
    everyone, few = PaymentHistory(), PaymentHistory({"A00000001"})
    pd.testing.assert_frame_equal(_run(everyone), _run(few))
    assert set(few.wage) == {"A00000001"} and set(everyone.wage) == {"A00000001", "B00000002", "C00000003"}
