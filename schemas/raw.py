"""Pandera models of the three raw tables of CONTRACT.md.

Each model encodes every rule of the contract's table: column types
(coerced to the canonical dtypes: ints -> ``Int64``, floats -> ``float64``,
strings -> ``str``; codes stay strings with their leading zeros), nullability,
ranges (customs year 2000-2014, survey year 1998-2014, patent
application_year 1985-2014 -- the last year is the settings' year_end,
applied by ``schemas.validate``: see ``YEAR_RANGES`` --, month 1-12, money
and quantities >= 0), code
lengths and digit patterns, allowed values, not-empty names, the unique key
of the table's grain (``Config.unique``) and the survey's
"year_established between 1800 and year" frame rule.  Columns beyond the
contract's are allowed and kept.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import Float, Int, Str, frame_rule

NON_NEGATIVE = {"ge": 0}

# The year column of each raw table and its first year. Its last year is the
# contract's 2014 here; ``schemas.validate`` puts the settings' year_end in its
# place, so a year added in gvc.toml (``year_end = 2015``) passes.
CONTRACT_YEAR_END = 2014
YEAR_RANGES: dict[str, tuple[str, int]] = {
    "customs_transactions": ("year", 2000),
    "firm_survey": ("year", 1998),
    "patents": ("application_year", 1985),
}


class CustomsTransactions(pa.DataFrameModel):
    year: Series[Int] = pa.Field(in_range={"min_value": 2000, "max_value": CONTRACT_YEAR_END})
    month: Series[Int] = pa.Field(in_range={"min_value": 1, "max_value": 12}, nullable=True)
    customs_firm_id: Series[Str] = pa.Field(str_length={"min_value": 10, "max_value": 10})
    firm_name: Series[Str] = pa.Field(not_empty=())
    phone: Series[Str] = pa.Field(phone_chars=(), nullable=True)
    zip_code: Series[Str] = pa.Field(digits=6, nullable=True)
    flow: Series[Str] = pa.Field(isin=["export", "import"])
    trade_regime: Series[Str] = pa.Field(digits=2)
    hs_code: Series[Str] = pa.Field(digits=8)
    partner_country: Series[Str] = pa.Field(upper_letters=3)
    value_usd: Series[Float] = pa.Field(**NON_NEGATIVE)
    quantity: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    unit: Series[Str] = pa.Field(nullable=True)

    class Config:
        name = "customs_transactions"
        coerce = True
        unique = ["year", "month", "customs_firm_id", "flow", "trade_regime", "hs_code", "partner_country"]


class FirmSurvey(pa.DataFrameModel):
    year: Series[Int] = pa.Field(in_range={"min_value": 1998, "max_value": CONTRACT_YEAR_END})
    firm_id: Series[Str] = pa.Field(str_length={"min_value": 9, "max_value": 9})
    firm_name: Series[Str] = pa.Field(not_empty=())
    legal_rep: Series[Str] = pa.Field(nullable=True)
    phone: Series[Str] = pa.Field(phone_chars=(), nullable=True)
    zip_code: Series[Str] = pa.Field(digits=6, nullable=True)
    city_code: Series[Str] = pa.Field(digits=6)
    industry_code: Series[Str] = pa.Field(digits=4)
    year_established: Series[Int] = pa.Field(nullable=True)
    employment: Series[Int] = pa.Field(**NON_NEGATIVE)
    output: Series[Float] = pa.Field(**NON_NEGATIVE)
    sales: Series[Float] = pa.Field(**NON_NEGATIVE)
    export_delivery: Series[Float] = pa.Field(**NON_NEGATIVE)
    intermediate_inputs: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    fixed_assets: Series[Float] = pa.Field(**NON_NEGATIVE)
    total_assets: Series[Float] = pa.Field(**NON_NEGATIVE)
    paid_in_capital: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    state_capital: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    foreign_capital: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    hmt_capital: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    wage_bill: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    rd_expenditure: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    subsidy: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)

    class Config:
        name = "firm_survey"
        coerce = True
        unique = ["year", "firm_id"]

    @frame_rule("year_established between 1800 and year", ("year_established", "year"))
    def _established(cls, df):
        est = df["year_established"]
        ok = est.isna() | ((est >= 1800) & (est <= df["year"]))
        return ok.fillna(False).astype(bool)


class Patents(pa.DataFrameModel):
    application_id: Series[Str] = pa.Field(not_empty=())
    application_year: Series[Int] = pa.Field(in_range={"min_value": 1985, "max_value": CONTRACT_YEAR_END})
    patent_type: Series[Str] = pa.Field(isin=["invention", "utility_model", "design"])
    applicant_name: Series[Str] = pa.Field(not_empty=())
    applicant_city_code: Series[Str] = pa.Field(digits=6)
    ipc_codes: Series[Str] = pa.Field(ipc_symbols=())

    class Config:
        name = "patents"
        coerce = True
        unique = ["application_id"]
