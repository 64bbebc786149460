"""dbt analysis panel (METHOD §5-§6) against the generator's truth.

The tiny world as the session's shared build left it (``tiny_warehouse``);
stand-ins for the four Python production tables (schema `analytics`: TFP,
markups, quality, industry upstreamness; helper formulas, not estimates)
replace the estimates in a copy of it; then the panel models are rebuilt
under several METHOD switches. Checked:

- the instrument IV_jkt equals the generator's `iv` (truth/firm_year_latent)
  to a relative 1e-9 and Harris market access equals
  analytics.synth.geography.market_access to 1e-9;
- unwinsorised (winsor_lower = 0, winsor_upper = 1) the controls equal
  analytics.synth.panel.generator_panel's: exactly (1e-8) where both use
  the same numbers, to 1e-3 where the survey rounds money to 0.1 thousand
  RMB (shares and logs of assets);
- leads equal the dvar of calendar year t + n computed in pandas from
  fct_firm_year_dvar; winsorisation equals pandas' linear-interpolation
  quantiles over the full sample and per year; dvar_out_of_range = 'clip';
- agglomeration, HHI, groups and deciles recomputed in pandas from the survey;
- the panel inputs (pnl_survey_firm_years, pnl_firm_export_lines,
  pnl_industry_year_output) reconcile with the survey and the harmonised
  customs lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import rawio
from analytics.settings import MethodSettings
from analytics.synth import geography as geo
from analytics.synth.panel import CONTROLS, generator_panel
from orchestration.dbt_cli import run_dbt
from tests.warehouses import copy_warehouse

PANEL_MODELS = ["path:models/intermediate/panel", "path:models/panel"]
UNWINSORISED = MethodSettings(winsor_lower=0.0, winsor_upper=1.0)
KEY = ["panel_firm_id", "year"]

STANDIN_SQL = [
    "create schema if not exists analytics",
    # TFP stand-in: ln y - 0.5 ln l - 0.3 ln k (a formula, not an estimate)
    """create or replace table analytics.firm_year_tfp as
    select ids.panel_firm_id, cast(s.year as integer) as year, s.industry_code_2 as industry_code,
        ln(s.output) - 0.5 * ln(s.employment) - 0.3 * ln(s.fixed_assets) as tfp
    from intermediate.int_survey_prepared as s
    inner join intermediate.int_survey_panel_ids as ids using (firm_id)
    where s.output > 0 and s.employment > 0 and s.fixed_assets > 0""",
    """create or replace table analytics.firm_year_markups as
    select panel_firm_id, year, 1.0 + 0.01 * (hash(panel_firm_id || year) % 50) as markup
    from analytics.firm_year_tfp""",
    """create or replace table analytics.firm_year_quality as
    select panel_firm_id, year, 0.5 as quality
    from marts.fct_firm_year_dvar where panel_firm_id is not null""",
    """create or replace table analytics.industry_upstreamness as
    select industry_code, year, 1.0 + cast(industry_code as integer) / 20.0 as upstreamness
    from (select distinct industry_code_2 as industry_code, cast(year as integer) as year
          from intermediate.int_survey_prepared)""",
]


def _ok(res) -> None:
    assert res.success, (res.exception, res.failures())
    assert not res.failures()


@pytest.fixture(scope="module")
def base(tiny_warehouse, tmp_path_factory):
    """(raw root, a copy of the shared build with the stand-ins, folder)."""
    root, built = tiny_warehouse
    out = tmp_path_factory.mktemp("panel")
    (out / "base").mkdir()
    wh = copy_warehouse(built, out / "base")
    with duckdb.connect(str(wh)) as con:
        for sql in STANDIN_SQL:
            con.execute(sql)
        con.execute("checkpoint")  # dbt's in-process connection may keep the database open: flush the WAL before copying
    return root, wh, out


def _build_panel(base, settings: MethodSettings, tag: str) -> Path:
    root, wh, out = base
    copy = out / tag / wh.name
    copy.parent.mkdir()
    shutil.copy(wh, copy)
    _ok(run_dbt(["build", "--select", *PANEL_MODELS], root, copy, settings, target_path=out / f"target_{tag}"))
    return copy


def _read(wh: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(wh)) as con:  # not read_only: dbt may hold the file open in-process
        return con.sql(sql).df()


@pytest.fixture(scope="module")
def raw_build(base) -> Path:
    return _build_panel(base, UNWINSORISED, "unwinsorised")


@pytest.fixture(scope="module")
def default_build(base) -> Path:
    return _build_panel(base, MethodSettings(), "default")


@pytest.fixture(scope="module")
def per_year_clip_build(base) -> Path:
    return _build_panel(base, MethodSettings(winsorisation="per_year", dvar_out_of_range="clip"), "per_year_clip")


def _panel(wh: Path) -> pd.DataFrame:
    return _read(wh, "select * from marts.fct_firm_panel order by panel_firm_id, year")


def _sample_dvar(wh: Path, rule: str = "drop") -> pd.DataFrame:
    """fct_firm_year_dvar rows of the panel sample, dvar after the rule (pandas)."""
    d = _read(wh, "select panel_firm_id, firm_id, year, dvar from marts.fct_firm_year_dvar")
    d = d[d["panel_firm_id"].notna() & d["dvar"].notna() & d["year"].isin(MethodSettings().years)].copy()
    if rule == "drop":
        d = d[d["dvar"].between(0, 1)]
    else:
        d["dvar"] = d["dvar"].clip(0, 1)
    return d


# --- instrument --------------------------------------------------------------------------------


def test_market_access_equals_generator(base, raw_build):
    root = base[0]
    city_year = rawio.read_reference(root, "city_year")
    cities = rawio.read_reference(root, "cities")
    chosen = cities[cities["city_code"].isin(city_year["city_code"])]
    truth = geo.market_access(city_year.assign(year=city_year["year"].astype(int)), chosen)
    ma = _read(raw_build, "select city_code, year, market_access, market_access_source from intermediate.int_city_market_access")
    assert (ma["market_access_source"] == "computed").all()  # the generator leaves market_access null
    m = truth.merge(ma, on=["city_code", "year"], how="outer", suffixes=("_truth", "_dbt"), indicator=True)
    assert (m["_merge"] == "both").all()
    np.testing.assert_allclose(m["market_access_dbt"], m["market_access_truth"], rtol=1e-9)


def test_instrument_equals_generator_iv(base, raw_build):
    latent = pd.read_parquet(base[0] / "truth" / "firm_year_latent.parquet")
    truth = latent[["city_code", "industry_code", "year", "iv"]].drop_duplicates()
    iv = _read(raw_build, "select city_code, industry_code, year, instrument from intermediate.int_city_industry_instruments")
    m = truth.merge(iv, on=["city_code", "industry_code", "year"], how="left")
    # the generator has no iv where the firm's prefecture is outside the reference list (e.g. 500200)
    assert (m["iv"].isna() == m["instrument"].isna()).all()
    m = m.dropna(subset=["iv"])
    assert len(m) > 100
    np.testing.assert_allclose(m["instrument"], m["iv"], rtol=1e-9)


# --- controls against the generator's panel ----------------------------------------------------------

EXACT = ["dvar", "complementarity", "placebo_complementarity", "instrument", "firm_size", "firm_age",
         "general_trade_share", "firm_patents", "regional_patents"]
ROUNDED = ["foreign_share", "state_share", "fixed_assets", "capital_intensity"]  # survey money rounded to 0.1


def test_controls_equal_generator_panel(base, raw_build):
    assert set(EXACT + ROUNDED) >= set(CONTROLS)
    truth = generator_panel(base[0])
    panel = _panel(raw_build)
    m = truth.merge(panel, on=["firm_id", "year"], how="outer", suffixes=("_truth", "_dbt"), indicator=True)
    assert (m["_merge"] != "left_only").all(), "generator panel rows missing from fct_firm_panel"
    # panel rows the generator drops: a control or the instrument is missing there
    extra = m[m["_merge"] == "right_only"]
    assert extra[[f"{c}_dbt" for c in ["complementarity", "instrument"] + CONTROLS]].isna().any(axis=1).all()
    both = m[m["_merge"] == "both"]
    assert len(both) > 1000
    assert (both["city_code_truth"] == both["city_code_dbt"]).all()
    assert (both["industry_code_truth"] == both["industry_code_dbt"]).all()
    for col in EXACT:
        np.testing.assert_allclose(both[f"{col}_dbt"], both[f"{col}_truth"], rtol=0, atol=1e-8, err_msg=col)
    for col in ROUNDED:
        np.testing.assert_allclose(both[f"{col}_dbt"], both[f"{col}_truth"], rtol=0, atol=1e-3, err_msg=col)


def test_sample_and_leads(raw_build):
    panel = _panel(raw_build)
    sample = _sample_dvar(raw_build)
    assert len(panel) == len(sample)
    assert not panel.duplicated(KEY).any()
    dv = sample.set_index(KEY)["dvar"]
    for n in range(1, 6):
        want = [dv.get((f, y + n), np.nan) for f, y in zip(panel["panel_firm_id"], panel["year"])]
        got = panel[f"dvar_lead{n}"].to_numpy(dtype=float)
        want = np.asarray(want, dtype=float)
        assert (np.isnan(got) == np.isnan(want)).all(), f"dvar_lead{n}: missing rows differ"
        np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], atol=1e-12)
    # calendar-year leads: nothing leads into the excluded year 2010
    assert panel.loc[panel["year"] == 2009, "dvar_lead1"].isna().all()
    assert panel.loc[panel["year"] == 2008, "dvar_lead2"].isna().all()


# --- winsorisation and the dvar rule -------------------------------------------------------------------


def test_winsorisation_full_sample(raw_build, default_build):
    raw = _panel(raw_build).set_index(KEY)
    win = _panel(default_build).set_index(KEY).loc[raw.index]
    for col in ("firm_size", "capital_intensity", "market_access", "dvar"):
        lo, hi = raw[col].quantile([0.005, 0.995])  # linear interpolation = quantile_cont
        want = raw[col].clip(lo, hi)
        np.testing.assert_allclose(win[col], want, rtol=0, atol=1e-12, err_msg=col)
        assert (win[col] != raw[col]).sum() > 0, f"{col}: nothing clipped"
    np.testing.assert_allclose(win["complementarity_raw"], raw["complementarity"], atol=0)
    # groups and deciles are formed before winsorisation
    for col in ("sales_decile", "hc_group", "ma_group", "mover"):
        pd.testing.assert_series_equal(win[col], raw[col], check_names=False)


def test_winsorisation_per_year_and_dvar_clip(raw_build, per_year_clip_build):
    raw = _panel(raw_build)
    clipped = _panel(per_year_clip_build)
    sample = _sample_dvar(per_year_clip_build, rule="clip")
    assert len(clipped) == len(sample) >= len(raw)
    assert (clipped["dvar"].between(0, 1)).all()
    # per-year quantiles of the (unwinsorised, recomputed) firm size over the clip sample's rows
    base = _read(raw_build, "select panel_firm_id, year, employment from panel.pnl_survey_firm_years")
    c = clipped[KEY + ["firm_size"]].merge(base, on=KEY)
    size = np.log(c["employment"].astype(float))
    lo = size.groupby(c["year"]).transform(lambda s: s.quantile(0.005))
    hi = size.groupby(c["year"]).transform(lambda s: s.quantile(0.995))
    np.testing.assert_allclose(c["firm_size"], size.clip(lo, hi), rtol=0, atol=1e-12)
    # dvar: clipped to [0, 1] first, then winsorised per year
    s = sample.merge(clipped[KEY + ["dvar"]], on=KEY, suffixes=("_rule", "_panel"))
    lo = s.groupby("year")["dvar_rule"].transform(lambda x: x.quantile(0.005))
    hi = s.groupby("year")["dvar_rule"].transform(lambda x: x.quantile(0.995))
    np.testing.assert_allclose(s["dvar_panel"], s["dvar_rule"].clip(lo, hi), rtol=0, atol=1e-12)


# --- survey-based measures recomputed in pandas ----------------------------------------------------------


def _survey(wh: Path) -> pd.DataFrame:
    return _read(wh, "select * from panel.pnl_survey_firm_years")


def test_agglomeration_hhi_and_other_regions_sales(raw_build):
    sv = _survey(raw_build)
    e = sv["employment"].astype(float)
    e_cell = e.groupby([sv["city_code"], sv["industry_code_3"], sv["year"]]).transform("sum")
    e_city = e.groupby([sv["city_code"], sv["year"]]).transform("sum")
    e_ind = e.groupby([sv["industry_code_3"], sv["year"]]).transform("sum")
    e_all = e.groupby(sv["year"]).transform("sum")
    sv["lq"] = (e_cell / e_city) / (e_ind / e_all)
    cell = [sv["city_code"], sv["industry_code"], sv["year"]]
    share = sv["sales"] / sv["sales"].groupby(cell).transform("sum")
    sv["hhi_pd"] = (share**2).groupby(cell).transform("sum")
    dom = sv["sales"] - sv["export_delivery"]
    sv["ords_pd"] = np.log(dom.groupby([sv["industry_code"], sv["year"]]).transform("sum") - dom.groupby(cell).transform("sum"))
    panel = _panel(raw_build).merge(sv[KEY + ["lq", "hhi_pd", "ords_pd"]], on=KEY)
    np.testing.assert_allclose(panel["agglomeration"], panel["lq"], rtol=1e-12)
    np.testing.assert_allclose(panel["hhi"], panel["hhi_pd"], rtol=1e-12)
    np.testing.assert_allclose(panel["other_regions_domestic_sales"], panel["ords_pd"], rtol=1e-12)


def test_groups_and_deciles(raw_build):
    panel = _panel(raw_build)
    sv = _survey(raw_build)
    p = panel.merge(sv[KEY + ["wage_bill", "employment"]], on=KEY)
    wpw = p["wage_bill"] / p["employment"]
    med = wpw.groupby([p["industry_code"], p["year"]]).transform("median")
    known = wpw.notna()  # a few wage bills are not reported (METHOD §0 fills them only for M)
    assert (p.loc[known, "hc_group"] == np.where(wpw > med, "high", "low")[known.to_numpy()]).all()
    assert p.loc[~known, "hc_group"].isna().all() and (~known).any()
    med = p["market_access"].groupby(p["year"]).transform("median")
    ok = p["market_access"].notna()
    assert (p.loc[ok, "ma_group"] == np.where(p.loc[ok, "market_access"] > med[ok], "high", "low")).all()
    assert p.loc[~ok, "ma_group"].isna().all()
    assert panel["sales_decile"].between(1, 10).all()
    for _, g in panel.groupby("year"):
        sizes = g["sales_decile"].value_counts()
        assert sizes.max() - sizes.min() <= 1
        order = g.sort_values(["sales", "panel_firm_id"])["sales_decile"].to_numpy()
        assert (np.diff(order) >= 0).all()
    assert (panel["top_sales_decile"] == (panel["sales_decile"] == 10)).all()
    moves = sv.groupby("panel_firm_id")["city_code"].nunique() > 1
    assert (panel["mover"] == panel["panel_firm_id"].map(moves)).all()
    assert panel["mover"].any()


def test_trade_mechanisms(raw_build):
    panel = _panel(raw_build)
    t = _read(raw_build, """
        select d.panel_firm_id, d.year, tt.imports_processing_usd as imp1, tt.imports_ordinary_usd as imp_o,
            tt.capital_imports_ordinary_usd as k_o, s.sales * 1000.0 / r.cny_per_usd as s_usd,
            s.intermediate_inputs * 1000.0 / r.cny_per_usd as m_usd
        from marts.fct_firm_year_dvar d
        join intermediate.int_customs_firm_trade_totals tt using (year, customs_firm_id)
        join intermediate.int_survey_prepared s using (year, firm_id)
        join staging.stg_reference__exchange_rates r using (year)""")
    p = panel.merge(t, on=KEY)
    assert len(p) == len(panel)
    np.testing.assert_allclose(p["domestic_input_share"], (p["m_usd"] - (p["imp1"] + p["imp_o"] - p["k_o"])) / p["s_usd"], rtol=1e-12)
    np.testing.assert_allclose(p["import_share"], (p["imp1"] + p["imp_o"]) / p["m_usd"], rtol=1e-12)


# --- panel inputs ---------------------------------------------------------------------------------------------


def test_panel_inputs_reconcile(raw_build):
    sv = _survey(raw_build)
    n_survey = _read(raw_build, "select count(*) as n from intermediate.int_survey_prepared")["n"].iat[0]
    assert len(sv) == n_survey and not sv.duplicated(KEY).any()
    last = sv.groupby("panel_firm_id")["year"].transform("max")
    assert (sv["exit_flag"] == ((sv["year"] == last) & (sv["year"] < sv["year"].max()))).all()
    dv = _read(raw_build, "select year, firm_id from marts.fct_firm_year_dvar")
    assert sv["is_exporter"].sum() == len(dv)

    out = _read(raw_build, "select * from panel.pnl_industry_year_output")
    want = sv.groupby(["industry_code", "year"])["output"].sum().rename("want").reset_index()
    m = out.merge(want, on=["industry_code", "year"], how="outer")
    np.testing.assert_allclose(m["output"], m["want"], rtol=1e-12)

    lines = _read(raw_build, "select * from panel.pnl_firm_export_lines")
    assert not lines.duplicated(KEY + ["hs6_1996", "partner_country"]).any()
    harmonised = _read(raw_build, """
        select d.panel_firm_id, h.year, sum(h.value_usd) as want, count(*) filter (where h.hs6_1996 is null) as n_unlinked
        from intermediate.int_customs_harmonised h
        join marts.fct_firm_year_dvar d using (year, customs_firm_id)
        where h.flow = 'export' and d.panel_firm_id is not null
        group by all""")
    got = lines.groupby(KEY)["value_usd"].sum().rename("got").reset_index()
    m = harmonised.merge(got, on=KEY, how="outer")
    np.testing.assert_allclose(m["got"], m["want"], rtol=1e-9)
    panel = _panel(raw_build).merge(
        lines.groupby(KEY).agg(np_=("hs6_1996", "nunique"), nd_=("partner_country", "nunique")).reset_index(), on=KEY
    )
    assert (panel["n_products"] == panel["np_"]).all() and (panel["n_destinations"] == panel["nd_"]).all()
