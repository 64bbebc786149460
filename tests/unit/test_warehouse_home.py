"""What belongs to one warehouse lives beside it: its Dagster instance (runs,
asset metadata, sensor cursors), its report, its logs; `gvc ui --warehouse X`
points the UI at X's own."""

from __future__ import annotations

from pathlib import Path

from orchestration.cli import _dagster_env, _dagster_home
from orchestration.resources import beside, reports_dir, scoped_environ


def test_two_warehouses_have_two_histories_and_two_reports(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("GVC_REPORTS", raising=False)
    a, b = tmp_path / "a" / "w.duckdb", tmp_path / "b" / "w.duckdb"
    assert _dagster_home(a) == Path(f"{a}.dagster") != _dagster_home(b) == Path(f"{b}.dagster")
    assert (Path(f"{a}.dagster") / "dagster.yaml").exists()
    env = _dagster_env(tmp_path / "raw", b)
    assert env["DAGSTER_HOME"] == f"{b}.dagster" and env["GVC_REPORTS"] == f"{b}.reports"
    assert env["GVC_WAREHOUSE"] == str(b) and env["GVC_DAGSTER_STORAGE"] == f"{b}.dagster/storage"
    with scoped_environ(GVC_WAREHOUSE=str(a)):
        assert reports_dir() == beside(a, "reports") == Path(f"{a}.reports")


def test_an_explicit_instance_or_report_folder_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GVC_REPORTS", str(tmp_path / "rep"))
    w = tmp_path / "w.duckdb"
    assert _dagster_home(w) == tmp_path / "home"
    assert _dagster_env(tmp_path / "raw", w)["GVC_REPORTS"] == str(tmp_path / "rep")
    assert reports_dir() == tmp_path / "rep"
