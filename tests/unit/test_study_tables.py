"""analytics.study tables on the tiny world's stand-in panel: row structure,
hand checks against direct pyfixest / estimator calls, and the identities of
METHOD §6 (LTZ/UCI at g = 0 and KLS at rho = 0 reproduce 2SLS / OLS)."""

from __future__ import annotations

import warnings

import pandas as pd
import pyfixest as pf
import pytest
from scipy import stats

from analytics.estimation import kleibergen_paap_f, ltz, uci
from analytics.study import TABLES, econ_significance, spec_curve, table7, table8
from analytics.study.iv import iv_spec
from analytics.study.mechanisms import city_industry_cells
from analytics.study.spec import FULL_CONTROLS, fit_spec
from analytics.study.spec_curve import combo_label, curve_columns
from tests.standin import standin_panel
from schemas.panel import REGRESSION_RESULTS


@pytest.fixture(scope="module")
def panel(tiny_world) -> pd.DataFrame:
    root, _ = tiny_world
    return standin_panel(root, seed=0)


@pytest.fixture(scope="module")
def results(panel) -> dict[str, pd.DataFrame]:
    out = {k: f(panel, run_id="run", asset=f"estimation/{k}") for k, f in TABLES.items() if k != "table8"}
    out["table8"] = table8(panel, n_boot=19, run_id="run", asset="estimation/table8")
    out["econ_significance"] = econ_significance(panel, out["table7"], run_id="run")
    return out


EXPECTED_COLUMNS = {
    "table4": ["1", "2", "3", "4"], "table5": ["1", "2", "3", "4", "5", "5b"], "fig6": ["1", "2", "3", "4", "5"],
    "table6": ["1", "2", "3", "4"], "table7": ["1", "2", "3", "3b", "4", "4b"], "table8": ["1", "2", "3", "4", "5", "6"],
    "table9": ["1", "2", "3", "4"], "table10": ["1", "2", "3", "4", "5", "6"], "table11": ["1", "2", "3", "4"],
}


