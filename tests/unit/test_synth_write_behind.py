"""The synth's customs writes in a thread (analytics.synth.world._WriteBehind):
the writes happen in order, one at a time, and a failed write stops the
world at the next submit or at close, with its own error."""

from __future__ import annotations

import threading
import time

import pytest

from analytics.synth.world import _WriteBehind


def test_writes_run_in_order_and_close_waits_for_the_last():
    done, running = [], []

    def write(year: int) -> None:
        running.append(threading.current_thread().name)
        time.sleep(0.01)
        done.append(year)

    writer = _WriteBehind()
    for year in (2000, 2001, 2002):
        writer.submit(write, year)
    writer.close()
    assert done == [2000, 2001, 2002]
    assert all(name != threading.main_thread().name for name in running)


def test_a_failed_write_raises_at_the_next_submit_and_at_close():
    def fail(year: int) -> None:
        raise OSError(f"disk full writing {year}")

    writer = _WriteBehind()
    writer.submit(fail, 2003)
    with pytest.raises(OSError, match="disk full writing 2003"):
        writer.submit(lambda y: None, 2004)
    writer.submit(fail, 2005)
    with pytest.raises(OSError, match="disk full writing 2005"):
        writer.close()
