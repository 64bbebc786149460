"""The production measures as tables (analytics/measures.py): data
preparation, TFP/markup tables, quality, upstreamness per year, the TFP
channel of C, the quality slope and the parameter table.

Seeded DGPs state their truth: the gross-output DGP of test_dlw_markups
(theta_m 0.55, b_l 0.25, b_k 0.1, markups mu_i), and below an AR(1)
productivity with C's channel (rho 0.7, beta_tfp 0.4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import measures as ms
from tests.unit.test_dlw_markups import B_K, B_L, THETA_M, dlw_panel


def survey_from_panel(p: pd.DataFrame) -> pd.DataFrame:
    """The DLW test panel in pnl_survey_firm_years' columns (levels, one industry)."""
    last = p.groupby("firm")["year"].transform("max")
    return pd.DataFrame({
        "panel_firm_id": p["firm"].astype(str), "year": p["year"], "industry_code": "13",
        "city_code": "110100", "employment": np.exp(p["l"]), "sales": np.exp(p["y"]), "output": np.exp(p["y"]),
        "intermediate_inputs": np.exp(p["m"]), "fixed_assets": np.exp(p["k"]),
        "exit_flag": (last == p["year"]) & (p["year"] < p["year"].max()), "is_exporter": p["firm"] % 3 == 0,
        "mu": p["mu"],
    })


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return survey_from_panel(dlw_panel(seed=0, n_firms=2000))


def test_options_are_checked_early():
    with pytest.raises(ValueError, match="tfp_form"):
        ms.ProductionOptions(tfp_form="translog")
    with pytest.raises(ValueError, match="depreciation"):
        ms.ProductionOptions(depreciation=1.0)


def test_production_frame_investment_logs_and_drops():
    s = pd.DataFrame({
        "panel_firm_id": ["a", "a", "a", "a", "b", "b"],
        "year": [2001, 2000, 2002, 2004, 2000, 2001],
        "industry_code": "13",
        "employment": [10, 10, 10, 10, 5, 0],
        "sales": [100.0, 100.0, 100.0, 100.0, 50.0, 50.0],
        "output": 1.0,
        "intermediate_inputs": [40.0, 40.0, 40.0, 40.0, 60.0, 20.0],
        "fixed_assets": [110.0, 100.0, 120.0, 130.0, 20.0, 30.0],
        "exit_flag": [False, False, False, False, False, True],
        "is_exporter": [True, None, False, False, False, False],
    })
    f = ms.production_frame(s, ms.ProductionOptions(depreciation=0.1))
    # b 2001 has no employment: dropped, but it still gave b 2000 its investment
    assert list(zip(f["panel_firm_id"], f["year"])) == [("a", 2000), ("a", 2001), ("a", 2002), ("a", 2004), ("b", 2000)]
    # I_t = K_{t+1} - 0.9 K_t: 110 - 90, 120 - 99; 2002 -> 2004 is a gap; b: 30 - 18
    np.testing.assert_allclose(f["inv"], [20.0, 21.0, np.nan, np.nan, 12.0])
    np.testing.assert_allclose(f["y"], np.log([100, 100, 100, 100, 50]))
    np.testing.assert_allclose(f["m"], np.log([40, 40, 40, 40, 60]))
    # value added ln(S - M): b 2000 has M > S -> NaN
    np.testing.assert_allclose(f["va"], [np.log(60)] * 4 + [np.nan])
    assert f["is_exporter"].tolist() == [False, True, False, False, False]
    with pytest.raises(ValueError, match="unique"):
        ms.production_frame(pd.concat([s, s.iloc[:1]]))


