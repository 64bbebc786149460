"""Every `gvc build` keeps its own log beside the warehouse
(``<warehouse>.logs/build-<time>-<pid>.log``): its progress, then its error or
its headline."""

from __future__ import annotations

from orchestration.cli import main as gvc


def _logs(wh):
    return sorted((wh.parent / f"{wh.name}.logs").glob("build-*.log"))


def test_a_dry_run_logs_its_plan(tiny_world, tmp_path, capsys):
    root, _ = tiny_world
    wh = tmp_path / "w.duckdb"
    assert gvc(["build", "--raw", str(root), "--warehouse", str(wh), "--dry-run"]) == 0
    (log,) = _logs(wh)
    text = log.read_text()
    assert f"log: {log.resolve()}" in text and "cross-year assets" in text and "dry run: nothing built" in text
    assert text.splitlines()[-1] in capsys.readouterr().out


def test_a_refused_raw_root_logs_its_reason(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "w.duckdb"
    code = gvc(["build", "--raw", str(raw), "--warehouse", str(wh)])
    assert code in (1, 2)
    err = capsys.readouterr().err
    (log,) = _logs(wh)
    text = log.read_text()
    assert err.strip().splitlines()[0] in text  # the same reason, on screen and in the log
    assert not wh.exists()
