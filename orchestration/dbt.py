"""The dbt project as Dagster assets (dagster-dbt).

Three `@dbt_assets` over one manifest, each a `dbt build` run in the step's
own process (GvcDbtCliResource, orchestration.dbt_invocation): the per-year models (incremental,
delete+insert on year) partitioned by year with a single-run backfill policy,
so many years run as ONE `dbt build` with `years=[...]`; the cross-year
models, unpartitioned, that depend on every partition; and the models that
read the Python production tables (the analysis panel), which run after them. dbt tests become asset
checks. Groups come from `meta.dagster.group` in dbt_project.yml.
"""


import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import (DBT_INDIRECT_SELECTION_ENV, extract_runtime_selection_from_args,
                                     get_updated_cli_invocation_params_for_context)
from dagster_dbt.dagster_dbt_translator import validate_opt_translator
from dagster_dbt.dbt_manifest import validate_manifest
from packaging import version

from analytics.settings import MethodSettings, load_settings
from orchestration.dbt_cli import (AFTER_PYTHON_SELECT, PARSE_STATE, dbt_env, dbt_vars, dbt_warehouse,
                                   dbt_warehouse_path, hash_profile_without_path, place_parse_state,
                                   publish_parse_state)
from orchestration.dbt_invocation import InProcessDbtInvocation, dbt_location_args
from orchestration.partitions import year_partitions
from orchestration.metadata import with_table_metadata
from orchestration.resources import GvcResource, raw_root, scoped_environ, warehouse_path

DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
YEARLY_SELECT = "config.materialized:incremental"
INGEST_SEEDS = "tag:ingest"  # code tables gvc ingest reads from the seed files; no model reads them

project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


def _manifest_is_current(manifest: Path) -> bool:
    """Whether ``manifest`` exists and is newer than every model, test, yml and seed of the project."""
    # not a walk of the whole project: target/ and logs/ change under it while other dbt calls run
    # (a folder removed mid-walk raised FileNotFoundError)
    sources = [p for top in DBT_DIR.iterdir() if top.name not in ("target", "logs")
               for p in ([top] if top.is_file() else top.rglob("*")) if p.suffix in (".sql", ".yml", ".csv")]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    return manifest.exists() and manifest.stat().st_mtime >= newest


def ensure_manifest(settings: MethodSettings | None = None) -> Path:
    """Parse the project when its manifest is missing or older than a model.

    A fresh clone has no target/ (it is not committed); `dbt parse` needs no
    warehouse and no raw root (every var has a default). The parse takes the
    vars and the profile the dbt calls of a run will have (``settings``,
    default gvc.toml's; the warehouse of GVC_WAREHOUSE, which the parse never
    opens), starts from their saved parse (so an edited model
    is parsed alone) and leaves its own for them. One process parses at a
    time (a lock in target/): processes that start together (test workers,
    the UI's) wait for the first one's manifest instead of each parsing the
    project. The parse runs in a folder of its own and renames its manifest
    into target/, so a process reading the manifest never sees half of one.
    """
    manifest = project.manifest_path
    if _manifest_is_current(manifest):
        return manifest
    from dbt.cli.main import dbtRunner
    from filelock import FileLock

    manifest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(manifest.parent / "parse.lock")):
        if _manifest_is_current(manifest):  # another process parsed meanwhile
            return manifest
        vars_ = dbt_vars(settings if settings is not None else load_settings())
        path = dbt_warehouse_path(warehouse_path())
        work = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest.parent))
        try:
            placed = place_parse_state(work, vars_, path)
            hash_profile_without_path()
            with scoped_environ(**dbt_env(raw_root(), path)):
                res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
                                          "--target-path", str(work), "--vars", json.dumps(vars_), "--quiet"])
            if not res.success:
                raise RuntimeError(f"dbt parse failed: {res.exception}")
            publish_parse_state(work, vars_, path, placed)
            os.replace(work / PARSE_STATE, manifest.parent / PARSE_STATE)
            os.replace(work / "manifest.json", manifest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
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


CALL_FOLDERS_KEPT = 24
_CALL_FOLDER = re.compile(r".+-[0-9a-f]{7}-[0-9a-f]{7}")


def prune_call_folders(keep: int = CALL_FOLDERS_KEPT) -> None:
    """Keep the newest ``keep`` target folders of dbt calls (``<op>-<run>-<id>``, about
    8 MB each: manifest, compiled SQL, dbt.log to look into) and remove the rest."""
    folders = [d for d in (DBT_DIR / "target").glob("*-*-*") if d.is_dir() and _CALL_FOLDER.fullmatch(d.name)]
    for old in sorted(folders, key=lambda d: d.stat().st_mtime, reverse=True)[keep:]:
        shutil.rmtree(old, ignore_errors=True)


DBT_VERBOSE_ENV = "GVC_DBT_VERBOSE"  # "1": dbt's per-model lines on the console (gvc build --verbose)


def _lines_to_file(events, path: Path):
    """``events``, with what dagster-dbt writes to stdout while producing each
    one (every dbt log line, about 1,000 a build) sent to ``path`` instead of
    the console; the call's dbt.log beside it has them all too."""
    with path.open("a", encoding="utf-8") as sink:
        it = iter(events)
        while True:
            with contextlib.redirect_stdout(sink):
                try:
                    event = next(it)
                except StopIteration:
                    return
            yield event


def _dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, relations: dict,
               settings: MethodSettings, years: list[int] | None = None):
    """One `dbt build` of the asset's selection; each model's event carries its
    row count, null shares and (marts) a preview, read once dbt has exited.

    The vars are the METHOD switches alone; the raw root, the warehouse (a
    build's copy by its stable name) and the run's years go by the environment,
    so that every call reuses the last parse (orchestration.dbt_cli)."""
    vars_ = dbt_vars(settings)
    # a target folder of the call's own, as dagster-dbt names it, seeded with the saved parse
    target = DBT_DIR / "target" / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    prune_call_folders()
    with dbt_warehouse(warehouse_path()) as path:
        placed = place_parse_state(target, vars_, path)
        try:
            with scoped_environ(**dbt_env(raw_root(), path, years)):  # dagster-dbt hands dbt this environment
                invocation = dbt.cli(["build", "--indirect-selection", "buildable", "--vars", json.dumps(vars_)],
                                     context=context, target_path=target)

            def key_of(ev):
                return ev.asset_key if isinstance(ev, dg.AssetMaterialization) else context.asset_key_for_output(ev.output_name)

            events = invocation.stream()
            if os.environ.get(DBT_VERBOSE_ENV) != "1":
                events = _lines_to_file(events, target / "dbt_console.log")
            yield from with_table_metadata(events, str(warehouse_path()), relations, key_of, years)
        finally:
            publish_parse_state(target, vars_, path, placed)


