"""``gvc reference --unsd``: the contract's ``hs_concordance`` and ``hs_bec`` from the UNSD tables.

Input: the UN Statistics Division's HS correspondence and HS -> BEC tables in
their published layouts (CSV, or the Excel workbooks UNSD distributes; a
title block above the header row is skipped):

* **correlation** tables HS2002 / HS2007 / HS2012 -> HS1996 (columns
  ``hs2002``/``HS 2002`` ..., ``hs1996``, and a ``relationship`` and/or
  ``ex_flag`` column): every link, a source code split over several HS1996
  codes listed once per target;
* **conversion** tables (the same two code columns, nothing else): one HS1996
  code per source code, UNSD's shortcut for converting data. A version's
  correlation table, when given, holds every link and is used; its
  conversion table is then read and left aside. A conversion table alone
  gives one-to-one links, and the report says so;
* **HS -> BEC Rev.4** tables (``HS96``/``HS02``/``HS2007``/``HS 2012``,
  ``BEC``, optional ``Relationship``; a byte-order mark, codes written
  ``0101.10``, ``n/a`` cells and the aggregate code ``32`` occur). The
  contract's ``hs_bec`` is keyed by HS1996 code, so only the HS1996 table is
  used; the others are recognised and left aside;
* a table of BEC basic classes -> end use (``bec4_code``,
  ``sna_basic_class``), which is no UNSD table but a restatement of the
  classes METHOD §1 fixes: recognised, compared with METHOD §1 (any
  difference is reported) and left aside, because the end use always follows
  METHOD §1 (the pipeline derives it from ``bec_code``).

Each file is recognised by its columns (and, between correlation and
conversion, by whether a source code repeats), never by its name; a file
recognised as none of these is refused, naming its columns.

Output, into ``RAW/reference/`` (each table's folder replaced whole):

* ``hs_concordance`` (from_version, from_hs6, hs6_1996, weight): the links
  of HS2002, HS2007 and HS2012 (HS1996 lines keep their code in the pipeline,
  so the contract's table has no HS1996 rows). ``split_weights`` fills the
  weight of a source code's ``n`` targets: ``equal`` 1/n; ``trade`` each
  target's share of national imports in 2001 (an HS1996 year: the first six
  digits of the tariff line are the HS1996 code), summed in DuckDB over the
  raw root's ``customs_transactions`` of 2001; a source code none of whose
  targets was imported in 2001 falls back to 1/n (counted), and a target with
  no 2001 imports beside one with some gets weight 0, i.e. no link (counted:
  the contract's weights are positive);
* ``hs_bec`` (hs6_1996, bec_code, end_use): one row per HS1996 code. A code
  listed with several basic classes takes the last one listed, a class other
  than 7 before 7 (the rule of the synthetic world's catalogue); a code with
  no basic class of its own (``n/a``, the aggregate ``32``) is left out, so
  the pipeline counts it as ``hs_codes_not_in_hs_bec``;
* ``hs_concordance.json`` and ``hs_bec.json`` beside the folders: how each
  table was built (``split_weights``, the source files and their sha256, the
  date, the counts) and the sha256 of the table's files, which `gvc build`
  checks against the ``split_weights`` setting
  (``schemas.validate.split_weights_failures``).

Both tables are checked against the contract's pandera models before
anything is written.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from analytics.ingest.readers import files_among, text_encoding
from analytics.rawio import file_sha256, folder_year, table_files, write_parquet, write_provenance
from analytics.settings import SplitWeights, check_literal

__all__ = [
    "END_USE",
    "ReferenceReport",
    "UnsdError",
    "UnsdTable",
    "build_reference",
    "choose_bec",
    "equal_weights",
    "national_imports",
    "normalise_hs6",
    "read_unsd_file",
    "recognise",
    "trade_weights",
]

Progress = Callable[[str], None]

TARGET = "HS1996"
LATER_VERSIONS = ("HS2002", "HS2007", "HS2012")
# the year whose imports weigh the targets of a split (trade weights, METHOD §1): an HS1996 year
# (analytics.settings.HS_VERSION_BY_YEAR), so its lines' first six digits are HS1996 codes
WEIGHT_YEAR = 2001
FORMATS = (".csv", ".txt", ".xlsx", ".xls")
HEADER_SEARCH_ROWS = 30  # a title block above the header row is skipped, up to this many rows
SHOWN = 10

# METHOD §1: the end use of a BEC Rev.4 basic class (the macro bec_end_use holds the same);
# 51, 321 and 7 are basic classes without an end use
END_USE: dict[str, str | None] = {
    **{c: "capital" for c in ("41", "521")},
    **{c: "intermediate" for c in ("111", "121", "21", "22", "31", "322", "42", "53")},
    **{c: "consumption" for c in ("112", "122", "522", "61", "62", "63")},
    **{c: None for c in ("51", "321", "7")},
}
# the class METHOD §1 leaves unclassified when nothing else is listed for a code
GOODS_NES = "7"

CORRELATION, CONVERSION, HS_BEC, BEC_CLASSES = "correlation", "conversion", "hs_bec", "bec_classes"
KINDS = {
    CORRELATION: "{v} -> HS1996 correlation",
    CONVERSION: "{v} -> HS1996 conversion",
    HS_BEC: "{v} -> BEC Rev.4",
    BEC_CLASSES: "BEC basic class -> end use (not a UNSD table)",
}


def label(kind: str, version: str | None) -> str:
    """``HS2002 -> HS1996 correlation``: a table's kind and source version in words."""
    return KINDS[kind].format(v=version or "HS")


