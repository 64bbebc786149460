"""`gvc reference --unsd PATH... --out RAW [--split-weights equal|trade]` from the command line, and
`gvc build` refusing a split_weights setting the raw root's concordance was not built with."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from orchestration.cli import main
from tests.unsd_files import write_customs_2001, write_unsd


def _settings(tmp_path: Path, split: str) -> Path:
    path = tmp_path / f"{split}.toml"
    path.write_text(f'[method]\nsplit_weights = "{split}"\n')
    return path


def test_reference_writes_both_tables_and_reports(tmp_path, capsys):
    raw = tmp_path / "raw"
    assert main(["reference", "--unsd", str(write_unsd(tmp_path / "unsd")), "--out", str(raw)]) == 0
    out = capsys.readouterr().out
    assert "hs_concordance (split_weights = equal):" in out
    assert "HS2002: 7 links of 4 codes; 3 one-to-many (up to 2 targets)" in out
    assert "not used: the correlation table of HS2002 holds every link" in out
    assert "2 without a basic class, left out: 030190 (n/a), 040110 (32)" in out
    for table in ("hs_concordance", "hs_bec"):
        assert (raw / "reference" / table / f"{table}.parquet").is_file()
        assert json.loads((raw / "reference" / f"{table}.json").read_text())["built_by"] == "gvc reference --unsd"


def test_split_weights_comes_from_the_settings_unless_given(tmp_path, capsys):
    raw = write_customs_2001(tmp_path / "raw")
    src = str(write_unsd(tmp_path / "unsd"))
    assert main(["reference", "--unsd", src, "--out", str(raw), "--config", str(_settings(tmp_path, "trade"))]) == 0
    out = capsys.readouterr().out
    assert "split_weights = trade" in out and "1 one-to-many codes without 2001 imports" in out
    assert json.loads((raw / "reference" / "hs_concordance.json").read_text())["split_weights"] == "trade"
    assert main(["reference", "--unsd", src, "--out", str(raw), "--split-weights", "equal",
                 "--config", str(_settings(tmp_path, "trade"))]) == 0
    df = pd.read_parquet(raw / "reference" / "hs_concordance" / "hs_concordance.parquet")
    assert df.loc[df["from_hs6"].eq("010110") & df["from_version"].eq("HS2002"), "weight"].tolist() == [0.5, 0.5]


def test_clear_errors_exit_2_and_write_nothing(tmp_path, capsys):
    raw = tmp_path / "raw"
    src = write_unsd(tmp_path / "unsd")
    assert main(["reference", "--unsd", str(src), "--out", str(raw), "--split-weights", "trade"]) == 2
    assert "no customs_transactions files of 2001" in capsys.readouterr().err
    (src / "notes.csv").write_text("topic,text\nsource,UNSD\n")
    assert main(["reference", "--unsd", str(src), "--out", str(raw)]) == 2
    err = capsys.readouterr().err
    assert "notes.csv" in err and "not recognised" in err
    assert main(["reference", "--unsd", str(tmp_path / "missing"), "--out", str(raw)]) == 2
    assert not (raw / "reference").exists()


def test_build_refuses_trade_without_a_trade_built_concordance(tmp_path, capsys):
    raw = tmp_path / "raw"
    assert main(["reference", "--unsd", str(write_unsd(tmp_path / "unsd")), "--out", str(raw)]) == 0
    warehouse = tmp_path / "w.duckdb"
    trade = str(_settings(tmp_path, "trade"))
    code = main(["build", "--raw", str(raw), "--warehouse", str(warehouse), "--config", trade])
    assert code == 2
    err = capsys.readouterr().err
    assert f"gvc reference --unsd DIR --out {raw.resolve()} --split-weights trade" in err
    assert 'set split_weights = "equal"' in err
    assert not warehouse.exists()
