"""Kiviet (2020) kinky least squares (METHOD §6, Table 8).

Seeded DGP ``endogenous``: industry and city FE; w ~ N(0,1); e ~ N(0,1);
x = 0.5 w + e (+ FE); u = a e + sqrt(1 - a^2) eta, so Cov(w, u) = 0 and the
true correlation of x (FE partialled) with u is rho0 = a / sqrt(1.25).
y = 1.0 x + 0.5 w + FE + u. True b = (1.0, 0.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from analytics.estimation import kls, kls_bootstrap_se, kls_bootstrap_ses

B_TRUE = np.array([1.0, 0.5])


def endogenous(a: float, n: int, seed: int, n_firm: int | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ind = rng.integers(0, 20, n)
    city = rng.integers(0, 30, n)
    fe_x = rng.normal(size=20)[ind] + rng.normal(size=30)[city]
    fe_y = rng.normal(size=20)[ind] - rng.normal(size=30)[city]
    w = rng.normal(size=n)
    e = rng.normal(size=n)
    u = a * e + np.sqrt(1 - a**2) * rng.normal(size=n)
    x = 0.5 * w + e + fe_x
    y = B_TRUE[0] * x + B_TRUE[1] * w + fe_y + u
    firm = rng.integers(0, n_firm or n // 5, n)
    return pd.DataFrame(dict(y=y, x=x, w=w, ind=ind, city=city, firm=firm))


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return endogenous(a=0.3, n=2000, seed=5)


def test_rho_zero_is_ols(small):
    """rho = 0: pyfixest's feols with the same FE, to 1e-10."""
    df = small
    got = kls(df["y"], df["x"], df[["w"]], 0.0, df[["ind", "city"]])
    fit = pf.feols("y ~ x + w | ind + city", data=df, demeaner=pf.MapDemeaner(fixef_tol=1e-12))
    np.testing.assert_allclose(got, fit.coef()[["x", "w"]].to_numpy(), rtol=0, atol=1e-10)
    # without FE: OLS with an intercept
    X = np.column_stack([np.ones(len(df)), df["x"], df["w"]])
    ols = np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0][1:]
    np.testing.assert_allclose(kls(df["y"], df["x"], df[["w"]], 0.0), ols, rtol=0, atol=1e-12)


def test_true_rho_recovers_truth():
    """a = 0.3, rho0 = 0.3/sqrt(1.25) = 0.268, n = 40000. OLS of x is biased
    by Cov(e, u)/Var(e) = a = 0.3; KLS at rho0 is within 0.02 of both true
    coefficients (sampling sd about 0.005)."""
    a = 0.3
    rho0 = a / np.sqrt(1.25)
    df = endogenous(a=a, n=40_000, seed=7)
    fe = df[["ind", "city"]]
    ols = kls(df["y"], df["x"], df[["w"]], 0.0, fe)
    assert ols[0] - B_TRUE[0] > 0.25
    got = kls(df["y"], df["x"], df[["w"]], rho0, fe)
    np.testing.assert_allclose(got, B_TRUE, atol=0.02)


def test_inadmissible_rho_raises():
    """x = w + 0.3 e: R2(x on w) = 1/1.09, so 1 - R2 = 0.083 and rho = 0.3
    (rho^2 = 0.09) is inadmissible while rho = 0.2 is fine."""
    rng = np.random.default_rng(2)
    n = 5000
    w = rng.normal(size=n)
    x = w + 0.3 * rng.normal(size=n)
    y = x + w + rng.normal(size=n)
    kls(y, x, w, 0.2)
    with pytest.raises(ValueError, match="inadmissible"):
        kls(y, x, w, 0.3)
    with pytest.raises(ValueError, match="inadmissible"):
        kls(y, x, w, -0.3)
    with pytest.raises(ValueError, match=r"\(-1, 1\)"):
        kls(y, x, w, 1.0)


def test_bootstrap_se(small):
    """Seeded and reproducible; at rho = 0 the firm-cluster bootstrap SE of x
    is within 30% of pyfixest's CRV1 SE (99 draws: Monte Carlo sd ~7%)."""
    df = small
    fe = df[["ind", "city"]]
    se1 = kls_bootstrap_se(df["y"], df["x"], df[["w"]], 0.0, fe, cluster=df["firm"], n_boot=99, seed=4)
    se2 = kls_bootstrap_se(df["y"], df["x"], df[["w"]], 0.0, fe, cluster=df["firm"], n_boot=99, seed=4)
    np.testing.assert_array_equal(se1, se2)
    fit = pf.feols("y ~ x + w | ind + city", data=df, vcov={"CRV1": "firm"})
    crv = fit.se()[["x", "w"]].to_numpy()
    assert np.all(np.abs(se1 / crv - 1) < 0.3)
    se_k = kls_bootstrap_se(df["y"], df["x"], df[["w"]], -0.02, fe, cluster=df["firm"], n_boot=20, seed=4)
    assert np.all(np.isfinite(se_k)) and np.all(se_k > 0)


