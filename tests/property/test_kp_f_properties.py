"""Property: the Kleibergen-Paap rk Wald F of the first stage is invariant to
affine reparametrisations that the first stage absorbs.

Formula: METHOD §6: one endogenous regressor and one instrument, the squared
cluster-robust t statistic of the instrument in the first stage (fixed
effects partialled out) times ivreghdfe's small-sample factors
``F = chi2/(N-1) * (N-L-sdofminus) * (G-1)/G / L1``.  Implemented by
``analytics.estimation.iv_diagnostics.kleibergen_paap_f`` (with ``demean``
and ``absorbed_dof``).

Why it holds: with ``x~``, ``z~`` the residuals after the fixed effects (or
the constant) and the exogenous regressors, ``pi = z~'x~ / z~'z~``,
``e = x~ - pi z~`` and ``chi2 = pi^2 (z~'z~)^2 / sum_g (sum_{i in g} z~_i e_i)^2``.
Replacing ``z`` by ``a z + b`` (a != 0; b a constant, or any function of an
absorbed fixed effect, or any combination of the exogenous regressors) gives
``z~ -> a z~``: ``pi -> pi/a``, ``e`` unchanged, ``chi2`` unchanged.
Replacing ``x`` by ``c x + d`` (c != 0, d absorbed the same way) gives
``pi -> c pi``, ``e -> c e``: ``chi2`` unchanged.  The small-sample factors
depend on N, L, G and the fixed effects only.  Data: firm-year panels,
clustered by firm, with firm (and year) effects; without fixed effects the
constant is partialled out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analytics.estimation.iv_diagnostics import kleibergen_paap_f

REL = 1e-7  # demeaning by alternating projections converges to 1e-12 of the data's scale
FE_SETS = [(), ("firm",), ("firm", "year"), ("year",)]


@st.composite
def panels(draw):
    """A (possibly unbalanced) firm-year panel with firm-clustered errors."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_firm = draw(st.integers(5, 14))
    n_year = draw(st.integers(3, 6))
    pi = draw(st.one_of(st.just(0.0), st.floats(-1.5, 1.5, allow_nan=False)))
    rng = np.random.default_rng(seed)
    firm = np.repeat(np.arange(n_firm), n_year)
    year = np.tile(np.arange(n_year), n_firm)
    keep = rng.random(firm.size) > 0.2
    keep[::n_year] = True  # every firm keeps its first year
    keep[: 2 * n_year] = True  # two full firms keep the year graph connected
    firm, year = firm[keep], year[keep]
    a = rng.normal(size=n_firm)[firm]
    t = rng.normal(size=n_year)[year]
    z = rng.normal(size=firm.size) + 0.5 * a + rng.normal(size=n_firm)[firm]
    w = rng.normal(size=firm.size) + 0.3 * t
    v = rng.normal(size=firm.size) + rng.normal(size=n_firm)[firm]  # clustered error
    x = pi * z + 0.4 * w + a + t + v
    fes = draw(st.sampled_from(FE_SETS))
    with_exog = draw(st.booleans())
    return pd.DataFrame({"x": x, "z": z, "w": w, "firm": firm, "year": year}), list(fes), with_exog


def kp(df: pd.DataFrame, fes: list[str], with_exog: bool, x=None, z=None) -> float:
    return kleibergen_paap_f(
        df["x"] if x is None else x,
        df["z"] if z is None else z,
        df[["w"]] if with_exog else None,
        df[fes] if fes else None,
        df["firm"],
    )


nonzero = st.one_of(
    st.floats(-1e3, -1e-3, allow_nan=False), st.floats(1e-3, 1e3, allow_nan=False), st.sampled_from([-1.0, 2.0])
)
shift = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=40)
@given(panels(), nonzero, shift)
def test_f_invariant_to_affine_instrument(panel, a, b):
    """F(a z + b) = F(z): a != 0, b a constant (absorbed by the fixed effects or,
    without them, by the partialled-out constant)."""
    df, fes, with_exog = panel
    f0 = kp(df, fes, with_exog)
    assume(np.isfinite(f0))
    assert kp(df, fes, with_exog, z=a * df["z"]) == pytest.approx(f0, rel=REL, abs=1e-12)
    assert kp(df, fes, with_exog, z=a * df["z"] + b) == pytest.approx(f0, rel=REL, abs=1e-12)


@settings(max_examples=30)
@given(panels(), nonzero, shift)
def test_f_invariant_to_affine_endogenous(panel, c, d):
    """F(c x + d) = F(x)."""
    df, fes, with_exog = panel
    f0 = kp(df, fes, with_exog)
    assume(np.isfinite(f0))
    assert kp(df, fes, with_exog, x=c * df["x"] + d) == pytest.approx(f0, rel=REL, abs=1e-12)


@settings(max_examples=30)
@given(panels(), nonzero, st.integers(0, 2**32 - 1))
def test_f_invariant_to_absorbed_shifts_of_instrument(panel, a, seed):
    """Adding any function of an absorbed fixed effect (a firm shift under firm
    effects, a year shift under year effects) or a multiple of the exogenous
    regressor to the instrument leaves F unchanged."""
    df, fes, with_exog = panel
    f0 = kp(df, fes, with_exog)
    assume(np.isfinite(f0))
    rng = np.random.default_rng(seed)
    z = df["z"].to_numpy().copy()
    for fe in fes:
        z = z + rng.normal(scale=10.0, size=df[fe].max() + 1)[df[fe].to_numpy()]
    if with_exog:
        z = z + a * df["w"].to_numpy()
    assert kp(df, fes, with_exog, z=z) == pytest.approx(f0, rel=REL, abs=1e-12)


@settings(max_examples=20)
@given(panels())
def test_f_changes_under_non_absorbed_transformations(panel):
    """Sanity (the invariances are not vacuous): adding the instrument to the
    endogenous regressor, or a firm shift to the instrument without firm
    effects, changes F."""
    df, fes, with_exog = panel
    f0 = kp(df, fes, with_exog)
    assume(np.isfinite(f0) and f0 > 1e-6)
    assert kp(df, fes, with_exog, x=df["x"] + 3.0 * df["z"]) != pytest.approx(f0, rel=1e-3)
    if "firm" not in fes:
        shift_by_firm = np.linspace(-5, 5, df["firm"].max() + 1)[df["firm"].to_numpy()] ** 2
        assert kp(df, fes, with_exog, z=df["z"] + shift_by_firm) != pytest.approx(f0, rel=1e-3)
