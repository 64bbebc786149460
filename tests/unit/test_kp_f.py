"""Kleibergen-Paap rk Wald F (METHOD §6) against linearmodels and pyfixest.

Seeded DGP (firm-year panel, firm and year FE, firm clusters):
x = pi z + 0.3 w + a_firm + t_year + v, y = 1.0 x + 0.5 w + a_firm - t_year + u,
corr(u, v) > 0. True first-stage coefficient pi (0.4 strong, 0.02 weak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from linearmodels.iv import IV2SLS
from linearmodels.iv import kleibergen_paap_f as lm_kp_f

from analytics.estimation import absorbed_dof, demean, iv_diagnostics, kleibergen_paap_f


def panel(pi: float, n: int = 3000, n_firm: int = 150, n_year: int = 8, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firm = rng.integers(0, n_firm, n)
    year = rng.integers(0, n_year, n)
    a = rng.normal(size=n_firm)[firm]
    t = rng.normal(size=n_year)[year]
    z = rng.normal(size=n) + 0.3 * a
    w = rng.normal(size=n) + 0.2 * t
    v = rng.normal(size=n)
    u = 0.5 * v + rng.normal(size=n)
    x = pi * z + 0.3 * w + a + t + v
    y = 1.0 * x + 0.5 * w + a - t + u
    return pd.DataFrame(dict(y=y, x=x, z=z, w=w, firm=firm, year=year))


@pytest.fixture(scope="module")
def strong() -> pd.DataFrame:
    return panel(pi=0.4)


def test_demean_matches_dummy_regression(strong):
    """Alternating projections equal the LSDV residuals (to 1e-10)."""
    df = strong.iloc[:600]
    got = demean(df, ["x", "w"], ["firm", "year"]).to_numpy()
    D = pd.get_dummies(df[["firm", "year"]].astype(str), drop_first=False).to_numpy(float)
    coef, *_ = np.linalg.lstsq(D, df[["x", "w"]].to_numpy(), rcond=None)
    want = df[["x", "w"]].to_numpy() - D @ coef
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.parametrize("sweeps", [300, 1])
def test_demean_three_fixed_effects_matches_dummy_regression(strong, sweeps, monkeypatch):
    """Three fixed effects: alternating projections, then pyfixest's LSMR solver
    where they have not converged after SWEEPS_BEFORE_LSMR sweeps (1: LSMR at
    once); either equals the LSDV residuals to 1e-7 of the data's scale."""
    monkeypatch.setattr(iv_diagnostics, "SWEEPS_BEFORE_LSMR", sweeps)
    df = strong.iloc[:900].assign(group_year=lambda d: (d["firm"] % 7) * 100 + d["year"])
    fe = ["firm", "year", "group_year"]
    got = demean(df, ["x", "w"], fe).to_numpy()
    D = pd.get_dummies(df[fe].astype(str), drop_first=False).to_numpy(float)
    coef, *_ = np.linalg.lstsq(D, df[["x", "w"]].to_numpy(), rcond=None)
    want = df[["x", "w"]].to_numpy() - D @ coef
    np.testing.assert_allclose(got, want, atol=1e-7 * np.abs(df[["x", "w"]].to_numpy()).max())
    assert np.abs(got - (df[["x", "w"]].to_numpy() - df[["x", "w"]].mean().to_numpy())).max() > 0.1


def test_absorbed_dof_rules(strong):
    fe = strong[["firm", "year"]]
    # firm nested in firm clusters: only year's 8 levels less 1 redundant
    assert absorbed_dof(fe, strong["firm"]) == 7
    # year nested in year clusters: firm's 150 levels
    assert absorbed_dof(fe, strong["year"]) == 150
    # all nested: ivreghdfe forces 1 (the constant)
    assert absorbed_dof(strong[["firm"]], strong["firm"]) == 1
    assert absorbed_dof(None, strong["firm"]) == 1