class UnsdError(ValueError):
    """The UNSD files cannot become the reference tables; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"gvc reference refused ({len(problems)} problem(s)); nothing was written\n"
                         + "\n".join(problems))


# ---------------------------------------------------------------- recognising a file


def normalise_header(name: object) -> str:
    """A header cell as compared: NFKC, lower case, letters and digits only (``HS 2012`` -> ``hs2012``,
    ``\\ufeffHS96`` -> ``hs96``, ``ex_flag`` -> ``exflag``)."""
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").lower()
    return re.sub(r"[^0-9a-z]", "", text)


_HS_HEADER = re.compile(r"^hs(?:19|20)?(96|02|07|12)(?:code|codes)?$")
_BEC_HEADERS = {"bec", "bec4", "becrev4", "beccode", "bec4code", "becrev4code"}
_RELATIONSHIP_HEADERS = {"relationship", "relation", "exflag", "ex"}
_END_USE_HEADERS = {"snabasicclass", "snaclass", "enduse", "basicclass"}
_YEAR_OF = {"96": "HS1996", "02": "HS2002", "07": "HS2007", "12": "HS2012"}


def hs_version(header: object) -> str | None:
    """The HS version a header names (``HS 2012``, ``hs2002``, ``HS96``), else None."""
    m = _HS_HEADER.match(normalise_header(header))
    return _YEAR_OF[m[1]] if m else None


@dataclass(frozen=True)
class Recognised:
    """What a header row says: the kind of table, its source version and the column of each role."""

    kind: str
    version: str | None
    columns: dict[str, int]  # role -> position: source, target, bec, end_use


def recognise(header: list[object]) -> Recognised | None:
    """The table a header row belongs to, from its column names alone (None: none of the UNSD layouts).

    Two HS columns, one of them HS1996: a correlation (with a relationship or ex flag column) or a
    conversion table (``read_unsd_file`` also calls it a correlation when a source code repeats);
    one HS column and a BEC column: HS -> BEC; a BEC column and an end use column: BEC classes."""
    names = [normalise_header(h) for h in header]
    hs = [(i, hs_version(h)) for i, h in enumerate(header) if hs_version(h)]
    bec = [i for i, n in enumerate(names) if n in _BEC_HEADERS]
    relationship = any(n in _RELATIONSHIP_HEADERS for n in names)
    end_use = [i for i, n in enumerate(names) if n in _END_USE_HEADERS]
    if len(hs) == 2 and {v for _, v in hs} != {TARGET} and TARGET in {v for _, v in hs}:
        (src, version), = [(i, v) for i, v in hs if v != TARGET]
        (tgt,) = [i for i, v in hs if v == TARGET]
        return Recognised(CORRELATION if relationship else CONVERSION, version, {"source": src, "target": tgt})
    if len(hs) == 1 and bec:
        return Recognised(HS_BEC, hs[0][1], {"source": hs[0][0], "bec": bec[0]})
    if not hs and bec and end_use:
        return Recognised(BEC_CLASSES, None, {"bec": bec[0], "end_use": end_use[0]})
    return None


def _why_not(header: list[object]) -> str:
    """What an unrecognised header row lacks, in words."""
    hs = [hs_version(h) for h in header if hs_version(h)]
    if len(hs) == 2 and TARGET not in hs:
        return f"it links {hs[0]} and {hs[1]}; only tables to HS1996 are used"
    if len(hs) > 2:
        return f"it has {len(hs)} HS code columns ({', '.join(hs)})"
    return ("expected two HS code columns, one of them HS1996 (a correlation or conversion table), one HS code "
            "column and a BEC column (HS -> BEC), or a BEC column and an end use column (BEC classes)")


# ---------------------------------------------------------------- reading a file


def _delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace") as f:
        head = next((line for line in f if line.strip()), "")
    counts = {d: head.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def read_grid(path: Path) -> list[tuple[str, pd.DataFrame]]:
    """Every sheet of a file as text cells without a header (``(sheet name, frame)``; a CSV is one
    sheet named ``""``). CSV/TXT: UTF-8 (a byte-order mark dropped), else GB18030."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        try:
            enc = text_encoding(path)
        except ValueError as err:
            raise UnsdError([f"- file {path}: {err}"]) from None
        enc = "utf-8-sig" if enc == "utf-8" else enc
        # rows of any width (a title line above the header has one cell): padded to the widest
        with open(path, encoding=enc, newline="") as f:
            lines = list(csv.reader(f, delimiter=_delimiter(path, enc)))
        width = max((len(line) for line in lines), default=0)
        return [("", pd.DataFrame([line + [""] * (width - len(line)) for line in lines], dtype=str))]
    if suffix in (".xlsx", ".xls"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, keep_default_na=False)
        except ImportError as err:
            raise UnsdError([f"- file {path}: reading {suffix} needs {err.name}"]) from None
        return [(str(name), df) for name, df in sheets.items()]
    raise UnsdError([f"- file {path}: not a table format gvc reference reads ({', '.join(FORMATS)})"])


