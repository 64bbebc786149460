"""The synth's memory release between its big steps
(analytics.synth.memory): it hands pages back only when the process holds
more than the threshold, never for a world kept in memory, and the resident
size it reads is the process's own."""

from __future__ import annotations

import mmap
import sys
from pathlib import Path

import pytest

from analytics.synth import memory
from analytics.synth.rawroot import MemoryRoot


class _TrimCounter:
    def __init__(self) -> None:
        self.calls = 0

    def malloc_trim(self, pad: int) -> int:
        self.calls += 1
        return 0


@pytest.fixture
def trims(monkeypatch) -> _TrimCounter:
    counter = _TrimCounter()
    monkeypatch.setattr(memory, "_LIBC", counter)
    return counter


def test_resident_size_is_the_processes_own_and_grows_with_what_it_holds():
    """64 MiB of anonymous pages, each touched, then unmapped: the resident
    size grows by them and falls back. (An mmap of its own, not a numpy
    array: whether malloc hands a freed block straight back depends on the
    allocator's state in the test process.)"""
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc/self/statm is Linux's")
    size = 64 * 2**20
    before = memory.resident_bytes()
    block = mmap.mmap(-1, size)
    for page in range(0, size, mmap.PAGESIZE):
        block[page] = 1
    after = memory.resident_bytes()
    assert 0 < before < after
    assert 60 * 2**20 <= after - before < 128 * 2**20
    block.close()
    assert memory.resident_bytes() < after - 32 * 2**20


@pytest.mark.parametrize(
    ("resident", "expected"),
    [(200 * 2**20, 0), (memory.RELEASE_ABOVE_BYTES - 1, 0), (memory.RELEASE_ABOVE_BYTES, 1), (3 * 2**30, 1)],
)
def test_release_runs_only_above_the_threshold(monkeypatch, trims, tmp_path: Path, resident, expected):
    monkeypatch.setattr(memory, "resident_bytes", lambda: resident)
    memory.release_freed_memory(tmp_path)
    assert trims.calls == expected


def test_release_runs_when_the_resident_size_cannot_be_read(monkeypatch, trims, tmp_path: Path):
    monkeypatch.setattr(memory, "resident_bytes", lambda: None)
    memory.release_freed_memory(tmp_path)
    assert trims.calls == 1


def test_a_world_kept_in_memory_is_never_released(monkeypatch, trims):
    monkeypatch.setattr(memory, "resident_bytes", lambda: 8 * 2**30)
    memory.release_freed_memory(MemoryRoot())
    assert trims.calls == 0
