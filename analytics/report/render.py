"""The report builder: ``write_report(warehouse, out, raw_root=None)``.

Writes, under ``out``:

- ``tables/<id>.md`` and ``tables/<id>.tex`` for Tables 1-3 (stylised facts,
  descriptive statistics), every estimation table found in
  ``marts.fct_regression_results`` (table4 ... table11, fig6, econ_significance,
  spec_curve) and, on a synthetic world, ``truth``;
- ``figures/<id>.png``: Figs 1-5, Fig 6 and the specification curve (150 dpi);
- ``report.md`` (figures linked) and ``report.html`` (one self-contained file:
  CSS inline, PNGs as base64 data URIs).

Every exhibit carries a traceability line: the asset that produced it, the
run id(s) of its rows and the code that computes it.  What cannot be built
(a table missing from the warehouse) is listed, not silently dropped.

Truth section (synthetic worlds only): the generator's parameters next to
their estimates, with the 95% CI and whether it covers the truth.  The truth
comes from ``analytics.synthetic_truth`` (flattened truth.json) when that
table has rows, else from ``raw_root/truth.json``; with neither there is no
truth section.  Beside it, the latest Monte Carlo over worlds (``gvc
montecarlo``, :mod:`analytics.montecarlo`) when its folder (default
``out/montecarlo``) holds a ``montecarlo.csv``; else the section says how to
run one.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import re
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.report.headline import answer_lines, headline_facts
from analytics.montecarlo import latest_run, rendered_table as montecarlo_table
from analytics.report import stylised as sf
from analytics.report.tables import (
    RenderedTable, TABLE_SPECS, build_table, ci_bounds, plot_fig6, plot_spec_curve, to_html, to_latex, to_markdown,
)

__all__ = ["write_report", "write_stylised_facts", "ESTIMATION_TABLES", "CODE_PATHS", "truth_values",
           "truth_comparison"]

ESTIMATION_TABLES = ("table4", "table5", "table6", "table7", "table8", "table9", "table10", "table11", "fig6",
                     "econ_significance", "spec_curve")

#: where each exhibit is computed (shown in its traceability line)
CODE_PATHS: dict[str, str] = {
    **{t: "analytics/study/baseline.py" for t in ("table4", "table5", "fig6")},
    **{t: "analytics/study/iv.py" for t in ("table6", "table7", "table8", "econ_significance")},
    **{t: "analytics/study/mechanisms.py" for t in ("table9", "table10", "table11")},
    "spec_curve": "analytics/study/spec_curve.py",
    **{k: "analytics/report/stylised.py" for k in ("fig1", "fig2", "fig3", "fig4", "fig5", "table1", "table2",
                                                    "table3")},
    "truth": "analytics/report/render.py",
    "montecarlo": "analytics/montecarlo.py",
}
#: how to run the Monte Carlo the truth section points to when there is none
MONTECARLO_HOWTO = ("No Monte Carlo over worlds yet: `gvc montecarlo --scale demo --seeds 50 --jobs 2` draws 50 "
                    "synthetic worlds, estimates on each and writes the bias, RMSE and coverage of every estimator "
                    "to montecarlo/ in the report folder (a demo world takes minutes, a tiny one seconds: `--scale tiny --seeds "
                    "20`); the report then shows its table here.")

DIGITS = 3

#: parameter_estimates name -> truth key (else production_truth.<name>, then params.<name>)
TRUTH_KEYS = {"tfp_channel": "params.beta_tfp"}
#: true values the generator states in its design rather than in truth.json
DESIGN_TRUTH = {"quality_slope": 1.0}
TRUTH_LABELS = {
    "beta": "β: effect of C on DVAR (Table 7 col. 3, 2SLS)",
    "beta_firm": "β, firm-clustered interval (beside, not counted)",
    "tfp_channel": "TFP channel: effect of C on TFP",
    "beta_l": "Output elasticity of labour (β_l)",
    "beta_k": "Output elasticity of capital (β_k)",
    "beta_m": "Output elasticity of intermediates (β_m)",
    "markup_mean": "Mean markup",
    "quality_slope": "Quality slope (KSW log quality on the true one, both relative to the product mean)",
}

_SECTIONS = (
    ("Stylised facts", ("fig1", "fig2", "table1", "fig3", "table2", "fig4", "fig5")),
    ("Data", ("table3",)),
    ("Baseline and robustness", ("table4", "table5", "fig6")),
    ("Instrumental variables", ("table6", "table7", "table8", "econ_significance")),
    ("Mechanisms, heterogeneity and market outcomes", ("table9", "table10", "table11")),
    ("Specification curve", ("spec_curve",)),
)

_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #999;margin-top:2em}h3{font-size:1.05em;margin-bottom:.3em}
table.reg{border-collapse:collapse;margin:.5em 0;font-size:.88em}
table.reg th,table.reg td{padding:2px 10px;text-align:center}
table.reg th:first-child,table.reg td:first-child{text-align:left}
table.reg thead{border-top:2px solid #000;border-bottom:1px solid #000}
table.reg tbody+tbody{border-top:1px solid #000}table.reg{border-bottom:2px solid #000}
tr.se td{color:#555}p.note{font-size:.8em;color:#444;max-width:60em}
p.trace{font-family:Menlo,Consolas,monospace;font-size:.75em;color:#666}
section.answer{background:#f6f6f2;border-left:4px solid #555;padding:.4em 1em}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.9em}
td.yes{color:#1a7f37;font-weight:bold}td.no{color:#b42318;font-weight:bold}
.missing{color:#b42318}
"""


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

