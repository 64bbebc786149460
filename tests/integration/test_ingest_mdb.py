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
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import IngestError, ingest, readers
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
