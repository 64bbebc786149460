"""dbt parses the project once, not on every call.

dbt reuses its saved parse (``partial_parse.msgpack``) only while its state
check holds: the same ``--vars``, the same rendered profile (the project
hashes it without the DuckDB path; the database named after the file still
counts), the same ``dbt_project.yml``. A
build makes several dbt calls (per range of years: the staging views, then
the per-year models; then the cross-year models and the panel), each in a
fresh target folder, on a copy of the warehouse named for the building
process, each through the first free slot folder. Two consecutive per-year
runs, the second on a copy with another name (as the next build's) and
through another slot (as when another call holds the first), made through
the assets `gvc build` materialises, must parse at most once between them,
and the later calls must say that they reused the saved parse.

How dbt 1.11 logs it (dbt.log of each call, JSON lines, ``info.name``): a full
parse follows ``UnableToPartialParse`` ("Unable to do partial parsing because
...": state changed, no saved parse, ...), ``PartialParsingNotEnabled`` or
``ParsedFileLoadFailed``; a reuse logs ``PartialParsingEnabled`` ("Partial
parsing enabled: N files deleted, ...") and, when nothing changed,
``PartialParsingSkipParsing``.
"""

from __future__ import annotations

import fcntl
import json
import os
import pprint
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb

from analytics.settings import MethodSettings
from orchestration.changes import year_selections
from orchestration.dbt import DBT_DIR, ensure_manifest
from orchestration.dbt_cli import (WAREHOUSE_SLOTS_DIR, catalog_name, dbt_warehouse, dbt_warehouse_path,
                                   profile_hash_without_path)
from orchestration.recovery import building_name
from orchestration.resources import scoped_environ
from tests.worlds import keep_years

FULL = {"UnableToPartialParse", "PartialParsingNotEnabled", "ParsedFileLoadFailed"}
REUSED = {"PartialParsingEnabled", "PartialParsingSkipParsing"}
# the same events by their text, for a log written as plain text
TEXT = {"Unable to do partial parsing": "UnableToPartialParse", "Partial parsing not enabled": "PartialParsingNotEnabled",
        "Failed to load parsed file": "ParsedFileLoadFailed", "Partial parsing enabled": "PartialParsingEnabled"}