def _direct(p, fml, cluster="panel_firm_id"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(fml, data=p, vcov={"CRV1": cluster}, fixef_rm="singleton", collin_tol=1e-6)


def _first_cell_by_firm(p: pd.DataFrame) -> pd.Series:
    """The city-industry clusters by hand: each firm's cell in its first year."""
    cell = p["city_code"].astype(str) + "_" + p["industry_code"].astype(str)
    first = p["year"] == p.groupby("panel_firm_id")["year"].transform("min")
    return cell[first].set_axis(p.loc[first, "panel_firm_id"]).groupby(level=0).first()


def test_every_table_validates_and_every_column_reports_singletons(results):
    for table_id, cols in EXPECTED_COLUMNS.items():
        rows = REGRESSION_RESULTS.validate(results[table_id])
        assert (rows["table_id"] == table_id).all()
        assert sorted(rows["column_id"].unique()) == sorted(cols), table_id
        single = rows[rows["term"] == "singletons_dropped"]
        assert sorted(single["column_id"]) == sorted(cols), table_id
        assert (single["estimate"] >= 0).all()
    REGRESSION_RESULTS.validate(results["econ_significance"])


def test_table4_matches_direct_pyfixest(panel, results):
    t = results["table4"].set_index(["column_id", "term"])
    ctl = " + ".join(FULL_CONTROLS)
    for col, cluster in (("3", "panel_firm_id"), ("4", "city_code")):
        d = _direct(panel, f"dvar ~ complementarity + {ctl} | panel_firm_id + year", cluster)
        for term in ("complementarity", "agglomeration", "regional_patents"):
            assert t.loc[(col, term), "estimate"] == pytest.approx(d.coef()[term], rel=1e-10)
            assert t.loc[(col, term), "std_error"] == pytest.approx(d.se()[term], rel=1e-10)
        assert t.loc[(col, "singletons_dropped"), "estimate"] == len(panel) - d._N
    assert t.loc[("4", "complementarity"), "cluster"] == "city"
    assert t.loc[("1", "complementarity"), "controls"] == "none"
    assert t.loc[("2", "complementarity"), "controls"] == "baseline"


def test_table5_samples(panel, results):
    t = results["table5"].set_index(["column_id", "term"])
    stay = panel[~panel["mover"]]
    d = _direct(stay, "dvar ~ complementarity + " + " + ".join(FULL_CONTROLS) + " | panel_firm_id + year")
    assert t.loc[("2", "complementarity"), "estimate"] == pytest.approx(d.coef()["complementarity"], rel=1e-10)
    assert t.loc[("2", "singletons_dropped"), "estimate"] == len(stay) - d._N
    assert t.loc[("3", "complementarity"), "n_obs"] < t.loc[("1", "complementarity"), "n_obs"]
    assert t.loc[("4", "complementarity"), "dep_var"] == "upstreamness"
    assert ("5", "placebo_complementarity") in t.index
    # 5b: the same placebo fit, CRV1 by city-industry (same estimate, its own SE)
    p5, p5b = t.loc[("5", "placebo_complementarity")], t.loc[("5b", "placebo_complementarity")]
    assert p5b["estimate"] == pytest.approx(p5["estimate"], rel=1e-12) and p5b["n_obs"] == p5["n_obs"]
    assert p5b["cluster"] == "city_industry" and p5["cluster"] == "firm"
    ci = panel.assign(ci=panel["panel_firm_id"].map(_first_cell_by_firm(panel)))
    d = _direct(ci, "dvar ~ placebo_complementarity + " + " + ".join(FULL_CONTROLS) + " | panel_firm_id + year",
                cluster="ci")
    assert p5b["std_error"] == pytest.approx(d.se()["placebo_complementarity"], rel=1e-8)


def test_fig6_leads_have_their_own_samples(panel, results):
    t = results["fig6"]
    n = t[t["term"] == "complementarity"].set_index("column_id")["n_obs"]
    for k in range(1, 6):
        have = panel[f"dvar_lead{k}"].notna().sum()
        assert n[str(k)] <= have
    assert n["1"] > n["5"]


def test_table7_kp_f_and_city_industry_rows(panel, results):
    t = results["table7"].set_index(["column_id", "term"])
    fs = fit_spec(panel, iv_spec(column_id="1").with_(model="first_stage", dep_var="complementarity",
                                                      regressors=("instrument",), endog=None, instrument=None))
    u = fs.used
    hand = kleibergen_paap_f(u["complementarity"], u["instrument"], u[fs.retained_controls],
                             fe_df=u[["panel_firm_id", "year"]], cluster=u["panel_firm_id"])
    assert t.loc[("1", "kp_rk_wald_f"), "estimate"] == pytest.approx(hand, rel=1e-10)
    # one endogenous, one instrument: KP F is close to the squared first-stage t
    tstat = t.loc[("1", "instrument"), "estimate"] / t.loc[("1", "instrument"), "std_error"]
    assert t.loc[("1", "kp_rk_wald_f"), "estimate"] == pytest.approx(tstat**2, rel=0.1)
    assert t.loc[("3b", "complementarity"), "estimate"] == t.loc[("3", "complementarity"), "estimate"]
    assert t.loc[("3b", "complementarity"), "cluster"] == "city_industry"
    # every 2SLS column states its first stage's F: (3) on (1)'s sample is (1)'s F; (3b) clusters it by cell
    iv = fit_spec(panel, iv_spec())
    v = iv.used.assign(cell=iv.used["panel_firm_id"].map(_first_cell_by_firm(panel)))
    by_cell = kleibergen_paap_f(v["complementarity"], v["instrument"], v[iv.retained_controls],
                                fe_df=v[["panel_firm_id", "year"]], cluster=v["cell"])
    assert t.loc[("3", "kp_rk_wald_f"), "estimate"] == pytest.approx(hand, rel=1e-10)
    assert t.loc[("3b", "kp_rk_wald_f"), "estimate"] == pytest.approx(by_cell, rel=1e-10)
    assert abs(by_cell - hand) > 1e-3
    assert t.loc[("4", "kp_rk_wald_f"), "estimate"] > 0 and t.loc[("4b", "kp_rk_wald_f"), "estimate"] > 0
    # the headline's Anderson-Rubin set: pyfixest rejects beta = b at 5% exactly at its ends (y - b x on IV)
    ar = t.loc[("3", "anderson_rubin")]
    assert ar["ci_low"] < t.loc[("3", "complementarity"), "estimate"] < ar["ci_high"]
    crit = stats.t.ppf(0.975, v["panel_firm_id"].nunique() - 1) ** 2
    rhs = " + ".join(iv.retained_controls)
    for b in (ar["ci_low"], ar["ci_high"]):
        d = _direct(v.assign(yb=v["dvar"] - b * v["complementarity"]), f"yb ~ instrument + {rhs} | panel_firm_id + year")
        # (pyfixest's alternating projections stop at fixef_tol 1e-8: t^2 agrees to about 1e-5 here)
        assert float(d.tidy().loc["instrument", "t value"]) ** 2 == pytest.approx(crit, rel=1e-4)
    assert t.loc[("3b", "anderson_rubin"), "cluster"] == "city_industry"
    t10 = results["table10"]
    assert set(t10.loc[t10["term"] == "kp_rk_wald_f", "column_id"]) == set(EXPECTED_COLUMNS["table10"])
    assert t.loc[("4", "complementarity"), "fixed_effects"] == "firm+year+province^year"
    c4 = t.loc[("4", "complementarity"), "controls"].split("+")
    c4b = t.loc[("4b", "complementarity"), "controls"].split("+")
    assert {"placebo_complementarity", "hhi", "subsidy", "labour_productivity"} <= set(c4)
    assert "import_share" not in c4 and set(c4b) == set(c4) | {"import_share"}
    # column 4 is pyfixest's 2SLS with those controls and province-year FE
    py = panel.assign(py=panel["province_code"].astype(str) + "_" + panel["year"].astype(str))
    extra = ["placebo_complementarity", "hhi", "subsidy", "labour_productivity"]
    d = _direct(py, "dvar ~ " + " + ".join(FULL_CONTROLS + extra)
                + " | panel_firm_id + year + py | complementarity ~ instrument")
    # same estimator, FE demeaned to pyfixest's tolerance in both fits: agreement to about 1e-8
    assert t.loc[("4", "complementarity"), "estimate"] == pytest.approx(d.coef()["complementarity"], rel=1e-6)


def test_table8_identities(panel, results):
    """mu = omega = 0 (LTZ) and gmin = gmax = 0 (UCI) reproduce Table 7 (3);
    KLS at rho = 0 is OLS with industry + city + year FE."""
    t7 = results["table7"].set_index(["column_id", "term"])
    t8 = table8(panel, priors=((0.0, 0.0),), rhos=(0.0,), n_boot=5)
    t8 = t8.set_index(["column_id", "term"])
    b, se = t7.loc[("3", "complementarity"), ["estimate", "std_error"]]
    assert t8.loc[("1", "complementarity"), "estimate"] == pytest.approx(b, rel=1e-8)
    assert t8.loc[("1", "complementarity_uci"), "estimate"] == pytest.approx(b, rel=1e-8)
    lo, hi = t8.loc[("1", "complementarity_uci"), ["ci_low", "ci_high"]]
    assert (hi - lo) / 2 / 1.959963984540054 == pytest.approx(t8.loc[("1", "complementarity"), "std_error"],
                                                                rel=1e-10)
    d = _direct(panel, "dvar ~ complementarity + " + " + ".join(FULL_CONTROLS)
                + " | industry_code + city_code + year")
    assert t8.loc[("2", "complementarity"), "estimate"] == pytest.approx(d.coef()["complementarity"], rel=1e-6)


def test_table8_paper_priors_match_estimators(panel, results):
    """The paper's priors, as shares of its reduced form (0.21 x 0.07), applied to
    this sample's reduced form (pyfixest, written out here), then LTZ and UCI."""
    t8 = results["table8"].set_index(["column_id", "term"])
    fit = fit_spec(panel, iv_spec())
    u = fit.used
    rf = _direct(u, "dvar ~ instrument + " + " + ".join(fit.retained_controls)
                 + " | panel_firm_id + year").coef()["instrument"]
    s = rf / (0.21 * 0.07)
    mu, omega = 1e-3 * s, 1e-4 * s**2
    assert t8.loc[("3", "prior_mu"), "estimate"] == pytest.approx(mu, rel=1e-9)
    assert t8.loc[("3", "prior_omega"), "estimate"] == pytest.approx(omega, rel=1e-9)
    args = (u["dvar"], u["complementarity"], u["instrument"], u[fit.retained_controls], u["panel_firm_id"])
    fe = u[["panel_firm_id", "year"]]
    b, se = ltz(*args, mu=mu, omega=omega, fe_df=fe)
    assert t8.loc[("3", "complementarity"), "estimate"] == pytest.approx(b, rel=1e-9)
    assert t8.loc[("3", "complementarity"), "std_error"] == pytest.approx(se, rel=1e-9)
    lo, hi, _ = uci(*args, gmin=mu - 2 * omega**0.5, gmax=mu + 2 * omega**0.5, fe_df=fe)
    assert t8.loc[("3", "complementarity_uci"), ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi])
    # in the paper's units the same prior swamps this instrument: a far wider interval
    raw = table8(panel, priors=((1e-3, 1e-4),), rhos=(), n_boot=5, prior_units="paper").set_index(
        ["column_id", "term"])
    assert raw.loc[("1", "prior_mu"), "estimate"] == 1e-3
    assert raw.loc[("1", "complementarity"), "std_error"] > 3 * se
    with pytest.raises(ValueError, match="prior_units"):
        table8(panel, prior_units="raw")
    kls_rows = results["table8"][results["table8"]["model"] == "kls"]
    est = kls_rows[kls_rows["term"] == "complementarity"]["estimate"].to_numpy()
    assert est[0] < est[1] < est[2]  # rho < 0 corrects OLS upward


