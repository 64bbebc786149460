"""Pandera models of the production assets' inputs and outputs.

Inputs are the dbt models the assets read (only the columns they use are
required; others are allowed and kept); outputs are the ``analytics`` tables
of the issue-5 interface, exactly their columns (``strict``). Codes stay
strings; money and quantities are non-negative; grains are unique.
"""

from __future__ import annotations

from typing import Optional

import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import Bool, Float, Int, Str

NON_NEGATIVE = {"ge": 0}
YEARS = {"in_range": {"min_value": 1990, "max_value": 2030}}


# ------------------------------------------------------------------ inputs
class SurveyFirmYears(pa.DataFrameModel):
    """panel.pnl_survey_firm_years (the columns the production step uses)."""

    panel_firm_id: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    city_code: Series[Str] = pa.Field(prefecture_code=())
    industry_code: Series[Str] = pa.Field(digits=2)
    employment: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    output: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    sales: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    intermediate_inputs: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    fixed_assets: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    # METHOD §0 step 5 (int_survey_real_values): NULL without the deflators
    real_output: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    real_sales: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    real_intermediate_inputs: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    real_capital: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    exit_flag: Series[Bool] = pa.Field(nullable=True)
    is_exporter: Series[Bool] = pa.Field(nullable=True)

    class Config:
        name = "pnl_survey_firm_years"
        coerce = True
        unique = ["panel_firm_id", "year"]


class FirmExportLines(pa.DataFrameModel):
    """panel.pnl_firm_export_lines."""

    panel_firm_id: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    hs6_1996: Series[Str] = pa.Field(digits=6, nullable=True)  # NULL: no concordance link
    partner_country: Series[Str] = pa.Field(nullable=True)  # NULL: unknown partner (counted, not in KSW)
    value_usd: Series[Float] = pa.Field(**NON_NEGATIVE)
    quantity: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)

    class Config:
        name = "pnl_firm_export_lines"
        coerce = True
        unique = ["panel_firm_id", "year", "hs6_1996", "partner_country"]


class IndustryYearOutput(pa.DataFrameModel):
    """panel.pnl_industry_year_output."""

    industry_code: Series[Str] = pa.Field(digits=2)
    year: Series[Int] = pa.Field(**YEARS)
    output: Series[Float] = pa.Field(**NON_NEGATIVE)

    class Config:
        name = "pnl_industry_year_output"
        coerce = True
        unique = ["industry_code", "year"]


class IoLinks(pa.DataFrameModel):
    """staging.stg_reference__io_links."""

    industry_code: Series[Str]
    supplier_industry_code: Series[Str]
    input_coefficient: Series[Float] = pa.Field(**NON_NEGATIVE)

    class Config:
        name = "stg_reference__io_links"
        coerce = True
        unique = ["industry_code", "supplier_industry_code"]


class ComplementarityCells(pa.DataFrameModel):
    """marts.fct_city_industry_complementarity (C per city-industry-year)."""

    city_code: Series[Str]
    industry_code: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    complementarity: Series[Float] = pa.Field(nullable=True)

    class Config:
        name = "fct_city_industry_complementarity"
        coerce = True
        unique = ["city_code", "industry_code", "year"]


# ----------------------------------------------------------------- outputs
class FirmYearTfp(pa.DataFrameModel):
    """analytics.firm_year_tfp."""

    panel_firm_id: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    industry_code: Series[Str] = pa.Field(digits=2)
    tfp: Series[Float]

    class Config:
        name = "firm_year_tfp"
        coerce = True
        strict = True
        unique = ["panel_firm_id", "year"]


class FirmYearMarkups(pa.DataFrameModel):
    """analytics.firm_year_markups."""

    panel_firm_id: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    markup: Series[Float] = pa.Field(gt=0)

    class Config:
        name = "firm_year_markups"
        coerce = True
        strict = True
        unique = ["panel_firm_id", "year"]


class FirmYearQuality(pa.DataFrameModel):
    """analytics.firm_year_quality (quality min-max normalised within HS6: in [0, 1]; log_quality the
    export-value weighted KSW residual / (sigma - 1) before that step)."""

    panel_firm_id: Series[Str]
    year: Series[Int] = pa.Field(**YEARS)
    quality: Series[Float] = pa.Field(in_range={"min_value": 0.0, "max_value": 1.0})
    log_quality: Series[Float]

    class Config:
        name = "firm_year_quality"
        coerce = True
        strict = True
        unique = ["panel_firm_id", "year"]


class IndustryUpstreamness(pa.DataFrameModel):
    """analytics.industry_upstreamness (U >= 1 by construction)."""

    industry_code: Series[Str] = pa.Field(digits=2)
    year: Series[Int] = pa.Field(**YEARS)
    upstreamness: Series[Float] = pa.Field(ge=1.0 - 1e-9)

    class Config:
        name = "industry_upstreamness"
        coerce = True
        strict = True
        unique = ["industry_code", "year"]


class ParameterEstimates(pa.DataFrameModel):
    """analytics.parameter_estimates."""

    parameter: Series[Str]
    estimate: Series[Float]
    std_error: Series[Float] = pa.Field(nullable=True, ge=0)
    ci_low: Series[Float] = pa.Field(nullable=True)
    ci_high: Series[Float] = pa.Field(nullable=True)
    n_obs: Series[Int] = pa.Field(**NON_NEGATIVE)
    method: Series[Str]
    asset: Series[Str]
    run_id: Series[Str]

    class Config:
        name = "parameter_estimates"
        coerce = True
        strict = True
        unique = ["parameter"]
