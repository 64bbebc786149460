"""Property: the HS concordance split conserves trade value.

Formula: METHOD §1: every HS6 code of the version in force is converted to
HS1996 with ``reference/hs_concordance``; a one-to-many link splits the value
by the link's ``weight`` (the weights of one source code sum to 1); a code
without a link is kept whole (``hs6_1996 = NULL``), never dropped.
Implemented by ``analytics.synth.truth.trade.harmonise`` (and used by
``analytics.synth.truth.dvar.firm_trade_totals``); dbt twin
``dbt_project/models/intermediate/trade/int_customs_harmonised.sql``.

Property: for any trade values and any concordance whose weights per source
code sum to 1 (equal weights and arbitrary weights), the value summed over
the HS1996 targets equals the value summed over the sources, per input line
and hence per firm-year-flow, to float tolerance; links of other HS versions
(whose weights need not sum to 1) play no part.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.settings import HS_VERSION_BY_YEAR, MethodSettings
from analytics.synth.truth.dvar import TradeReferences, firm_trade_totals
from analytics.synth.truth.trade import end_use_table, harmonise

SOURCES = [f"{c:06d}" for c in (10121, 290110, 847130, 847141, 850440, 870323, 940360, 950300)]
TARGETS = [f"{c:06d}" for c in (10110, 10190, 290110, 847110, 847130, 847190, 850440, 870323, 870324, 940360)]
YEARS = sorted(y for y in HS_VERSION_BY_YEAR if y <= 2014)
OTHER = ["HS2002", "HS2007", "HS2012"]
REL = 1e-12

value = st.one_of(
    st.just(0.0),
    st.integers(1, 10**9).map(float),
    st.floats(1e-3, 1e10, allow_nan=False, allow_subnormal=False),
)


@st.composite
def concordances(draw, versions):
    """Links of every version in ``versions``: per source code either none
    (unlinked) or 1-4 distinct targets with equal or arbitrary positive
    weights that sum to 1; plus distractor links of other versions."""
    rows = []
    for v in versions:
        for src in SOURCES:
            if not draw(st.booleans()) and src != SOURCES[0]:
                continue  # unlinked in this version (the first code is always linked)
            targets = draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=4, unique=True))
            if draw(st.sampled_from(["equal", "arbitrary"])) == "equal":
                w = [1.0 / len(targets)] * len(targets)
            else:
                raw = np.array(draw(st.lists(st.floats(1e-3, 1e3), min_size=len(targets), max_size=len(targets))))
                w = list(raw / raw.sum())
            rows += [(v, src, t, wt) for t, wt in zip(targets, w)]
    return pd.DataFrame(rows, columns=["from_version", "from_hs6", "hs6_1996", "weight"])


@st.composite
def trade_lines(draw):
    n = draw(st.integers(1, 25))
    return pd.DataFrame(
        {
            "line": np.arange(n),
            "customs_firm_id": draw(st.lists(st.sampled_from(["C1", "C2", "C3"]), min_size=n, max_size=n)),
            "flow": draw(st.lists(st.sampled_from(["import", "export"]), min_size=n, max_size=n)),
            "trade_regime": draw(st.lists(st.sampled_from(["10", "14", "15", "20", "99"]), min_size=n, max_size=n)),
            "hs_code": [
                src + suffix
                for src, suffix in zip(
                    draw(st.lists(st.sampled_from(SOURCES), min_size=n, max_size=n)),
                    draw(st.lists(st.sampled_from(["00", "10", "90"]), min_size=n, max_size=n)),
                )
            ],
            "value_usd": draw(st.lists(value, min_size=n, max_size=n)),
        }
    )


def _sums(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    return df.groupby(keys)["value_usd"].agg(lambda s: math.fsum(s))


@settings(max_examples=40)
@given(trade_lines(), concordances(OTHER), st.sampled_from(YEARS))
def test_split_conserves_value(lines, conc, year):
    out = harmonise(lines, conc, year)
    # per line: the targets add up to the source (unlinked lines kept whole)
    per_line = _sums(out, ["line"])
    np.testing.assert_allclose(per_line.loc[lines["line"]].to_numpy(), lines["value_usd"].to_numpy(), rtol=REL, atol=0)
    # per firm-year-flow
    key = ["customs_firm_id", "flow"]
    got, want = _sums(out.assign(year=year), ["year", *key]), _sums(lines.assign(year=year), ["year", *key])
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=REL, atol=0)
    # every link used belongs to the version in force, unlinked codes are NULL and whole
    linked = out["hs6_1996"].notna()
    version = HS_VERSION_BY_YEAR[year]
    if version != "HS1996":
        in_force = conc[conc["from_version"] == version]
        pairs = set(zip(in_force["from_hs6"], in_force["hs6_1996"]))
        assert set(zip(out.loc[linked, "hs6"], out.loc[linked, "hs6_1996"])) <= pairs
        unlinked = ~lines["hs_code"].str[:6].isin(in_force["from_hs6"])
        assert set(out.loc[~linked, "line"]) == set(lines.loc[unlinked, "line"])
        assert (out.loc[~linked, "split_weight"] == 1.0).all()
    else:
        assert linked.all() and len(out) == len(lines)


@settings(max_examples=15)
@given(trade_lines(), concordances(OTHER), st.sampled_from([y for y in YEARS if HS_VERSION_BY_YEAR[y] != "HS1996"]))
def test_firm_trade_totals_conserve_imports(lines, conc, year):
    """Downstream of the split (indirect-import adjustment off): per firm,
    ``IMP1`` and ``IMPo`` equal the processing / ordinary import values as
    written, and the exports ``Y1``, ``Y2`` the export values."""
    refs = TradeReferences(
        concordance=conc,
        end_use=end_use_table(pd.DataFrame({"hs6_1996": ["847130"], "bec_code": ["41"]})),
        trade_regimes=None,
        exchange_rates=pd.Series({year: 8.0}),
        keywords=(),
    )
    firms = pd.Index(["C1", "C2", "C3"], name="customs_firm_id")
    flows = lines.drop(columns="line")
    tot = firm_trade_totals(
        flows, refs, year, firms, pd.Series(False, index=firms), MethodSettings(indirect_import_adjustment=False)
    )
    regime = flows["trade_regime"].map({"10": "ordinary", "14": "processing", "15": "processing"})
    for col, flow, cls in (("Y1", "export", "processing"), ("Y2", "export", "ordinary"),
                           ("IMP1", "import", "processing"), ("IMPo", "import", "ordinary")):
        sel = (flows["flow"] == flow) & (regime == cls)
        want = flows[sel].groupby("customs_firm_id")["value_usd"].sum().reindex(firms, fill_value=0.0)
        np.testing.assert_allclose(tot[col].to_numpy(), want.to_numpy(), rtol=1e-12, atol=0, err_msg=col)


def test_weights_not_summing_to_one_break_conservation():
    """Sanity: the check can fail; a concordance whose weights of one code sum
    to 0.9 loses 10% of that code's value."""
    conc = pd.DataFrame(
        {"from_version": ["HS2007", "HS2007"], "from_hs6": ["847130", "847130"],
         "hs6_1996": ["847130", "847141"], "weight": [0.5, 0.4]}
    )
    lines = pd.DataFrame({"customs_firm_id": ["C1"], "flow": ["import"], "hs_code": ["84713000"], "value_usd": [100.0]})
    assert harmonise(lines, conc, 2008)["value_usd"].sum() == pytest.approx(90.0)
