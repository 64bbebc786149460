"""The generator's closed-form import inversion reproduces the target DVAR
under METHOD §3 as the truth implementation computes it."""

import numpy as np
import pytest

from analytics.synth.trade import solve_imports
from analytics.synth.truth.dvar import dvar_formula

FC = 0.05


def _round_trip(Y1, Y2, S, M, d, Ko):
    Y = Y1 + Y2
    F = Y * (1 - d)
    imp1, D, m_used, infeasible = solve_imports(Y, Y1, Y2, S, M, F, FC)
    return dvar_formula(Y1, Y2, S, m_used, imp1, D + Ko, Ko, FC), imp1, D, m_used, infeasible


@pytest.mark.parametrize(
    "Y1,Y2,S,M,d",
    [
        (80.0, 0.0, 100.0, 60.0, 0.35),  # processing only
        (0.0, 30.0, 100.0, 50.0, 0.85),  # ordinary only
        (30.0, 30.0, 100.0, 55.0, 0.6),  # mixed
        (90.0, 0.0, 100.0, 20.0, -0.2),  # processing, imports beyond exports: DVAR < 0
        (0.0, 40.0, 100.0, 10.0, 0.2),  # ordinary, imports exceed intermediates (max(.,0) branch)
    ],
)
def test_inversion_hits_target(Y1, Y2, S, M, d):
    arr = lambda x: np.array([x], dtype=float)  # noqa: E731
    got, imp1, D, m_used, infeasible = _round_trip(arr(Y1), arr(Y2), arr(S), arr(M), arr(d), arr(3.0))
    assert not infeasible[0]
    assert m_used[0] == M
    assert got[0] == pytest.approx(d, abs=1e-12)
    assert imp1[0] >= 0 and D[0] >= 0
    if Y2 == 0:
        assert D[0] == 0
    if Y1 == 0:
        assert imp1[0] == 0


def test_target_above_foreign_content_floor_lowers_m():
    # cap = 1 - 0.05 * M / S = 1 - 0.05 * 0.8 = 0.96 < 0.99: M must fall
    got, _, _, m_used, infeasible = _round_trip(
        np.array([0.0]), np.array([50.0]), np.array([100.0]), np.array([80.0]), np.array([0.99]), np.array([0.0])
    )
    assert infeasible[0]
    assert m_used[0] < 80.0
    assert got[0] == pytest.approx(0.99, abs=1e-12)


def test_random_firms_round_trip():
    rng = np.random.default_rng(0)
    n = 5000
    S = rng.uniform(50, 500, n)
    Y = S * rng.uniform(0.05, 0.95, n)
    gts = np.where(rng.random(n) < 0.3, 0.0, np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.12, 0.92, n)))
    Y2 = Y * gts
    Y1 = Y - Y2
    M = S * rng.uniform(0.2, 0.8, n)
    d = rng.uniform(-0.1, 0.99, n)
    got, imp1, D, m_used, _ = _round_trip(Y1, Y2, S, M, d, S * 0.01)
    np.testing.assert_allclose(got, d, atol=1e-10)
    assert (imp1 >= -1e-9).all() and (D >= -1e-9).all() and (m_used > 0).all()
