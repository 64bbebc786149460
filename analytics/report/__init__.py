"""The report: stylised facts (METHOD §7), regression tables 4-11 and the
truth section, rendered as Markdown, LaTeX, PNG and one self-contained HTML.

- ``analytics.report.tables``: ``fct_regression_results`` rows -> paper-style
  tables (Markdown / LaTeX booktabs / HTML), Fig 6 and the specification curve.
- ``analytics.report.stylised``: Figs 1-5 and Tables 1-3 from the warehouse
  (DuckDB SQL for every aggregation).
- ``analytics.report.render``: ``write_report(warehouse, out, raw_root)``.
"""

from analytics.report.render import write_report

__all__ = ["write_report"]
