"""``gvc ingest``: delivered files in, the contract's raw root out, all or nothing.

For each delivered file: recognise its layout from the column names (or
take the one named), find its year (the layout's year or date column, else
the 4-digit year 1998-2014 in the file's name, else in its folder's name),
read it in chunks, convert each chunk (``convert.py``), validate it with the
contract's pandera schemas (``schemas.validate.validate_frame``, rows named
after the delivered file) and write it as a Parquet part into a staging
folder beside the raw root. Then, per table and year: exact duplicate rows
across parts (a month delivered twice, overlapping chunks) are dropped once
and counted; the one application published (发明公开) and granted (发明授权)
becomes one patent, counted; any other repeat of a table's key is refused
(the survey has none: METHOD §0 keeps one row of a repeated (year, firm_id)).

Nothing is written to the raw root unless every file passed: on success the
staged ``<table>/year=YYYY`` folders replace the raw root's folders of the
same years (other years stay), and the report goes to
``<raw>/ingest_report.json``. On failure the staging folder is removed and
:class:`IngestError` lists every broken rule (file, column, rule, rows) and
every unknown trade-mode name with its row count.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analytics.ingest import convert, readers
from analytics.ingest.codes import Codes
from analytics.ingest.layouts import Layout, LayoutError, load_layouts, recognise
from analytics.ingest.readers import ReadError
from analytics.rawio import YEAR_COLUMN
from schemas.raw import KEY_WITHOUT_NULLS
from schemas.validate import Failure, RawValidationError, validate_frame

Progress = Callable[[str], None]
# the key repeats refused per table and year; the survey has none (a repeated
# (year, firm_id) is METHOD §0's to resolve), and a customs line without a firm id
# is outside its table's key (schemas.raw.KEY_WITHOUT_NULLS)
KEYS = {
    "customs_transactions": ["year", "month", "customs_firm_id", "flow", "trade_regime", "hs_code", "partner_country"],
    "patents": ["application_id"],
}
ARROW = {"Int64": pa.int64(), "float64": pa.float64()}
REPORT = "ingest_report.json"


class IngestError(ValueError):
    """The delivered files cannot become a raw root; the message lists why, file by file."""

    def __init__(self, problems: list[str], report: IngestReport | None = None):
        self.problems, self.report = problems, report
        super().__init__(f"gvc ingest refused the delivery ({len(problems)} problem(s)); nothing was written\n"
                         + "\n".join(problems))


@dataclass
class FileReport:
    file: str
    layout: str
    table: str
    years: list[int] = field(default_factory=list)
    rows_read: int = 0
    rows_kept: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    raw: str
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    tables: dict[str, dict[int, int]] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    code_tables: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            out.append(f"{f.file}: layout {f.layout} -> {f.table} {f.years}; read {f.rows_read:,}, "
                       f"kept {f.rows_kept:,}")
            for what, n in {**f.rejected}.items():
                out.append(f"    rejected {n:,}: {what}")
            for what, n in f.dropped.items():
                out.append(f"    dropped {n:,}: {what}")
            for what, n in f.restored.items():
                out.append(f"    restored {n:,}: {what}")
            if f.unknown_columns:
                out.append(f"    unknown columns (not read): {', '.join(f.unknown_columns)}")
        for what, n in self.merged.items():
            out.append(f"{what}: {n:,}")
        for table, years in self.tables.items():
            out.append(f"{table}: " + ", ".join(f"{y} {n:,}" for y, n in sorted(years.items())))
        return out


def _schema(table: str) -> pa.Schema:
    cols = convert.COLUMNS[table]
    return pa.schema([(c, pa.int64() if c in convert.INT_COLUMNS else
                       pa.float64() if c in convert.FLOAT_COLUMNS else pa.string()) for c in cols]
                     + [(convert.LABEL, pa.string()), ("_file", pa.int64()), ("_row", pa.int64())])


def _layout_for(path: Path, layouts: dict[str, Layout], forced: str | None) -> tuple[Layout, list[str]]:
    if forced:
        if forced not in layouts:
            raise LayoutError(f"--layout {forced!r}: no such layout; known: {sorted(layouts)}")
        layout = layouts[forced]
        columns = readers.read_columns(path, layout.encoding, layout.delimiter)
        missing = layout.missing(columns)
        if missing:
            raise LayoutError(f"{path}: layout {forced} needs {', '.join(missing)}")
        return layout, columns
    columns = readers.read_columns(path)
    return recognise(columns, layouts, str(path)), columns


def _ingest_file(idx: int, path: Path, layout: Layout, columns: list[str], codes: Codes, stage: Path,
                 progress: Progress) -> tuple[FileReport, convert.Tally, Counter]:
    tally = convert.Tally(str(path))
    matched = layout.match(columns)
    report = FileReport(str(path), layout.name, layout.table,
                        unknown_columns=[c for c in columns if c not in matched])
    year = convert.file_year(path)
    has_year = any(c in matched.values() for c in ("year", "date", "application_date"))
    if not has_year and year is None:
        raise IngestError([f"- file {path}: no year: the layout {layout.name} has no year or date column here "
                           f"and neither the file's name nor its folder's holds a year 1998-2014"])
    schema = _schema(layout.table)
    rows_by_year: Counter = Counter()
    start_row = 0
    for n_chunk, chunk in enumerate(readers.read_chunks(path, layout.encoding, layout.delimiter)):
        absent = [c for c in matched if c not in chunk.columns]
        if absent:  # a later sheet or table of the file with other headers than its first
            raise IngestError([f"- file {path}, {chunk.attrs.get(readers.PART, 'a later part')}: no column "
                               f"{', '.join(absent)}, which the first part has (layout {layout.name}); its "
                               f"columns: {', '.join(map(str, chunk.columns))}. Deliver each layout in files "
                               f"of its own, or give the part the first part's headers"])
        renamed = chunk[list(matched)].rename(columns=matched)
        renamed.index = pd.RangeIndex(start_row, start_row + len(chunk))
        report.rows_read += len(chunk)
        out = convert.CONVERTERS[layout.table](renamed, layout, codes, year, tally)
        label = out.pop(convert.LABEL) if convert.LABEL in out.columns else None
        if not tally.failures and not tally.unknown_trade_modes and len(out):
            try:
                out = validate_frame(out, layout.table, source=str(path), with_key=False)
            except RawValidationError as err:
                for f in err.failures:
                    tally.failures.setdefault((f.column, f.rule), f)
        if not tally.failures and not tally.unknown_trade_modes and len(out):
            out = out.assign(**{convert.LABEL: label}, _file=idx, _row=out.index.to_numpy())
            ycol = YEAR_COLUMN[layout.table]
            for y, part in out.groupby(ycol, sort=True):
                dest = stage / layout.table / f"year={int(y)}" / f"part-{idx:05d}-{n_chunk:05d}.parquet"
                dest.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False), dest)
                rows_by_year[int(y)] += len(part)
        start_row += len(chunk)
        progress(f"{path.name}: {report.rows_read:,} rows read")
    report.years = sorted(rows_by_year)
    report.rows_kept = sum(rows_by_year.values())
    report.rejected = {f"{f.column} | {f.rule}": f.count for f in tally.failures.values()}
    report.restored, report.dropped = dict(tally.restored), dict(tally.dropped)
    return report, tally, rows_by_year


def _finish_year(con, table: str, folder: Path, out: Path, sources: list[str]) -> tuple[int, dict[str, int], list[Failure]]:
    """Drop exact duplicates, merge one application's records, refuse other key repeats; write one file."""
    cols = convert.COLUMNS[table]
    col_list = ", ".join(f'"{c}"' for c in cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE parts AS SELECT * FROM read_parquet('{folder}/*.parquet')")
    n = con.execute("SELECT count(*) FROM parts").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE uniq AS SELECT {col_list}, {convert.LABEL}, min(_file) AS _file, "
                f"min(_row) AS _row FROM parts GROUP BY ALL")
    merged = {"exact duplicate rows dropped (" + table + ")": n - con.execute("SELECT count(*) FROM uniq").fetchone()[0]}
    if table == "patents":  # one application as 发明公开 and 发明授权: the same patent
        before = con.execute("SELECT count(*) FROM uniq").fetchone()[0]
        con.execute("CREATE OR REPLACE TEMP TABLE uniq AS SELECT * FROM uniq QUALIFY row_number() OVER "
                    "(PARTITION BY application_id, application_year, patent_type ORDER BY _file, _row) = 1")
        merged["patent records of one application (published and granted) counted once"] = \
            before - con.execute("SELECT count(*) FROM uniq").fetchone()[0]
    failures = []
    key_columns = KEYS.get(table, [])
    order = ", ".join(f'"{c}"' for c in (key_columns or cols))
    if key_columns:
        key = ", ".join(f'"{c}"' for c in key_columns)
        exempt = KEY_WITHOUT_NULLS.get(table)
        keyed = f'WHERE "{exempt}" IS NOT NULL' if exempt else ""
        dup = con.execute(f"SELECT {col_list}, _file, _row FROM uniq {keyed} QUALIFY count(*) OVER (PARTITION BY {key}) > 1 "
                          f"ORDER BY {key}, _file, _row LIMIT 10").df()
    else:
        dup = []
    if len(dup):
        total = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM uniq {keyed} GROUP BY {key} HAVING count(*) > 1)").fetchone()[0]
        files = sorted({sources[i] for i in dup["_file"]})
        failures.append(Failure(", ".join(files), ", ".join(KEYS[table]), f"unique ({table} grain)", int(total),
                                dup.assign(_file=[sources[i] for i in dup["_file"]]).rename(columns={"_row": "row"}),
                                "rows that differ but share the key; exact duplicates are dropped, these are not"))
    out.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY (SELECT {col_list} FROM uniq ORDER BY {order}, _file, _row) TO '{out}' "
                f"(FORMAT parquet, COMPRESSION zstd)")
    kept = con.execute("SELECT count(*) FROM uniq").fetchone()[0]
    return kept, {k: v for k, v in merged.items() if v}, failures


