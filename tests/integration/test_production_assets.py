"""The production assets (orchestration/production.py, analytics/measures.py)
on synthetic worlds whose truth is known (truth.json, truth/*.parquet).

- ``world_inputs`` builds the five input frames of the production assets
  (pnl_survey_firm_years, pnl_firm_export_lines, pnl_industry_year_output,
  stg_reference__io_links, fct_city_industry_complementarity) from a raw root
  and its truth with pandas (analytics.synth.panel.production_inputs), as a
  stand-in for the dbt models: the survey and customs lines after METHOD §0
  (the truth's preparation), panel firms are the generator's firms
  (``fid``), C is the designed C, HS6 products are restated in HS1996 by the
  truth's METHOD §1.
- tiny world: the pure pipeline runs end to end on these frames and its
  outputs pass the pandera output models.
- tiny warehouse: the Dagster assets materialise against a copy of the built
  warehouse.
- demo world (slow): recovery of beta_l, beta_k, beta_m, the mean markup, the
  quality slope and the TFP channel of C against truth.json.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import measures as ms
from analytics.synth.panel import production_inputs

INPUT_TABLES = {
    "survey": "panel.pnl_survey_firm_years",
    "lines": "panel.pnl_firm_export_lines",
    "output": "panel.pnl_industry_year_output",
}


def world_inputs(root: Path) -> dict[str, pd.DataFrame]:
    """The production assets' input frames from a raw root and its truth (see module doc;
    analytics.synth.panel.production_inputs), with truth.json and the latent firm-years."""
    root = Path(root)
    inp = production_inputs(root)
    inp["truth"] = json.loads((root / "truth.json").read_text())
    inp["latent"] = pd.read_parquet(root / "truth" / "firm_year_latent.parquet")
    return inp


def run_pipeline(inp: dict, options: ms.ProductionOptions) -> dict:
    """Every production table from the input frames (what the assets do, without Dagster)."""
    t0 = time.perf_counter()
    frame = ms.production_frame(inp["survey"], options)
    fit = ms.estimate_production(frame, options, by_industry=True)
    t1 = time.perf_counter()
    quality = ms.firm_year_quality(inp["lines"], sigma=5.0)
    t2 = time.perf_counter()
    ups = ms.industry_upstreamness(inp["io_links"], inp["output"])
    c_rows = ms.attach_complementarity(frame[["panel_firm_id", "year", "industry_code"]], inp["survey"], inp["cells"])
    point, draws = ms.bootstrap_estimates(frame, options, c_rows[["panel_firm_id", "year", "complementarity"]])
    t3 = time.perf_counter()
    params = ms.parameter_table(point, draws, options, "analytics/parameter_estimates", "test")
    slope = ms.quality_slope(quality[["panel_firm_id", "year", "log_quality"]], inp["quality_truth"])
    return {"frame": frame, "fit": fit, "tfp": ms.firm_year_tfp(fit), "markups": ms.firm_year_markups(fit),
            "quality": quality, "upstreamness": ups, "params": params.set_index("parameter"), "draws": draws,
            "quality_slope": slope,
            "seconds": {"tfp_markups": t1 - t0, "quality": t2 - t1, "bootstrap": t3 - t2}}


def _write_inputs(warehouse: Path, inp: dict) -> None:
    """Write the stand-in input frames into a warehouse copy under the dbt models' names."""
    con = duckdb.connect(str(warehouse))
    try:
        for schema, name, key in (("panel", "pnl_survey_firm_years", "survey"),
                                  ("panel", "pnl_firm_export_lines", "lines"),
                                  ("panel", "pnl_industry_year_output", "output")):
            con.execute(f"create schema if not exists {schema}")
            con.register("f", inp[key])
            con.execute(f"create or replace table {schema}.{name} as select * from f")
            con.unregister("f")
    finally:
        con.close()


def _has_tables(warehouse: Path, names: list[str]) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        have = {f"{s}.{t}" for s, t in con.execute("select table_schema, table_name from information_schema.tables").fetchall()}
    finally:
        con.close()
    return [n for n in names if n not in have]


def _materialize(raw_root: Path, warehouse: Path):
    import dagster as dg

    from orchestration.production import production_assets
    from orchestration.resources import GvcResource
    from orchestration.truth import quality_recovery

    gvc = GvcResource(raw_root=str(raw_root), warehouse=str(warehouse))
    return dg.materialize([*production_assets, quality_recovery], resources={"gvc": gvc})


def _check_outputs(warehouse: Path) -> dict[str, pd.DataFrame]:
    from schemas import production as sc

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        got = {t: con.execute(f"select * from analytics.{t}").df() for t in
               ("firm_year_tfp", "firm_year_markups", "firm_year_quality", "industry_upstreamness", "parameter_estimates",
                "quality_recovery")}
    finally:
        con.close()
    sc.FirmYearTfp.validate(got["firm_year_tfp"])
    sc.FirmYearMarkups.validate(got["firm_year_markups"])
    sc.FirmYearQuality.validate(got["firm_year_quality"])
    sc.IndustryUpstreamness.validate(got["industry_upstreamness"])
    sc.ParameterEstimates.validate(got["parameter_estimates"])
    sc.ParameterEstimates.validate(got["quality_recovery"])
    return got


# ---------------------------------------------------------------------- tiny world
@pytest.fixture(scope="module")
def tiny_inputs(tiny_world):
    root, _ = tiny_world
    return root, world_inputs(root)