def parse_events(log: Path) -> list[tuple[str, str]]:
    """(event name, message) of the parse-related events of one dbt.log."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            info = json.loads(line)["info"]
            name, msg = info["name"], info.get("msg", "")
        except (ValueError, KeyError, TypeError):
            name = next((n for text, n in TEXT.items() if text in line), "")
            msg = line
        if name in FULL | REUSED:
            out.append((name, msg))
    return out


def full_parse(events: list[tuple[str, str]]) -> bool:
    return any(name in FULL for name, _ in events)


def reused(events: list[tuple[str, str]]) -> bool:
    return not full_parse(events) and any(name in REUSED for name, _ in events)


def _calls(run_id: str) -> list[Path]:
    """The dbt.log of every dbt call of a run (dagster-dbt names their target folders `<op>-<run id[:7]>-<id>`)."""
    logs = [d / "dbt.log" for d in (DBT_DIR / "target").glob(f"*-{run_id[:7]}-*") if (d / "dbt.log").exists()]
    return sorted(logs, key=lambda p: p.stat().st_mtime)


def _per_year_run(raw: Path, copy: Path, year: int) -> dg.ExecuteInProcessResult:
    """The per-year run of `gvc build` for one year, on warehouse copy ``copy``."""
    from orchestration.definitions import make_definitions

    with scoped_environ(GVC_RAW=str(raw), GVC_WAREHOUSE=str(copy)):
        defs = make_definitions(raw, copy, MethodSettings())
        yearly, _ = year_selections(defs.resolve_asset_graph())
        return dg.materialize(list(defs.assets), selection=yearly, resources=defs.resources, raise_on_error=False,
                              tags={"dagster/asset_partition_range_start": str(year),
                                    "dagster/asset_partition_range_end": str(year)})


def _years(warehouse: Path) -> list[int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [r[0] for r in con.execute("select distinct year from marts.fct_firm_year_dvar order by 1").fetchall()]
    finally:
        con.close()


def test_the_log_reading_tells_a_full_parse_from_a_reused_one(tmp_path):
    log = tmp_path / "dbt.log"
    lines = [{"info": {"name": "StateCheckVarsHash", "msg": "checksum: ..."}},
             {"info": {"name": "UnableToPartialParse", "msg": "Unable to do partial parsing because profile has changed"}}]
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\nplain text line\n")
    assert full_parse(parse_events(log))
    lines = [{"info": {"name": "PartialParsingEnabled", "msg": "Partial parsing enabled: 0 files deleted, ..."}},
             {"info": {"name": "PartialParsingSkipParsing", "msg": "... skipping parsing"}}]
    log.write_text("\n".join(json.dumps(x) for x in lines))
    assert reused(parse_events(log))
    log.write_text("12:00:00  Unable to do partial parsing because saved manifest not found. Starting full parse.\n")
    assert full_parse(parse_events(log))


def test_a_warehouse_is_reached_by_a_name_of_its_slot(tmp_path, monkeypatch):
    """dbt opens a warehouse, or a build's copy of it, through a symlink
    ``target/warehouse_slots/<k>/<name>`` made for the call: the same name for
    every build of that warehouse and for any warehouse of the same name, and
    the same catalog as the file's own name gives, so the profile renders the
    same database and dbt's saved parse holds."""
    wh = tmp_path / "w.duckdb"
    first, second = building_name(wh, pid=111), building_name(wh, pid=222)
    assert dbt_warehouse_path(first) == dbt_warehouse_path(second) == tmp_path / "w.duckdb.building"
    assert dbt_warehouse_path(wh) == wh
    assert catalog_name(first) == catalog_name(dbt_warehouse_path(first)) == catalog_name(wh) == "w"
    duckdb.connect(str(first)).execute("create table t as select 1 as a").close()
    with dbt_warehouse(first) as path:
        assert path.parent.parent == WAREHOUSE_SLOTS_DIR and path.name == "w.duckdb.building"
        assert path.resolve() == first.resolve()
        con = duckdb.connect(str(path))
        con.execute("insert into t values (2)")
        assert con.execute("select current_database()").fetchone()[0] == "w"  # the catalog the file's name gives
        assert not path.with_name(path.name + ".wal").exists()  # DuckDB follows the link: the WAL is the copy's
        con.close()
        # a call while this one runs (another test worker, a build beside a rebuild) gets another slot
        other = tmp_path / "elsewhere" / "w.duckdb"
        other.parent.mkdir()
        with dbt_warehouse(other) as path2:
            assert path2.name == "w.duckdb" and path2.parent != path.parent and path2.resolve() == other
    assert not path.is_symlink() and not path2.is_symlink()  # gone with the call
    con = duckdb.connect(str(first), read_only=True)
    assert con.execute("select sum(a) from t").fetchone()[0] == 3
    con.close()
    # no slot free: dbt gets the file itself
    monkeypatch.setattr("orchestration.dbt_cli.WAREHOUSE_SLOTS", 0)
    with dbt_warehouse(second) as path:
        assert path == second.absolute()


def test_the_profile_hash_leaves_out_the_path_only():
    """dbt's profile hash (the pretty-printed, sorted connection info) without
    the DuckDB path: slots 0 and 5 hash alike, so do a warehouse and a build's
    copy of it; another database or another setting tell apart; with no path
    it is the hash as dbt computes it."""
    def info(path, database="warehouse", memory="8GB"):
        return [("path", path), ("database", database), ("schema", "main"), ("settings", {"memory_limit": memory})]

    slot0 = profile_hash_without_path(info("/p/target/warehouse_slots/0/warehouse.duckdb"))
    assert slot0 == profile_hash_without_path(info("/p/target/warehouse_slots/5/warehouse.duckdb.building"))
    assert slot0 != profile_hash_without_path(info("/p/target/warehouse_slots/0/w.duckdb", database="w"))
    assert slot0 != profile_hash_without_path(info("/p/target/warehouse_slots/0/warehouse.duckdb", memory="4GB"))
    from dbt.contracts.files import FileHash

    assert slot0 == FileHash.from_contents(pprint.pformat(sorted(info(None)[1:])))


