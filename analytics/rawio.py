"""Reading and writing a raw root in the contract's layout.

A raw root holds one folder per table (``customs_transactions``,
``firm_survey``, ``patents``), each Parquet or CSV, optionally hive
partitioned by ``year=YYYY``; and ``reference/<table>/`` folders.  The
generator writes Parquet files that carry every contract column *and* sit in
``year=YYYY`` folders.  These helpers read one year of one table at a time so
nothing ever holds a whole table in memory.

CSV files are text in the settings' ``csv_encoding`` (``utf-8`` by default;
``gbk``/``gb18030`` for Chinese deliveries).  A file that is not text in that
encoding raises :class:`CsvDecodeError`, naming the file, the byte offset and
line, the encoding tried, an encoding that does read it, and the setting.
DuckDB (dbt's reader) reads only UTF-8 CSV here (its ``encodings`` extension
is not installed offline): :func:`stage_utf8_csv` writes UTF-8 copies of a
raw root's CSV files, which dbt's ``read_raw`` reads in their place
(``GVC_CSV_UTF8``).

A reference table a command of the platform built (``gvc reference`` writes
``hs_concordance`` and ``hs_bec``) carries its provenance in a sidecar
``reference/<table>.json`` beside its folder: how it was built and the sha256
of each of its files, so that a reader can tell whether the sidecar still
describes the table (:func:`table_provenance`).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

YEARLY_TABLES = ("customs_transactions", "firm_survey", "patents")
REFERENCE_TABLES = (
    "hs_concordance",
    "hs_bec",
    "trade_regimes",
    "cities",
    "city_year",
    "industries",
    "ipc_industry",
    "province_industry_policy",
    "io_links",
    "hs_industry",
    "exchange_rates",
    "intermediary_keywords",
)
YEAR_COLUMN = {
    "customs_transactions": "year",
    "firm_survey": "year",
    "patents": "application_year",
}


def table_files(root: Path | str, table: str) -> list[Path]:
    """Every data file of a table, sorted (Parquet or CSV, any depth)."""
    base = Path(root) / table
    files = sorted(p for p in base.rglob("*") if p.suffix in (".parquet", ".csv"))
    return files


def years_present(root: Path | str, table: str) -> list[int]:
    """Years of the ``year=YYYY`` folders of a table (empty when not partitioned)."""
    base = Path(root) / table
    out = []
    for p in base.glob("year=*"):
        try:
            out.append(int(p.name.split("=", 1)[1]))
        except ValueError:
            continue
    return sorted(out)


CSV_OPTIONS = dict(dtype=str, keep_default_na=False, na_values=[""])
# what a wrongly decoded Chinese CSV usually is, tried in this order for the suggestion
CANDIDATE_ENCODINGS = ("utf-8", "gb18030", "gbk")
SETTING_HINT = "under [method] in gvc.toml (or in the file GVC_CONFIG / --config names)"
UTF8_STAGING_ENV = "GVC_CSV_UTF8"


class CsvDecodeError(ValueError):
    """A CSV file that is not text in the encoding it was read with."""

    def __init__(self, path: Path | str, encoding: str, offset: int, line: int, bad: bytes,
                 suggestion: str | None):
        self.path, self.encoding, self.offset, self.line, self.bad = str(path), encoding, offset, line, bad
        self.suggestion = suggestion
        if suggestion:
            fix = f"the bytes there read as {suggestion}: set csv_encoding = \"{suggestion}\""
        else:
            fix = "set csv_encoding to the file's encoding (\"utf-8\", \"gbk\" or \"gb18030\")"
        self.hint = f"{fix} {SETTING_HINT}, or re-save the file as {encoding}"
        super().__init__(f"{self.path}: not {encoding} text at byte offset {offset} (line {line}): "
                         f"bytes {bad!r}; {self.hint}")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return False


def decode_error(path: Path | str, encoding: str, block: int = 1 << 20) -> CsvDecodeError | None:
    """The first place ``path`` is not ``encoding`` text, as a CsvDecodeError (None when
    the whole file decodes). Streams the file in blocks; the line is 1-based."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = newlines = 0  # bytes and newlines fed to the decoder so far
    with open(path, "rb") as f:
        while True:
            data = f.read(block)
            pending = decoder.getstate()[0]  # the start of a character split by the block edge
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                buf = pending + data  # starts on a character boundary
                try:
                    buf.decode(encoding)
                    start = len(buf)  # a character cut by the end of the file
                except UnicodeDecodeError as err:
                    start = err.start
                at = offset - len(pending) + start
                line = newlines - pending.count(b"\n") + buf[:start].count(b"\n") + 1
                # a newline byte is never part of a multibyte character in these encodings
                window = buf[buf.rfind(b"\n", 0, start) + 1:start + (64 << 10)]
                suggestion = next((c for c in CANDIDATE_ENCODINGS
                                   if codecs.lookup(c).name != codecs.lookup(encoding).name and _decodes(window, c)),
                                  None)
                return CsvDecodeError(path, encoding, at, line, buf[start:start + 4], suggestion)
            if not data:
                return None
            newlines += data.count(b"\n")
            offset += len(data)


