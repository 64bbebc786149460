"""`gvc ingest` of MS Access `.mdb` deliveries, read through mdbtools' `mdb-tables` and `mdb-export`.

The delivery is ``tests/fixtures/mdb/海关2003.mdb``: an Access 2000 (Jet 4)
file of made-up 2003 customs rows in the ``customs_2000_2006`` layout, one
table per month, written by ``tests/fixtures/mdb/make_delivery.py`` (its
README says how). The other files are written by the same module here.

mdbtools is a Debian package (``.ci/run`` installs it): without it these
tests skip on a developer's machine and fail on CI (``CI`` set).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import IngestError, ingest, readers
from orchestration.cli import main
from tests.fixtures.mdb import make_delivery

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mdb"
DELIVERY = FIXTURES / "海关2003.mdb"


@pytest.fixture
def mdbtools() -> None:
    if shutil.which("mdb-export") and shutil.which("mdb-tables"):
        return
    if os.environ.get("CI"):
        pytest.fail("mdbtools is not installed on CI: .ci/run installs it (apt-get install mdbtools)")
    pytest.skip("reading .mdb needs mdbtools: apt-get install mdbtools")


def delivered(tmp_path: Path) -> Path:
    folder = tmp_path / "海关2003"
    folder.mkdir()
    shutil.copy(DELIVERY, folder)
    return folder


def contract(raw: Path, table: str, year: int) -> pd.DataFrame:
    return pd.read_parquet(raw / table / f"year={year}" / "part-0.parquet")


def test_the_fixture_is_what_its_generator_writes(tmp_path):
    """The committed file is reproducible from its source (README)."""
    fresh = make_delivery.write_mdb(tmp_path / "x.mdb", make_delivery.TABLES)
    assert fresh.read_bytes() == DELIVERY.read_bytes()
    assert DELIVERY.stat().st_size < 200_000


def test_an_access_customs_year_with_one_table_per_month(tmp_path, mdbtools):
    folder = delivered(tmp_path)
    raw = tmp_path / "raw"
    assert readers.mdb_tables(folder / DELIVERY.name) == ["2003年01月", "2003年02月 补报"]
    report = ingest([folder], raw)

    # every table read: 5 + 5 rows; February's repeat of January's first row dropped once
    [f] = report.files
    assert (f.layout, f.table, f.years, f.rows_read, f.rows_kept, f.rejected) == \
        ("customs_2000_2006", "customs_transactions", [2003], 10, 10, {})
    assert report.merged == {"exact duplicate rows dropped (customs_transactions)": 1}
    assert report.tables == {"customs_transactions": {2003: 9}}
    got = contract(raw, "customs_transactions", 2003)
    assert len(got) == 9
    assert got.groupby("month").size().to_dict() == {1: 5, 2: 4}

    by = got.set_index(["month", "customs_firm_id", "hs_code"])
    first = by.loc[(1, "1234567890", "84713000")]
    assert (first.flow, first.firm_name, first.phone, first.zip_code, first.partner_country, first.trade_regime,
            first.value_usd, first.quantity, first.unit) == \
        ("export", "杭州甲进出口有限公司", "0571-8888888", "310000", "USA", "10", 1000.5, 10.0, "台")
    # the HS code Access stored as the number 1012100 and the 9-digit firm id get their zeros back
    imp = by.loc[(1, "0987654321", "01012100")]
    assert (imp.flow, imp.firm_name, imp.partner_country, imp.trade_regime, imp.unit) == \
        ("import", "乙公司", "JPN", "15", "千克")
    assert pd.isna(imp.phone) and pd.isna(imp.zip_code)                  # NULL stays missing
    assert by.loc[(1, "3301234567", "08041000"), "partner_country"] == "USA"
    assert by.loc[(2, "0012345678", "03011100"), "partner_country"] == "HKG"
    # missing stays missing, decimals exact
    no_qty = by.loc[(1, "1234567890", "61091000")]
    assert no_qty.value_usd == 12345.67 and pd.isna(no_qty.quantity) and pd.isna(no_qty.unit)
    quoted = by.loc[(1, "3301234567", "61091000")]
    assert quoted.firm_name == '宁波丙纺织品有限公司 "丙记", 分厂'          # comma and quotes inside a name
    assert (quoted.value_usd, quoted.quantity, quoted.partner_country, quoted.trade_regime) == (0.1, 2.25, "KOR", "14")
    ding = by.loc[(2, "0012345678", "03011100")]
    assert (ding.firm_name, ding.phone, ding.value_usd) == ("丁（上海）贸易有限公司", "021-5555 6666", 1234567.89)
    assert by.loc[(2, "0012345678", "94036000"), "value_usd"] == 0.3
    feb = got[got.month == 2].set_index("customs_firm_id")
    assert feb.loc["0987654321", "partner_country"] == "CHN"             # 142: re-imports kept
    assert pd.isna(feb.loc["1234567890", "partner_country"])             # 701: unknown partner

    saved = json.loads((raw / "ingest_report.json").read_text(encoding="utf-8"))
    [file] = saved["files"]
    assert file["file"] == str(folder / "海关2003.mdb") and file["rows_read"] == 10
    assert file["restored"]["hs_code: 7 digits left-padded to 8"] == 3
    assert file["restored"]["customs_firm_id: leading zeros restored"] == 2
    assert file["restored"]["partner: Chinese name -> ISO3"] == 6


def test_the_command_line_names_the_access_file(tmp_path, mdbtools, capsys):
    folder = delivered(tmp_path)
    assert main(["ingest", str(folder), "--raw", str(tmp_path / "raw"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "海关2003.mdb: layout customs_2000_2006 -> customs_transactions [2003]; read 10, kept 10" in out


def test_without_mdb_export_the_file_is_refused_naming_the_package(tmp_path, monkeypatch):
    folder = delivered(tmp_path)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(IngestError) as err:
        ingest([folder], tmp_path / "raw")
    message = str(err.value)
    assert f"{folder / '海关2003.mdb'}: reading Access files needs `mdb-export` of the mdbtools package" in message
    assert "apt-get install mdbtools" in message
    assert not (tmp_path / "raw").exists()


def test_dates_come_as_iso_dates_not_mdb_exports_two_digit_years(tmp_path, mdbtools):
    """mdb-export writes Date/Time as ``01/15/03 00:00:00`` unless told a format."""
    columns = [make_delivery.Column("日期", make_delivery.DATETIME), make_delivery.Column("编号", make_delivery.LONG)]
    path = make_delivery.write_mdb(tmp_path / "d.mdb", {"t": (columns, [
        [dt.datetime(1999, 12, 31, 13, 45), 1], [dt.datetime(2003, 1, 15), 2], [None, 3]])})
    [chunk] = readers.read_chunks(path)
    assert chunk["日期"].tolist() == ["1999-12-31", "2003-01-15", None]
    assert chunk["编号"].tolist() == ["1", "2", "3"]


def test_a_row_of_nulls_in_a_one_column_table_is_a_row(tmp_path, mdbtools):
    """mdb-export writes it as an empty line, which is no blank line to skip."""
    path = make_delivery.write_mdb(tmp_path / "n.mdb", {"t": (
        [make_delivery.Column("金额", make_delivery.DOUBLE)], [[1.5], [None], [None], [2.0]])})
    [chunk] = readers.read_chunks(path)
    assert chunk["金额"].tolist() == ["1.5", None, None, "2"]


def test_an_unreadable_access_file_is_refused_naming_it(tmp_path, mdbtools):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "海关2004.mdb").write_bytes(b"not an Access file" * 300)
    with pytest.raises(IngestError) as err:
        ingest([tmp_path / "d"], tmp_path / "raw")
    assert f"{tmp_path / 'd' / '海关2004.mdb'}: mdb-tables failed" in str(err.value)


def test_chinese_table_names_are_read_in_any_locale(tmp_path, mdbtools, monkeypatch):
    """mdb-export parses its arguments in the locale's charset: under C or POSIX it
    refused a table named in Chinese."""
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("LANG", "C")
    chunks = list(readers.read_chunks(delivered(tmp_path) / DELIVERY.name))
    assert [len(c) for c in chunks] == [5, 5]
    assert chunks[1]["经营单位"].tolist()[-1] == "丁（上海）贸易有限公司"


def test_a_binary_column_is_left_out_not_a_decoding_error(tmp_path, mdbtools):
    """Bytes of a binary or OLE column are no UTF-8 text; they are stripped, the rest read."""
    columns = [make_delivery.Column("名称", make_delivery.TEXT, 10),
               make_delivery.Column("照片", make_delivery.BINARY, 16),
               make_delivery.Column("数量", make_delivery.DOUBLE)]
    path = make_delivery.write_mdb(tmp_path / "b.mdb", {"附件 表": (columns, [["甲", b"\xff\x00\x81\",\n", 1.5],
                                                                              ["乙", None, None]])})
    [chunk] = readers.read_chunks(path)
    assert chunk["名称"].tolist() == ["甲", "乙"] and chunk["数量"].tolist() == ["1.5", None]
    assert chunk["照片"].isna().all()


def test_reading_only_the_columns_of_a_large_table_stops_mdb_export_quietly(tmp_path, mdbtools):
    """A reader closed early (read_columns takes the first chunk) ends mdb-export without
    calling that a failed export."""
    columns = [make_delivery.Column("企业名称", make_delivery.TEXT, 40), make_delivery.Column("金额", make_delivery.DOUBLE)]
    rows = [[f"第{i}号企业有限责任公司", i + 0.25] for i in range(20_000)]
    path = make_delivery.write_mdb(tmp_path / "big.mdb", {"大表": (columns, rows)})
    assert path.stat().st_size > 800_000  # mdb-export writes more than pandas reads ahead
    chunks = readers.read_chunks(path, chunk_rows=100)
    first = next(chunks)
    assert first["企业名称"].iloc[0] == "第0号企业有限责任公司"
    chunks.close()
    assert readers.read_columns(path) == ["企业名称", "金额"]
    assert sum(len(c) for c in readers.read_chunks(path, chunk_rows=5000)) == 20_000