def test_estimate_production_recovers_dgp_and_tables(survey):
    frame = ms.production_frame(survey)
    fit = ms.estimate_production(frame)
    coef = fit["coefficients"].loc["13"]
    # same DGP as test_dlw_markups (2000 firms): sd(theta_m) ~ 0.004
    assert abs(coef["b_m"] - THETA_M) < 0.02
    assert abs(coef["b_l"] - B_L) < 0.015
    assert abs(coef["b_k"] - B_K) < 0.06
    rows = fit["rows"]
    np.testing.assert_allclose(rows["tfp"], frame["y"] - coef["b_l"] * frame["l"] - coef["b_m"] * frame["m"] - coef["b_k"] * frame["k"])
    # rows without investment (each firm's last year) get the uncorrected alpha = M/S
    no_e = ~np.isfinite(rows["e_hat"])
    assert no_e.sum() > 0
    np.testing.assert_allclose(rows.loc[no_e, "alpha_m"], np.exp(frame["m"] - frame["y"])[no_e])
    np.testing.assert_allclose(rows["markup"], coef["b_m"] / rows["alpha_m"])
    assert abs(rows["markup"].mean() - frame["mu"].mean()) < 0.04
    tfp = ms.firm_year_tfp(fit)
    mk = ms.firm_year_markups(fit)
    assert list(tfp.columns) == ["panel_firm_id", "year", "industry_code", "tfp"]
    assert list(mk.columns) == ["panel_firm_id", "year", "markup"]
    assert len(mk) == len(frame)
    dropped = ms.firm_year_markups(ms.estimate_production(frame, ms.ProductionOptions(markup_fill="drop")))
    assert len(dropped) == len(frame) - int(no_e.sum())


def test_value_added_form_uses_labour_only(survey):
    frame = ms.production_frame(survey)
    fit = ms.estimate_production(frame, ms.ProductionOptions(tfp_form="value_added"))
    coef = fit["coefficients"].loc["13"]
    rows = fit["rows"]
    ok = np.isfinite(frame["va"])
    np.testing.assert_allclose(rows.loc[ok, "tfp"], (frame["va"] - coef["va_b_l"] * frame["l"] - coef["va_b_k"] * frame["k"])[ok])


def test_firm_year_quality_by_hand():
    # one product, one destination-year: e = lhs - mean(lhs); sigma = 3
    lines = pd.DataFrame({
        "panel_firm_id": ["a", "b", "c"], "year": 2005, "hs6_1996": "010101", "partner_country": "USA",
        "value_usd": [100.0, 200.0, 50.0], "quantity": [10.0, 40.0, None],
    })
    out = ms.firm_year_quality(lines, sigma=3.0).set_index("panel_firm_id")
    lhs = np.log([10.0, 40.0]) + 3 * np.log([10.0, 5.0])
    e = lhs - lhs.mean()
    np.testing.assert_allclose(out["log_quality"], e / 2)
    np.testing.assert_allclose(out["quality"], [1.0, 0.0] if e[0] > e[1] else [0.0, 1.0])
    assert "c" not in out.index  # no quantity


def test_firm_year_quality_leaves_out_lines_without_a_destination():
    known = pd.DataFrame({
        "panel_firm_id": ["a", "b"], "year": 2005, "hs6_1996": "010101", "partner_country": "USA",
        "value_usd": [100.0, 200.0], "quantity": [10.0, 40.0],
    })
    unknown = pd.DataFrame({"panel_firm_id": ["a", "d"], "year": 2005, "hs6_1996": "010101", "partner_country": None,
                            "value_usd": [900.0, 50.0], "quantity": [1.0, 5.0]})
    out = ms.firm_year_quality(pd.concat([known, unknown], ignore_index=True), sigma=3.0)
    pd.testing.assert_frame_equal(out, ms.firm_year_quality(known, sigma=3.0))
    assert "d" not in set(out["panel_firm_id"])


def test_industry_upstreamness_per_year():
    io = pd.DataFrame({"industry_code": ["B", "C"], "supplier_industry_code": ["A", "A"], "input_coefficient": [0.5, 0.2]})
    output = pd.DataFrame({"industry_code": ["A", "B", "A", "B", "C"], "year": [2000, 2000, 2001, 2001, 2001],
                           "output": [100.0, 100.0, 100.0, 50.0, 100.0]})
    u = ms.industry_upstreamness(io, output).set_index(["year", "industry_code"])["upstreamness"]
    # 2000: C has no output, its link is left out; Delta_AB = 0.5 * 100 / 100 -> U_A = 1.5
    assert u[(2000, "A")] == pytest.approx(1.5)
    assert u[(2000, "B")] == pytest.approx(1.0)
    assert (2000, "C") not in u.index
    # 2001: U_A = 1 + 0.5 * 50/100 + 0.2 * 100/100 = 1.45
    assert u[(2001, "A")] == pytest.approx(1.45)
    assert u[(2001, "C")] == pytest.approx(1.0)


