"""dbt's line per model and test goes to the dbt call's own file, not the
console, unless `gvc build --verbose` (orchestration.dbt._lines_to_file)."""

from __future__ import annotations

import sys

from orchestration.dbt import _lines_to_file


def _dbt_like():
    """What dagster-dbt's stream does: write a dbt log line to stdout, then yield the event."""
    for i in range(3):
        sys.stdout.write(f"OK created sql table model intermediate.m{i}\n")
        yield i


def test_dbt_lines_go_to_the_file_and_the_events_through(tmp_path, capsys):
    path = tmp_path / "dbt_console.log"
    events = []
    for ev in _lines_to_file(_dbt_like(), path):
        print(f"handled {ev}")  # what the consumer prints between events stays on the console
        events.append(ev)
    assert events == [0, 1, 2]
    out = capsys.readouterr().out
    assert "OK created" not in out and out.splitlines() == ["handled 0", "handled 1", "handled 2"]
    assert path.read_text().splitlines() == [f"OK created sql table model intermediate.m{i}" for i in range(3)]