@pytest.mark.parametrize("fes", [["firm", "year"], []])
def test_equals_linearmodels_up_to_small_sample_ratio(strong, fes):
    """linearmodels' rk Wald F on demeaned data, times (N-L-sdofminus)/(N-L).

    linearmodels uses (N - k - c) with k = 1 excluded instrument and c = the
    exog columns passed (w only: the FE and constant are already demeaned out
    and unknown to it); ours subtracts sdofminus as well. rtol 1e-8.
    """
    df = strong
    n = len(df)
    cols = ["y", "x", "z", "w"]
    if fes:
        dm = demean(df, cols, fes)
        sdof = absorbed_dof(df[fes], df["firm"])
    else:
        dm = df[cols] - df[cols].mean()
        sdof = 1
    ours = kleibergen_paap_f(df["x"], df["z"], df[["w"]], df[fes] if fes else None, df["firm"])
    lm = lm_kp_f(
        dm[["x"]].to_numpy(), dm[["z"]].to_numpy(), dm[["w"]].to_numpy(),
        "clustered", {"clusters": df["firm"].to_numpy()},
    )
    res = IV2SLS(dm["y"], dm[["w"]], dm[["x"]], dm[["z"]]).fit(cov_type="clustered", clusters=df["firm"])
    L = 2  # z and w
    ratio = (n - L - sdof) / (n - L)
    np.testing.assert_allclose(ours, lm * ratio, rtol=1e-8)
    np.testing.assert_allclose(ours, res.first_stage.kleibergen_paap_f * ratio, rtol=1e-8)


def test_equals_squared_pyfixest_t(strong):
    """F = t^2 of z in pyfixest's first stage (CRV1, k_fixef='none') times
    (N-L-sdofminus)/(N-L): pyfixest's factor (N-1)/(N-L) G/(G-1) cancels the
    (N-1) and (G-1)/G of the formula. rtol 1e-7 (pyfixest's own demeaning)."""
    df = strong
    n = len(df)
    fit = pf.feols("x ~ z + w | firm + year", data=df, vcov={"CRV1": "firm"},
                   ssc=pf.ssc(k_fixef="none"), demeaner=pf.MapDemeaner(fixef_tol=1e-12))
    t = float(fit.tstat()["z"])
    ours = kleibergen_paap_f(df["x"], df["z"], df[["w"]], df[["firm", "year"]], df["firm"])
    np.testing.assert_allclose(ours, t**2 * (n - 2 - 7) / (n - 2), rtol=1e-7)


def test_strong_vs_weak_instrument():
    """pi = 0.4 gives F far above 10; pi = 0.02 gives F below 10."""
    s, w = panel(pi=0.4), panel(pi=0.02)
    f_strong = kleibergen_paap_f(s["x"], s["z"], s[["w"]], s[["firm", "year"]], s["firm"])
    f_weak = kleibergen_paap_f(w["x"], w["z"], w[["w"]], w[["firm", "year"]], w["firm"])
    assert f_strong > 100
    assert f_weak < 10


def test_rejects_bad_input(strong):
    with pytest.raises(ValueError, match="cluster"):
        kleibergen_paap_f(strong["x"], strong["z"], None, None, None)
    with pytest.raises(ValueError, match="one instrument"):
        kleibergen_paap_f(strong["x"], strong[["z", "w"]], None, None, strong["firm"])


def test_one_partialling_serves_every_clustering(strong):
    """The partialled first stage gives, under each clustering, the F that
    kleibergen_paap_f computes from scratch, bit for bit (the clustering
    enters only the scores and the degrees of freedom); firm clusters and
    year clusters give different F, so the clustering is not ignored."""
    df = strong.assign(group=strong["firm"] % 12)
    first = iv_diagnostics.first_stage_partialled(df["x"], df["z"], df[["w"]], df[["firm", "year"]])
    by = {c: first.kp_f(df[c]) for c in ("firm", "group", "year")}
    for c, f in by.items():
        assert f == kleibergen_paap_f(df["x"], df["z"], df[["w"]], df[["firm", "year"]], df[c])
    assert len(set(by.values())) == 3
    with pytest.raises(ValueError, match="one label per row"):
        first.kp_f(df["firm"].iloc[:-1])
    with pytest.raises(ValueError, match="cluster is required"):
        first.kp_f(None)
