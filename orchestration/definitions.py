"""The one Definitions entry point (`dagster dev -m orchestration.definitions`)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.dbt import build_dbt_assets, dbt_resource
from orchestration.raw import raw_assets
from orchestration.resources import GvcResource, raw_root, warehouse_path


def make_definitions(raw: Path | str | None = None, warehouse: Path | str | None = None) -> dg.Definitions:
    """Every asset, check and resource; paths default to GVC_RAW / GVC_WAREHOUSE."""
    gvc = GvcResource(raw_root=str(raw or raw_root()), warehouse=str(warehouse or warehouse_path()))
    return dg.Definitions(
        assets=[*raw_assets, *build_dbt_assets()],
        resources={"dbt": dbt_resource(), "gvc": gvc},
    )


defs = make_definitions()
