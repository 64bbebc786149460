"""Report assets (group ``report``): the stylised facts and the full report.

Thin: each asset calls one function of ``analytics.report`` with the
warehouse path and the report folder (``orchestration.resources.reports_dir``:
GVC_REPORTS, else PROJECT_ROOT/reports) and returns paths and a Markdown
preview as metadata.  The warehouse is opened read-only inside those
functions and closed before they return.
"""


from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from analytics.report.render import ESTIMATION_TABLES, write_report, write_stylised_facts
from orchestration.resources import GvcResource, reports_dir, reports_write_dir

STYLISED_KEY = dg.AssetKey(["report", "stylised_facts"])
REPORT_KEY = dg.AssetKey(["report", "report"])
STYLISED_DEPS = [
    dg.AssetKey(["fct_firm_panel"]), dg.AssetKey(["fct_city_industry_complementarity"]),
    dg.AssetKey(["pnl_survey_firm_years"]), dg.AssetKey(["analytics", "firm_year_tfp"]),
]
ESTIMATION_DEPS = [dg.AssetKey(["estimation", t]) for t in ESTIMATION_TABLES]


def _run_id(context: AssetExecutionContext) -> str:
    return context.run.run_id


def _final(path: Path | str) -> str:
    """Where a written report file will live (`gvc build` writes a work folder it swaps in)."""
    path = Path(path)
    try:
        return str(reports_dir() / path.relative_to(reports_write_dir()))
    except ValueError:
        return str(path)


@dg.asset(
    key=STYLISED_KEY,
    group_name="report",
    deps=STYLISED_DEPS,
    kinds={"python", "duckdb"},
    description="METHOD §7 stylised facts: Figs 1-5 (HHI, binned scatter, Theil, centre vs periphery) and "
                "Tables 1-3, as PNG / Markdown / LaTeX in the report folder.",
)
def stylised_facts(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    s = gvc.settings
    res = write_stylised_facts(Path(gvc.warehouse), reports_write_dir(), s.year_start, s.year_end, run_id=_run_id(context),
                               exclude_years=tuple(s.exclude_years))
    for key, why in res["missing"].items():
        context.log.warning(f"stylised fact {key} not built: {why}")
    preview = "\n\n".join(f"**{k}**\n\n{md}" for k, md in res["previews"].items())
    return dg.MaterializeResult(metadata={
        "figures": dg.MetadataValue.json({k: _final(p) for k, p in res["figures"].items()}),
        "tables": dg.MetadataValue.json({k: _final(v["md"]) for k, v in res["tables"].items()}),
        "missing": dg.MetadataValue.json(res["missing"]),
        "preview": dg.MetadataValue.md(preview or "_no stylised facts: input tables missing_"),
    })


@dg.asset(
    key=REPORT_KEY,
    group_name="report",
    deps=[*ESTIMATION_DEPS, STYLISED_KEY, dg.AssetKey(["analytics", "parameter_estimates"]),
          dg.AssetKey(["analytics", "quality_recovery"]), dg.AssetKey(["analytics", "synthetic_truth"])],
    kinds={"python", "html"},
    description="The report: Tables 1-11, Figs 1-6, the specification curve and (synthetic worlds) the truth "
                "section, as Markdown, LaTeX, PNG and one self-contained report.html.",
)
def report(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    s = gvc.settings
    raw = Path(gvc.raw_root) if gvc.raw_root else None
    # the latest `gvc montecarlo` run lives in the report folder itself, which a build only adds to
    res = write_report(Path(gvc.warehouse), reports_write_dir(), raw_root=raw, run_id=_run_id(context),
                       year_start=s.year_start, year_end=s.year_end, exclude_years=tuple(s.exclude_years),
                       montecarlo=reports_dir() / "montecarlo")
    for key, why in res["missing"].items():
        context.log.warning(f"report exhibit {key} not built: {why}")
    meta = {
        "html": dg.MetadataValue.path(_final(res["html"])),
        "markdown": dg.MetadataValue.path(_final(res["markdown"])),
        "tables": len(res["tables"]),
        "figures": len(res["figures"]),
        "missing": dg.MetadataValue.json(res["missing"]),
        "table7": dg.MetadataValue.md(res["previews"].get("table7", "_Table 7 not available_")),
    }
    if res["truth"] is not None:
        counted = [r for r in res["truth"] if r.get("counted", True)]
        meta["truth_covered"] = f"{sum(bool(r['covered']) for r in counted)} of {len(counted)}"
    return dg.MaterializeResult(metadata=meta)


report_assets = [stylised_facts, report]