def test_all_rhos_from_one_partialling_equal_one_rho_at_a_time(small):
    """Table 8's KLS columns share their resamples: the SEs of every rho from
    one pass equal those of one call per rho (same seed), and a rho that is
    inadmissible comes back as its error while the others keep their SEs."""
    fe = small[["ind", "city"]]
    args = (small["y"], small["x"], small[["w"]])
    rhos = [0.0, -0.01, -0.02, 0.99]  # 0.99 > sqrt(1 - R2(x on w)) here
    together = kls_bootstrap_ses(*args, rhos, fe, cluster=small["firm"], n_boot=25, seed=11)
    for rho, se in zip(rhos[:3], together[:3]):
        np.testing.assert_allclose(se, kls_bootstrap_se(*args, rho, fe, cluster=small["firm"], n_boot=25, seed=11),
                                   rtol=1e-12)
        assert np.all(se > 0)
    assert isinstance(together[3], ValueError) and "inadmissible" in str(together[3])
    with pytest.raises(ValueError, match="inadmissible"):
        kls_bootstrap_se(*args, 0.99, fe, cluster=small["firm"], n_boot=25, seed=11)


def test_resamples_partialled_in_worker_processes_give_the_same_ses(small):
    """Two spawned processes partial the resamples: the clusters are drawn
    in the calling process, so every rho's SEs, and an inadmissible rho's
    error, are the same bit for bit."""
    fe = small[["ind", "city"]]
    args = (small["y"], small["x"], small[["w"]], [0.0, -0.02, 0.99], fe)
    here = kls_bootstrap_ses(*args, cluster=small["firm"], n_boot=12, seed=3, workers=1)
    spread = kls_bootstrap_ses(*args, cluster=small["firm"], n_boot=12, seed=3, workers=2)
    for a, b in zip(here[:2], spread[:2]):
        np.testing.assert_array_equal(a, b)
        assert np.all(a > 0)
    assert isinstance(spread[2], ValueError) and str(spread[2]) == str(here[2])


def test_only_a_large_sample_gets_worker_processes(monkeypatch):
    import analytics.workers as workers
    from analytics.estimation.kls import PARALLEL_ROWS, bootstrap_workers

    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert bootstrap_workers(PARALLEL_ROWS - 1, 199) == 1  # the demo panel: resamples partialled here
    assert bootstrap_workers(PARALLEL_ROWS, 199) == 2
    assert bootstrap_workers(PARALLEL_ROWS, 3) == 1


def test_collinear_control_in_a_replication_keeps_b_x(small):
    """A control collinear with another (as a bootstrap resample can make one)
    leaves b_x and its kink unchanged under the pseudo-inverse; a collinear x
    still fails."""
    from analytics.estimation.kls import _kls_core, _partialled

    fe = small[["ind", "city"]]
    yy, X = _partialled(small["y"], small["x"], small[["w"]], fe)
    X_dup = np.column_stack([X, 2.0 * X[:, 1]])
    for rho in (0.0, -0.02, 0.2):
        np.testing.assert_allclose(_kls_core(yy, X_dup, rho, collinear_w_ok=True)[0], _kls_core(yy, X, rho)[0],
                                   rtol=1e-9)
    with pytest.raises(np.linalg.LinAlgError):
        _kls_core(yy, X_dup, 0.1)  # the full-sample path does not hide a singular S
    X_bad = np.column_stack([X, 3.0 * X[:, 0]])
    with pytest.raises(np.linalg.LinAlgError):
        _kls_core(yy, X_bad, 0.1, collinear_w_ok=True)


@pytest.mark.parametrize("fe", [[], ["ind", "city"], ["ind", "city", "year"]])
def test_a_resample_weighted_by_draws_equals_the_rows_repeated(small, fe):
    """A resample fits each drawn cluster's rows once, weighted by the times it
    was drawn; built row by row instead (each drawn cluster's rows repeated
    in the order drawn, labels kept), the OLS parts KLS uses are the same."""
    from analytics.estimation.iv_diagnostics import fe_codes
    from analytics.estimation.kls import _ols_parts, _partial, _Resample, _stacked

    df = small.assign(year=small.index % 7)
    m = _stacked(df["y"], df["x"], df[["w"]])
    cl = pd.factorize(df["firm"])[0]
    G = int(cl.max()) + 1
    codes = fe_codes(df[fe]) if fe else None
    pick = np.random.default_rng(3).integers(0, G, G)
    assert np.bincount(pick).max() > 1  # some cluster drawn more than once
    got = _Resample(m, codes, cl, G)(pick)
    idx = np.concatenate([np.flatnonzero(cl == g) for g in pick])
    rep = _ols_parts(*_partial(m[idx], None if codes is None else [pd.factorize(k[idx])[0] for k in codes]),
                     collinear_w_ok=True)
    np.testing.assert_allclose(got.b_ols, rep.b_ols, rtol=1e-9)
    np.testing.assert_allclose(got.Si, rep.Si, rtol=1e-9)
    assert got.s2_e == pytest.approx(rep.s2_e, rel=1e-9) and got.s2_x == pytest.approx(rep.s2_x, rel=1e-9)
