"""`gvc build`: validate the raw root, materialise every asset, swap in the warehouse.

A build never leaves a half-written warehouse: it works on a temporary copy
next to the target (``<warehouse>.building-<pid>``) and replaces the target
with one atomic rename only when every asset and check succeeded; the report
is written into ``<reports>.building-<pid>`` and moved into the report folder
right after. On any failure the target and the report are as they were and
the work copies are removed; a killed build leaves them named for its pid,
never mistaken for the warehouse, and the next build removes them
(``orchestration.recovery``), with the runs the dead build left unfinished. From its
first read of the warehouse to the swap it holds the warehouse's writer lock,
which every Dagster run writing it holds too: a run started in `gvc ui`
during a build waits for it, and the build waits for a running one.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from analytics.fingerprints import ALL_YEARS, changed_tables, stale_cross, stale_years
from analytics.rawio import UTF8_STAGING_ENV, stage_utf8_csv, years_present
from analytics.settings import DEFAULT_SETTINGS, MethodSettings, load_settings
from orchestration.changes import (YEARS_TAG, code_versions, current_fingerprints, narrowed_selections,
                                  read_build_inputs, year_selections)
from orchestration.partitions import default_years, year_ranges
from orchestration.raw import validated_env, validated_key
from orchestration.recovery import building_name, fail_dead_runs, remove_orphans
from orchestration.resources import RAW_ROOT_TAG, WAREHOUSE_TAG
from schemas.prices import validate_price_tables
from schemas.validate import check_split_weights, validate_raw_root

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """A build step failed; the warehouse was left untouched."""


def build(
    raw: Path | str,
    warehouse: Path | str,
    years: list[int] | None = None,
    settings: MethodSettings | None = None,
    progress: Progress = print,
    reports: Path | str | None = None,
    changed: bool = False,
    instance: dg.DagsterInstance | None = None,
    dry_run: bool = False,
    lock_timeout: float | None = None,
    spec_curve: bool = False,
) -> dict:
    """Validate, materialise every asset for ``years``, swap the warehouse in.

    ``spec_curve``: also rerun the specification curve (every METHOD switch;
    without it the warehouse keeps the last curve, which the report dates).

    ``settings``: the METHOD switches (default gvc.toml / GVC_CONFIG); their
    years are the partition keys. ``reports``: the folder the report assets
    write to (default: GVC_REPORTS, else ``<warehouse>.reports`` beside the warehouse).
    ``changed``: of ``years`` (default every year present), only those whose
    raw inputs changed since their last build (``analytics.fingerprints``;
    ``meta.build_inputs`` in the warehouse), then the cross-year assets.
    ``dry_run``: say which years and assets would be rebuilt and why, and
    stop. ``instance``: the Dagster instance whose run history keeps the runs
    (default an ephemeral one). The build holds the warehouse's writer lock
    (``orchestration.warehouse``) from its first read to the swap, waiting up
    to ``lock_timeout`` seconds (None: as long as it takes) for a run that
    holds it. Every successful build records, per year built, the
    fingerprints of the inputs it consumed.
    """
    from orchestration.resources import beside
    from orchestration.warehouse import WarehouseBusy, WriterLock

    settings = settings or load_settings()
    raw, warehouse = Path(raw).resolve(), Path(warehouse).resolve()
    if reports is None:
        reports = Path(os.environ["GVC_REPORTS"]) if os.environ.get("GVC_REPORTS") else beside(warehouse, "reports")
    reports = Path(reports).resolve()
    for line in unconfigured_years(raw, settings):
        progress(line)
    # a switch the raw root cannot honour: refused before anything is read or locked
    check_split_weights(raw, settings)
    years = sorted(years) if years else default_years(raw, settings)
    bad = [y for y in years if y not in settings.years]
    if bad:
        raise BuildError(f"years {bad} are not sample years ({settings.year_start}-{settings.year_end} "
                         f"less {list(settings.exclude_years)}; the range is set in gvc.toml)")
    lock = WriterLock(warehouse, holder=f"gvc build{' --changed' if changed else ''}")
    try:
        lock.acquire(timeout=lock_timeout, progress=progress)
    except WarehouseBusy as err:
        raise BuildError(f"{err}; try again when it has finished") from None
    try:
        # what a build or run that died left behind (no live writer now: we hold the lock)
        remove_orphans(warehouse, reports, progress=progress)
        if instance is not None:
            fail_dead_runs(instance, progress=progress)
        return _build_locked(raw, warehouse, years, settings, progress, reports, changed, instance, dry_run,
                             spec_curve)
    finally:
        lock.release()


def _build_locked(raw: Path, warehouse: Path, years: list[int], settings: MethodSettings, progress: Progress,
                  reports: Path, changed: bool, instance: dg.DagsterInstance | None, dry_run: bool,
                  spec_curve: bool) -> dict:
    """build() once it holds the writer lock."""
    from orchestration.resources import scoped_environ

    stale: dict[int, list[str]] = {}
    tables: set[str] | None = None  # with --changed: the raw tables that changed (None: everything reruns)
    result = {"warehouse": str(warehouse), "years": [], "stale": {}, "marts": {}, "seconds": 0.0,
              "reports": str(reports), "dropped": []}
    recorded = read_build_inputs(warehouse)
    # years the warehouse holds that the raw root (or the settings) no longer has: removed from every table
    dropped = dropped_years(recorded, default_years(raw, settings))
    if dropped:
        progress(f"the warehouse holds years the raw root no longer has: {dropped}; their rows are removed "
                 "from every per-year table")
    if changed:
        fps, code = current_fingerprints(raw, warehouse), code_versions()
        stale = stale_years(recorded, fps, years, settings, code)
        cross_why = stale_cross(recorded, fps, settings, code) + ([f"years {dropped} removed"] if dropped else [])
        if not stale and not cross_why:
            progress(f"nothing changed in {raw} since the last build of {warehouse}: up to date")
            return {**result, "marts": mart_counts(warehouse) if warehouse.exists() else {}}
        if stale:
            progress(f"changed since the last build, {len(stale)} of {len(years)} years to rebuild:")
            for line in describe_stale(stale, settings):
                progress(f"  {line}")
        else:
            progress(f"no year is stale; the cross-year assets are: {'; '.join(cross_why)}")
        years = sorted(stale)
        tables = None if dropped else changed_tables(recorded, fps, years, settings, code)
        if tables:
            progress(f"only the assets that read {', '.join(sorted(tables))} rerun")
    progress(f"raw root: {raw}")
    progress(f"warehouse: {warehouse}")
    progress(f"years: {years}")
    t0 = time.perf_counter()
    stages: dict[str, float] = {}  # wall seconds: validation, then every Dagster step of every run
    validated: dict[str, int] = {}  # rows validated per table and year: the raw assets record them
    if not dry_run:  # first, so that a bad file is refused before anything else is loaded
        progress("validating the raw root against the contract (schemas/)")
        def validated_file(t: str, p, n: int) -> None:
            key = validated_key(t, p)
            validated[key] = validated.get(key, 0) + n
            progress(f"  read {t}: {p.name if hasattr(p, 'name') else p} ({n:,} rows)")

        counts = validate_raw_root(raw, years=years, settings=settings, note=progress, progress=validated_file)
        progress(f"raw root valid: {sum(counts.values()):,} rows in {len(counts)} tables")
        # METHOD §0 step 5: the optional price tables (validated above when present); without them
        # the production side keeps nominal values, and the log says so
        validate_price_tables(raw, settings=settings, note=progress)
        stages["validation"] = time.perf_counter() - t0
    # CSV in another encoding than UTF-8 (csv_encoding): dbt reads UTF-8 copies kept beside the warehouse
    utf8 = None if dry_run else stage_utf8_csv(raw, settings.csv_encoding, Path(f"{warehouse}.csv_utf8"))
    from orchestration.definitions import make_definitions  # (after validation: loading them takes seconds)

    tmp = building_name(warehouse)
    defs = make_definitions(raw, tmp, settings)
    graph = defs.resolve_asset_graph()
    # the per-year runs take what the partitioned assets read too; the last run takes the rest once
    yearly, cross = narrowed_selections(graph, *year_selections(graph, spec_curve=spec_curve), tables)
    runs: list[tuple[str, dg.AssetSelection, dict]] = [
        (f"the per-year assets of {start}-{end} (raw -> staging -> intermediate -> per-year marts)", yearly,
         {"dagster/asset_partition_range_start": str(start), "dagster/asset_partition_range_end": str(end)})
        for start, end in year_ranges(years, settings) if yearly.resolve(graph)
    ]
    # the last cross-year asset (meta/build_inputs) records what the years of YEARS_TAG consumed
    runs.append(("the cross-year assets (complementarity, panel, production, estimation, report)", cross,
                 {YEARS_TAG: ",".join(map(str, years))}))
    per_year = sorted(k.to_user_string() for k in yearly.resolve(graph))
    once = sorted(k.to_user_string() for k in cross.resolve(graph))
    if changed or dry_run:
        if years:
            progress(f"will rebuild partitions {years} of {len(per_year)} per-year assets: {', '.join(per_year)}")
        progress(f"{'then ' if years else 'will rebuild '}{len(once)} cross-year assets: {', '.join(once)}")
    if dry_run:
        progress("dry run: nothing built")
        return {**result, "years": years, "stale": stale, "dropped": dropped, "per_year_assets": per_year,
                "cross_year_assets": once}


    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # the copy's own files: the database, its write-ahead log, the writer lock its runs take;
    # and the report's work folder, swapped in with the warehouse
    scratch = (tmp, Path(f"{tmp}.wal"), Path(f"{tmp}.lock"))
    report_work = building_name(reports)
    dagster_log = logging.getLogger("dagster")
    level = dagster_log.level
    # dagster-dbt's notes per dbt call (the command, its selection, tests run by indirect selection)
    # and the run storage's schema stamps: in the log of each run, not on the console
    chatty = {name: logging.getLogger(name) for name in ("dagster.builtin", "alembic")}
    chatty_levels = {name: lg.level for name, lg in chatty.items()}
    for lg in chatty.values():
        lg.setLevel(logging.ERROR)
    # runs go to the caller's instance, else to one of our own (its step statistics time the stages)
    instance = instance or dg.DagsterInstance.ephemeral()
    try:
        for leftover in scratch:
            leftover.unlink(missing_ok=True)
        shutil.rmtree(report_work, ignore_errors=True)
        report_work.mkdir(parents=True)
        if warehouse.exists():
            try:
                shutil.copy2(warehouse, tmp)
            except OSError as err:  # a full disk, most often: say so, leave nothing behind
                raise BuildError(f"could not copy the warehouse to {tmp} to build on it: {err.strerror or err} "
                                 f"(the build needs about {warehouse.stat().st_size / 1e6:,.0f} MB free there "
                                 "and more as it goes); the warehouse is unchanged") from None
            if dropped:
                drop_years(tmp, dropped)
        # the assets write the copy (GvcResource and dbt's profile read these)
        with scoped_environ(GVC_RAW=str(raw), GVC_WAREHOUSE=str(tmp), GVC_REPORTS=str(reports),
                            GVC_REPORTS_BUILDING=str(report_work), **({UTF8_STAGING_ENV: str(utf8)} if utf8 else {}),
                            **validated_env(raw, validated)):
            n_materialised = n_checks = 0
            for what, selection, tags in runs:
                progress(f"materialising {what}")
                dagster_log.setLevel(logging.WARNING)
                res = execute_run(defs, selection, {**tags, WAREHOUSE_TAG: str(warehouse), RAW_ROOT_TAG: str(raw)},
                                  instance, progress, t0)
                dagster_log.setLevel(level)
                mats = res.get_asset_materialization_events()
                checks = [e for e in res.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
                failed_checks = [e for e in checks if not e.event_specific_data.passed]
                n_materialised += len(mats)
                n_checks += len(checks)
                for step in instance.get_run_step_stats(res.run_id):
                    if step.start_time and step.end_time:
                        stages[step.step_key] = stages.get(step.step_key, 0.0) + step.end_time - step.start_time
                if not res.success or failed_checks:
                    msgs = [_failure_text(e) for e in res.all_events if e.is_failure][:5]
                    msgs += [f"check failed: {e.event_specific_data.check_name}" for e in failed_checks[:5]]
                    raise BuildError("build failed; the warehouse is unchanged.\n" + "\n".join(m or "" for m in msgs))
                progress(f"  {len(mats)} asset materialisations, {len(checks)} checks passed ({time.perf_counter() - t0:.0f} s)")
            os.replace(tmp, warehouse)
            swap_in(report_work, reports)
    finally:
        for leftover in scratch:
            leftover.unlink(missing_ok=True)
        shutil.rmtree(report_work, ignore_errors=True)
        dagster_log.setLevel(level)
        for name, lg in chatty.items():
            lg.setLevel(chatty_levels[name])
    marts = mart_counts(warehouse)
    seconds = time.perf_counter() - t0
    progress(f"built in {seconds:.0f} s: {n_materialised} materialisations, {n_checks} checks; the slowest steps:")
    for step, secs in sorted(stages.items(), key=lambda kv: -kv[1])[:8]:
        progress(f"  {secs:7.1f} s  {step}")
    progress(f"  {seconds - sum(stages.values()):7.1f} s  outside the steps (loading definitions, starting runs, the swap)")
    for name, n in marts.items():
        progress(f"  {warehouse}  marts.{name:<36} {n:>10,} rows")
    html = reports / "report.html"
    if html.exists():
        progress(f"report: {html}  (tables as .md/.tex in {reports / 'tables'}, figures in {reports / 'figures'})")
    return {**result, "years": years, "stale": stale, "dropped": dropped, "marts": marts,
            "seconds": seconds, "stages": stages}


BUILD_JOB = "gvc_build"  # the job name of a build's runs in the UI


def execute_run(defs: dg.Definitions, selection: dg.AssetSelection, tags: dict, instance: dg.DagsterInstance,
                progress: Progress, t0: float) -> dg.ExecuteInProcessResult:
    """One run of ``selection`` in this process, saying each step as it starts:
    ``[k/N] step (elapsed s)``, N the run's steps (one per Python asset, one
    per dbt call), and each step that fails."""
    job = dg.Definitions(jobs=[dg.define_asset_job(BUILD_JOB, selection=selection)], assets=list(defs.assets),
                         resources=defs.resources).resolve_job_def(BUILD_JOB)
    n_steps, started = len(job.graph.nodes), []

    def on_event(entry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        if event.event_type_value == "STEP_START":
            started.append(event.step_key)
            progress(f"  [{len(started)}/{n_steps}] {event.step_key} ({time.perf_counter() - t0:.0f} s)")
        elif event.event_type_value == "STEP_FAILURE":
            progress(f"  {event.step_key} failed ({time.perf_counter() - t0:.0f} s)")

    run_id = str(uuid.uuid4())  # (a Dagster run id), so that the listener is in place before the run starts
    instance.add_event_listener(run_id, on_event)
    return job.execute_in_process(run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                                  instance=instance, raise_on_error=False, tags=tags, run_id=run_id)




def dropped_years(recorded, present: list[int]) -> list[int]:
    """Years the warehouse recorded a build of (``meta.build_inputs``) that are
    not among ``present`` (the raw root's sample years) any more."""
    if recorded is None or not len(recorded):
        return []
    return sorted({int(y) for y in recorded["year"] if int(y) != ALL_YEARS} - set(present))


def drop_years(warehouse: Path, years: list[int]) -> None:
    """Delete ``years`` from every per-year table (the incremental dbt models)
    and from ``meta.build_inputs``, in one transaction."""
    import duckdb

    from orchestration.dbt import ensure_manifest, yearly_relations
    from orchestration.warehouse import transaction

    with transaction(warehouse) as con:
        have = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()}
        targets = [(s, t, k) for s, t, k in yearly_relations(ensure_manifest()) if (s, t) in have]
        if ("meta", "build_inputs") in have:
            targets.append(("meta", "build_inputs", "year"))
        marks = ", ".join("?" * len(years))
        for schema, table, key in targets:
            try:
                con.execute(f'delete from "{schema}"."{table}" where "{key}" in ({marks})', years)
            except duckdb.Error as err:
                raise BuildError(f"could not remove years {years} from {schema}.{table}: {err}") from err


