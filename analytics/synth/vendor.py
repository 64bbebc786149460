"""``gvc synth --layout vendor``: the canonical world, written as its vendors deliver it.

The world is generated in the canonical layout first (same seed, same values:
``world.generate``), then each year of each raw table is rewritten into the
delivered layouts of ``analytics/ingest/layouts/`` under ``OUT/delivered/``,
with the column spellings of the layout files themselves (a column with
several spellings takes one by year, so every spelling appears over the
years). ``gvc ingest OUT/delivered --raw RAW`` gives the canonical tables back;
``OUT/reference/`` is the canonical reference folder as it is, and
``OUT/truth.json`` and ``OUT/truth/`` are the world's truth.

What is written
---------------
- customs 2000-2006 (``customs_2000_2006``): one CSV per month, Chinese
  headers, GBK where every cell is GBK, else GB18030; 2007-2014
  (``customs_2007_2014_dta``): one Stata file per month, format 117 (Stata
  13, before Unicode) with GB18030 bytes in names and strings. pyreadstat
  writes no such file (its writer refuses non-ASCII names before format 118
  and writes strings as UTF-8), so pandas writes format 117 with ASCII
  stand-in names and strings carried byte for byte, and the GB18030 names
  are put into the file's ``<varnames>`` block afterwards;
- the survey 1998-2007 (``asif_pinyin``): Stata format 118 (UTF-8); 2008-2014
  (``asif_chinese``): CSV, GBK or GB18030 as above;
- patents (``cnipa_list``): per application year a publication list (every
  application, GBK or GB18030 CSV) and a grant list (``发明授权``, UTF-8 CSV)
  holding the inventions whose serial number is even a second time.

Un-restorations (each undoes one restoration of ``gvc ingest``, through the
same code tables, ``analytics.ingest.codes.Codes``, inverted)
----------------------------------------------------------------------------
- HS codes as numbers: a code of chapters 01-09 loses its leading zero;
- flows as the layout's first delivered value (``出口``/``进口``; ``0``/``1``);
- trade regimes as their longest name in ``trade_mode_names`` (the full
  statistical name; never the aggregated ``加工贸易``); a code without a name
  is delivered as the code, which ingest passes;
- partners as the smallest customs code ingest reads as the ISO3 (Stata) or
  that code's first name (CSV); an unknown partner (NULL) as the smallest
  residual code (China: ``142``, its only code);
- customs firm ids as numbers in Stata (all-digit ids; a leading zero would
  be lost), as text in CSV;
- legal-person codes with a lower-case check character ``x`` and, when all
  digits, without leading zeros;
- the month as the date ``YYYYMM`` (``日期``, ``_日期``; a NULL month as
  the bare year);
- survey city codes as 12 digits (the 6 digits and ``000000``); a
  prefecture code that held county codes of another prefix that year as one
  of them, chosen by the firm's id (Chongqing's 500100 as a county ``5002xx``;
  ``county_of_the_time``), which ingest moves back; industry
  codes of 1998-2002 in GB/T 4754-1994 and of 2012-2014 in GB/T 4754-2011:
  the code ingest converts into the canonical one (the code itself where it
  maps to itself, else a listed code, else a code converted through its
  3-digit group; ties: the smallest); a NULL founding year as ``0`` in the
  Chinese-label files;
- patents: the application date ``YYYY.MM.DD`` (month and day from the
  serial number), IPC symbols in the vendor's spelling without the space
  (``H01L21/02``), the first one as ``主分类号``, all of them as ``分类号``;
  the patent type as its label (``发明公开``, ``实用新型``, ``外观设计``; the
  grant list ``发明授权``); the applicant's city code as 12 digits
  (``applicant_city_code``; an address gives only the prefecture) and the
  province (``国省代码``).

Exceptions: values no delivered form carries back
-------------------------------------------------
The generator writes a firm's region and industry codes as ingest gives
them back from a delivery of their year (``analytics/synth/vintages.py``), so
a generated world has none of the first two; a canonical root from elsewhere
may. Listed in ``OUT/delivery.json`` (table, year, column, rows, and per code
what ingest gives back) and checked by
``tests/integration/test_vendor_roundtrip.py``:

- survey ``city_code`` that ``admin_codes`` moves to the prefecture holding it
  in the base year (Chongqing's county codes 5002xx -> 500100, Chaohu's
  3414xx, ...): delivered as they are (6 digits); ingest moves them;
- survey ``industry_code`` of 1998-2002 or 2012-2014 that no code of the
  year's vintage converts into (per ``industry_concordance``: 1713 in both
  vintages, 2770 and 4320 in 1994's, 4012 in 2011's, ...): delivered by
  ``vintages.deliver_industry`` (as the vintage's code that splits into it:
  2011's 3921 for 4012, which comes back as 4011; else as the source of the
  nearest 2002 code: 2770 as 2750, which comes back as 2760);
- ``ipc_codes``: ingest writes every symbol in the contract's spaced form
  (``H01L 21/02``) and each once, so the symbols the canonical world writes
  without the space (about 8%) come back spaced, and a symbol listed twice
  comes back once (METHOD §4 removes white space before reading symbols);
- a partner ISO3 without a customs code: delivered as the ISO3 (ingest
  refuses it); none of the generator's partners lacks one.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import rawio
from analytics.ingest import restore
from analytics.ingest.codes import AGGREGATED_PROCESSING, Codes, vintage
from analytics.ingest.layouts import Layout, load_layouts
from analytics.synth.vintages import deliver_industry

Progress = Callable[[str], None]
DELIVERED = "delivered"
MANIFEST = "delivery.json"
FOLDERS = {"customs_transactions": "customs", "firm_survey": "survey", "patents": "patents"}
CUSTOMS_TEXT, CUSTOMS_STATA = "customs_2000_2006", "customs_2007_2014_dta"
SURVEY_STATA, SURVEY_TEXT = "asif_pinyin", "asif_chinese"
SURVEY_TEXT_FROM = 2008  # the common pinyin Stata versions run to 2007; Chinese label names after
PATENT_LIST = "cnipa_list"
GRANT_LABEL = "发明授权"  # the grant list's label of an invention (the publication list's is the layout's first)


# ---------------------------------------------------------------- un-restorations (pure)


def partner_codes(codes: Codes) -> dict[str | None, str]:
    """ISO3 (None: unknown partner) -> the smallest customs code ingest reads back as it."""
    out: dict[str | None, str] = {}
    for code, iso in sorted(codes.countries_by_code.items()):
        out.setdefault(iso, code)
    return out


def partner_names(codes: Codes) -> dict[str | None, str]:
    """ISO3 (None: unknown partner) -> the first name ``customs_countries`` gives it."""
    out: dict[str | None, str] = {}
    for name, iso in codes.countries_by_name.items():
        out.setdefault(iso, name)
    return out


def deliver_partner(iso3: pd.Series, table: dict[str | None, str]) -> tuple[pd.Series, pd.Series]:
    """(customs code or name, partners without one: left as the ISO3)."""
    out = iso3.map(lambda x: table.get(None if x is None or x is pd.NA or x != x else x))
    missing = out.isna()
    return out.where(~missing, iso3).astype(object), missing.astype(bool)


def trade_mode_names(codes: Codes) -> dict[str, str]:
    """2-digit code -> its longest name in ``trade_mode_names`` (never the aggregated 加工贸易)."""
    out: dict[str, str] = {}
    for name, code in codes.trade_modes.items():
        if name != AGGREGATED_PROCESSING and len(name) > len(out.get(code, "")):
            out[code] = name
    return out


def deliver_trade_mode(regime: pd.Series, names: dict[str, str]) -> pd.Series:
    """Trade-mode names; a code without a name stays the code (ingest passes 2-digit codes)."""
    return regime.map(names).where(lambda x: x.notna(), regime).astype(object)


def hs_number(hs8: pd.Series) -> pd.Series:
    """HS codes as numbers: a code of chapters 01-09 loses its leading zero."""
    return pd.to_numeric(hs8).astype("int64")


def region12(code6: pd.Series) -> pd.Series:
    """A 6-digit region code as the 12-digit one (the 6 digits and ``000000``)."""
    return (code6 + "000000").astype(object)


def county_of_the_time(code6: pd.Series, firm_id: pd.Series, year: int, codes: Codes) -> pd.Series:
    """For a prefecture code that holds, in ``year``, county codes of another prefix (Chongqing's counties
    ``5002xx`` in 500100; Chaohu's ``3414xx`` in Hefei, Wuhu and Ma'anshan before 2011), one of those
    codes, chosen by the firm's id; else NULL. A delivery of the time writes such a county code, and
    ingest moves it back to the prefecture (the canonical world writes the prefecture: vintages.py)."""
    none = pd.Series(None, index=code6.index, dtype=object)
    if codes.admin is None:
        return none
    t = codes.admin.astype({"code": str, "valid_from": "int64", "valid_to": "int64", "prefecture_base": str})
    t = t[(t["valid_from"] <= year) & (t["valid_to"] >= year)]
    t = t[(t["code"].str[:4] + "00" != t["prefecture_base"]) & (t["code"] != t["prefecture_base"])]
    held = t.groupby("prefecture_base")["code"].agg(sorted).to_dict()
    if not held:
        return none
    picks = [opts[zlib.crc32(str(f).encode()) % len(opts)] if (opts := held.get(c)) else None
             for c, f in zip(code6, firm_id)]
    return pd.Series(picks, index=code6.index, dtype=object)


def legal_person_code(ids: pd.Series) -> pd.Series:
    """Legal-person codes as vendors write them: check character lower-case, all-digit codes without leading
    zeros (ingest upper-cases and pads)."""
    low = ids.str.lower()
    digits = low.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return low.where(~digits, low.str.lstrip("0").replace("", "0")).astype(object)


def customs_id_number(ids: pd.Series) -> pd.Series:
    """Customs firm ids as numbers when every id is all digits (a leading zero is lost), else as text."""
    if ids.str.fullmatch(r"\d+").fillna(False).all():
        return pd.to_numeric(ids).astype("int64")
    return ids.where(~ids.str.fullmatch(r"\d+").fillna(False), ids.str.lstrip("0")).astype(object)


def yyyymm(year: pd.Series, month: pd.Series) -> pd.Series:
    """The date ``YYYYMM`` as a number; the bare year where the month is NULL."""
    y = year.astype("int64")
    m = month.astype("Int64")
    return (y * 100 + m.fillna(0).astype("int64")).where(m.notna(), y).astype("int64")


def ipc_vendor(ipc_codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(主分类号, 分类号): the symbols without the space, the first one alone and all of them ``;``-joined."""
    compact = ipc_codes.str.replace(" ", "", regex=False)
    return compact.str.split(";").str[0].astype(object), compact.astype(object)