def normalise_hs6(values: pd.Series) -> pd.Series:
    """HS codes as 6-digit text: spaces and the dot of ``0101.10`` removed, a spreadsheet's ``10110.0``
    read as ``10110``, a 5-digit code (a number that lost its leading zero) padded; blank -> ``""``.
    Anything else is returned as found, for the caller to refuse."""
    text = values.fillna("").astype(str).str.strip()
    text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    text = text.str.replace(r"[.\s]", "", regex=True)
    return text.where(~text.str.fullmatch(r"\d{5}"), text.str.zfill(6))


@dataclass
class UnsdTable:
    """One recognised table: its kind, its source version and its rows (canonical columns, the rows'
    numbers in the file kept as the index, 1-based as a spreadsheet shows them)."""

    path: str
    sheet: str
    kind: str
    version: str | None
    rows: pd.DataFrame
    header_row: int

    @property
    def name(self) -> str:
        return f"{self.path} [sheet {self.sheet}]" if self.sheet else self.path

    def describe(self) -> str:
        return f"{label(self.kind, self.version)}, {len(self.rows):,} rows"


def _refuse_rows(table: str, column: str, rule: str, bad: pd.DataFrame) -> str:
    shown = bad.head(SHOWN).rename_axis("row").reset_index().to_string(index=False)
    more = f", first {SHOWN} shown" if len(bad) > SHOWN else ""
    return (f"- file {table} | column {column} | rule {rule} | {len(bad)} failing row(s){more}\n"
            + "\n".join("    " + line for line in shown.splitlines()))


def _table(path: Path, sheet: str, grid: pd.DataFrame) -> UnsdTable | None:
    """The sheet as an UnsdTable, its header found among the first rows; None when no row is a header."""
    for r in range(min(HEADER_SEARCH_ROWS, len(grid))):
        header = list(grid.iloc[r])
        found = recognise(header)
        if found is None:
            continue
        body = grid.iloc[r + 1:]
        cols = {role: body.iloc[:, i] for role, i in found.columns.items()}
        rows = pd.DataFrame(cols)
        rows.index = pd.RangeIndex(r + 2, r + 2 + len(rows))  # 1-based, the header being row r + 1
        name = f"{path} [sheet {sheet}]" if sheet else str(path)
        problems = []
        for role in ("source", "target"):
            if role not in rows:
                continue
            rows[role] = normalise_hs6(rows[role])
            bad = rows[(rows[role] != "") & ~rows[role].str.fullmatch(r"\d{6}")]
            if len(bad):
                problems.append(_refuse_rows(name, str(header[found.columns[role]]), "an HS code of 6 digits", bad))
        if "bec" in rows:
            rows["bec"] = rows["bec"].fillna("").astype(str).str.strip()
        if "end_use" in rows:
            rows["end_use"] = rows["end_use"].fillna("").astype(str).str.strip().str.lower()
        if problems:
            raise UnsdError(problems)
        kind = found.kind
        if kind == CONVERSION and rows["source"][rows["source"] != ""].duplicated().any():
            kind = CORRELATION  # a source code listed twice: every link, not one per code
        return UnsdTable(str(path), sheet, kind, found.version, rows, r + 1)
    return None