def channel_panel(seed: int, n_firms: int = 3000, n_years: int = 10, rho: float = 0.7, beta: float = 0.4) -> pd.DataFrame:
    """tfp = 1 + omega, omega_t = rho omega_{t-1} + beta C_t + xi_t; C per cell with a trend; a year gap."""
    rng = np.random.default_rng(seed)
    cell = rng.integers(0, 60, n_firms)
    c_level = rng.uniform(0, 0.3, 60)
    om = rng.normal(0, 0.2, n_firms)
    rows = []
    for t in range(n_years):
        C = np.clip(c_level[cell] + 0.02 * t + rng.normal(0, 0.05, 60)[cell], 0, None)
        om = rho * om + beta * C + rng.normal(0, 0.15, n_firms)
        rows.append(pd.DataFrame({"panel_firm_id": np.arange(n_firms).astype(str), "year": 2000 + t,
                                  "tfp": 1.0 + om, "complementarity": C}))
    d = pd.concat(rows, ignore_index=True)
    # firm 0 misses 2003: its 2004 row has no lag (not the 2002 one)
    return d.loc[~((d["panel_firm_id"] == "0") & (d["year"] == 2003))].reset_index(drop=True)


def test_tfp_channel_recovers_beta_tfp():
    d = channel_panel(seed=0)
    known = ms.tfp_channel(d, rho=0.7)
    # 27,000 quasi-differences: sd of the estimate ~0.01
    assert abs(known["estimate"] - 0.4) < 0.04
    assert known["n_obs"] == 3000 * 9 - 2
    joint = ms.tfp_channel(d)
    assert abs(joint["rho"] - 0.7) < 0.02
    assert abs(joint["estimate"] - 0.4) < 0.06
    # both lags needed: 8 of 10 years per firm; firm 0 loses 2004, 2005 (and has no 2003)
    assert joint["n_obs"] == 3000 * 8 - 3


def test_tfp_channel_estimates_rho_through_measurement_error():
    """Measured TFP = productivity + serially uncorrelated error (sd 0.15, as large as the
    innovation): OLS on the lag would give rho about 0.7 * var(omega) / var(tfp) ~ 0.54 and
    beta_tfp far above 0.4; the lag-2 instrument recovers both."""
    d = channel_panel(seed=2)
    rng = np.random.default_rng(3)
    d = d.assign(tfp=d["tfp"] + rng.normal(0, 0.15, len(d)))
    est = ms.tfp_channel(d)
    assert abs(est["rho"] - 0.7) < 0.04
    assert abs(est["estimate"] - 0.4) < 0.08
    # the naive joint OLS this replaces is far off
    lag = d.assign(year=d["year"] + 1).rename(columns={"tfp": "tfp_lag"})[["panel_firm_id", "year", "tfp_lag"]]
    m = d.merge(lag, on=["panel_firm_id", "year"])
    X = np.column_stack([ms._within(m[c].to_numpy(), m["year"].to_numpy()) for c in ("tfp_lag", "complementarity")])
    b = np.linalg.lstsq(X, ms._within(m["tfp"].to_numpy(), m["year"].to_numpy()), rcond=None)[0]
    assert b[0] < 0.6


def test_quality_slope_with_year_effects():
    rng = np.random.default_rng(1)
    truth = pd.DataFrame({"panel_firm_id": np.arange(400).astype(str), "year": np.repeat([2000, 2001], 200),
                          "true_log_quality": rng.normal(0, 1, 400)})
    est = truth.assign(log_quality=2.0 * truth["true_log_quality"] + np.where(truth["year"] == 2001, 5.0, 0.0))
    res = ms.quality_slope(est[["panel_firm_id", "year", "log_quality"]], truth)
    assert res["estimate"] == pytest.approx(2.0)
    assert res["n_obs"] == 400


