"""Resources and paths, configured in one place.

The raw root and the warehouse come from the environment (GVC_RAW,
GVC_WAREHOUSE) so the Dagster UI, `gvc build` and dbt's profile agree;
`gvc build` points GVC_WAREHOUSE at a temporary copy it swaps in on success.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from analytics.environ import scoped_environ  # noqa: F401 - the orchestration's name for it
from analytics.settings import MethodSettings, settings_from_dict
from orchestration.recovery import PROCESS_TAG, process_token
from orchestration.warehouse import WriterLock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RAW = PROJECT_ROOT / "data" / "raw"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"


def raw_root() -> Path:
    return Path(os.environ.get("GVC_RAW", DEFAULT_RAW))


def warehouse_path() -> Path:
    return Path(os.environ.get("GVC_WAREHOUSE", DEFAULT_WAREHOUSE))


def beside(warehouse: Path | str, what: str) -> Path:
    """What belongs to one warehouse lives beside it as ``<warehouse>.<what>``:
    its report (``reports``), its Dagster instance (``dagster``: runs, asset
    metadata, sensor cursors), its build logs (``logs``)."""
    return Path(f"{Path(warehouse).resolve()}.{what}")


def reports_dir() -> Path:
    """Where the report lives (GVC_REPORTS, else ``<warehouse>.reports``): what links point to."""
    given = os.environ.get("GVC_REPORTS")
    return Path(given) if given else beside(warehouse_path(), "reports")


def reports_write_dir() -> Path:
    """Where the report assets write: `gvc build` has them write a work folder
    (GVC_REPORTS_BUILDING) that it swaps in with the warehouse; else reports_dir()."""
    return Path(os.environ.get("GVC_REPORTS_BUILDING") or reports_dir())


WAREHOUSE_TAG, RAW_ROOT_TAG = "gvc/warehouse", "gvc/raw_root"  # on every run: what it built, from what


class GvcResource(dg.ConfigurableResource):
    """Where the raw root and the warehouse are, and the METHOD settings
    (``method``: the switches that differ from the defaults, as JSON; the
    Definitions put there what gvc.toml / GVC_CONFIG say). Every asset that
    writes the warehouse requires it, so a run holds the writer lock."""

    raw_root: str
    warehouse: str
    method: str = "{}"
    _lock: WriterLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Hold the warehouse's writer lock for the whole run (orchestration.warehouse):
        a run waits for `gvc build` (or a run outside the queue) to finish.
        Outside a run (a sensor's evaluation reads only) there is no lock."""
        if context.run is None:
            return
        if context.instance is not None:
            # who runs it (a run whose process dies is marked failed later), and on what: a run
            # launched from the UI says which warehouse and raw root it wrote and read, as a
            # build's runs do (a build names the warehouse it swaps into, not its working copy)
            tags = {PROCESS_TAG: process_token(), WAREHOUSE_TAG: str(Path(self.warehouse).resolve()),
                    RAW_ROOT_TAG: str(Path(self.raw_root).resolve())}
            context.instance.add_run_tags(context.run.run_id, {k: v for k, v in tags.items()
                                                               if k == PROCESS_TAG or k not in context.run.tags})
        log = context.log.info if context.log is not None else None
        self._lock = WriterLock(self.warehouse, holder=f"dagster run {context.run_id or '?'}")
        self._lock.acquire(progress=log)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def settings(self) -> MethodSettings:
        return settings_from_dict(json.loads(self.method), "GvcResource.method")


def method_json(settings: MethodSettings) -> str:
    """The switches of ``settings`` that differ from the defaults, as JSON."""
    default = MethodSettings().as_dict()
    return json.dumps({k: v for k, v in settings.as_dict().items() if v != default[k]}, sort_keys=True)
