"""METHOD §6 upstreamness, Antras, Chor, Fally & Hillberry (2012), closed
economy: U = (I - Delta)^-1 1, Delta_ik = a_ik Y_k / Y_i
(analytics/upstreamness.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.upstreamness import upstreamness


def links(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(supplier i, user k, a_ik) -> the CONTRACT io_links layout."""
    return pd.DataFrame(rows, columns=["supplier_industry_code", "industry_code", "input_coefficient"])


def test_two_industries_by_hand():
    # Y_A = 100, Y_B = 200; A supplies itself (a_AA = 0.1) and B (a_AB = 0.2);
    # B sells no intermediates. Delta_AA = 0.1, Delta_AB = 0.2*200/100 = 0.4.
    # U_B = 1; U_A = 1 + 0.1 U_A + 0.4 U_B  =>  U_A = 1.4 / 0.9 = 14/9.
    u = upstreamness(links([("A", "A", 0.1), ("A", "B", 0.2)]), pd.Series({"A": 100.0, "B": 200.0}))
    assert u["B"] == 1.0  # exactly
    assert u["A"] == pytest.approx(14 / 9, rel=1e-12)


def test_three_industries_by_hand():
    # Y = (A 100, B 50, C 200); a_AB = 0.4, a_AC = 0.05, a_BC = 0.1, a_CA = 0.1.
    # Delta_AB = 0.4*50/100 = 0.2, Delta_AC = 0.05*200/100 = 0.1,
    # Delta_BC = 0.1*200/50 = 0.4, Delta_CA = 0.1*100/200 = 0.05.
    # U_B = 1 + 0.4 U_C, U_C = 1 + 0.05 U_A, so U_B = 1.4 + 0.02 U_A and
    # U_A = 1 + 0.2 U_B + 0.1 U_C = 1.38 + 0.009 U_A  =>  U_A = 1.38 / 0.991.
    io = links([("A", "B", 0.4), ("A", "C", 0.05), ("B", "C", 0.1), ("C", "A", 0.1)])
    u = upstreamness(io, pd.Series({"A": 100.0, "B": 50.0, "C": 200.0}))
    ua = 1.38 / 0.991
    assert u["A"] == pytest.approx(ua, rel=1e-12)
    assert u["B"] == pytest.approx(1.4 + 0.02 * ua, rel=1e-12)
    assert u["C"] == pytest.approx(1 + 0.05 * ua, rel=1e-12)


def test_industry_without_intermediate_sales_is_exactly_one():
    # D buys from A but sells to nobody; E has output and no links at all
    io = links([("A", "A", 0.2), ("A", "D", 0.3), ("D", "A", 0.0)])
    u = upstreamness(io, pd.Series({"A": 80.0, "D": 40.0, "E": 10.0}))
    assert u["D"] == 1.0 and u["E"] == 1.0
    assert u["A"] > 1.0
    # a zero coefficient is no sale; duplicate pairs are summed
    dup = links([("A", "A", 0.1), ("A", "A", 0.1), ("A", "D", 0.3)])
    pd.testing.assert_series_equal(upstreamness(dup, pd.Series({"A": 80.0, "D": 40.0, "E": 10.0})), u)


def test_matches_the_leontief_form_on_a_random_economy():
    # Delta = Yhat^-1 A Yhat, so U = Yhat^-1 (I - A)^-1 Y (ACFH eq. 6)
    rng = np.random.default_rng(0)
    n = 6
    A = rng.uniform(0, 1, (n, n)) * (rng.random((n, n)) < 0.6)
    A = A / A.sum(axis=0, keepdims=True).clip(1e-9) * rng.uniform(0.2, 0.6, n)  # column sums < 1
    A[-1, :] = 0.0  # the last industry sells no intermediates
    Y = rng.uniform(50, 500, n)
    codes = [f"{c}" for c in range(13, 13 + n)]
    rows = [(codes[i], codes[k], A[i, k]) for i in range(n) for k in range(n) if A[i, k] > 0]
    u = upstreamness(links(rows), pd.Series(Y, index=codes))
    expected = np.linalg.solve(np.eye(n) - A, Y) / Y
    np.testing.assert_allclose(u[codes].to_numpy(), expected, rtol=1e-10)
    assert u[codes[-1]] == 1.0
    assert (u >= 1.0).all()


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="positive output"):
        upstreamness(links([("A", "B", 0.2)]), pd.Series({"B": 10.0}))
    with pytest.raises(ValueError, match="spectral radius"):
        upstreamness(links([("A", "A", 1.2)]), pd.Series({"A": 10.0}))
    with pytest.raises(ValueError, match="non-negative"):
        upstreamness(links([("A", "A", -0.1)]), pd.Series({"A": 10.0}))