def test_quality_slope_se_is_firm_clustered_as_pyfixest():
    import pyfixest as pf

    rng = np.random.default_rng(5)
    firms = np.repeat(np.arange(300), 4)
    ref = pd.DataFrame({"panel_firm_id": firms.astype(str), "year": np.tile(np.arange(2000, 2004), 300),
                        "true_log_quality": rng.normal(0, 1, 1200)})
    firm_noise = rng.normal(0, 0.5, 300)[firms]  # errors correlated within firm
    est = ref.assign(log_quality=0.9 * ref["true_log_quality"] + firm_noise + rng.normal(0, 0.3, 1200))
    res = ms.quality_slope(est[["panel_firm_id", "year", "log_quality"]], ref)
    fit = pf.feols("log_quality ~ true_log_quality | year", data=est.merge(ref), vcov={"CRV1": "panel_firm_id"})
    assert res["estimate"] == pytest.approx(float(fit.coef().iloc[0]), rel=1e-10)
    assert res["std_error"] == pytest.approx(float(fit.se().iloc[0]), rel=5e-3)
    assert res["n_clusters"] == 300


def test_parameter_table_se_and_ci():
    point = {"beta_l": 0.3, "n_beta_l": 100, "beta_m": 0.5, "n_beta_m": 100, "tfp_channel": 0.4, "n_tfp_channel": 80,
             "rho": 0.7, "rho_known": True}
    draws = pd.DataFrame({"beta_l": [0.29, 0.31, 0.30], "beta_m": [0.5, 0.5, 0.5], "tfp_channel": [0.3, 0.5, 0.4]})
    t = ms.parameter_table(point, draws, ms.ProductionOptions(), "analytics/parameter_estimates", "run1").set_index("parameter")
    assert list(t.index) == ["beta_l", "beta_m", "tfp_channel"]  # NaN quality slope left out
    assert t.loc["beta_l", "std_error"] == pytest.approx(0.01)
    assert t.loc["beta_l", "ci_low"] == pytest.approx(0.3 - 1.96 * 0.01)
    assert t.loc["beta_m", "std_error"] == 0.0
    assert "known_rho=0.700" in t.loc["tfp_channel", "method"]
    assert t["n_obs"].dtype == "int64" and t.loc["tfp_channel", "n_obs"] == 80


def test_bootstrap_is_seeded():
    s = survey_from_panel(dlw_panel(seed=3, n_firms=400, n_years=5))
    frame = ms.production_frame(s)
    opts = ms.ProductionOptions(n_boot=3, seed=5)
    p1, d1 = ms.bootstrap_estimates(frame, opts)
    p2, d2 = ms.bootstrap_estimates(frame, opts)
    pd.testing.assert_frame_equal(d1, d2)
    assert p1 == pytest.approx(ms.pooled_estimates(frame, opts))  # the point estimate is the plain fit's
    assert len(d1) == 3 and {"beta_l", "beta_k", "beta_m", "markup_mean"} <= set(d1.columns)
    _, d3 = ms.bootstrap_estimates(frame, ms.ProductionOptions(n_boot=3, seed=6))
    assert not np.allclose(d1["beta_k"], d3["beta_k"])


def test_draws_spread_over_processes_are_the_draws_made_here():
    """The firms of each draw are picked in the calling process, in order: two
    worker processes give the same draws, bit for bit, as the calling process alone."""
    s = survey_from_panel(dlw_panel(seed=3, n_firms=300, n_years=5))
    frame = ms.production_frame(s)
    cells = frame[["panel_firm_id", "year"]].assign(complementarity=np.random.default_rng(2).normal(0, 1, len(frame)))
    opts = ms.ProductionOptions(n_boot=6, seed=4)
    p1, here = ms.bootstrap_estimates(frame, opts, cells, workers=1)
    p2, spread = ms.bootstrap_estimates(frame, opts, cells, workers=2)
    assert p1 == p2 and len(here) == 6
    pd.testing.assert_frame_equal(here, spread, check_exact=True)


