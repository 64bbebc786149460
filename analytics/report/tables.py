"""Regression tables from ``marts.fct_regression_results`` rows, laid out like the paper.

One :class:`RenderedTable` per ``table_id`` (``build_table``), written three
ways: Markdown (``to_markdown``), LaTeX booktabs (``to_latex``) and HTML
(``to_html``).  Layout, as in the paper's Tables 4-11:

- a header row ``Variable | (1) | (2) ...`` and a row of column labels (the
  paper's wording by column position; the row's ``dep_var`` when a table has
  more columns than the paper);
- one row per reported term with the estimate and significance stars
  (``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.10), the standard error in
  parentheses on the row below (a ``[low, high]`` interval instead when a row
  has a confidence interval but no standard error, e.g. Conley's UCI);
- indicator rows (control variables, fixed effects: ``Yes``/``No``), the
  cluster row, then Observations, R², singletons dropped and, for Table 7,
  the Kleibergen-Paap rk Wald F;
- a row that could not be estimated (NULL estimate and a ``reason``) prints
  ``not estimable: <short reason>`` in its cell (:func:`short_reason`), its
  column's statistics ``n/a``, and the full reason in the table's notes.

Controls other than the ones a paper table reports are summarised by the
"Control variables" row and not printed.  Numbers are rounded to ``digits``
decimals (the paper prints 2; the report uses 3 so small synthetic effects
stay readable).  Also here: Fig 6 (coefficients over leads 1-5) and the
specification curve, as PNG files (matplotlib, Agg backend).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.study.spec import PLACEBO_OUTCOMES

__all__ = [
    "RenderedTable", "TABLE_SPECS", "build_table", "stars", "format_estimate", "format_se",
    "to_markdown", "to_latex", "to_html", "plot_fig6", "plot_spec_curve", "parse_spec", "ci_bounds",
    "short_reason", "not_estimable_reason",
]

DIAGNOSTIC_TERMS = ("kp_rk_wald_f", "singletons_dropped", "econ_significance_share", "n_clusters", "dep_var_mean",
                    "anderson_rubin", "prior_mu", "prior_omega")
CONTROL_TERMS = (
    "foreign_share", "state_share", "firm_size", "firm_age", "fixed_assets", "capital_intensity",
    "general_trade_share", "firm_patents", "regional_patents", "agglomeration",
)

#: Paper labels of terms (Tables 4-5 say "Technological", Tables 7-11 "Technical").
TERM_LABELS = {
    "complementarity": "Technical complementarity",
    "placebo_complementarity": "Minimum associated technical complementarity",
    "instrument": "Instrumental variable",
    "agglomeration": "Industrial agglomeration",
    "regional_patents": "Regional patents",
    "yrd_prd": "Located in yrd/prd region dummy",
    "gdp_per_capita": "GDP per capita",
    "market_access": "Market accessibility",
    "basic_research": "Basic research level",
    "foreign_share": "Foreign share",
    "state_share": "State share",
    "firm_size": "Firm size",
    "firm_age": "Firm age",
    "fixed_assets": "Fixed assets",
    "capital_intensity": "Capital intensity",
    "general_trade_share": "General-trade share",
    "firm_patents": "Firm patents",
    "econ_significance_share": "Share of DVAR growth explained",
    "mean_change_complementarity": "Mean change in technical complementarity (first to last year)",
    "mean_change_dvar": "Mean change in DVAR (first to last year)",
    "coefficient": "Table 7 column (4) coefficient",
    "complementarity_uci": "Technical complementarity, UCI (union of 95% CIs)",
}

DEP_LABELS = {
    "dvar": "DVAR", "upstreamness": "Firm upstreamness", "hhi": "Market competition", "subsidy": "Subsidy",
    "labour_productivity": "Labor productivity", "import_share": "Import share",
    "complementarity": "Technical complementarity", "domestic_input_share": "Share of domestic intermediate input",
    "other_regions_domestic_sales": "Domestic sales volume in other regions", "tfp": "Firm productivity",
    "innovation_efficiency": "Innovation efficiency", "quality": "Firm Product Quality",
    "n_products": "Export Product Volume", "n_destinations": "Number of Export Destinations",
    "markup": "Firm Cost Markup",
}

#: fixed-effect tokens as written by the estimation assets -> canonical names
_FE_ALIASES = {
    "panel_firm_id": "firm", "firm_id": "firm", "firm": "firm", "year": "year",
    "city_code": "city", "city": "city", "industry_code": "industry", "industry": "industry",
    "province_code^year": "province_year", "province^year": "province_year", "province_year": "province_year",
    "province_code:year": "province_year", "province_code_year": "province_year", "year^province_code": "province_year",
    "city_code^industry_code": "city_industry", "city_industry": "city_industry",
}
_CLUSTER_LABELS = {
    "panel_firm_id": "Firm", "firm_id": "Firm", "firm": "Firm", "city_code": "City", "city": "City",
    "city_industry": "City-industry", "city_code^industry_code": "City-industry", "province_code": "Province",
}


@dataclass(frozen=True)
class TableSpec:
    title: str
    columns: tuple[str, ...] = ()
    terms: tuple[tuple[str, str], ...] = (("complementarity", "Technical complementarity"),)
    fe_rows: tuple[tuple[str, frozenset], ...] = (
        ("Year fixed effects", frozenset({"year"})), ("Firm fixed effects", frozenset({"firm"})),
    )
    controls_row: bool = True
    placebo_row: bool = False
    kp_row: bool = False
    corner: str = "Variable"
    note: str = ""


_YF = ("Year fixed effects", frozenset({"year"}))
_FF = ("Firm fixed effects", frozenset({"firm"}))
_C = ("complementarity", "Technical complementarity")
_STARS_NOTE = "***, **, and * denote significance at the 1%, 5%, and 10% levels, respectively."

TABLE_SPECS: dict[str, TableSpec] = {
    "table4": TableSpec(
        "Baseline regression results", ("DVAR",) * 4,
        (("complementarity", "Technological complementarity"), ("agglomeration", "Industrial agglomeration"),
         ("regional_patents", "Regional patents")),
        (("Year fixed effect", frozenset({"year"})), ("Firm fixed effect", frozenset({"firm"}))),
    ),
    "table5": TableSpec(
        "Robustness checks",
        ("With control variables", "Excluding cross-city migration", "Excluding off-site r&d", "Firm upstreamness",
         "Placebo test"),
        (("complementarity", "Technological complementarity"),
         ("placebo_complementarity", "Minimum associated technical complementarity"),
         ("yrd_prd", "Located in yrd/prd region dummy"), ("gdp_per_capita", "GDP per capita"),
         ("market_access", "Market accessibility"), ("basic_research", "Basic research level")),
        (_YF, _FF),
    ),
    "table6": TableSpec(
        "Placebo test results", ("Market competition", "Subsidy", "Labor productivity", "Import share"),
        (("instrument", "Instrumental variable"),), (_YF, _FF),
        note="All regressions control for the same set of variables as in the baseline specification.",
    ),
    "table7": TableSpec(
        "Instrumental variable estimation results", ("First stage", "Reduced form", "2SLS", "2SLS"),
        (("instrument", "Instrumental variable"), _C),
        (_YF, _FF, ("Province-year fixed effects", frozenset({"province_year"}))),
        placebo_row=True, kp_row=True,
        note="All regressions control for the baseline control variables. Column (1) is the first stage "
             "(dependent variable: technical complementarity). (3b): column (3) with standard errors clustered "
             "by city-industry (each firm in its first year's cell), where C's noise and the shock are shared. "
             "(4): the placebo variables (placebo C, HHI, subsidy, labour productivity) and province-year fixed "
             "effects; (4b): (4) plus the import share, which is mechanically tied to DVAR (one minus the import "
             "content of exports) and absorbs the effect of C.",
    ),
    "table8": TableSpec(
        "IV estimation under relaxed assumptions",
        ("μ=0, ω=0.00001", "μ=0.0001, ω=0.00001", "μ=0.001, ω=0.0001", "Endogenous correlation (0)",
         "Endogenous correlation (-0.01)", "Endogenous correlation (-0.02)"),
        (_C,), (_YF, _FF, ("Industry/city fixed effects", frozenset({"industry", "city"}))),
        note="μ and ω in the header are the paper's mean and variance of the normal prior on the instrument's "
             "direct effect on DVAR (Conley, Hansen & Rossi 2012, LTZ; UCI over μ ± 2√ω). A prior is in the "
             "instrument's units, so the paper's are read as shares of its reduced form (0.21 × 0.07 = 0.0147: "
             "its 2SLS times its first stage) and applied to this sample's reduced form R: μ × R / 0.0147, "
             "ω × (R / 0.0147)²; the rows 'Prior μ/ω used' give the values. Columns (4)-(6): kinky least "
             "squares (Kiviet 2020) at the stated correlation, industry and city fixed effects, firm cluster "
             "bootstrap standard errors.",
    ),
    "table9": TableSpec(
        "Mechanism analysis results",
        ("Share of domestic intermediate input", "Domestic sales volume in other regions", "Firm productivity",
         "Innovation efficiency"),
        (_C,), (_YF, _FF, ("City/industry fixed effects", frozenset({"industry", "city"}))),
    ),
    "table10": TableSpec(
        "Heterogeneity analysis results",
        ("Low human capital", "High human capital", "Innovation center", "Innovation periphery",
         "Low accessibility", "High accessibility"),
        (_C,), (_YF, _FF), corner="2SLS Estimates", kp_row=True,
    ),
    "table11": TableSpec(
        "Market manifestations of value chain upgrading",
        ("Firm Product Quality", "Export Product Volume", "Number of Export Destinations", "Firm Cost Markup"),
        (_C,), (_YF, _FF),
    ),
    "fig6": TableSpec(
        "Long-term effects of technological complementarity on DVAR",
        tuple(f"DVAR t+{n}" for n in range(1, 6)), (("complementarity", "Technological complementarity"),),
        (_YF, _FF),
    ),
    "econ_significance": TableSpec("Economic significance", ("Value",), (), (), controls_row=False),
    "spec_curve": TableSpec("Specification curve: Table 7 column (3) under every METHOD switch", ()),
}


@dataclass
class RenderedTable:
    """A table as rows of strings: header rows, then sections separated by rules."""

    table_id: str
    title: str
    header: list[list[str]]
    sections: list[list[list[str]]]
    note: str = ""
    run_ids: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return len(self.header[0])


# ---------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------

def _isnum(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and not pd.isna(x)


def stars(p: float | None) -> str:
    """``***`` below 0.01, ``**`` below 0.05, ``*`` below 0.10, else empty."""
    if not _isnum(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def _p_from_se(est, se) -> float | None:
    if not (_isnum(est) and _isnum(se)) or se <= 0:
        return None
    from scipy.stats import norm

    return float(2 * norm.sf(abs(est / se)))


def row_digits(est, digits: int = 2) -> int:
    """Decimals for one coefficient: ``digits``, or more for a nonzero estimate
    that would print as 0 (an instrument in GDP/km units: 0.0006, not 0.000),
    so two significant digits show. Its SE uses the same decimals."""
    if not _isnum(est) or est == 0 or abs(est) >= 10 ** -digits:
        return digits
    return min(int(-np.floor(np.log10(abs(est)))) + 1, 8)


def format_estimate(est: float, p: float | None, digits: int = 2) -> str:
    return f"{est:.{digits}f}{stars(p)}" if _isnum(est) else ""


def format_se(se: float | None, digits: int = 2, ci: tuple | None = None) -> str:
    if _isnum(se):
        return f"({se:.{digits}f})"
    if ci is not None and _isnum(ci[0]) and _isnum(ci[1]):
        return f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"
    return ""


def ci_bounds(row: pd.Series | dict) -> tuple[float, float]:
    """95% interval: the row's ci_low/ci_high when given, else estimate +/- 1.96 SE."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _isnum(lo) and _isnum(hi):
        return float(lo), float(hi)
    est, se = row.get("estimate"), row.get("std_error")
    if _isnum(est) and _isnum(se):
        return float(est - 1.959963984540054 * se), float(est + 1.959963984540054 * se)
    return float("nan"), float("nan")


