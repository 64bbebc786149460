"""Raw inputs as assets, each validated by its pandera model (schemas/).

Keys match the dbt sources (`raw/<table>`, `reference/<table>`), so the dbt
staging models hang under them in the graph. A yearly table's partition
validates that year's files only; a failure names file, column, rule and rows.
"""


import dagster as dg
from dagster import AssetExecutionContext

from analytics.rawio import REFERENCE_TABLES, YEARLY_TABLES
from orchestration.resources import GvcResource
from schemas.validate import RawValidationError, validate_raw_root


def _check(gvc: GvcResource, table: str, years: list[int] | None) -> int:
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


def raw_assets(partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """One asset per raw table: the yearly ones partitioned by ``partitions``."""
    return [_yearly(t, partitions) for t in YEARLY_TABLES] + [_reference(t) for t in REFERENCE_TABLES]
