"""Which sample years, and whether the cross-year work, a change makes stale.

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
- the reference tables the per-year models read (:data:`PER_YEAR_REFERENCE`;
  city_year, hs_industry and the provincial policy table feed cross-year
  models only; industries feeds the survey's quality counts), exchange_rates
  by its year-``t`` rows alone (:data:`YEAR_KEYED_REFERENCE`: the DVAR of ``t`` converts the survey of
  ``t`` at the rate of ``t``), so a year's new reference rows leave the
  other years as they were;
- the METHOD settings (``settings``: the switches reach every model through
  dbt vars) -- all but the sample's year range
  (year_start, year_end, exclude_years): a year's per-year models do not
  read which other years are in the sample, so adding 2015 to it leaves the
  other years' inputs as they were;
- the version of the code that computes it (``code/per_year``: a digest of
  the per-year dbt models' SQL, the macros, seeds and the raw-reading Python,
  made by ``orchestration.changes.code_versions``): an edited model makes
  its years stale.

The cross-year work (complementarity's panel, the analysis panel, the
production side, the study, the report) reads every built year and also:
every reference table (city_year, hs_industry, the provincial policy table
feed only it), the whole settings (the year range included)
and the rest of the code (``code/cross_year``). Those inputs are recorded
under the pseudo-year :data:`ALL_YEARS` (:func:`cross_inputs`), and
:func:`stale_cross` says why the cross-year work must rerun when no year is
stale.

Pure functions: no Dagster, no warehouse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analytics.rawio import REFERENCE_TABLES, YEARLY_TABLES, read_reference, years_present
from analytics.settings import PYTHON_ONLY, STUDY_SIZES, MethodSettings

__all__ = ["file_sha256", "FileHashes", "raw_fingerprints", "year_inputs", "stale_years", "settings_fingerprint", "ALL_YEARS",
           "PER_YEAR_REFERENCE", "YEAR_KEYED_REFERENCE", "cross_inputs", "stale_cross", "inputs_frame",
           "changed_tables"]

ALL_YEARS = -1  # the "year" of a reference table or of an unpartitioned yearly table
# METHOD §0 step 5's optional price tables (schemas/prices.py): read by the
# cross-year int_survey_real_values; their removal is a change too (nominal values)
OPTIONAL_PRICE_TABLES = ("deflators", "investment_deflator")

# The reference tables upstream of the per-year dbt models (tests/integration/
# test_add_year.py checks this against the asset graph).
PER_YEAR_REFERENCE = ("cities", "exchange_rates", "hs_bec", "hs_concordance", "industries", "intermediary_keywords",
                      "io_links", "ipc_industry", "trade_regimes",
                      # (int_survey_real_values, which the yearly quality counts read)
                      "deflators", "investment_deflator")
# ... of which year t's models read the rows of year t only: fingerprinted by year.
YEAR_KEYED_REFERENCE = ("exchange_rates",)
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileHashes:
    """sha256 of files, remembered with the (size, mtime, inode) they were read at.

    A file whose size, modification time (ns) and inode are those remembered
    is not read again (the convention of rsync and make): the raw-changes
    sensor looks at the whole raw root every minute and would otherwise
    read all of it each time. ``known``: path -> [size, mtime_ns, inode,
    sha256], e.g. from :meth:`load`; ``changed`` says whether any was added."""

    def __init__(self, known: dict[str, list] | None = None):
        self.known: dict[str, list] = dict(known or {})
        self.changed = False

    def sha256(self, path: Path) -> str:
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = self.known.get(key)
        if hit is not None and hit[:3] == stamp:
            return hit[3]
        digest = file_sha256(path)
        self.known[key] = [*stamp, digest]
        self.changed = True
        return digest

    @classmethod
    def load(cls, path: Path | str) -> FileHashes:
        """From a JSON file written by :meth:`save` (none, or unreadable: empty)."""
        try:
            return cls(json.loads(Path(path).read_text()))
        except (OSError, ValueError):
            return cls()

    def save(self, path: Path | str) -> None:
        """Write to ``path`` (temporary file + rename) if anything was added."""
        if not self.changed:
            return
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps(self.known))
            tmp.replace(path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _folder_fingerprint(folder: Path, hashes: FileHashes | None = None) -> tuple[str, int, int]:
    """sha256 over (relative path, file sha256) of every data file; (hex, files, bytes)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".parquet", ".csv"))
    h = hashlib.sha256()
    size = 0
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode())
        h.update(b"\0")
        h.update((hashes.sha256(p) if hashes is not None else file_sha256(p)).encode())
        h.update(b"\n")
        size += p.stat().st_size
    return h.hexdigest(), len(files), size