def _has(con, qualified: str) -> bool:
    return sf._has(con, qualified)


def _instrument_sd(con) -> float | None:
    """The instrument's standard deviation over the analysis panel (None without one)."""
    if not _has(con, "marts.fct_firm_panel"):
        return None
    sd = con.execute("select stddev_samp(instrument) from marts.fct_firm_panel").fetchone()[0]
    return float(sd) if sd is not None and np.isfinite(sd) and sd > 0 else None


#: the exhibits that use TFP or markups (the production side of METHOD §6.10-§6.12)
PRODUCTION_EXHIBITS = ("table9", "table11", "truth")


def _prices_note(con) -> str:
    """A note for the production exhibits when the warehouse has no deflated values
    (METHOD §0 step 5: the raw root lacks reference/deflators or
    reference/investment_deflator, or every firm-year misses them), "" otherwise."""
    if not _has(con, "intermediate.int_survey_real_values"):
        return ""
    deflated, capital = con.execute("select count(*) filter (where not deflator_missing), "
                                    "count(*) filter (where not investment_deflator_missing) "
                                    "from intermediate.int_survey_real_values").fetchone()
    lacking = [what for what, n in (("output and intermediate inputs (no reference/deflators)", deflated),
                                    ("capital (no reference/investment_deflator)", capital)) if not n]
    if not lacking:
        return ""
    return (" TFP and markups use nominal " + " and ".join(lacking)
            + ": the raw root has no price tables for them (METHOD §0 step 5).")


def per_sd(rows: pd.DataFrame, term: str, sd: float) -> pd.DataFrame:
    """``term``'s estimate, SE and interval per standard deviation ``sd`` of its
    variable (times ``sd``): the instrument is in raw units (0.0006 per unit reads
    as 0.03 per SD); p-values and every other row unchanged."""
    out = rows.copy()
    hit = out["term"] == term
    for c in ("estimate", "std_error", "ci_low", "ci_high"):
        if c in out.columns:
            out.loc[hit, c] = out.loc[hit, c] * sd
    return out


def _results(con) -> pd.DataFrame:
    if not _has(con, "marts.fct_regression_results"):
        return pd.DataFrame(columns=["table_id", "column_id", "term", "estimate", "std_error", "p_value", "n_obs",
                                     "r2", "fixed_effects", "cluster", "run_id"])
    # a fixed row order: tables, figures and ties in sorts follow it
    df = con.execute("select * from marts.fct_regression_results order by all").df()
    df["column_id"] = df["column_id"].astype(str)
    return df


def _flatten(d: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (bool, int, float)):
            out[key] = float(v)
    return out


def truth_values(con, raw_root: Path | None = None) -> dict[str, float] | None:
    """The generator's truth: analytics.synthetic_truth if it has rows, else raw_root/truth.json, else None."""
    if _has(con, "analytics.synthetic_truth"):
        rows = con.execute("select parameter, value from analytics.synthetic_truth").fetchall()
        if rows:
            return {str(p): float(v) for p, v in rows if v is not None}
    if raw_root is not None and (Path(raw_root) / "truth.json").exists():
        return _flatten(json.loads((Path(raw_root) / "truth.json").read_text()))
    return None


