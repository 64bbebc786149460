"""The study's answer: printed at the end of `gvc build`, and the report's first section.

The headline is Table 7 column (3): 2SLS of DVAR on technological
complementarity C, instrumented (METHOD §6), with its firm-clustered interval,
the city x industry-clustered one of column (3b), the first stage's
Kleibergen-Paap F (column (1)), OLS beside it (Table 4 column (3)) and N. On
a synthetic world the generator's beta follows, with whether each interval
covers it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.report.tables import ci_bounds

__all__ = ["Headline", "headline_facts", "headline_lines", "answer_lines"]

QUESTION = ("Does a city's inter-regional technological complementarity (C) raise the domestic value added "
            "in its firms' exports (DVAR)?")
WEAK_F = 10.0

_ROWS = """
select table_id, column_id, term, estimate, std_error, ci_low, ci_high, n_obs
from marts.fct_regression_results
where (table_id = 'table7' and column_id in ('1', '3', '3b')
       and term in ('complementarity', 'kp_rk_wald_f', 'anderson_rubin'))
   or (table_id = 'table4' and column_id = '3' and term = 'complementarity')
order by all
"""


def _num(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


@dataclass(frozen=True)
class Headline:
    """Table 7 (3) and what it is read against; NaN where a number is missing."""

    estimate: float
    std_error: float
    ci: tuple[float, float]  # firm clusters
    n_obs: int
    ci_cells: tuple[float, float] | None = None  # city x industry clusters, Table 7 (3b)
    std_error_cells: float = math.nan
    first_stage_f: float = math.nan
    ols: float = math.nan
    ols_std_error: float = math.nan
    beta_true: float | None = None  # the generator's beta (synthetic worlds only)
    # Anderson-Rubin 95% sets (weak-instrument robust) under firm and city x industry
    # clusters: (lo, hi), (nan, nan) when unbounded, None when not computed
    ar: tuple[float, float] | None = None
    ar_cells: tuple[float, float] | None = None

    @property
    def estimable(self) -> bool:
        return _num(self.estimate)

    @property
    def weak(self) -> bool:
        return _num(self.first_stage_f) and self.first_stage_f < WEAK_F

    @property
    def covered(self) -> list[str]:
        """The clusterings whose 95% interval holds the true beta."""
        if self.beta_true is None:
            return []
        cis = (("firm", self.ci), ("city x industry", self.ci_cells or (math.nan, math.nan)))
        return [name for name, (a, z) in cis if a <= self.beta_true <= z]


def headline_facts(results: pd.DataFrame, beta_true: float | None = None) -> Headline | None:
    """The headline from rows of ``marts.fct_regression_results`` (None without Table 7 (3))."""
    rows = {(r.table_id, str(r.column_id), r.term): r for r in results.itertuples(index=False)}
    iv = rows.get(("table7", "3", "complementarity"))
    if iv is None:
        return None

    def val(key, field="estimate") -> float:
        r = rows.get(key)
        v = getattr(r, field, None) if r is not None else None
        return float(v) if _num(v) else math.nan

    cells = rows.get(("table7", "3b", "complementarity"))
    return Headline(
        estimate=val(("table7", "3", "complementarity")),
        std_error=val(("table7", "3", "complementarity"), "std_error"),
        ci=ci_bounds(iv._asdict()), n_obs=int(iv.n_obs) if _num(iv.n_obs) else 0,
        ci_cells=ci_bounds(cells._asdict()) if cells is not None and _num(cells.std_error) else None,
        std_error_cells=val(("table7", "3b", "complementarity"), "std_error"),
        first_stage_f=val(("table7", "1", "kp_rk_wald_f")),
        ols=val(("table4", "3", "complementarity")),
        ols_std_error=val(("table4", "3", "complementarity"), "std_error"),
        beta_true=beta_true,
        ar=_ar(rows.get(("table7", "3", "anderson_rubin"))), ar_cells=_ar(rows.get(("table7", "3b", "anderson_rubin"))))


def _ar(row) -> tuple[float, float] | None:
    if row is None or not _num(row.estimate):
        return None
    return (float(row.ci_low) if _num(row.ci_low) else math.nan, float(row.ci_high) if _num(row.ci_high) else math.nan)


def _ar_text(ar: tuple[float, float]) -> str:
    return f"[{ar[0]:.3f}, {ar[1]:.3f}]" if _num(ar[0]) and _num(ar[1]) else "unbounded"


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, table]).fetchone()[0])


def headline_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The headline as lines of text (empty when Table 7 (3) is not in the warehouse)."""
    if not _has(con, "marts", "fct_regression_results"):
        return []
    beta = None
    if _has(con, "analytics", "synthetic_truth"):
        row = con.execute("select value from analytics.synthetic_truth where parameter = 'params.beta'").fetchone()
        beta = float(row[0]) if row is not None and row[0] is not None else None
    h = headline_facts(con.execute(_ROWS).df(), beta)
    if h is None:
        return []
    if not h.estimable:
        return ["headline: Table 7 (3), 2SLS of DVAR on C, is not estimable on this warehouse "
                "(the report's Table 7 notes say why)"]
    lo, hi = h.ci
    lines = [f"headline: Table 7 (3), 2SLS of DVAR on C = {h.estimate:.3f}, N {h.n_obs:,}",
             f"  firm clusters:           SE {h.std_error:.3f}, 95% CI [{lo:.3f}, {hi:.3f}]"]
    if h.ci_cells is not None:
        lines.append(f"  city x industry clusters: SE {h.std_error_cells:.3f}, "
                     f"95% CI [{h.ci_cells[0]:.3f}, {h.ci_cells[1]:.3f}]")
    if _num(h.first_stage_f):
        lines.append(f"  first stage: Kleibergen-Paap rk Wald F {h.first_stage_f:.1f}"
                     + (" (weak: below 10)" if h.weak else ""))
    if h.ar is not None:
        lines.append(f"  Anderson-Rubin 95% set (weak-instrument robust): {_ar_text(h.ar)} with firm clusters"
                     + (f", {_ar_text(h.ar_cells)} with city x industry clusters" if h.ar_cells is not None else ""))
    if _num(h.ols):
        lines.append(f"  OLS (Table 4 (3)): {h.ols:.3f} (SE {h.ols_std_error:.3f})")
    if h.beta_true is not None:
        verdict = (f"inside the {' and the '.join(h.covered)}-clustered interval" if h.covered
                   else "outside both intervals: the estimate misses the truth")
        lines.append(f"  synthetic world: true beta {h.beta_true:g}, {verdict}")
    return lines