#: (words in a reason, short form for the cell), first match wins
_SHORT_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("singleton",), "only singletons"),
    (("no complete rows",), "no complete rows"),
    (("no rows",), "no rows"),
    (("no panel row",), "no rows"),
    (("parameters",), "too few rows"),
    (("cluster only",), "one cluster"),
    (("the outcome",), "outcome does not vary"),
    (("the instrument",), "instrument collinear"),
    (("the endogenous",), "endogenous collinear"),
    (("table 7 column (4)",), "Table 7 (4) not estimable"),
    (("one sample year",), "one sample year"),
    (("mean dvar is the same",), "DVAR does not change"),
    (("kinky least squares",), "KLS failed"),
    (("no variation",), "no variation"),
    (("collinear",), "collinear"),
)


def not_estimable_reason(row) -> str | None:
    """The row's ``reason`` when it has one and no estimate, else None."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: d)
    reason = get("reason", None)
    if not isinstance(reason, str) or not reason.strip() or _isnum(get("estimate", None)):
        return None
    return reason.strip()


def short_reason(reason: str) -> str:
    """The cell's short form of a reason: ``not estimable: only singletons`` ..."""
    text = reason.strip()
    body = text.split(":", 1)[1].strip() if text.lower().startswith("not estimable") and ":" in text else text
    low = body.lower()
    for words, short in _SHORT_REASONS:
        if all(w in low for w in words):
            return f"not estimable: {short}"
    head = re.split(r"[(:;]", body, maxsplit=1)[0].strip()
    return f"not estimable: {head[:40]}" if head else "not estimable"