def truth_comparison(results: pd.DataFrame, estimates: pd.DataFrame | None, truth: dict[str, float]) -> pd.DataFrame:
    """Estimate, 95% CI, true value and coverage for every parameter the generator knows."""
    rows = []

    def beta_row(column: str):
        hit = results[(results["table_id"] == "table7") & (results["column_id"] == column)
                      & (results["term"] == "complementarity")]
        return hit.iloc[-1] if len(hit) else None

    if "params.beta" in truth:
        # judged by city x industry clusters (column 3b), the level at which C and the world's shock
        # vary; the paper's firm-clustered interval (column 3) beside it, not counted
        cells, firm = beta_row("3b"), beta_row("3")
        judged = cells if cells is not None and pd.notna(cells.get("std_error")) else firm
        for name, r, source in (("beta", judged, "estimation/table7 (3b), city x industry clusters"
                                 if judged is cells else "estimation/table7 (3)"),
                                ("beta_firm", firm if judged is cells else None, "estimation/table7 (3), firm clusters")):
            if r is None:
                continue
            lo, hi = ci_bounds(r)
            rows.append(dict(parameter=name, estimate=r["estimate"], ci_low=lo, ci_high=hi,
                             true_value=truth["params.beta"], source=source, run_id=r.get("run_id")))
    if estimates is not None and len(estimates):
        for _, r in estimates.drop_duplicates("parameter", keep="last").iterrows():
            p = str(r["parameter"])
            keys = [TRUTH_KEYS[p]] if p in TRUTH_KEYS else [f"production_truth.{p}", f"params.{p}"]
            true = next((truth[k] for k in keys if k in truth), DESIGN_TRUTH.get(p))
            if true is None:
                continue
            lo, hi = ci_bounds(r)
            rows.append(dict(parameter=p, estimate=r["estimate"], ci_low=lo, ci_high=hi, true_value=true,
                             source=str(r.get("asset") or "analytics.parameter_estimates"),
                             run_id=r.get("run_id")))
    df = pd.DataFrame(rows, columns=["parameter", "estimate", "ci_low", "ci_high", "true_value", "source", "run_id"])
    df.insert(1, "label", df["parameter"].map(lambda p: TRUTH_LABELS.get(p, p)))
    df["covered"] = (df["ci_low"] <= df["true_value"]) & (df["true_value"] <= df["ci_high"])
    df["counted"] = df["parameter"] != "beta_firm"
    return df


def _truth_row(r: pd.Series) -> list[str]:
    if not (pd.notna(r["estimate"]) and pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])):
        # the estimate's column was not estimable (the estimation table's notes say why)
        return [r["label"], "not estimable", "n/a", f"{r['true_value']:g}", "n/a", "n/a", "n/a", r["source"]]
    gap = r["estimate"] - r["true_value"]
    share = f"{100 * gap / abs(r['true_value']):+.1f}%" if r["true_value"] else "n/a"
    covered = "yes" if r["covered"] else "no"
    if not r.get("counted", True):
        covered += " (not counted)"
    return [r["label"], f"{r['estimate']:.{DIGITS}f}", f"[{r['ci_low']:.{DIGITS}f}, {r['ci_high']:.{DIGITS}f}]",
            f"{r['true_value']:g}", f"{gap:+.{DIGITS}f}", share, covered, r["source"]]