def test_table9_city_industry_cells(panel, results):
    t = results["table9"].set_index(["column_id", "term"])
    cells = city_industry_cells(panel, "other_regions_domestic_sales")
    assert len(cells) == panel[["city_code", "industry_code", "year"]].drop_duplicates().shape[0]
    d = _direct(cells.assign(city_industry=cells["city_code"] + "_" + cells["industry_code"]),
                "other_regions_domestic_sales ~ complementarity | city_code + industry_code + year", "city_industry")
    assert t.loc[("2", "complementarity"), "estimate"] == pytest.approx(d.coef()["complementarity"], rel=1e-10)
    assert t.loc[("2", "complementarity"), "n_obs"] == d._N
    assert t.loc[("4", "complementarity"), "n_obs"] < t.loc[("1", "complementarity"), "n_obs"]


def test_table10_groups_partition_the_panel(panel, results):
    t = results["table10"]
    single = t[t["term"] == "singletons_dropped"].set_index("column_id")
    n = t[t["term"] == "complementarity"].set_index("column_id")["n_obs"]
    full = n + single["estimate"]
    assert full["1"] + full["2"] == len(panel)
    assert full["3"] + full["4"] == len(panel)
    assert full["5"] + full["6"] == len(panel)
    assert single.loc["3", "sample"] == "innovation_center"