def read_unsd_file(path: Path | str) -> list[UnsdTable]:
    """The UNSD tables of one file (a workbook may hold several sheets; sheets that are no table are
    skipped when another one is). Raises UnsdError naming the file and its columns when no sheet
    is a table of the recognised layouts."""
    path = Path(path)
    sheets = read_grid(path)
    tables = [t for name, grid in sheets if (t := _table(path, name, grid)) is not None]
    if tables:
        return tables
    lines = []
    for name, grid in sheets:
        header = next((list(grid.iloc[r]) for r in range(min(HEADER_SEARCH_ROWS, len(grid)))
                       if any(str(c).strip() for c in grid.iloc[r])), [])
        where = f" [sheet {name}]" if name else ""
        lines.append(f"- file {path}{where} | columns {[str(c) for c in header]} | rule a UNSD HS correspondence "
                     f"or HS -> BEC table | not recognised: {_why_not(header)}")
    raise UnsdError(lines or [f"- file {path} | rule a UNSD table | the file is empty"])


def unsd_files(sources: list[Path | str]) -> list[Path]:
    """The table files among ``sources`` (files, or folders searched at any depth), sorted."""
    return files_among(
        sources, FORMATS,
        lambda src: UnsdError([f"- file {src}: not a table format gvc reference reads ({', '.join(FORMATS)})"]),
        lambda src: UnsdError([f"- {src}: no such file or folder"]))


# ---------------------------------------------------------------- links and weights


def links_of(table: UnsdTable) -> tuple[pd.DataFrame, int]:
    """The distinct (from_version, from_hs6, hs6_1996) links of a correlation or conversion table, and
    the number of rows naming a code on one side only (left out: such a code has no link)."""
    rows = table.rows
    one_sided = int(((rows["source"] == "") != (rows["target"] == "")).sum())
    both = rows[(rows["source"] != "") & (rows["target"] != "")]
    links = (pd.DataFrame({"from_version": table.version, "from_hs6": both["source"], "hs6_1996": both["target"]})
             .drop_duplicates().sort_values(["from_version", "from_hs6", "hs6_1996"], ignore_index=True))
    return links, one_sided


def _duck():
    import duckdb

    return duckdb.connect()


def equal_weights(links: pd.DataFrame) -> pd.DataFrame:
    """``links`` (from_version, from_hs6, hs6_1996) with ``weight`` = 1/n over a source code's n targets."""
    with _duck() as con:
        con.register("links", links[["from_version", "from_hs6", "hs6_1996"]])
        return con.execute(
            "select from_version, from_hs6, hs6_1996, "
            "1.0 / count(*) over (partition by from_version, from_hs6) as weight "
            "from links order by from_version, from_hs6, hs6_1996").df()


@dataclass
class TradeWeighting:
    """What trade weighting did, per source version: source codes whose targets had no imports (equal
    shares), and links dropped because their target had none while a sibling had some."""

    fallback: dict[str, int] = field(default_factory=dict)
    fallback_codes: dict[str, list[str]] = field(default_factory=dict)
    zero_links: dict[str, int] = field(default_factory=dict)


