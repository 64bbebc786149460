"""Validating raw inputs against the contract, file by file.

``validate_raw_root`` checks every file of every raw table (the yearly
tables' ``year=YYYY`` folders, optionally only some years, and files directly
under a table folder) and of every reference table against the models of
``schemas.raw`` / ``schemas.reference``.  Nothing holds a whole table: a file
is read in chunks of at most ``CHUNK_ROWS`` rows (pyarrow ``iter_batches``
for a larger Parquet file, ``chunksize`` for CSV) and the chunks are
validated lazily (every broken rule reported, not the first).  Rules that
span chunks and files, or need more than the file, are checked on the side:

- a table's unique key, within and across chunks and files, through sorted
  64-bit hashes of the keys seen so far (per ``year=YYYY`` folder when the key
  holds the year, per table otherwise: e.g. patents' application_id); the
  chunks are therefore validated without the model's ``unique`` setting.
  Rows whose ``raw.KEY_WITHOUT_NULLS`` column is NULL (customs lines without
  a firm id) are outside the key; the survey has none (METHOD §0 resolves
  its repeated firm-years);
- a yearly file's year column equals its ``year=YYYY`` folder (a partitioned
  file without the column takes the folder's year, as ``rawio.read_year``);
- the yearly tables' last year is the settings' ``year_end`` (gvc.toml), not
  the contract's 2014 (``raw.YEAR_RANGES``);
- ``reference/exchange_rates`` and ``reference/city_year`` have rows for every
  sample year with a customs folder (a year added needs its reference rows);
- codes against the raw root's reference tables (``raw.CODE_RULES``: trade
  regimes, partner countries, survey industries and provinces), as checks
  built from the reference rows and added to the model's schema;
- CSV files are read in the settings' ``csv_encoding``; a file that is not
  text in it is refused naming the byte offset, the line and an encoding that
  reads it (``rawio.CsvDecodeError``).

``split_weights_failures`` checks the setting ``split_weights`` against how
``reference/hs_concordance`` was built (its sidecar
``reference/hs_concordance.json``, written by ``gvc reference``): `gvc build`
calls it before anything else, and the concordance's raw asset with its
validation.

Speed: pandera's cost is mostly per call and per column, not per row, so the
chunks of a table's files are validated together, up to ``CHUNK_ROWS`` rows
a call (chunks of the same columns and dtypes), and each failing row is
traced back to its file and row number.

Every broken rule becomes a ``Failure`` (file, column, rule, failing-row
count, up to ``MAX_ROWS_SHOWN`` failing rows as read); all of them are raised
together as one ``RawValidationError``.  What is not wrong but worth a word
(columns the contract does not have, a CSV that looks UTF-8 while
``csv_encoding`` says otherwise) becomes a note: ``validate_raw_root``
returns a ``ValidationSummary`` (the ``{table: rows}`` dict, with ``notes``)
and passes each note, prefixed ``note:``, to its ``note`` callback.
``validate_frame`` applies the same model to an in-memory frame and returns
it coerced to the canonical dtypes.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.parquet as pq

from analytics.rawio import (
    REFERENCE_TABLES,
    SETTING_HINT,
    YEAR_COLUMN,
    YEARLY_TABLES,
    CsvDecodeError,
    decode_error,
    folder_year,
    provenance_path,
    read_reference,
    table_files,
    table_provenance,
    years_present,
)
from analytics.settings import MethodSettings, load_settings
from schemas import prices, raw, reference
from schemas.checks import RULE_COLUMNS, RULE_DETAILS, in_codes

__all__ = [
    "CHUNK_ROWS",
    "MODELS",
    "OPTIONAL_MODELS",
    "Failure",
    "RawValidationError",
    "ValidationSummary",
    "check_split_weights",
    "prepare",
    "split_weights_failures",
    "validate_frame",
    "validate_raw_root",
]

MODELS: dict[str, type[pa.DataFrameModel]] = {
    "customs_transactions": raw.CustomsTransactions,
    "firm_survey": raw.FirmSurvey,
    "patents": raw.Patents,
    "hs_concordance": reference.HsConcordance,
    "hs_bec": reference.HsBec,
    "trade_regimes": reference.TradeRegimes,
    "cities": reference.Cities,
    "city_year": reference.CityYear,
    "industries": reference.Industries,
    "ipc_industry": reference.IpcIndustry,
    "province_industry_policy": reference.ProvinceIndustryPolicy,
    "io_links": reference.IoLinks,
    "hs_industry": reference.HsIndustry,
    "exchange_rates": reference.ExchangeRates,
    "intermediary_keywords": reference.IntermediaryKeywords,
}
# reference tables a raw root may hold: validated when present
OPTIONAL_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "customs_countries": reference.CustomsCountries,
    # METHOD §0 step 5's price indices (schemas/prices.py): nominal values without them
    "deflators": prices.Deflators,
    "investment_deflator": prices.InvestmentDeflator,
}
ALL_MODELS = {**MODELS, **OPTIONAL_MODELS}

CHUNK_ROWS = 1_000_000
MAX_ROWS_SHOWN = 10
NARROW = 8  # tables this narrow show whole failing rows
MISSING_COLUMN = "missing required column"

Progress = Callable[[str, Path, int], None]
Note = Callable[[str], None]


class ValidationSummary(dict):
    """``{table: rows_checked}``, and ``notes``: what the caller should print
    (each ``note: <file>: ...``), e.g. columns the contract does not have."""

    def __init__(self, *args, notes: list[str] | None = None, **kw) -> None:
        super().__init__(*args, **kw)
        self.notes: list[str] = list(notes or [])


@dataclass
class Failure:
    """One broken rule in one file: ``count`` failing rows, ``rows`` the first of them as read."""

    path: str
    column: str
    rule: str
    count: int = 0
    rows: pd.DataFrame | None = None
    detail: str = ""

    def merge(self, other: Failure) -> None:
        self.count += other.count
        self.detail = self.detail or other.detail
        if other.rows is not None and len(other.rows):
            rows = other.rows if self.rows is None else pd.concat([self.rows, other.rows])
            self.rows = rows.iloc[:MAX_ROWS_SHOWN]

    def describe(self) -> str:
        head = f"- file {self.path} | column {self.column} | rule {self.rule}"
        if self.count:
            shown = f", first {MAX_ROWS_SHOWN} shown" if self.count > MAX_ROWS_SHOWN else ""
            head += f" | {self.count} failing row(s){shown}"
        lines = [head]
        if self.detail:
            lines.append(f"    {self.detail}")
        if self.rows is not None and len(self.rows):
            lines.append(textwrap.indent(self.rows.to_string(index=False, max_colwidth=40), "    "))
        return "\n".join(lines)


class RawValidationError(Exception):
    """Raw input breaks the contract; the message lists every broken rule."""

    def __init__(self, failures: list[Failure]):
        self.failures = failures
        text = "\n".join(f.describe() for f in failures)
        super().__init__(f"raw input rejected: {len(failures)} broken rule(s)\n{text}")


class _Failures:
    """Failures merged by (file, column, rule), in the order first seen."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], Failure] = {}

    def add(self, failure: Failure) -> None:
        key = (failure.path, failure.column, failure.rule)
        if key in self.items:
            self.items[key].merge(failure)
        else:
            self.items[key] = failure

    def __bool__(self) -> bool:
        return bool(self.items)