def _reason_notes(entries: list[tuple[str, str]], noun: str = "") -> str:
    """``[(where, reason)]`` -> "(1), (2) not estimable: ...; (3) ... ." (one entry per distinct
    reason; ``noun`` before the places, e.g. "specifications 3, 4 not estimable: ...")."""
    grouped: dict[str, list[str]] = {}
    for where, reason in entries:
        grouped.setdefault(reason, [])
        if where not in grouped[reason]:
            grouped[reason].append(where)
    parts = []
    for reason, wheres in grouped.items():
        text = reason if reason.lower().startswith("not estimable") else f"not estimable: {reason}"
        lead = f"{noun}{'s' if len(wheres) > 1 else ''} " if noun else ""
        parts.append(f"{lead}{', '.join(wheres)} {text}")
    return "; ".join(parts) + "." if parts else ""


def _fe_set(fixed_effects) -> set[str]:
    if not isinstance(fixed_effects, str) or not fixed_effects.strip():
        return set()
    out = set()
    for tok in re.split(r"[+,|\s]+", fixed_effects.strip()):
        if tok:
            out.add(_FE_ALIASES.get(tok, _FE_ALIASES.get(tok.replace(":", "^"), tok)))
    return out


def _cluster_label(cluster) -> str:
    if not isinstance(cluster, str) or not cluster.strip():
        return ""
    return "-".join(_CLUSTER_LABELS.get(c, c) for c in re.split(r"[+,\s]+", cluster.strip()) if c)