def build_dbt_assets(settings: MethodSettings) -> list[dg.AssetsDefinition]:
    """The three dbt asset sets; the per-year one partitioned by the years of
    ``settings``, whose switches every `dbt build` receives as vars. Each takes
    ``gvc`` so that its run holds the warehouse's writer lock."""
    manifest = ensure_manifest(settings)
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
        exclude=f"{YEARLY_SELECT} {AFTER_PYTHON_SELECT} {INGEST_SEEDS}",
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


class GvcDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, running dbt in the step's process
    (:meth:`cli`), told the dbt version instead of asking, and without a
    second dbt adapter.

    Before every call dagster-dbt runs ``dbt --version`` in a process of its
    own (3 s here: it imports dbt) to choose between dbt-core and the Fusion
    engine; the dbt here is this environment's dbt-core, whose version the
    package metadata gives at once."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def cli(self, args: Sequence[str], *, raise_on_error: bool = True, manifest=None,
            dagster_dbt_translator: DagsterDbtTranslator | None = None, context=None,
            target_path: Path | None = None) -> InProcessDbtInvocation:
        """``dbt <args>`` as dagster-dbt would run it (the same selection of the
        context's assets, target folder and events), but in this process
        (:mod:`orchestration.dbt_invocation`)."""
        translator = validate_opt_translator(dagster_dbt_translator) or DagsterDbtTranslator()
        cleaned, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest=validate_manifest(manifest) if manifest else {}, dagster_dbt_translator=translator,
            runtime_selects=selects, runtime_excludes=excludes)
        project_dir = Path(params.dbt_project.project_dir if params.dbt_project else self.project_dir)
        target_path = Path(target_path or self._get_unique_target_path(context=context))
        if not target_path.is_absolute():
            target_path = project_dir / target_path
        environ = dict(os.environ)
        if params.indirect_selection:
            environ[DBT_INDIRECT_SELECTION_ENV] = params.indirect_selection
        profile = [*(["--profile", self.profile] if self.profile else []), *(["--target", self.target] if self.target else [])]
        dbt_args = [*self.global_config_flags, *cleaned, *dbt_location_args(project_dir, self.profiles_dir or project_dir, target_path),
                    *profile, *params.selection_args]
        return InProcessDbtInvocation.start(
            dbt_args, environ, manifest=params.manifest, dagster_dbt_translator=params.dagster_dbt_translator,
            project_dir=project_dir, target_path=target_path, raise_on_error=raise_on_error, context=context,
            adapter=None, cli_version=self._cli_version, project=params.dbt_project)

    def _initialize_dbt_core_adapter(self, args):
        """No in-process adapter. dagster-dbt builds one before every call (2 s
        here: it loads every dbt macro) only for its own row-count and column
        queries; the assets read their tables' metadata from the warehouse once
        dbt has exited (orchestration.metadata.with_table_metadata)."""
        return None


def dbt_resource() -> DbtCliResource:
    """dbt of this environment (beside its Python), also when the venv is not on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return GvcDbtCliResource(project_dir=project, dbt_executable=str(beside) if beside.exists() else shutil.which("dbt"))
