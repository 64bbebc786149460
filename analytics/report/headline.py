"""The study's answer in a few lines, printed at the end of `gvc build`.

The headline is Table 7 column (3): 2SLS of DVAR on technological
complementarity C, instrumented (METHOD §6), with its firm-clustered interval,
the city x industry-clustered one of column (3b), the first stage's
Kleibergen-Paap F (column (1)), OLS beside it (Table 4 column (3)) and N. On
a synthetic world the generator's beta follows, with whether each interval
covers it.
"""

from __future__ import annotations

import math

import duckdb

from analytics.report.tables import ci_bounds

__all__ = ["headline_lines"]

_ROWS = """
select table_id, column_id, term, estimate, std_error, ci_low, ci_high, n_obs
from marts.fct_regression_results
where (table_id = 'table7' and column_id in ('1', '3', '3b') and term in ('complementarity', 'kp_rk_wald_f'))
   or (table_id = 'table4' and column_id = '3' and term = 'complementarity')
order by all
"""


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchone()[0])


def _num(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def headline_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The headline as lines of text (empty when Table 7 (3) is not in the warehouse)."""
    if not _has(con, "marts", "fct_regression_results"):
        return []
    rows = {(t, c, term): dict(estimate=e, std_error=s, ci_low=lo, ci_high=hi, n_obs=n)
            for t, c, term, e, s, lo, hi, n in con.execute(_ROWS).fetchall()}
    iv = rows.get(("table7", "3", "complementarity"))
    if iv is None:
        return []
    if not _num(iv["estimate"]):
        return ["headline: Table 7 (3), 2SLS of DVAR on C, is not estimable on this warehouse "
                "(the report's Table 7 notes say why)"]
    lo, hi = ci_bounds(iv)
    lines = [f"headline: Table 7 (3), 2SLS of DVAR on C = {iv['estimate']:.3f}, N {int(iv['n_obs']):,}",
             f"  firm clusters:           SE {iv['std_error']:.3f}, 95% CI [{lo:.3f}, {hi:.3f}]"]
    cells = rows.get(("table7", "3b", "complementarity"))
    if cells and _num(cells["std_error"]):
        clo, chi = ci_bounds(cells)
        lines.append(f"  city x industry clusters: SE {cells['std_error']:.3f}, 95% CI [{clo:.3f}, {chi:.3f}]")
    f = rows.get(("table7", "1", "kp_rk_wald_f"))
    if f and _num(f["estimate"]):
        weak = " (weak: below 10)" if f["estimate"] < 10 else ""
        lines.append(f"  first stage: Kleibergen-Paap rk Wald F {f['estimate']:.1f}{weak}")
    ols = rows.get(("table4", "3", "complementarity"))
    if ols and _num(ols["estimate"]):
        lines.append(f"  OLS (Table 4 (3)): {ols['estimate']:.3f} (SE {ols['std_error']:.3f})")
    if _has(con, "analytics", "synthetic_truth"):
        beta = con.execute("select value from analytics.synthetic_truth where parameter = 'params.beta'").fetchone()
        if beta is not None:
            b = float(beta[0])
            covered = [name for name, (a, z) in (("firm", (lo, hi)),
                                                 ("city x industry", ci_bounds(cells) if cells else (math.nan,) * 2))
                       if a <= b <= z]
            verdict = (f"inside the {' and the '.join(covered)}-clustered interval" if covered
                       else "outside both intervals: the estimate misses the truth")
            lines.append(f"  synthetic world: true beta {b:g}, {verdict}")
    return lines
