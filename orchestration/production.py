"""Production-side measures of METHOD §6 as Dagster assets (group "production").

Thin wrappers: each asset reads its dbt inputs from the warehouse (DuckDB
opened read-only inside the asset and closed), validates them with the
pandera models of schemas/production.py, calls the pure functions of
analytics/measures.py, validates the result and replaces its table in
schema ``analytics`` (one transaction). Estimation choices are documented in
analytics/measures.py (``ProductionOptions``).

Output, intermediate inputs and capital are the real values of METHOD §0
step 5 (deflated, perpetual-inventory capital) under ``production_prices =
"deflated"`` when the raw root has the deflator tables, the survey's nominal
values otherwise; each table's metadata says which (``prices``).

Each asset keeps its tables when what it reads, the settings and the code
are as they were at its last result (orchestration.reuse): a corrected
customs file reruns export quality, not the survey's production function
and its bootstrap.
"""


import time

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from analytics import measures as ms
from orchestration.resources import GvcResource
from orchestration.reuse import materialise
from orchestration.warehouse import read_sql, replace_table
from schemas import production as sc

GROUP = "production"
KINDS = {"python", "duckdb"}

SURVEY = dg.AssetKey(["pnl_survey_firm_years"])
LINES = dg.AssetKey(["pnl_firm_export_lines"])
OUTPUT = dg.AssetKey(["pnl_industry_year_output"])
IO_LINKS = dg.AssetKey(["stg_reference__io_links"])
CELLS = dg.AssetKey(["fct_city_industry_complementarity"])

# Every read has an ORDER BY on the table's key: DuckDB returns rows in no
# fixed order, and sums, fits and the bootstrap's draws follow the row order.
SURVEY_SQL = """
select panel_firm_id, firm_id, year, city_code, industry_code, employment, output, sales,
       intermediate_inputs, fixed_assets, real_output, real_sales, real_intermediate_inputs, real_capital,
       exit_flag, is_exporter
from panel.pnl_survey_firm_years
order by panel_firm_id, year, firm_id
"""
LINES_SQL = """
select panel_firm_id, year, hs6_1996, partner_country, value_usd, quantity
from panel.pnl_firm_export_lines
order by all
"""
OUTPUT_SQL = "select industry_code, year, output from panel.pnl_industry_year_output order by all"
IO_SQL = ("select industry_code, supplier_industry_code, input_coefficient from staging.stg_reference__io_links "
          "order by all")
CELLS_SQL = ("select city_code, industry_code, year, complementarity from marts.fct_city_industry_complementarity "
             "order by all")


def production_options(gvc: GvcResource) -> ms.ProductionOptions:
    """The options the assets use: the defaults, depreciation, prices (production_prices) and the
    bootstrap's seed and draws from the settings."""
    return ms.ProductionOptions(depreciation=gvc.settings.depreciation, seed=gvc.settings.seed,
                                n_boot=gvc.settings.production_bootstrap_draws,
                                prices=gvc.settings.production_prices)


def _prices_note(survey: pd.DataFrame, opts: ms.ProductionOptions) -> str:
    """What the production function was estimated on (recorded with the tables): "deflated", "nominal",
    or which values stayed nominal for want of a deflator table (METHOD §0 step 5)."""
    used = ms.production_prices(survey, opts)
    if len(set(used.values())) == 1:
        kind = next(iter(used.values()))
        if kind == "nominal" and opts.prices == "deflated":
            return "nominal (no deflator tables in the raw root)"
        return kind
    return "; ".join(f"{col} {kind}" for col, kind in used.items())


def _survey(gvc: GvcResource) -> pd.DataFrame:
    return sc.SurveyFirmYears.validate(read_sql(gvc.warehouse, SURVEY_SQL))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["analytics", "firm_year_tfp"], deps=[SURVEY], group_name=GROUP, kinds=KINDS,
            description="Olley-Pakes TFP by 2-digit industry (gross output, labour and intermediates free; "
                        "investment K_{t+1} - (1-depreciation) K_t): panel_firm_id, year, industry_code, tfp.",
        ),
        dg.AssetSpec(
            ["analytics", "firm_year_markups"], deps=[SURVEY], group_name=GROUP, kinds=KINDS,
            description="De Loecker-Warzynski markups theta_m / alpha_m from the same gross-output fit: "
                        "panel_firm_id, year, markup.",
        ),
    ],
)
def production_function(context: AssetExecutionContext, gvc: GvcResource):
    """TFP and markups from one gross-output Olley-Pakes fit per 2-digit industry."""
    opts = production_options(gvc)

    def compute() -> dict[str, dict]:
        survey = _survey(gvc)
        prices = _prices_note(survey, opts)
        frame = ms.production_frame(survey, opts)
        t0 = time.perf_counter()
        fit = ms.estimate_production(frame, opts, by_industry=True)
        tfp = sc.FirmYearTfp.validate(ms.firm_year_tfp(fit))
        markups = sc.FirmYearMarkups.validate(ms.firm_year_markups(fit))
        replace_table(gvc.warehouse, "analytics", "firm_year_tfp", tfp)
        replace_table(gvc.warehouse, "analytics", "firm_year_markups", markups)
        coef = fit["coefficients"]
        context.log.info(f"OP/DLW by industry in {time.perf_counter() - t0:.1f}s:\n{coef.to_string()}")
        return {
            "analytics/firm_year_tfp": {
                "rows": len(tfp), "industries": len(coef), "industries_not_estimated": int(coef["b_m"].isna().sum()),
                "median_b_l": float(coef["b_l"].median()), "median_b_k": float(coef["b_k"].median()),
                "tfp_form": opts.tfp_form, "output_measure": opts.output_measure, "prices": prices},
            "analytics/firm_year_markups": {
                "rows": len(markups), "median_theta_m": float(coef["b_m"].median()),
                "mean_markup": float(markups["markup"].mean()), "markup_fill": opts.markup_fill,
                "prices": prices},
        }

    yield from materialise(context, gvc.warehouse, gvc.settings.as_dict(),
                           {"analytics/firm_year_tfp": ["analytics.firm_year_tfp"],
                            "analytics/firm_year_markups": ["analytics.firm_year_markups"]},
                           [SURVEY_SQL], compute)


