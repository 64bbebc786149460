"""Reading delivered files of every format, in chunks, as text columns.

Formats: Parquet; CSV and TXT (UTF-8, GBK or GB18030: a layout may fix the
encoding, else UTF-8 when the whole file decodes as UTF-8, else GB18030,
which reads GBK too); Stata ``.dta`` of any version (through ``pyreadstat``;
files before Stata 14 (format 117 and older) carry GB18030 bytes in names,
labels and strings and are decoded as such); Excel ``.xlsx`` (openpyxl) and
``.xls`` (xlrd), every sheet; MS Access ``.mdb`` through ``mdb-export`` and
``mdb-tables`` of the ``mdbtools`` package, every table (vendors put one month
per table), Access 2000 (Jet 4) and Access 97 (Jet 3, whose text is read as
GB18030 when the file's header names code page 936, 1252 or none, else in the
header's code page, unless ``MDB_JET3_CHARSET`` names another: ``_mdb_env``).

Every reader yields frames of at most ``chunk_rows`` rows whose cells are
text or None: integral numbers without a decimal point (a numeric HS code
``8471300`` stays ``8471300``, not ``8471300.0``), dates as ``YYYY-MM-DD``.
The conversion (``convert.py``) parses numbers and restores codes from there,
the same way whatever the format. A file larger than memory is never read
whole, except Excel (workbooks are small; xlsx has no row streaming in
pandas).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.rawio import decode_error

FORMATS = (".parquet", ".csv", ".txt", ".dta", ".xlsx", ".xls", ".mdb")
CHUNK_ROWS = 500_000
PART = "part"  # a chunk's ``attrs`` key naming the sheet or table it comes from (Excel, Access)


class ReadError(ValueError):
    """A delivered file that cannot be read (format, encoding, a missing tool)."""


def files_among(sources: list[Path | str], formats, refuse, missing) -> list[Path]:
    """The files among ``sources`` (files, or folders searched at any depth) whose
    suffix is one of ``formats``, in order; a file named directly in another
    format raises ``refuse(path)``, a source that does not exist ``missing(path)``."""
    out: list[Path] = []
    for src in map(Path, sources):
        if src.is_dir():
            out.extend(p for p in sorted(src.rglob("*")) if p.is_file() and p.suffix.lower() in formats)
        elif src.is_file():
            if src.suffix.lower() not in formats:
                raise refuse(src)
            out.append(src)
        else:
            raise missing(src)
    return out


def data_files(sources: list[Path | str]) -> list[Path]:
    """The delivered files among ``sources`` (files, or folders searched at any depth), sorted."""
    return files_among(sources, FORMATS,
                       lambda src: ReadError(f"{src}: not a format gvc ingest reads ({', '.join(FORMATS)})"),
                       lambda src: ReadError(f"{src}: no such file or folder"))


def _as_text(s: pd.Series) -> pd.Series:
    """One column as text cells (None for missing)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_bool_dtype(s):
        out = s.astype("string")
    elif pd.api.types.is_integer_dtype(s):
        out = s.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(v)
        integral = finite & (np.abs(v) < 1e15) & (v == np.round(v))
        out = pd.Series(pd.NA, index=s.index, dtype="string")
        out[integral] = pd.Series(v[integral].astype(np.int64), index=s.index[integral]).astype("string")
        rest = finite & ~integral
        out[rest] = s[rest].map(repr).astype("string")
    else:
        out = s.map(lambda x: x if isinstance(x, str) else (None if x is None or x is pd.NA or
                                                              (isinstance(x, float) and np.isnan(x)) else
                                                              (x.strftime("%Y-%m-%d") if hasattr(x, "strftime")
                                                               else str(x)))).astype("string")
    out = out.astype(object).where(out.notna(), None)
    return out


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: _as_text(df[c]) for c in df.columns}, index=df.index)