def test_only_a_large_frame_gets_worker_processes(monkeypatch):
    import analytics.workers as workers

    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert ms.draw_workers(ms.PARALLEL_ROWS - 1, 199) == 1  # small: the draws run in the calling process
    assert ms.draw_workers(ms.PARALLEL_ROWS, 199) == 2
    assert ms.draw_workers(ms.PARALLEL_ROWS, 3) == 1  # fewer than two draws a process
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    assert ms.draw_workers(10 * ms.PARALLEL_ROWS, 199) == 4


def _gathered(frame: pd.DataFrame, cells: pd.DataFrame, pick: np.ndarray, firms: np.ndarray):
    """The textbook firm block resample, built row by row: each picked firm's whole
    history copied, a firm picked twice entering as two firms (numbered by its place
    in the draw), C carried along by firm-year."""
    by_firm = {f: g for f, g in frame.groupby("panel_firm_id", sort=False)}
    rows = pd.concat([by_firm[firms[j]].assign(panel_firm_id=i) for i, j in enumerate(pick)], ignore_index=True)
    c = rows[["panel_firm_id", "year"]].assign(
        complementarity=rows.merge(cells.rename(columns={"panel_firm_id": "original"}),
                                   left_on=["original", "year"], right_on=["original", "year"],
                                   how="left")["complementarity"].to_numpy()) if cells is not None else None
    return rows.drop(columns="original"), c


@pytest.mark.parametrize("rho, tfp_form", [(None, "gross_output"), (0.7, "gross_output"), (None, "value_added")])
def test_a_weighted_draw_equals_the_resample_built_row_by_row(rho, tfp_form):
    """Each bootstrap draw weights every firm by the number of times it was drawn;
    the estimates equal pooled_estimates on the resample built by copying rows
    (seeded DGP of tests/unit/test_dlw_markups.py, C a firm-year variable)."""
    from analytics.seeding import stream_rng

    s = survey_from_panel(dlw_panel(seed=3, n_firms=300, n_years=5))
    frame = ms.production_frame(s)
    rng = np.random.default_rng(8)
    cells = frame[["panel_firm_id", "year"]].assign(complementarity=rng.normal(0, 1, len(frame)))
    opts = ms.ProductionOptions(n_boot=4, seed=11, tfp_form=tfp_form)
    _, draws = ms.bootstrap_estimates(frame, opts, cells, rho)
    assert len(draws) == 4

    firms = np.unique(frame["panel_firm_id"].to_numpy())
    picks = stream_rng(opts.seed, "parameter_estimates/bootstrap")
    for i in range(opts.n_boot):
        pick = picks.integers(0, len(firms), len(firms))
        rows, c = _gathered(frame.assign(original=frame["panel_firm_id"]), cells, pick, firms)
        want = ms.pooled_estimates(rows.sort_values(["panel_firm_id", "year"], ignore_index=True), opts,
                                   c.sort_values(["panel_firm_id", "year"], ignore_index=True), rho)
        for k, v in draws.iloc[i].items():
            assert v == pytest.approx(want[k], rel=1e-6, abs=1e-7), (i, k)  # b_k is located to 1e-7


def test_lagged_rows_follow_calendar_years_in_any_row_order():
    from analytics.production import lagged_rows

    firm = np.array(["b", "a", "a", "b", "a"])
    year = np.array([2003, 2002, 2001, 2001, 2004])
    # a's 2002 follows its 2001 (row 2); a's 2004 follows a gap; b's 2003 follows a gap
    assert lagged_rows(firm, year).tolist() == [-1, 2, -1, -1, -1]
    with pytest.raises(ValueError, match="uniquely"):
        lagged_rows(np.array(["a", "a"]), np.array([2001, 2001]))


def test_kept_positions_point_into_the_kept_rows():
    """Lags re-pointed into a draw's kept rows, by hand: row 4's lag (row 3)
    is the kept rows' third; row 2, dropped, leaves; row 1's target survives;
    a target that is dropped gives -1."""
    from analytics.production import kept_positions

    lag = np.array([-1, 0, 1, -1, 3])
    keep = np.array([True, True, False, True, True])
    assert kept_positions(lag, keep).tolist() == [-1, 0, -1, 2]
    assert kept_positions(np.array([-1, 0]), np.array([False, True])).tolist() == [-1]