def _col_number(c: str) -> tuple[int | None, str]:
    """``"3"`` -> (3, ""), ``"3b"`` -> (3, "b") (a re-clustered column), else (None, c)."""
    m = re.fullmatch(r"(\d+)(.*)", str(c))
    return (int(m.group(1)), m.group(2)) if m else (None, str(c))


def _col_sort_key(c: str):
    n, rest = _col_number(c)
    return (0, n, rest) if n is not None else (1, 0, rest)


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

def build_table(rows: pd.DataFrame, table_id: str, digits: int = 2) -> RenderedTable:
    """Lay one table_id's ``fct_regression_results`` rows out like the paper."""
    spec = TABLE_SPECS.get(table_id, TableSpec(table_id))
    rows = rows[rows["table_id"] == table_id] if "table_id" in rows else rows
    if rows.empty:
        raise ValueError(f"no fct_regression_results rows for {table_id}")
    if table_id == "econ_significance":
        return _build_key_value(rows, table_id, spec, digits)
    if table_id == "spec_curve":
        return _build_spec_curve(rows, spec, digits)
    rows = rows.drop_duplicates(["column_id", "term"], keep="last")
    cols = sorted(rows["column_id"].astype(str).unique(), key=_col_sort_key)
    by_col = {c: rows[rows["column_id"].astype(str) == c].set_index("term") for c in cols}

    # header
    labels = []
    for i, c in enumerate(cols):
        num, _ = _col_number(c)
        pos = num - 1 if num is not None else -1
        if 0 <= pos < len(spec.columns):
            labels.append(spec.columns[pos])
        else:
            dep = next((v for v in by_col[c].get("dep_var", pd.Series(dtype=object)) if isinstance(v, str)), None)
            labels.append(DEP_LABELS.get(dep, dep or ""))
    header = [[spec.corner] + [f"({c})" for c in cols]]
    if any(labels):
        header.append([""] + labels)

    # coefficient rows: the spec's terms, then any other non-control, non-diagnostic term
    present = [t for t in rows["term"].unique() if t not in DIAGNOSTIC_TERMS]
    shown = [(t, lab) for t, lab in spec.terms if t in present]
    shown += [(t, TERM_LABELS.get(t, t)) for t in present
              if t not in dict(spec.terms) and t not in CONTROL_TERMS]
    coef: list[list[str]] = []
    for term, label in shown:
        est_row, se_row = [label], [""]
        for c in cols:
            r = by_col[c].loc[term] if term in by_col[c].index else None
            if r is None:
                est_row.append("")
                se_row.append("")
                continue
            if why := not_estimable_reason(r):
                est_row.append(short_reason(why))
                se_row.append("")
                continue
            p = r.get("p_value")
            if not _isnum(p):
                p = _p_from_se(r.get("estimate"), r.get("std_error"))
            d = row_digits(r.get("estimate"), digits)
            est_row.append(format_estimate(r.get("estimate"), p, d))
            ci = (r.get("ci_low"), r.get("ci_high"))
            se_row.append(format_se(r.get("std_error"), d, ci))
        coef += [est_row, se_row]

    # per column: the "main" row carrying n_obs, r2, FE, cluster, controls
    def main(c: str) -> pd.Series | None:
        d = by_col[c]
        for t, _ in spec.terms:
            if t in d.index:
                return d.loc[t]
        d = d[~d.index.isin(DIAGNOSTIC_TERMS)]
        return d.iloc[0] if len(d) else by_col[c].iloc[0]

    mains = {c: main(c) for c in cols}
    # columns whose main row was not estimated: their statistics print "n/a"
    col_reason = {c: not_estimable_reason(mains[c]) for c in cols}
    reason_entries: list[tuple[str, str]] = []
    for c in cols:
        if col_reason[c]:
            reason_entries.append((f"({c})", col_reason[c]))
    for term, label in shown:
        for c in cols:
            if col_reason[c] or term not in by_col[c].index:
                continue
            if why := not_estimable_reason(by_col[c].loc[term]):
                reason_entries.append((f"({c}) {label}", why))

    def na(c: str, cell: str) -> str:
        return "n/a" if col_reason[c] and not cell else cell

    indicators: list[list[str]] = []
    if spec.controls_row:
        indicators.append(["Control variables"] + [_yes(_has_controls(by_col[c], mains[c])) for c in cols])
    if spec.placebo_row:
        indicators.append(["Placebo variable"] + [_yes(_has_placebo(by_col[c], mains[c])) for c in cols])
    fes = {c: _fe_set(mains[c].get("fixed_effects")) for c in cols}
    for label, need in spec.fe_rows:
        indicators.append([label] + [_yes(need <= fes[c]) for c in cols])
    clusters = [_cluster_label(mains[c].get("cluster")) for c in cols]
    if any(clusters):
        indicators.append(["Standard errors clustered by"] + clusters)

    stats: list[list[str]] = []
    if spec.kp_row:
        kp = [_diag(by_col[c], "kp_rk_wald_f", 2) for c in cols]
        if any(kp) or ("kp_rk_wald_f" in rows["term"].values and any(col_reason.values())):
            stats.append(["K-P rk Wald F"] + [na(c, kp[i]) if "kp_rk_wald_f" in by_col[c].index else kp[i]
                                               for i, c in enumerate(cols)])
    if "anderson_rubin" in rows["term"].values:
        ar = [_ar_cell(by_col[c], digits) for c in cols]
        stats.append(["Anderson-Rubin 95% set"] + ar)
    for term, label in (("prior_mu", "Prior μ used (this sample's instrument units)"),
                        ("prior_omega", "Prior ω used (this sample's instrument units)")):
        if term in rows["term"].values:
            stats.append([label] + [f"{float(by_col[c].loc[term, 'estimate']):.3g}"
                                    if term in by_col[c].index and _isnum(by_col[c].loc[term, "estimate"]) else ""
                                    for c in cols])
    stats.append(["Observations"] + [_int(mains[c].get("n_obs")) for c in cols])
    clusters_n = [_diag(by_col[c], "n_clusters", None) for c in cols]
    if any(clusters_n):
        stats.append(["Clusters"] + [na(c, x) for c, x in zip(cols, clusters_n)])
    ymean = [_diag(by_col[c], "dep_var_mean", digits) for c in cols]
    if any(ymean):
        stats.append(["Mean of dependent variable"] + [na(c, x) for c, x in zip(cols, ymean)])
    r2 = [(f"{v:.{digits}f}" if _isnum(v := mains[c].get("r2")) else "") for c in cols]
    if any(r2):
        stats.append(["R²"] + [na(c, x) for c, x in zip(cols, r2)])
    single = [_diag(by_col[c], "singletons_dropped", None) for c in cols]
    if any(single) or any(col_reason.values()):
        stats.append(["Singletons dropped"] + [na(c, x) for c, x in zip(cols, single)])

    note = "Note: " + _STARS_NOTE + " Standard errors in parentheses."
    if spec.note:
        note += " " + spec.note
    if any(col_reason.values()):
        note += " n/a: no estimate."
    if reason_entries:
        note += " " + _reason_notes(reason_entries)
    return RenderedTable(table_id, spec.title, header, [s for s in (coef, indicators, stats) if s], note,
                         _uniq(rows.get("run_id")), _uniq(rows.get("asset")))