def _truth_table(df: pd.DataFrame) -> RenderedTable:
    body = [_truth_row(r) for _, r in df.iterrows()]
    header = [["Parameter", "Estimate", "95% CI", "True value", "Gap", "Gap, % of truth", "Covered", "Source"]]
    counted = df[df["counted"]] if "counted" in df else df
    note = (f"Note: {int(counted['covered'].sum())} of {len(counted)} 95% confidence intervals cover the generator's "
            "value (truth.json). β is judged with standard errors clustered by city x industry (each firm in its "
            "first year's cell, so the firm effects nest in the clusters), the level at which "
            "C and the world's productivity shock vary: firm clusters understate its sampling spread (Moulton), so "
            "the paper's firm-clustered interval is shown beside it and not counted. "
            "CIs are the estimation rows' ci_low/ci_high, else estimate ± 1.96 SE. Gap: estimate "
            "minus true value, also as a share of it. Every estimate comes from the data alone: no estimator reads "
            "the truth (the persistence of productivity in the TFP channel is estimated too, with the lag two "
            "years back as instrument). The production parameters' intervals come from a firm block bootstrap "
            "and are tight at scale: a small estimator bias (Olley-Pakes' polynomial and selection steps, which "
            "also reach measured TFP and so the TFP channel) shows as a gap of a few per cent that the interval "
            "does not cover. The quality slope's interval is firm-clustered.")
    return RenderedTable("truth", "Recovery of the synthetic truth", header, [body], note)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def _caption(key: str) -> str:
    if key in sf.CAPTIONS:
        return sf.CAPTIONS[key]
    if key.startswith("table") and key[5:].isdigit():
        return f"TABLE {key[5:]}. {TABLE_SPECS[key].title}"
    if key == "fig6":
        return "Fig. 6. Long-term effects of technological complementarity on DVAR"
    if key == "spec_curve":
        return "Specification curve: Table 7 column (3) under every METHOD switch"
    if key == "econ_significance":
        return "Economic significance of technical complementarity"
    if key == "truth":
        return "Recovery of the synthetic truth"
    if key == "montecarlo":
        return "Monte Carlo over synthetic worlds: bias, RMSE and coverage"
    return key


def _short(key: str) -> str:
    """The contents-list label: "Fig. 1", "TABLE 7", else the whole caption."""
    m = re.match(r"(Fig\. \d+|TABLE \d+)\.", _caption(key))
    return m.group(1) if m else _caption(key)


def _shown_path(warehouse: Path | str) -> str:
    """The warehouse as users know it: `gvc build` writes into
    ``<warehouse>.building-<pid>`` and renames it on success."""
    return re.sub(r"\.building-\d+$", "", str(warehouse))


def _trace(asset: str, run_ids: list[str], code: str) -> str:
    runs = ", ".join(run_ids) if run_ids else "n/a"
    return f"asset {asset} · run {runs} · code {code}"


def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _write_table_files(out: Path, key: str, table: RenderedTable, trace: str) -> dict[str, Path]:
    cap = _caption(key)
    md, tex = out / "tables" / f"{key}.md", out / "tables" / f"{key}.tex"
    md.write_text(f"**{cap}**\n\n" + to_markdown(table) + f"\n_{trace}_\n")
    tex.write_text(f"% {trace}\n" + to_latex(table, cap))
    return {"md": md, "tex": tex}


def write_stylised_facts(warehouse: Path, out: Path, year_start: int = 2000, year_end: int = 2014,
                         run_id: str | None = None, exclude_years: tuple[int, ...] = ()) -> dict:
    """Only METHOD §7 (Figs 1-5, Tables 1-3) into ``out/figures`` and ``out/tables``.

    Returns ``tables`` (id -> {md, tex}), ``figures`` (id -> png), ``missing`` and
    ``previews`` (id -> Markdown).
    """
    warehouse, out = Path(warehouse), Path(out)
    run_id = run_id or f"stylised-{uuid.uuid4().hex[:12]}"
    (out / "tables").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        facts = sf.stylised_facts(con, out / "figures", year_start, year_end, exclude_years)
    finally:
        con.close()
    tables = {k: _write_table_files(out, k, t, _trace("report/stylised_facts", [run_id], CODE_PATHS[k]))
              for k, t in facts.tables.items()}
    return {"tables": tables, "figures": dict(facts.figures), "missing": dict(facts.missing),
            "previews": {k: to_markdown(t) for k, t in facts.tables.items()}, "run_id": run_id}


