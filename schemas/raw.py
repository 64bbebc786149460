"""Pandera models of the three raw tables of docs/contract.md.

Each model encodes every rule of the contract's table: column types
(coerced to the canonical dtypes: ints -> ``Int64``, floats -> ``float64``,
strings -> ``str``; codes stay strings with their leading zeros), nullability,
ranges (customs year 2000-2014, survey year 1998-2014, patent
application_year 1985-2014 -- the last year is the settings' year_end,
applied by ``schemas.validate``: see ``YEAR_RANGES`` --, month 1-12, money
and quantities >= 0), code
lengths and digit patterns, allowed values, not-empty names, the unique key
of the table's grain (``Config.unique``; customs lines without a firm id
are outside it, ``KEY_WITHOUT_NULLS``).  The survey's founding year has no
range here: delivered surveys hold founding years after the survey year or
long before 1949 (typing slips), and METHOD §0's sample filter drops and
counts those firm-years instead of refusing the whole year.  The survey has no
unique key: a delivery may repeat a (year, firm_id), and METHOD §0 keeps one
row of each.  The survey's columns for the real-data preparation
(current_assets, inventory, finished_goods, cost_of_sales, welfare_payable,
registration_type) are optional: checked when present, and read by METHOD §0
(the sample filters and the accounting identity for intermediate inputs).

Plausibility bounds (refused).  Every magnitude has an upper bound past the
field's known maxima, a documented constant below; a value above it is a unit
slip or a corrupt cell, and the file is refused naming the rule
"at most <bound> <unit> (<CONSTANT>)":

- ``VALUE_USD_MAX`` (customs ``value_usd``, USD per line);
- ``QUANTITY_MAX`` (customs ``quantity``, in the line's unit);
- ``SURVEY_MONEY_MAX`` (survey output, sales, export_delivery,
  intermediate_inputs, fixed/total/current assets, capital components,
  inventory, finished_goods, cost_of_sales; thousand RMB);
- ``SURVEY_PAYMENTS_MAX`` (survey wage_bill, welfare_payable, rd_expenditure,
  subsidy; thousand RMB);
- ``EMPLOYMENT_MAX`` (survey employment, persons).

Codes against the reference tables (``CODE_RULES``, applied by
``schemas.validate`` with the raw root's reference rows).  Each code is
either REFUSED (the file is rejected naming file, column, rule and rows) or
COUNTED in ``marts.fct_data_quality`` (kept; never silently NULL):

- customs ``trade_regime`` not in ``reference/trade_regimes``: REFUSED, rule
  "in reference/trade_regimes".  METHOD §1 classifies a trade mode only
  through that table; a code it lacks cannot be classified (add the code
  with its regime_class, ``other`` when it is none of the three).
- customs ``partner_country`` not in the contract's country list: REFUSED,
  rule "ISO 3166-1 alpha-3 country (schemas/countries.py, reference/customs_countries)".
  The contract's partner is ISO alpha-3 through ``reference/customs_countries``
  and NULL is its unknown partner, so any other text (``ZZZ``) is an
  unmapped code.
- survey ``industry_code`` whose 2-digit division is neither in
  ``reference/industries`` nor a mining or utilities division of
  GB/T 4754-2002 (``NON_MANUFACTURING_DIVISIONS``): REFUSED, rule
  "2-digit division in reference/industries (GB/T 4754-2002)".  The
  contract fixes the 2002 vintage in every year; an unknown division is an
  unconverted 1994/2011 code (2011's 38xx) or a typo.  Known limit: a 2011
  code whose division number exists in 2002 with another meaning (43xx)
  cannot be told from its pattern.  Mining and utilities rows (06-11, 44-46)
  are real survey rows outside the manufacturing list: COUNTED
  (``survey_industry_not_in_reference``).
- survey ``city_code`` whose province (first 2 digits) has no prefecture in
  ``reference/cities``: REFUSED, rule "province (first 2 digits) in
  reference/cities" (``999999`` is no administrative code).  A code of a
  known province whose prefecture (first 4 digits + ``00``) is missing from
  the list (province-administered county-level cities 4290xx, 4690xx,
  Chongqing's counties 5002xx): COUNTED (``survey_city_not_in_reference``),
  as METHOD §4 counts the same case for patents.
- patents ``applicant_city_code`` outside ``reference/cities``: COUNTED
  (``patents_city_not_in_reference``, METHOD §4), not refused.
- customs HS codes without a concordance link or absent from
  ``reference/hs_bec``, survey ``intermediate_inputs`` NULL, sales of 0 for
  a matched exporter: COUNTED (``hs_codes_without_concordance_link``,
  ``hs_codes_not_in_hs_bec``, ``survey_intermediate_inputs_null``,
  ``exporters_intermediate_inputs_null``, ``exporters_sales_not_positive``).

Columns beyond the contract's are allowed, not validated, and reported as
notes by ``schemas.validate.validate_raw_root``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import Float, Int, Str, plausible_max
from schemas.countries import ISO3

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

# Key columns whose NULL takes a row out of its table's unique key: a customs line
# without a firm id belongs to no firm (METHOD §0 drops it and counts it), so two
# such lines of one month, flow, regime, product and partner are not a repeat.
KEY_WITHOUT_NULLS: dict[str, str] = {"customs_transactions": "customs_firm_id"}
# columns shown with a refused row of a table without a unique key, so the row can be found
ROW_LABELS: dict[str, list[str]] = {"firm_survey": ["year", "firm_id"]}

# ---------------------------------------------------------------- plausibility bounds

#: USD per customs line (firm x month x flow x regime x HS8 x partner). China's largest
#: exporter ships about USD 60 billion a year over all its lines; 1e11 is above any line.
VALUE_USD_MAX = 1e11
#: Quantity per customs line, in its unit (kg, pieces, ...). China imports about 1e12 kg
#: of iron ore and 3e11 integrated circuits a year in total; 1e13 is above any one line.
QUANTITY_MAX = 1e13
#: Survey money stocks and flows, thousand RMB. The largest industrial group's revenue
#: (Sinopec, 2014) is 2.8e9 thousand RMB and the largest industrial assets (State Grid)
#: about 3e9; 1e10 (10 trillion RMB) is above any legal-person unit.
SURVEY_MONEY_MAX = 1e10
#: Survey wage bill, welfare payable, R&D expenditure and subsidy, thousand RMB:
#: 1e9 (1 trillion RMB) is about China's whole business R&D of 2014 and above any
#: unit's wages.
SURVEY_PAYMENTS_MAX = 1e9
#: Survey employment, persons: the largest PRC industrial employer (Foxconn, all
#: mainland units, 2012) had about 1.3 million.
EMPLOYMENT_MAX = 2_000_000

#: GB/T 4754-2002 divisions outside manufacturing that the industrial survey covers:
#: mining 06-11 and utilities 44-46 (the real-data preparation filters them; counted, not refused).
NON_MANUFACTURING_DIVISIONS = frozenset({"06", "07", "08", "09", "10", "11", "44", "45", "46"})

SURVEY_MONEY = (
    "output", "sales", "export_delivery", "intermediate_inputs", "fixed_assets", "total_assets",
    "paid_in_capital", "state_capital", "foreign_capital", "hmt_capital",
    "current_assets", "inventory", "finished_goods", "cost_of_sales",
)
SURVEY_PAYMENTS = ("wage_bill", "welfare_payable", "rd_expenditure", "subsidy")


class CustomsTransactions(pa.DataFrameModel):
    year: Series[Int] = pa.Field(in_range={"min_value": 2000, "max_value": CONTRACT_YEAR_END})
    month: Series[Int] = pa.Field(in_range={"min_value": 1, "max_value": 12}, nullable=True)
    # NULL = no firm id on the line: allowed, and outside the table's key (KEY_WITHOUT_NULLS);
    # METHOD §0 drops such lines and counts them
    customs_firm_id: Series[Str] = pa.Field(str_length={"min_value": 10, "max_value": 10}, nullable=True)
    firm_name: Series[Str] = pa.Field(not_empty=())
    phone: Series[Str] = pa.Field(phone_chars=(), nullable=True)
    zip_code: Series[Str] = pa.Field(digits=6, nullable=True)
    flow: Series[Str] = pa.Field(isin=["export", "import"])
    trade_regime: Series[Str] = pa.Field(digits=2)
    hs_code: Series[Str] = pa.Field(digits=8)
    # NULL = unknown partner (customs code 701 and the residual codes)
    partner_country: Series[Str] = pa.Field(upper_letters=3, nullable=True)
    value_usd: Series[Float] = pa.Field(**NON_NEGATIVE)
    quantity: Series[Float] = pa.Field(**NON_NEGATIVE, nullable=True)
    unit: Series[Str] = pa.Field(nullable=True)

    _value_bound = plausible_max("value_usd", bound=VALUE_USD_MAX, constant="VALUE_USD_MAX",
                                 unit="USD per line")
    _quantity_bound = plausible_max("quantity", bound=QUANTITY_MAX, constant="QUANTITY_MAX",
                                    unit="units per line")

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
    # optional, for the real-data preparation (the accounting identity for M, the filters)
    current_assets: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    inventory: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    finished_goods: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    cost_of_sales: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    welfare_payable: Optional[Series[Float]] = pa.Field(**NON_NEGATIVE, nullable=True)
    registration_type: Optional[Series[Str]] = pa.Field(digits=3, nullable=True)

    _money_bound = plausible_max(*SURVEY_MONEY, bound=SURVEY_MONEY_MAX, constant="SURVEY_MONEY_MAX",
                                 unit="thousand RMB")
    _payments_bound = plausible_max(*SURVEY_PAYMENTS, bound=SURVEY_PAYMENTS_MAX, constant="SURVEY_PAYMENTS_MAX",
                                    unit="thousand RMB")
    _employment_bound = plausible_max("employment", bound=EMPLOYMENT_MAX, constant="EMPLOYMENT_MAX",
                                      unit="persons")

    class Config:
        name = "firm_survey"
        coerce = True
        # no unique key: a delivery may repeat a (year, firm_id); METHOD §0 keeps the
        # row with the largest sales and counts the others (the grain of the
        # prepared survey, int_survey_prepared, is (year, firm_id))
        unique = None



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


# ---------------------------------------------------------------- codes vs reference tables


@dataclass(frozen=True)
class CodeRule:
    """A raw code refused unless it is among a reference table's codes.

    The code's first ``prefix`` characters (the whole code when None) must be a
    value of ``reference``'s ``reference_column`` or of ``also``.  The rule is
    applied only when the raw root holds the reference table, or when ``also``
    alone is the list (``reference_optional``)."""

    table: str
    column: str
    reference: str
    reference_column: str
    rule: str
    detail: str
    prefix: int | None = None
    also: frozenset[str] = frozenset()
    reference_optional: bool = False


CODE_RULES: tuple[CodeRule, ...] = (
    CodeRule(
        "customs_transactions", "trade_regime", "trade_regimes", "trade_regime",
        "in reference/trade_regimes",
        "METHOD §1 classifies a trade mode only through reference/trade_regimes: add the code there with its "
        "regime_class (`other` when it is neither ordinary, processing nor capital equipment)",
    ),
    CodeRule(
        "customs_transactions", "partner_country", "customs_countries", "iso3",
        "ISO 3166-1 alpha-3 country (schemas/countries.py, reference/customs_countries)",
        "the contract's partner is an ISO alpha-3 code (reference/customs_countries maps the customs codes to it); "
        "an unknown partner is NULL, not a made-up code",
        also=ISO3, reference_optional=True,
    ),
    CodeRule(
        "firm_survey", "industry_code", "industries", "industry_code",
        "2-digit division in reference/industries (GB/T 4754-2002)",
        "industry codes are GB/T 4754-2002 in every year: convert 1994 and 2011 codes through "
        "reference/industry_concordance first (mining 06-11 and utilities 44-46 pass and are counted "
        "in marts.fct_data_quality as survey_industry_not_in_reference)",
        prefix=2, also=NON_MANUFACTURING_DIVISIONS,
    ),
    CodeRule(
        "firm_survey", "city_code", "cities", "province_code",
        "province (first 2 digits) in reference/cities",
        "not the administrative code of a province reference/cities covers; a code of a known province whose "
        "prefecture is missing from the list passes and is counted in marts.fct_data_quality "
        "(survey_city_not_in_reference)",
        prefix=2,
    ),
)