def answer_lines(h: Headline | None) -> list[str]:
    """The report's first section, as Markdown paragraphs: the question, the
    answer with both intervals, the first stage and OLS, and plain warnings."""
    lines = [f"**The question.** {QUESTION}", ""]
    if h is None:
        return lines + ["**Not answered yet:** Table 7 is not in this warehouse (`gvc build` estimates it).", ""]
    if not h.estimable:
        return lines + ["**Not estimable on this warehouse:** Table 7 (3), the 2SLS of DVAR on C, has no estimate; "
                        "its notes below say why.", ""]
    lo, hi = h.ci
    verdict = ("Yes: C raises DVAR" if lo > 0 else "No: C lowers DVAR" if hi < 0
               else "Not at the 5% level: the effect of C on DVAR cannot be told apart from zero")
    lines += [f"**The answer (Table 7 (3), 2SLS).** {verdict}. A one-unit higher C changes DVAR by "
              f"**{h.estimate:.3f}**, 95% interval [{lo:.3f}, {hi:.3f}] with firm-clustered standard errors "
              f"(SE {h.std_error:.3f}, as the paper)"
              + (f", [{h.ci_cells[0]:.3f}, {h.ci_cells[1]:.3f}] clustered by city x industry, the level at which "
                 f"C varies (SE {h.std_error_cells:.3f})" if h.ci_cells is not None else "")
              + f"; N {h.n_obs:,} firm-years.", ""]
    facts = []
    if _num(h.first_stage_f):
        facts.append(f"first-stage Kleibergen-Paap rk Wald F {h.first_stage_f:.1f}")
    if h.ar is not None:
        facts.append(f"Anderson-Rubin 95% set, robust to a weak instrument, {_ar_text(h.ar)} (firm clusters)"
                     + (f" and {_ar_text(h.ar_cells)} (city x industry)" if h.ar_cells is not None else ""))
    if _num(h.ols):
        facts.append(f"OLS (Table 4 (3)) {h.ols:.3f} (SE {h.ols_std_error:.3f})")
    if facts:
        lines += ["Beside it: " + "; ".join(facts) + ".", ""]
    warnings = []
    if h.weak:
        warnings.append(f"the first stage is weak (F {h.first_stage_f:.1f}, below {WEAK_F:g}): the 2SLS estimate "
                        "and its interval are not reliable")
    if _num(h.std_error_cells) and _num(h.std_error) and h.std_error > 0 and h.std_error_cells / h.std_error > 1.5:
        warnings.append(f"the city x industry-clustered SE is {h.std_error_cells / h.std_error:.1f} times the "
                        "firm-clustered one: firm clusters understate the sampling spread of an effect that varies "
                        "by city x industry")
    if h.beta_true is not None:
        if h.covered:
            lines += [f"**Synthetic world:** the generator's beta is {h.beta_true:g}; it lies inside the "
                      f"{' and the '.join(h.covered)}-clustered interval: recovered.", ""]
        else:
            warnings.append(f"the estimate misses the generator's beta {h.beta_true:g}: neither interval holds it")
    lines += [f"**Warning:** {w}." for w in warnings] + ([""] if warnings else [])
    return lines
