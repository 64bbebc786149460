"""The one Definitions entry point (`dagster dev -m orchestration.definitions`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from analytics.settings import MethodSettings, load_settings
from orchestration.changes import build_inputs, raw_changes_sensor
from orchestration.dbt import build_dbt_assets, dbt_resource
from orchestration.partitions import year_partitions
from orchestration.raw import raw_assets
from orchestration.resources import GvcResource, method_json, raw_root, warehouse_path
from orchestration.estimation import estimation_assets
from orchestration.ingest import delivered_files
from orchestration.production import production_assets
from orchestration.report import report_assets
from orchestration.spec_curve import spec_curve_asset
from orchestration.truth import truth_assets


# who answers for an asset: the data pipeline (raw inputs to the marts and the
# panel) or the study (production measures, estimation, report); dbt models
# carry theirs in dbt_project.yml
DATA_GROUPS = {"raw", "trade", "firms", "patents", "marts", "panel"}
DATA_OWNER, STUDY_OWNER = "team:gvc-data", "team:gvc-study"


def _with_owner(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.owners:
        return spec
    return spec.replace_attributes(owners=[DATA_OWNER if spec.group_name in DATA_GROUPS else STUDY_OWNER])


def make_definitions(raw: Path | str | None = None, warehouse: Path | str | None = None,
                     settings: MethodSettings | None = None) -> dg.Definitions:
    """Every asset, check and resource; paths default to GVC_RAW / GVC_WAREHOUSE,
    the METHOD settings to gvc.toml / GVC_CONFIG (they give the year partitions)."""
    settings = settings or load_settings()
    gvc = GvcResource(raw_root=str(raw or raw_root()), warehouse=str(warehouse or warehouse_path()),
                      method=method_json(settings))
    assets = [*raw_assets(year_partitions(settings)), *truth_assets, *build_dbt_assets(settings), *production_assets,
              *estimation_assets, spec_curve_asset, *report_assets, build_inputs, delivered_files]
    return dg.Definitions(
        assets=dg.map_asset_specs(_with_owner, assets),
        sensors=[raw_changes_sensor],
        resources={"dbt": dbt_resource(), "gvc": gvc},
        # one DuckDB file has one writer: steps run one after another
        executor=dg.in_process_executor,
    )


defs = make_definitions()