# ---------------------------------------------------------------- one frame


@cache
def _bool_columns(table: str) -> tuple[str, ...]:
    columns = ALL_MODELS[table].to_schema().columns
    return tuple(name for name, col in columns.items() if str(col.dtype) == "boolean")


def prepare(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Parse text flags (``true``/``false`` in any case, as in CSV) of the table's
    boolean columns so that coercion accepts them; other values are left for
    the model to reject."""
    text_flags = [
        c for c in _bool_columns(table)
        if c in df.columns and (pd.api.types.is_string_dtype(df[c]) or df[c].dtype == object)
    ]
    if not text_flags:
        return df
    df = df.copy()
    for c in text_flags:
        low = df[c].astype(str).str.strip().str.lower()
        flag = df[c].astype(object)
        flag[low == "true"] = True
        flag[low == "false"] = False
        df[c] = flag
    return df


def _shown_rows(frame: pd.DataFrame, index, columns: list[str], table: str,
                row_numbers: np.ndarray | None = None) -> pd.DataFrame:
    """Up to MAX_ROWS_SHOWN failing rows as read: the rule's columns, then the
    table's key columns (every column when the table is narrow). ``row_numbers``
    maps the frame's positions to the rows' numbers in their file (default: the index)."""
    key = list(ALL_MODELS[table].Config.unique or raw.ROW_LABELS.get(table, []))
    others = list(frame.columns) if len(frame.columns) <= NARROW else key
    shown = list(dict.fromkeys(c for c in [*columns, *others] if c in frame.columns))
    index = list(index)[:MAX_ROWS_SHOWN]
    rows = frame.loc[index, shown]
    if row_numbers is not None:
        rows.index = row_numbers[np.asarray(index, dtype=np.int64)]
    return rows.rename_axis("row").reset_index()


def _mask_failure(
    path: str, table: str, column: str, rule: str, frame: pd.DataFrame, mask, detail: str = ""
) -> Failure:
    index = frame.index[np.asarray(mask, dtype=bool)]
    return Failure(path, column, rule, len(index), _shown_rows(frame, index, column.split(", "), table), detail)


def _failure_groups(err: pa.errors.SchemaErrors, table: str) -> list[tuple[str, str, list, str]]:
    """pandera's failure cases as (column, rule, failing index labels, detail), one per (column, rule)."""
    fc = err.failure_cases.copy()
    check = fc["check"].astype(str)
    missing = check == "column_in_dataframe"
    coerce_failed = check.str.startswith("coerce_dtype")
    if missing.any() or coerce_failed.any():
        # checks that could not run on an absent or uncoerced column raise instead of
        # failing rows (no index): they are noise until the type is fixed
        bad = set(fc.loc[coerce_failed, "column"])
        keep = (fc["index"].notna() | missing) & ~(check.str.startswith("dtype(") & fc["column"].isin(bad))
        fc, check, missing = fc[keep], check[keep], missing[keep]

    column = fc["column"].astype(str)
    rule = check.copy()
    key = list(ALL_MODELS[table].Config.unique or [])
    unique = check == "multiple_fields_uniqueness"
    column[unique], rule[unique] = ", ".join(key), f"unique key ({', '.join(key)})"
    rule[check == "field_uniqueness"] = "unique"
    for name, cols in RULE_COLUMNS.items():
        column[check == name] = ", ".join(cols)
    column[missing], rule[missing] = fc.loc[missing, "failure_case"].astype(str), MISSING_COLUMN

    groups = []
    for (col, rul), group in fc.groupby([column, rule], sort=False):
        index = sorted(set(group["index"].dropna()))
        if index or rul == MISSING_COLUMN:
            detail = RULE_DETAILS.get(rul, "")
        else:
            detail = f"check raised: {group['failure_case'].iloc[0]}"
        groups.append((col, rul, index, detail))
    return groups


@cache
def _schema(table: str, with_key: bool = True, year_end: int = raw.CONTRACT_YEAR_END) -> pa.DataFrameSchema:
    """The table's schema, its year column ending at ``year_end``; without its
    unique key for files, whose keys _KeyTracker checks."""
    schema = copy.deepcopy(ALL_MODELS[table].to_schema())
    if table in raw.YEAR_RANGES:
        column, first = raw.YEAR_RANGES[table]
        schema = schema.update_column(column, checks=[pa.Check.in_range(first, year_end)])
    if not with_key:
        schema.unique = None
    elif table in raw.KEY_WITHOUT_NULLS and schema.unique:
        schema = _key_without_nulls(schema, list(schema.unique), raw.KEY_WITHOUT_NULLS[table])
    return schema


def _key_without_nulls(schema: pa.DataFrameSchema, key: list[str], column: str) -> pa.DataFrameSchema:
    """``schema`` whose unique ``key`` leaves out the rows where ``column`` is NULL
    (raw.KEY_WITHOUT_NULLS), as the files' key tracker does."""
    name = f"unique key ({', '.join(key)})"
    RULE_COLUMNS[name] = tuple(key)

    def _unique(df: pd.DataFrame) -> pd.Series:
        keyed = df[column].notna()
        return ~(keyed & df[key].where(keyed).duplicated(keep=False))

    schema.unique = None
    schema.checks = [*schema.checks, pa.Check(_unique, name=name)]
    return schema


def _run_schema(df: pd.DataFrame, table: str, schema: pa.DataFrameSchema):
    """(coerced frame or None, failure groups) of one pandera call."""
    try:
        return schema.validate(prepare(df, table), lazy=True), []
    except pa.errors.SchemaErrors as err:
        return None, _failure_groups(err, table)


def _check(
    df: pd.DataFrame, table: str, source: str, with_key: bool = True, year_end: int = raw.CONTRACT_YEAR_END
) -> tuple[pd.DataFrame | None, list[Failure]]:
    coerced, groups = _run_schema(df, table, _schema(table, with_key, year_end))
    failures = [Failure(source, col, rul, len(index),
                        _shown_rows(df, index, col.split(", "), table) if index else None, detail)
                for col, rul, index, detail in groups]
    return coerced, failures


def validate_frame(df: pd.DataFrame, table: str, source: str = "<frame>",
                   settings: MethodSettings | None = None, with_key: bool = True) -> pd.DataFrame:
    """Validate an in-memory frame of ``table``; return it coerced to the canonical
    dtypes (ints ``Int64``, floats ``float64``, strings ``str``, flags ``boolean``).
    Raises RawValidationError naming ``source`` for every broken rule.
    ``settings`` (default gvc.toml) give the last year.  The reference-code
    rules need a raw root: ``validate_raw_root`` applies them.  ``with_key=False``
    leaves out the table's key (a caller checking one chunk of a larger table)."""
    if table not in ALL_MODELS:
        raise ValueError(f"unknown table {table!r}; known: {sorted(ALL_MODELS)}")
    work = df.reset_index(drop=True)
    out, failures = _check(work, table, source, with_key=with_key, year_end=(settings or load_settings()).year_end)
    if failures:
        raise RawValidationError(failures)
    out.index = df.index
    return out


# ---------------------------------------------------------------- codes against the reference tables


def _reference_codes(root: Path, table: str, column: str, encoding: str) -> set[str] | None:
    """The values of a reference table's column in the raw root (None when the table
    is absent or unreadable: its own validation says why)."""
    try:
        df = read_reference(root, table, encoding)
    except (OSError, ValueError, pyarrow.ArrowException):
        return None
    if column not in df.columns:
        return None
    return set(df[column].dropna().astype(str).str.strip())


def code_checks(root: Path | str, tables, encoding: str = "utf-8") -> dict[str, dict[str, pa.Check]]:
    """``{table: {column: check}}``: the ``raw.CODE_RULES`` of ``tables`` as pandera
    checks built from the raw root's reference rows."""
    out: dict[str, dict[str, pa.Check]] = {}
    for rule in raw.CODE_RULES:
        if rule.table not in tables:
            continue
        codes = _reference_codes(Path(root), rule.reference, rule.reference_column, encoding)
        if codes is None and not rule.reference_optional:
            continue
        allowed = set(rule.also) | (codes or set())
        out.setdefault(rule.table, {})[rule.column] = in_codes(allowed, rule.rule, rule.detail, rule.prefix)
    return out


def _file_schema(table: str, year_end: int, codes: dict[str, pa.Check]) -> pa.DataFrameSchema:
    """The schema files of ``table`` are validated with: no unique key, the code checks added."""
    schema = _schema(table, False, year_end)
    if not codes:
        return schema
    return schema.update_columns({c: {"checks": [*schema.columns[c].checks, check]} for c, check in codes.items()})


# ---------------------------------------------------------------- files


def _nullable_ints(arrow_type):
    """Integers read as Int64 (not float64 when nulls are present)."""
    return pd.Int64Dtype() if pyarrow.types.is_integer(arrow_type) else None


def _chunks(path: Path, encoding: str) -> Iterator[pd.DataFrame]:
    """A file's rows in chunks of at most CHUNK_ROWS, indexed by row number in the file."""
    if path.suffix == ".parquet":
        pf = pq.ParquetFile(path)
        if pf.metadata.num_rows <= CHUNK_ROWS:  # one read, no thread pool: small files are most of them
            frames = iter([pf.read(use_threads=False).to_pandas(types_mapper=_nullable_ints, use_threads=False)])
        else:
            frames = (b.to_pandas(types_mapper=_nullable_ints)
                      for b in pf.iter_batches(batch_size=CHUNK_ROWS, use_threads=False))
        empty = lambda: pf.schema_arrow.empty_table().to_pandas(types_mapper=_nullable_ints)  # noqa: E731
    else:
        kw = dict(dtype=str, keep_default_na=False, na_values=[""], encoding=encoding)
        frames = pd.read_csv(path, chunksize=CHUNK_ROWS, **kw)
        empty = lambda: pd.read_csv(path, nrows=0, **kw)  # noqa: E731
    offset = 0
    for frame in frames:
        frame.index = pd.RangeIndex(offset, offset + len(frame))
        offset += len(frame)
        yield frame
    if offset == 0:
        yield empty()


def csv_encoding_rule(encoding: str) -> str:
    return f"CSV text in csv_encoding \"{encoding}\""


def _readable_chunks(path: Path, encoding: str, failures: _Failures) -> Iterator[pd.DataFrame]:
    """``_chunks``, an unreadable file (corrupt, wrong encoding, ragged CSV) becoming a failure."""
    try:
        yield from _chunks(path, encoding)
    except UnicodeDecodeError as err:
        where = decode_error(path, encoding)
        if where is None:  # the file decodes when read whole: pandas' chunk offsets are all we have
            where = CsvDecodeError(path, encoding, err.start, 0, err.object[err.start:err.end], None)
        detail = (f"byte offset {where.offset} (line {where.line}) is not {encoding} text: bytes {where.bad!r}; "
                  f"{where.hint}")
        failures.add(Failure(str(path), "-", csv_encoding_rule(encoding), detail=detail))
    except (OSError, ValueError, pyarrow.ArrowException) as err:  # ArrowInvalid, ParserError are ValueErrors
        failures.add(Failure(str(path), "-", "readable Parquet or CSV file", detail=f"{type(err).__name__}: {err}"))


def _utf8_lookalike(path: Path, encoding: str, sample: int = 1 << 20) -> bool:
    """A CSV whose first ``sample`` bytes are valid UTF-8 with non-ASCII text, read as
    another encoding (GBK would turn it into other characters without an error)."""
    if path.suffix != ".csv" or encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        return False
    with open(path, "rb") as f:
        data = f.read(sample)
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start >= len(data) - 3  # only a character cut by the sample's end
    return True


def _key_hashes(keys: pd.DataFrame, con) -> np.ndarray:
    """64-bit hashes of the key rows (DuckDB ``hash``), one call for a whole batch."""
    columns = ", ".join(f'"{c}"' for c in keys.columns)
    con.register("keys", keys)
    try:
        return np.asarray(con.execute(f"select hash({columns}) as h from keys").fetchnumpy()["h"], dtype=np.uint64)
    finally:
        con.unregister("keys")


class _KeyTracker:
    """Finds rows whose key was already seen: in the same chunk, an earlier chunk or
    an earlier file.  Holds sorted 64-bit hashes of the keys (``_key_hashes``),
    not the keys themselves."""

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.origin = np.empty(0, dtype=np.int32)  # index into sources
        self.sources: list[str] = []

    def check(self, h: np.ndarray, source: str) -> tuple[np.ndarray, str]:
        """Mask of the rows (of key hashes ``h``) with a repeated key, and the earlier
        source holding one of them."""
        order = np.argsort(h, kind="stable")
        ordered = h[order]
        same = ordered[1:] == ordered[:-1]
        repeated = np.empty(len(h), dtype=bool)
        repeated[order] = np.r_[same, False] | np.r_[False, same]
        # the chunk's hashes looked up in order (each search starts where the last
        # ended): after[i] is where ordered[i] goes after any equal hash held
        after = np.searchsorted(self.hashes, ordered, side="right")
        held = np.zeros(len(h), dtype=bool)
        if len(self.hashes):
            held = (after > 0) & (self.hashes[np.maximum(after - 1, 0)] == ordered)
        earlier = np.empty(len(h), dtype=bool)
        earlier[order] = held
        first = ""
        if earlier.any():
            pos = np.empty(len(h), dtype=np.intp)
            pos[order] = after - 1
            first = self.sources[self.origin[pos[earlier][0]]]
        distinct = np.r_[True, ~same] if len(h) else np.zeros(0, dtype=bool)
        if not self.sources or self.sources[-1] != source:
            self.sources.append(source)
        self.hashes, self.origin = self._merged(ordered[distinct], after[distinct], len(self.sources) - 1)
        return repeated | earlier, first

    def _merged(self, new: np.ndarray, after: np.ndarray, origin: int) -> tuple[np.ndarray, np.ndarray]:
        """The held hashes with ``new`` (sorted, distinct; ``after`` their places
        among the held ones) merged in, in one pass: no sort."""
        dest = after + np.arange(len(new))
        own = np.ones(len(self.hashes) + len(new), dtype=bool)
        own[dest] = False
        hashes = np.empty(len(own), dtype=np.uint64)
        hashes[dest], hashes[own] = new, self.hashes
        origins = np.empty(len(own), dtype=np.int32)
        origins[dest], origins[own] = origin, self.origin
        return hashes, origins


class _TableValidator:
    """Validates one table's files: reads them chunk by chunk, checks what is per
    file (the folder year, the columns), and validates the chunks in batches of up
    to CHUNK_ROWS rows with one pandera call each."""

    def __init__(self, table: str, folder: Path, schema: pa.DataFrameSchema, failures: _Failures,
                 progress: Progress | None, note: Note, encoding: str, con) -> None:
        self.table, self.folder, self.schema, self.failures = table, folder, schema, failures
        self.progress, self.note, self.encoding, self.con = progress, note, encoding, con
        self.key = list(ALL_MODELS[table].Config.unique or [])
        self.year_col = YEAR_COLUMN.get(table)
        self.required = [n for n, c in schema.columns.items() if c.required]
        self.known = set(schema.columns)
        self.trackers: dict[int, _KeyTracker] = {}
        self.pending: list[tuple[Path, pd.DataFrame]] = []
        self.pending_rows = 0
        self.signature: tuple | None = None
        self.finished: list[tuple[Path, int]] = []  # files read to the end, not yet reported

    def scope(self, path: Path) -> int:
        """Files whose keys may collide: one year folder when the key holds the year."""
        year = folder_year(path, self.folder)
        return year if year is not None and self.year_col in self.key else -1

    def run(self, files: list[Path]) -> int:
        rows = 0
        for path in sorted(files, key=lambda p: (self.scope(p), str(p))):
            n = self._read(path)
            rows += n
            self.finished.append((path, n))
        self._flush()
        return rows

    def _read(self, path: Path) -> int:
        source = str(path)
        in_folder = folder_year(path, self.folder)
        n = 0
        if _utf8_lookalike(path, self.encoding):
            self.note(f"note: {source}: the file is valid UTF-8 with non-ASCII text but is read as "
                      f"csv_encoding \"{self.encoding}\"; if it is UTF-8, set csv_encoding = \"utf-8\"")
        for i, chunk in enumerate(_readable_chunks(path, self.encoding, self.failures)):
            n += len(chunk)
            if self.year_col and in_folder is not None:
                if self.year_col not in chunk.columns:
                    chunk[self.year_col] = in_folder
                else:
                    year = pd.to_numeric(chunk[self.year_col], errors="coerce")
                    wrong = year.notna() & (year != in_folder)
                    if wrong.any():
                        rule = f"equals its folder year={in_folder}"
                        self.failures.add(_mask_failure(source, self.table, self.year_col, rule, chunk, wrong))
            missing = [c for c in self.required if c not in chunk.columns]
            if missing:  # the layout is wrong: the rest of the file would say the same
                for column in missing:
                    self.failures.add(Failure(source, column, MISSING_COLUMN))
                break
            if i == 0:
                extra = [c for c in chunk.columns if c not in self.known]
                if extra:
                    self.note(f"note: {source}: column(s) not in the contract, not validated and not read: "
                              f"{', '.join(map(str, extra))}")
            if not len(chunk):
                continue
            chunk = chunk[[c for c in chunk.columns if c in self.known]]
            signature = tuple(zip(chunk.columns, map(str, chunk.dtypes)))
            if self.pending and (signature != self.signature or self.pending_rows + len(chunk) > CHUNK_ROWS):
                self._flush()
            self.pending.append((path, chunk))
            self.pending_rows += len(chunk)
            self.signature = signature
        return n

    def _flush(self) -> None:
        if self.pending:
            self._validate(self.pending)
        self.pending, self.pending_rows, self.signature = [], 0, None
        if self.progress is not None:
            for path, n in self.finished:
                self.progress(self.table, path, n)
        self.finished = []

    def _validate(self, pending: list[tuple[Path, pd.DataFrame]]) -> None:
        """One pandera call over the chunks; each failing row goes back to its file and row."""
        chunks = [c for _, c in pending]
        frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0].reset_index(drop=True)
        row_numbers = np.concatenate([c.index.to_numpy() for c in chunks])
        owner = np.concatenate([np.full(len(c), i, dtype=np.int64) for i, c in enumerate(chunks)])
        coerced, groups = _run_schema(frame, self.table, self.schema)
        paths = list(dict.fromkeys(p for p, _ in pending))
        if len(paths) > 1 and any(not index for _, rule, index, _ in groups if rule != MISSING_COLUMN):
            # a failure without rows cannot be told apart by file: the files one by one
            for path in paths:
                self._validate([(p, c) for p, c in pending if p == path])
            return
        for column, rule, index, detail in groups:
            if not index:
                self.failures.add(Failure(str(paths[0]), column, rule, 0, None, detail))
                continue
            index = np.asarray(index, dtype=np.int64)
            for i in dict.fromkeys(owner[index].tolist()):
                mine = index[owner[index] == i]
                shown = _shown_rows(frame, mine, column.split(", "), self.table, row_numbers)
                self.failures.add(Failure(str(pending[i][0]), column, rule, len(mine), shown, detail))
        if not self.key:
            return
        keys = (coerced if coerced is not None else frame)[self.key]
        hashes = _key_hashes(keys, self.con)
        exempt = raw.KEY_WITHOUT_NULLS.get(self.table)
        in_key = keys[exempt].notna().to_numpy() if exempt else np.ones(len(keys), dtype=bool)
        start = 0
        for path, chunk in pending:
            part = hashes[start:start + len(chunk)]
            keyed = in_key[start:start + len(chunk)]
            start += len(chunk)
            tracker = self.trackers.setdefault(self.scope(path), _KeyTracker())
            repeated = np.zeros(len(chunk), dtype=bool)
            repeated[keyed], first = tracker.check(part[keyed], str(path))
            if repeated.any():
                detail = f"key also in earlier rows of {first}" if first else ""
                rule = f"unique key ({', '.join(self.key)})"
                self.failures.add(_mask_failure(str(path), self.table, ", ".join(self.key), rule, chunk, repeated,
                                                detail))


