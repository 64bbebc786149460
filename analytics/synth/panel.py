"""The generator's own analysis panel, before any pipeline (issue: calibration).

Joins ``truth/firm_year_dvar`` (METHOD §3 on the written tables) to the
world's latent firm-years (``truth/firm_year_latent``) and to
``truth/city_industry_complementarity`` for C, and builds the controls of
METHOD §5 from the generator's own variables.  It is what the calibration
and recovery tests estimate on; the platform builds its own panel in dbt.

:func:`generator_survey` and :func:`production_inputs` are the inputs of the
production assets in the same way (the dbt models ``pnl_survey_firm_years``,
``pnl_firm_export_lines``, ``pnl_industry_year_output``, io_links and the C
cells, from the written tables and the world's own firms), and
:func:`analysis_panel` is :func:`generator_panel` with the panel's firm key
and its agglomeration control: together, what a Monte Carlo over worlds
estimates on without building a warehouse per world.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.settings import DEFAULT_SETTINGS, MethodSettings
from analytics.synth import rawroot
from analytics.synth.rawroot import RawRoot
from analytics.synth.truth.preparation import SurveyPreparation, ownership_shares, prepare_customs
from analytics.synth.truth.real_values import real_values
from analytics.synth.truth.trade import harmonise

PAPER_TABLE3 = pd.DataFrame(
    [
        ("dvar", "Export DVAR", 0.66, 0.28, 0.21, 0.95),
        ("complementarity", "Technological complementarity", 0.17, 0.14, 0.0, 0.35),
        ("foreign_share", "Foreign share", 0.34, 0.44, 0.0, 1.0),
        ("state_share", "State share", 0.01, 0.10, 0.0, 0.0),
        ("firm_size", "Firm size", 5.47, 1.07, 4.09, 6.79),
        ("firm_age", "Firm age", 9.34, 6.94, 3.0, 17.0),
        ("fixed_assets", "Fixed assets", 9.20, 1.66, 7.10, 11.33),
        ("capital_intensity", "Capital intensity", 5.19, 1.09, 3.83, 6.58),
        ("general_trade_share", "General-trade share", 0.73, 0.39, 0.0, 1.0),
        ("firm_patents", "Firm patents", 0.08, 0.34, 0.0, 0.0),
        ("regional_patents", "Regional patents", 1.76, 2.04, 0.0, 4.69),
    ],
    columns=["variable", "label", "mean", "sd", "p10", "p90"],
).set_index("variable")

CONTROLS = [
    "foreign_share", "state_share", "firm_size", "firm_age", "fixed_assets",
    "capital_intensity", "general_trade_share", "firm_patents", "regional_patents",
]


def generator_panel(root: RawRoot, survey: pd.DataFrame | None = None,
                    settings: MethodSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Matched exporter-years with DVAR, C, the instrument and the controls.

    The ownership shares are METHOD §0 step 4's over the written survey
    (``ownership_shares`` of :func:`generator_survey`, or of ``survey`` when
    given): the capital components, missing in some years, filled from the
    panel firm's nearest year or the registration type -- the world's true
    shares (``truth/firm_year_latent``) wherever a year with components
    exists."""
    survey = generator_survey(root, settings) if survey is None else survey
    dv = rawroot.read_parquet(root, "truth/firm_year_dvar.parquet")
    lat = rawroot.read_parquet(root, "truth/firm_year_latent.parquet")
    comp = rawroot.read_parquet(root, "truth/city_industry_complementarity.parquet")
    lat = lat[["fid", "firm_id", "year", "city_code", "industry_code", "iv", "u", "C", "dvar_target",
               "foreign_share", "hmt_part", "state_share", "employment", "year_established", "fixed_assets",
               "total_assets", "general_trade_share", "own_inventions", "omega", "markup"]]
    p = dv.merge(lat.drop(columns=["foreign_share", "state_share"]), on=["firm_id", "year"], how="inner")
    shares = ownership_shares(survey, settings.impute_ownership_shares)
    p = p.merge(shares[["firm_id", "year", "foreign_share", "state_share"]], on=["firm_id", "year"], how="left")
    p = p.merge(
        comp[["city_code", "industry_code", "year", "complementarity", "placebo_complementarity", "invention_patents"]],
        on=["city_code", "industry_code", "year"], how="left",
    )
    p["province_code"] = p["city_code"].str[:2]
    p["firm_size"] = np.log(p["employment"])
    p["firm_age"] = p["year"] - p["year_established"] + 1
    p["fixed_assets"] = np.log(p["fixed_assets"])
    p["capital_intensity"] = np.log(p["total_assets"] / p["employment"])
    p["firm_patents"] = np.log1p(p["own_inventions"])
    p["regional_patents"] = np.log1p(p["invention_patents"].fillna(0.0))
    p["instrument"] = p["iv"]
    p["city_industry"] = p["city_code"] + "_" + p["industry_code"]
    p = p[p["dvar"].between(0, 1)].dropna(subset=["complementarity", "instrument"] + CONTROLS)
    return p.sort_values(["year", "firm_id"], ignore_index=True)


