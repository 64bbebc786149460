"""`gvc ingest` of Access 97 (Jet 3) files and of memo (long text) columns, read through mdbtools.

Every file is written here by ``tests/fixtures/mdb/make_delivery.py`` (its
README says how it was checked) and every expectation is what was written,
turned into the text the reader gives (dates as ``YYYY-MM-DD``, integral
numbers without ``.0``).

Access 97 stores text as bytes in the code page of the Windows that wrote it
(GBK on a Chinese one), not as UCS-2. mdbtools 1.0.0 decodes them in the code
page the file's header names, or in ``MDB_JET3_CHARSET``; a GBK file whose
header names 1252 or no code page comes out as mojibake without failing. The
reader therefore reads Jet 3 text as GB18030 when the header names 936, 1252
or no code page, leaves any other code page (Big5, ...) to mdbtools, and lets
the caller's ``MDB_JET3_CHARSET`` win over both (``readers._mdb_env``).

mdbtools is a Debian package (``.ci/run`` installs it): without it these
tests skip on a developer's machine and fail on CI (``CI`` set).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analytics.ingest import IngestError, ingest, readers
from orchestration.cli import main
from tests.fixtures.mdb import make_delivery
from tests.fixtures.mdb.make_delivery import DATETIME, DOUBLE, LONG, MEMO, TEXT, Column

DELIVERY = Path(__file__).resolve().parents[1] / "fixtures" / "mdb" / "海关2003.mdb"


@pytest.fixture
def mdbtools(monkeypatch) -> None:
    """mdbtools present, and no charset setting of the caller's unless a test sets one."""
    monkeypatch.delenv("MDB_JET3_CHARSET", raising=False)
    monkeypatch.delenv("MDBICONV", raising=False)
    if shutil.which("mdb-export") and shutil.which("mdb-tables") and shutil.which("mdb-ver"):
        return
    if os.environ.get("CI"):
        pytest.fail("mdbtools is not installed on CI: .ci/run installs it (apt-get install mdbtools)")
    pytest.skip("reading .mdb needs mdbtools: apt-get install mdbtools")


def as_text(col: Column, value) -> str | None:
    """A written value as the reader gives it back."""
    if value is None:
        return None
    if col.type == DATETIME:
        return value.strftime("%Y-%m-%d")
    if col.type == DOUBLE:
        return str(int(value)) if float(value).is_integer() else repr(value)
    return str(value)


def expected(columns: list[Column], rows: list[list]) -> list[dict]:
    return [{c.name: as_text(c, v) for c, v in zip(columns, row, strict=True)} for row in rows]


def read_back(path: Path) -> dict[str, list[dict]]:
    """Every table of the file through the reader: table name -> rows."""
    out: dict[str, list[dict]] = {}
    for chunk in readers.read_chunks(path):
        table = chunk.attrs[readers.PART].removeprefix("table ").strip("'")
        out.setdefault(table, []).extend(chunk.to_dict("records"))
    return out