def test_saved_parses_are_kept_per_vars_database_and_memory_limit(monkeypatch):
    from orchestration.dbt_cli import MEMORY_LIMIT_ENV, _parse_state_of

    vars_ = MethodSettings().dbt_vars()
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "8GB")
    here = _parse_state_of(vars_, "/a/slots/0/warehouse.duckdb.building")
    assert here == _parse_state_of(vars_, "/b/slots/3/warehouse.duckdb")  # another slot, the same catalog
    assert here != _parse_state_of(vars_, "/a/slots/0/w.duckdb")
    assert here != _parse_state_of({**vars_, "dvar_out_of_range": "clip"}, "/a/slots/0/warehouse.duckdb")
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2GB")  # the specification curve's reruns
    assert here != _parse_state_of(vars_, "/a/slots/0/warehouse.duckdb")


def test_processes_that_start_together_parse_the_project_once(tmp_path, monkeypatch):
    """A missing manifest (a fresh clone) asked for by several processes at
    once (test workers, the UI's processes): the first parses, the others wait
    for its manifest. Here three threads stand for them, each with its own
    lock handle, and a stand-in for dbt counts the parses."""
    import dbt.cli.main

    manifest = tmp_path / "target" / "manifest.json"
    monkeypatch.setattr("orchestration.dbt.project", SimpleNamespace(manifest_path=manifest))
    monkeypatch.setattr("orchestration.dbt_cli.PARSE_STATES_DIR", tmp_path / "states")
    parses = []

    class CountingDbt:
        def invoke(self, args):
            parses.append(args)
            time.sleep(0.5)  # long enough for the others to find the manifest missing
            target = Path(args[args.index("--target-path") + 1])
            (target / "partial_parse.msgpack").write_bytes(b"state")
            (target / "manifest.json").write_text("{}")
            return SimpleNamespace(success=True, exception=None)

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", CountingDbt)
    got = []
    threads = [threading.Thread(target=lambda: got.append(ensure_manifest(MethodSettings()))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [manifest] * 3 and manifest.read_text() == "{}"
    assert len(parses) == 1 and parses[0][0] == "parse"
    assert ensure_manifest(MethodSettings()) == manifest and len(parses) == 1  # current: no parse


def test_two_per_year_runs_parse_the_project_at_most_once(tiny_world, tmp_path, monkeypatch):
    # slots of this test's own, so that the second run goes through another slot than the first
    slots = tmp_path / "slots"
    monkeypatch.setattr("orchestration.dbt_cli.WAREHOUSE_SLOTS_DIR", slots)
    raw = keep_years(tiny_world[0], tmp_path / "raw", [2003, 2004])
    first = building_name(tmp_path / "w.duckdb", pid=111)

    res = _per_year_run(raw, first, 2003)
    assert res.success
    assert _years(first) == [2003]  # the run's years reached dbt (env GVC_RUN_YEARS): 2004 is not built
    # the next build works on a copy of another name, here of a warehouse in another folder
    second = building_name(tmp_path / "elsewhere" / "w.duckdb", pid=222)
    second.parent.mkdir()
    os.replace(first, second)
    assert not (slots / "1").exists()
    with open(slots / "0.lock", "a") as held:  # another call holds the first run's slot
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res2 = _per_year_run(raw, second, 2004)
    assert res2.success and (slots / "1").is_dir()
    assert _years(second) == [2003, 2004]
    # the names dbt used are gone with the calls
    assert not [p for p in (tmp_path / "slots").glob("*/*") if p.is_symlink()]

    calls = _calls(res.run_id) + _calls(res2.run_id)
    assert len(calls) >= 4, calls  # per run: the staging views, then the per-year models
    events = {str(log.parent.name): parse_events(log) for log in calls}
    full = [name for name, ev in events.items() if full_parse(ev)]
    assert len(full) <= 1, f"dbt parsed the project {len(full)} times: {json.dumps(events, indent=1)}"
    # every call after the first started from the saved parse and said so
    assert all(reused(ev) for ev in list(events.values())[1:]), json.dumps(events, indent=1)
