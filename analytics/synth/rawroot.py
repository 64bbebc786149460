"""Where the generator writes a world and its truth reads it: a folder or memory.

A raw root is a folder in the layout of :mod:`analytics.rawio` (what
``gvc synth`` writes), or a :class:`MemoryRoot`: the same files held in
memory, for a Monte Carlo that estimates on a world and throws it away.  A
:class:`MemoryRoot` keeps each table as the Arrow table
:func:`analytics.rawio.write_parquet` would write and hands it back as
``pandas.read_parquet`` reads the file, so what is computed from it equals
what is computed from the folder.

The functions below take either (a folder as a ``Path`` or ``str``) and do
for the folder what :mod:`analytics.rawio` does.  Since a memory root holds
the whole world anyway, what the truth and the generator's panel both need
(the prepared survey) is kept with it (:func:`memo`), and a computation the
truth repeats on values the generator already computed from (the patent
flows and C of a year) is taken from the generator when its inputs are
equal (:func:`reuse`).  A folder computes everything, one year at a time.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analytics import rawio

__all__ = [
    "MemoryRoot",
    "ParquetParts",
    "RawRoot",
    "has_reference",
    "iter_year",
    "memo",
    "read_parquet",
    "read_reference",
    "read_text",
    "read_year",
    "reuse",
    "write_parquet",
    "write_reference",
    "write_text",
    "write_year",
    "years_present",
]

T = TypeVar("T")


def _year_file(table: str, year: int) -> str:
    return f"{table}/year={year}/part-0.parquet"


def _reference_file(table: str) -> str:
    return f"reference/{table}/{table}.parquet"


class MemoryRoot:
    """A raw root in memory: files by their path relative to the root (as
    :func:`analytics.rawio.write_year` and ``write_reference`` name them),
    Parquet files as Arrow tables, text files as text."""

    def __init__(self) -> None:
        self.tables: dict[str, pa.Table] = {}
        self.texts: dict[str, str] = {}
        self._memo: dict[Any, Any] = {}
        self.results: dict[Any, list] = {}  # reuse(): each name's earlier (inputs, result)

    def write(self, path: str, df: pd.DataFrame | pa.Table) -> None:
        """Keep ``df`` (a frame or an Arrow table) as :func:`analytics.rawio.write_parquet` writes it."""
        self.tables[path] = rawio.arrow_table(df)

    def read(self, path: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table as ``pandas.read_parquet`` reads its file (``columns`` in the order given)."""
        if path not in self.tables:
            raise FileNotFoundError(f"no {path} in the memory root")
        table = self.tables[path]
        return (table if columns is None else table.select(columns)).to_pandas()

    def years_present(self, table: str) -> list[int]:
        prefix = f"{table}/year="
        return sorted(int(p[len(prefix):].split("/", 1)[0]) for p in self.tables if p.startswith(prefix))

    def memo(self, key: Any, build: Callable[[], T]) -> T:
        """``build()``, once per ``key`` for this root."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


RawRoot = Path | str | MemoryRoot


def write_year(root: RawRoot, table: str, year: int, df: pd.DataFrame | pa.Table) -> None:
    if isinstance(root, MemoryRoot):
        root.write(_year_file(table, year), df)
    else:
        rawio.write_year(root, table, year, df)


def write_reference(root: RawRoot, table: str, df: pd.DataFrame) -> None:
    if isinstance(root, MemoryRoot):
        root.write(_reference_file(table), df)
    else:
        rawio.write_reference(root, table, df)


def write_parquet(root: RawRoot, path: str, df: pd.DataFrame) -> None:
    """``df`` at ``path`` (relative to the root)."""
    if isinstance(root, MemoryRoot):
        root.write(path, df)
    else:
        rawio.write_parquet(df, Path(root) / path)


class ParquetParts:
    """One Parquet file of the root (``path``, relative to it) written a part
    at a time, for a table too large to hold whole: each part (a frame) is
    set aside as it comes -- spilled to a file beside ``path`` in a folder,
    kept as Arrow in a memory root -- and :meth:`close` writes the file from
    the parts in order, reading one back at a time. A column's type is the
    one its parts share (a part whose column is all missing takes the
    others' type; integers a part has as floats become floats), as one
    frame of all the rows would give it; each part is a row group of its
    own."""

    def __init__(self, root: RawRoot, path: str) -> None:
        self.root, self.path = root, path
        self.parts: list[pa.Table | Path] = []
        self.schemas: list[pa.Schema] = []

    def add(self, df: pd.DataFrame) -> None:
        table = rawio.arrow_table(df)
        self.schemas.append(table.schema)
        if isinstance(self.root, MemoryRoot):
            self.parts.append(table)
            return
        spill = Path(self.root) / f"{self.path}.parts" / f"{len(self.parts):05d}.parquet"
        spill.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, spill, compression="zstd", compression_level=1)
        self.parts.append(spill)

    def close(self) -> None:
        if not self.parts:
            raise ValueError(f"{self.path}: no part was added")
        schema = pa.unify_schemas(self.schemas, promote_options="permissive")

        def typed(part: pa.Table | Path) -> pa.Table:
            table = part if isinstance(part, pa.Table) else pq.read_table(part)
            return table.select(schema.names).cast(schema)

        if isinstance(self.root, MemoryRoot):
            self.root.tables[self.path] = pa.concat_tables([typed(p) for p in self.parts])
        else:
            final = Path(self.root) / self.path
            final.parent.mkdir(parents=True, exist_ok=True)
            with pq.ParquetWriter(final, schema, compression="zstd", compression_level=3) as writer:
                for part in self.parts:
                    writer.write_table(typed(part))
            shutil.rmtree(Path(self.root) / f"{self.path}.parts")
        self.parts, self.schemas = [], []


def write_text(root: RawRoot, path: str, text: str) -> None:
    if isinstance(root, MemoryRoot):
        root.texts[path] = text
    else:
        (Path(root) / path).write_text(text, encoding="utf-8")


def read_year(root: RawRoot, table: str, year: int) -> pd.DataFrame:
    """One year of a yearly table, as :func:`analytics.rawio.read_year` reads it."""
    if not isinstance(root, MemoryRoot):
        return rawio.read_year(root, table, year)
    path = _year_file(table, year)
    if path not in root.tables:
        return pd.DataFrame()
    return rawio.with_year_column(pd.concat([root.read(path)], ignore_index=True), table, year)


def iter_year(root: RawRoot, table: str, year: int, batch_rows: int = 1 << 20,
              columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """One year of a yearly table in batches of at most ``batch_rows`` rows,
    as :func:`analytics.rawio.iter_year` reads a folder's (``columns``: only
    those, and the year column); a memory root, which holds the year anyway,
    gives it in one batch."""
    if not isinstance(root, MemoryRoot):
        yield from rawio.iter_year(root, table, year, batch_rows, columns=columns)
        return
    df = read_year(root, table, year)
    if columns is not None:
        df = df[[c for c in df.columns if c in columns or c == rawio.YEAR_COLUMN[table]]]
    if len(df):
        yield df


def years_present(root: RawRoot, table: str) -> list[int]:
    if isinstance(root, MemoryRoot):
        return root.years_present(table)
    return rawio.years_present(root, table)


def read_reference(root: RawRoot, table: str) -> pd.DataFrame:
    """A reference table, as :func:`analytics.rawio.read_reference` reads it."""
    if not isinstance(root, MemoryRoot):
        return rawio.read_reference(root, table)
    path = _reference_file(table)
    if path not in root.tables:
        raise FileNotFoundError(f"reference table {table!r} is not in the memory root")
    return pd.concat([root.read(path)], ignore_index=True)


def has_reference(root: RawRoot, table: str) -> bool:
    if isinstance(root, MemoryRoot):
        return _reference_file(table) in root.tables
    return (Path(root) / "reference" / table).is_dir()


def read_parquet(root: RawRoot, path: str, columns: list[str] | None = None) -> pd.DataFrame:
    """The table at ``path`` (relative to the root), as ``pandas.read_parquet`` reads it."""
    if isinstance(root, MemoryRoot):
        return root.read(path, columns)
    return pd.read_parquet(Path(root) / path, columns=columns)


def read_text(root: RawRoot, path: str) -> str:
    if isinstance(root, MemoryRoot):
        return root.texts[path]
    return (Path(root) / path).read_text(encoding="utf-8")


def reuse(root: RawRoot, name: Any, inputs: tuple, build: Callable[[], T]) -> T:
    """``build()`` (a pure function of ``inputs``); on a memory root, the result
    of an earlier call of the same ``name`` whose inputs equal these (frames
    by their columns' values) instead.  The truth computes again from the
    written tables what the generator computed from the same values: a
    Monte Carlo keeps the generator's result when the inputs agree."""
    if not isinstance(root, MemoryRoot):
        return build()
    earlier = root.results.setdefault(name, [])
    for seen, result in earlier:
        if _equal(seen, inputs):
            return result
    result = build()
    earlier.append((inputs, result))
    return result


def _equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
        return (isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame) and list(a.columns) == list(b.columns)
                and len(a) == len(b) and all(_same_values(a[c], b[c]) for c in a.columns))
    if isinstance(a, pd.Series) or isinstance(b, pd.Series):
        return (isinstance(a, pd.Series) and isinstance(b, pd.Series) and len(a) == len(b)
                and _same_values(a.index.to_series(), b.index.to_series()) and _same_values(a, b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a) or dataclasses.is_dataclass(b):
        return type(a) is type(b) and all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return type(a) is type(b) and a == b


def _same_values(x: pd.Series, y: pd.Series) -> bool:
    """The same values at the same positions (missing where the other is missing; numbers of the same kind)."""
    if (x.dtype.kind in "biuf") != (y.dtype.kind in "biuf"):
        return False
    u, v = x.to_numpy(dtype=object), y.to_numpy(dtype=object)
    mu, mv = pd.isna(u), pd.isna(v)
    return bool((mu == mv).all() and (u[~mu] == v[~mv]).all())


def memo(root: RawRoot, key: Any, build: Callable[[], T]) -> T:
    """``build()``, kept with a memory root (once per ``key``); a folder's is
    built each time (its tables are read one year at a time, never held)."""
    if isinstance(root, MemoryRoot):
        return root.memo(key, build)
    return build()
