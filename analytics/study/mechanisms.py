"""Table 9 (mechanisms), Table 10 (heterogeneity, 2SLS by group) and Table 11
(market outcomes), METHOD §6. Rows of ``marts.fct_regression_results``.
"""

from __future__ import annotations

import pandas as pd

from analytics.study.iv import iv_spec
from analytics.study.spec import FULL_CONTROLS, Spec, run_spec, to_frame

__all__ = ["table9", "table10", "table11", "city_industry_cells", "TABLE10_GROUPS", "TABLE11_OUTCOMES"]

# (column_id, panel column, value, sample label), in the paper's column order.
TABLE10_GROUPS: tuple[tuple[str, str, object, str], ...] = (
    ("1", "hc_group", "low", "hc_group=low"),
    ("2", "hc_group", "high", "hc_group=high"),
    ("3", "innovation_center", True, "innovation_center"),
    ("4", "innovation_center", False, "innovation_periphery"),
    ("5", "ma_group", "low", "ma_group=low"),
    ("6", "ma_group", "high", "ma_group=high"),
)
TABLE11_OUTCOMES: tuple[str, ...] = ("quality", "n_products", "n_destinations", "markup")


def city_industry_cells(panel: pd.DataFrame, y: str) -> pd.DataFrame:
    """Distinct (city, industry, year) cells with ``y`` and C present (both are
    city-industry-year variables; the first row of a cell is kept)."""
    keys = ["city_code", "industry_code", "year"]
    cells = panel[keys + [y, "complementarity"]].dropna(subset=[y, "complementarity"])
    return cells.drop_duplicates(keys).reset_index(drop=True)


def table9(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 9, OLS of the mechanism on C.

    (1) domestic intermediate share, full controls, firm + year FE, CRV1 firm;
    (2) other regions' domestic sales at the city-industry-year level (distinct
    cells), no controls, city + industry + year FE, CRV1 by city-industry (no
    firm dimension; our choice); (3) TFP; (4) innovation efficiency (the panel
    has it only where R&D > 0), as (1).
    """
    firm = Spec("table9", "1", "ols", "domestic_input_share", regressors=("complementarity",),
                controls=tuple(FULL_CONTROLS))
    rows = run_spec(panel, firm, run_id=run_id, asset=asset)
    cells = city_industry_cells(panel, "other_regions_domestic_sales")
    rows += run_spec(cells, Spec("table9", "2", "ols", "other_regions_domestic_sales",
                                 regressors=("complementarity",), fe=("city", "industry", "year"),
                                 cluster="city_industry", sample="city_industry_year_cells"),
                     run_id=run_id, asset=asset)
    rows += run_spec(panel, firm.with_(column_id="3", dep_var="tfp"), run_id=run_id, asset=asset)
    rows += run_spec(panel, firm.with_(column_id="4", dep_var="innovation_efficiency", sample="rd_positive"),
                     run_id=run_id, asset=asset)
    return to_frame(rows)


def _group_mask(s: pd.Series, value: object) -> pd.Series:
    if isinstance(value, bool):
        return s.astype("boolean").eq(value).fillna(False).astype(bool)
    return s.astype(object).eq(value).fillna(False).astype(bool)


def table10(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 10: the Table 7 column (3) 2SLS within each group of
    :data:`TABLE10_GROUPS` (human capital low/high, innovation centre/periphery,
    market access low/high); singletons dropped within the group. A group
    with too few rows (none, only singletons, no more rows than parameters)
    is not estimable on its own: its rows carry the ``reason``."""
    rows = []
    for col, var, value, label in TABLE10_GROUPS:
        sub = panel[_group_mask(panel[var], value)]
        rows += run_spec(sub, iv_spec("table10", col, sample=label), run_id=run_id, asset=asset)
    return to_frame(rows)


def table11(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 11: export quality, number of HS6 products, number of destinations
    and markup on C (columns 1-4), full controls, firm + year FE, CRV1 firm."""
    rows = []
    for j, y in enumerate(TABLE11_OUTCOMES, start=1):
        rows += run_spec(panel, Spec("table11", str(j), "ols", y, regressors=("complementarity",),
                                     controls=tuple(FULL_CONTROLS)), run_id=run_id, asset=asset)
    return to_frame(rows)