def write_report(warehouse: Path, out: Path, raw_root: Path | None = None, run_id: str | None = None,
                 year_start: int = 2000, year_end: int = 2014, exclude_years: tuple[int, ...] = (),
                 montecarlo: Path | None = None) -> dict:
    """Build every table and figure from the warehouse and write the report under ``out``.

    ``montecarlo``: the folder of the latest ``gvc montecarlo`` run shown in
    the truth section (default ``out/montecarlo``).

    Returns a dict: ``html``, ``markdown`` (paths), ``tables`` (id -> {md, tex}),
    ``figures`` (id -> png), ``missing`` (id -> reason), ``truth`` (list of dict rows
    or None), ``previews`` (id -> Markdown of each table), ``run_id``.
    """
    warehouse, out = Path(warehouse), Path(out)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    run_id = run_id or f"report-{uuid.uuid4().hex[:12]}"
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        facts = sf.stylised_facts(con, out / "figures", year_start, year_end, exclude_years)
        results = _results(con)
        instrument_sd = _instrument_sd(con)
        prices_note = _prices_note(con)
        # the production parameters, and the truth side's check of the KSW qualities
        parts = [con.execute(f"select * from analytics.{t}").df()
                 for t in ("parameter_estimates", "quality_recovery") if _has(con, f"analytics.{t}")]
        estimates = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
        truth = truth_values(con, raw_root)
    finally:
        con.close()

    # exhibits: key -> dict(kind, caption, trace, table|figure, note)
    exhibits: dict[str, dict] = {}
    missing: dict[str, str] = dict(facts.missing)
    for key, t in facts.tables.items():
        exhibits[key] = dict(kind="table", table=t,
                             trace=_trace("report/stylised_facts", [run_id], CODE_PATHS[key]))
    for key, p in facts.figures.items():
        exhibits[key] = dict(kind="figure", figure=p, note=facts.notes.get(key, ""),
                             trace=_trace("report/stylised_facts", [run_id], CODE_PATHS[key]))

    beta_true = truth.get("params.beta") if truth else None
    for tid in ESTIMATION_TABLES:
        rows = results[results["table_id"] == tid]
        if rows.empty:
            missing[tid] = ("not computed yet: `gvc build --spec-curve` computes it" if tid == "spec_curve"
                            else "no rows in marts.fct_regression_results")
            continue
        scaled = instrument_sd is not None and (rows["term"] == "instrument").any()
        t = build_table(per_sd(rows, "instrument", instrument_sd) if scaled else rows, tid, DIGITS)
        if scaled:
            t.note += (f" Instrumental variable: coefficient per standard deviation of the instrument "
                       f"({instrument_sd:,.{DIGITS}g} over the panel, marts.fct_firm_panel); "
                       "marts.fct_regression_results holds it per unit.")
        asset = t.assets[0] if t.assets else f"estimation/{tid}"
        trace = _trace(asset, t.run_ids, CODE_PATHS.get(tid, "analytics/study/"))
        ex = dict(kind="table", table=t, trace=trace)
        if tid == "fig6":
            base = results[(results["table_id"] == "table4") & (results["column_id"] == "3")
                           & (results["term"] == "complementarity")]
            ex["figure"] = plot_fig6(rows, out / "figures" / "fig6.png",
                                     base["estimate"].iloc[-1] if len(base) else None)
        elif tid == "spec_curve":
            ex["figure"] = plot_spec_curve(rows, out / "figures" / "spec_curve.png", beta_true)
            current = set(results.loc[results["table_id"] == "table7", "run_id"].dropna().astype(str))
            if current and not set(t.run_ids) & current:  # `gvc build` reruns it only with --spec-curve
                ex["trace"] = (f"{trace} · made by an earlier build than Table 7 (run {', '.join(sorted(current))}): "
                               "the data may have changed since; `gvc build --spec-curve` recomputes it")
        if tid in PRODUCTION_EXHIBITS and prices_note:
            t.note += prices_note
        exhibits[tid] = ex

    truth_df = None
    if truth:
        truth_df = truth_comparison(results, estimates, truth)
        if len(truth_df):
            t = _truth_table(truth_df)
            runs = sorted({str(r) for r in truth_df["run_id"] if isinstance(r, str)})
            mc_dir = Path(montecarlo) if montecarlo is not None else out / "montecarlo"
            mc = latest_run(mc_dir)
            if mc is None:
                t.note += " " + MONTECARLO_HOWTO
            if prices_note:
                t.note += prices_note
            exhibits["truth"] = dict(kind="table", table=t, trace=_trace("report/report", runs, CODE_PATHS["truth"]))
            if mc is not None:
                summary, meta = mc
                exhibits["montecarlo"] = dict(
                    kind="table", table=montecarlo_table(summary, meta),
                    trace=(f"{meta.get('command', 'gvc montecarlo')} · finished {meta.get('finished', '?')} · files "
                           f"{mc_dir / 'montecarlo.csv'}, draws.csv, montecarlo.png · code {CODE_PATHS['montecarlo']}"))

    # files per exhibit
    tables_written, figures_written, previews = {}, {}, {}
    for key, ex in exhibits.items():
        if "table" in ex:
            tables_written[key] = _write_table_files(out, key, ex["table"], ex["trace"])
            previews[key] = to_markdown(ex["table"])
        if "figure" in ex:
            figures_written[key] = ex["figure"]

    generated = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    md_path, html_path = out / "report.md", out / "report.html"
    shown = _shown_path(warehouse)
    answer = answer_lines(headline_facts(results, beta_true))
    md_path.write_text(_markdown(exhibits, missing, truth_df, shown, generated, run_id, answer))
    html_path.write_text(_html(exhibits, missing, truth_df, shown, generated, run_id, answer))
    return {
        "html": html_path, "markdown": md_path, "tables": tables_written, "figures": figures_written,
        "missing": missing, "truth": None if truth_df is None else truth_df.to_dict("records"),
        "previews": previews, "run_id": run_id,
    }