def _uniq(s) -> list[str]:
    if s is None:
        return []
    return sorted({str(v) for v in s if isinstance(v, str) and v})


def _yes(b: bool) -> str:
    return "Yes" if b else "No"


def _int(v) -> str:
    return f"{int(v):,}" if _isnum(v) else ""


def _ar_cell(d: pd.DataFrame, digits: int) -> str:
    """A column's Anderson-Rubin set: ``[lo, hi]``, ``unbounded``, or empty."""
    if "anderson_rubin" not in d.index:
        return ""
    r = d.loc["anderson_rubin"]
    if not _isnum(r.get("estimate")):
        return ""
    lo, hi = r.get("ci_low"), r.get("ci_high")
    return f"[{lo:.{digits}f}, {hi:.{digits}f}]" if _isnum(lo) and _isnum(hi) else "unbounded"


def _diag(d: pd.DataFrame, term: str, digits: int | None) -> str:
    if term not in d.index or not _isnum(v := d.loc[term].get("estimate")):
        return ""
    return f"{int(round(v)):,}" if digits is None else f"{v:,.{digits}f}"


def _has_controls(d: pd.DataFrame, main: pd.Series) -> bool:
    ctl = main.get("controls")
    if isinstance(ctl, str):
        return ctl.strip().lower() not in ("", "none", "no", "[]")
    return bool(set(d.index) & set(CONTROL_TERMS))


def _has_placebo(d: pd.DataFrame, main: pd.Series) -> bool:
    """Placebo C as a regressor, or the Table 6 placebo-test variables among the
    controls (Table 7 column 4: the paper's "variables used in the placebo tests")."""
    ctl = main.get("controls")
    parts = set(ctl.split("+")) if isinstance(ctl, str) else set()
    return "placebo_complementarity" in d.index or "placebo_complementarity" in parts or bool(
        parts & set(PLACEBO_OUTCOMES))


