"""Two writers never write the warehouse at once: `gvc build` and every
Dagster run hold the warehouse's writer lock (orchestration.warehouse), and a
holder that dies, even SIGKILLed, leaves no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.build import BuildError, build
from orchestration.resources import GvcResource
from orchestration.warehouse import WarehouseBusy, WriterLock, lock_path

HOLD = """
import sys, time
from orchestration.warehouse import WriterLock
lock = WriterLock(sys.argv[1], holder=sys.argv[2])
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[3]))
lock.release()
"""


def hold(warehouse: Path, holder: str = "dagster run abc", seconds: float = 60) -> subprocess.Popen:
    """Another process holding the lock, once it says so."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse), holder, str(seconds)],
                         stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_held_lock_names_its_holder_and_dies_with_it(tmp_path):
    wh = tmp_path / "w.duckdb"
    holder = hold(wh)
    try:
        waiting: list[str] = []
        with pytest.raises(WarehouseBusy, match=rf"being written by dagster run abc \(pid {holder.pid}"):
            WriterLock(wh, "test").acquire(timeout=1.0, progress=waiting.append, report_every=0.3)
        assert waiting and all("dagster run abc" in m for m in waiting)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the kernel freed the lock of the killed holder: no clean-up needed
    t0 = time.monotonic()
    lock = WriterLock(wh, "test")
    lock.acquire(timeout=5.0)
    assert time.monotonic() - t0 < 1.0 and lock.held
    assert '"holder": "test"' in lock_path(wh.resolve()).read_text()
    lock.release()
    assert lock_path(wh.resolve()).read_text() == ""


def test_a_run_waits_for_the_writer_before_it(tmp_path):
    wh = tmp_path / "w.duckdb"

    @dg.asset
    def writes(gvc: GvcResource) -> None:
        # the run holds the lock: another process cannot take it
        with pytest.raises(WarehouseBusy):
            WriterLock(gvc.warehouse, "probe").acquire(timeout=0.2)
        Path(gvc.warehouse).write_text("written")

    holder = hold(wh, "gvc build", seconds=3)
    t0 = time.monotonic()
    instance = dg.DagsterInstance.ephemeral()
    res = dg.materialize([writes], resources={"gvc": GvcResource(raw_root=str(tmp_path), warehouse=str(wh))},
                         instance=instance)
    waited = time.monotonic() - t0
    holder.wait()
    assert res.success and wh.read_text() == "written"
    assert waited >= 2.0  # it started writing only once the holder had finished
    logs = [e.user_message for e in instance.all_logs(res.run_id) if "waiting for the warehouse" in e.user_message]
    assert any("gvc build" in m for m in logs)


def test_build_waits_for_a_run_or_gives_up_untouched(tmp_path):
    wh = tmp_path / "w.duckdb"
    wh.write_bytes(b"the warehouse as it was")
    holder = hold(wh, "dagster run 1234")
    try:
        with pytest.raises(BuildError, match="being written by dagster run 1234"):
            build(tmp_path / "raw", wh, lock_timeout=1.0, progress=lambda m: None)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert wh.read_bytes() == b"the warehouse as it was"
    assert not list(tmp_path.glob("w.duckdb.building-*"))
