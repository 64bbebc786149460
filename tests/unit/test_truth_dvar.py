"""METHOD §3: the DVAR formula, s_h and the indirect-import adjustment,
capital goods, split and unlinked HS codes, currency conversion."""

import math

import numpy as np
import pandas as pd
import pytest

from analytics.settings import MethodSettings
from analytics.synth.truth.dvar import (
    TradeReferences,
    adjust_ordinary_imports,
    dvar_formula,
    dvar_terms,
    firm_trade_totals,
    indirect_import_shares,
    thousand_rmb_to_usd,
)
from analytics.synth.truth.trade import end_use_table


def test_processing_only_firm():
    # Y1=100, Y2=0, S=200, M=80, IMP1=30
    # domestic = max(80 - 30, 0) = 50; dF1 = 0.05*50*100/200 = 1.25
    # DVAR = 1 - (30 + 1.25)/100 = 0.6875
    t = dvar_terms(100, 0, 200, 80, 30, 0, 0)
    assert t["dvar"] == pytest.approx(0.6875)
    assert t["dF1"] + t["dF2"] == pytest.approx(1.25)
    assert t["IMP2"] == 0 and t["dK2"] == 0


def test_ordinary_only_firm_with_capital_goods():
    # Y1=0, Y2=100, S=400, M=200, IMPo=80 of which Ko=20 capital (BEC 41)
    # IMP2 = 80*100/400 = 20; dK2 = 20*100/400 = 5
    # domestic = 200 - (0 + 80 - 20) = 140; dF2 = 0.05*140*0.25 = 1.75
    # DVAR = 1 - (20 - 5 + 1.75)/100 = 0.8325
    t = dvar_terms(0, 100, 400, 200, 0, 80, 20)
    assert t["IMP2"] == pytest.approx(20.0)
    assert t["dK2"] == pytest.approx(5.0)
    assert t["dvar"] == pytest.approx(0.8325)


def test_mixed_firm():
    # Y1=60, Y2=40, Y=100, S=200, M=100, IMP1=30, IMPo=40, Ko=10
    # domestic = 100 - (30 + 40 - 10) = 40; dF1 = 0.05*40*60/200 = 0.6; dF2 = 0.05*40*40/200 = 0.4
    # IMP2 = 40*40/200 = 8; dK2 = 10*40/200 = 2
    # term1 = 0.6*(1 - 30.6/60) = 0.294; term2 = 0.4*(1 - (8 - 2 + 0.4)/40) = 0.336
    # DVAR = 0.63
    assert dvar_formula(60, 40, 200, 100, 30, 40, 10) == pytest.approx(0.63)


def test_regime_without_exports_drops_out():
    # ordinary-only firm that also has processing imports: term1 drops out,
    # IMP1 still lowers the domestic-input base.
    # Y2=100, S=100, M=100, IMP1=20: domestic = 80, dF2 = 0.05*80*1 = 4; DVAR = 1 - 4/100 = 0.96
    assert dvar_formula(0, 100, 100, 100, 20, 0, 0) == pytest.approx(0.96)


def test_foreign_content_floor():
    # M below the imports: domestic = max(10 - 50, 0) = 0 -> dF1 = 0; DVAR = 1 - 50/100 = 0.5
    t = dvar_terms(100, 0, 100, 10, 50, 0, 0)
    assert t["dF1"] == 0.0
    assert t["dvar"] == pytest.approx(0.5)


def test_fc_share_is_a_parameter():
    # as the processing-only case with fc = 0.1: dF1 = 2.5, DVAR = 1 - 32.5/100
    assert dvar_formula(100, 0, 200, 80, 30, 0, 0, fc=0.1) == pytest.approx(0.675)


def test_undefined_and_out_of_range():
    d = dvar_formula(
        [100, 100, 100, 100],
        [0, 0, 0, 0],
        [0, np.nan, 100, 100],  # S = 0, S null
        [10, 10, np.nan, 10],  # M null
        [0, 0, 0, 150],  # IMP1 > Y1: DVAR = 1 - 150/100 = -0.5 (kept, not clipped)
        [0, 0, 0, 0],
        [0, 0, 0, 0],
    )
    assert np.isnan(d[:3]).all()
    assert d[3] == pytest.approx(-0.5)


def test_currency_conversion():
    # 24 thousand RMB at 8 RMB/USD = 24*1000/8 = 3000 USD
    assert thousand_rmb_to_usd(24.0, 8.0) == pytest.approx(3000.0)


