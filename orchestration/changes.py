"""Change-driven rebuilds: what each year's build consumed, and the sensor
that rebuilds what a changed raw file, setting or model makes stale.

- ``meta/build_inputs`` (asset, last of a cross-year run): records, for the
  years the run rebuilt, the fingerprints of the inputs each consumed
  (``analytics.fingerprints``) in ``meta.build_inputs``, and under year -1
  the cross-year work's own inputs (every reference table, every setting,
  the code version). The years come from
  the run's ``gvc/years`` tag (`gvc build`, the sensor), else from its
  partition range tags (a backfill from the UI).
- :func:`code_versions`: digests of the code, per-year (the per-year dbt
  models with what they read, the macros, seeds and the raw-reading Python)
  and cross-year (the other models and the Python of the method), so an
  edited model makes its years stale.
- ``raw_changes_sensor`` (running by default in `gvc ui`): compares the raw
  root with ``meta.build_inputs`` and requests one run per stale year of the
  per-year assets (with what they read upstream), then one run of the
  cross-year assets; the project's run queue starts them one at a time, in
  that order. `gvc build --changed` does the same from the CLI.
"""

# no `from __future__ import annotations`: dagster inspects the context annotation

import hashlib
import json
import re
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from analytics.fingerprints import (FileHashes, changed_tables, inputs_frame, raw_fingerprints, stale_cross,
                                    stale_years)
from orchestration.partitions import default_years
from orchestration.resources import GvcResource
from orchestration.warehouse import transaction

BUILD_INPUTS = "meta.build_inputs"
YEARS_TAG = "gvc/years"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
KEY = dg.AssetKey(["meta", "build_inputs"])
REPORT_KEY = dg.AssetKey(["report", "report"])


def read_build_inputs(warehouse: Path | str) -> pd.DataFrame | None:
    """What the last builds of each year consumed (None: no warehouse or none recorded)."""
    if not Path(warehouse).exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        have = con.execute("select count(*) from information_schema.tables "
                           "where table_schema = 'meta' and table_name = 'build_inputs'").fetchone()[0]
        return con.execute(f"select year, input, fingerprint from {BUILD_INPUTS}").df() if have else None
    finally:
        con.close()


def record_build_inputs(warehouse: Path | str, rows: pd.DataFrame) -> None:
    """Replace the rows of the years in ``rows`` (one transaction)."""
    with transaction(warehouse) as con:
        con.execute("create schema if not exists meta")
        con.execute(f"create table if not exists {BUILD_INPUTS} (year integer, input varchar, fingerprint varchar, "
                    "recorded_at timestamp)")
        con.register("new_inputs", rows)
        con.execute(f"delete from {BUILD_INPUTS} where year in (select distinct year from new_inputs)")
        con.execute(f"insert into {BUILD_INPUTS} select year, input, fingerprint, current_timestamp from new_inputs")


PROJECT_ROOT = Path(__file__).resolve().parent.parent
# the Python that reads the raw root for the per-year models (validation, reading, the settings they pass)
PER_YEAR_PYTHON = ("schemas", "analytics/rawio.py", "analytics/settings.py", "analytics/names.py",
                   "orchestration/raw.py", "orchestration/dbt.py", "orchestration/dbt_cli.py",
                   "orchestration/dbt_invocation.py")
# the Python of the method's cross-year part (the generator is no part of it)
CROSS_YEAR_PYTHON = ("analytics", "orchestration", "schemas")