def _rows_by_year(root: Path, table: str) -> dict[int, str]:
    """sha256 of each year's rows of a small reference table (sorted, as text)."""
    df = read_reference(root, table)
    df = df.astype(str).sort_values(list(df.columns)).reset_index(drop=True)
    out = {}
    for year, rows in df.groupby(pd.to_numeric(df["year"], errors="coerce").fillna(ALL_YEARS).astype(int)):
        out[int(year)] = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()
    return out


def raw_fingerprints(root: Path | str, hashes: FileHashes | None = None) -> pd.DataFrame:
    """One row per (table, year) of the raw root: ``table, year, fingerprint, n_files, n_bytes``.

    ``year`` is the folder's year for a yearly table partitioned by ``year=``,
    else :data:`ALL_YEARS`; reference tables are ``reference/<name>``, one row
    per year of its rows for :data:`YEAR_KEYED_REFERENCE`. ``hashes``: file
    digests already known (:class:`FileHashes`), else every file is read.
    """
    root = Path(root)
    rows = []
    for table in YEARLY_TABLES:
        years = years_present(root, table)
        if years:
            for y in years:
                fp, n, b = _folder_fingerprint(root / table / f"year={y}", hashes)
                rows.append((table, y, fp, n, b))
        elif (root / table).exists():
            fp, n, b = _folder_fingerprint(root / table, hashes)
            rows.append((table, ALL_YEARS, fp, n, b))
    for table in (*REFERENCE_TABLES, *OPTIONAL_PRICE_TABLES):
        folder = root / "reference" / table
        if folder.exists():
            fp, n, b = _folder_fingerprint(folder, hashes)
            if table in YEAR_KEYED_REFERENCE and n:
                rows += [(f"reference/{table}", y, yfp, n, b) for y, yfp in _rows_by_year(root, table).items()]
            else:
                rows.append((f"reference/{table}", ALL_YEARS, fp, n, b))
    return pd.DataFrame(rows, columns=["table", "year", "fingerprint", "n_files", "n_bytes"]).astype(
        {"table": "string", "year": "int64", "fingerprint": "string", "n_files": "int64", "n_bytes": "int64"})


YEAR_RANGE_SETTINGS = ("year_start", "year_end", "exclude_years")
# settings no per-year model reads: the study's random seed and sizes
STUDY_SETTINGS = ("seed", *STUDY_SIZES)


def settings_fingerprint(settings: MethodSettings, year_range: bool = False) -> str:
    """sha256 of the switches a year's per-year models read (all but the year range
    and the study's seed; with ``year_range``, every switch: what the cross-year work reads)."""
    per_year_only = YEAR_RANGE_SETTINGS + STUDY_SETTINGS + PYTHON_ONLY
    switches = {k: v for k, v in settings.as_dict().items() if year_range or k not in per_year_only}
    return hashlib.sha256(json.dumps(switches, sort_keys=True, default=str).encode()).hexdigest()


def _input(table: str, year: int) -> str:
    return table if year == ALL_YEARS else f"{table}/year={year}"


def year_inputs(fingerprints: pd.DataFrame, year: int, settings: MethodSettings,
                code: dict[str, str] | None = None) -> dict[str, str]:
    """The inputs of sample year ``year`` with their fingerprints (module docstring).

    An input absent from the raw root is recorded as ``"absent"`` (a year
    folder that appears later is then a change). ``code``: the code versions
    (``{"per_year": ..., "cross_year": ...}``); its ``per_year`` is an input.
    """
    fp = {(r.table, int(r.year)): str(r.fingerprint) for r in fingerprints.itertuples()}
    out: dict[str, str] = {"settings": settings_fingerprint(settings)}
    if code:
        out["code/per_year"] = code["per_year"]

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
    for t in PER_YEAR_REFERENCE:
        key = f"reference/{t}"
        if t in YEAR_KEYED_REFERENCE and (key, ALL_YEARS) not in fp:
            out[_input(key, year)] = fp.get((key, year), "absent")
        else:
            out[key] = fp.get((key, ALL_YEARS), "absent")
    return out


