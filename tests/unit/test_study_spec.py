"""analytics.study.spec: one pyfixest model -> contract rows (METHOD §6).

Seeded DGP ``iv_panel`` (truth stated): dvar = a_firm + d_year + 0.21 C +
0.1 w - 0.5 u + e; C = 0.8 z + 0.5 u + b_firm + v; z independent of u, so OLS
is biased down (cov(C, -0.5 u) < 0) and 2SLS recovers 0.21. Firms have 1 to
8 years, so some are singletons under firm FE.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.estimation import detect_singletons

from analytics.estimation import demean
from analytics.study.spec import (
    CONTROLS,
    FULL_CONTROLS,
    RESULT_COLUMNS,
    Spec,
    complete_cases,
    controls_label,
    fit_spec,
    formula,
    recluster_rows,
    run_spec,
    to_frame,
)
from schemas.panel import REGRESSION_RESULTS

BETA = 0.21


def iv_panel(n_firm: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_firm):
        start = rng.integers(2000, 2014)
        years = [y for y in range(start, min(2015, start + rng.integers(1, 9)))]
        city = f"{rng.integers(10, 40) * 10000 + 100:06d}"
        ind = f"{rng.integers(13, 20):02d}"
        for y in years:
            rows.append((f"F{f:05d}", y, city, ind))
    p = pd.DataFrame(rows, columns=["panel_firm_id", "year", "city_code", "industry_code"])
    n = len(p)
    a = rng.normal(size=n_firm)[p["panel_firm_id"].str[1:].astype(int)]
    b = rng.normal(size=n_firm)[p["panel_firm_id"].str[1:].astype(int)]
    d = rng.normal(size=15)[p["year"] - 2000]
    u = rng.normal(size=n)
    z = rng.normal(size=n) + 0.3 * b
    v = rng.normal(size=n) * 0.5
    p["instrument"] = z
    p["complementarity"] = 0.8 * z + 0.5 * u + b + v
    p["w"] = rng.normal(size=n)
    p["dvar"] = a + d + BETA * p["complementarity"] + 0.1 * p["w"] - 0.5 * u + rng.normal(size=n) * 0.3
    p["placebo_complementarity"] = rng.normal(size=n)
    p["province_code"] = p["city_code"].str[:2]
    return p


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return iv_panel()


def _direct(p, fml, cluster="panel_firm_id"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(fml, data=p, vcov={"CRV1": cluster}, fixef_rm="singleton", collin_tol=1e-6)


def test_formula_builder():
    s = Spec("table7", "3", "iv", "dvar", controls=("w",), endog="complementarity", instrument="instrument")
    assert formula(s) == "dvar ~ w | panel_firm_id + year | complementarity ~ instrument"
    s = Spec("table4", "1", "ols", "dvar", regressors=("complementarity",), fe=("firm", "year", "province^year"))
    assert formula(s) == "dvar ~ complementarity | panel_firm_id + year + province_code^year"
    s = Spec("x", "1", "iv", "dvar", fe=(), endog="complementarity", instrument="instrument")
    assert formula(s) == "dvar ~ 1 | 0 | complementarity ~ instrument"


def test_literal_options_checked_early():
    with pytest.raises(ValueError, match="model"):
        Spec("t", "1", "probit", "dvar")
    with pytest.raises(ValueError, match="cluster"):
        Spec("t", "1", "ols", "dvar", cluster="county")
    with pytest.raises(ValueError, match="fixed effect"):
        Spec("t", "1", "ols", "dvar", fe=("firm", "month"))
    with pytest.raises(ValueError, match="iv"):
        Spec("t", "1", "iv", "dvar")
    with pytest.raises(ValueError, match="together"):
        Spec("t", "1", "iv", "dvar", endog="complementarity")


def test_controls_label():
    assert controls_label([]) == "none"
    assert controls_label(CONTROLS) == "baseline"
    assert controls_label(FULL_CONTROLS) == "baseline+agglomeration+regional_patents"
    assert controls_label(FULL_CONTROLS + ["hhi"]) == "baseline+agglomeration+regional_patents+hhi"


def test_ols_rows_match_direct_pyfixest(panel):
    spec = Spec("table4", "2", "ols", "dvar", regressors=("complementarity",), controls=("w",))
    rows = to_frame(run_spec(panel, spec, run_id="r1", asset="a"))
    assert list(rows.columns) == RESULT_COLUMNS
    REGRESSION_RESULTS.validate(rows)
    fit = _direct(panel, "dvar ~ complementarity + w | panel_firm_id + year")
    t = fit.tidy().loc["complementarity"]
    r = rows.set_index("term").loc["complementarity"]
    assert r["estimate"] == pytest.approx(t["Estimate"], rel=1e-12)
    assert r["std_error"] == pytest.approx(t["Std. Error"], rel=1e-12)
    assert r["p_value"] == pytest.approx(t["Pr(>|t|)"], rel=1e-9, abs=1e-15)
    assert r["ci_low"] == pytest.approx(t["2.5%"]) and r["ci_high"] == pytest.approx(t["97.5%"])
    assert r["n_obs"] == fit._N and r["r2"] == pytest.approx(fit._r2)
    assert (r["fixed_effects"], r["cluster"], r["run_id"], r["model"], r["controls"]) == (
        "firm+year", "firm", "r1", "ols", "w")
    # OLS is biased toward zero by the shock (truth 0.21)
    assert r["estimate"] < BETA - 0.05


def test_singletons_equal_hand_count(panel):
    """Singletons: firms observed once (year FE has no singletons here), a hand count."""
    spec = Spec("table4", "1", "ols", "dvar", regressors=("complementarity",))
    rows = to_frame(run_spec(panel, spec)).set_index("term")
    hand = int((panel.groupby("panel_firm_id")["year"].transform("size") == 1).sum())
    assert hand > 0
    assert rows.loc["singletons_dropped", "estimate"] == hand
    assert rows.loc["complementarity", "n_obs"] == len(panel) - hand


def test_clusters_and_outcome_mean_count_the_estimation_sample(panel):
    """esttab's N_clust and ymean: firms and the mean of DVAR over the rows left
    once singletons are dropped, by hand; re-clustered by city x industry, its cells."""
    spec = Spec("table4", "1", "ols", "dvar", regressors=("complementarity",))
    rows = to_frame(run_spec(panel, spec)).set_index("term")
    kept = panel[panel.groupby("panel_firm_id")["year"].transform("size") > 1]
    assert rows.loc["n_clusters", "estimate"] == kept["panel_firm_id"].nunique()
    assert rows.loc["dep_var_mean", "estimate"] == pytest.approx(kept["dvar"].mean(), rel=1e-12)
    fit = fit_spec(panel, spec)
    cells = to_frame(recluster_rows(fit, "city_industry", "1b")).set_index("term")
    hand = (kept["city_code"].astype(str) + "_" + kept["industry_code"].astype(str)).nunique()
    assert cells.loc["n_clusters", "estimate"] == hand < rows.loc["n_clusters", "estimate"]


def test_singletons_iterate_like_reghdfe():
    """Dropping a singleton can create another: firm F2 has two rows, one in a
    year no one else has (a year singleton); once dropped, F2 is a firm singleton."""
    p = pd.DataFrame({
        "panel_firm_id": ["F1", "F1", "F1", "F3", "F3", "F3", "F2", "F2"],
        "year": [2001, 2002, 2003, 2001, 2002, 2003, 2002, 2009],
        "city_code": ["110100"] * 8, "industry_code": ["13"] * 8,
    })
    rng = np.random.default_rng(1)
    p["complementarity"] = rng.normal(size=8)
    p["dvar"] = rng.normal(size=8)
    codes = np.column_stack([pd.factorize(p[c])[0] for c in ("panel_firm_id", "year")])
    assert detect_singletons(codes.astype(np.uint32)).sum() == 2
    fit = fit_spec(p, Spec("t", "1", "ols", "dvar", regressors=("complementarity",)))
    assert fit.singletons_dropped == 2 and fit.model._N == 6


def test_complete_cases_drop_missing_and_infinite(panel):
    p = panel.copy()
    p.loc[0, "w"] = np.nan
    p.loc[1, "dvar"] = np.inf
    p.loc[2, "city_code"] = None  # the cluster/FE columns count too when used
    spec = Spec("t", "1", "ols", "dvar", regressors=("complementarity",), controls=("w",), cluster="city")
    assert len(complete_cases(p, spec)) == len(p) - 3
    with pytest.raises(KeyError, match="lacks"):
        complete_cases(p.drop(columns="w"), spec)


def test_iv_rows_match_direct_pyfixest_and_recover_beta(panel):
    spec = Spec("table7", "3", "iv", "dvar", controls=("w",), endog="complementarity", instrument="instrument")
    fit = fit_spec(panel, spec)
    rows = to_frame(run_spec(panel, spec)).set_index("term")
    d = _direct(panel, "dvar ~ w | panel_firm_id + year | complementarity ~ instrument")
    t = d.tidy().loc["complementarity"]
    assert rows.loc["complementarity", "estimate"] == pytest.approx(t["Estimate"], rel=1e-12)
    assert rows.loc["complementarity", "std_error"] == pytest.approx(t["Std. Error"], rel=1e-12)
    assert abs(t["Estimate"] - BETA) < 3 * t["Std. Error"]
    # 2SLS R2 is the within R2 1 - u'u / y~'y~ (may be negative)
    y = demean(fit.used, ["dvar"], ["panel_firm_id", "year"])["dvar"].to_numpy()
    u = np.asarray(d._u_hat).ravel()
    assert rows.loc["complementarity", "r2"] == pytest.approx(1 - (u @ u) / (y @ y), rel=1e-8)
    assert fit.retained_controls == ["w"]
    assert len(fit.used) == d._N


def test_recluster_rows_match_direct_pyfixest(panel):
    p = panel.assign(city_industry=panel["city_code"] + "_" + panel["industry_code"])
    spec = Spec("table7", "3", "iv", "dvar", controls=("w",), endog="complementarity", instrument="instrument")
    fit = fit_spec(p, spec)
    firm_se = fit.model.tidy().loc["complementarity", "Std. Error"]
    alt = to_frame(recluster_rows(fit, "city_industry", "3b")).set_index("term")
    d = _direct(p, "dvar ~ w | panel_firm_id + year | complementarity ~ instrument", cluster="city_industry")
    assert alt.loc["complementarity", "std_error"] == pytest.approx(d.tidy().loc["complementarity", "Std. Error"],
                                                                    rel=1e-10)
    assert alt.loc["complementarity", "cluster"] == "city_industry"
    assert (alt["column_id"] == "3b").all()
    # the fit's own (firm) vcov is restored
    assert fit.model.tidy().loc["complementarity", "Std. Error"] == pytest.approx(firm_se, rel=1e-12)


def test_city_industry_clusters_are_each_firms_first_cell(panel):
    """A firm that moves keeps its first year's city-industry cell as its
    cluster (its rows unsorted here), so firm effects nest in the clusters:
    the SE equals pyfixest's by the hand-made first cells, where the firm
    effects are not counted in the small-sample factor, and is below the SE
    by the current cell, where movers make every firm's effect count."""
    p = panel.sample(frac=1.0, random_state=3).reset_index(drop=True)
    firms = p["panel_firm_id"].drop_duplicates().to_numpy()[:150]
    late = p["panel_firm_id"].isin(firms) & (p["year"] >= p.groupby("panel_firm_id")["year"].transform("min") + 1)
    p.loc[late, "city_code"] = "990100"  # 150 firms move to a new city after their first year
    p["city_industry"] = p["city_code"] + "_" + p["industry_code"]
    first_year = p.groupby("panel_firm_id")["year"].transform("min")
    hand = p.loc[p["year"] == first_year].set_index("panel_firm_id")["city_industry"]
    home = p["panel_firm_id"].map(hand)
    assert (home != p["city_industry"]).sum() > 100
    spec = Spec("table7", "3", "iv", "dvar", controls=("w",), endog="complementarity", instrument="instrument")
    fit = fit_spec(p, spec)
    alt = to_frame(recluster_rows(fit, "city_industry", "3b")).set_index("term")
    d = _direct(p.assign(home=home), "dvar ~ w | panel_firm_id + year | complementarity ~ instrument", cluster="home")
    assert alt.loc["complementarity", "std_error"] == pytest.approx(d.tidy().loc["complementarity", "Std. Error"],
                                                                    rel=1e-10)
    assert alt.loc["n_clusters", "estimate"] == fit.used["panel_firm_id"].map(hand).nunique()
    current = _direct(p, "dvar ~ w | panel_firm_id + year | complementarity ~ instrument", cluster="city_industry")
    assert alt.loc["complementarity", "std_error"] < 0.95 * current.tidy().loc["complementarity", "Std. Error"]


def test_firm_age_collinear_with_firm_and_year_fe_is_dropped(panel):
    p = panel.assign(firm_age=panel["year"] - 1990 + panel["panel_firm_id"].str[1:].astype(int) % 7)
    fit = fit_spec(p, Spec("t", "1", "ols", "dvar", regressors=("complementarity",), controls=("w", "firm_age")))
    assert fit.retained_controls == ["w"]