def application_date(application_id: pd.Series, year: pd.Series) -> pd.Series:
    """``YYYY.MM.DD`` in the application year, month and day from the serial number."""
    serial = pd.to_numeric(application_id.str.split(".").str[0].str.replace(r"\D", "", regex=True))
    month = serial % 12 + 1
    day = serial % 28 + 1
    return (year.astype(str) + "." + month.map("{:02d}".format) + "." + day.map("{:02d}".format)).astype(object)


def first_value(layout: Layout, column: str) -> dict[str, str]:
    """Canonical value -> the layout's first delivered value for it (its value map inverted)."""
    out: dict[str, str] = {}
    for delivered, canonical in layout.values.get(column, {}).items():
        out.setdefault(canonical, delivered)
    return out


def spelling(layout: Layout, column: str, year: int) -> str:
    """The layout's spelling of ``column`` in ``year`` (each spelling in turn over the years)."""
    names = layout.columns[column]
    return names[year % len(names)]


# ---------------------------------------------------------------- what was written


@dataclass
class Lossy:
    """Cells of one table, year and column that ingest cannot give back as they were."""

    table: str
    year: int
    column: str
    why: str
    rows: int
    values: dict[str, str | None] = field(default_factory=dict)  # canonical -> what ingest gives back


@dataclass
class Delivery:
    out: str
    files: dict[str, list[dict]] = field(default_factory=dict)
    unrestored: dict[str, dict[str, int]] = field(default_factory=dict)
    lossy: list[Lossy] = field(default_factory=list)

    def add_file(self, table: str, path: Path, layout: str, fmt: str, rows: int, year: int) -> None:
        self.files.setdefault(table, []).append(
            {"file": str(path.relative_to(self.out)), "layout": layout, "format": fmt, "rows": rows, "year": year})

    def count(self, table: str, what: str, n: int) -> None:
        if n:
            per = self.unrestored.setdefault(table, {})
            per[what] = per.get(what, 0) + int(n)

    def lines(self) -> list[str]:
        out = []
        for table, files in self.files.items():
            formats = Counter((f["format"], f["layout"]) for f in files)
            years = sorted({f["year"] for f in files})
            out.append(f"  {DELIVERED}/{FOLDERS[table]:<9} {len(files):>4} files, {years[0]}-{years[-1]}: "
                       + "; ".join(f"{n} {fmt} ({lay})" for (fmt, lay), n in sorted(formats.items())))
        for table, counts in self.unrestored.items():
            out.append(f"  {table}: " + ", ".join(f"{what} {n:,}" for what, n in counts.items()))
        if self.lossy:
            by = Counter()
            for x in self.lossy:
                by[(x.table, x.column)] += x.rows
            out.append("  not carried back exactly (delivery.json lists them): "
                       + ", ".join(f"{t}.{c} {n:,} rows" for (t, c), n in sorted(by.items())))
        return out