def mdb_ver(path: Path) -> str:
    return subprocess.run(["mdb-ver", str(path)], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_an_access_97_customs_delivery_gives_its_chinese_text_back(tmp_path, mdbtools, monkeypatch, locale):
    """GBK bytes in the file (not UCS-2), Chinese table and column names and firm
    names come back exactly, with MDB_JET3_CHARSET unset, in a UTF-8 and in the C locale."""
    monkeypatch.setenv("LC_ALL", locale)
    monkeypatch.setenv("LANG", locale)
    path = make_delivery.write_mdb(tmp_path / "海关2003.mdb", make_delivery.TABLES, version="jet3")
    assert mdb_ver(path) == "JET3"
    data = path.read_bytes()
    assert len(data) % 2048 == 0
    assert "杭州甲进出口有限公司".encode("gbk") in data and "杭州甲进出口有限公司".encode("utf-16-le") not in data

    assert readers.mdb_tables(path) == ["2003年01月", "2003年02月 补报"]
    assert read_back(path) == {name: expected(columns, rows) for name, (columns, rows) in make_delivery.TABLES.items()}
    assert readers.read_columns(path) == [c.name for c in make_delivery.CUSTOMS]


@pytest.mark.parametrize("code_page", [1252, 0])
def test_gbk_text_under_a_header_naming_another_code_page_is_read_as_gb18030(tmp_path, mdbtools, code_page):
    """mdbtools alone decodes such a file in CP1252 (mojibake, exit status 0); the reader does not."""
    path = make_delivery.write_mdb(tmp_path / "d.mdb", make_delivery.TABLES, version="jet3", code_page=code_page,
                                   encoding="gbk")
    raw = subprocess.run(["mdb-tables", "-1", str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "LC_ALL": "C.UTF-8"}).stdout.splitlines()
    assert raw == [name.encode("gbk").decode("cp1252") for name in make_delivery.TABLES]  # 2003Äê01ÔÂ

    assert read_back(path) == {name: expected(columns, rows) for name, (columns, rows) in make_delivery.TABLES.items()}


def test_access_97_rows_longer_than_256_bytes_come_back_whole(tmp_path, mdbtools):
    """Jet 3 row offsets are one byte: longer rows carry a jump table (one to three entries
    here, some with a dummy entry), which mdbtools must read as the writer wrote it."""
    columns = [Column("号", LONG)] + [Column(f"名称{i}", TEXT, 120) for i in range(5)] + [Column("备注", MEMO)]
    text = '海,"关"' + "进出口贸易有限公司" * 13
    rows = [[k] + [text[:(k * k * 7 + i * 53) % 121] or None for i in range(5)] + [("备注" * 16)[:k % 33] or None]
            for k in range(150)]
    assert max(sum(len(v.encode("gbk")) for v in row[1:] if v) for row in rows) > 768  # three jump entries
    path = make_delivery.write_mdb(tmp_path / "长行.mdb", {"长行": (columns, rows)}, version="jet3")
    assert read_back(path) == {"长行": expected(columns, rows)}


BIG5_COLUMNS = [Column("公司名稱", TEXT, 20), Column("金額", DOUBLE)]
BIG5_ROWS = [["臺北甲貿易有限公司", 1.5], ["香港乙公司, \"總部\"", None]]


def test_a_header_naming_big5_is_read_in_big5_and_the_callers_charset_wins(tmp_path, mdbtools, monkeypatch):
    """A Big5 file (Traditional Chinese Windows, code page 950 in its header) is
    read in Big5, as mdbtools reads it; the caller's MDB_JET3_CHARSET wins over
    the header (here, wrongly: other characters)."""
    path = make_delivery.write_mdb(tmp_path / "b.mdb", {"客戶": (BIG5_COLUMNS, BIG5_ROWS)}, version="jet3",
                                   code_page=950)
    assert "臺北甲貿易有限公司".encode("big5") in path.read_bytes()
    assert readers.jet3_code_page(path) == 950
    assert read_back(path) == {"客戶": expected(BIG5_COLUMNS, BIG5_ROWS)}
    monkeypatch.setenv("MDB_JET3_CHARSET", "GB18030")
    assert read_back(path) != {"客戶": expected(BIG5_COLUMNS, BIG5_ROWS)}


def test_the_header_code_page_is_read_from_access_97_files_only(tmp_path):
    for code_page in (936, 950, 1252, 0):
        path = make_delivery.write_mdb(tmp_path / f"{code_page}.mdb", make_delivery.TABLES, version="jet3",
                                       code_page=code_page, encoding="gbk")
        assert readers.jet3_code_page(path) == code_page
    assert readers.jet3_code_page(DELIVERY) is None  # Access 2000: UCS-2 text, no code page to follow
    (tmp_path / "short.mdb").write_bytes(b"\x00" * 40)
    assert readers.jet3_code_page(tmp_path / "short.mdb") is None


def test_a_charset_mdbtools_cannot_use_is_refused_naming_the_file_and_the_variable(tmp_path, mdbtools, monkeypatch):
    (tmp_path / "d").mkdir()
    path = make_delivery.write_mdb(tmp_path / "d" / "海关2003.mdb", make_delivery.TABLES, version="jet3")
    monkeypatch.setenv("MDB_JET3_CHARSET", "NO-SUCH-CHARSET")
    with pytest.raises(IngestError) as err:
        ingest([tmp_path / "d"], tmp_path / "raw")
    assert f"{path}: mdb-tables failed" in str(err.value)
    assert "MDB_JET3_CHARSET='NO-SUCH-CHARSET'" in str(err.value)
    assert not (tmp_path / "raw").exists()
    # an Access 2000 file stores UCS-2 and ignores the variable
    assert [len(c) for c in readers.read_chunks(DELIVERY)] == [5, 5]


def test_the_callers_mdbiconv_does_not_change_the_text(mdbtools, monkeypatch):
    """mdbtools writes in MDBICONV's charset: ISO-8859-1 turned every Chinese character into ``?``."""
    monkeypatch.setenv("MDBICONV", "ISO-8859-1")
    assert readers.mdb_tables(DELIVERY) == ["2003年01月", "2003年02月 补报"]
    tables = read_back(DELIVERY)
    assert tables["2003年02月 补报"][-1]["经营单位"] == "丁（上海）贸易有限公司"


MEMO_COLUMNS = [Column("编号", LONG), Column("备注", MEMO), Column("名称", TEXT, 20)]
INLINE = '短,备注 "引号"\n第二行'                                         # 12-byte head + the text, in the row
LONG_CHINESE = "海关备注：" + '进出口货物，含"引号"与逗号,以及换行\n' * 20   # 405 characters, on an LVAL page
MEMO_ROWS = [
    [1, INLINE, "甲"],
    [2, LONG_CHINESE, "乙"],
    [3, None, "丙"],
    [4, "plain, ascii", None],
    [5, "a" * 300, "戊"],            # Jet 4: compressed (one byte a character) on an LVAL page
    [6, "b, " * 400 + "end", "己"],  # 1203 characters: Jet 4 stores more than 1024 uncompressed
    [7, "末行", "庚"],
]


def pages(path: Path, size: int) -> list[bytes]:
    data = path.read_bytes()
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("version, page, encode", [("jet4", 4096, lambda s: s.encode("utf-16-le")),
                                                   ("jet3", 2048, lambda s: s.encode("gbk"))], ids=["jet4", "jet3"])
def test_memos_inline_and_on_long_value_pages_come_back_whole(tmp_path, mdbtools, version, page, encode):
    path = make_delivery.write_mdb(tmp_path / "m.mdb", {"备注 表": (MEMO_COLUMNS, MEMO_ROWS)}, version=version)
    assert mdb_ver(path) == version.upper()
    lval = [p for p in pages(path, page) if p[0] == 1 and p[4:8] == b"LVAL"]
    data = [p for p in pages(path, page) if p[0] == 1 and p[4:8] != b"LVAL"]
    assert lval and any(encode(INLINE) in p for p in data) and not any(encode(INLINE) in p for p in lval)
    assert any(encode(LONG_CHINESE) in p for p in lval)

    got = read_back(path)
    assert got == {"备注 表": expected(MEMO_COLUMNS, MEMO_ROWS)}
    assert len(got["备注 表"][1]["备注"]) == 405


def memo_delivery(rows: list[list]) -> tuple[list[Column], list[list]]:
    """The January table with the firm name as a memo and a notes memo the layout does not know."""
    columns = [Column(c.name, MEMO) if c.name == "经营单位" else c for c in make_delivery.CUSTOMS]
    notes = ['补报,"已核对"\n第二行', "备注：" + "本月数据含更正记录，逗号, 引号\"，换行\n" * 12, None, "短", None]
    return columns + [Column("备注", MEMO)], [row + [note] for row, note in zip(rows, notes, strict=True)]


@pytest.mark.parametrize("version", ["jet3", "jet4"])
def test_an_access_customs_month_with_memo_columns_ingests_end_to_end(tmp_path, mdbtools, capsys, version):
    folder = tmp_path / "海关2003"
    folder.mkdir()
    columns, rows = memo_delivery(make_delivery.JANUARY)
    path = make_delivery.write_mdb(folder / "海关2003.mdb", {"2003年01月": (columns, rows)}, version=version)
    raw = tmp_path / "raw"
    report = ingest([folder], raw)

    [f] = report.files
    assert (f.layout, f.table, f.years, f.rows_read, f.rows_kept, f.rejected) == \
        ("customs_2000_2006", "customs_transactions", [2003], 5, 5, {})
    assert f.unknown_columns == ["备注"]
    got = pd.read_parquet(raw / "customs_transactions" / "year=2003" / "part-0.parquet")
    assert len(got) == 5 and set(got.month) == {1}
    by = got.set_index(["customs_firm_id", "hs_code"])
    assert by.loc[("3301234567", "61091000"), "firm_name"] == '宁波丙纺织品有限公司 "丙记", 分厂'
    assert by.loc[("3301234567", "61091000"), "value_usd"] == 0.1
    first = by.loc[("1234567890", "84713000")]
    assert (first.flow, first.firm_name, first.partner_country, first.trade_regime, first.value_usd) == \
        ("export", "杭州甲进出口有限公司", "USA", "10", 1000.5)
    assert sorted(got.firm_name) == sorted(r[3] for r in rows)
    # the memo the layout does not read is read whole all the same
    assert [r["备注"] for r in read_back(path)["2003年01月"]] == [r[-1] for r in rows]

    assert main(["ingest", str(folder), "--raw", str(tmp_path / "raw2"), "--dry-run"]) == 0
    assert "海关2003.mdb: layout customs_2000_2006 -> customs_transactions [2003]; read 5, kept 5" in \
        capsys.readouterr().out


def test_a_memo_longer_than_a_page_is_not_written(tmp_path):
    """The writer makes single-page long values only (HACKING.md's type 1), and says so."""
    with pytest.raises(ValueError, match="longer than one page"):
        make_delivery.write_mdb(tmp_path / "x.mdb", {"t": ([Column("备注", MEMO)], [["长" * 3000]])})
