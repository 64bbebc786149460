"""Resources and paths, configured in one place.

The raw root and the warehouse come from the environment (GVC_RAW,
GVC_WAREHOUSE) so the Dagster UI, `gvc build` and dbt's profile agree;
`gvc build` points GVC_WAREHOUSE at a temporary copy it swaps in on success.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from analytics.settings import DEFAULT_SETTINGS, MethodSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"


def raw_root() -> Path:
    return Path(os.environ.get("GVC_RAW", DEFAULT_RAW))


def warehouse_path() -> Path:
    return Path(os.environ.get("GVC_WAREHOUSE", DEFAULT_WAREHOUSE))


def reports_dir() -> Path:
    """Where the report assets write (GVC_REPORTS, else PROJECT_ROOT/reports)."""
    return Path(os.environ.get("GVC_REPORTS", PROJECT_ROOT / "reports"))


class GvcResource(dg.ConfigurableResource):
    """Where the raw root and the warehouse are, and the METHOD settings."""

    raw_root: str
    warehouse: str

    @property
    def settings(self) -> MethodSettings:
        return DEFAULT_SETTINGS


def gvc_resource() -> GvcResource:
    return GvcResource(raw_root=str(raw_root()), warehouse=str(warehouse_path()))
