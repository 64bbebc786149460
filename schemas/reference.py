"""Pandera models of the reference tables of docs/contract.md (``reference/<table>/``).

Codes are strings that keep their leading zeros: HS6 codes 6 digits,
``city_code`` 6 digits (``cities``: a prefecture, ending ``00``),
``province_code`` 2 digits, ``industry_code`` / ``supplier_industry_code``
2-digit CIC, ``trade_regime`` 2 digits, ``bec_code`` 1-3 digits, ``ipc`` a
subclass (``H01L``).  Flags are booleans (CSV ``true``/``false`` in any case
are parsed by ``schemas.validate.prepare``).  Allowed values: from_version,
end_use, regime_class, tech_intensity, plan ``9th``..``12th``, attitude 1-3.
Each table's key is unique (``Config.unique``); concordance weights lie in
(0, 1] and sum to 1 (within 1e-9) per (from_version, from_hs6) and per ipc.

``CustomsCountries`` (``reference/customs_countries``: code, name_zh, iso3) is
optional in a raw root: validated when present, its ``iso3`` values joining
the country list partner codes are checked against (``schemas.raw.CODE_RULES``).
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import Bool, Float, Int, Str, frame_rule, weights_sum_to_one

WEIGHT = {"gt": 0, "le": 1}
INDUSTRY = {"digits": 2}


class HsConcordance(pa.DataFrameModel):
    from_version: Series[Str] = pa.Field(isin=["HS2002", "HS2007", "HS2012"])
    from_hs6: Series[Str] = pa.Field(digits=6)
    hs6_1996: Series[Str] = pa.Field(digits=6)
    weight: Series[Float] = pa.Field(**WEIGHT)

    class Config:
        name = "hs_concordance"
        coerce = True
        unique = ["from_version", "from_hs6", "hs6_1996"]

    @frame_rule("weights sum to 1 per (from_version, from_hs6)", ("weight",))
    def _weights(cls, df):
        return weights_sum_to_one(df, ["from_version", "from_hs6"])


class HsBec(pa.DataFrameModel):
    hs6_1996: Series[Str] = pa.Field(digits=6)
    bec_code: Series[Str] = pa.Field(str_matches=r"^[0-9]{1,3}$")
    # null end use only for the BEC classes METHOD §1 leaves unclassified (51, 321, 7)
    end_use: Series[Str] = pa.Field(isin=["capital", "intermediate", "consumption"], nullable=True)

    @frame_rule("end_use null only for unclassified BEC 51, 321, 7", ("end_use", "bec_code"))
    def _unclassified(cls, df):
        return df["end_use"].notna() | df["bec_code"].isin(["51", "321", "7"])

    class Config:
        name = "hs_bec"
        coerce = True
        unique = ["hs6_1996"]


class TradeRegimes(pa.DataFrameModel):
    trade_regime: Series[Str] = pa.Field(digits=2)
    regime_class: Series[Str] = pa.Field(isin=["ordinary", "processing", "capital_equipment", "other"])

    class Config:
        name = "trade_regimes"
        coerce = True
        unique = ["trade_regime"]


class Cities(pa.DataFrameModel):
    city_code: Series[Str] = pa.Field(prefecture_code=())
    city_name: Series[Str] = pa.Field(not_empty=())
    province_code: Series[Str] = pa.Field(digits=2)
    longitude: Series[Float] = pa.Field(in_range={"min_value": -180, "max_value": 180})
    latitude: Series[Float] = pa.Field(in_range={"min_value": -90, "max_value": 90})
    innovation_center: Series[Bool] = pa.Field()
    yrd_prd: Series[Bool] = pa.Field()

    class Config:
        name = "cities"
        coerce = True
        unique = ["city_code"]


class CityYear(pa.DataFrameModel):
    city_code: Series[Str] = pa.Field(digits=6)
    year: Series[Int] = pa.Field()
    gdp: Series[Float] = pa.Field(ge=0)
    gdp_per_capita: Series[Float] = pa.Field(ge=0)
    basic_research: Series[Float] = pa.Field(ge=0)
    market_access: Series[Float] = pa.Field(ge=0, nullable=True)

    class Config:
        name = "city_year"
        coerce = True
        unique = ["city_code", "year"]


class Industries(pa.DataFrameModel):
    industry_code: Series[Str] = pa.Field(**INDUSTRY)
    industry_name: Series[Str] = pa.Field(not_empty=())
    tech_intensity: Series[Str] = pa.Field(isin=["high", "medium_high", "medium_low", "low"])

    class Config:
        name = "industries"
        coerce = True
        unique = ["industry_code"]


class IpcIndustry(pa.DataFrameModel):
    ipc: Series[Str] = pa.Field(ipc_subclass=())
    industry_code: Series[Str] = pa.Field(**INDUSTRY)
    weight: Series[Float] = pa.Field(**WEIGHT)

    class Config:
        name = "ipc_industry"
        coerce = True
        unique = ["ipc", "industry_code"]

    @frame_rule("weights sum to 1 per (ipc)", ("weight",))
    def _weights(cls, df):
        return weights_sum_to_one(df, ["ipc"])


class ProvinceIndustryPolicy(pa.DataFrameModel):
    province_code: Series[Str] = pa.Field(digits=2)
    industry_code: Series[Str] = pa.Field(**INDUSTRY)
    plan: Series[Str] = pa.Field(isin=["9th", "10th", "11th", "12th"])
    attitude: Series[Int] = pa.Field(in_range={"min_value": 1, "max_value": 3})
    provincial_priority: Series[Bool] = pa.Field()
    national_priority: Series[Bool] = pa.Field()

    class Config:
        name = "province_industry_policy"
        coerce = True
        unique = ["province_code", "industry_code", "plan"]


class IoLinks(pa.DataFrameModel):
    industry_code: Series[Str] = pa.Field(**INDUSTRY)
    supplier_industry_code: Series[Str] = pa.Field(**INDUSTRY)
    input_coefficient: Series[Float] = pa.Field(ge=0)

    class Config:
        name = "io_links"
        coerce = True
        unique = ["industry_code", "supplier_industry_code"]


class HsIndustry(pa.DataFrameModel):
    hs6_1996: Series[Str] = pa.Field(digits=6)
    industry_code: Series[Str] = pa.Field(**INDUSTRY)
    upstreamness: Series[Float] = pa.Field(nullable=True)

    class Config:
        name = "hs_industry"
        coerce = True
        unique = ["hs6_1996"]


class ExchangeRates(pa.DataFrameModel):
    year: Series[Int] = pa.Field()
    cny_per_usd: Series[Float] = pa.Field(gt=0)

    class Config:
        name = "exchange_rates"
        coerce = True
        unique = ["year"]


class IntermediaryKeywords(pa.DataFrameModel):
    keyword: Series[Str] = pa.Field(not_empty=())

    class Config:
        name = "intermediary_keywords"
        coerce = True
        unique = ["keyword"]


class CustomsCountries(pa.DataFrameModel):
    code: Series[Str] = pa.Field(digits=3)
    name_zh: Series[Str] = pa.Field(not_empty=())
    # NULL for the unknown and residual "other country" codes (701, x99)
    iso3: Series[Str] = pa.Field(upper_letters=3, nullable=True)

    class Config:
        name = "customs_countries"
        coerce = True
        unique = ["code", "name_zh"]
