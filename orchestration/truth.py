"""The generating truth of a synthetic raw root, as a warehouse table.

`gvc synth` writes ``truth.json`` beside the raw tables. This asset flattens
its numeric entries (``params.beta``, ``production_truth.beta_l``, ...) into
``analytics.synthetic_truth`` so the report's truth section reads the
warehouse alone. A raw root of real data has no truth.json: the table is then
written empty, and the report has no truth section.
"""


import json
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
import pandas as pd

from orchestration.resources import GvcResource
from orchestration.warehouse import replace_table


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