def swap_in(work: Path, target: Path) -> None:
    """Move what a build wrote into ``work`` into the folder ``target``, entry by entry
    (``tables/``, ``figures/``, ``report.html``, ...): each replaced whole, so no entry
    mixes two builds; files of the user's own in ``target`` stay."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(work.iterdir()):
        dest = target / entry.name
        if dest.is_dir() and not dest.is_symlink():
            old = building_name(dest.with_name(f"{dest.name}.old"))
            os.replace(dest, old)
            os.replace(entry, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(entry, dest)


def _failure_text(event) -> str:
    """A failure event's message and, for a failed step, the error that failed it
    (the last line of its cause chain: what went wrong, not Dagster's wrapper)."""
    text = event.message or ""
    error = getattr(event.event_specific_data, "error", None)
    while error is not None and error.cause is not None:
        error = error.cause
    if error is not None and error.message:
        text += f"\n  {error.message.strip()}"
    return text


def unconfigured_years(raw: Path, settings: MethodSettings) -> list[str]:
    """A note per yearly table with ``year=`` folders outside the settings' sample years
    (a year added to the raw root but not yet to gvc.toml is left out, say so)."""
    lines = []
    for table in ("customs_transactions", "patents"):
        extra = [y for y in years_present(raw, table) if y > settings.year_end]
        if extra:
            lines.append(f"note: {table} has year= folders {extra} after year_end = {settings.year_end}: "
                         f"left out (set year_end in gvc.toml, or GVC_CONFIG / --config, to build them)")
    return lines


def describe_stale(stale: dict[int, list[str]], settings: MethodSettings = DEFAULT_SETTINGS) -> list[str]:
    """One line per distinct set of reasons: ``2004: customs_transactions/year=2004 changed``;
    years sharing their reasons are listed together, as ranges of consecutive sample years."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for y, why in sorted(stale.items()):
        groups.setdefault(tuple(why), []).append(y)
    lines = []
    for why, ys in groups.items():
        spans = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in year_ranges(ys, settings))
        lines.append(f"{spans}: {'; '.join(why)}")
    return lines


def mart_counts(warehouse: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {n: con.execute(f'select count(*) from marts."{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
