"""`gvc ingest` as an asset: the delivered files of a configured source folder into the raw root.

Outside every build: `gvc build` and the sensor never select it (a build
reads the raw root as it is); a user materialises it from the UI when a new
delivery arrives, then builds. Its source folders come from the run's config
(``sources``) or, by default, ``GVC_DELIVERY`` (folders separated by the
path separator). Like the command, it writes nothing unless every file
passed; its metadata hold the per-file report.
"""


import os
from typing import Optional

import dagster as dg

from analytics.ingest import IngestError, ingest
from orchestration.resources import GvcResource

DELIVERY_ENV = "GVC_DELIVERY"
from orchestration.changes import INGEST_KEY


class IngestConfig(dg.Config):
    sources: list[str] = []
    layout: Optional[str] = None
    layouts_dir: Optional[str] = None
    dry_run: bool = False


def _sources(config: IngestConfig) -> list[str]:
    return config.sources or [p for p in os.environ.get(DELIVERY_ENV, "").split(os.pathsep) if p]


@dg.asset(key=INGEST_KEY, group_name="raw", kinds={"python"},
          description="Vendor-delivered files (Stata, CSV, Excel, Access, Parquet) converted into the raw root by "
                      "gvc ingest: layout recognised per file, codes restored, all or nothing. Not part of a build: "
                      "materialise it when a delivery arrives (sources in the run config or GVC_DELIVERY).")
def delivered_files(context: dg.AssetExecutionContext, config: IngestConfig, gvc: GvcResource) -> dg.MaterializeResult:
    sources = _sources(config)
    if not sources:
        raise dg.Failure(f"no delivery to ingest: give `sources` in the run config or set {DELIVERY_ENV}")
    try:
        report = ingest(sources, gvc.raw_root, layout=config.layout, layouts_dir=config.layouts_dir,
                        dry_run=config.dry_run, progress=context.log.info)
    except IngestError as err:
        raise dg.Failure(str(err)) from None
    rows = "\n".join(f"| {f.file} | {f.layout} | {f.table} | {f.years} | {f.rows_read:,} | {f.rows_kept:,} |"
                     for f in report.files)
    return dg.MaterializeResult(metadata={
        "files": dg.MetadataValue.md("| file | layout | table | years | read | kept |\n|---|---|---|---|---|---|\n"
                                     + rows),
        "report": dg.MetadataValue.md("\n".join(f"    {line}" for line in report.lines())),
        "raw_root": dg.MetadataValue.path(gvc.raw_root),
        "dry_run": dg.MetadataValue.bool(config.dry_run),
    })