def _build_key_value(rows: pd.DataFrame, table_id: str, spec: TableSpec, digits: int) -> RenderedTable:
    body = []
    entries: list[tuple[str, str]] = []
    for _, r in rows.drop_duplicates(["column_id", "term"], keep="last").iterrows():
        label = TERM_LABELS.get(r["term"], r["term"])
        if str(r["column_id"]) not in ("1", "", "None"):
            label = f"{label} ({r['column_id']})"
        est = r.get("estimate")
        cell = f"{est:.{max(digits, 3)}f}" if _isnum(est) else ""
        if _isnum(r.get("std_error")):
            cell += f" ({r['std_error']:.{max(digits, 3)}f})"
        if why := not_estimable_reason(r):
            cell = short_reason(why)
            entries.append((label, why))
        body.append([label, cell])
    note = ("Note: mean change in C from the panel's first to its last year (2000->2014 by default) times the "
            "Table 7 column (4) coefficient, over the mean change in DVAR (paper: 0.18 x 0.21 / 0.1521, about 25%).")
    if entries and len(entries) == len(body) and len({r for _, r in entries}) == 1:
        note += f" Every quantity {entries[0][1]}."
    elif entries:
        note += " " + _reason_notes(entries)
    return RenderedTable(table_id, spec.title, [["Quantity", "Value"]], [body], note,
                         _uniq(rows.get("run_id")), _uniq(rows.get("asset")))


# ---------------------------------------------------------------------------
# specification curve
# ---------------------------------------------------------------------------

def parse_spec(label) -> dict[str, str]:
    """``"ipc_levels=class_subclass;winsorisation=per_year"`` -> dict (separators ; , | &)."""
    if not isinstance(label, str):
        return {}
    out = {}
    for part in re.split(r"[;,|&]\s*", label):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _spec_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per specification: estimate, CI and the parsed switches."""
    r = rows[rows["term"] == "complementarity"] if (rows["term"] == "complementarity").any() else rows
    r = r[~r["term"].isin(DIAGNOSTIC_TERMS)].drop_duplicates(["column_id"], keep="last")
    r = r[~r["column_id"].astype(str).str.contains("|", regex=False)].copy()  # re-clustered copies: not new specs
    spec_cols = [c for c in ("spec", "specification", "settings", "sample", "controls") if c in r]
    switches = []
    for _, x in r.iterrows():
        sw = {}
        for c in spec_cols:
            sw = parse_spec(x[c])
            if sw:
                break
        switches.append(sw or parse_spec(str(x["column_id"])))
    r["switches"] = switches
    lo_hi = [ci_bounds(x) for _, x in r.iterrows()]
    r["lo"] = [a for a, _ in lo_hi]
    r["hi"] = [b for _, b in lo_hi]
    kp = rows[rows["term"] == "kp_rk_wald_f"].drop_duplicates("column_id", keep="last")
    r["kp_f"] = r["column_id"].map(kp.set_index("column_id")["estimate"]) if len(kp) else np.nan
    return r.sort_values("estimate", ignore_index=True)


WEAK_IV_F = 10.0  # the rule of thumb for one instrument


def _is_default(switches: dict) -> bool:
    """Whether a specification's switch values are METHOD's defaults (``adj``/``noadj`` for
    the indirect-import adjustment, as the curve's labels write it)."""
    from analytics.settings import MethodSettings

    if not switches:
        return False
    defaults = MethodSettings()
    for k, v in switches.items():
        if not hasattr(defaults, k):
            return False
        want = str(getattr(defaults, k)).lower()
        got = {"adj": "true", "noadj": "false"}.get(str(v).lower(), str(v).lower())
        if got != want:
            return False
    return True


def _build_spec_curve(rows: pd.DataFrame, spec: TableSpec, digits: int) -> RenderedTable:
    r = _spec_frame(rows)
    keys = sorted({k for sw in r["switches"] for k in sw})
    has_kp = r["kp_f"].notna().any()
    header = [["Specification", "Estimate", "95% CI", "Observations"] + (["K-P F"] if has_kp else []) + keys]
    body = []
    entries: list[tuple[str, str]] = []
    for i, (_, x) in enumerate(r.iterrows(), 1):
        p = x.get("p_value") if _isnum(x.get("p_value")) else _p_from_se(x.get("estimate"), x.get("std_error"))
        kp = [f"{x['kp_f']:,.1f}" if _isnum(x["kp_f"]) else ""] if has_kp else []
        name = str(i) if x["switches"] else str(x["column_id"])
        est, ci = format_estimate(x["estimate"], p, digits), f"[{x['lo']:.{digits}f}, {x['hi']:.{digits}f}]"
        if why := not_estimable_reason(x):
            est, ci = short_reason(why), "n/a"
            entries.append((name, why))
        body.append([name, est, ci, _int(x.get("n_obs"))] + kp + [x["switches"].get(k, "") for k in keys])
    note = ("Note: " + _STARS_NOTE + " Each row re-estimates Table 7 column (3) (2SLS) under one combination of "
            "the METHOD switches, sorted by the estimate.")
    if has_kp:
        weak = int((r["kp_f"] < WEAK_IV_F).sum())
        note += (f" K-P F: the specification's first-stage Kleibergen-Paap rk Wald F; {weak} of {len(r)} "
                 f"specifications have F < {WEAK_IV_F:g} (a weak instrument: their 2SLS estimates are not informative).")
    if entries:
        note += (f" {len(entries)} of {len(r)} specifications not estimable (n/a: no interval): "
                 + _reason_notes(entries, noun="specification"))
    return RenderedTable("spec_curve", spec.title, header, [body], note,
                         _uniq(rows.get("run_id")), _uniq(rows.get("asset")))


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------

def _md_cell(s: str) -> str:
    return s.replace("|", "\\|")


def to_markdown(t: RenderedTable, caption: str | None = None) -> str:
    """Pipe table; the second header row (column labels) is the first body row."""
    lines = []
    if caption is not None:
        lines += [caption, ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in t.header[0]) + " |")
    lines.append("|" + "|".join(["---"] + [":---:"] * (t.n_cols - 1)) + "|")
    for row in [*t.header[1:], *(r for s in t.sections for r in s)]:
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    if t.note:
        lines += ["", t.note]
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "μ": r"$\mu$", "ω": r"$\omega$", "²": r"$^2$", "×": r"$\times$",
                  # the Greek and the signs the tables and notes use: pdflatex has no glyph for them in text
                  "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$",
                  "θ": r"$\theta$", "λ": r"$\lambda$", "π": r"$\pi$", "ρ": r"$\rho$", "σ": r"$\sigma$",
                  "φ": r"$\phi$", "Δ": r"$\Delta$", "±": r"$\pm$", "√": r"$\surd$", "≤": r"$\leq$", "≥": r"$\geq$",
                  "−": "-", "–": "--", "—": "---", "≈": r"$\approx$"}
