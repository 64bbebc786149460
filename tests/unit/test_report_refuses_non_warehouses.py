"""`gvc report` refuses, with exit code 2 and a one-line reason, a path that is
not a warehouse `gvc build` wrote, instead of writing an empty report."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.cli import main as gvc


@pytest.mark.parametrize("kind, message", [
    ("missing", "no warehouse at"),
    ("empty duckdb", "holds no built warehouse"),
    ("not duckdb", "is not a DuckDB database"),
])
def test_report_refuses_what_is_not_a_warehouse(tmp_path, capsys, kind, message):
    path = tmp_path / "w.duckdb"
    if kind == "empty duckdb":
        duckdb.connect(str(path)).close()
    elif kind == "not duckdb":
        path.write_text("panel_firm_id,year\n1,2004\n")
    out = tmp_path / "reports"
    assert gvc(["report", "--warehouse", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err
    assert not (out / "report.html").exists()