def test_pipeline_on_tiny_world(tiny_inputs):
    from schemas import production as sc

    root, inp = tiny_inputs
    sc.SurveyFirmYears.validate(inp["survey"])
    sc.FirmExportLines.validate(inp["lines"])
    opts = ms.ProductionOptions(n_boot=5)
    out = run_pipeline(inp, opts)
    tfp = sc.FirmYearTfp.validate(out["tfp"])
    sc.FirmYearMarkups.validate(out["markups"])
    sc.FirmYearQuality.validate(out["quality"][["panel_firm_id", "year", "quality", "log_quality"]])
    ups = sc.IndustryUpstreamness.validate(out["upstreamness"])
    params = out["params"]
    assert set(params.index) == {"beta_l", "beta_k", "beta_m", "markup_mean", "tfp_channel"}
    assert "estimated_rho" in params.loc["tfp_channel", "method"]
    assert (params["ci_low"] <= params["estimate"]).all() and (params["estimate"] <= params["ci_high"]).all()
    # every survey industry-year has an upstreamness; TFP for most survey firm-years
    assert len(ups) == len(inp["output"])
    assert len(tfp) > 0.8 * len(inp["survey"])
    # the tiny world is small: only loose sanity on the elasticities
    assert 0.1 < params.loc["beta_m", "estimate"] < 0.7


def test_assets_materialize_on_stand_in_inputs(tiny_inputs, tiny_warehouse, tmp_path):
    """The Dagster assets on a copy of the tiny warehouse whose dbt input models
    are replaced by the stand-in frames."""
    root, inp = tiny_inputs
    _, wh = tiny_warehouse
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh, copy)
    _write_inputs(copy, inp)
    result = _materialize(root, copy)
    assert result.success
    got = _check_outputs(copy)
    assert len(got["firm_year_tfp"]) > 0.8 * len(inp["survey"])
    assert set(got["parameter_estimates"]["parameter"]) == {"beta_l", "beta_k", "beta_m", "markup_mean", "tfp_channel"}
    # the truth side's check of the KSW qualities, on the synthetic world
    q = got["quality_recovery"].set_index("parameter")
    assert q.index.tolist() == ["quality_slope"] and q.loc["quality_slope", "std_error"] > 0


def test_assets_on_built_warehouse(tiny_warehouse, tmp_path):
    """The assets on the dbt-built input models of the tiny warehouse."""
    root, wh = tiny_warehouse
    missing = _has_tables(wh, list(INPUT_TABLES.values()))
    if missing:
        pytest.skip(f"dbt input models not built yet: {missing}")
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh, copy)
    result = _materialize(root, copy)
    assert result.success
    got = _check_outputs(copy)
    assert len(got["firm_year_tfp"]) > 0


# ---------------------------------------------------------------------- demo world
@pytest.mark.slow
def test_recovery_on_demo_world(demo_world):
    """Recovery against truth.json on the demo world (about 144k survey firm-years).

    Tolerances, from the demo world seed 1 with 30 bootstrap draws: beta_l,
    beta_m within 0.01, beta_k within 0.015 (OP's step 3 leaves C_t out of
    the law of motion of omega, a small upward bias), mean markup within 0.03
    of the world's realised mean, rho of productivity (estimated, never read
    from the truth) within 0.04 of the generator's and tfp_channel within
    0.025 of beta_tfp (measured TFP carries OP's small coefficient biases,
    persistent with the inputs, which the lag-2 instrument does not remove:
    about +0.011, 3%, on demo), quality slope (on the product-relative truth
    KSW identifies) within 0.1 of 1. Measured on demo, on the deflated values
    and perpetual-inventory capital (production_prices = "deflated"): 0.300,
    0.124, 0.500, 1.363 vs 1.362, tfp_channel 0.412 (SE 0.004) vs 0.4. On the
    nominal values the world reports (its prices trend by industry) the same
    fit gives 0.034, -0.117, 0.950 and 2.52: only deflating recovers the truth.
    """
    root, _ = demo_world
    inp = world_inputs(root)
    truth = inp["truth"]
    pt = truth["production_truth"]
    out = run_pipeline(inp, ms.ProductionOptions(n_boot=30))
    p = out["params"]
    print(p[["estimate", "std_error", "ci_low", "ci_high", "n_obs"]], out["seconds"])
    assert abs(p.loc["beta_l", "estimate"] - pt["beta_l"]) < 0.01
    assert abs(p.loc["beta_k", "estimate"] - pt["beta_k"]) < 0.015
    assert abs(p.loc["beta_m", "estimate"] - pt["beta_m"]) < 0.01
    assert abs(p.loc["markup_mean", "estimate"] - pt["markup_mean"]) < 0.03
    rho = float(p.loc["tfp_channel", "method"].split("estimated_rho=")[1].split("_")[0])
    assert abs(rho - truth["params"]["omega_rho"]) < 0.04
    assert abs(p.loc["tfp_channel", "estimate"] - truth["params"]["beta_tfp"]) < 0.025
    assert abs(out["quality_slope"]["estimate"] - 1.0) < 0.1
    nominal = ms.ProductionOptions(prices="nominal", n_boot=0)
    est = ms.pooled_estimates(ms.production_frame(inp["survey"], nominal), nominal)
    assert abs(est["beta_m"] - pt["beta_m"]) > 0.2 and abs(est["markup_mean"] - pt["markup_mean"]) > 0.5
