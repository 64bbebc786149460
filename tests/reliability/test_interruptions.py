"""A build interrupted, contested or starved never leaves a half-written
warehouse: killed at 30%, 60% and 90% of its time, run twice at once, or out
of disk, the warehouse is as it was (or absent, as it was), nothing is left
behind that the next build does not clear, and a rerun equals an
uninterrupted build. (A Dagster run started during a build waits for it:
tests/integration/test_writer_lock.py.)"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.build import BuildError, build
from orchestration.warehouse import WriterLock, lock_path


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _start_build(raw: Path, wh: Path, reports: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orchestration.cli", "build", "--raw", str(raw), "--warehouse",
                             str(wh), "--reports", str(reports)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_lock(wh: Path, proc: subprocess.Popen, timeout: float = 120) -> dict:
    """The build's writer lock as its holder wrote it, once it holds it."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            info = json.loads(lock_path(wh.resolve()).read_text() or "{}")
        except (OSError, ValueError):
            info = {}
        if info.get("pid") == proc.pid:
            return info
        time.sleep(0.2)
    raise AssertionError("the build never took the writer lock")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name)


def _tables(wh: Path) -> dict[str, pd.DataFrame]:
    """Every table of the marts and analytics schemas, rows in a fixed order, run ids dropped."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from information_schema.tables "
                            "where table_schema in ('marts', 'analytics') order by 1, 2").fetchall()
        out = {}
        for schema, table in names:
            df = con.execute(f'select * from "{schema}"."{table}"').df()
            df = df.drop(columns=[c for c in ("run_id", "recorded_at") if c in df.columns])
            out[f"{schema}.{table}"] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return out
    finally:
        con.close()


def test_a_second_build_waits_and_gives_up_while_the_first_holds_the_warehouse(tiny_world, tmp_path):
    raw, _ = tiny_world
    wh, reports = tmp_path / "warehouse.duckdb", tmp_path / "reports"
    first = _start_build(raw, wh, reports)
    try:
        info = _wait_for_lock(wh, first)
        assert info["holder"] == "gvc build"
        t0 = time.perf_counter()
        with pytest.raises(BuildError, match=rf"being written by gvc build \(pid {first.pid}"):
            build(raw, wh, progress=lambda _m: None, reports=reports, lock_timeout=2)
        assert time.perf_counter() - t0 < 30
    finally:
        _kill(first)
    # the first was killed mid-build: no warehouse (there was none), the lock is free,
    # and its work copies are cleared by the next writer
    assert not wh.exists()
    WriterLock(wh, "next").acquire(timeout=1.0)
    from orchestration.recovery import remove_orphans

    remove_orphans(wh, reports)
    assert _debris(tmp_path) == []


def _tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                         text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {res.stderr.strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_fails_the_build_cleanly(tiny_warehouse, tmp_path):
    """No room to copy the warehouse: a one-line reason, the warehouse as it was, no debris."""
    raw, built = tiny_warehouse
    disk = tmp_path / "disk"
    _tmpfs(disk, f"{int(built.stat().st_size * 1.5) // 1024}k")
    try:
        wh = disk / "warehouse.duckdb"
        shutil.copy2(built, wh)
        digest = _sha(wh)
        with pytest.raises(BuildError, match="No space left on device.*the warehouse is unchanged"):
            build(raw, wh, years=[2004], progress=lambda _m: None, reports=disk / "reports")
        assert _sha(wh) == digest
        assert _debris(disk) == []
    finally:
        _umount(disk)


def test_a_disk_that_fills_while_dbt_writes_fails_the_build_cleanly(tiny_world, tmp_path):
    """A fresh build whose disk fills in the middle: the error names it, no warehouse, no debris."""
    raw, _ = tiny_world
    disk = tmp_path / "disk"
    _tmpfs(disk, "3m")
    try:
        wh = disk / "warehouse.duckdb"
        with pytest.raises(BuildError, match="(?i)no space left|could not write|disk"):
            build(raw, wh, years=[2004], progress=lambda _m: None, reports=tmp_path / "reports")
        assert not wh.exists()
        assert _debris(disk) == []
    finally:
        _umount(disk)


@pytest.fixture(scope="module")
def uninterrupted(tiny_world, tmp_path_factory) -> tuple[Path, float]:
    """A clean build of the tiny world in a subprocess, and its wall time."""
    raw, _ = tiny_world
    base = tmp_path_factory.mktemp("uninterrupted")
    wh = base / "warehouse.duckdb"
    t0 = time.perf_counter()
    proc = _start_build(raw, wh, base / "reports")
    assert proc.wait(timeout=3600) == 0
    return wh, time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_killed_at_a_fraction_of_the_build_then_rerun_equals_an_uninterrupted_build(
        tiny_world, uninterrupted, tmp_path, fraction):
    raw, _ = tiny_world
    reference, seconds = uninterrupted
    wh, reports = tmp_path / "warehouse.duckdb", tmp_path / "reports"
    proc = _start_build(raw, wh, reports)
    _wait_for_lock(wh, proc)
    time.sleep(max(0.0, fraction * seconds - 2))
    assert proc.poll() is None, "the build ended before it could be killed"
    _kill(proc)
    assert not wh.exists() and not (reports / "report.html").exists()  # nothing half-written in their place
    assert _debris(tmp_path)  # the dead build's copies, until the next build
    build(raw, wh, progress=lambda _m: None, reports=reports)
    assert _debris(tmp_path) == []
    got, want = _tables(wh), _tables(reference)
    assert list(got) == list(want)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_exact=False, rtol=1e-12, obj=name)