def read_csv(path: Path | str, encoding: str = "utf-8", **kw) -> pd.DataFrame:
    """A raw CSV as text columns (empty cells NULL); a decoding failure raises CsvDecodeError."""
    try:
        return pd.read_csv(path, encoding=encoding, **{**CSV_OPTIONS, **kw})
    except UnicodeDecodeError:
        err = decode_error(path, encoding)
        if err is None:
            raise
        raise err from None


def _read_file(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return read_csv(path, encoding)


def read_year(root: Path | str, table: str, year: int, encoding: str = "utf-8") -> pd.DataFrame:
    """One year of a yearly table (empty frame when the year is absent)."""
    folder = Path(root) / table / f"year={year}"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".parquet", ".csv"))
    if not files:
        return pd.DataFrame()
    return with_year_column(pd.concat([_read_file(p, encoding) for p in files], ignore_index=True), table, year)


def with_year_column(df: pd.DataFrame, table: str, year: int) -> pd.DataFrame:
    """A yearly table's rows with its year column, from the folder's year where the file has none."""
    col = YEAR_COLUMN[table]
    if col not in df.columns:
        df[col] = year
    return df


def iter_year(root: Path | str, table: str, year: int, batch_rows: int = 1 << 20,
              encoding: str = "utf-8", columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """One year of a yearly table in consecutive batches of at most
    ``batch_rows`` rows: together, in order, the rows of :func:`read_year`
    with its dtypes. A Parquet file is read a row batch at a time, so a
    year of 8 million customs lines never sits in memory whole; a CSV file
    comes in one batch. Nothing when the year is absent. ``columns``: only
    those of them a file has (and the year column), in the file's order."""
    if batch_rows < 1:
        raise ValueError(f"batch_rows={batch_rows!r}: at least 1")
    folder = Path(root) / table / f"year={year}"
    for path in sorted(p for p in folder.glob("*") if p.suffix in (".parquet", ".csv")):
        if path.suffix == ".csv":
            df = read_csv(path, encoding)
            batches: Iterator[pd.DataFrame] = iter([df if columns is None else df[[c for c in df.columns
                                                                                    if c in columns]]])
        else:
            pf = pq.ParquetFile(path)
            wanted = None if columns is None else [c for c in pf.schema_arrow.names if c in columns]
            batches = (pa.Table.from_batches([b]).to_pandas()
                       for b in pf.iter_batches(batch_size=batch_rows, columns=wanted))
        for df in batches:
            yield with_year_column(df, table, year)


def read_reference(root: Path | str, table: str, encoding: str = "utf-8") -> pd.DataFrame:
    """A reference table: every file of ``reference/<table>/`` concatenated."""
    files = table_files(Path(root) / "reference", table)
    if not files:
        raise FileNotFoundError(f"reference table {table!r} has no file under {root}/reference/{table}")
    return pd.concat([_read_file(p, encoding) for p in files], ignore_index=True)


def csv_files(root: Path | str) -> list[Path]:
    """Every CSV file of a raw root's tables (yearly and reference), sorted."""
    root = Path(root)
    tables = [root / t for t in YEARLY_TABLES] + ([root / "reference"] if (root / "reference").is_dir() else [])
    return sorted(p for base in tables if base.is_dir() for p in base.rglob("*.csv"))


def stage_utf8_csv(root: Path | str, encoding: str, dest: Path | str) -> Path | None:
    """UTF-8 copies of the raw root's CSV files under ``dest``, at the same relative
    paths, for readers that take UTF-8 only (DuckDB, i.e. dbt's ``read_raw``).

    Returns ``dest`` (emptied and rewritten), or None when nothing needs it: the
    encoding is UTF-8 or the root has no CSV file.  The caller passes ``dest``
    to dbt as ``GVC_CSV_UTF8`` (``UTF8_STAGING_ENV``).  A file that is not
    ``encoding`` text raises CsvDecodeError (validation refuses it first)."""
    root, dest = Path(root), Path(dest)
    files = csv_files(root)
    if codecs.lookup(encoding).name == "utf-8" or not files:
        return None
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    for src in files:
        out = dest / src.relative_to(root)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        try:
            with open(src, encoding=encoding, newline="") as fin, open(tmp, "w", encoding="utf-8", newline="") as fout:
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
        except UnicodeDecodeError:
            tmp.unlink(missing_ok=True)
            raise decode_error(src, encoding) from None
        os.replace(tmp, out)
    return dest


ROW_GROUP_ROWS = 1 << 20
"""Rows per Parquet row group: pyarrow's default, which :func:`write_parquet` keeps."""


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with each dictionary-encoded column as its values' type."""
    return pa.schema([pa.field(f.name, f.type.value_type, f.nullable) if pa.types.is_dictionary(f.type) else f
                      for f in schema])


def arrow_table(df: pd.DataFrame | pa.Table, schema: pa.Schema | None = None) -> pa.Table:
    """``df`` as the Arrow table :func:`write_parquet` writes: no pandas index, no schema metadata,
    dictionary-encoded columns decoded."""
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(None)
    plain = _plain_schema(table.schema)
    return table if plain.equals(table.schema) else table.cast(plain)


def write_parquet(df: pd.DataFrame | pa.Table, path: Path, schema: pa.Schema | None = None) -> None:
    """Deterministic Parquet write: no pandas index, fixed compression, no timestamps. ``df``: a
    frame, or an Arrow table already in the layout to write.  A table with dictionary-encoded
    columns is written with their plain types, decoded a row group at a time (never whole);
    the file is the one its decoded table would give."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(df, pa.Table) or df.num_rows == 0 or _plain_schema(df.schema).equals(df.schema):
        pq.write_table(arrow_table(df, schema), path, compression="zstd", compression_level=3)
        return
    table = df.replace_schema_metadata(None)
    plain = _plain_schema(table.schema)
    with pq.ParquetWriter(path, plain, compression="zstd", compression_level=3) as writer:
        for start in range(0, table.num_rows, ROW_GROUP_ROWS):
            writer.write_table(table.slice(start, ROW_GROUP_ROWS).cast(plain))


def write_year(root: Path | str, table: str, year: int, df: pd.DataFrame | pa.Table,
               schema: pa.Schema | None = None) -> Path:
    path = Path(root) / table / f"year={year}" / "part-0.parquet"
    write_parquet(df, path, schema)
    return path


def write_reference(root: Path | str, table: str, df: pd.DataFrame, schema: pa.Schema | None = None) -> Path:
    path = Path(root) / "reference" / table / f"{table}.parquet"
    write_parquet(df, path, schema)
    return path


def file_sha256(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def provenance_path(root: Path | str, table: str) -> Path:
    """The sidecar ``reference/<table>.json`` that records how a reference table was built."""
    return Path(root) / "reference" / f"{table}.json"


def _table_hashes(root: Path, table: str) -> dict[str, str]:
    base = root / "reference"
    return {p.relative_to(base).as_posix(): file_sha256(p) for p in table_files(base, table)}


def write_provenance(root: Path | str, table: str, record: dict) -> Path:
    """Write ``record`` (how ``reference/<table>`` was built) as its sidecar, with the sha256 of the
    table's files as they are now (``files``)."""
    root = Path(root)
    path = provenance_path(root, table)
    doc = {"table": f"reference/{table}", **record, "files": _table_hashes(root, table)}
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def table_provenance(root: Path | str, table: str) -> tuple[dict | None, str]:
    """``(record, "")`` when ``reference/<table>.json`` describes the table's files as they are (same
    files, same sha256); else ``(None, why not)``: no sidecar (a table supplied as it is), an
    unreadable one, or one written for other files (the table was replaced or edited since)."""
    root = Path(root)
    path = provenance_path(root, table)
    if not path.is_file():
        return None, f"no {path}: the table was supplied, not built by the platform"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return None, f"{path} is not readable JSON ({err})"
    if not isinstance(doc, dict) or doc.get("files") != _table_hashes(root, table):
        return None, (f"{path} describes other files than those of reference/{table} now: the table was "
                      f"replaced or edited after it was built")
    return doc, ""


def folder_year(path: Path, folder: Path) -> int | None:
    """The year of the ``year=YYYY`` folder a file sits in (None when unpartitioned)."""
    for part in path.relative_to(folder).parts[:-1]:
        if part.startswith("year="):
            try:
                return int(part.split("=", 1)[1])
            except ValueError:
                return None
    return None
