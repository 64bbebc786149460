"""`gvc build` validates the raw root once: its runs' raw assets record the
rows the build validated (orchestration.raw) instead of reading the files again."""

from __future__ import annotations

from pathlib import Path

import pytest

import orchestration.raw as raw_assets
from orchestration.resources import GvcResource


def test_validated_rows_are_keyed_by_table_and_year_folder():
    assert raw_assets.validated_key("customs_transactions", Path("/r/customs_transactions/year=2004/part-0.parquet")) \
        == "customs_transactions/2004"
    assert raw_assets.validated_key("cities", Path("/r/reference/cities/cities.csv")) == "cities/all"


def test_the_raw_assets_record_what_the_build_validated(tmp_path, monkeypatch):
    root = tmp_path / "raw"
    root.mkdir()
    gvc = GvcResource(raw_root=str(root), warehouse=str(tmp_path / "w.duckdb"))
    read = []
    monkeypatch.setattr(raw_assets, "validate_raw_root", lambda *a, **k: read.append(k.get("tables")) or {"cities": 7})
    rows = {"customs_transactions/2003": 10, "customs_transactions/2004": 20, "cities/all": 7}
    for k, v in raw_assets.validated_env(root, rows).items():
        monkeypatch.setenv(k, v)
    assert raw_assets._check(gvc, "customs_transactions", [2004]) == 20
    assert raw_assets._check(gvc, "customs_transactions", [2003, 2004]) == 30
    assert raw_assets._check(gvc, "cities", None) == 7
    assert read == []  # nothing read again
    # a table or a raw root the build did not validate: validated here
    assert raw_assets._check(gvc, "customs_transactions", [2009]) == 0 and read == [["customs_transactions"]]
    other = GvcResource(raw_root=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"))
    assert raw_assets._check(other, "cities", None) == 7 and len(read) == 2


def test_without_a_build_the_raw_assets_validate(tmp_path, monkeypatch):
    monkeypatch.delenv(raw_assets.VALIDATED_ENV, raising=False)
    gvc = GvcResource(raw_root=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"))
    monkeypatch.setattr(raw_assets, "validate_raw_root", lambda *a, **k: {"cities": 3})
    assert raw_assets._check(gvc, "cities", None) == 3
    monkeypatch.setenv(raw_assets.VALIDATED_ENV, "not json")
    assert raw_assets._check(gvc, "cities", None) == 3


@pytest.mark.parametrize("years", [[2003], None])
def test_a_broken_file_still_fails_the_asset(tmp_path, monkeypatch, years):
    from dagster import Failure

    from schemas.validate import Failure as Broken
    from schemas.validate import RawValidationError

    gvc = GvcResource(raw_root=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"))
    monkeypatch.delenv(raw_assets.VALIDATED_ENV, raising=False)

    def broken(*a, **k):
        raise RawValidationError([Broken("f.parquet", "value_usd", "must be >= 0")])

    monkeypatch.setattr(raw_assets, "validate_raw_root", broken)
    with pytest.raises(Failure, match="value_usd"):
        raw_assets._check(gvc, "customs_transactions", years)
