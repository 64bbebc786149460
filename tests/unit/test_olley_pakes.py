"""METHOD §6 TFP: Olley-Pakes (1996) with the investment proxy, survival
probit (analytics/production.py).

The DGP below is the test's own (the estimator never sees the generator of
analytics/synth). Truth: b_l = 0.3, b_k = 0.12; omega AR(1) with rho = 0.7;
labour chosen after omega with a firm effect and an i.i.d. shock (so b_l is
identified in the first stage); investment ln I = -2 + 0.9 k + omega +
0.15 omega^3, strictly increasing in omega and k; capital
K_{t+1} = 0.9 K_t + I_t; a firm exits when omega falls below a threshold
that is lower for larger capital stocks (so survivors' omega correlates with
k, the selection OP's probit corrects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.production import olley_pakes

B_L, B_K = 0.3, 0.12


def op_panel(seed: int, n_firms: int = 3000, n_years: int = 8, rho: float = 0.7, sd_xi: float = 0.25) -> pd.DataFrame:
    """Firm-years of the OP DGP stated in the module docstring (true omega kept)."""
    rng = np.random.default_rng(seed)
    om = rng.normal(0, sd_xi / np.sqrt(1 - rho**2), n_firms)
    k = rng.normal(3.0, 1.0, n_firms)
    a_l = rng.normal(2.0, 0.5, n_firms)
    alive = np.ones(n_firms, bool)
    frames = []
    for t in range(n_years):
        if t > 0:
            om = rho * om + rng.normal(0, sd_xi, n_firms)
            alive &= om >= -0.45 - 0.15 * (k - 3.0)  # exit on low omega
        l = a_l + 0.5 * om + 0.2 * k + rng.normal(0, 0.3, n_firms)
        y = 1.0 + B_L * l + B_K * k + om + rng.normal(0, 0.1, n_firms)
        ln_i = -2.0 + 0.9 * k + om + 0.15 * om**3
        idx = np.flatnonzero(alive)
        frames.append(
            pd.DataFrame(
                {"firm": idx, "year": 2000 + t, "y": y[idx], "l": l[idx], "k": k[idx], "inv": np.exp(ln_i[idx]), "omega": om[idx]}
            )
        )
        k = np.log(0.9 * np.exp(k) + np.exp(ln_i))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return op_panel(seed=0)


def test_recovers_elasticities(panel):
    # Tolerances from 10 seeds of this DGP (3000 firms x 8 years, ~18,700
    # firm-years): sd(b_l) = 0.0015, sd(b_k) = 0.013, no visible bias (means
    # 0.300, 0.120). 0.01 is ~7 sd for b_l; 0.04 is ~3 sd for b_k (seed 0
    # gives 0.122) while still excluding the uncorrected estimate (~0.06).
    r = olley_pakes(panel, "y", "l", "k", "inv", "firm", "year")
    assert abs(r["b_l"] - B_L) < 0.01
    assert abs(r["b_k"] - B_K) < 0.04
    info = r["info"].iloc[0]
    assert info["survival_probit"] and info["n_exits"] > 500


def test_tfp_is_output_net_of_inputs_and_tracks_omega(panel):
    r = olley_pakes(panel, "y", "l", "k", "inv", "firm", "year")
    tfp = r["tfp"]
    assert tfp.index.equals(panel.index)
    np.testing.assert_allclose(tfp, panel["y"] - r["b_l"] * panel["l"] - r["b_k"] * panel["k"])
    # tfp = 1 + omega + e + estimation error; sd(omega) ~ 0.35 vs sd(e) = 0.1
    assert np.corrcoef(tfp, panel["omega"])[0, 1] > 0.9


def test_survival_correction_matters(panel):
    # Without the probit (no exits declared) b_k is biased down by the
    # selection on omega that favours large-k firms (about 0.06 in this DGP).
    flagged = panel.assign(no_exit=0)
    naive = olley_pakes(flagged, "y", "l", "k", "inv", "firm", "year", exit_col="no_exit")
    full = olley_pakes(panel, "y", "l", "k", "inv", "firm", "year")
    assert not naive["info"].iloc[0]["survival_probit"]
    assert naive["b_k"] < full["b_k"] - 0.03


def test_by_industry_and_zero_investment_rows():
    a = op_panel(seed=1, n_firms=1500).assign(ind="13")
    b = op_panel(seed=2, n_firms=1500).assign(ind="14")
    b["firm"] += 10_000
    df = pd.concat([a, b], ignore_index=True)
    df.loc[df.sample(frac=0.05, random_state=0).index, "inv"] = 0.0  # dropped from the first stage only
    r = olley_pakes(df, "y", "l", "k", "inv", "firm", "year", industry="ind")
    assert list(r["b_l"].index) == ["13", "14"]
    # half the sample per industry: the b_k tolerance doubles the sd (~0.02)
    assert (r["b_l"] - B_L).abs().max() < 0.015
    assert (r["b_k"] - B_K).abs().max() < 0.06
    assert r["tfp"].notna().all()  # tfp exists for i = 0 rows too
    assert (r["info"]["n_first_stage"] < df.groupby("ind").size()).all()


def test_too_small_industry_gives_nan_not_an_error():
    big = op_panel(seed=4, n_firms=800, n_years=5).assign(ind="A")
    tiny = op_panel(seed=5, n_firms=2, n_years=3).assign(ind="B")
    tiny["firm"] += 10_000
    df = pd.concat([big, tiny], ignore_index=True)
    r = olley_pakes(df, "y", "l", "k", "inv", "firm", "year", industry="ind")
    assert np.isfinite(r["b_k"]["A"]) and np.isnan(r["b_k"]["B"])
    assert r["tfp"][df["ind"] == "B"].isna().all()
    with pytest.raises(ValueError):
        olley_pakes(tiny, "y", "l", "k", "inv", "firm", "year")


@pytest.mark.parametrize("with_p, degree", [(True, 3), (False, 3), (True, 2)])
def test_step3_objective_from_cross_products_equals_the_regression_on_the_rows(with_p, degree):
    """OP step 3's SSR, computed from the Gram matrix of fixed monomials, is the
    SSR of the least-squares fit on the polynomial in (phi - b_k k, P) built row by row."""
    from itertools import combinations_with_replacement

    from analytics.production import _step3_ssr

    rng = np.random.default_rng(11)
    n = 4000
    k_l = rng.normal(3, 1, n)
    phi_l = 1.5 + 0.4 * k_l + rng.normal(0, 0.6, n)
    p_l = 1 / (1 + np.exp(-rng.normal(2, 1, n))) if with_p else None
    k_t = 0.9 * k_l + rng.normal(0, 0.2, n)
    target = 0.12 * k_t + 0.7 * (phi_l - 0.12 * k_l) + rng.normal(0, 0.3, n)
    ssr = _step3_ssr(target, k_t, phi_l, k_l, p_l, degree)
    for bk in (-0.5, 0.0, 0.12, 0.7, 1.5):
        om = phi_l - bk * k_l
        V = np.column_stack([om] if p_l is None else [om, p_l])
        cols = [np.ones(n)] + [np.prod(V[:, list(c)], axis=1) for d in range(1, degree + 1)
                               for c in combinations_with_replacement(range(V.shape[1]), d)]
        Z = np.column_stack(cols)
        r = target - bk * k_t
        resid = r - Z @ np.linalg.lstsq(Z, r, rcond=None)[0]
        assert ssr(bk) == pytest.approx(resid @ resid, rel=1e-9)
