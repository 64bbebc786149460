"""Reading and writing a raw root in the contract's layout.

A raw root holds one folder per table (``customs_transactions``,
``firm_survey``, ``patents``), each Parquet or CSV, optionally hive
partitioned by ``year=YYYY``; and ``reference/<table>/`` folders.  The
generator writes Parquet files that carry every contract column *and* sit in
``year=YYYY`` folders.  These helpers read one year of one table at a time so
nothing ever holds a whole table in memory.
"""

from __future__ import annotations

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


def _read_file(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def read_year(root: Path | str, table: str, year: int) -> pd.DataFrame:
    """One year of a yearly table (empty frame when the year is absent)."""
    folder = Path(root) / table / f"year={year}"
    files = sorted(p for p in folder.glob("*") if p.suffix in (".parquet", ".csv"))
    if not files:
        return pd.DataFrame()
    df = pd.concat([_read_file(p) for p in files], ignore_index=True)
    col = YEAR_COLUMN[table]
    if col not in df.columns:
        df[col] = year
    return df


def read_reference(root: Path | str, table: str) -> pd.DataFrame:
    """A reference table: every file of ``reference/<table>/`` concatenated."""
    files = table_files(Path(root) / "reference", table)
    if not files:
        raise FileNotFoundError(f"reference table {table!r} has no file under {root}/reference/{table}")
    return pd.concat([_read_file(p) for p in files], ignore_index=True)


def write_parquet(df: pd.DataFrame, path: Path, schema: pa.Schema | None = None) -> None:
    """Deterministic Parquet write: no pandas index, fixed compression, no timestamps."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", compression_level=3)


def write_year(root: Path | str, table: str, year: int, df: pd.DataFrame, schema: pa.Schema | None = None) -> Path:
    path = Path(root) / table / f"year={year}" / "part-0.parquet"
    write_parquet(df, path, schema)
    return path


def write_reference(root: Path | str, table: str, df: pd.DataFrame, schema: pa.Schema | None = None) -> Path:
    path = Path(root) / "reference" / table / f"{table}.parquet"
    write_parquet(df, path, schema)
    return path