def text_encoding(path: Path, fixed: str | None = None) -> str:
    """The encoding a text file is read with: the layout's, else UTF-8 when it all decodes, else GB18030."""
    if fixed:
        return fixed
    if decode_error(path, "utf-8") is None:
        return "utf-8"
    err = decode_error(path, "gb18030")
    if err is not None:
        raise ReadError(f"{path}: neither UTF-8 nor GB18030/GBK text (byte offset {err.offset}, line "
                        f"{err.line}: {err.bad!r}); set the layout's encoding:")
    return "gb18030"


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace") as f:
        head = f.readline()
    counts = {d: head.count(d) for d in (",", "\t", "|", ";")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def _text_chunks(path: Path, encoding: str | None, delimiter: str | None, chunk_rows: int) -> Iterator[pd.DataFrame]:
    enc = text_encoding(path, encoding)
    sep = delimiter or _sniff_delimiter(path, enc)
    reader = pd.read_csv(path, encoding=enc, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                         chunksize=chunk_rows)
    for chunk in reader:
        yield as_text(chunk)


def _stata_release(path: Path) -> int:
    """The .dta format number: 117 (Stata 13), 118/119 (14+); 113-115 from the first byte before that."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"<stata_dta>"):
        at = head.find(b"<release>")
        return int(head[at + 9:at + 12]) if at >= 0 else 118
    return head[0] if head else 0


def stata_encoding(path: Path, fixed: str | None = None) -> str | None:
    """GB18030 for pre-Unicode Stata files (format <= 117), else the file's own UTF-8 (None)."""
    if fixed:
        return fixed
    return "GB18030" if _stata_release(path) <= 117 else None


def _dta_chunks(path: Path, encoding: str | None, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyreadstat

    enc = stata_encoding(path, encoding)
    kw = {"encoding": enc} if enc else {}
    try:
        for df, _meta in pyreadstat.read_file_in_chunks(pyreadstat.read_dta, str(path), chunksize=chunk_rows,
                                                          apply_value_formats=False, **kw):
            yield as_text(df)
    except pyreadstat.ReadstatError as err:
        raise ReadError(f"{path}: not a readable Stata file ({err})") from None


def _excel_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    except ImportError as err:
        raise ReadError(f"{path}: reading {path.suffix} needs {err.name}") from None
    for name, df in sheets.items():
        for start in range(0, len(df), chunk_rows):
            chunk = as_text(df.iloc[start:start + chunk_rows])
            chunk.attrs[PART] = f"sheet {name!r}"
            yield chunk


def _mdb_tool(name: str, path: Path) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise ReadError(f"{path}: reading Access files needs `{name}` of the mdbtools package "
                        f"(Debian: apt-get install mdbtools)")
    return tool


# The charset Access 97 (Jet 3) text is read in when its header names Simplified Chinese (936), Western
# (1252) or no code page, unless the caller's MDB_JET3_CHARSET says otherwise.
JET3_CHARSET = "GB18030"
_JET3_AS_GB18030 = {0, 936, 1252}
_HEADER_KEY, _HEADER_MASKED = 0x6B39DAC7, 126  # Jet 3's header: RC4-masked from byte 0x18 (126 bytes)


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for b in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def jet3_code_page(path: Path) -> int | None:
    """The code page an Access 97 (Jet 3) file's header names (byte 0x3C of the
    unmasked header), None for any other file (Jet 4 and later store UCS-2)."""
    try:
        with open(path, "rb") as f:
            head = f.read(0x18 + _HEADER_MASKED)
    except OSError:
        return None
    if len(head) < 0x18 + _HEADER_MASKED or head[0x14] != 0:  # 0: Jet 3; 1 and up: Jet 4, ACE
        return None
    plain = _rc4(struct.pack("<I", _HEADER_KEY), head[0x18:])
    return struct.unpack_from("<H", plain, 0x3C - 0x18)[0]


def _mdb_env(path: Path) -> dict[str, str]:
    """The environment mdbtools runs in for ``path``, whatever the caller's.

    - A UTF-8 locale: under C or POSIX, mdb-export refuses a table name in
      Chinese ("argument parsing failed").
    - ``MDBICONV=UTF-8``: the charset mdbtools writes, which the reader reads;
      a caller's ``MDBICONV=ISO-8859-1`` turned every Chinese character into
      ``?``, with exit status 0.
    - ``MDB_JET3_CHARSET``: Jet 4 (Access 2000 and later) stores text as UCS-2,
      but Jet 3 (Access 97) stores bytes in the code page of the Windows that
      wrote it, GBK on a Chinese one. mdbtools 1.0.0 decodes them in the code
      page the file's header names (936 -> WINDOWS-936, 950 -> BIG-5, ...),
      else CP1252, or in ``MDB_JET3_CHARSET`` when that is set, and turns bytes
      it cannot decode into ``?``; neither way fails. A GBK file whose header
      names 1252 or no code page came out as mojibake (``杭州`` as ``º¼ÖÝ``),
      exit status 0. So a Jet 3 file whose header names 936, 1252 or no code
      page is read as GB18030 (a superset of GBK); one naming another code page
      (950 Big5, 932 Shift-JIS, ...) is left to mdbtools, which reads it in
      that code page; the caller's ``MDB_JET3_CHARSET`` wins over both. A
      Western Access 97 file with accented letters therefore needs
      ``MDB_JET3_CHARSET=CP1252``. tests/integration/test_ingest_mdb_formats.py
      has the evidence.
    """
    env = {**os.environ, "LC_ALL": "C.UTF-8", "MDBICONV": "UTF-8"}
    if not env.get("MDB_JET3_CHARSET") and jet3_code_page(path) in _JET3_AS_GB18030:
        env["MDB_JET3_CHARSET"] = JET3_CHARSET
    return env


# Date/Time cells as YYYY-MM-DD (-T: every Date/Time column; -D: those formatted as a
# short date), not mdb-export's default 01/15/03 00:00:00; bytes of binary and OLE
# columns stripped (they are no text, and a layout reads none).
MDB_EXPORT_OPTIONS = ["-D", "%Y-%m-%d", "-T", "%Y-%m-%d", "-b", "strip"]


def mdb_tables(path: Path) -> list[str]:
    out = subprocess.run([_mdb_tool("mdb-tables", path), "-1", str(path)], capture_output=True, text=True,
                         encoding="utf-8", errors="replace", check=False, env=_mdb_env(path))
    if out.returncode != 0:
        charset = os.environ.get("MDB_JET3_CHARSET")
        hint = (f" (MDB_JET3_CHARSET={charset!r} from the environment: an Access 97 file's text cannot be "
                f"read in a charset iconv does not know, see `iconv -l`)" if charset else "")
        raise ReadError(f"{path}: mdb-tables failed: {out.stderr.strip()}{hint}")
    return [t for t in out.stdout.splitlines() if t.strip()]


def _mdb_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    tool = _mdb_tool("mdb-export", path)
    for table in mdb_tables(path):
        with tempfile.TemporaryFile() as stderr:  # a file, not a pipe nobody reads while rows stream
            proc = subprocess.Popen([tool, *MDB_EXPORT_OPTIONS, str(path), table], stdout=subprocess.PIPE,
                                    stderr=stderr, env=_mdb_env(path))
            unreadable = None
            try:
                # a row of NULLs in a one-column table is an empty line: a row, not a blank to skip
                for chunk in pd.read_csv(proc.stdout, encoding="utf-8", dtype=str, keep_default_na=False,
                                         na_values=[""], skip_blank_lines=False, chunksize=chunk_rows):
                    out = as_text(chunk)
                    out.attrs[PART] = f"table {table!r}"
                    yield out
            except GeneratorExit:  # the caller stopped early (read_columns): no failure of mdb-export
                proc.kill()
                raise
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
                unreadable = err
            finally:
                proc.stdout.close()  # a writer still running ends on the closed pipe
                code = proc.wait()
            if code > 0 or (code and unreadable is None):
                stderr.seek(0)
                err = stderr.read().decode("utf-8", "replace").strip() or f"exit status {code}"
                raise ReadError(f"{path}: mdb-export of table {table!r} failed: {err}")
            if unreadable is not None:
                raise ReadError(f"{path}: table {table!r}: mdb-export's output is no readable CSV ({unreadable})")


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
        yield as_text(batch.to_pandas())


def read_chunks(path: Path, encoding: str | None = None, delimiter: str | None = None,
                chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The rows of a delivered file, ``chunk_rows`` at a time, as text columns."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _text_chunks(path, encoding, delimiter, chunk_rows)
    if suffix == ".dta":
        return _dta_chunks(path, encoding, chunk_rows)
    if suffix in (".xlsx", ".xls"):
        return _excel_chunks(path, chunk_rows)
    if suffix == ".mdb":
        return _mdb_chunks(path, chunk_rows)
    if suffix == ".parquet":
        return _parquet_chunks(path, chunk_rows)
    raise ReadError(f"{path}: not a format gvc ingest reads ({', '.join(FORMATS)})")


def read_columns(path: Path, encoding: str | None = None, delimiter: str | None = None) -> list[str]:
    """A delivered file's column names, without reading its rows (Excel and Access: the first sheet/table)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        enc = text_encoding(path, encoding)
        sep = delimiter or _sniff_delimiter(path, enc)
        return list(pd.read_csv(path, encoding=enc, sep=sep, dtype=str, nrows=0).columns)
    if suffix == ".dta":
        import pyreadstat

        enc = stata_encoding(path, encoding)
        try:
            _, meta = pyreadstat.read_dta(str(path), metadataonly=True, **({"encoding": enc} if enc else {}))
        except pyreadstat.ReadstatError as err:
            raise ReadError(f"{path}: not a readable Stata file ({err})") from None
        return list(meta.column_names)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    for chunk in read_chunks(path, encoding, delimiter, chunk_rows=1000):
        return list(chunk.columns)
    return []
