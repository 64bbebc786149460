"""Raw roots edited for tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from analytics.rawio import YEAR_COLUMN, YEARLY_TABLES, read_reference, read_year, write_reference, write_year


def add_year(raw: Path, new: int, template: int, tables=YEARLY_TABLES, reference_rows: bool = True) -> None:
    """Year ``new`` of ``tables``: ``template``'s files with the year replaced
    (patent ids, unique across years, renumbered), and, with
    ``reference_rows``, ``new``'s exchange-rate and city-year rows (the
    template year's)."""
    for table in tables:
        df = read_year(raw, table, template)
        df[YEAR_COLUMN[table]] = new
        if table == "patents":
            df["application_id"] = df["application_id"].str.replace(str(template), str(new), n=1, regex=False)
        write_year(raw, table, new, df)
    if reference_rows:
        for table in ("exchange_rates", "city_year"):
            ref = read_reference(raw, table)
            shutil.rmtree(raw / "reference" / table)
            rows = ref[pd.to_numeric(ref["year"]) == template].assign(year=new)
            write_reference(raw, table, pd.concat([ref, rows], ignore_index=True))


def keep_years(root: Path, dst: Path, years: list[int]) -> Path:
    """A copy of raw root ``root`` (without its truth) whose yearly tables keep
    only the ``year=`` folders of ``years``: a world of fewer sample years."""
    shutil.copytree(root, dst, ignore=shutil.ignore_patterns("truth", "truth.json"))
    for table in YEARLY_TABLES:
        for folder in (dst / table).glob("year=*"):
            if int(folder.name.split("=", 1)[1]) not in years:
                shutil.rmtree(folder)
    return dst
