"""Pandera schemas of the estimation inputs and outputs.

- :func:`panel_schema`: the columns of ``marts.fct_firm_panel`` an estimation
  asset needs (types coerced, ranges, allowed values); columns beyond those
  asked for are allowed and not checked.
- :data:`REGRESSION_RESULTS`: ``marts.fct_regression_results`` (CONTRACT
  columns plus the interface's extras), unique on (table_id, column_id, term);
  ``reason`` says why a row that could not be estimated has a NULL estimate.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandera.pandas as pa

from analytics.settings import SUPPORTED_YEARS

__all__ = ["PANEL_COLUMNS", "panel_schema", "REGRESSION_RESULTS", "TABLE_IDS", "MODELS"]

TABLE_IDS = ["table4", "table5", "table6", "table7", "table8", "table9", "table10", "table11", "fig6",
             "econ_significance", "spec_curve"]
MODELS = ["ols", "iv", "first_stage", "reduced_form", "uci", "ltz", "kls"]


def _float(**checks) -> pa.Column:
    cs = [pa.Check.in_range(**checks)] if checks else []
    return pa.Column(float, checks=cs, nullable=True, coerce=True)


def _code(digits: int | None = None, nullable: bool = False) -> pa.Column:
    cs = [pa.Check.str_matches(rf"^\d{{{digits}}}$")] if digits else []
    return pa.Column(str, checks=cs, nullable=nullable, coerce=True)


_FLOAT = [
    "complementarity", "placebo_complementarity", "instrument", "policy_score", "market_access",
    "foreign_share", "state_share", "firm_size", "firm_age", "fixed_assets", "capital_intensity",
    "general_trade_share", "firm_patents", "regional_patents", "agglomeration", "gdp_per_capita",
    "basic_research", "domestic_input_share", "other_regions_domestic_sales", "tfp",
    "innovation_efficiency", "markup", "quality", "n_products", "n_destinations", "upstreamness", "hhi",
    "subsidy", "labour_productivity", "import_share", "exports_usd", "sales", "complementarity_raw",
]

PANEL_COLUMNS: dict[str, pa.Column] = {
    "panel_firm_id": pa.Column(str, nullable=False, coerce=True),
    "firm_id": pa.Column(str, nullable=True, coerce=True),
    "year": pa.Column(int, checks=[pa.Check.in_range(*SUPPORTED_YEARS)], coerce=True),  # any configurable year
    "city_code": _code(6),
    "province_code": _code(2),
    "industry_code": _code(2),
    "industry_code_3": _code(3, nullable=True),
    "dvar": _float(min_value=0.0, max_value=1.0),
    **{c: _float() for c in _FLOAT},
    **{f"dvar_lead{k}": _float(min_value=0.0, max_value=1.0) for k in range(1, 6)},
    "yrd_prd": pa.Column(float, checks=[pa.Check.isin([0.0, 1.0])], nullable=True, coerce=True),
    "mover": pa.Column("boolean", nullable=True, coerce=True),
    "top_sales_decile": pa.Column("boolean", nullable=True, coerce=True),
    "innovation_center": pa.Column("boolean", nullable=True, coerce=True),
    "sales_decile": pa.Column(float, checks=[pa.Check.in_range(1, 10)], nullable=True, coerce=True),
    "hc_group": pa.Column(str, checks=[pa.Check.isin(["low", "high"])], nullable=True, coerce=True),
    "ma_group": pa.Column(str, checks=[pa.Check.isin(["low", "high"])], nullable=True, coerce=True),
}


def panel_schema(columns: Iterable[str]) -> pa.DataFrameSchema:
    """Schema of the given panel columns (each required), unique on (panel_firm_id, year)
    when both are asked for."""
    cols = list(dict.fromkeys(columns))
    unknown = [c for c in cols if c not in PANEL_COLUMNS]
    if unknown:
        raise KeyError(f"no panel schema for {unknown}")
    unique = ["panel_firm_id", "year"] if {"panel_firm_id", "year"} <= set(cols) else None
    return pa.DataFrameSchema({c: PANEL_COLUMNS[c] for c in cols}, strict=False, unique=unique,
                              name="fct_firm_panel")


REGRESSION_RESULTS = pa.DataFrameSchema(
    {
        "table_id": pa.Column(str, checks=[pa.Check.isin(TABLE_IDS)], coerce=True),
        "column_id": pa.Column(str, checks=[pa.Check.str_length(min_value=1)], coerce=True),
        "term": pa.Column(str, checks=[pa.Check.str_length(min_value=1)], coerce=True),
        "estimate": pa.Column(float, nullable=True, coerce=True),
        "std_error": pa.Column(float, checks=[pa.Check.ge(0)], nullable=True, coerce=True),
        "p_value": pa.Column(float, checks=[pa.Check.in_range(0, 1)], nullable=True, coerce=True),
        "n_obs": pa.Column("Int64", checks=[pa.Check.ge(0)], nullable=True, coerce=True),
        "r2": pa.Column(float, nullable=True, coerce=True),
        "fixed_effects": pa.Column(str, coerce=True),
        "cluster": pa.Column(str, coerce=True),
        "run_id": pa.Column(str, nullable=True, coerce=True),
        "model": pa.Column(str, checks=[pa.Check.isin(MODELS)], coerce=True),
        "dep_var": pa.Column(str, coerce=True),
        "ci_low": pa.Column(float, nullable=True, coerce=True),
        "ci_high": pa.Column(float, nullable=True, coerce=True),
        "controls": pa.Column(str, coerce=True),
        "sample": pa.Column(str, coerce=True),
        "asset": pa.Column(str, nullable=True, coerce=True),
        # why a row has no estimate ("not estimable: ..."); NULL on estimated rows
        "reason": pa.Column(str, nullable=True, coerce=True),
    },
    strict=True,
    ordered=True,
    unique=["table_id", "column_id", "term"],
    checks=[pa.Check(lambda d: (d["ci_low"].isna() | d["ci_high"].isna() | (d["ci_low"] <= d["ci_high"])),
                     name="ci_ordered")],
    name="fct_regression_results",
)
