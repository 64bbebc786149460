"""The Anderson-Rubin weak-instrument-robust set (analytics.estimation.anderson_rubin)
against pyfixest: AR(b) is the squared CRV1 t statistic of the instrument in
the regression of y - b x on it, the controls and the fixed effects, so at
each end of the set pyfixest's t^2 equals the critical value, and AR(0) is the
reduced form's t^2."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from scipy import stats

from analytics.estimation import anderson_rubin


def _panel(strength: float, seed: int = 3, firms: int = 80, years: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = firms * years
    d = pd.DataFrame({"firm": np.repeat(np.arange(firms), years), "year": np.tile(np.arange(years), firms)})
    fe = rng.normal(size=firms)[d["firm"]]
    d["z"] = rng.normal(size=n) + 0.5 * fe
    d["w"] = rng.normal(size=n)
    u = rng.normal(size=n)
    d["x"] = strength * d["z"] + 0.5 * u + 0.3 * d["w"] + fe + rng.normal(size=n)
    d["y"] = 0.3 * d["x"] + u + 0.2 * d["w"] + fe  # true beta 0.3; x endogenous through u
    return d


def _t2(d: pd.DataFrame, b: float) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.feols("yb ~ z + w | firm + year", data=d.assign(yb=d["y"] - b * d["x"]), vcov={"CRV1": "firm"})
    return float(m.tidy().loc["z", "t value"]) ** 2


def test_the_set_ends_where_pyfixest_rejects_at_five_percent():
    d = _panel(strength=0.6)
    ar = anderson_rubin(d["y"], d["x"], d["z"], d[["w"]], fe_df=d[["firm", "year"]], cluster=d["firm"])
    crit = stats.t.ppf(0.975, d["firm"].nunique() - 1) ** 2
    assert ar["bounded"] == 1.0 and ar["ci_low"] < 0.3 < ar["ci_high"]
    assert _t2(d, ar["ci_low"]) == pytest.approx(crit, rel=1e-6)
    assert _t2(d, ar["ci_high"]) == pytest.approx(crit, rel=1e-6)
    assert _t2(d, (ar["ci_low"] + ar["ci_high"]) / 2) < crit  # inside: not rejected
    assert ar["stat0"] == pytest.approx(_t2(d, 0.0), rel=1e-6)
    assert 0 <= ar["p0"] <= 1


def test_a_weak_instrument_gives_an_unbounded_set():
    d = _panel(strength=0.0, seed=5)
    ar = anderson_rubin(d["y"], d["x"], d["z"], d[["w"]], fe_df=d[["firm", "year"]], cluster=d["firm"])
    assert ar["bounded"] == 0.0 and np.isnan(ar["ci_low"]) and np.isnan(ar["ci_high"])


def test_cluster_is_required():
    d = _panel(strength=0.6)
    with pytest.raises(ValueError, match="cluster is required"):
        anderson_rubin(d["y"], d["x"], d["z"])


@pytest.mark.parametrize("fe, cluster", [(["firm", "year"], "city"), (["year"], "firm"), (["firm"], "city")])
def test_other_fixed_effects_and_clusters_match_pyfixest(fe, cluster):
    """pyfixest counts the fixed effects not nested in the clusters: the set's
    ends still sit on its 5% critical value."""
    d = _panel(strength=0.6)
    d["city"] = d["firm"] % 23  # firms nested in cities, years not
    ar = anderson_rubin(d["y"], d["x"], d["z"], d[["w"]], fe_df=d[fe], cluster=d[cluster])
    crit = stats.t.ppf(0.975, d[cluster].nunique() - 1) ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in (ar["ci_low"], ar["ci_high"]):
            m = pf.feols(f"yb ~ z + w | {' + '.join(fe)}", data=d.assign(yb=d["y"] - b * d["x"]),
                         vcov={"CRV1": cluster})
            assert float(m.tidy().loc["z", "t value"]) ** 2 == pytest.approx(crit, rel=1e-6)
