"""Handing freed memory back to the system between the synth's big steps.

At paper scale a customs year, a production pass or a truth year frees
0.3-0.8 GB that the process keeps (glibc's heap, Arrow's memory pool); the
next step's peak would start from there.  :func:`release_freed_memory`
returns it once the process is that large; smaller worlds skip it.
Nothing here changes a value.
"""

from __future__ import annotations

import ctypes
import os
import sys

import pyarrow as pa

from analytics.synth.rawroot import MemoryRoot, RawRoot

__all__ = ["RELEASE_ABOVE_BYTES", "release_freed_memory", "resident_bytes"]


def _glibc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (musl and others have no malloc_trim)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


#: Below this resident size a release saves nothing worth its cost: a tiny or
#: demo world's steps free a few MB, and a test session's process, which
#: writes many small worlds, would hand back pages only to fault them in again.
RELEASE_ABOVE_BYTES = 1 << 30


def resident_bytes() -> int | None:
    """The process's resident set size now (Linux ``/proc/self/statm``), or
    None where that file does not exist."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def release_freed_memory(root: RawRoot | None = None) -> None:
    """Hand the free pages of the C heap (``malloc_trim``, on glibc only) and
    of Arrow's memory pool back to the system when the process holds more
    than :data:`RELEASE_ABOVE_BYTES` (paper scale); nothing for a world kept
    in a memory ``root`` (it holds the whole world anyway).  No garbage
    collection: in a process holding many objects (a test session) each one
    took a good part of a second, about 45 a world."""
    if isinstance(root, MemoryRoot):
        return
    resident = resident_bytes()
    if resident is not None and resident < RELEASE_ABOVE_BYTES:
        return
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
    pa.default_memory_pool().release_unused()
