"""Raw inputs as assets, each validated by its pandera model (schemas/).

Keys match the dbt sources (`raw/<table>`, `reference/<table>`), so the dbt
staging models hang under them in the graph. A yearly table's partition
validates that year's files only; a failure names file, column, rule and rows.

`gvc build` validates the whole raw root before its first run (a bad file is
refused before anything is built) and hands its runs the rows it validated
(:data:`VALIDATED_ENV`): the raw assets of those runs record them instead of
reading every file a second time (142 s of customs at paper scale).
"""

import json
import os
import re
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from analytics.rawio import REFERENCE_TABLES, YEARLY_TABLES
from orchestration.resources import GvcResource
from schemas.prices import ABSENT, PRICE_TABLES
from schemas.validate import RawValidationError, split_weights_failures, validate_raw_root

VALIDATED_ENV = "GVC_RAW_VALIDATED"  # {"raw_root": ..., "rows": {"<table>/<year or all>": rows}}
_YEAR_FOLDER = re.compile(r"year=(\d{4})")


def validated_key(table: str, path) -> str:
    """``<table>/<year>`` of a validated file (``<table>/all`` outside year folders)."""
    m = _YEAR_FOLDER.search(str(path))
    return f"{table}/{m[1] if m else 'all'}"


def validated_env(raw_root: Path | str, rows: dict[str, int]) -> dict[str, str]:
    """The environment telling the raw assets what `gvc build` validated in ``raw_root``."""
    return {VALIDATED_ENV: json.dumps({"raw_root": str(Path(raw_root).resolve()), "rows": rows})}


def _already_validated(raw_root: str, table: str, years: list[int] | None) -> int | None:
    """Rows of ``table`` (its ``years``) that this run's `gvc build` validated, else None."""
    try:
        done = json.loads(os.environ.get(VALIDATED_ENV) or "null")
    except ValueError:
        return None
    if not done or done.get("raw_root") != str(Path(raw_root).resolve()):
        return None
    rows = done.get("rows", {})
    keys = [f"{table}/all", *(f"{table}/{y}" for y in (years or []))]
    if not any(k in rows for k in keys):
        return None
    return sum(int(rows.get(k, 0)) for k in keys)


def _check(gvc: GvcResource, table: str, years: list[int] | None) -> int:
    if table == "hs_concordance":  # its weights must be the ones the setting split_weights names
        failures = split_weights_failures(gvc.raw_root, gvc.settings)
        if failures:
            raise dg.Failure(description=str(RawValidationError(failures)))
    done = _already_validated(gvc.raw_root, table, years)
    if done is not None:
        return done
    try:
        counts = validate_raw_root(gvc.raw_root, years=years, tables=[table], settings=gvc.settings)
    except RawValidationError as err:
        raise dg.Failure(description=str(err)) from err
    return int(counts.get(table, 0))


def _yearly(table: str, partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", table],
        group_name="raw",
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=f"Raw `{table}` files of the partition's years, validated against schemas.raw.",
        kinds={"parquet", "pandera"},
    )
    def _asset(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
        years = [int(k) for k in context.partition_keys]
        rows = _check(gvc, table, years)
        context.log.info(f"{table} {years}: {rows:,} rows valid")
        return dg.MaterializeResult(metadata={"rows": rows, "raw_root": gvc.raw_root})

    return _asset


def _reference(table: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["reference", table],
        group_name="raw",
        description=f"Reference table `{table}`, validated against schemas.reference.",
        kinds={"parquet", "pandera"},
    )
    def _asset(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
        rows = _check(gvc, table, None)
        return dg.MaterializeResult(metadata={"rows": rows, "raw_root": gvc.raw_root})

    return _asset


def _price_table(table: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["reference", table],
        group_name="raw",
        description=f"Optional reference table `{table}` (METHOD §0 step 5), validated against schemas.prices "
                    "when present; absent, the production side keeps nominal values.",
        kinds={"parquet", "pandera"},
    )
    def _asset(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
        if not (Path(gvc.raw_root) / "reference" / table).is_dir():
            context.log.info(ABSENT[table])
            return dg.MaterializeResult(metadata={"rows": 0, "raw_root": gvc.raw_root, "absent": True})
        rows = _check(gvc, table, None)
        return dg.MaterializeResult(metadata={"rows": rows, "raw_root": gvc.raw_root, "absent": False})

    return _asset


def raw_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """One asset per raw table: the yearly ones partitioned by ``partitions``, and the
    optional price tables."""
    return ([_yearly(t, partitions) for t in YEARLY_TABLES] + [_reference(t) for t in REFERENCE_TABLES]
            + [_price_table(t) for t in PRICE_TABLES])