def trade_weights(links: pd.DataFrame, imports: pd.DataFrame) -> tuple[pd.DataFrame, TradeWeighting]:
    """``links`` with ``weight`` = each target's share of ``imports`` (hs6_1996, value_usd) among the
    targets of its source code. A source code whose targets have no imports at all gets 1/n (counted in
    ``fallback``); a target without imports beside one with some gets weight 0 and is left out (counted
    in ``zero_links``: the contract's weights are positive)."""
    with _duck() as con:
        con.register("links", links[["from_version", "from_hs6", "hs6_1996"]])
        con.register("imports", imports[["hs6_1996", "value_usd"]])
        con.execute("""
            create temp table weighed as
            with valued as (
                select l.from_version, l.from_hs6, l.hs6_1996, coalesce(i.value_usd, 0.0) as v
                from links as l
                left join (select hs6_1996, sum(value_usd order by value_usd) as value_usd
                           from imports group by hs6_1996) as i
                    on i.hs6_1996 = l.hs6_1996
            ),
            totals as (
                select from_version, from_hs6, sum(v order by v) as total, count(*) as n
                from valued group by from_version, from_hs6
            )
            select valued.from_version, valued.from_hs6, valued.hs6_1996,
                   case when totals.total > 0 then valued.v / totals.total else 1.0 / totals.n end as weight,
                   totals.total = 0 and totals.n > 1 as fell_back
            from valued join totals using (from_version, from_hs6)
        """)
        stats = TradeWeighting()
        for version, n_codes, codes in con.execute(
                "select from_version, count(distinct from_hs6), list(distinct from_hs6 order by from_hs6) "
                "from weighed where fell_back group by 1 order by 1").fetchall():
            stats.fallback[version] = int(n_codes)
            stats.fallback_codes[version] = list(codes)
        for version, n in con.execute(
                "select from_version, count(*) from weighed where weight = 0 group by 1 order by 1").fetchall():
            stats.zero_links[version] = int(n)
        out = con.execute("select from_version, from_hs6, hs6_1996, weight from weighed where weight > 0 "
                          "order by from_version, from_hs6, hs6_1996").df()
    return out, stats


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _utf8_copies(files: list[Path], encoding: str, dest: Path) -> list[Path]:
    """UTF-8 copies of CSV files in another encoding (DuckDB reads UTF-8 CSV only here)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for i, src in enumerate(files):
        copy = dest / f"{i:05d}.csv"
        try:
            with open(src, encoding=encoding, newline="") as fin, open(copy, "w", encoding="utf-8", newline="") as fout:
                while chunk := fin.read(1 << 20):
                    fout.write(chunk)
        except UnicodeDecodeError:
            raise UnsdError([f"- file {src}: not {encoding} text (csv_encoding); the customs files of "
                                  f"{WEIGHT_YEAR} weigh the links"]) from None
        out.append(copy)
    return out


def national_imports(raw: Path | str, year: int = WEIGHT_YEAR, encoding: str = "utf-8") -> tuple[pd.DataFrame, dict]:
    """National imports of ``year`` by HS6 code (the first six digits of the 8-digit line): ``(frame
    hs6_1996, value_usd; {"files": [...], "rows": n, "value_usd": total})``, summed by DuckDB over the
    raw root's ``customs_transactions`` files of that year (its ``year=YYYY`` folder, and files outside
    year folders filtered on their year column). Raises UnsdError when the raw root has no
    customs rows of that year."""
    raw = Path(raw)
    folder = raw / "customs_transactions"
    files = table_files(raw, "customs_transactions") if folder.is_dir() else []
    in_year = [p for p in files if folder_year(p, folder) == year]
    loose = [p for p in files if folder_year(p, folder) is None]
    if not in_year and not loose:
        raise UnsdError([f"- {folder}: no customs_transactions files of {year}; split_weights = \"trade\" "
                              f"weighs each link by national {year} imports, so the raw root needs "
                              f"customs_transactions/year={year}/ (gvc ingest writes it); or use "
                              f"--split-weights equal"])
    selects = []
    with tempfile.TemporaryDirectory() as tmp, _duck() as con:
        for group, where in ((in_year, ""), (loose, f" where try_cast(year as integer) = {year}")):
            parquet = [p for p in group if p.suffix == ".parquet"]
            csv = [p for p in group if p.suffix == ".csv"]
            if csv and encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
                csv = _utf8_copies(csv, encoding, Path(tmp) / f"g{len(selects)}")
            if parquet:
                selects.append(f"select * from read_parquet({_sql_list(parquet)}, union_by_name = true){where}")
            if csv:
                selects.append(f"select * from read_csv({_sql_list(csv)}, header = true, all_varchar = true, "
                               f"union_by_name = true){where}")
        sql = " union all by name ".join(f"({s})" for s in selects)
        con.execute(f"create temp view customs as {sql}")
        rows = con.execute("select count(*) from customs").fetchone()[0]
        imports = con.execute("""
            select left(trim(hs_code), 6) as hs6_1996,
                   sum(try_cast(value_usd as double) order by try_cast(value_usd as double)) as value_usd,
                   count(*) as lines
            from customs
            where lower(trim(flow)) = 'import' and regexp_full_match(trim(hs_code), '[0-9]{8}')
                  and try_cast(value_usd as double) > 0
            group by 1 order by 1
        """).df()
    if imports.empty:
        raise UnsdError([f"- {folder}: {rows:,} customs rows of {year} but no import with a positive value; "
                              f"split_weights = \"trade\" weighs each link by national {year} imports"])
    used = sorted(str(p) for p in in_year + loose)
    info = {"year": year, "files": used, "rows": int(rows), "import_lines": int(imports["lines"].sum()),
            "hs6_codes": len(imports), "value_usd": float(imports["value_usd"].sum())}
    return imports[["hs6_1996", "value_usd"]], info


# ---------------------------------------------------------------- BEC


def choose_bec(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], int]:
    """One BEC basic class per HS code from HS -> BEC rows (columns ``source``, ``bec``, in file order):
    ``(frame hs6_1996, bec_code, end_use; {code left out: the cells it had}; codes with several
    classes)``. A code listed with several basic classes takes the last one listed, a class other than
    7 before 7; a code without any basic class (``n/a``, the aggregate ``32``) is left out. The end use
    is METHOD §1's (``END_USE``)."""
    rows = rows[rows["source"] != ""]
    basic = rows["bec"].isin(list(END_USE))
    chosen = rows[basic].assign(order=range(int(basic.sum())), nes=rows.loc[basic, "bec"] == GOODS_NES)
    # a class other than 7 first, then the last one listed
    chosen = chosen.sort_values(["source", "nes", "order"], ascending=[True, True, False])
    several = int((chosen.groupby("source")["bec"].nunique() > 1).sum())
    chosen = chosen.drop_duplicates("source")
    out = pd.DataFrame({"hs6_1996": chosen["source"].to_numpy(), "bec_code": chosen["bec"].to_numpy()})
    use = out["bec_code"].map(END_USE).astype(object)
    out["end_use"] = use.where(use.notna(), None)
    out = out.sort_values("hs6_1996", ignore_index=True)
    left = rows[~rows["source"].isin(set(out["hs6_1996"]))]
    left_out = {code: ", ".join(dict.fromkeys(g["bec"].replace("", "(blank)"))) for code, g in left.groupby("source")}
    return out, left_out, several


