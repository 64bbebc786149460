"""The dbt project as Dagster assets (dagster-dbt).

Three `@dbt_assets` over one manifest: the per-year models (incremental,
delete+insert on year) partitioned by year with a single-run backfill policy,
so many years run as ONE `dbt build` with `years=[...]`; the cross-year
models, unpartitioned, that depend on every partition; and the models that
read the Python production tables (the analysis panel), which run after them. dbt tests become asset
checks. Groups come from `meta.dagster.group` in dbt_project.yml.
"""


import json
import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from analytics.settings import MethodSettings
from orchestration.dbt_cli import AFTER_PYTHON_SELECT, dbt_vars
from orchestration.partitions import year_partitions
from orchestration.metadata import with_table_metadata
from orchestration.resources import GvcResource, raw_root, warehouse_path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
YEARLY_SELECT = "config.materialized:incremental"

project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def ensure_manifest() -> Path:
    """Parse the project when its manifest is missing or older than a model.

    A fresh clone has no target/ (it is not committed); `dbt parse` needs no
    warehouse and no raw root (every var has a default).
    """
    manifest = project.manifest_path
    sources = [p for p in DBT_DIR.rglob("*") if p.suffix in (".sql", ".yml", ".csv") and "target" not in p.parts]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        from dbt.cli.main import dbtRunner

        env = os.environ.setdefault("GVC_WAREHOUSE", str(DBT_DIR / "target" / "parse.duckdb"))
        del env
        res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--quiet"])
        if not res.success:
            raise RuntimeError(f"dbt parse failed: {res.exception}")
    return manifest


class GvcTranslator(DagsterDbtTranslator):
    """Asset keys: models by name, sources as `<source>/<table>` (the raw
    assets), seeds as `seed/<name>` (the METHOD defaults used when the raw
    root lacks a reference table: they must not collide with its asset)."""

    def get_asset_key(self, dbt_resource_props) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "seed":
            return dg.AssetKey(["seed", dbt_resource_props["name"]])
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        if dbt_resource_props["resource_type"] in ("model", "snapshot"):
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)


TRANSLATOR = GvcTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def model_relations(manifest: Path) -> dict[dg.AssetKey, tuple[str, str]]:
    """Asset key -> (schema, table) of every dbt model (for the table metadata)."""
    nodes = json.loads(Path(manifest).read_text())["nodes"].values()
    return {TRANSLATOR.get_asset_key(n): (n["schema"], n["alias"]) for n in nodes if n["resource_type"] == "model"}


def yearly_relations(manifest: Path) -> list[tuple[str, str, str]]:
    """(schema, table, year column) of every per-year model (incremental on its year)."""
    nodes = json.loads(Path(manifest).read_text())["nodes"].values()
    return sorted((n["schema"], n["alias"], n["config"].get("unique_key") or "year") for n in nodes
                  if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental")


def _dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, relations: dict,
               settings: MethodSettings, years: list[int] | None = None):
    """One `dbt build` of the asset's selection; each model's event carries its
    row count, null shares and (marts) a preview, read once dbt has exited."""
    invocation = dbt.cli(["build", "--indirect-selection", "buildable",
                          "--vars", json.dumps(dbt_vars(raw_root(), settings, years))], context=context)

    def key_of(ev):
        return ev.asset_key if isinstance(ev, dg.AssetMaterialization) else context.asset_key_for_output(ev.output_name)

    yield from with_table_metadata(invocation.stream(), str(warehouse_path()), relations, key_of, years)


def build_dbt_assets(settings: MethodSettings) -> list[dg.AssetsDefinition]:
    """The three dbt asset sets; the per-year one partitioned by the years of
    ``settings``, whose switches every `dbt build` receives as vars. Each takes
    ``gvc`` so that its run holds the warehouse's writer lock."""
    manifest = ensure_manifest()
    relations = model_relations(manifest)

    @dbt_assets(
        manifest=manifest,
        project=project,
        select=YEARLY_SELECT,
        name="dbt_yearly",
        partitions_def=year_partitions(settings),
        backfill_policy=dg.BackfillPolicy.single_run(),
        dagster_dbt_translator=TRANSLATOR,
    )
    def dbt_yearly(context: AssetExecutionContext, dbt: DbtCliResource, gvc: GvcResource):
        years = sorted(int(k) for k in context.partition_keys)
        context.log.info(f"dbt build of the per-year models for {years}")
        yield from _dbt_build(context, dbt, relations, settings, years)

    @dbt_assets(
        manifest=manifest,
        project=project,
        exclude=f"{YEARLY_SELECT} {AFTER_PYTHON_SELECT}",
        name="dbt_cross_year",
        dagster_dbt_translator=TRANSLATOR,
    )
    def dbt_cross_year(context: AssetExecutionContext, dbt: DbtCliResource, gvc: GvcResource):
        yield from _dbt_build(context, dbt, relations, settings)

    @dbt_assets(
        manifest=manifest,
        project=project,
        select=AFTER_PYTHON_SELECT,
        exclude=YEARLY_SELECT,
        name="dbt_panel",
        dagster_dbt_translator=TRANSLATOR,
    )
    def dbt_panel(context: AssetExecutionContext, dbt: DbtCliResource, gvc: GvcResource):
        yield from _dbt_build(context, dbt, relations, settings)

    return [dbt_yearly, dbt_cross_year, dbt_panel]


def dbt_resource() -> DbtCliResource:
    """dbt of this environment (beside its Python), also when the venv is not on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return DbtCliResource(project_dir=project, dbt_executable=shutil.which("dbt") or str(beside))
