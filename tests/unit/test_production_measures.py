"""METHOD §6-§7 simple measures (analytics/production.py): labour
productivity, the domestic intermediate share (M - IMP)/S and the HHI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.production import domestic_intermediate_share, hhi, labour_productivity


def test_domestic_intermediate_share():
    # (80 - 30)/200 = 0.25; (50 - 0)/100 = 0.5; S = 0 -> NaN
    out = domestic_intermediate_share(pd.Series([80.0, 50.0, 10.0]), [30.0, 0.0, 1.0], [200.0, 100.0, 0.0])
    assert isinstance(out, pd.Series)
    np.testing.assert_allclose(out.to_numpy(), [0.25, 0.5, np.nan])


def test_labour_productivity():
    out = labour_productivity(np.array([1000.0, 50.0, 10.0]), np.array([10, 5, 0]))
    np.testing.assert_allclose(out, [np.log(100.0), np.log(10.0), np.nan])
    assert labour_productivity([200.0], [4], log=False)[0] == pytest.approx(50.0)


def test_hhi():
    assert hhi([0.5, 0.5]) == pytest.approx(0.5)
    assert hhi([1.0]) == pytest.approx(1.0)
    # raw sizes are normalised first: 60, 30, 10 -> 0.36 + 0.09 + 0.01
    assert hhi([60, 30, 10]) == pytest.approx(0.46)
    assert hhi([0.25] * 4) == pytest.approx(0.25)
    assert hhi([60, np.nan, 30, 10]) == pytest.approx(0.46)
    assert np.isnan(hhi([0.0, 0.0]))