# ---------------------------------------------------------------- file writers


def _text(df: pd.DataFrame) -> pd.DataFrame:
    """String columns as object with None for missing (for the writers)."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            s = out[col].astype(object)
            out[col] = s.where(s.notna(), None)
    return out


def write_csv(df: pd.DataFrame, path: Path, encoding: str | None = None) -> str:
    """CSV in ``encoding``; default GBK where every cell is GBK, else GB18030. Returns the encoding."""
    text = df.to_csv(index=False)
    if encoding is None:
        try:
            data, encoding = text.encode("gbk"), "GBK"
        except UnicodeEncodeError:
            data, encoding = text.encode("gb18030"), "GB18030"
    else:
        data = text.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return encoding


def write_stata_gb18030(df: pd.DataFrame, path: Path) -> None:
    """A Stata 13 (format 117) file whose names and strings are GB18030 bytes, as pre-Unicode Stata wrote them.

    pandas writes format 117 in latin-1, so a string decoded from its GB18030 bytes as latin-1 is written as
    exactly those bytes; the names are ASCII stand-ins, replaced in the ``<varnames>`` block (33 bytes each)."""
    names = [str(c).encode("gb18030") for c in df.columns]
    if any(len(n) > 32 for n in names):
        raise ValueError(f"Stata names are at most 32 bytes: {list(df.columns)}")
    frame = _text(df)
    frame.columns = [f"v{i}" for i in range(len(names))]
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = [("" if v is None else v).encode("gb18030").decode("latin-1") for v in frame[col]]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_stata(path, version=117, write_index=False)
    data = bytearray(path.read_bytes())
    start = data.index(b"<varnames>") + len(b"<varnames>")
    if data.index(b"</varnames>") - start != 33 * len(names):
        raise ValueError(f"{path}: unexpected <varnames> block")
    for i, name in enumerate(names):
        data[start + 33 * i:start + 33 * (i + 1)] = name.ljust(33, b"\0")
    path.write_bytes(bytes(data))


def write_stata_utf8(df: pd.DataFrame, path: Path) -> None:
    """A Stata 14 (format 118) file: UTF-8 names and strings."""
    frame = _text(df)
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].where(frame[col].notna(), "")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_stata(path, version=118, write_index=False)


# ---------------------------------------------------------------- tables


@dataclass
class Writer:
    """Rewrites one canonical year at a time into the delivered layouts."""

    out: Path
    codes: Codes
    layouts: dict[str, Layout]
    delivery: Delivery

    def __post_init__(self):
        self.modes = trade_mode_names(self.codes)
        self.partner_code = partner_codes(self.codes)
        self.partner_name = partner_names(self.codes)

    def _renamed(self, df: pd.DataFrame, layout: Layout, year: int) -> pd.DataFrame:
        unknown = [c for c in df.columns if c not in layout.columns]
        if unknown:
            raise ValueError(f"layout {layout.name} has no column {unknown}: the world cannot be delivered in it")
        return df.rename(columns={c: spelling(layout, c, year) for c in df.columns})

    def _lossy(self, table: str, year: int, column: str, why: str, canonical: pd.Series, back: pd.Series,
               mask: pd.Series) -> None:
        if mask.any():
            pairs = pd.DataFrame({"c": canonical[mask], "b": back[mask]}).drop_duplicates("c")
            values = {str(c): (None if b is None or b != b else str(b)) for c, b in zip(pairs["c"], pairs["b"])}
            self.delivery.lossy.append(Lossy(table, year, column, why, int(mask.sum()), dict(sorted(values.items()))))

    # ------------------------------------------------------------ customs

    def customs(self, df: pd.DataFrame, year: int) -> None:
        table = "customs_transactions"
        stata = year >= self.layouts[CUSTOMS_STATA].year_from
        layout = self.layouts[CUSTOMS_STATA if stata else CUSTOMS_TEXT]
        flows = first_value(layout, "flow")
        partner, no_code = deliver_partner(df["partner_country"], self.partner_code if stata else self.partner_name)
        self._lossy(table, year, "partner_country", "no customs code: delivered as the ISO3, which ingest refuses",
                    df["partner_country"], pd.Series(None, index=df.index, dtype=object), no_code)
        hs = hs_number(df["hs_code"])
        out = pd.DataFrame({
            "date": yyyymm(df["year"], df["month"]),
            "flow": df["flow"].map(flows),
            "customs_firm_id": customs_id_number(df["customs_firm_id"]) if stata else df["customs_firm_id"],
            "firm_name": df["firm_name"], "phone": df["phone"], "zip_code": df["zip_code"],
            "hs_code": hs if stata else hs.astype(str),
            "partner": pd.to_numeric(partner) if stata and not no_code.any() else partner,
            "trade_mode_name": deliver_trade_mode(df["trade_regime"], self.modes),
            "value_usd": df["value_usd"], "quantity": df["quantity"], "unit": df["unit"],
        })
        if stata:
            out["flow"] = pd.to_numeric(out["flow"]).astype("int64")
        d = self.delivery
        d.count(table, "HS codes delivered as numbers without their leading zero", (df["hs_code"].str[0] == "0").sum())
        d.count(table, "trade regimes delivered as names", df["trade_regime"].isin(list(self.modes)).sum())
        d.count(table, "partners delivered as customs codes" if stata else "partners delivered as Chinese names",
                (~no_code).sum())
        month = df["month"].astype("Int64")
        for m in sorted(month.dropna().unique().tolist()) + ([None] if month.isna().any() else []):
            rows = month.isna() if m is None else (month == m).fillna(False)
            part = self._renamed(out[rows.to_numpy()], layout, year)
            stamp = f"{year}" if m is None else f"{year}{int(m):02d}"
            if stata:
                path = self.out / FOLDERS[table] / str(year) / f"tradedata_{stamp}.dta"
                write_stata_gb18030(part, path)
                fmt = "Stata 117 .dta, GB18030"
            else:
                path = self.out / FOLDERS[table] / str(year) / f"海关进出口_{stamp}.csv"
                fmt = f"CSV, {write_csv(part, path)}"
            d.add_file(table, path, layout.name, fmt, len(part), year)

    # ------------------------------------------------------------ survey

    def survey(self, df: pd.DataFrame, year: int) -> None:
        table = "firm_survey"
        text = year >= SURVEY_TEXT_FROM
        layout = self.layouts[SURVEY_TEXT if text else SURVEY_STATA]
        out = df.copy()
        out["firm_id"] = legal_person_code(df["firm_id"])
        back, moved = self.codes.prefecture_unit(df["city_code"], year)
        self._lossy(table, year, "city_code", "admin_codes moves the code to the prefecture holding it in the "
                    "base year: delivered as it is", df["city_code"], back, moved)
        of_the_time = county_of_the_time(df["city_code"], df["firm_id"], year, self.codes).where(~moved)
        out["city_code"] = region12(df["city_code"].where(of_the_time.isna(), of_the_time)).where(~moved, df["city_code"])
        industry, lossy = deliver_industry(df["industry_code"], year, self.codes)
        if lossy.any():
            back, _, _, refused = self.codes.industry_2002(industry[lossy], year)
            back = back.where(~refused, None)
            self._lossy(table, year, "industry_code", f"no {vintage(year)} code converts into it",
                        df["industry_code"], back.reindex(df.index), lossy)
        out["industry_code"] = industry
        if text and "year_established" in out:  # 0 = missing in the Chinese-label files
            out["year_established"] = df["year_established"].astype("Int64").fillna(0).astype("int64")
        d = self.delivery
        d.count(table, "city codes delivered as 12 digits", (~moved).sum())
        d.count(table, "prefecture codes delivered as a county code of the time, which ingest moves back",
                of_the_time.notna().sum())
        d.count(table, f"industry codes delivered in {vintage(year)}",
                (industry != df["industry_code"]).sum() if vintage(year) else 0)
        d.count(table, "legal-person codes with a lower-case check character",
                (out["firm_id"] != df["firm_id"]).sum())
        part = self._renamed(out, layout, year)
        if text:
            path = self.out / FOLDERS[table] / f"工业企业_{year}.csv"
            fmt = f"CSV, {write_csv(part, path)}"
        else:
            path = self.out / FOLDERS[table] / f"asif{year}.dta"
            write_stata_utf8(part, path)
            fmt = "Stata 118 .dta, UTF-8"
        d.add_file(table, path, layout.name, fmt, len(part), year)

    # ------------------------------------------------------------ patents

    def patents(self, df: pd.DataFrame, year: int) -> None:
        table = "patents"
        layout = self.layouts[PATENT_LIST]
        labels = first_value(layout, "patent_type_label")
        if layout.values["patent_type_label"].get(GRANT_LABEL) != "invention":
            raise ValueError(f"layout {layout.name} does not read {GRANT_LABEL} as an invention")
        main, every = ipc_vendor(df["ipc_codes"])
        out = pd.DataFrame({
            "application_id": df["application_id"],
            "application_date": application_date(df["application_id"], df["application_year"]),
            "ipc_main": main, "ipc_all": every,
            "applicant_name": df["applicant_name"],
            "province_code": df["applicant_city_code"].str[:2],
            "patent_type_label": df["patent_type"].map(labels),
            "applicant_city_code": region12(df["applicant_city_code"]),
        })
        back = restore.ipc_codes(main, every)
        changed = back != df["ipc_codes"]
        if changed.any():
            self.delivery.lossy.append(Lossy(table, year, "ipc_codes", "ingest spells every symbol with the space "
                                             "and lists it once", int(changed.sum())))
        serial = pd.to_numeric(df["application_id"].str.split(".").str[0].str.replace(r"\D", "", regex=True))
        granted = (df["patent_type"] == "invention") & (serial % 2 == 0)
        grants = out[granted.to_numpy()].assign(patent_type_label=GRANT_LABEL)
        d = self.delivery
        d.count(table, "applications also in the grant list (发明授权)", granted.sum())
        d.count(table, "applicant city codes delivered as 12 digits", len(df))
        for name, part, enc in ((f"专利申请_{year}.csv", out, None), (f"发明授权_{year}.csv", grants, "utf-8")):
            if len(part):
                path = self.out / FOLDERS[table] / name
                fmt = f"CSV, {write_csv(self._renamed(part, layout, year), path, enc)}"
                d.add_file(table, path, layout.name, fmt.replace("utf-8", "UTF-8"), len(part), year)


WRITERS = {"customs_transactions": Writer.customs, "firm_survey": Writer.survey, "patents": Writer.patents}


def write_delivery(canonical: Path | str, out: Path | str, tables: tuple[str, ...] = tuple(WRITERS),
                   years: list[int] | None = None, progress: Progress | None = None) -> Delivery:
    """Rewrite the canonical raw root ``canonical`` into the delivered layouts under ``out`` (a year of one
    table at a time); write ``out/delivery.json``."""
    say = progress or (lambda _m: None)
    canonical, out = Path(canonical), Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    delivery = Delivery(str(out))
    writer = Writer(out, Codes.load(), load_layouts(), delivery)
    for table in tables:
        for year in rawio.years_present(canonical, table):
            if years is not None and year not in years:
                continue
            df = rawio.read_year(canonical, table, year)
            WRITERS[table](writer, df, year)
            say(f"vendor layout: {table} {year}: {len(df):,} rows")
    (out / MANIFEST).write_text(json.dumps(asdict(delivery), ensure_ascii=False, indent=1, default=str),
                                encoding="utf-8")
    return delivery


def generate_vendor(out: Path | str, progress: Progress | None = None, **generate_kw) -> dict:
    """``world.generate`` into a folder beside ``out``, then the delivery into ``out/delivered``, the canonical
    reference folder into ``out/reference`` and the truth into ``out/truth.json`` and ``out/truth/``."""
    from analytics.synth.world import generate

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.canonical-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        summary = generate(work, progress=progress, **generate_kw)
        delivery = write_delivery(work, out / DELIVERED, progress=progress)
        for name in ("reference", "truth", "truth.json"):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            shutil.move(str(work / name), str(target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary["delivery"] = delivery
    return summary
