"""METHOD §6 markups: De Loecker & Warzynski (2012) ``mu = theta_m / alpha_m``
with theta_m from an Olley-Pakes gross-output first stage
(analytics/production.py: dlw_markups).

The test's own DGP (independent of analytics/synth): gross-output
Cobb-Douglas ln S* = 1 + 0.25 l + 0.1 k + 0.55 m + omega, S = S* exp(e),
e ~ N(0, 0.1) unanticipated; omega AR(1) (rho 0.7); labour chosen after
omega with a firm effect and an i.i.d. shock; intermediates from the static
first-order condition M = theta_m S* / mu_i, so the DLW markup is exactly
the firm's mu_i ~ N(1.3, 0.1) clipped to [1.05, 1.6]; investment
ln I = -2 + 0.9 k + omega strictly increasing in (omega, k); exit on low omega.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.production import dlw_markups

B_L, B_K, THETA_M = 0.25, 0.1, 0.55


def dlw_panel(seed: int, n_firms: int = 2500, n_years: int = 6, rho: float = 0.7, sd_xi: float = 0.25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    om = rng.normal(0, sd_xi / np.sqrt(1 - rho**2), n_firms)
    k = rng.normal(3.0, 1.0, n_firms)
    a_l = rng.normal(2.0, 0.5, n_firms)
    mu = np.clip(rng.normal(1.3, 0.1, n_firms), 1.05, 1.6)
    alive = np.ones(n_firms, bool)
    frames = []
    for t in range(n_years):
        if t > 0:
            om = rho * om + rng.normal(0, sd_xi, n_firms)
            alive &= om >= -0.5
        l = a_l + 0.5 * om + 0.2 * k + rng.normal(0, 0.3, n_firms)
        # ln S* = c + th ln(th/mu) ... solved for the FOC M = th S*/mu
        c = 1.0 + B_L * l + B_K * k + om
        ln_s_star = (c + THETA_M * np.log(THETA_M / mu)) / (1 - THETA_M)
        m = ln_s_star + np.log(THETA_M / mu)
        e = rng.normal(0, 0.1, n_firms)
        y = ln_s_star + e
        ln_i = -2.0 + 0.9 * k + om
        idx = np.flatnonzero(alive)
        frames.append(
            pd.DataFrame(
                {"firm": idx, "year": 2000 + t, "y": y[idx], "l": l[idx], "k": k[idx], "m": m[idx], "inv": np.exp(ln_i[idx]), "mu": mu[idx], "e": e[idx]}
            )
        )
        k = np.log(0.9 * np.exp(k) + np.exp(ln_i))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return dlw_panel(seed=0)


def test_dgp_truth_is_the_dlw_ratio(panel):
    # with the true theta_m and the true output shock, METHOD's formula
    # returns each firm's mu exactly: the DGP states the markup it asserts
    alpha_true = np.exp(panel["m"] - panel["y"]) * np.exp(panel["e"])
    np.testing.assert_allclose(THETA_M / alpha_true, panel["mu"], rtol=1e-12)


def test_recovers_theta_and_markups(panel):
    # Tolerances from 10 seeds of this DGP (2500 firms x 6 years, ~12,000
    # firm-years): theta_m 0.549 (sd 0.004), theta_l 0.251 (sd 0.003), mean
    # markup minus mean mu -0.002 (sd 0.010, it is 1.3 * theta error /
    # theta), corr(markup, mu) >= 0.9987, median |markup/mu - 1| <= 0.015.
    # Bounds at ~3.5 sd: 0.015, 0.01, 0.035; and 0.99, 0.03.
    r = dlw_markups(panel, "y", "l", "k", "m", "inv", "firm", "year")
    assert abs(r["theta_m"] - THETA_M) < 0.015
    assert abs(r["theta_l"] - B_L) < 0.01
    mk = r["markups"]
    assert mk.index.equals(panel.index)
    assert abs(mk["markup"].mean() - panel["mu"].mean()) < 0.035
    assert np.corrcoef(mk["markup"], panel["mu"])[0, 1] > 0.99
    assert (mk["markup"] / panel["mu"] - 1).abs().median() < 0.03


def test_alpha_m_uses_the_first_stage_residual(panel):
    r = dlw_markups(panel, "y", "l", "k", "m", "inv", "firm", "year")
    mk = r["markups"]
    np.testing.assert_allclose(mk["alpha_m"], np.exp(panel["m"] - panel["y"]) * np.exp(mk["e_hat"]))
    np.testing.assert_allclose(mk["markup"], r["theta_m"] / mk["alpha_m"])
    # without the correction the markup would carry the output shock
    raw = r["theta_m"] / np.exp(panel["m"] - panel["y"])
    assert (raw / panel["mu"] - 1).std() > 2 * (mk["markup"] / panel["mu"] - 1).std()


def test_by_industry_and_rows_without_investment():
    a = dlw_panel(seed=1, n_firms=1200).assign(ind="13")
    b = dlw_panel(seed=2, n_firms=1200).assign(ind="14")
    b["firm"] += 10_000
    df = pd.concat([a, b], ignore_index=True)
    zero = df.sample(frac=0.05, random_state=1).index
    df.loc[zero, "inv"] = 0.0
    r = dlw_markups(df, "y", "l", "k", "m", "inv", "firm", "year", industry="ind")
    assert list(r["theta_m"].index) == ["13", "14"]
    # half the sample per industry: sd ~0.006, bound ~3.5 sd
    assert (r["theta_m"] - THETA_M).abs().max() < 0.02
    mk = r["markups"]
    assert mk.loc[zero, "markup"].isna().all()
    assert mk.drop(index=zero)["markup"].notna().all()
