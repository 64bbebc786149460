"""The paper's Tables 4-11 and Fig. 6 as rows of ``marts.fct_regression_results``
(METHOD §6). Pure functions on the analysis panel; no dagster import."""

from analytics.study.baseline import fig6, table4, table5
from analytics.study.iv import PAPER_PRIORS, PAPER_RHOS, econ_significance, table6, table7, table8
from analytics.study.mechanisms import table9, table10, table11
from analytics.study.spec import (
    CONTROLS,
    FULL_CONTROLS,
    PLACEBO_OUTCOMES,
    REGIONAL_CONTROLS,
    RESULT_COLUMNS,
    NotEstimable,
    Spec,
    fit_spec,
    run_spec,
)
from analytics.study.spec_curve import spec_curve

TABLES = {
    "table4": table4,
    "table5": table5,
    "fig6": fig6,
    "table6": table6,
    "table7": table7,
    "table8": table8,
    "table9": table9,
    "table10": table10,
    "table11": table11,
}

_BASE = ["panel_firm_id", "year", "city_code", "province_code", "industry_code", "dvar", "complementarity",
         *FULL_CONTROLS]
# Panel columns (marts.fct_firm_panel) each table reads.
TABLE_COLUMNS: dict[str, list[str]] = {
    "table4": _BASE,
    "table5": [*_BASE, *REGIONAL_CONTROLS, "mover", "top_sales_decile", "upstreamness", "placebo_complementarity"],
    "fig6": [*_BASE, *[f"dvar_lead{k}" for k in range(1, 6)]],
    "table6": [*_BASE, "instrument", *PLACEBO_OUTCOMES],
    "table7": [*_BASE, "instrument", "placebo_complementarity", *PLACEBO_OUTCOMES],
    "table8": [*_BASE, "instrument"],
    "table9": [*_BASE, "domestic_input_share", "other_regions_domestic_sales", "tfp", "innovation_efficiency"],
    "table10": [*_BASE, "instrument", "hc_group", "innovation_center", "ma_group"],
    "table11": [*_BASE, "quality", "n_products", "n_destinations", "markup"],
    "econ_significance": ["panel_firm_id", "year", "dvar", "complementarity"],
}
# (column_id, term) of each table's headline coefficient.
HEADLINE: dict[str, tuple[str, str]] = {
    "table4": ("3", "complementarity"),
    "table5": ("1", "complementarity"),
    "fig6": ("1", "complementarity"),
    "table6": ("1", "instrument"),
    "table7": ("3", "complementarity"),
    "table8": ("1", "complementarity"),
    "table9": ("1", "complementarity"),
    "table10": ("1", "complementarity"),
    "table11": ("1", "complementarity"),
    "econ_significance": ("1", "econ_significance_share"),
    "spec_curve": ("", "complementarity"),
}

__all__ = [
    "HEADLINE",
    "NotEstimable",
    "TABLE_COLUMNS",
    "CONTROLS",
    "FULL_CONTROLS",
    "PAPER_PRIORS",
    "PAPER_RHOS",
    "RESULT_COLUMNS",
    "Spec",
    "TABLES",
    "econ_significance",
    "fig6",
    "fit_spec",
    "run_spec",
    "spec_curve",
    "table4",
    "table5",
    "table6",
    "table7",
    "table8",
    "table9",
    "table10",
    "table11",
]