def _swap(stage: Path, raw: Path) -> None:
    """Put each staged ``<table>/year=YYYY`` folder in place of the raw root's, one rename each."""
    old = raw / f".ingest-old-{os.getpid()}"
    for table_dir in sorted(p for p in stage.iterdir() if p.is_dir()):
        for year_dir in sorted(table_dir.iterdir()):
            target = raw / table_dir.name / year_dir.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                (old / table_dir.name).mkdir(parents=True, exist_ok=True)
                os.replace(target, old / table_dir.name / year_dir.name)
            os.replace(year_dir, target)
    shutil.rmtree(old, ignore_errors=True)


def ingest(sources: list[Path | str], raw: Path | str, *, layout: str | None = None,
           layouts_dir: Path | str | None = None, dry_run: bool = False,
           progress: Progress | None = None) -> IngestReport:
    """Convert delivered files into the raw root ``raw`` (see the module docstring)."""
    t0 = time.perf_counter()
    progress = progress or (lambda msg: None)
    raw = Path(raw)
    layouts = load_layouts(layouts_dir)
    files = readers.data_files(sources)
    if not files:
        raise IngestError([f"- no delivered file ({', '.join(readers.FORMATS)}) under {[str(s) for s in sources]}"])
    codes = Codes.load(raw if raw.exists() else None)
    report = IngestReport(str(raw), dry_run, code_tables={k: v for k, v in codes.sources.items() if v})
    problems: list[str] = []
    chosen: list[tuple[Path, Layout, list[str]]] = []
    for path in files:
        try:
            lay, cols = _layout_for(path, layouts, layout)
            chosen.append((path, lay, cols))
        except (LayoutError, ReadError) as err:
            problems.append(f"- {err}")
    if problems:
        raise IngestError(problems, report)
    raw.parent.mkdir(parents=True, exist_ok=True)
    stage = raw.parent / f".{raw.name}.ingest-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        parts, final = stage / "parts", stage / "final"
        unknown_modes: Counter = Counter()
        failures: list[Failure] = []
        for idx, (path, lay, cols) in enumerate(chosen):
            progress(f"{path} ({lay.name} -> {lay.table})")
            try:
                file_report, tally, _ = _ingest_file(idx, path, lay, cols, codes, parts, progress)
            except ReadError as err:
                problems.append(f"- {err}")
                continue
            report.files.append(file_report)
            failures.extend(tally.failures.values())
            unknown_modes.update(tally.unknown_trade_modes)
        if unknown_modes:
            names = ", ".join(f"{name!r} ({n:,} rows)" for name, n in unknown_modes.most_common())
            problems.append(f"- column trade_mode_name | rule a name in trade_mode_names | unknown names: {names}\n"
                            f"    add each name with its 2-digit customs code to reference/trade_mode_names "
                            f"(code table used: {codes.sources.get('trade_mode_names') or 'none'}); nothing is guessed")
        if not failures and not problems and parts.exists():
            import duckdb

            names = [str(p) for p, _, _ in chosen]
            with duckdb.connect() as con:
                for table_dir in sorted(p for p in parts.iterdir() if p.is_dir()):
                    for year_dir in sorted(table_dir.iterdir()):
                        out = final / table_dir.name / year_dir.name / "part-0.parquet"
                        kept, merged, key_failures = _finish_year(con, table_dir.name, year_dir, out, names)
                        failures.extend(key_failures)
                        year = int(year_dir.name.split("=", 1)[1])
                        report.tables.setdefault(table_dir.name, {})[year] = kept
                        for what, n in merged.items():
                            report.merged[what] = report.merged.get(what, 0) + n
        problems.extend(f.describe() for f in failures)
        report.seconds = round(time.perf_counter() - t0, 2)
        if problems:
            raise IngestError(problems, report)
        if not dry_run and final.exists():
            raw.mkdir(parents=True, exist_ok=True)
            _swap(final, raw)
            (raw / REPORT).write_text(report.to_json(), encoding="utf-8")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report
