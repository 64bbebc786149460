"""Stylised-fact formulas on hand fixtures: HHI, Theil, CR4, Welch t; the SQL agrees with them."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind

from analytics.report.stylised import (
    centre_periphery_frame, cr4, hhi, hhi_by_intensity, table1_frame, table2_frame, table3_frame, theil,
    theil_by_year_frame, welch_t,
)


def test_hhi_hand():
    assert hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    assert hhi([6, 3, 1]) == pytest.approx(0.36 + 0.09 + 0.01)
    assert hhi([5]) == 1.0


def test_theil_hand():
    assert theil([2, 2, 2]) == pytest.approx(0.0)
    # x = (1, 3): mu 2, T = 0.5 * (0.5 ln 0.5 + 1.5 ln 1.5)
    assert theil([1, 3]) == pytest.approx(0.5 * (0.5 * np.log(0.5) + 1.5 * np.log(1.5)))
    # a zero contributes 0 ln 0 = 0: x = (0, 2), mu 1: T = 0.5 * 2 ln 2
    assert theil([0, 2]) == pytest.approx(np.log(2))


def test_cr4_hand():
    assert cr4([5, 4, 3, 2, 1, 1]) == pytest.approx(14 / 16)
    assert cr4([1, 1]) == 1.0


def test_welch_matches_scipy():
    a = np.array([1.0, 2.0, 3.5, 4.0, 2.2])
    b = np.array([0.5, 0.7, 1.1, 0.2, 0.9, 1.4, 0.3])
    t, df, p = welch_t(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    ref = ttest_ind(a, b, equal_var=False)
    assert t == pytest.approx(ref.statistic)
    assert p == pytest.approx(ref.pvalue)
    va, vb = a.var(ddof=1) / 5, b.var(ddof=1) / 7
    assert df == pytest.approx((va + vb) ** 2 / (va**2 / 4 + vb**2 / 6))


@pytest.fixture
def con():
    c = duckdb.connect()
    for s in ("marts", "staging", "panel"):
        c.execute(f"create schema {s}")
    c.execute("""create table staging.stg_reference__industries as select * from (values
        ('40', 'x', 'high'), ('17', 'y', 'low'), ('18', 'z', 'low')) t(industry_code, industry_name, tech_intensity)""")
    # industry 40 in 2001: outputs 6, 3, 1 across cities -> HHI 0.46; industry 17: 1, 1 -> 0.5; 18: 2 -> 1.0
    c.execute("""create table panel.pnl_survey_firm_years as select * from (values
        ('40', 'A', 2001, 4.0), ('40', 'A', 2001, 2.0), ('40', 'B', 2001, 3.0), ('40', 'C', 2001, 1.0),
        ('17', 'A', 2001, 1.0), ('17', 'B', 2001, 1.0), ('18', 'C', 2001, 2.0), ('18', 'C', 2001, 0.0),
        ('40', 'A', 1999, 1.0)) t(industry_code, city_code, year, output)""")
    # C in the last year (2002): industry 40 over 6 cities 5,4,3,2,1,1 -> mean 16/6, CR4 14/16
    c.execute("""create table marts.fct_city_industry_complementarity as select * from (values
        ('A', '40', 2002, 5.0, 0.0), ('B', '40', 2002, 4.0, 0.0), ('C', '40', 2002, 3.0, 0.0),
        ('D', '40', 2002, 2.0, 0.0), ('E', '40', 2002, 1.0, 0.0), ('F', '40', 2002, 1.0, 0.0),
        ('A', '17', 2002, 0.5, 1.0), ('B', '17', 2002, 0.0, 2.0), ('A', '17', 2001, 9.0, 3.0))
        t(city_code, industry_code, year, complementarity, invention_patents)""")
    # panel: city A mean C 0.3 (high), B 0.1 (low), C 0.2 (median -> low)
    c.execute("""create table marts.fct_firm_panel as select * from (values
        ('A', 2001, 0.3, 0.5, 1.0, 0.6, true), ('A', 2001, 0.3, 0.7, 2.0, 0.7, true),
        ('A', 2002, 0.3, 0.9, 3.0, 0.8, true), ('B', 2001, 0.1, 0.2, 0.5, 0.4, false),
        ('B', 2002, 0.1, 0.4, 0.1, 0.5, false), ('C', 2002, 0.2, 0.0, 0.7, 0.3, false))
        t(city_code, year, complementarity, dvar, tfp, domestic_input_share, innovation_center)""")
    yield c
    c.close()


def test_hhi_sql(con):
    df = hhi_by_intensity(con, "panel.pnl_survey_firm_years", "output", 2000, 2014)
    got = {(r.year, r.tech_intensity): r.hhi for r in df.itertuples()}
    assert got == pytest.approx({(2001, "high"): hhi([6, 3, 1]), (2001, "low"): (hhi([1, 1]) + hhi([2])) / 2})


def test_table1_sql(con):
    df = table1_frame(con).set_index("industry_code")
    assert df.loc["40", "mean_c"] == pytest.approx(16 / 6)
    assert df.loc["40", "cr4"] == pytest.approx(cr4([5, 4, 3, 2, 1, 1]))
    assert df.loc["17", "cr4"] == pytest.approx(1.0)
    assert (df["year"] == 2002).all()


def test_table2_sql_and_ttest(con):
    df = table2_frame(con).set_index(["variable", "grp"])
    high, low = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.1, 0.7])
    assert df.loc[("tfp", "high"), "n"] == 3 and df.loc[("tfp", "low"), "n"] == 3
    assert df.loc[("tfp", "high"), "mean"] == pytest.approx(high.mean())
    assert df.loc[("tfp", "low"), "var"] == pytest.approx(low.var(ddof=1))
    h, lo = df.loc[("tfp", "high")], df.loc[("tfp", "low")]
    t, _, p = welch_t(h["mean"], h["var"], h["n"], lo["mean"], lo["var"], lo["n"])
    assert p == pytest.approx(ttest_ind(high, low, equal_var=False).pvalue)


def test_theil_and_centre_sql(con):
    fr = theil_by_year_frame(con).set_index("year")
    assert fr.loc[2001, "theil_dvar"] == pytest.approx(theil([0.5, 0.7, 0.2]))
    assert fr.loc[2002, "theil_dvar"] == pytest.approx(theil([0.9, 0.4, 0.0]))
    assert fr.loc[2002, "mean_c"] == pytest.approx(0.2)
    cp = centre_periphery_frame(con).set_index("year")
    assert cp.loc[2002, "dvar_centre"] == pytest.approx(0.9)
    assert cp.loc[2002, "dvar_periphery"] == pytest.approx(0.2)


def test_table3_sql(con):
    df = table3_frame(con).set_index("variable")
    x = pd.Series([0.5, 0.7, 0.9, 0.2, 0.4, 0.0])
    assert list(df.index) == ["dvar", "complementarity"]  # only the panel's columns, paper order
    assert df.loc["dvar", "label"] == "Export DVAR"
    assert df.loc["dvar", "sd"] == pytest.approx(x.std())
    assert df.loc["dvar", "p10"] == pytest.approx(x.quantile(0.1))
    assert df.loc["dvar", "p90"] == pytest.approx(x.quantile(0.9))


def test_year_series_break_at_excluded_and_missing_years():
    """Figs 1, 2, 4 and 5 draw lines by year: an excluded year (2010) and a year a
    group lacks become NaN rows, so each line breaks there the same way."""
    from analytics.report.stylised import with_gaps

    df = pd.DataFrame({"year": [2008, 2009, 2010, 2011, 2008, 2011], "tech_intensity": ["high"] * 4 + ["low"] * 2,
                       "hhi": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    out = with_gaps(df, (2010,), "tech_intensity")
    high = out[out["tech_intensity"] == "high"].set_index("year")["hhi"]
    low = out[out["tech_intensity"] == "low"].set_index("year")["hhi"]
    assert list(high.index) == list(low.index) == [2008, 2009, 2010, 2011]
    assert high.isna().tolist() == [False, False, True, False]
    assert low.isna().tolist() == [False, True, True, False]
    assert list(out.columns) == list(df.columns)
    single = with_gaps(pd.DataFrame({"year": [2009, 2011], "mean_c": [1.0, 2.0]}), (2010,))
    assert single["year"].tolist() == [2009, 2010, 2011] and single["mean_c"].isna().tolist() == [False, True, False]


def test_binned_scatter_is_hand_computed_and_ignores_row_order():
    """Fig. 3: bin means and the OLS line on a hand-made panel, the same when
    the panel's rows are stored in another order (the slope is summed in
    (C, DVAR) order, not in DuckDB's scan order)."""
    import duckdb

    from analytics.report.stylised import binned_scatter_frame

    rng = np.random.default_rng(3)
    c = np.round(rng.uniform(0, 0.6, 403), 2)  # ties in C, as one value per cell-year gives
    d = 0.5 + 0.3 * c + rng.normal(0, 0.1, 403)
    frames = []
    for order in (np.arange(403), rng.permutation(403)):
        con = duckdb.connect()
        con.execute("create schema marts")
        con.register("p", pd.DataFrame({"complementarity": c[order], "dvar": d[order]}))
        con.execute("create table marts.fct_firm_panel as select * from p")
        frames.append(binned_scatter_frame(con, bins=20))
        con.close()
    (df, slope, intercept), (df2, slope2, intercept2) = frames
    pd.testing.assert_frame_equal(df, df2, check_exact=True)
    assert (slope, intercept) == (slope2, intercept2)
    b, a = np.polyfit(c, d, 1)
    assert slope == pytest.approx(b, rel=1e-12) and intercept == pytest.approx(a, rel=1e-12)
    # ntile: 403 rows in 20 bins, the first 3 of 21 rows; bin 1 holds the 21 smallest (C, DVAR) pairs
    assert df["n"].tolist() == [21] * 3 + [20] * 17
    first = sorted(zip(c, d))[:21]
    assert df.loc[0, "complementarity"] == pytest.approx(np.mean([x for x, _ in first]), rel=1e-12)
    assert df.loc[0, "dvar"] == pytest.approx(np.mean([y for _, y in first]), rel=1e-12)