# reference tables with one row per year (and city) that every sample year needs
YEAR_COVERAGE = {"exchange_rates": "survey money in yuan to dollars", "city_year": "city GDP, market access, controls"}


def _year_coverage_failures(root: Path, wanted: list[str], years: list[int] | None,
                            settings: MethodSettings, encoding: str = "utf-8") -> list[Failure]:
    """A sample year with a customs folder needs its rows in each YEAR_COVERAGE table."""
    built = [y for y in years_present(root, "customs_transactions") if y in settings.years
             and (years is None or y in years)]
    out = []
    for table, why in YEAR_COVERAGE.items():
        if table not in wanted or not built:
            continue
        have = set(pd.to_numeric(read_reference(root, table, encoding)["year"], errors="coerce").dropna().astype(int))
        missing = [y for y in built if y not in have]
        if missing:
            out.append(Failure(
                str(root / "reference" / table), "year",
                "has rows for every sample year with a customs_transactions/year= folder", len(missing),
                pd.DataFrame({"sample year without rows": missing}),
                f"needed for {why}; add the year's rows (gvc.toml year_end = {settings.year_end})"))
    return out


def split_weights_failures(root: Path | str, settings: MethodSettings) -> list[Failure]:
    """The setting ``split_weights`` against how the raw root's ``reference/hs_concordance`` was built
    (METHOD §1; CONTRACT hs_concordance). The weights of a supplied table are used as given, so with
    ``"equal"`` (the default) any table passes, unless its sidecar says `gvc reference` built it with
    trade weights; ``"trade"`` needs a table `gvc reference` built with trade weights (its sidecar
    ``reference/hs_concordance.json`` says so and still describes the table's files). One Failure
    naming the folder, ``weight``, the rule and what to run, or none."""
    root = Path(root)
    record, why = table_provenance(root, "hs_concordance")
    built = record.get("split_weights") if record else None
    want = settings.split_weights
    if want == built or (want == "equal" and built is None):
        return []
    rerun = f"gvc reference --unsd DIR --out {root} --split-weights {want}"
    if want == "trade":
        how = why if built is None else f"it was built with split_weights = \"{built}\""
        detail = (f"the settings say split_weights = \"trade\" (one-to-many links weighted by national 2001 "
                  f"imports), but reference/hs_concordance was not built with trade weights: {how}. Run `{rerun}` "
                  f"(DIR: the UNSD correlation and HS -> BEC files), or set split_weights = \"equal\" {SETTING_HINT}")
    else:
        detail = (f"the settings say split_weights = \"{want}\", but `gvc reference` built reference/hs_concordance "
                  f"with split_weights = \"{built}\" ({provenance_path(root, 'hs_concordance')}); the run would record "
                  f"one and use the other. Run `{rerun}`, or set split_weights = \"{built}\" {SETTING_HINT}")
    rule = f"weights built with split_weights = \"{want}\" (the setting)"
    return [Failure(str(root / "reference" / "hs_concordance"), "weight", rule, detail=detail)]