def panel_firm_ids(latent: pd.DataFrame) -> pd.Series:
    """The panel firm of each latent firm-year: the world's own firm (``fid``),
    named by its first survey id (what the survey panel's linking recovers)."""
    first = latent.sort_values(["fid", "year"], kind="mergesort").groupby("fid")["firm_id"].first()
    return latent["fid"].map(first).astype(str)


REAL_COLUMNS = ["real_output", "real_sales", "real_intermediate_inputs", "real_capital"]


def generator_survey(root: RawRoot, settings: MethodSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """``panel.pnl_survey_firm_years`` from the written survey as METHOD §0
    prepares it under ``settings``: every kept survey firm-year with its panel firm (:func:`panel_firm_ids`), prefecture,
    2- and 3-digit industry, ``exit_flag`` (the panel firm's last survey year,
    before the data's last), ``is_exporter`` (a row of truth/firm_year_dvar)
    and the real values of METHOD §0 step 5 (``REAL_COLUMNS``, by the truth's
    :func:`~analytics.synth.truth.real_values.real_values` from the written
    price tables)."""
    lat = rawroot.read_parquet(root, "truth/firm_year_latent.parquet", columns=["fid", "firm_id", "year", "city_code"])
    lat["panel_firm_id"] = panel_firm_ids(lat)
    prepared = SurveyPreparation.of_root(root, settings)  # METHOD §0, as int_survey_prepared
    sv = pd.concat([prepared.year(y) for y in rawroot.years_present(root, "firm_survey")], ignore_index=True)
    sv["year"] = sv["year"].astype("int64")
    s = sv.drop(columns=["city_code"]).merge(lat[["firm_id", "year", "panel_firm_id", "city_code"]],
                                             on=["firm_id", "year"], how="inner")
    s["province_code"] = s["city_code"].str[:2]
    s["industry_code_3"] = s["industry_code"].str[:3]
    s["industry_code"] = s["industry_code"].str[:2]
    last = s.groupby("panel_firm_id")["year"].transform("max")
    s["exit_flag"] = last.eq(s["year"]) & (s["year"] < s["year"].max())
    dv = rawroot.read_parquet(root, "truth/firm_year_dvar.parquet", columns=["firm_id", "year"])
    s = s.merge(dv.assign(is_exporter=True), on=["firm_id", "year"], how="left")
    # METHOD §0 step 5 over the panel firm's years, from the written price tables (NULL without them)
    tables = {t: rawroot.read_reference(root, t) if rawroot.has_reference(root, t) else None
              for t in ("deflators", "investment_deflator")}
    real = real_values(s.assign(industry_code_2=s["industry_code"]), tables["deflators"],
                       tables["investment_deflator"], settings.depreciation)
    s = s.merge(real[["firm_id", "year", *REAL_COLUMNS]], on=["firm_id", "year"], how="left")
    s["is_exporter"] = s["is_exporter"].astype("boolean").fillna(False).astype(bool)
    return s.sort_values(["panel_firm_id", "year", "firm_id"], kind="mergesort", ignore_index=True)


def production_inputs(root: RawRoot) -> dict[str, pd.DataFrame]:
    """The input frames of the production assets from a raw root and its truth.

    ``survey`` (:func:`generator_survey`), ``lines`` (exports per panel firm,
    year, HS1996 product and destination of the matched exporters, restated
    in HS1996 by the truth's METHOD §1 (value and quantity times the link's
    weight; quantity NULL when a line lacks it), as ``pnl_firm_export_lines``),
    ``output`` (national survey output per industry-year), ``io_links``,
    ``cells`` (the truth's C per city, industry and year) and
    ``quality_truth`` (the true log quality relative to the product's mean,
    what KSW identifies, per panel firm-year).
    """
    survey = generator_survey(root)
    lat = rawroot.read_parquet(root, "truth/firm_year_latent.parquet",
                               columns=["fid", "firm_id", "year", "customs_firm_id", "true_log_quality_rel"])
    lat["panel_firm_id"] = panel_firm_ids(lat)
    dv = rawroot.read_parquet(root, "truth/firm_year_dvar.parquet", columns=["firm_id", "year"])
    link = lat.dropna(subset=["customs_firm_id"])[["customs_firm_id", "year", "panel_firm_id", "firm_id"]]
    link = link.merge(dv, on=["firm_id", "year"])[["customs_firm_id", "year", "panel_firm_id"]]
    concordance = rawroot.read_reference(root, "hs_concordance")
    parts = []
    for year in sorted(rawroot.years_present(root, "customs_transactions")):
        cu = prepare_customs(rawroot.read_year(root, "customs_transactions", year))  # METHOD §0 step 7
        cu = harmonise(cu.loc[cu["flow"] == "export"], concordance, year)
        cu["quantity"] = cu["quantity"] * cu["split_weight"]
        cu["year"] = cu["year"].astype("int64")
        parts.append(cu.merge(link, on=["customs_firm_id", "year"]))
    cu = pd.concat(parts, ignore_index=True)
    by_line = cu.groupby(["panel_firm_id", "year", "hs6_1996", "partner_country"], as_index=False, dropna=False)
    lines = by_line.agg(value_usd=("value_usd", "sum"))
    lines["quantity"] = _complete_sums(cu["quantity"].to_numpy(dtype=float), by_line.ngroup().to_numpy())
    output = survey.groupby(["industry_code", "year"], as_index=False)["output"].sum()
    io = rawroot.read_reference(root, "io_links")
    cells = rawroot.read_parquet(root, "truth/city_industry_complementarity.parquet")
    quality = lat.loc[lat["true_log_quality_rel"].notna(), ["panel_firm_id", "year", "true_log_quality_rel"]]
    quality = quality.rename(columns={"true_log_quality_rel": "true_log_quality"}).reset_index(drop=True)
    return {"survey": survey, "lines": lines, "output": output, "io_links": io, "cells": cells,
            "quality_truth": quality}


def _complete_sums(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per group (numbered 0..n-1): the sum of its values (as a Series sums
    them, over the group's values in row order), NaN when one is missing."""
    order = np.argsort(group, kind="stable")
    values, bounds = values[order], np.searchsorted(group[order], np.arange(group.max() + 2 if len(group) else 1))
    return np.array([np.nan if np.isnan(v).any() else v.sum() for v in
                     (values[a:b] for a, b in zip(bounds[:-1], bounds[1:]))], dtype=float)


def agglomeration(survey: pd.DataFrame) -> pd.DataFrame:
    """METHOD §5 industrial agglomeration per (city_code, industry_code_3, year):
    the location quotient of employment over every survey firm-year,
    ``(E_jk3t / E_jt) / (E_k3t / E_t)`` (as ``pnl_city_industry3_agglomeration``)."""
    e = survey["employment"].astype(float)
    cell = e.groupby([survey["city_code"], survey["industry_code_3"], survey["year"]]).sum()
    city = e.groupby([survey["city_code"], survey["year"]]).sum()
    ind = e.groupby([survey["industry_code_3"], survey["year"]]).sum()
    nat = e.groupby(survey["year"]).sum()
    out = cell.rename("employment").reset_index()
    keys = out.set_index(["city_code", "year"]).index
    out["agglomeration"] = ((out["employment"] / city.reindex(keys).to_numpy())
                            / (ind.reindex(pd.MultiIndex.from_frame(out[["industry_code_3", "year"]])).to_numpy()
                               / nat.reindex(out["year"]).to_numpy()))
    return out[["city_code", "industry_code_3", "year", "agglomeration"]]


def analysis_panel(root: RawRoot, survey: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`generator_panel` with the analysis panel's firm key
    (``panel_firm_id``, :func:`panel_firm_ids`), ``industry_code_3`` and
    ``agglomeration`` (:func:`agglomeration` over :func:`generator_survey`),
    unwinsorised, in (panel_firm_id, year) order. ``survey``: a
    :func:`generator_survey` already read."""
    survey = generator_survey(root) if survey is None else survey
    p = generator_panel(root, survey)
    p["panel_firm_id"] = panel_firm_ids(p)
    p = p.merge(survey[["firm_id", "year", "industry_code_3"]], on=["firm_id", "year"], how="left")
    p = p.merge(agglomeration(survey), on=["city_code", "industry_code_3", "year"], how="left")
    return p.sort_values(["panel_firm_id", "year"], kind="mergesort", ignore_index=True)


def winsorise(p: pd.DataFrame, cols: list[str], lower: float = 0.005, upper: float = 0.995) -> pd.DataFrame:
    p = p.copy()
    for c in cols:
        lo, hi = p[c].quantile([lower, upper])
        p[c] = p[c].clip(lo, hi)
    return p


def table3(p: pd.DataFrame) -> pd.DataFrame:
    """Synthetic Table 3 beside the paper's."""
    rows = []
    for var, ref in PAPER_TABLE3.iterrows():
        x = p[var]
        rows.append({"variable": ref["label"], "N": len(x), "mean": x.mean(), "sd": x.std(), "p10": x.quantile(0.1),
                     "p90": x.quantile(0.9), "max": x.max(), "paper_mean": ref["mean"], "paper_sd": ref["sd"]})
    return pd.DataFrame(rows).set_index("variable")