def bec_classes_differences(table: UnsdTable) -> list[str]:
    """Where a BEC classes -> end use table departs from METHOD §1 (``END_USE``)."""
    out = []
    for bec, use in zip(table.rows["bec"], table.rows["end_use"], strict=True):
        if not bec:
            continue
        theirs = None if use in ("", "not_classified", "unclassified", "none", "n/a") else use
        if bec not in END_USE:
            out.append(f"{bec} ({theirs}): not a basic class of METHOD §1")
        elif END_USE[bec] != theirs:
            out.append(f"{bec}: {theirs} there, {END_USE[bec]} in METHOD §1")
    return out


# ---------------------------------------------------------------- the whole build


@dataclass
class FileRead:
    file: str
    table: str
    kind: str
    version: str | None
    rows: int
    header_row: int
    sha256: str
    use: str


@dataclass
class ReferenceReport:
    raw: str
    split_weights: str
    files: list[FileRead] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)
    source_codes: dict[str, int] = field(default_factory=dict)
    one_to_many: dict[str, int] = field(default_factory=dict)
    most_targets: dict[str, int] = field(default_factory=dict)
    one_sided_rows: dict[str, int] = field(default_factory=dict)
    fallback_to_equal: dict[str, int] = field(default_factory=dict)
    zero_weight_links: dict[str, int] = field(default_factory=dict)
    imports: dict | None = None
    hs_bec_codes: int = 0
    hs_bec_several_classes: int = 0
    hs_bec_left_out: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    built_at: str = ""
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            out.append(f"read {f.file}: {f.table}, {f.rows:,} rows; {f.use}")
        out.append(f"hs_concordance (split_weights = {self.split_weights}):")
        for v in self.links:
            out.append(f"  {v}: {self.links[v]:,} links of {self.source_codes[v]:,} codes; "
                       f"{self.one_to_many[v]:,} one-to-many (up to {self.most_targets[v]} targets)"
                       + (f"; {self.one_sided_rows[v]:,} rows with a code on one side only, left out"
                          if self.one_sided_rows.get(v) else ""))
        if self.imports is not None:
            imp = self.imports
            out.append(f"  weights: national imports of {imp['year']}, {imp['value_usd']:,.0f} USD over "
                       f"{imp['hs6_codes']:,} HS6 codes ({imp['import_lines']:,} import lines in "
                       f"{len(imp['files'])} file(s))")
            for v in self.links:
                out.append(f"  {v}: {self.fallback_to_equal.get(v, 0):,} one-to-many codes without {imp['year']} "
                           f"imports in any target (equal weights); {self.zero_weight_links.get(v, 0):,} links "
                           f"without {imp['year']} imports beside a target with some (weight 0, left out)")
        out.append(f"hs_bec: {self.hs_bec_codes:,} HS1996 codes; {self.hs_bec_several_classes:,} listed with "
                   f"several basic classes (the last listed taken, 7 only when alone); "
                   f"{len(self.hs_bec_left_out)} without a basic class, left out"
                   + (": " + ", ".join(f"{c} ({b})" for c, b in self.hs_bec_left_out.items())
                      if self.hs_bec_left_out else ""))
        out.extend(f"note: {n}" for n in self.notes)
        return out


