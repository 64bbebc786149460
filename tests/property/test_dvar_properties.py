"""Property: export DVAR lies in [0, 1] under the conditions below, and outside
them it is NULL or flagged as METHOD says, never silently clipped.

Formula: METHOD §3 (the paper's Eq. 3, Kee & Tang 2016), implemented by
``analytics.synth.truth.dvar.dvar_terms`` / ``dvar_formula`` (the vectorised
formula) and ``analytics.synth.truth.dvar.firm_year_dvar`` (one year of
``truth/firm_year_dvar`` = ``marts.fct_firm_year_dvar``, with the
``dvar_in_range`` flag; dbt twin ``dbt_project/models/marts/fct_firm_year_dvar.sql``).

What METHOD §3 says about the domain:

- a firm-year needs a matched survey row with ``S > 0`` and ``M`` not null,
  otherwise its DVAR is NULL (and counted);
- only firm-years with exports ``Y = Y1 + Y2 > 0`` are rows of the table;
- a term whose regime has no exports (``Yr = 0``) drops out;
- DVAR outside [0, 1] is NOT clipped in ``fct_firm_year_dvar``: the value is
  kept, flagged (``dvar_in_range = false``) and counted; only the panel drops
  or clips it (switch ``dvar_out_of_range``).

METHOD states no range theorem for DVAR; the conditions tested here follow
from its formula. With the two terms written over ``Y``::

    DVAR = 1 - N / Y
    N    = [Y1 > 0] (IMP1 + dF1) + [Y2 > 0] (IMP2 - dK2 + dF2)
         = [Y1 > 0] IMP1 + (IMPo - Ko) Y2/S + fc D Y/S,
    D    = max(M - (IMP1 + IMPo - Ko), 0)

(a) Upper bound.  With ``S > 0``, ``M`` not null, ``Y > 0``, every flow
    non-negative (``Y1, Y2, IMP1, IMPo, Ko, M >= 0``) and the capital imports a
    part of the ordinary imports (``Ko <= IMPo``, as METHOD defines ``Ko``):
    ``N >= 0``, so ``DVAR <= 1``.
(b) Lower bound.  If moreover intermediate inputs do not exceed sales
    (``M <= S``), non-capital ordinary imports do not exceed sales
    (``IMPo - Ko <= S``) and a firm with processing exports imports for
    processing at most ``(1 - fc) Y1`` (Kee & Tang's ``IMP1 <= Y1``, leaving
    room for the foreign content ``fc`` of its domestic inputs): since
    ``0 <= D <= M <= S``, term 1 gives ``IMP1 + dF1 <= (1 - fc) Y1 + fc Y1 = Y1``
    and term 2 ``(IMPo - Ko + fc D) Y2/S <= Y2`` (``IMPo - Ko + fc D <= M - IMP1
    <= S`` when ``D > 0``, ``IMPo - Ko <= S`` when ``D = 0``), so ``N <= Y``
    and ``DVAR >= 0``.  ``Y <= S`` is not needed.

Outside (a)-(b) the formula can leave [0, 1]; the tests check that the value
is then the unclipped formula and that ``firm_year_dvar`` flags it.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.settings import MethodSettings
from analytics.synth.truth.dvar import (
    TradeReferences,
    dvar_formula,
    firm_year_dvar,
    thousand_rmb_to_usd,
)
from analytics.synth.truth.trade import end_use_table

TOL = 1e-12

unit = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False)
money = st.floats(0.0, 1e7, allow_nan=False, allow_subnormal=False)
positive_money = st.floats(1.0, 1e7, allow_nan=False, allow_subnormal=False)
fc_share = st.one_of(st.just(0.05), st.floats(0.0, 0.95, allow_nan=False, allow_subnormal=False))


def float_scale(Y1, Y2, S, M, IMP1, IMPo, Ko, fc=0.05):
    """Magnitude of the largest term of ``N/Y``: the formula subtracts
    ``dK2 = Ko Y2/S`` from ``IMP2 = IMPo Y2/S``, so its rounding error is
    relative to that, not to DVAR."""
    Y = Y1 + Y2
    return max(1.0, (abs(IMP1) + (abs(IMPo) + abs(Ko)) * Y2 / S + fc * abs(M) * Y / S) / Y)


def closed_form(Y1, Y2, S, M, IMP1, IMPo, Ko, fc):
    """``1 - N/Y`` (module docstring), written independently of the product code."""
    D = max(M - (IMP1 + IMPo - Ko), 0.0)
    N = (IMP1 if Y1 > 0 else 0.0) + (IMPo - Ko) * Y2 / S + fc * D * (Y1 + Y2) / S
    return 1.0 - N / (Y1 + Y2)


@st.composite
def exports(draw):
    """``(Y1, Y2)``, non-negative, ``Y > 0``; pure processing, pure ordinary and mixed."""
    kind = draw(st.sampled_from(["processing", "ordinary", "mixed"]))
    y1 = 0.0 if kind == "ordinary" else draw(positive_money)
    y2 = 0.0 if kind == "processing" else draw(positive_money)
    return y1, y2


@st.composite
def firm_years_in_conditions(draw):
    """Firm-year inputs satisfying (a) and (b) of the module docstring, boundaries included."""
    fc = draw(fc_share)
    y1, y2 = draw(exports())
    S = draw(positive_money)
    M = draw(unit) * S
    # processing imports: at most (1 - fc) Y1; arbitrary when the term drops out
    IMP1 = draw(unit) * (1.0 - fc) * y1 if y1 > 0 else draw(money)
    Ko = draw(money)
    IMPo = Ko + draw(unit) * S
    return y1, y2, S, M, IMP1, IMPo, Ko, fc


@settings(max_examples=150)
@given(firm_years_in_conditions())
def test_dvar_within_unit_interval_under_conditions(x):
    """(a) + (b): DVAR in [0, 1], equal to ``1 - N/Y`` (1e-12 times the
    magnitude of the terms, :func:`float_scale`, for floating point)."""
    y1, y2, S, M, IMP1, IMPo, Ko, fc = x
    got = float(dvar_formula(y1, y2, S, M, IMP1, IMPo, Ko, fc))
    tol = TOL * float_scale(*x)
    assert -tol <= got <= 1.0 + tol, x
    assert got == pytest.approx(closed_form(*x), rel=1e-9, abs=tol)


@settings(max_examples=100)
@given(
    exports(),
    positive_money,
    st.floats(0.0, 1e9, allow_nan=False, allow_subnormal=False),  # M: may exceed S
    st.floats(0.0, 1e9, allow_nan=False, allow_subnormal=False),  # IMP1: may exceed Y1
    money,
    st.floats(0.0, 1e9, allow_nan=False, allow_subnormal=False),  # IMPo - Ko: may exceed S
    fc_share,
)
def test_dvar_at_most_one_for_non_negative_flows(y, S, M, IMP1, Ko, nonkap, fc):
    """(a) alone: non-negative flows and ``Ko <= IMPo`` bound DVAR above by 1
    (the lower bound needs (b) and may fail here)."""
    y1, y2 = y
    IMPo = Ko + nonkap
    x = (y1, y2, S, M, IMP1, IMPo, Ko, fc)
    got = float(dvar_formula(*x))
    tol = TOL * float_scale(*x)
    assert got <= 1.0 + tol
    assert got == pytest.approx(closed_form(*x), rel=1e-9, abs=tol)


signed = st.floats(-1e7, 1e7, allow_nan=False, allow_subnormal=False)


@settings(max_examples=100)
@given(exports(), positive_money, signed, signed, signed, signed, fc_share)
def test_dvar_never_clipped(y, S, M, IMP1, IMPo, Ko, fc):
    """Outside the conditions (negative flows, ``Ko > IMPo``, ``M > S``,
    ``IMP1 > Y1`` ...) the formula's value is returned as it is: equal to
    ``1 - N/Y`` whether or not it lies in [0, 1]."""
    y1, y2 = y
    x = (y1, y2, S, M, IMP1, IMPo, Ko, fc)
    got = float(dvar_formula(*x))
    assert got == pytest.approx(closed_form(*x), rel=1e-9, abs=TOL * float_scale(*x))


@pytest.mark.parametrize(
    "args, side",
    [
        ((100, 0, 100, 0, 101, 0, 0), "below"),  # IMP1 > Y1
        ((100, 0, 100, 3000, 0, 0, 0), "below"),  # M >> S: foreign content 150 > Y1
        ((0, 100, 100, 0, 0, 200, 0), "below"),  # IMPo - Ko > S
        ((100, 0, 100, 0, -50, 0, 0), "above"),  # negative processing imports
        ((0, 100, 100, 0, 0, 10, 30), "above"),  # Ko > IMPo
    ],
)
def test_each_condition_matters_and_value_is_kept(args, side):
    """Violating one condition can push DVAR out of [0, 1]; the value is the
    unclipped formula (so the range tests above are not vacuous)."""
    got = float(dvar_formula(*args))
    assert (got < 0) if side == "below" else (got > 1)
    assert got == pytest.approx(closed_form(*args, 0.05))


@settings(max_examples=100)
@given(
    exports(),
    st.one_of(st.floats(-1e7, 0.0, allow_nan=False), positive_money),
    st.one_of(st.just(math.nan), money),
    money,
    money,
    money,
)
def test_dvar_null_without_positive_sales_or_inputs(y, S, M, IMP1, IMPo, Ko):
    """METHOD §3: DVAR is NULL (NaN) unless ``S > 0`` and ``M`` is not null;
    with both present it is a number."""
    y1, y2 = y
    got = float(dvar_formula(y1, y2, S, M, IMP1, IMPo, Ko))
    if S > 0 and not math.isnan(M):
        assert not math.isnan(got)
    else:
        assert math.isnan(got)


def test_dvar_null_without_exports():
    """``Y = 0``: no DVAR (not a row of the table; NaN from the formula)."""
    assert math.isnan(float(dvar_formula(0, 0, 100, 50, 10, 10, 0)))


# ----------------------------------------------------------------- firm_year_dvar

YEAR = 2001  # HS1996 in force: no concordance split
RATE = 8.0  # CNY per USD
CAPITAL_HS, INTERMEDIATE_HS, EXPORT_HS = "847130", "290110", "950300"
REFS = TradeReferences(
    concordance=pd.DataFrame({"from_version": [], "from_hs6": [], "hs6_1996": [], "weight": []}),
    end_use=end_use_table(pd.DataFrame({"hs6_1996": [CAPITAL_HS, INTERMEDIATE_HS], "bec_code": ["41", "322"]})),
    trade_regimes=None,
    exchange_rates=pd.Series({YEAR: RATE}, name="cny_per_usd"),
    keywords=("进出口",),
)

maybe = st.one_of(st.just(0.0), positive_money)


@st.composite
def raw_firms(draw):
    """Per firm: exports, imports (USD) and survey sales / inputs (thousand
    RMB), in and outside the conditions: sales <= 0, inputs missing, M > S,
    imports above exports, firms without exports."""
    n = draw(st.integers(1, 6))
    firms = []
    for i in range(n):
        firms.append(
            dict(
                i=i,
                y1=draw(maybe),
                y2=draw(maybe),
                imp1=draw(maybe),
                imp_nc=draw(maybe),
                ko=draw(maybe),
                sales_usd=draw(st.one_of(st.sampled_from([0.0, -5.0]), positive_money)),
                m_usd=draw(st.one_of(st.none(), money, st.floats(1e7, 1e9))),
            )
        )
    return firms


def _write_raw(root: Path, firms: list[dict]) -> pd.DataFrame:
    rows = []
    for f in firms:
        name = f"Maker {f['i']} Co"
        for flow, regime, hs, v in (
            ("export", "14", EXPORT_HS, f["y1"]),
            ("export", "10", EXPORT_HS, f["y2"]),
            ("import", "14", INTERMEDIATE_HS, f["imp1"]),
            ("import", "10", INTERMEDIATE_HS, f["imp_nc"]),
            ("import", "10", CAPITAL_HS, f["ko"]),
        ):
            if v > 0:
                rows.append(dict(customs_firm_id=f"C{f['i']}", firm_name=name, flow=flow,
                                 trade_regime=regime, hs_code=hs + "00", value_usd=float(v)))
    survey = pd.DataFrame(
        {
            "firm_id": [f"F{f['i']}" for f in firms],
            "firm_name": [f"Maker {f['i']} Co" for f in firms],
            "sales": [f["sales_usd"] * RATE / 1000.0 for f in firms],
            "intermediate_inputs": [np.nan if f["m_usd"] is None else f["m_usd"] * RATE / 1000.0 for f in firms],
        }
    )
    for table, df in (("customs_transactions", pd.DataFrame(rows)), ("firm_survey", survey)):
        folder = root / table / f"year={YEAR}"
        folder.mkdir(parents=True)
        if len(df):
            df.to_parquet(folder / "part-0.parquet", index=False)
    return survey


def _firm(i, y1=0.0, y2=0.0, imp1=0.0, imp_nc=0.0, ko=0.0, sales_usd=1e6, m_usd=5e5):
    return dict(i=i, y1=y1, y2=y2, imp1=imp1, imp_nc=imp_nc, ko=ko, sales_usd=sales_usd, m_usd=m_usd)


@settings(max_examples=12)
@given(raw_firms())
@example(
    [
        _firm(0, y1=4e5, y2=1e5, imp1=1e5, imp_nc=5e4, ko=2e4),  # in range
        _firm(1, y1=1e5, m_usd=5e8),  # foreign content of huge inputs: DVAR < 0
        _firm(2, y2=1e5, imp1=2e5, imp_nc=3e6, sales_usd=1e6),  # IMPo - Ko > S: DVAR < 0
        _firm(3, y1=1e5, sales_usd=0.0),  # S = 0: NULL
        _firm(4, y2=1e5, m_usd=None),  # M missing: NULL
        _firm(5, imp1=1e5, imp_nc=1e5),  # no exports: no row
    ]
)
def test_firm_year_dvar_null_flag_and_unclipped(firms):
    """``firm_year_dvar``: a row per matched firm with ``Y > 0``; DVAR NULL and
    ``dvar_in_range`` NULL without ``S > 0`` and ``M``; otherwise DVAR is the
    unclipped formula and ``dvar_in_range`` says whether it lies in [0, 1]."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        survey = _write_raw(root, firms)
        index = pd.DataFrame(
            {"firm_id": survey["firm_id"], "year": YEAR,
             "name_norm": [f"Maker{f['i']}Co" for f in firms], "panel_firm_id": survey["firm_id"]}
        )
        out = firm_year_dvar(root, YEAR, MethodSettings(), index, refs=REFS)
    exporters = {f"F{f['i']}" for f in firms if f["y1"] + f["y2"] > 0}
    assert set(out["firm_id"]) == exporters
    by_id = {f"F{f['i']}": f for f in firms}
    for row in out.itertuples(index=False):
        f = by_id[row.firm_id]
        S = float(thousand_rmb_to_usd(f["sales_usd"] * RATE / 1000.0, RATE))
        M = math.nan if f["m_usd"] is None else float(thousand_rmb_to_usd(f["m_usd"] * RATE / 1000.0, RATE))
        want = float(dvar_formula(f["y1"], f["y2"], S, M, f["imp1"], f["imp_nc"] + f["ko"], f["ko"]))
        if not (S > 0) or math.isnan(M):
            assert math.isnan(row.dvar) and pd.isna(row.dvar_in_range)
            continue
        scale = float_scale(f["y1"], f["y2"], S, M, f["imp1"], f["imp_nc"] + f["ko"], f["ko"])
        assert row.dvar == pytest.approx(want, rel=1e-9, abs=TOL * scale)  # not clipped
        assert bool(row.dvar_in_range) == (0.0 <= row.dvar <= 1.0)
