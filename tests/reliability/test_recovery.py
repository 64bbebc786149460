"""What a dead build or run leaves behind is cleared by the next writer
(orchestration.recovery): its work copies, and its runs left unfinished."""

from __future__ import annotations

import subprocess
import sys
import uuid

import dagster as dg
import pytest

from orchestration.recovery import PROCESS_TAG, building_name, fail_dead_runs, process_token, remove_orphans, \
    token_alive


@pytest.fixture()
def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_process_token_tells_a_live_process_from_a_dead_one(dead_pid):
    assert token_alive(process_token()) is True
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        token = process_token(p.pid)
        assert token_alive(token) is True
    finally:
        p.kill()
        p.wait()
    assert token_alive(token) is False
    # a recycled pid is not the process that ran: its start time differs
    host, pid, _ = process_token().rsplit(":", 2)
    assert token_alive(f"{host}:{pid}:1") is False
    assert token_alive(f"another-host:{pid}:1") is None


def test_orphans_of_dead_builders_are_removed_live_ones_kept(tmp_path, dead_pid):
    wh, reports = tmp_path / "warehouse.duckdb", tmp_path / "reports"
    wh.write_bytes(b"the warehouse")
    reports.mkdir()
    (reports / "report.html").write_text("the report")
    dead = [building_name(wh, dead_pid), tmp_path / f"warehouse.duckdb.building-{dead_pid}.wal",
            tmp_path / f"warehouse.duckdb.building-{dead_pid}.lock"]
    for p in dead:
        p.write_bytes(b"debris")
    dead_reports = building_name(reports, dead_pid)
    (dead_reports / "tables").mkdir(parents=True)
    live = [building_name(wh), building_name(reports)]  # this process's: a build in progress
    live[0].write_bytes(b"in progress")
    live[1].mkdir()
    unrelated = tmp_path / "warehouse.duckdb.lock"
    unrelated.write_text("")
    alias = tmp_path / "warehouse.duckdb.building"  # the dead build's link for dbt, now dangling
    alias.symlink_to(dead[0].name)
    dead.append(alias)

    removed = remove_orphans(wh, reports)
    assert sorted(removed) == sorted([*dead, dead_reports])
    assert not any(p.exists() or p.is_symlink() for p in [*dead, dead_reports])
    assert all(p.exists() for p in [*live, unrelated, wh, reports / "report.html"])


def _run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus, tags: dict) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id=run_id, status=status, tags=tags))
    return run_id


def test_runs_whose_process_died_are_marked_failed(tmp_path, dead_pid):
    """A run left STARTED by a killed process would block the one-run queue for ever."""
    instance = dg.DagsterInstance.ephemeral()
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    token = process_token(p.pid)
    p.kill()
    p.wait()
    dead = _run(instance, dg.DagsterRunStatus.STARTED, {PROCESS_TAG: token})
    alive = _run(instance, dg.DagsterRunStatus.STARTED, {PROCESS_TAG: process_token()})
    untagged = _run(instance, dg.DagsterRunStatus.STARTED, {})
    done = _run(instance, dg.DagsterRunStatus.SUCCESS, {PROCESS_TAG: token})

    lines: list[str] = []
    assert fail_dead_runs(instance, progress=lines.append) == [dead]
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(untagged).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(done).status == dg.DagsterRunStatus.SUCCESS
    assert lines == [f"marked 1 run(s) failed whose process died: {dead[:8]}"]
    # the reason is in the run's log
    logs = [e.message for e in instance.all_logs(dead)]
    assert any("is gone" in (m or "") for m in logs)
    assert fail_dead_runs(instance) == []  # once
