"""Validating raw inputs against the contract, file by file.

``validate_raw_root`` checks every file of every raw table (the yearly
tables' ``year=YYYY`` folders, optionally only some years, and files directly
under a table folder) and of every reference table against the models of
``schemas.raw`` / ``schemas.reference``.  Nothing holds a whole table: a file
is read in chunks of ``CHUNK_ROWS`` rows (pyarrow ``iter_batches`` for
Parquet, ``chunksize`` for CSV) and each chunk is validated lazily.  Rules
that span chunks and files are checked on the side:

- a table's unique key, within and across chunks and files, through sorted
  64-bit hashes of the keys seen so far (per ``year=YYYY`` folder when the key
  holds the year, per table otherwise: e.g. patents' application_id); the
  chunks are therefore validated without the model's ``unique`` setting;
- a yearly file's year column equals its ``year=YYYY`` folder (a partitioned
  file without the column takes the folder's year, as ``rawio.read_year``);
- the yearly tables' last year is the settings' ``year_end`` (gvc.toml), not
  the contract's 2014 (``raw.YEAR_RANGES``);
- ``reference/exchange_rates`` and ``reference/city_year`` have rows for every
  sample year with a customs folder (a year added needs its reference rows).

Every broken rule becomes a ``Failure`` (file, column, rule, failing-row
count, up to ``MAX_ROWS_SHOWN`` failing rows as read); all of them are raised
together as one ``RawValidationError``.  ``validate_frame`` applies the same
model to an in-memory frame and returns it coerced to the canonical dtypes.
"""

from __future__ import annotations

import copy
import itertools
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.parquet as pq

from analytics.rawio import REFERENCE_TABLES, YEAR_COLUMN, YEARLY_TABLES, read_reference, table_files, years_present
from analytics.settings import MethodSettings, load_settings
from schemas import raw, reference
from schemas.checks import RULE_COLUMNS