def check_split_weights(root: Path | str, settings: MethodSettings) -> None:
    """Raise RawValidationError when ``split_weights_failures`` finds the setting and the table apart."""
    failures = split_weights_failures(root, settings)
    if failures:
        raise RawValidationError(failures)


def validate_raw_root(
    root: Path | str,
    years: list[int] | None = None,
    tables: list[str] | None = None,
    progress: Progress | None = None,
    *,
    encoding: str | None = None,
    settings: MethodSettings | None = None,
    note: Note | None = None,
) -> ValidationSummary:
    """Validate a raw root file by file; return ``{table: rows_checked}`` (a
    ``ValidationSummary``, whose ``notes`` list what the caller should print).

    ``years`` restricts the yearly tables to those ``year=YYYY`` folders (files
    directly under a table folder are always checked); ``tables`` restricts the
    tables (default: every raw and reference table, and the optional reference
    tables present).  ``progress(table, path, rows)`` is called after each
    file's rows are validated; ``note(text)`` with each note (``note: <file>:
    ...``: columns the contract does not have, a CSV that looks UTF-8 while
    read otherwise).  ``settings`` (default gvc.toml / GVC_CONFIG) give the
    last year, the sample years and ``csv_encoding`` (``encoding`` overrides
    it).  Raises RawValidationError listing every broken rule (file, column,
    rule, up to 10 failing rows), including a missing table folder or column,
    a code missing from its reference table, a value past its plausibility
    bound, a CSV that is not text in the encoding and a sample year without
    its exchange rate or city-year rows."""
    root = Path(root)
    settings = settings or load_settings()
    encoding = encoding or settings.csv_encoding
    if tables is not None:
        wanted = list(tables)
    else:
        optional = [t for t in OPTIONAL_MODELS if (root / "reference" / t).is_dir()]
        wanted = [*YEARLY_TABLES, *REFERENCE_TABLES, *optional]
    unknown = sorted(set(wanted) - set(ALL_MODELS))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; known: {sorted(ALL_MODELS)}")
    notes: list[str] = []

    def add_note(text: str) -> None:
        notes.append(text)
        if note is not None:
            note(text)

    failures = _Failures()
    summary = ValidationSummary(notes=notes)
    codes = code_checks(root, wanted, encoding)
    import duckdb  # here, not at import: only the key hashes need it

    with duckdb.connect() as con:  # hashes the keys (_key_hashes)
        for table in wanted:
            base = root if table in YEARLY_TABLES else root / "reference"
            folder = base / table
            files = table_files(base, table) if folder.is_dir() else []
            if not files:
                what = "required table folder missing" if not folder.is_dir() else "no Parquet or CSV file in it"
                failures.add(Failure(str(folder), "-", what))
                summary[table] = 0
                continue
            if years is not None and table in YEARLY_TABLES:
                files = [p for p in files if folder_year(p, folder) in (None, *years)]
            schema = _file_schema(table, settings.year_end, codes.get(table, {}))
            validator = _TableValidator(table, folder, schema, failures, progress, add_note, encoding, con)
            summary[table] = validator.run(files)
    summary.notes = notes
    if not failures:  # the tables are readable: are the years covered?
        for failure in _year_coverage_failures(root, wanted, years, settings, encoding):
            failures.add(failure)
    if failures:
        raise RawValidationError(list(failures.items.values()))
    return summary