def test_indirect_import_shares_and_adjustment():
    imp = pd.DataFrame(
        {
            "customs_firm_id": ["X", "A", "A", "A", "A"],
            "hs6_1996": ["100110", "100110", "100120", None, "100110"],
            "regime_class": ["ordinary", "ordinary", "processing", "ordinary", "processing"],
            "value_usd": [25.0, 60.0, 50.0, 40.0, 15.0],
            "intermediary": [True, False, False, False, False],
        }
    )
    s = indirect_import_shares(imp)
    # h=100110: intermediary 25 over all regimes 25 + 60 + 15 = 100 -> 0.25; h=100120: 0
    assert s.to_dict() == pytest.approx({"100110": 0.25, "100120": 0.0})
    adj = adjust_ordinary_imports(imp, s, True)
    # ordinary 100110: 60/(1 - 0.25) = 80; processing unchanged; NULL code: s_h = 0, 40 unchanged
    assert adj.tolist() == pytest.approx([25 / 0.75, 80.0, 50.0, 40.0, 15.0])
    assert adjust_ordinary_imports(imp, s, False).tolist() == [25.0, 60.0, 50.0, 40.0, 15.0]


REFS = TradeReferences(
    concordance=pd.DataFrame(
        {
            "from_version": ["HS2007", "HS2007", "HS2007"],
            "from_hs6": ["847130", "847130", "290110"],
            "hs6_1996": ["847130", "847141", "290110"],
            "weight": [0.6, 0.4, 1.0],
        }
    ),
    end_use=end_use_table(
        pd.DataFrame(
            {
                "hs6_1996": ["847130", "847141", "290110"],
                "bec_code": ["41", "42", "322"],
                "end_use": ["capital", "intermediate", "intermediate"],
            }
        )
    ),
    trade_regimes=None,
    exchange_rates=pd.Series({2008: 8.0}),
    keywords=("进出口",),
)

# 2008 (HS2007).  X is an intermediary, A the firm.
FLOWS = pd.DataFrame(
    [
        # firm, flow, regime, hs_code, value
        ["X", "import", "10", "84713000", 100.0],  # -> 847130: 60, 847141: 40
        ["X", "import", "10", "29011000", 300.0],
        ["A", "import", "10", "84713000", 300.0],  # -> 847130: 180 (capital), 847141: 120
        ["A", "import", "10", "29011000", 70.0],
        ["A", "import", "10", "99999999", 50.0],  # no link: whole, NULL, s_h = 0, never capital
        ["A", "import", "14", "29011000", 30.0],  # processing
        ["A", "import", "20", "29011000", 200.0],  # capital equipment regime: only in s_h totals
        ["A", "export", "10", "84713000", 1000.0],
        ["A", "export", "14", "84713000", 500.0],
        ["A", "export", "20", "84713000", 999.0],  # other regimes stay out of Y
    ],
    columns=["customs_firm_id", "flow", "trade_regime", "hs_code", "value_usd"],
)
INTERMEDIARY = pd.Series({"X": True, "A": False})


def test_firm_trade_totals_by_hand():
    """s_h (all regimes, all firms, after the split):
      847130: X 60 / (60 + 180) = 0.25;  847141: X 40 / (40 + 120) = 0.25
      290110: X 300 / (300 + 70 + 30 + 200) = 0.5
    A's ordinary imports adjusted: 180/0.75 = 240 (capital), 120/0.75 = 160,
      70/0.5 = 140, unlinked 50 -> IMPo = 590, Ko = 240.  IMP1 = 30 (not adjusted).
    Y1 = 500, Y2 = 1000 (regime 20's 999 left out).
    """
    tot = firm_trade_totals(FLOWS, REFS, 2008, pd.Index(["A"]), INTERMEDIARY, MethodSettings())
    assert tot.loc["A"].to_dict() == pytest.approx(
        {"Y1": 500.0, "Y2": 1000.0, "IMP1": 30.0, "IMPo": 590.0, "Ko": 240.0}
    )
    # switch off: IMPo = 180 + 120 + 70 + 50 = 420, Ko = 180
    off = firm_trade_totals(
        FLOWS, REFS, 2008, pd.Index(["A"]), INTERMEDIARY, MethodSettings(indirect_import_adjustment=False)
    )
    assert off.loc["A", "IMPo"] == pytest.approx(420.0)
    assert off.loc["A", "Ko"] == pytest.approx(180.0)


def test_capital_goods_excluded_by_dk2():
    """Firm A of the hand case with S = 3000 USD, M = 1500 USD, Y = 1500:
      domestic = 1500 - (30 + 590 - 240) = 1120
      dF1 = 0.05*1120*500/3000 = 9.333.., dF2 = 0.05*1120*1000/3000 = 18.666..
      IMP2 = 590/3 = 196.666.., dK2 = 240/3 = 80
      DVAR = (500 - 30 - 9.333)/1500 + (1000 - (196.667 - 80 + 18.667))/1500
           = (460.667 + 864.667)/1500 = 3976/4500
    """
    d = dvar_terms(500, 1000, 3000, 1500, 30, 590, 240)
    assert d["dK2"] == pytest.approx(80.0)
    assert d["dvar"] == pytest.approx(3976 / 4500)
    # without the capital deduction DVAR would be lower by dK2/Y = 80/1500 (and domestic base
    # smaller): Ko enters with the right sign
    no_k = dvar_formula(500, 1000, 3000, 1500, 30, 590, 0)
    assert no_k < d["dvar"]
    assert math.isclose(d["dvar"], 3976 / 4500, rel_tol=1e-12)