__all__ = [
    "CHUNK_ROWS",
    "MODELS",
    "Failure",
    "RawValidationError",
    "prepare",
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

CHUNK_ROWS = 1_000_000
MAX_ROWS_SHOWN = 10
NARROW = 8  # tables this narrow show whole failing rows
MISSING_COLUMN = "missing required column"

Progress = Callable[[str, Path, int], None]


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
    columns = MODELS[table].to_schema().columns
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


def _shown_rows(frame: pd.DataFrame, index, columns: list[str], table: str) -> pd.DataFrame:
    """Up to MAX_ROWS_SHOWN failing rows as read: the rule's columns, then the
    table's key columns (every column when the table is narrow)."""
    key = list(MODELS[table].Config.unique or [])
    others = list(frame.columns) if len(frame.columns) <= NARROW else key
    shown = list(dict.fromkeys(c for c in [*columns, *others] if c in frame.columns))
    rows = frame.loc[list(index)[:MAX_ROWS_SHOWN], shown]
    return rows.rename_axis("row").reset_index()


def _mask_failure(
    path: str, table: str, column: str, rule: str, frame: pd.DataFrame, mask, detail: str = ""
) -> Failure:
    index = frame.index[np.asarray(mask, dtype=bool)]
    return Failure(path, column, rule, len(index), _shown_rows(frame, index, column.split(", "), table), detail)


def _schema_failures(err: pa.errors.SchemaErrors, table: str, frame: pd.DataFrame, source: str) -> list[Failure]:
    """pandera's failure cases as one Failure per (column, rule)."""
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
    key = list(MODELS[table].Config.unique or [])
    unique = check == "multiple_fields_uniqueness"
    column[unique], rule[unique] = ", ".join(key), f"unique key ({', '.join(key)})"
    rule[check == "field_uniqueness"] = "unique"
    for name, cols in RULE_COLUMNS.items():
        column[check == name] = ", ".join(cols)
    column[missing], rule[missing] = fc.loc[missing, "failure_case"].astype(str), MISSING_COLUMN

    failures = []
    for (col, rul), group in fc.groupby([column, rule], sort=False):
        index = sorted(set(group["index"].dropna()))
        rows = _shown_rows(frame, index, col.split(", "), table) if index else None
        detail = "" if index or rul == MISSING_COLUMN else f"check raised: {group['failure_case'].iloc[0]}"
        failures.append(Failure(source, col, rul, len(index), rows, detail))
    return failures


@cache
def _schema(table: str, with_key: bool = True, year_end: int = raw.CONTRACT_YEAR_END) -> pa.DataFrameSchema:
    """The table's schema, its year column ending at ``year_end``; without its
    unique key for files, whose keys _KeyTracker checks."""
    schema = copy.deepcopy(MODELS[table].to_schema())
    if table in raw.YEAR_RANGES:
        column, first = raw.YEAR_RANGES[table]
        schema = schema.update_column(column, checks=[pa.Check.in_range(first, year_end)])
    if not with_key:
        schema.unique = None
    return schema


def _check(
    df: pd.DataFrame, table: str, source: str, with_key: bool = True, year_end: int = raw.CONTRACT_YEAR_END
) -> tuple[pd.DataFrame | None, list[Failure]]:
    try:
        return _schema(table, with_key, year_end).validate(prepare(df, table), lazy=True), []
    except pa.errors.SchemaErrors as err:
        return None, _schema_failures(err, table, df, source)


def validate_frame(df: pd.DataFrame, table: str, source: str = "<frame>",
                   settings: MethodSettings | None = None) -> pd.DataFrame:
    """Validate an in-memory frame of ``table``; return it coerced to the canonical
    dtypes (ints ``Int64``, floats ``float64``, strings ``str``, flags ``boolean``).
    Raises RawValidationError naming ``source`` for every broken rule.
    ``settings`` (default gvc.toml) give the last year."""
    if table not in MODELS:
        raise ValueError(f"unknown table {table!r}; known: {sorted(MODELS)}")
    work = df.reset_index(drop=True)
    out, failures = _check(work, table, source, year_end=(settings or load_settings()).year_end)
    if failures:
        raise RawValidationError(failures)
    out.index = df.index
    return out


# ---------------------------------------------------------------- files


def _nullable_ints(arrow_type):
    """Integers read as Int64 (not float64 when nulls are present)."""
    return pd.Int64Dtype() if pyarrow.types.is_integer(arrow_type) else None


def _chunks(path: Path, encoding: str) -> Iterator[pd.DataFrame]:
    """A file's rows in chunks of at most CHUNK_ROWS, indexed by row number in the file."""
    if path.suffix == ".parquet":
        pf = pq.ParquetFile(path)
        frames = (b.to_pandas(types_mapper=_nullable_ints) for b in pf.iter_batches(batch_size=CHUNK_ROWS))
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


def _readable_chunks(path: Path, encoding: str, failures: _Failures) -> Iterator[pd.DataFrame]:
    """``_chunks``, an unreadable file (corrupt, wrong encoding, ragged CSV) becoming a failure."""
    try:
        yield from _chunks(path, encoding)
    except (OSError, ValueError) as err:  # ArrowInvalid, ParserError, UnicodeDecodeError are ValueErrors
        failures.add(Failure(str(path), "-", "readable Parquet or CSV file", detail=f"{type(err).__name__}: {err}"))


def _folder_year(path: Path, folder: Path) -> int | None:
    """The year of the ``year=YYYY`` folder a file sits in (None when unpartitioned)."""
    for part in path.relative_to(folder).parts[:-1]:
        if part.startswith("year="):
            try:
                return int(part.split("=", 1)[1])
            except ValueError:
                return None
    return None


class _KeyTracker:
    """Finds rows whose key was already seen: in the same chunk, an earlier chunk or
    an earlier file.  Holds sorted 64-bit hashes of the keys (DuckDB ``hash``),
    not the keys themselves."""

    def __init__(self, key: list[str], con: duckdb.DuckDBPyConnection) -> None:
        columns = ", ".join(f'"{c}"' for c in key)
        self.sql = f"select hash({columns}) as h from keys"
        self.con = con
        self.hashes = np.empty(0, dtype=np.uint64)
        self.origin = np.empty(0, dtype=np.int32)  # index into sources
        self.sources: list[str] = []

    def _hash(self, keys: pd.DataFrame) -> np.ndarray:
        self.con.register("keys", keys)
        try:
            return np.asarray(self.con.execute(self.sql).fetchnumpy()["h"], dtype=np.uint64)
        finally:
            self.con.unregister("keys")

    def check(self, keys: pd.DataFrame, source: str) -> tuple[np.ndarray, str]:
        """Mask of the rows with a repeated key, and the earlier source holding one of them."""
        h = self._hash(keys)
        order = np.argsort(h, kind="stable")
        ordered = h[order]
        same = ordered[1:] == ordered[:-1]
        repeated = np.empty(len(h), dtype=bool)
        repeated[order] = np.r_[same, False] | np.r_[False, same]
        earlier = np.zeros(len(h), dtype=bool)
        first = ""
        if len(self.hashes):
            pos = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
            earlier = self.hashes[pos] == h
            if earlier.any():
                first = self.sources[self.origin[pos[earlier][0]]]
        new = ordered[np.r_[True, ~same]] if len(h) else ordered
        self.sources.append(source)
        hashes = np.concatenate([self.hashes, new])
        origin = np.concatenate([self.origin, np.full(len(new), len(self.sources) - 1, dtype=np.int32)])
        merged = np.argsort(hashes, kind="stable")  # two sorted runs: near linear
        self.hashes, self.origin = hashes[merged], origin[merged]
        return repeated | earlier, first


def _validate_file(
    table: str, path: Path, folder_year: int | None, tracker: _KeyTracker, failures: _Failures, encoding: str,
    year_end: int,
) -> int:
    """Validate one file chunk by chunk; return its row count."""
    source = str(path)
    key = list(MODELS[table].Config.unique or [])
    year_col = YEAR_COLUMN.get(table)
    rows = 0
    for chunk in _readable_chunks(path, encoding, failures):
        rows += len(chunk)
        if year_col and folder_year is not None:
            if year_col not in chunk.columns:
                chunk[year_col] = folder_year
            else:
                year = pd.to_numeric(chunk[year_col], errors="coerce")
                wrong = year.notna() & (year != folder_year)
                if wrong.any():
                    rule = f"equals its folder year={folder_year}"
                    failures.add(_mask_failure(source, table, year_col, rule, chunk, wrong))
        coerced, found = _check(chunk, table, source, with_key=False, year_end=year_end)
        for failure in found:
            failures.add(failure)
        if any(f.rule == MISSING_COLUMN for f in found):
            break  # the layout is wrong: the remaining chunks would say the same
        repeated, first = tracker.check((coerced if coerced is not None else chunk)[key], source)
        if repeated.any():
            detail = f"key also in earlier rows of {first}" if first else ""
            rule = f"unique key ({', '.join(key)})"
            failures.add(_mask_failure(source, table, ", ".join(key), rule, chunk, repeated, detail))
    return rows


def _validate_table(
    table: str,
    folder: Path,
    files: list[Path],
    failures: _Failures,
    progress: Progress | None,
    encoding: str,
    con: duckdb.DuckDBPyConnection,
    year_end: int,
) -> int:
    key = list(MODELS[table].Config.unique or [])

    def scope(path: Path) -> int:
        """Files whose keys may collide: one year folder when the key holds the year."""
        year = _folder_year(path, folder)
        return year if year is not None and YEAR_COLUMN.get(table) in key else -1

    rows = 0
    for _, group in itertools.groupby(sorted(files, key=lambda p: (scope(p), str(p))), key=scope):
        tracker = _KeyTracker(key, con)
        for path in group:
            n = _validate_file(table, path, _folder_year(path, folder), tracker, failures, encoding, year_end)
            rows += n
            if progress is not None:
                progress(table, path, n)
    return rows


# reference tables with one row per year (and city) that every sample year needs
YEAR_COVERAGE = {"exchange_rates": "survey money in yuan to dollars", "city_year": "city GDP, market access, controls"}


def _year_coverage_failures(root: Path, wanted: list[str], years: list[int] | None,
                            settings: MethodSettings) -> list[Failure]:
    """A sample year with a customs folder needs its rows in each YEAR_COVERAGE table."""
    built = [y for y in years_present(root, "customs_transactions") if y in settings.years
             and (years is None or y in years)]
    out = []
    for table, why in YEAR_COVERAGE.items():
        if table not in wanted or not built:
            continue
        have = set(pd.to_numeric(read_reference(root, table)["year"], errors="coerce").dropna().astype(int))
        missing = [y for y in built if y not in have]
        if missing:
            out.append(Failure(
                str(root / "reference" / table), "year",
                "has rows for every sample year with a customs_transactions/year= folder", len(missing),
                pd.DataFrame({"sample year without rows": missing}),
                f"needed for {why}; add the year's rows (gvc.toml year_end = {settings.year_end})"))
    return out


def validate_raw_root(
    root: Path | str,
    years: list[int] | None = None,
    tables: list[str] | None = None,
    progress: Progress | None = None,
    *,
    encoding: str = "utf-8",
    settings: MethodSettings | None = None,
) -> dict[str, int]:
    """Validate a raw root file by file; return ``{table: rows_checked}``.

    ``years`` restricts the yearly tables to those ``year=YYYY`` folders (files
    directly under a table folder are always checked); ``tables`` restricts the
    tables (default: every raw and reference table).  ``progress(table, path,
    rows)`` is called after each file.  ``settings`` (default gvc.toml /
    GVC_CONFIG) give the last year and the sample years.  Raises
    RawValidationError listing every broken rule (file, column, rule, up to 10
    failing rows), including a missing table folder or column and a sample
    year without its exchange rate or city-year rows."""
    root = Path(root)
    settings = settings or load_settings()
    wanted = list(tables) if tables is not None else [*YEARLY_TABLES, *REFERENCE_TABLES]
    unknown = sorted(set(wanted) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; known: {sorted(MODELS)}")
    failures = _Failures()
    summary: dict[str, int] = {}
    with duckdb.connect() as con:  # hashes the keys (_KeyTracker)
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
                files = [p for p in files if _folder_year(p, folder) in (None, *years)]
            summary[table] = _validate_table(table, folder, files, failures, progress, encoding, con,
                                             settings.year_end)
    if not failures:  # the tables are readable: are the years covered?
        for failure in _year_coverage_failures(root, wanted, years, settings):
            failures.add(failure)
    if failures:
        raise RawValidationError(list(failures.items.values()))
    return summary
