"""Conley-Hansen-Rossi UCI and LTZ, and the clustered 2SLS helper (METHOD §6).

Seeded DGP ``direct_effect``: y = 1.0 x + g0 z + 0.5 w + a_firm + t_year + u,
x = 0.5 z + 0.3 w + a_firm + v, corr(u, v) > 0, firm clusters. True b = 1.0;
2SLS that assumes g = 0 converges to b + g0 / 0.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from analytics.estimation import absorbed_dof, ltz, tsls, uci

B_TRUE = 1.0
PI = 0.5


def direct_effect(g0: float, n: int, n_firm: int, seed: int, n_year: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firm = rng.integers(0, n_firm, n)
    year = rng.integers(0, n_year, n)
    a = rng.normal(size=n_firm)[firm]
    t = rng.normal(size=n_year)[year]
    z = rng.normal(size=n) + 0.3 * a
    w = rng.normal(size=n)
    v = rng.normal(size=n)
    u = 0.6 * v + rng.normal(size=n)
    x = PI * z + 0.3 * w + a + v
    y = B_TRUE * x + g0 * z + 0.5 * w + a + t + u
    return pd.DataFrame(dict(y=y, x=x, z=z, w=w, firm=firm, year=year))


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return direct_effect(g0=0.0, n=3000, n_firm=150, seed=3)


def test_tsls_matches_pyfixest_without_fe(small):
    """Coefficients to 1e-8; se ratio 1 (both (N-1)/(N-K) G/(G-1), K incl.
    the intercept, which we partial out and count in sdofminus = 1)."""
    df = small
    fit = pf.feols("y ~ w | 0 | x ~ z", data=df, vcov={"CRV1": "firm"})
    r = tsls(df["y"], df["x"], df["z"], df[["w"]], df["firm"])
    np.testing.assert_allclose(r.b, fit.coef()[["x", "w"]].to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(r.se, fit.se()[["x", "w"]].to_numpy(), rtol=1e-10)
    b, se, resid = r  # unpacks as (b, se, resid)
    assert resid.shape == (len(df),)


def test_tsls_matches_pyfixest_with_fe(small):
    """Firm + year FE, firm clusters. Coefficients to 1e-8. pyfixest with
    k_fixef='none' divides by N-K; we divide by N-K-sdofminus (ivreghdfe,
    sdofminus = 7: year levels less one, firm nested in the clusters), so
    se_ours / se_pyfixest = sqrt((N-K)/(N-K-sdofminus)), rtol 1e-7."""
    df = small
    n, k = len(df), 2
    fit = pf.feols("y ~ w | firm + year | x ~ z", data=df, vcov={"CRV1": "firm"},
                   ssc=pf.ssc(k_fixef="none"), demeaner=pf.MapDemeaner(fixef_tol=1e-12))
    r = tsls(df["y"], df["x"], df["z"], df[["w"]], df["firm"], fe_df=df[["firm", "year"]])
    sdof = absorbed_dof(df[["firm", "year"]], df["firm"])
    assert sdof == 7
    np.testing.assert_allclose(r.b, fit.coef()[["x", "w"]].to_numpy(), rtol=0, atol=1e-8)
    ratio = np.sqrt((n - k) / (n - k - sdof))
    np.testing.assert_allclose(r.se / fit.se()[["x", "w"]].to_numpy(), ratio, rtol=1e-7)


def test_ltz_zero_prior_is_2sls_exactly(small):
    df = small
    fe = df[["firm", "year"]]
    r = tsls(df["y"], df["x"], df["z"], df[["w"]], df["firm"], fe_df=fe)
    b, se = ltz(df["y"], df["x"], df["z"], df[["w"]], df["firm"], mu=0.0, omega=0.0, fe_df=fe)
    assert b == r.b[0]
    assert se == r.se[0]


def test_uci_zero_range_is_2sls_exactly(small):
    df = small
    fe = df[["firm", "year"]]
    r = tsls(df["y"], df["x"], df["z"], df[["w"]], df["firm"], fe_df=fe)
    lo, hi, grid = uci(df["y"], df["x"], df["z"], df[["w"]], df["firm"], 0.0, 0.0, fe_df=fe)
    assert len(grid) == 1
    assert grid["b"].iloc[0] == r.b[0] and grid["se"].iloc[0] == r.se[0]
    crit = 1.959963984540054
    np.testing.assert_allclose([lo, hi], [r.b[0] - crit * r.se[0], r.b[0] + crit * r.se[0]], rtol=1e-15)


def test_uci_grid_and_ltz_point_agree(small):
    """b_g on the UCI grid is the 2SLS of y - z g, which is also LTZ's point
    estimate at mu = g (to 1e-10); the UCI covers every grid interval."""
    df = small
    lo, hi, grid = uci(df["y"], df["x"], df["z"], df[["w"]], df["firm"], -0.2, 0.2, n_grid=51)
    assert len(grid) == 51
    assert lo == grid["lower"].min() and hi == grid["upper"].max()
    for _, row in grid.iloc[[0, 25, 50]].iterrows():
        b, _ = ltz(df["y"], df["x"], df["z"], df[["w"]], df["firm"], mu=row["g"], omega=0.0)
        np.testing.assert_allclose(b, row["b"], rtol=0, atol=1e-10)
    # b_g is linear and decreasing in g (A > 0 when the first stage is positive)
    assert np.all(np.diff(grid["b"]) < 0)


def test_ltz_recovers_truth_with_known_direct_effect():
    """g0 = 0.25, n = 20000 in 2000 firm clusters. Naive 2SLS is off by about
    g0/pi = 0.5; LTZ at mu = g0 lies within 0.05 (and 3 se) of b = 1.0, and
    omega > 0 only widens the se."""
    g0 = 0.25
    df = direct_effect(g0=g0, n=20_000, n_firm=2000, seed=11)
    fe = df[["firm", "year"]]
    args = (df["y"], df["x"], df["z"], df[["w"]], df["firm"])
    naive = tsls(*args, fe_df=fe)
    assert abs(naive.b[0] - (B_TRUE + g0 / PI)) < 0.1
    b, se = ltz(*args, mu=g0, omega=0.0, fe_df=fe)
    assert abs(b - B_TRUE) < 0.05
    assert abs(b - B_TRUE) < 3 * se
    b2, se2 = ltz(*args, mu=g0, omega=0.1**2, fe_df=fe)
    assert b2 == b and se2 > se


def test_options_checked_early(small):
    df = small
    args = (df["y"], df["x"], df["z"], df[["w"]], df["firm"])
    with pytest.raises(ValueError, match="ssc"):
        tsls(*args, ssc="hc1")
    with pytest.raises(ValueError, match="51"):
        uci(*args, -0.1, 0.1, n_grid=11)
    with pytest.raises(ValueError, match="omega"):
        ltz(*args, mu=0.0, omega=-1.0)