def _pick(tables: list[UnsdTable], kind: str, version: str | None, problems: list[str]) -> UnsdTable | None:
    found = [t for t in tables if t.kind == kind and t.version == version]
    if len(found) > 1:
        problems.append(f"- {len(found)} {label(kind, version)} tables: "
                        f"{', '.join(t.name for t in found)}; give one")
        return None
    return found[0] if found else None


def _replace_folder(raw: Path, table: str, df: pd.DataFrame) -> Path:
    """Write ``df`` as the only file of ``RAW/reference/<table>/``, replacing the folder in one rename."""
    base = raw / "reference"
    base.mkdir(parents=True, exist_ok=True)
    work = base / f".{table}.building-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    write_parquet(df, work / f"{table}.parquet")
    target, old = base / table, base / f".{table}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(work, target)
    shutil.rmtree(old, ignore_errors=True)
    return target / f"{table}.parquet"


def build_reference(sources: list[Path | str], raw: Path | str, split_weights: SplitWeights = "equal",
                    csv_encoding: str = "utf-8", progress: Progress | None = None) -> ReferenceReport:
    """Read the UNSD files among ``sources``, build ``hs_concordance`` (weights by ``split_weights``)
    and ``hs_bec``, check them against the contract, and write them with their provenance into
    ``raw/reference/`` (see the module docstring). ``csv_encoding``: of the raw root's customs CSV files
    (trade weights read the 2001 ones). Raises UnsdError, naming files, columns and rows, before
    anything is written."""
    from schemas.validate import RawValidationError, validate_frame

    check_literal("split_weights", split_weights, SplitWeights)
    t0 = time.perf_counter()
    progress = progress or (lambda msg: None)
    raw = Path(raw)
    report = ReferenceReport(str(raw.resolve()), split_weights)
    problems: list[str] = []
    tables: list[UnsdTable] = []
    files = unsd_files(sources)
    if not files:
        raise UnsdError([f"- no table file ({', '.join(FORMATS)}) under {[str(s) for s in sources]}"])
    for path in files:
        try:
            found = read_unsd_file(path)
        except UnsdError as err:
            problems.extend(err.problems)
            continue
        for t in found:
            progress(f"{t.name}: {t.describe()}")
        tables.extend(found)
    if problems:
        raise UnsdError(problems)

    use: dict[int, str] = {}
    chosen: dict[str, UnsdTable] = {}
    for version in LATER_VERSIONS:
        corr = _pick(tables, CORRELATION, version, problems)
        conv = _pick(tables, CONVERSION, version, problems)
        if corr is not None:
            chosen[version] = corr
            use[id(corr)] = "used: every link"
            if conv is not None:
                use[id(conv)] = f"not used: the correlation table of {version} holds every link"
        elif conv is not None:
            chosen[version] = conv
            use[id(conv)] = "used: one HS1996 code per source code"
            report.notes.append(f"{version}: only a conversion table ({conv.name}): its links are one-to-one, "
                                f"so split_weights has nothing to split; give the correlation table for every link")
        elif not any(t.kind in (CORRELATION, CONVERSION) and t.version == version for t in tables):
            problems.append(f"- no {version} -> HS1996 correlation (or conversion) table among the files; the "
                            f"contract's hs_concordance links HS2002, HS2007 and HS2012 to HS1996")
    bec96 = _pick(tables, HS_BEC, TARGET, problems)
    if bec96 is None and not any(t.kind == HS_BEC and t.version == TARGET for t in tables):
        problems.append("- no HS1996 -> BEC table among the files; the contract's hs_bec is keyed by HS1996 codes")
    if problems:
        raise UnsdError(problems)
    use[id(bec96)] = "used: one basic class per HS1996 code"
    for t in tables:
        if t.kind == HS_BEC and t.version != TARGET:
            use[id(t)] = "not used: the contract's hs_bec is keyed by HS1996 codes"
        elif t.kind == BEC_CLASSES:
            diff = bec_classes_differences(t)
            use[id(t)] = ("not used: end use follows METHOD §1, "
                          + ("which it restates" if not diff else f"from which it differs in {len(diff)} class(es)"))
            report.notes.extend(f"{t.name}: {d}; the end use follows METHOD §1" for d in diff)
    for t in tables:
        report.files.append(FileRead(t.name, label(t.kind, t.version), t.kind, t.version, len(t.rows), t.header_row,
                                     file_sha256(Path(t.path)), use.get(id(t), "not used")))

    # hs_concordance
    links = []
    for version in LATER_VERSIONS:
        lk, one_sided = links_of(chosen[version])
        links.append(lk)
        n = lk.groupby("from_hs6").size()
        report.links[version] = len(lk)
        report.source_codes[version] = len(n)
        report.one_to_many[version] = int((n > 1).sum())
        report.most_targets[version] = int(n.max()) if len(n) else 0
        report.one_sided_rows[version] = one_sided
    all_links = pd.concat(links, ignore_index=True)
    if split_weights == "trade":
        progress(f"trade weights: national imports of {WEIGHT_YEAR} from {raw / 'customs_transactions'}")
        imports, report.imports = national_imports(raw, WEIGHT_YEAR, csv_encoding)
        concordance, stats = trade_weights(all_links, imports)
        report.fallback_to_equal, report.zero_weight_links = stats.fallback, stats.zero_links
    else:
        concordance = equal_weights(all_links)

    # hs_bec
    hs_bec, left_out, several = choose_bec(bec96.rows)
    report.hs_bec_codes, report.hs_bec_several_classes, report.hs_bec_left_out = len(hs_bec), several, left_out

    try:
        concordance = validate_frame(concordance, "hs_concordance", source="hs_concordance built from the UNSD files")
        hs_bec = validate_frame(hs_bec, "hs_bec", source="hs_bec built from the UNSD files")
    except RawValidationError as err:  # a defect of this module, or of files no earlier rule caught
        raise UnsdError([f.describe() for f in err.failures]) from None

    report.built_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sources_used = [asdict(f) for f in report.files]
    for table, df in (("hs_concordance", concordance), ("hs_bec", hs_bec)):
        path = _replace_folder(raw, table, df.astype({c: str for c in df.columns if c != "weight"}))
        report.written.append(str(path))
    report.seconds = round(time.perf_counter() - t0, 2)
    common = {"built_by": "gvc reference --unsd", "built_at": report.built_at, "sources": sources_used}
    conc_record = {**common, "split_weights": split_weights, "links": report.links,
                   "one_to_many": report.one_to_many, "fallback_to_equal": report.fallback_to_equal,
                   "zero_weight_links": report.zero_weight_links, "imports": report.imports}
    bec_record = {**common, "rule": "one basic class per HS1996 code: the last listed, 7 only when alone; codes "
                                    "without a basic class left out; end use of METHOD §1",
                  "codes": report.hs_bec_codes, "several_classes": several, "left_out": left_out}
    for table, record in (("hs_concordance", conc_record), ("hs_bec", bec_record)):
        report.written.append(str(write_provenance(raw, table, record)))
    return report