def stale_years(
    recorded: pd.DataFrame | None,
    fingerprints: pd.DataFrame,
    years: Iterable[int],
    settings: MethodSettings,
    code: dict[str, str] | None = None,
) -> dict[int, list[str]]:
    """Sample years whose inputs differ from what their last build recorded
    (``code``: the code versions, see :func:`year_inputs`).

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
        now = year_inputs(fingerprints, y, settings, code)
        before = rec.get(y)
        if before is None:
            out[y] = ["never built"]
            continue
        reasons = _differences(before, now)
        if reasons:
            out[y] = reasons
    return out


def _differences(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """Why the inputs ``now`` differ from those recorded ``before``, one reason per input."""
    reasons = []
    for key in sorted(set(now) | set(before)):
        a, b = before.get(key), now.get(key)
        if a == b or (b is None and key.startswith("reference/")):
            continue  # (a reference table recorded by an older build that is no input here)
        if key == "settings":
            reasons.append("the METHOD settings changed")
        elif key.startswith("code/"):
            reasons.append(f"the code of the {key[5:].replace('_', '-')} models changed")
        elif a in (None, "absent"):
            reasons.append(f"{key} added")
        elif b in (None, "absent"):
            reasons.append(f"{key} removed")
        else:
            reasons.append(f"{key} changed")
    return reasons


def changed_tables(recorded: pd.DataFrame | None, fingerprints: pd.DataFrame, years: Iterable[int],
                   settings: MethodSettings, code: dict[str, str] | None = None) -> set[str] | None:
    """The raw tables (``customs_transactions``, ``reference/cities``, ...) whose
    files changed since what the last builds of ``years`` and of the cross-year
    work recorded; only what reads them needs rebuilding. None when something
    reaches every model instead: a setting, the code, a year never built, or
    nothing recorded."""
    rec: dict[int, dict[str, str]] = {}
    if recorded is None or not len(recorded):
        return None
    for r in recorded.itertuples():
        rec.setdefault(int(r.year), {})[str(r.input)] = str(r.fingerprint)
    pairs = [(rec.get(y), year_inputs(fingerprints, y, settings, code)) for y in years]
    if ALL_YEARS in rec:
        pairs.append((rec[ALL_YEARS], cross_inputs(fingerprints, settings, code)))
    tables: set[str] = set()
    for before, now in pairs:
        if before is None:
            return None
        for key in set(now) | set(before):
            a, b = before.get(key), now.get(key)
            optional = key.split("/year=")[0].removeprefix("reference/") in OPTIONAL_PRICE_TABLES
            if a == b or (b is None and key.startswith("reference/") and not optional):
                continue
            if key == "settings" or key.startswith("code/"):
                return None
            tables.add(key.split("/year=")[0])
    return tables


def cross_inputs(fingerprints: pd.DataFrame, settings: MethodSettings,
                 code: dict[str, str] | None = None) -> dict[str, str]:
    """The inputs of the cross-year work beyond the years it reads (module docstring):
    every reference table, every setting, the cross-year code version."""
    out = {"settings": settings_fingerprint(settings, year_range=True)}
    if code:
        out["code/cross_year"] = code["cross_year"]
    for r in fingerprints.itertuples():
        if str(r.table).startswith("reference/"):
            out[_input(str(r.table), int(r.year))] = str(r.fingerprint)
    return out


def stale_cross(recorded: pd.DataFrame | None, fingerprints: pd.DataFrame, settings: MethodSettings,
                code: dict[str, str] | None = None) -> list[str]:
    """Why the cross-year work is stale even if no year is: its recorded inputs
    (the :data:`ALL_YEARS` rows of ``recorded``) differ from the raw root's now
    (``[]``: current; nothing recorded: every input counts as added)."""
    before = {} if recorded is None else {
        str(r.input): str(r.fingerprint) for r in recorded.itertuples() if int(r.year) == ALL_YEARS}
    if not before:
        return ["the cross-year inputs were never recorded"] if recorded is not None and len(recorded) else []
    return _differences(before, cross_inputs(fingerprints, settings, code))


def inputs_frame(fingerprints: pd.DataFrame, years: Iterable[int], settings: MethodSettings,
                 code: dict[str, str] | None = None, cross: bool = False) -> pd.DataFrame:
    """``year, input, fingerprint`` rows recording what a build of ``years`` consumed;
    with ``cross``, also the cross-year work's own inputs (year :data:`ALL_YEARS`)."""
    rows = [(y, k, v) for y in years for k, v in year_inputs(fingerprints, y, settings, code).items()]
    if cross:
        rows += [(ALL_YEARS, k, v) for k, v in cross_inputs(fingerprints, settings, code).items()]
    return pd.DataFrame(rows, columns=["year", "input", "fingerprint"]).astype(
        {"year": "int64", "input": "string", "fingerprint": "string"})