def _python_files(entries: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[Path]:
    out = []
    for e in entries:
        p = PROJECT_ROOT / e
        out += sorted(p.rglob("*.py")) if p.is_dir() else ([p] if p.exists() else [])
    return [f for f in out if not any(f.is_relative_to(PROJECT_ROOT / x) for x in exclude)]


def code_versions(manifest: Path | str | None = None) -> dict[str, str]:
    """``{"per_year": sha256, "cross_year": sha256}`` of the code (module docstring),
    from the dbt manifest's checksums of each model and seed and its macros' text."""
    from orchestration.dbt import DBT_DIR, ensure_manifest

    m = json.loads(Path(manifest or ensure_manifest()).read_text())
    nodes = {u: n for u, n in m["nodes"].items() if n["resource_type"] in ("model", "seed")}
    yearly = {u for u, n in nodes.items() if n["resource_type"] == "model"
              and n["config"].get("materialized") == "incremental"}
    todo = list(yearly)
    while todo:  # with the staging views and seeds they read
        for d in nodes[todo.pop()].get("depends_on", {}).get("nodes", []):
            if d in nodes and d not in yearly:
                yearly.add(d)
                todo.append(d)
    project = m["metadata"].get("project_name") or "gvc"
    macros = sorted(f"{k}:{hashlib.sha256(v['macro_sql'].encode()).hexdigest()}"
                    for k, v in m["macros"].items() if v["package_name"] == project)

    def digest(items: list[str], files: list[Path]) -> str:
        h = hashlib.sha256()
        for item in sorted(items):
            h.update(item.encode() + b"\n")
        for f in files:
            h.update(f.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + f.read_bytes())
        return h.hexdigest()

    def checksum(u: str) -> str:
        return f"{u}:{nodes[u]['checksum']['checksum']}"

    config = [(DBT_DIR / "dbt_project.yml").read_text()]
    per_year = digest([checksum(u) for u in yearly] + macros + config, _python_files(PER_YEAR_PYTHON))
    cross = digest([checksum(u) for u in nodes if u not in yearly] + [per_year],
                   _python_files(CROSS_YEAR_PYTHON, exclude=("analytics/synth",)))
    return {"per_year": per_year, "cross_year": cross}


def years_of_run(tags: dict[str, str], sample_years: tuple[int, ...]) -> list[int]:
    """The sample years a run rebuilt: its ``gvc/years`` tag, else its partition range."""
    if YEARS_TAG in tags:
        return sorted(int(y) for y in tags[YEARS_TAG].split(",") if y)
    if RANGE_START in tags and RANGE_END in tags:
        lo, hi = int(tags[RANGE_START]), int(tags[RANGE_END])
        return [y for y in sample_years if lo <= y <= hi]
    return []


@dg.asset(
    key=KEY,
    group_name="report",
    deps=[REPORT_KEY],
    kinds={"python", "duckdb"},
    description="What each year's last build consumed: per sample year, the sha256 fingerprint of every input "
                "(its customs folder, the patent folders of its window, every survey year, every reference "
                "table, the METHOD settings), for `gvc build --changed` and the raw-changes sensor.",
)
def build_inputs(context: dg.AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    settings = gvc.settings
    tags = dict(context.run.tags)
    years = years_of_run(tags, settings.years)
    cross = YEARS_TAG in tags  # a cross-year run of `gvc build` or of the sensor: the whole cross-year work ran
    if not years and not cross:
        context.log.info("no rebuilt years in this run's tags: nothing recorded")
        return dg.MaterializeResult(metadata={"years": "", "rows": 0})
    rows = inputs_frame(current_fingerprints(gvc.raw_root, gvc.warehouse), years, settings, code_versions(), cross=cross)
    record_build_inputs(gvc.warehouse, rows)
    return dg.MaterializeResult(metadata={"years": ", ".join(map(str, years)), "rows": len(rows)})


def change_run_requests(stale: dict[int, list[str]], yearly_keys: list[dg.AssetKey],
                        cross_keys: list[dg.AssetKey], cross_reasons: list[str] = ()) -> list[dg.RunRequest]:
    """One run per stale year of the per-year assets, then one cross-year run
    (alone when only the cross-year inputs changed: ``cross_reasons``)."""
    years = sorted(stale)
    tag = ",".join(map(str, years))
    out = [dg.RunRequest(run_key=None, partition_key=str(y), asset_selection=yearly_keys,
                         tags={"gvc/reason": "; ".join(stale[y])[:1000]}) for y in years if yearly_keys]
    tags = {YEARS_TAG: tag, **({} if years else {"gvc/reason": "; ".join(cross_reasons)[:1000]})}
    out.append(dg.RunRequest(run_key=None, asset_selection=cross_keys, tags=tags))
    return out


def file_hashes_path(warehouse: Path | str) -> Path:
    """Where the digests of the raw files are kept for ``warehouse``:
    ``<warehouse>.file_hashes.json`` (a build's copy ``<warehouse>.building-<pid>``
    uses its warehouse's)."""
    w = Path(warehouse)
    m = re.fullmatch(r"(.+)\.building-\d+", w.name)
    return w.with_name(f"{m[1] if m else w.name}.file_hashes.json")


def current_fingerprints(raw: Path | str, warehouse: Path | str) -> pd.DataFrame:
    """:func:`raw_fingerprints` of ``raw``, reading only the files whose size,
    mtime or inode changed since the last look for ``warehouse`` (FileHashes)."""
    keep = file_hashes_path(warehouse)
    hashes = FileHashes.load(keep)
    fps = raw_fingerprints(raw, hashes)
    hashes.save(keep)
    return fps


SPEC_CURVE_KEY = dg.AssetKey(["estimation", "spec_curve"])
INGEST_KEY = dg.AssetKey(["raw", "delivered_files"])  # orchestration.ingest (which imports this module's peers)


def year_selections(graph, spec_curve: bool = False) -> tuple[dg.AssetSelection, dg.AssetSelection]:
    """(per-year, cross-year): the partitioned assets with what they read (reference
    tables, staging views: unpartitioned), and the rest -- the two kinds of run of
    `gvc build` and of this sensor. The specification curve (every METHOD switch
    rerun: the costliest asset) is cross-year work only when asked (``spec_curve``);
    otherwise it keeps its last result, which the UI then marks as stale and the
    report dates."""
    partitioned = [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def is not None]
    yearly = dg.AssetSelection.assets(*partitioned).upstream()
    cross = dg.AssetSelection.all() - yearly
    if graph.has(INGEST_KEY):  # a delivery is ingested on demand, never by a build
        cross = cross - dg.AssetSelection.assets(INGEST_KEY)
    if not spec_curve and graph.has(SPEC_CURVE_KEY):
        cross = cross - dg.AssetSelection.assets(SPEC_CURVE_KEY)
    return yearly, cross


def narrowed_selections(graph, yearly: dg.AssetSelection, cross: dg.AssetSelection,
                        tables: set[str] | None) -> tuple[dg.AssetSelection, dg.AssetSelection]:
    """Of the per-year and cross-year selections, the assets downstream of the
    raw ``tables`` that changed (``analytics.fingerprints.changed_tables``), so a
    corrected customs file reruns neither the survey-wide models nor the
    patents' per-year models; the record of the build's inputs and the report
    always run. ``tables`` None (a setting, the code, a new year), or a table
    with no asset: both selections whole."""
    if tables is None:
        return yearly, cross
    keys = [dg.AssetKey(t.split("/")) if t.startswith("reference/") else dg.AssetKey(["raw", t]) for t in tables]
    if not all(graph.has(k) for k in keys):
        return yearly, cross
    touched = dg.AssetSelection.assets(*keys).downstream()
    always = dg.AssetSelection.assets(*[k for k in (KEY, REPORT_KEY) if graph.has(k)])
    return yearly & touched, cross & (touched | always)


def _selections(context, tables: set[str] | None) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    graph = context.repository_def.asset_graph
    yearly, cross = narrowed_selections(graph, *year_selections(graph), tables)
    return sorted(yearly.resolve(graph)), sorted(cross.resolve(graph))


@dg.sensor(
    name="raw_changes_sensor",
    target=dg.AssetSelection.all(),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rebuilds the years whose raw files changed since their last build (per-year fingerprints "
                "against meta.build_inputs), then the cross-year assets.",
)
def raw_changes_sensor(context: dg.SensorEvaluationContext, gvc: GvcResource):
    warehouse = Path(gvc.warehouse)
    if not warehouse.exists():
        return dg.SkipReason(f"no warehouse at {warehouse}: build it first (gvc build)")
    try:
        recorded = read_build_inputs(warehouse)
    except duckdb.Error as err:  # a run is writing the warehouse: look again at the next tick
        return dg.SkipReason(f"warehouse busy: {str(err).splitlines()[0]}")
    if recorded is None:
        return dg.SkipReason("the warehouse records no build inputs yet (gvc build records them)")
    settings = gvc.settings
    from orchestration.recovery import fail_dead_runs

    fail_dead_runs(context.instance, progress=context.log.warning)  # so that a dead run never blocks the queue
    fps, code = current_fingerprints(gvc.raw_root, warehouse), code_versions()
    stale = stale_years(recorded, fps, default_years(Path(gvc.raw_root), settings), settings, code)
    cross_why = [] if stale else stale_cross(recorded, fps, settings, code)
    if not stale and not cross_why:
        context.update_cursor(None)
        return dg.SkipReason("no raw file, setting or model changed since the last build")
    signature = json.dumps([stale, cross_why], sort_keys=True)
    if context.cursor == signature:
        return dg.SkipReason(f"rebuild of {sorted(stale) or 'the cross-year assets'} already requested")
    context.update_cursor(signature)
    years = sorted(stale) if stale else []
    yearly, cross = _selections(context, changed_tables(recorded, fps, years, settings, code))
    context.log.info(f"stale years {sorted(stale)}: {stale}" if stale else f"cross-year assets stale: {cross_why}")
    return change_run_requests(stale, yearly, cross, cross_why)


__all__ = ["build_inputs", "raw_changes_sensor", "current_fingerprints", "file_hashes_path", "read_build_inputs", "record_build_inputs", "years_of_run",
           "code_versions",
           "change_run_requests", "year_selections", "narrowed_selections", "YEARS_TAG"]
