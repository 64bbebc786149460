"""The generating truth of a synthetic raw root, as warehouse tables.

`gvc synth` writes ``truth.json`` and ``truth/`` beside the raw tables.
These assets are the only ones that read them, for the report's truth
section (no estimator does: every estimate comes from the data alone):

- ``analytics.synthetic_truth`` flattens truth.json's numeric entries
  (``params.beta``, ``production_truth.beta_l``, ...) to (parameter, value);
- ``analytics.quality_recovery`` checks the KSW qualities against the
  generator's true ones (the slope of the estimated log quality on the true
  one, which is 1 by design), firm-clustered.

A raw root of real data has no truth: both tables are then written empty,
and the report has no truth section.
"""


import json
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from analytics import measures as ms
from orchestration.production import SURVEY
from orchestration.resources import GvcResource
from orchestration.warehouse import read_sql, replace_table
from schemas import production as sc


def flatten_truth(truth: dict, prefix: str = "") -> pd.DataFrame:
    """Numeric leaves of truth.json as (parameter, value); lists are skipped."""
    rows: list[tuple[str, float]] = []

    def walk(d: dict, p: str) -> None:
        for k, v in d.items():
            key = f"{p}{k}"
            if isinstance(v, dict):
                walk(v, key + ".")
            elif isinstance(v, bool):
                rows.append((key, float(v)))
            elif isinstance(v, (int, float)):
                rows.append((key, float(v)))

    walk(truth, prefix)
    return pd.DataFrame(rows, columns=["parameter", "value"]).astype({"parameter": "string", "value": "float64"})


def read_truth(raw_root: Path | str) -> pd.DataFrame:
    path = Path(raw_root) / "truth.json"
    if not path.exists():
        return flatten_truth({})
    return flatten_truth(json.loads(path.read_text()))


@dg.asset(
    key=["analytics", "synthetic_truth"],
    group_name="raw",
    kinds={"python", "duckdb"},
    description="truth.json of a synthetic raw root, flattened to (parameter, value); empty for real data.",
)
def synthetic_truth(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    truth = read_truth(gvc.raw_root)
    replace_table(gvc.warehouse, "analytics", "synthetic_truth", truth)
    context.log.info(f"{len(truth)} truth parameters from {gvc.raw_root}")
    beta = truth.loc[truth["parameter"] == "params.beta", "value"]
    return dg.MaterializeResult(metadata={
        "rows": len(truth),
        "synthetic": bool(len(truth)),
        "true_beta": float(beta.iloc[0]) if len(beta) else None,
    })


QUALITY_TRUTH = Path("truth") / "firm_year_latent.parquet"
IDS_SQL = "select firm_id, year, panel_firm_id from panel.pnl_survey_firm_years order by all"
QUALITY_SQL = "select panel_firm_id, year, log_quality from analytics.firm_year_quality order by all"
QUALITY = dg.AssetKey(["analytics", "firm_year_quality"])


def read_quality_truth(raw_root: Path | str, ids: pd.DataFrame) -> pd.DataFrame | None:
    """True log quality per panel firm-year from a synthetic world's latent table, if any.

    The generator's log quality relative to the product's mean in that year
    (``true_log_quality_rel``), what KSW identifies, as ``true_log_quality``;
    ``ids`` (firm_id, year, panel_firm_id) maps the survey's firms to panel firms.
    """
    path = Path(raw_root) / QUALITY_TRUTH
    if not path.exists() or "true_log_quality_rel" not in pq.read_schema(path).names:
        return None  # real data, or a world written before the generator recorded it
    lat = pd.read_parquet(path, columns=["firm_id", "year", "true_log_quality_rel"]).rename(
        columns={"true_log_quality_rel": "true_log_quality"})
    lat = lat.loc[lat["true_log_quality"].notna()].astype({"firm_id": str, "year": "int64"})
    ids = ids.astype({"firm_id": str, "year": "int64"})
    return lat.merge(ids, on=["firm_id", "year"], how="inner")[["panel_firm_id", "year", "true_log_quality"]]


@dg.asset(
    key=["analytics", "quality_recovery"],
    deps=[QUALITY, SURVEY],
    group_name="production",
    kinds={"python", "duckdb"},
    description="Synthetic worlds: slope of the KSW log quality on the generator's true one (1 by design), "
                "year effects out, firm-clustered SE, in the columns of analytics.parameter_estimates; empty "
                "for real data.",
)
def quality_recovery(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    reference = read_quality_truth(gvc.raw_root, read_sql(gvc.warehouse, IDS_SQL))
    rows = []
    if reference is not None:
        quality = read_sql(gvc.warehouse, QUALITY_SQL)  # the KSW qualities analytics.firm_year_quality estimated
        res = ms.quality_slope(quality, reference)
        if np.isfinite(res["estimate"]):
            se = res["std_error"]
            rows.append({"parameter": "quality_slope", "estimate": res["estimate"], "std_error": se,
                         "ci_low": res["estimate"] - 1.96 * se, "ci_high": res["estimate"] + 1.96 * se,
                         "n_obs": res["n_obs"],
                         "method": f"ksw_log_quality_on_true_year_fe; firm-clustered ({res['n_clusters']} firms)",
                         "asset": "analytics/quality_recovery", "run_id": context.run.run_id})
    table = sc.ParameterEstimates.validate(pd.DataFrame(rows, columns=[
        "parameter", "estimate", "std_error", "ci_low", "ci_high", "n_obs", "method", "asset", "run_id"]).astype(
        {"n_obs": "int64", "estimate": "float64", "std_error": "float64", "ci_low": "float64", "ci_high": "float64"}))
    replace_table(gvc.warehouse, "analytics", "quality_recovery", table)
    meta = {"rows": len(table)}
    if len(table):
        meta |= {"quality_slope": float(table["estimate"].iat[0]), "std_error": float(table["std_error"].iat[0])}
    return dg.MaterializeResult(metadata=meta)


truth_assets = [synthetic_truth, quality_recovery]
