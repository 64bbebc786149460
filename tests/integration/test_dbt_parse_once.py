"""dbt parses the project once, not on every call.

dbt reuses its saved parse (``partial_parse.msgpack``) only while its state
check holds: the same ``--vars``, the same rendered profile (the DuckDB path),
the same ``dbt_project.yml``. A build makes several dbt calls (per range of
years: the staging views, then the per-year models; then the cross-year
models and the panel), each in a fresh target folder, on a copy of the
warehouse named for the building process. Two consecutive per-year runs, the
second on a copy with another name (as the next build's), made through the
assets `gvc build` materialises, must parse at most once between them, and
the later calls must say that they reused the saved parse.

How dbt 1.11 logs it (dbt.log of each call, JSON lines, ``info.name``): a full
parse follows ``UnableToPartialParse`` ("Unable to do partial parsing because
...": state changed, no saved parse, ...), ``PartialParsingNotEnabled`` or
``ParsedFileLoadFailed``; a reuse logs ``PartialParsingEnabled`` ("Partial
parsing enabled: N files deleted, ...") and, when nothing changed,
``PartialParsingSkipParsing``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import duckdb

from analytics.settings import MethodSettings
from orchestration.changes import year_selections
from orchestration.dbt import DBT_DIR
from orchestration.dbt_cli import WAREHOUSE_SLOTS_DIR, dbt_warehouse, dbt_warehouse_path
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
    ``target/warehouse_slots/<k>/<name>`` made for the call: the same path for
    every build of that warehouse and for any warehouse of the same name, so the
    profile renders the same path and dbt's saved parse holds."""
    wh = tmp_path / "w.duckdb"
    first, second = building_name(wh, pid=111), building_name(wh, pid=222)
    assert dbt_warehouse_path(first) == dbt_warehouse_path(second) == tmp_path / "w.duckdb.building"
    assert dbt_warehouse_path(wh) == wh
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
    # another folder, the same name: the same path for dbt (slot 0 is free again unless
    # another worker holds it, so compare names only)
    with dbt_warehouse(building_name(tmp_path / "elsewhere" / "w.duckdb", pid=333)) as path3:
        assert path3.name == "w.duckdb.building" and path3.parent.parent == WAREHOUSE_SLOTS_DIR
    # no slot free: dbt gets the file itself
    monkeypatch.setattr("orchestration.dbt_cli.WAREHOUSE_SLOTS", 0)
    with dbt_warehouse(second) as path:
        assert path == second.absolute()


def test_two_per_year_runs_parse_the_project_at_most_once(tiny_world, tmp_path, monkeypatch):
    # slots of this test's own: another test worker's dbt call holding slot 0 meanwhile would
    # send a call to slot 1, a path dbt has not parsed for yet (one parse per slot and name)
    monkeypatch.setattr("orchestration.dbt_cli.WAREHOUSE_SLOTS_DIR", tmp_path / "slots")
    raw = keep_years(tiny_world[0], tmp_path / "raw", [2003, 2004])
    first = building_name(tmp_path / "w.duckdb", pid=111)

    res = _per_year_run(raw, first, 2003)
    assert res.success
    assert _years(first) == [2003]  # the run's years reached dbt (env GVC_RUN_YEARS): 2004 is not built
    # the next build works on a copy of another name, here of a warehouse in another folder
    second = building_name(tmp_path / "elsewhere" / "w.duckdb", pid=222)
    second.parent.mkdir()
    os.replace(first, second)
    res2 = _per_year_run(raw, second, 2004)
    assert res2.success
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
