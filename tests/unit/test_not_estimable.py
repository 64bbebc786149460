"""Specifications that cannot be estimated become rows with a reason, never a crash.

Short panels (one year, two years, three consecutive years, spaced years)
leave samples that singleton removal empties or that lack the variation a
regression needs. Each table still returns every column: the estimable ones
with estimates, the others with NULL estimates and a ``reason``.

``short_panel`` is a seeded stand-in of ``marts.fct_firm_panel``: firms in
8 cities x 4 industries, C and the instrument at the city-industry-year
level, DVAR = firm effect + 0.2 C + noise, the controls of METHOD §5 (firm age
= year - established + 1, collinear with firm + year FE, as in the real
panel), then :func:`tests.standin.add_standin_columns` for the
other interface columns; the Table 10 groups are fixed per firm so that the
groups keep whole firms.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from pyfixest.estimation import detect_singletons

from analytics.report.tables import build_table, plot_fig6, plot_spec_curve, to_html, to_latex, to_markdown
from analytics.study import TABLES, econ_significance, spec_curve, table4, table7, table8
from analytics.study.iv import iv_spec
from analytics.study.spec import (
    CLUSTER_COLUMNS,
    FULL_CONTROLS,
    NotEstimable,
    Spec,
    complete_cases,
    estimation_sample,
    fit_spec,
    formula,
    run_spec,
    singleton_rows,
    to_frame,
)
from tests.standin import add_standin_columns
from schemas.panel import REGRESSION_RESULTS

CITIES = ("110100", "120100", "310100", "320100", "330100", "440100", "440300", "510100")
INDUSTRIES = ("13", "17", "26", "39")


def short_panel(years, n_firm: int = 240, obs=(1, 2, 2), seed: int = 0, runs: bool = False) -> pd.DataFrame:
    """Firm f is observed ``obs[f % len(obs)]`` times among ``years`` (at random;
    ``runs``: a consecutive run of 1-8 years starting at random instead)."""
    rng = np.random.default_rng(seed)
    years = sorted(int(y) for y in years)
    rows = []
    for f in range(n_firm):
        if runs:
            start = int(rng.integers(0, len(years)))
            ys = years[start:start + int(rng.integers(1, 9))]
        else:
            k = min(obs[f % len(obs)], len(years))
            ys = sorted(int(y) for y in rng.choice(years, size=k, replace=False))
        city = CITIES[f % len(CITIES)]
        industry = INDUSTRIES[(f // len(CITIES)) % len(INDUSTRIES)]
        for y in ys:
            rows.append((f"F{f:05d}", f"f{f}", y, city, industry, f))
    p = pd.DataFrame(rows, columns=["panel_firm_id", "firm_id", "year", "city_code", "industry_code", "fid"])
    n = len(p)
    cell = p.groupby(["city_code", "industry_code", "year"]).ngroup().to_numpy()
    n_cell = cell.max() + 1
    z_cell = rng.normal(size=n_cell)
    c_cell = 0.8 * z_cell + rng.normal(size=n_cell) * 0.5
    firm_fx = rng.normal(size=n_firm)[p["fid"].to_numpy()]
    p["instrument"] = z_cell[cell]
    p["complementarity"] = c_cell[cell]
    p["placebo_complementarity"] = rng.normal(size=n_cell)[cell]
    p["dvar"] = np.clip(0.5 + 0.1 * firm_fx + 0.2 * 0.1 * p["complementarity"] + rng.normal(size=n) * 0.05, 0, 1)
    established = 1980 + p["fid"] % 15
    p["foreign_share"] = rng.uniform(0, 1, n)
    p["state_share"] = rng.uniform(0, 1, n)
    p["firm_size"] = rng.normal(5, 1, n)
    p["firm_age"] = (p["year"] - established + 1).astype(float)
    p["fixed_assets"] = rng.normal(8, 1, n)
    p["capital_intensity"] = rng.normal(4, 1, n)
    p["general_trade_share"] = rng.uniform(0, 1, n)
    p["firm_patents"] = np.log1p(rng.poisson(1.0, n))
    p["regional_patents"] = np.log1p(rng.poisson(20.0, n_cell))[cell]
    p["omega"] = 0.3 * firm_fx + rng.normal(size=n) * 0.1
    p["markup"] = 1.2 + rng.normal(size=n) * 0.05
    p = add_standin_columns(p, seed=seed)
    p["hc_group"] = np.where(p["fid"] % 2 == 0, "low", "high")
    p["ma_group"] = np.where(p["fid"] % 4 < 2, "high", "low")
    return p.drop(columns=["fid"]).sort_values(["year", "panel_firm_id"], ignore_index=True)


# ---------------------------------------------------------------------------
# every table on short panels
# ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]

# name -> (sample years, how often firm f is observed: obs[f % len(obs)])
SHORT = {
    "one_year": ([2005], (1,)),
    "two_years": ([2005, 2006], (1, 2, 2)),
    "three_consecutive": ([2005, 2006, 2007], (1, 2, 2)),
    "spaced": ([2003, 2008, 2013], (1, 2, 3)),
}
COLUMNS = {
    "table4": ["1", "2", "3", "4"], "table5": ["1", "2", "3", "4", "5", "5b"], "fig6": ["1", "2", "3", "4", "5"],
    "table6": ["1", "2", "3", "4"], "table7": ["1", "2", "3", "3b", "4", "4b"],
    "table8": ["1", "2", "3", "4", "5", "6"], "table9": ["1", "2", "3", "4"],
    "table10": ["1", "2", "3", "4", "5", "6"], "table11": ["1", "2", "3", "4"],
    "econ_significance": ["1"], "spec_curve": ["a=1", "a=1|city_industry"],
}
# one year: every column with firm fixed effects is all singletons; Table 9 (2)
# (city-industry cells, city + industry + year FE) and the KLS columns of
# Table 8 (industry + city + year FE) are estimable; no change over time.
ONE_YEAR_ESTIMABLE = {("table9", "2"), ("table8", "4"), ("table8", "5"), ("table8", "6")}
NOT_ESTIMABLE = {
    "one_year": {(t, c) for t, cols in COLUMNS.items() for c in cols} - ONE_YEAR_ESTIMABLE,
    # two years: lead 1 leaves only singletons (one lead row per firm), leads 2-5 no rows
    "two_years": {("fig6", str(n)) for n in range(1, 6)},
    # three consecutive years, firms seen at most twice: leads 1-2 only singletons, 3-5 no rows
    "three_consecutive": {("fig6", str(n)) for n in range(1, 6)},
    # leads 1-4 have no rows; lead 5 (2003 -> 2008 -> 2013) is estimable
    "spaced": {("fig6", str(n)) for n in range(1, 5)},
}
SINGLETONS_FIRM_YEAR = ("not estimable: no rows left after dropping singleton fixed-effect groups "
                        "(240 complete rows, all singletons under firm+year fixed effects)")


def _all_tables(p: pd.DataFrame) -> dict[str, pd.DataFrame]:
    res = {k: f(p, run_id="run", asset=f"estimation/{k}") for k, f in TABLES.items() if k != "table8"}
    res["table8"] = table8(p, n_boot=9, run_id="run", asset="estimation/table8")
    res["econ_significance"] = econ_significance(p, res["table7"], run_id="run")
    res["spec_curve"] = spec_curve({"a=1": p}, run_id="run")
    return res


@pytest.fixture(scope="module")
def short_results() -> dict[str, dict[str, pd.DataFrame]]:
    return {name: _all_tables(short_panel(years, obs=obs)) for name, (years, obs) in SHORT.items()}


@pytest.mark.parametrize("name", list(SHORT))
def test_every_table_returns_every_column_with_reason_exactly_where_expected(short_results, name):
    for table_id, cols in COLUMNS.items():
        rows = REGRESSION_RESULTS.validate(short_results[name][table_id])
        assert sorted(rows["column_id"].unique()) == sorted(cols), (name, table_id)
        for col in cols:
            r = rows[rows["column_id"] == col]
            has_reason = r["reason"].notna()
            if (table_id, col) in NOT_ESTIMABLE[name]:
                assert has_reason.all() and r["estimate"].isna().all(), (name, table_id, col)
                assert r[["std_error", "p_value", "ci_low", "ci_high"]].isna().all().all()
                assert r["reason"].str.startswith("not estimable: ").all()
                assert r["reason"].nunique() == 1
            else:
                main = r[~r["term"].isin(["singletons_dropped", "kp_rk_wald_f"])].iloc[0]
                assert np.isfinite(main["estimate"]) and pd.isna(main["reason"]), (name, table_id, col)
                # a row has a reason exactly when it has no estimate (a secondary
                # term collinear with the fixed effects, e.g. the YRD/PRD dummy)
                assert (has_reason == r["estimate"].isna()).all(), (name, table_id, col)
                assert r.loc[r["term"] == "singletons_dropped", "estimate"].ge(0).all()


def test_one_year_reasons_and_counts(short_results):
    res = short_results["one_year"]
    t4 = res["table4"]
    assert (t4["reason"] == SINGLETONS_FIRM_YEAR).all() and (t4["n_obs"] == 0).all()
    t7 = res["table7"].set_index(["column_id", "term"])
    assert pd.isna(t7.loc[("1", "kp_rk_wald_f"), "estimate"])
    assert t7.loc[("1", "kp_rk_wald_f"), "reason"] == SINGLETONS_FIRM_YEAR
    assert t7.loc[("4", "complementarity"), "reason"] == SINGLETONS_FIRM_YEAR.replace(
        "firm+year fixed", "firm+year+province^year fixed")
    t10 = res["table10"].set_index(["column_id", "term"])
    assert t10.loc[("1", "complementarity"), "reason"] == (
        "not estimable: no rows left after dropping singleton fixed-effect groups in the sample hc_group=low "
        "(120 complete rows, all singletons under firm+year fixed effects)")
    fig6 = res["fig6"].set_index(["column_id", "term"])
    assert fig6.loc[("3", "complementarity"), "reason"] == (
        "not estimable: no complete rows in the sample lead3: dvar_lead3 is missing in all 240 rows")
    econ = res["econ_significance"]
    assert (econ["reason"] == "not estimable: one sample year (2005): no change from a first to a last year").all()
    assert (econ["n_obs"] == 240).all()
    sc = res["spec_curve"].set_index(["column_id", "term"])
    assert set(sc.index) == {("a=1", "complementarity"), ("a=1", "singletons_dropped"), ("a=1", "kp_rk_wald_f"),
                             ("a=1|city_industry", "complementarity"), ("a=1|city_industry", "singletons_dropped"),
                             ("a=1|city_industry", "kp_rk_wald_f")}  # every 2SLS column has its first-stage F
    # KLS on industry + city + year fixed effects: one year is enough
    kls = res["table8"][(res["table8"]["model"] == "kls") & (res["table8"]["term"] == "complementarity")]
    assert kls["estimate"].notna().all() and (kls["std_error"] > 0).all()


def test_leads_on_short_panels(short_results):
    two = short_results["two_years"]["fig6"].set_index(["column_id", "term"])
    assert two.loc[("1", "complementarity"), "reason"] == (
        "not estimable: no rows left after dropping singleton fixed-effect groups in the sample lead1 "
        "(160 complete rows, all singletons under firm+year fixed effects)")
    assert two.loc[("2", "complementarity"), "reason"] == (
        "not estimable: no complete rows in the sample lead2: dvar_lead2 is missing in all 400 rows")
    three = short_results["three_consecutive"]["fig6"].set_index(["column_id", "term"])
    assert "all singletons" in three.loc[("2", "complementarity"), "reason"]
    spaced = short_results["spaced"]["fig6"].set_index(["column_id", "term"])
    assert np.isfinite(spaced.loc[("5", "complementarity"), "estimate"])
    assert spaced.loc[("5", "complementarity"), "n_obs"] > 0
    # the economic significance needs Table 7 (4): estimable on two years
    econ = short_results["two_years"]["econ_significance"].set_index("term")
    assert econ["estimate"].notna().all() and econ["reason"].isna().all()


def test_table5_collinear_secondary_term_says_why(short_results):
    t5 = short_results["two_years"]["table5"].set_index(["column_id", "term"])
    # no firm moves city: the YRD/PRD dummy is absorbed by the firm FE; C is estimated
    assert pd.isna(t5.loc[("1", "yrd_prd"), "estimate"])
    assert t5.loc[("1", "yrd_prd"), "reason"].startswith("not estimable: yrd_prd is collinear with the fixed effects")
    assert np.isfinite(t5.loc[("1", "complementarity"), "estimate"])


def test_short_panels_do_not_abort_the_process():
    """Before the checks, Fig 6 on these panels aborted the interpreter (pyfixest's
    demeaner panics on a sample its singleton removal empties: SIGABRT) or
    raised 'no complete rows'. Run in a child process so that an abort fails
    this test instead of killing the test run."""
    code = (
        "from tests.unit.test_not_estimable import SHORT, short_panel\n"
        "from analytics.study import fig6\n"
        "for name, (years, obs) in SHORT.items():\n"
        "    t = fig6(short_panel(years, obs=obs))\n"
        "    print(name, len(t), int(t['reason'].notna().sum()))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    lines = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    # 5 columns x (C, singletons dropped); an estimated column adds its clusters and outcome mean
    assert lines == {"one_year": "10 10", "two_years": "10 10", "three_consecutive": "10 10", "spaced": "12 8"}


# ---------------------------------------------------------------------------
# the checks on a normal panel: nothing changes
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def normal() -> pd.DataFrame:
    return short_panel(range(2000, 2011), n_firm=400, runs=True)


def _direct(p: pd.DataFrame, spec: Spec):
    """pyfixest on the complete cases. Three or more fixed effects: alternating
    projections driven to convergence (tolerance 1e-13), where fit_spec uses
    the LSMR demeaner (pyfixest's own LSMR path cannot be the reference: with
    singletons in the sample its IV reuses a preconditioner of the wrong size)."""
    converged = {"demeaner": pf.MapDemeaner(fixef_tol=1e-13, fixef_maxiter=1_000_000)} if len(spec.fe) >= 3 else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula(spec), data=complete_cases(p, spec), vcov={"CRV1": CLUSTER_COLUMNS[spec.cluster]},
                        fixef_rm="singleton", collin_tol=1e-6, **converged)


@pytest.mark.parametrize("spec", [
    Spec("table4", "3", "ols", "dvar", regressors=("complementarity",), controls=tuple(FULL_CONTROLS)),
    Spec("table4", "4", "ols", "dvar", regressors=("complementarity",), controls=tuple(FULL_CONTROLS),
         cluster="city"),
    Spec("table7", "1", "first_stage", "complementarity", regressors=("instrument",), controls=tuple(FULL_CONTROLS)),
    iv_spec(),
    iv_spec(column_id="4", fe=("firm", "year", "province^year")),
    Spec("table8", "4", "ols", "dvar", regressors=("complementarity",), controls=tuple(FULL_CONTROLS),
         fe=("industry", "city", "year")),
], ids=["ols", "ols_city", "first_stage", "iv", "iv_province_year", "ols_industry_city_year"])
def test_singleton_pre_removal_gives_pyfixests_numbers(normal, spec):
    """pyfixest on the complete cases (dropping singletons itself, as before)
    and our fit on the pre-trimmed sample: same estimates, SEs, CIs, N and
    singletons dropped (to 1e-12; to 1e-7 with three fixed effects, where
    the two demean by different algorithms)."""
    d = _direct(normal, spec)
    rel = 1e-12 if len(spec.fe) < 3 else 1e-7
    fit = fit_spec(normal, spec)
    n_complete = len(complete_cases(normal, spec))
    assert fit.singletons_dropped == n_complete - d._N
    if spec.fe == ("firm", "year"):
        assert fit.singletons_dropped > 0
    rows = to_frame(run_spec(normal, spec)).set_index("term")
    tidy = d.tidy()
    for term in spec.reported_terms:
        assert rows.loc[term, "estimate"] == pytest.approx(tidy.loc[term, "Estimate"], rel=rel, abs=1e-15)
        assert rows.loc[term, "std_error"] == pytest.approx(tidy.loc[term, "Std. Error"], rel=rel)
        assert rows.loc[term, "ci_low"] == pytest.approx(tidy.loc[term, "2.5%"], rel=rel)
        assert rows.loc[term, "n_obs"] == d._N
        assert pd.isna(rows.loc[term, "reason"])
    assert rows.loc["singletons_dropped", "estimate"] == n_complete - d._N


def test_singleton_rows_match_pyfixest():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(5, 400))
        codes = [rng.integers(0, k, n) for k in rng.integers(2, 120, 3)]
        ours = singleton_rows(codes)
        theirs = detect_singletons(np.column_stack(codes).astype(np.uint32))
        assert (ours == theirs).all()
    # iterated: dropping a year singleton leaves a firm singleton
    firm = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    year = np.array([0, 1, 2, 0, 1, 2, 1, 9])
    assert singleton_rows([firm, year]).tolist() == [False] * 6 + [True, True]


# ---------------------------------------------------------------------------
# each check's reason
# ---------------------------------------------------------------------------

def test_collinear_instrument(normal):
    firm_effect = normal.groupby("panel_firm_id")["complementarity"].transform("mean")
    p = normal.assign(instrument=firm_effect + 0.5 * normal["foreign_share"])
    t7 = table7(p).set_index(["column_id", "term"])
    for col in ("3", "4"):
        assert t7.loc[(col, "complementarity"), "reason"].startswith(
            "not estimable: the instrument is collinear with the fixed effects ("), col
    assert t7.loc[("1", "instrument"), "reason"].startswith(
        "not estimable: instrument is collinear with the fixed effects (firm+year) and the controls")
    assert pd.isna(t7.loc[("1", "kp_rk_wald_f"), "estimate"]) and "collinear" in t7.loc[("1", "kp_rk_wald_f"),
                                                                                           "reason"]
    assert t7["estimate"].isna().all()
    # with the fixed effects alone
    q = normal.assign(instrument=firm_effect)
    with pytest.raises(NotEstimable, match="the instrument has no variation within the fixed effects"):
        estimation_sample(q, iv_spec())
    # Table 4 does not use the instrument: estimated
    assert table4(p)["reason"].isna().all()


def test_regressor_constant_within_firm(normal):
    p = normal.assign(complementarity=normal.groupby("panel_firm_id")["complementarity"].transform("first"))
    t4 = table4(p)
    main = t4[t4["term"] == "complementarity"]
    assert main["reason"].str.startswith(
        "not estimable: complementarity has no variation within the fixed effects (firm+year) (").all()
    assert (main["n_obs"] > 0).all() and main["estimate"].isna().all()


def test_one_cluster(normal):
    p = normal.assign(city_code="110100")
    t4 = table4(p).set_index(["column_id", "term"])
    assert t4.loc[("4", "complementarity"), "reason"].startswith("not estimable: one city cluster only (")
    assert t4.loc[("4", "complementarity"), "reason"].endswith("clustered standard errors need at least 2")
    assert t4.loc[("4", "complementarity"), "n_obs"] > 0
    for col in ("1", "2", "3"):
        assert np.isfinite(t4.loc[(col, "complementarity"), "estimate"])


def test_too_few_rows_and_constant_outcome():
    p = short_panel([2005, 2006], n_firm=6, obs=(2,))
    spec = Spec("table4", "3", "ols", "dvar", regressors=("complementarity",), controls=tuple(FULL_CONTROLS))
    # 12 rows; firm age is absorbed: 10 coefficients + 6 firms + 2 years - 1
    with pytest.raises(NotEstimable, match=r"^not estimable: 12 rows for 17 parameters \(10 coefficients and 7 "
                                           r"absorbed fixed-effect levels\)") as e:
        estimation_sample(p, spec)
    assert e.value.n_obs == 12
    q = short_panel([2005, 2006]).assign(dvar=0.5)
    with pytest.raises(NotEstimable, match="the outcome dvar has no variation within the fixed effects"):
        estimation_sample(q, spec)


def test_empty_subgroup_and_no_rows():
    p = short_panel([2005, 2006])
    spec = iv_spec("table10", "1", sample="hc_group=low")
    rows = to_frame(run_spec(p.iloc[:0], spec))
    assert (rows["reason"] == "not estimable: no rows in the sample hc_group=low").all()
    assert (rows["n_obs"] == 0).all()


# ---------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------

def test_report_prints_not_estimable_cells_and_reasons(short_results, tmp_path):
    t4 = build_table(short_results["one_year"]["table4"], "table4", 3)  # every column not estimable
    md, tex, html = to_markdown(t4), to_latex(t4), to_html(t4)
    assert "| Technological complementarity | not estimable: only singletons | not estimable: only singletons |" in md
    assert "(1), (2), (3), (4) " + SINGLETONS_FIRM_YEAR + "." in md
    assert "| Observations | 0 | 0 | 0 | 0 |" in md
    assert "| Singletons dropped | n/a | n/a | n/a | n/a |" in md
    assert "Technological complementarity & not estimable: only singletons & not estimable: only singletons" in tex
    assert "not estimable: no rows left after dropping singleton fixed-effect groups (240 complete rows" in tex
    assert "<td>not estimable: only singletons</td>" in html
    for text in (md, tex, html):
        assert "nan" not in text.lower().replace("financ", "")

    fig6 = build_table(short_results["spaced"]["fig6"], "fig6", 3)  # lead 5 estimated
    md = to_markdown(fig6)
    row = next(line for line in md.splitlines() if line.startswith("| Technological complementarity"))
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    assert cells[:4] == ["not estimable: no complete rows"] * 4 and cells[4][0] in "-0123456789"
    assert "(1), (2), (3), (4) not estimable: no complete rows in the sample lead1" not in md  # one reason each
    assert "(1) not estimable: no complete rows in the sample lead1: dvar_lead1 is missing in all" in md

    econ = build_table(short_results["one_year"]["econ_significance"], "econ_significance")
    assert "not estimable: one sample year" in to_markdown(econ)
    assert "nan" not in to_markdown(econ)

    mixed = pd.concat([short_results["two_years"]["spec_curve"],
                       short_results["one_year"]["spec_curve"].assign(column_id=lambda d: d["column_id"].str.replace(
                           "a=1", "a=2"), sample="a=2")])
    sc = to_markdown(build_table(mixed, "spec_curve", 3))
    assert "not estimable: only singletons | n/a |" in sc and "1 of 2 specifications not estimable" in sc
    assert plot_spec_curve(mixed, tmp_path / "sc.png").exists()
    assert plot_fig6(short_results["one_year"]["fig6"], tmp_path / "fig6.png").exists()
    assert plot_fig6(short_results["spaced"]["fig6"], tmp_path / "fig6b.png").exists()


# ---------------------------------------------------------------------------
# the warehouse table and the asset metadata
# ---------------------------------------------------------------------------

def test_results_table_gains_reason_and_metadata_survives_null_estimates(short_results, tmp_path):
    import duckdb

    from orchestration.estimation import read_results, result_metadata, write_results

    wh = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    # a table written before the reason column existed
    con.execute("""create table marts.fct_regression_results (
        table_id varchar, column_id varchar, term varchar, estimate double, std_error double,
        p_value double, n_obs bigint, r2 double, fixed_effects varchar, cluster varchar, run_id varchar,
        model varchar, dep_var varchar, ci_low double, ci_high double, controls varchar, sample varchar,
        asset varchar)""")
    con.execute("insert into marts.fct_regression_results (table_id, column_id, term, estimate) "
                "values ('table5', '1', 'complementarity', 0.2)")
    con.close()
    rows = REGRESSION_RESULTS.validate(short_results["one_year"]["fig6"])
    write_results(str(wh), "fig6", rows)
    back = read_results(str(wh), "fig6")
    assert back["reason"].notna().all() and back["estimate"].isna().all()
    assert back["reason"].iloc[0] == rows["reason"].iloc[0]
    assert read_results(str(wh), "table5")["reason"].isna().all()

    md = result_metadata(rows, "fig6")
    assert "estimate" not in md and md["not_estimable"].value.startswith("not estimable: no complete rows")
    assert "not estimable" in md["preview"].value and "nan" not in md["preview"].value
    ok = result_metadata(REGRESSION_RESULTS.validate(short_results["two_years"]["table7"]), "table7")
    assert np.isfinite(ok["estimate"].value) and "not_estimable" not in ok
