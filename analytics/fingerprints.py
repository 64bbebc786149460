"""Which sample years a change of raw files makes stale (issue 6).

A raw root is observed as fingerprints: sha256 over the names and contents of
the files of one ``year=YYYY`` folder of a yearly table, or of one reference
table (or of a whole yearly table that is not partitioned by year). A build
of sample year ``t`` records what it consumed -- its *inputs*, each with its
fingerprint -- and a later look compares them with the raw root as it is now.

The inputs of sample year ``t`` (what its per-year models read):

- ``customs_transactions/t``: its trade, DVAR and matching (METHOD §1-§3);
- ``patents/s`` for ``s`` in ``t - n + 1 .. t`` (n = ``patent_window_years``;
  METHOD §4 sums the window's flows, excluded years included);
- ``firm_survey/s`` for every survey year ``s``: the patent-industry name
  match takes the same *or nearest* survey year, so any year's survey names
  can move year ``t``'s C; the customs-survey match of ``t`` reads the survey
  names of other years too (step c);
- every reference table, and the METHOD settings (``settings``: the switches
  reach every model through dbt vars).

Pure functions: no Dagster, no warehouse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analytics.rawio import REFERENCE_TABLES, YEARLY_TABLES, years_present
from analytics.settings import MethodSettings

__all__ = ["file_sha256", "raw_fingerprints", "year_inputs", "stale_years", "settings_fingerprint", "ALL_YEARS"]

ALL_YEARS = -1  # the "year" of a reference table or of an unpartitioned yearly table
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _folder_fingerprint(folder: Path) -> tuple[str, int, int]:
    """sha256 over (relative path, file sha256) of every data file; (hex, files, bytes)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".parquet", ".csv"))
    h = hashlib.sha256()
    size = 0
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode())
        h.update(b"\0")
        h.update(file_sha256(p).encode())
        h.update(b"\n")
        size += p.stat().st_size
    return h.hexdigest(), len(files), size


def raw_fingerprints(root: Path | str) -> pd.DataFrame:
    """One row per (table, year) of the raw root: ``table, year, fingerprint, n_files, n_bytes``.

    ``year`` is the folder's year for a yearly table partitioned by ``year=``,
    else :data:`ALL_YEARS`; reference tables are ``reference/<name>``.
    """
    root = Path(root)
    rows = []
    for table in YEARLY_TABLES:
        years = years_present(root, table)
        if years:
            for y in years:
                fp, n, b = _folder_fingerprint(root / table / f"year={y}")
                rows.append((table, y, fp, n, b))
        elif (root / table).exists():
            fp, n, b = _folder_fingerprint(root / table)
            rows.append((table, ALL_YEARS, fp, n, b))
    for table in REFERENCE_TABLES:
        folder = root / "reference" / table
        if folder.exists():
            fp, n, b = _folder_fingerprint(folder)
            rows.append((f"reference/{table}", ALL_YEARS, fp, n, b))
    return pd.DataFrame(rows, columns=["table", "year", "fingerprint", "n_files", "n_bytes"]).astype(
        {"table": "string", "year": "int64", "fingerprint": "string", "n_files": "int64", "n_bytes": "int64"})


def settings_fingerprint(settings: MethodSettings) -> str:
    return hashlib.sha256(json.dumps(settings.as_dict(), sort_keys=True, default=str).encode()).hexdigest()


def _input(table: str, year: int) -> str:
    return table if year == ALL_YEARS else f"{table}/year={year}"


def year_inputs(fingerprints: pd.DataFrame, year: int, settings: MethodSettings) -> dict[str, str]:
    """The inputs of sample year ``year`` with their fingerprints (module docstring).

    An input absent from the raw root is recorded as ``"absent"`` (a year
    folder that appears later is then a change).
    """
    fp = {(r.table, int(r.year)): str(r.fingerprint) for r in fingerprints.itertuples()}
    out: dict[str, str] = {"settings": settings_fingerprint(settings)}

    def add(table: str, years: Iterable[int]) -> None:
        if (table, ALL_YEARS) in fp:  # not partitioned: the whole table is one input
            out[table] = fp[(table, ALL_YEARS)]
            return
        for y in years:
            out[_input(table, y)] = fp.get((table, y), "absent")

    add("customs_transactions", [year])
    add("patents", range(year - settings.patent_window_years + 1, year + 1))
    survey_years = sorted({int(r.year) for r in fingerprints.itertuples() if r.table == "firm_survey"})
    add("firm_survey", survey_years)
    for t in REFERENCE_TABLES:
        key = f"reference/{t}"
        out[key] = fp.get((key, ALL_YEARS), "absent")
    return out


def stale_years(
    recorded: pd.DataFrame | None,
    fingerprints: pd.DataFrame,
    years: Iterable[int],
    settings: MethodSettings,
) -> dict[int, list[str]]:
    """Sample years whose inputs differ from what their last build recorded.

    ``recorded``: rows ``year, input, fingerprint`` (the warehouse's
    ``meta.build_inputs``; None or empty: nothing built yet). Returns
    ``{year: [reason, ...]}`` for the stale years only, reasons like
    ``"customs_transactions/year=2004 changed"``, ``"never built"``.
    """
    rec: dict[int, dict[str, str]] = {}
    if recorded is not None:
        for r in recorded.itertuples():
            rec.setdefault(int(r.year), {})[str(r.input)] = str(r.fingerprint)
    out: dict[int, list[str]] = {}
    for y in sorted(years):
        now = year_inputs(fingerprints, y, settings)
        before = rec.get(y)
        if before is None:
            out[y] = ["never built"]
            continue
        reasons = []
        for key in sorted(set(now) | set(before)):
            a, b = before.get(key), now.get(key)
            if a == b:
                continue
            if key == "settings":
                reasons.append("the METHOD settings changed")
            elif a in (None, "absent"):
                reasons.append(f"{key} added")
            elif b in (None, "absent"):
                reasons.append(f"{key} removed")
            else:
                reasons.append(f"{key} changed")
        if reasons:
            out[y] = reasons
    return out


def inputs_frame(fingerprints: pd.DataFrame, years: Iterable[int], settings: MethodSettings) -> pd.DataFrame:
    """``year, input, fingerprint`` rows recording what a build of ``years`` consumed."""
    rows = [(y, k, v) for y in years for k, v in year_inputs(fingerprints, y, settings).items()]
    return pd.DataFrame(rows, columns=["year", "input", "fingerprint"]).astype(
        {"year": "int64", "input": "string", "fingerprint": "string"})