def _order(exhibits: dict) -> list[tuple[str, list[str]]]:
    secs = [(name, [k for k in keys if k in exhibits]) for name, keys in _SECTIONS]
    if "truth" in exhibits:
        secs.append(("Recovery of the synthetic truth", [k for k in ("truth", "montecarlo") if k in exhibits]))
    return [(n, ks) for n, ks in secs if ks]


def _markdown(exhibits, missing, truth_df, warehouse, generated, run_id, answer=()) -> str:
    lines = ["# Inter-regional technological complementarity and export DVAR: report", "",
             f"Warehouse `{warehouse}` · generated {generated} · report run {run_id}", ""]
    if answer:
        lines += ["## The answer", "", *answer]
    for n, (name, keys) in enumerate(_order(exhibits), 1):
        lines += [f"## {n}. {name}", ""]
        for key in keys:
            ex = exhibits[key]
            lines += [f"### {_caption(key)}", ""]
            if "figure" in ex:
                lines += [f"![{_caption(key)}](figures/{Path(ex['figure']).name})", ""]
                if ex.get("note"):
                    lines += [ex["note"], ""]
            if "table" in ex:
                lines += [to_markdown(ex["table"]), ""]
            lines += [f"_{ex['trace']}_", ""]
    if missing:
        lines += ["## Not available", ""] + [f"- {k}: {v}" for k, v in missing.items()] + [""]
    return "\n".join(lines)


def _bold(text: str) -> str:
    """Escaped text with the answer's Markdown bold (``**x**``) and code (`` `x` ``) as HTML."""
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def _html(exhibits, missing, truth_df, warehouse, generated, run_id, answer=()) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Inter-regional technological complementarity and export DVAR: report</title>",
             f"<style>{_CSS}</style></head><body>",
             "<h1>Inter-regional technological complementarity and export DVAR: report</h1>",
             f'<p class="trace">warehouse {e(str(warehouse))} · generated {e(generated)} · report run {e(run_id)}</p>']
    order = _order(exhibits)
    parts.append("<nav><ol>" + "".join(
        f'<li><a href="#sec{n}">{e(name)}</a>: ' + ", ".join(f'<a href="#{k}">{e(_short(k))}</a>'
                                                             for k in keys) + "</li>"
        for n, (name, keys) in enumerate(order, 1)) + "</ol></nav>")
    if answer:
        parts.append('<h2 id="answer">The answer</h2><section class="answer">'
                     + "".join(f"<p>{_bold(p)}</p>" for p in answer if p) + "</section>")
    for n, (name, keys) in enumerate(order, 1):
        parts.append(f'<h2 id="sec{n}">{n}. {e(name)}</h2>')
        for key in keys:
            ex = exhibits[key]
            parts.append(f'<section id="{e(key)}" class="exhibit">')
            if "figure" in ex:
                parts.append(f'<figure><img alt="{e(_caption(key))}" src="{_img(Path(ex["figure"]))}">'
                             f"<figcaption><b>{e(_caption(key))}</b>"
                             + (f" {e(ex['note'])}" if ex.get("note") else "") + "</figcaption></figure>")
            if "table" in ex:
                if "figure" not in ex:
                    parts.append(f"<h3>{e(_caption(key))}</h3>")
                tbl = to_html(ex["table"])
                if key == "truth":
                    tbl = tbl.replace("<td>yes</td>", '<td class="yes">yes</td>').replace(
                        "<td>no</td>", '<td class="no">no</td>')
                parts.append(tbl)
            parts.append(f'<p class="trace">{e(ex["trace"])}</p></section>')
    if missing:
        parts.append('<h2 id="missing">Not available</h2><ul class="missing">'
                     + "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in missing.items()) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