@dg.asset(
    key=["analytics", "firm_year_quality"], deps=[LINES], group_name=GROUP, kinds=KINDS,
    description="Khandelwal-Schott-Wei export quality, min-max normalised within HS6, export-value "
                "weighted: panel_firm_id, year, quality, log_quality (before the min-max step).",
)
def firm_year_quality(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    def compute() -> dict[str, dict]:
        lines = sc.FirmExportLines.validate(read_sql(gvc.warehouse, LINES_SQL))
        q = ms.firm_year_quality(lines, sigma=gvc.settings.kqs_sigma)
        out = sc.FirmYearQuality.validate(q[["panel_firm_id", "year", "quality", "log_quality"]])
        replace_table(gvc.warehouse, "analytics", "firm_year_quality", out)
        return {"analytics/firm_year_quality": {
            "rows": len(out), "sigma": gvc.settings.kqs_sigma,
            "lines_without_quantity": int(lines["quantity"].isna().sum())}}

    return materialise(context, gvc.warehouse, gvc.settings.as_dict(),
                       {"analytics/firm_year_quality": ["analytics.firm_year_quality"]}, [LINES_SQL], compute)[0]


@dg.asset(
    key=["analytics", "industry_upstreamness"], deps=[IO_LINKS, OUTPUT], group_name=GROUP, kinds=KINDS,
    description="Antras-Chor-Fally-Hillberry upstreamness, closed economy, per industry-year from io_links "
                "and national survey output: industry_code, year, upstreamness.",
)
def industry_upstreamness(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    def compute() -> dict[str, dict]:
        io = sc.IoLinks.validate(read_sql(gvc.warehouse, IO_SQL))
        output = sc.IndustryYearOutput.validate(read_sql(gvc.warehouse, OUTPUT_SQL))
        out = sc.IndustryUpstreamness.validate(ms.industry_upstreamness(io, output))
        replace_table(gvc.warehouse, "analytics", "industry_upstreamness", out)
        return {"analytics/industry_upstreamness": {
            "rows": len(out), "years": int(out["year"].nunique()),
            "max_upstreamness": float(out["upstreamness"].max()) if len(out) else None}}

    return materialise(context, gvc.warehouse, gvc.settings.as_dict(),
                       {"analytics/industry_upstreamness": ["analytics.industry_upstreamness"]},
                       [IO_SQL, OUTPUT_SQL], compute)[0]


@dg.asset(
    key=["analytics", "parameter_estimates"], deps=[SURVEY, CELLS], group_name=GROUP, kinds=KINDS,
    description="Pooled production parameters with firm block bootstrap SE and normal 95% CI: beta_l, beta_k, "
                "beta_m, markup_mean and tfp_channel (rho of productivity estimated, lag-2 instrument).",
)
def parameter_estimates(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    opts = production_options(gvc)

    def compute() -> dict[str, dict]:
        survey = _survey(gvc)
        frame = ms.production_frame(survey, opts)
        cells = sc.ComplementarityCells.validate(read_sql(gvc.warehouse, CELLS_SQL))
        c_rows = ms.attach_complementarity(frame[["panel_firm_id", "year", "industry_code"]], survey, cells)
        t0 = time.perf_counter()
        not_estimable = ""
        try:
            point, draws = ms.bootstrap_estimates(frame, opts, c_rows[["panel_firm_id", "year", "complementarity"]])
        except ValueError as err:  # e.g. one sample year: no investment, so no Olley-Pakes; never the build's end
            not_estimable = f"not estimable: {err}"
            context.log.warning(f"pooled production parameters {not_estimable}")
            point, draws = {}, pd.DataFrame()
        table = ms.parameter_table(point, draws, opts, "analytics/parameter_estimates", context.run.run_id)
        table = sc.ParameterEstimates.validate(table)
        replace_table(gvc.warehouse, "analytics", "parameter_estimates", table)
        context.log.info(f"pooled estimates, {opts.n_boot} bootstrap draws in {time.perf_counter() - t0:.1f}s:\n"
                         f"{table.drop(columns=['asset', 'run_id']).to_string()}")
        meta = {f"{r.parameter}": float(r.estimate) for r in table.itertuples()}
        if "rho" in point:
            meta["rho_estimated"] = float(point["rho"])
        if not_estimable:
            meta["reason"] = not_estimable
        return {"analytics/parameter_estimates": {"rows": len(table), "n_boot": opts.n_boot, "seed": opts.seed,
                                                  "prices": _prices_note(survey, opts), **meta}}

    return materialise(context, gvc.warehouse, gvc.settings.as_dict(),
                       {"analytics/parameter_estimates": ["analytics.parameter_estimates"]},
                       [SURVEY_SQL, CELLS_SQL], compute)[0]


production_assets = [production_function, firm_year_quality, industry_upstreamness, parameter_estimates]
