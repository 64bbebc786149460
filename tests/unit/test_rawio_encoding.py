"""CSV text encodings in analytics.rawio: where a file stops being text in the
encoding it is read with (offset, line, bytes, an encoding that reads it),
whatever the block size of the scan, and the UTF-8 staging copies dbt reads."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.rawio import CsvDecodeError, decode_error, read_reference, stage_utf8_csv

TEXT = "keyword,note\n进出口,a\n贸易,b\n经贸,c\n"


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
def test_the_first_undecodable_byte_is_found_across_block_edges(tmp_path, block):
    path = tmp_path / "k.csv"
    data = TEXT.encode("gbk")
    path.write_bytes(data)
    err = decode_error(path, "utf-8", block=block)
    want = data.index("进".encode("gbk"))
    assert (err.offset, err.line, err.encoding, err.suggestion) == (want, 2, "utf-8", "gb18030")
    assert err.bad.startswith(data[want:want + 1])
    assert decode_error(path, "gbk", block=block) is None


def test_a_bad_byte_late_in_a_valid_file_gives_its_line(tmp_path):
    path = tmp_path / "k.csv"
    path.write_bytes(TEXT.encode("utf-8") + "汽车,d\n".encode("gb18030"))
    err = decode_error(path, "utf-8", block=5)
    assert err.line == 5 and err.offset == len(TEXT.encode("utf-8"))
    assert str(path) in str(err) and "line 5" in str(err) and 'csv_encoding = "gb18030"' in str(err)


def test_a_truncated_last_character_is_reported(tmp_path):
    path = tmp_path / "k.csv"
    data = TEXT.encode("utf-8")
    path.write_bytes(data + "经".encode("utf-8")[:2])  # the file ends inside a character
    err = decode_error(path, "utf-8")
    assert err is not None and err.offset == len(data)


def test_readers_raise_the_located_error(tmp_path):
    path = tmp_path / "reference" / "intermediary_keywords" / "intermediary_keywords.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(TEXT.encode("gb18030"))
    with pytest.raises(CsvDecodeError, match=r"not utf-8 text at byte offset 13 \(line 2\)"):
        read_reference(tmp_path, "intermediary_keywords")
    assert read_reference(tmp_path, "intermediary_keywords", "gb18030")["keyword"].tolist() == ["进出口", "贸易", "经贸"]


def test_staging_writes_utf8_copies_at_the_same_paths(tmp_path):
    root = tmp_path / "raw"
    src = root / "firm_survey" / "year=2005" / "part-0.csv"
    src.parent.mkdir(parents=True)
    src.write_bytes(TEXT.encode("gbk"))
    (root / "truth").mkdir()
    (root / "truth" / "x.csv").write_text("not a table\n")
    out = stage_utf8_csv(root, "gbk", tmp_path / "utf8")
    copy = out / "firm_survey" / "year=2005" / "part-0.csv"
    assert copy.read_text(encoding="utf-8") == TEXT
    assert not (out / "truth").exists()  # only the tables' files
    assert stage_utf8_csv(root, "utf-8", tmp_path / "other") is None
    src.write_bytes(TEXT.encode("utf-8") + "\udcff".encode("utf-8", "surrogateescape"))
    with pytest.raises(CsvDecodeError, match="not gbk text"):
        stage_utf8_csv(root, "gbk", tmp_path / "utf8")
    assert not list((tmp_path / "utf8").rglob("*.part"))  # no half-written copy left


def test_staged_copy_reads_back_the_same_table(tmp_path):
    root = tmp_path / "raw"
    src = root / "reference" / "intermediary_keywords" / "intermediary_keywords.csv"
    src.parent.mkdir(parents=True)
    src.write_bytes(TEXT.encode("gb18030"))
    out = stage_utf8_csv(root, "gb18030", tmp_path / "utf8")
    back = pd.read_csv(out / src.relative_to(root), encoding="utf-8")
    assert back.equals(pd.read_csv(src, encoding="gb18030"))