#: a paper exhibit's caption ("TABLE 7. Title"): LaTeX numbers it itself ("Table 7: Title")
_NUMBERED = re.compile(r"^TABLE (\d+)\. (.*)$")


def _tex(s: str) -> str:
    s = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)
    return re.sub(r"(\d)(\*{1,3})", lambda m: f"{m.group(1)}$^{{{m.group(2)}}}$", s)


def to_latex(t: RenderedTable, caption: str | None = None) -> str:
    """booktabs tabular inside a table float; stars as superscripts."""
    def row(cells):
        return " & ".join(_tex(c) for c in cells) + r" \\"

    cap = caption or t.title
    numbered = _NUMBERED.match(cap)
    # the paper's number, not LaTeX's running count (which would print "Table 1: TABLE 7. ...")
    cap_tex = (rf"\setcounter{{table}}{{{int(numbered[1]) - 1}}}\caption{{{_tex(numbered[2])}}}" if numbered
               else rf"\caption{{{_tex(cap)}}}")
    out = [r"\begin{table}[htbp]", r"\centering", cap_tex,
           rf"\label{{tab:{t.table_id}}}", rf"\begin{{tabular}}{{l{'c' * (t.n_cols - 1)}}}", r"\toprule"]
    out += [row(h) for h in t.header]
    for s in t.sections:
        out.append(r"\midrule")
        out += [row(r) for r in s]
    out += [r"\bottomrule", r"\end{tabular}"]
    if t.note:
        out.append(rf"\par\smallskip\parbox{{\linewidth}}{{\footnotesize {_tex(t.note)}}}")
    out.append(r"\end{table}")
    return "\n".join(out) + "\n"