def test_econ_significance_by_hand(panel, results):
    e = results["econ_significance"].set_index("term")["estimate"]
    b = results["table7"].query("column_id == '4' and term == 'complementarity'")["estimate"].iloc[0]
    y0, y1 = panel["year"].min(), panel["year"].max()
    m = panel.groupby("year")[["complementarity", "dvar"]].mean()
    dc = m.loc[y1, "complementarity"] - m.loc[y0, "complementarity"]
    dd = m.loc[y1, "dvar"] - m.loc[y0, "dvar"]
    assert e["econ_significance_share"] == pytest.approx(dc * b / dd, rel=1e-12)
    assert e["mean_change_complementarity"] == pytest.approx(dc)
    assert e["coefficient"] == b
    with pytest.raises(ValueError, match="column 4"):
        econ_significance(panel, results["table7"].query("column_id != '4'"))


def test_spec_curve_labels_and_rows(panel):
    panels = {
        (("ipc_levels", "section_class"), ("indirect_import_adjustment", True)): panel,
        frozenset({("winsorisation", "per_year"), ("dvar_out_of_range", "clip")}): panel.sample(frac=0.9,
                                                                                                random_state=0),
    }
    rows = REGRESSION_RESULTS.validate(spec_curve(panels, run_id="r"))
    labels = list(rows["column_id"].unique())
    assert labels[0] == "ipc_levels=section_class;indirect_import_adjustment=true"
    assert labels[2] == "dvar_out_of_range=clip;winsorisation=per_year"
    assert labels[1] == labels[0] + "|city_industry"
    iv = table7(panel).query("column_id == '3' and term == 'complementarity'")["estimate"].iloc[0]
    first = rows[(rows["column_id"] == labels[0]) & (rows["term"] == "complementarity")]["estimate"].iloc[0]
    assert first == pytest.approx(iv, rel=1e-12)
    # each specification carries its own first-stage KP F, equal to Table 7 (1)'s on the same panel
    kp = rows[(rows["column_id"] == labels[0]) & (rows["term"] == "kp_rk_wald_f")]["estimate"].iloc[0]
    t7_kp = table7(panel).query("column_id == '1' and term == 'kp_rk_wald_f'")["estimate"].iloc[0]
    assert kp == pytest.approx(t7_kp, rel=1e-12)
    # the curve's panels carry only the columns its regressions read: the same rows
    slim = REGRESSION_RESULTS.validate(spec_curve({labels[0]: panel[curve_columns()]}, run_id="r"))
    pd.testing.assert_frame_equal(slim.drop(columns="run_id"),
                                  rows[rows["column_id"].isin(labels[:2])].reset_index(drop=True).drop(columns="run_id"))
    assert len(curve_columns()) < panel.shape[1] / 2
    assert combo_label({"a": 1, "b": False}) == "a=1;b=false"
    with pytest.raises(ValueError, match="duplicate"):
        spec_curve({"a=1": panel, (("a", 1),): panel})


def test_spec_curve_in_worker_processes_gives_the_same_rows(panel):
    """Fitted in two spawned processes, the panels handed over one at a time:
    the same rows in the same order, and each specification reported done."""
    def panels():
        for i, frac in enumerate((1.0, 0.9, 0.8)):
            yield f"spec={i}", panel.sample(frac=frac, random_state=i).sort_values(["panel_firm_id", "year"])

    here, there = [], []
    one = spec_curve(panels(), run_id="r", done=here.append)
    two = spec_curve(panels(), run_id="r", workers=2, done=there.append)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert here == there == [1, 2, 3]
    assert one["column_id"].unique().tolist()[::2] == ["spec=0", "spec=1", "spec=2"]
    with pytest.raises(ValueError, match="duplicate"):
        spec_curve([("a", panel), ("a", panel)], workers=2)
