"""The one Definitions entry point (`dagster dev -m orchestration.definitions`)."""

from __future__ import annotations

import dagster as dg

from orchestration.dbt import build_dbt_assets, dbt_resource
from orchestration.raw import raw_assets
from orchestration.resources import gvc_resource

defs = dg.Definitions(
    assets=[*raw_assets, *build_dbt_assets()],
    resources={"dbt": dbt_resource(), "gvc": gvc_resource()},
)