def to_html(t: RenderedTable) -> str:
    """A ``<table class="reg">``: thead with the header rows, one tbody per section."""
    e = html.escape
    out = [f'<table class="reg" id="tbl-{e(t.table_id)}">', "<thead>"]
    for h in t.header:
        out.append("<tr>" + "".join(f"<th>{e(c)}</th>" for c in h) + "</tr>")
    out.append("</thead>")
    for s in t.sections:
        out.append("<tbody>")
        for r in s:
            se_row = r[0] == "" and any(c.startswith(("(", "[")) for c in r[1:])
            cls = ' class="se"' if se_row else ""
            out.append(f"<tr{cls}>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
        out.append("</tbody>")
    out.append("</table>")
    if t.note:
        out.append(f'<p class="note">{e(t.note)}</p>')
    return "\n".join(out)


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_fig6(rows: pd.DataFrame, path: Path, baseline: float | None = None) -> Path:
    """Fig 6: the coefficient on C for DVAR in t+n, n = 1..5, with 95% CIs (a
    lead that is not estimable is left out and named on the axis)."""
    plt = _plt()
    r = rows[(rows["table_id"] == "fig6") & (rows["term"] == "complementarity")] if "table_id" in rows else rows
    r = r.drop_duplicates(["column_id"], keep="last").copy()
    r["n"] = r["column_id"].astype(str).str.extract(r"(\d+)", expand=False).astype(int)  # "3" or "lead3"
    r = r.sort_values("n")
    finite = r["estimate"].map(_isnum).astype(bool)
    missing_leads = [int(n) for n in r.loc[~finite, "n"]]
    r = r[finite]
    lo_hi = np.array([ci_bounds(x) for _, x in r.iterrows()]).reshape(-1, 2)
    est = r["estimate"].to_numpy(float)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(r["n"], est, yerr=[est - lo_hi[:, 0], lo_hi[:, 1] - est], fmt="o-", color="#1f4e79",
                ecolor="#1f4e79", capsize=4, label="Coefficient on C, 95% CI")
    ax.axhline(0, color="grey", lw=0.8)
    if baseline is not None and _isnum(baseline):
        ax.axhline(baseline, color="#c0504d", ls="--", lw=1, label="Baseline (Table 4, column 3)")
    ax.set_xticks(r["n"])
    ax.set_xticklabels([f"t+{n}" for n in r["n"]])
    xlabel = "Year of DVAR (C measured in t)"
    if missing_leads:
        xlabel += "; not estimable: " + ", ".join(f"t+{n}" for n in missing_leads)
    if r.empty:
        ax.text(0.5, 0.5, "No lead is estimable on this panel (see the table's notes)", ha="center",
                va="center", transform=ax.transAxes, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Effect of technological complementarity")
    ax.set_title("Fig. 6. Long-term effects of technological complementarity on DVAR", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def plot_spec_curve(rows: pd.DataFrame, path: Path, truth: float | None = None) -> Path:
    """Sorted estimates with 95% CIs (top) and which switch values each one uses (bottom);
    specifications that are not estimable are left out (counted in the title)."""
    plt = _plt()
    r = _spec_frame(rows[rows["table_id"] == "spec_curve"] if "table_id" in rows else rows)
    finite = r["estimate"].map(_isnum).astype(bool) & r["lo"].map(_isnum).astype(bool)
    n_out = int((~finite).sum())
    r = r[finite].reset_index(drop=True)
    items = sorted({(k, v) for sw in r["switches"] for k, v in sw.items()})
    x = np.arange(len(r))
    n_ind = max(len(items), 1)
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(max(6.4, 0.12 * len(r) + 4), 4 + 0.22 * n_ind), sharex=True,
                                  gridspec_kw={"height_ratios": [3, max(1.0, 0.25 * n_ind)]})
    weak = (r["kp_f"] < WEAK_IV_F).to_numpy()
    strong = ~weak
    lw = max(1.0, min(4.0, 200 / max(len(r), 1)))
    for mask, ci_c, pt_c, lab in ((strong, "#9dc3e6", "#1f4e79", "2SLS estimate (Table 7, col. 3), 95% CI"),
                                  (weak, "#d9d9d9", "#7f7f7f", f"K-P F < {WEAK_IV_F:g} (weak instrument)")):
        if mask.any():
            ax.vlines(x[mask], r["lo"][mask], r["hi"][mask], color=ci_c, lw=lw)
            ax.plot(x[mask], r["estimate"][mask], "o", ms=3, color=pt_c, label=lab)
    # the axis spans the intervals of the strong specifications (all of them without F), with 0 and the
    # truth; weak specifications outside it are clipped and marked at the edge
    base = r[strong] if strong.any() else r
    lo_lim = min(float(base["lo"].min()), 0.0) if len(base) else 0.0
    hi_lim = max(float(base["hi"].max()) if len(base) else 0.0,
                 float(truth) if truth is not None and _isnum(truth) else 0.0)
    pad = 0.15 * (hi_lim - lo_lim or 1.0)
    lo_lim, hi_lim = lo_lim - pad, hi_lim + pad
    ax.set_ylim(lo_lim, hi_lim)
    below, above = r["estimate"] < lo_lim, r["estimate"] > hi_lim
    if below.any():
        ax.plot(x[below], np.full(int(below.sum()), lo_lim + 0.02 * (hi_lim - lo_lim)), "v", ms=4, color="#7f7f7f",
                label="estimate below the axis")
    if above.any():
        ax.plot(x[above], np.full(int(above.sum()), hi_lim - 0.02 * (hi_lim - lo_lim)), "^", ms=4, color="#7f7f7f",
                label="estimate above the axis")
    ax.axhline(0, color="grey", lw=0.8)
    if truth is not None and _isnum(truth):
        ax.axhline(truth, color="#c0504d", ls="--", lw=1, label=f"True beta = {truth:g}")
    default = np.array([_is_default(sw) for sw in r["switches"]], dtype=bool)
    if default.any():
        ax.plot(x[default], r["estimate"][default], "*", ms=12, color="#e69f00", markeredgecolor="black",
                label="default specification (METHOD defaults)", zorder=5)
    ax.set_ylabel("Coefficient on C")
    title = "Specification curve: effect of technical complementarity on DVAR"
    if n_out:
        title += f" ({n_out} not estimable, not shown)"
    ax.set_title(title, fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8, loc="best")
    for i, (k, v) in enumerate(items):
        on = [sw.get(k) == v for sw in r["switches"]]
        ax2.scatter(x[on], np.full(sum(on), i), marker="|", s=60, color="black")
    ax2.set_yticks(range(len(items)))
    ax2.set_yticklabels([f"{k}={v}" for k, v in items], fontsize=7)
    ax2.set_ylim(-0.5, n_ind - 0.5)
    ax2.set_xlabel("Specification (sorted by estimate)")
    if len(r) <= 40:
        ax2.set_xticks(x)
        ax2.set_xticklabels([str(c) for c in r["column_id"]], fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
