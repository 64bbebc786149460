"""A built gvc warehouse from Python, and its marts taken along to Stata, CSV or Parquet.

    import gvc

    with gvc.open("data/warehouse.duckdb") as w:
        panel = w.panel()              # marts.fct_firm_panel, the analysis panel
        t4 = w.results("table4")       # Table 4's rows of marts.fct_regression_results
        labels = w.columns("panel")    # column -> description (the dbt docs)

``gvc export`` (the console script) writes a mart to a file: :func:`gvc.export.export`.
"""

from gvc.warehouse import Warehouse, WarehouseError, open

__all__ = ["Warehouse", "WarehouseError", "open"]
