"""A delivered chunk, renamed to the layout's canonical columns, becomes contract rows.

One function per table. Each restores codes (``restore.py``, ``codes.py``),
parses numbers, applies the layout's value maps and unit factors, and
records in a :class:`Tally`:

* **refused** cells (a rule they break, with the first rows): any refusal
  stops the ingest before anything is written;
* **restored** cells (padded HS codes and ids, 12-digit region codes cut,
  1994 and 2011 industry codes converted, re-imports, the aggregated
  processing label, ...), counted;
* **dropped** rows the contract cannot hold and the method leaves out
  (a patent whose address names no prefecture), counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from analytics.ingest import restore
from analytics.ingest.codes import Codes, vintage
from analytics.ingest.layouts import Layout
from schemas.raw import SURVEY_MONEY, SURVEY_PAYMENTS
from schemas.validate import MAX_ROWS_SHOWN, Failure

CUSTOMS_COLUMNS = ["year", "month", "customs_firm_id", "firm_name", "phone", "zip_code", "flow", "trade_regime",
                   "hs_code", "partner_country", "value_usd", "quantity", "unit"]
SURVEY_REQUIRED = ["year", "firm_id", "firm_name", "legal_rep", "phone", "zip_code", "city_code", "industry_code",
                   "year_established", "employment", "output", "sales", "export_delivery", "intermediate_inputs",
                   "fixed_assets", "total_assets", "paid_in_capital", "state_capital", "foreign_capital",
                   "hmt_capital", "wage_bill", "rd_expenditure", "subsidy"]
SURVEY_OPTIONAL = ["current_assets", "inventory", "finished_goods", "cost_of_sales", "welfare_payable",
                   "registration_type"]
PATENT_COLUMNS = ["application_id", "application_year", "patent_type", "applicant_name", "applicant_city_code",
                  "ipc_codes"]
COLUMNS = {"customs_transactions": CUSTOMS_COLUMNS, "firm_survey": SURVEY_REQUIRED + SURVEY_OPTIONAL,
           "patents": PATENT_COLUMNS}
FLOAT_COLUMNS = {"value_usd", "quantity", *SURVEY_MONEY, *SURVEY_PAYMENTS}
LABEL = "_label"  # the delivered patent-type label, kept until the year's records are merged
INT_COLUMNS = {"year", "month", "year_established", "employment", "application_year"}
FILE_YEAR = re.compile(r"(?<!\d)(199[89]|200\d|201[0-4])(?!\d)")


def file_year(path) -> int | None:
    """The 4-digit year (1998-2014) in a file's name, else in its folder's name."""
    for part in (path.stem, path.parent.name):
        found = FILE_YEAR.findall(part)
        if len(set(found)) == 1:
            return int(found[0])
    return None


@dataclass
class Tally:
    """What one delivered file gave: refusals, restorations and drops."""

    source: str
    failures: dict[tuple[str, str], Failure] = field(default_factory=dict)
    restored: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    unknown_trade_modes: Counter = field(default_factory=Counter)

    def refuse(self, column: str, rule: str, mask: pd.Series, rows: pd.DataFrame, detail: str = "") -> None:
        n = int(mask.sum())
        if not n:
            return
        shown = rows.loc[mask].head(MAX_ROWS_SHOWN)
        failure = Failure(self.source, column, rule, n, shown, detail)
        if (column, rule) in self.failures:
            self.failures[(column, rule)].merge(failure)
        else:
            self.failures[(column, rule)] = failure

    def count(self, what: str, mask: pd.Series, into: Counter | None = None) -> None:
        n = int(mask.sum())
        if n:
            (self.restored if into is None else into)[what] += n


def _text_or_none(df: pd.DataFrame, col: str) -> pd.Series:
    return restore.text(df[col]) if col in df.columns else pd.Series(None, index=df.index, dtype=object)


def _name_or_none(df: pd.DataFrame, col: str) -> pd.Series:
    """A name column as delivered (METHOD §2 normalises names, and counts what only that reconciles)."""
    return restore.as_delivered(df[col]) if col in df.columns else pd.Series(None, index=df.index, dtype=object)


def _numbers(df: pd.DataFrame, out: pd.DataFrame, cols, layout: Layout, tally: Tally, shown: pd.DataFrame) -> None:
    for col in cols:
        if col not in df.columns:
            out[col] = pd.Series(float("nan"), index=df.index)
            continue
        values, bad = restore.number(df[col])
        tally.refuse(col, "a number", bad, shown)
        out[col] = values * layout.units.get(col, 1.0)


def _mapped(df: pd.DataFrame, col: str, layout: Layout, tally: Tally, shown: pd.DataFrame) -> pd.Series:
    mapping = layout.values.get(col)
    if not mapping or col not in df.columns:
        return _text_or_none(df, col)
    values, bad = restore.mapped(df[col], mapping)
    tally.refuse(col, f"one of {sorted(mapping)} (layout {layout.name})", bad, shown)
    return values


def _phone_zip(df: pd.DataFrame, out: pd.DataFrame, tally: Tally) -> None:
    out["phone"], cleaned = restore.phone(_text_or_none(df, "phone"))
    tally.count("phone: characters other than digits, dashes and spaces removed", cleaned)
    out["zip_code"], not_zip = restore.zip6(_text_or_none(df, "zip_code"))
    tally.count("zip_code: not 6 digits, set NULL", not_zip)


def _year(df: pd.DataFrame, year: int | None, tally: Tally, shown: pd.DataFrame) -> pd.Series:
    if "year" in df.columns:
        years, bad = restore.integer(df["year"])
        tally.refuse("year", "a whole number", bad, shown)
        return years
    return pd.Series(year, index=df.index, dtype="Int64")


def customs(df: pd.DataFrame, layout: Layout, codes: Codes, year: int | None, tally: Tally) -> pd.DataFrame:
    shown = df
    out = pd.DataFrame(index=df.index)
    if "date" in df.columns:
        out["year"], out["month"], bad = restore.year_month(df["date"])
        tally.refuse("date", "a date (YYYYMM, YYYYMMDD, YYYY-MM-DD, YYYY.MM.DD, a Stata date or a bare year)", bad,
                     shown)
    else:
        out["year"] = _year(df, year, tally, shown)
        out["month"] = pd.Series(pd.NA, index=df.index, dtype="Int64")
    out["customs_firm_id"], padded, bad = restore.padded_id(df["customs_firm_id"], 10)
    empty = out["customs_firm_id"].isna()
    tally.count("customs_firm_id: leading zeros restored", padded)
    tally.count("customs_firm_id: empty, kept NULL (METHOD §0 drops the line)", empty)
    tally.refuse("customs_firm_id", "10 characters after restoring leading zeros", bad & ~empty, shown)
    out["firm_name"] = _name_or_none(df, "firm_name")
    _phone_zip(df, out, tally)
    out["flow"] = _mapped(df, "flow", layout, tally, shown)
    regime, unknown, aggregated = codes.trade_regime(df["trade_mode_name"])
    names = restore.text(df["trade_mode_name"])[unknown].fillna("<empty>")
    tally.unknown_trade_modes.update(names.tolist())
    tally.count("trade mode: aggregated label 加工贸易 mapped to 15 (processing with imported materials)", aggregated)
    delivered_mode = restore.text(df["trade_mode_name"])
    tally.count("trade mode: name -> 2-digit code",
                regime.notna() & ~delivered_mode.str.fullmatch(r"\d{1,2}").fillna(False).astype(bool))
    out["trade_regime"] = regime
    out["hs_code"], padded, bad = restore.hs8(df["hs_code"])
    tally.count("hs_code: 7 digits left-padded to 8", padded)
    tally.refuse("hs_code", "7 or 8 digits", bad, shown)
    iso, unknown, reimport, null_partner = codes.partner(df["partner"])
    tally.refuse("partner", "a customs country code or name in customs_countries", unknown, shown,
                 f"code table: {codes.sources.get('customs_countries') or 'none'}")
    tally.count("partner: 142 (China, re-imports) -> CHN, kept", reimport)
    tally.count("partner: unknown or residual code -> NULL", null_partner)
    delivered_partner = restore.text(df["partner"])
    by_code = delivered_partner.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    tally.count("partner: 3-digit customs code -> ISO3", iso.notna() & by_code)
    tally.count("partner: Chinese name -> ISO3", iso.notna() & ~by_code)
    out["partner_country"] = iso
    _numbers(df, out, ["value_usd", "quantity"], layout, tally, shown)
    out["unit"] = _text_or_none(df, "unit")
    return out[CUSTOMS_COLUMNS]


def survey(df: pd.DataFrame, layout: Layout, codes: Codes, year: int | None, tally: Tally) -> pd.DataFrame:
    shown = df
    out = pd.DataFrame(index=df.index)
    out["year"] = _year(df, year, tally, shown)
    out["firm_id"], padded, bad = restore.padded_id(df["firm_id"], 9, upper=True)
    tally.count("firm_id: leading zeros restored", padded)
    tally.refuse("firm_id", "9 characters (legal-person code)", bad, shown)
    out["firm_name"] = _name_or_none(df, "firm_name")
    out["legal_rep"] = _name_or_none(df, "legal_rep")
    _phone_zip(df, out, tally)
    city, cut, bad = restore.region6(df["city_code"])
    tally.count("city_code: 12-digit code cut to its first 6 digits", cut)
    tally.refuse("city_code", "6 or 12 digits", bad, shown)
    industry = pd.Series(None, index=df.index, dtype=object)
    for y in out["year"].dropna().unique():
        rows = (out["year"] == y).fillna(False).astype(bool)
        moved_city, moved = codes.prefecture_unit(city[rows], int(y))
        city[rows] = moved_city
        tally.count("city_code: moved to the prefecture holding it in the base year", moved)
        ind, converted, by_group, missing = codes.industry_2002(df.loc[rows, "industry_code"], int(y))
        industry[rows] = ind
        v = vintage(int(y))
        tally.count(f"industry_code: {v} code converted to GB/T 4754-2002", converted)
        tally.count(f"industry_code: {v} code not in industry_concordance, converted through its 3-digit group",
                    by_group)
        tally.refuse("industry_code", f"a {v} code (or its 3-digit group) listed in industry_concordance", missing,
                     shown.loc[rows],
                     f"code table: {codes.sources.get('industry_concordance') or 'none shipped or supplied'}")
    out["city_code"] = city
    out["industry_code"] = industry
    est, bad = restore.integer(_text_or_none(df, "year_established"))
    tally.refuse("year_established", "a whole number", bad, shown)
    zero = (est == 0).fillna(False).astype(bool)
    tally.count("year_established: 0 (missing) set NULL", zero)
    out["year_established"] = est.where(~zero)
    emp, bad = restore.integer(df["employment"])
    tally.refuse("employment", "a whole number", bad, shown)
    out["employment"] = emp
    money = [c for c in SURVEY_REQUIRED + SURVEY_OPTIONAL if c in FLOAT_COLUMNS]
    _numbers(df, out, money, layout, tally, shown)
    reg = restore.digits(_text_or_none(df, "registration_type"))
    not3 = (reg.notna() & (reg.str.len() != 3)).astype(bool)
    tally.count("registration_type: not 3 digits, set NULL", not3)
    out["registration_type"] = reg.where(~not3, None)
    return out[SURVEY_REQUIRED + SURVEY_OPTIONAL]


def _address_prefecture(address: pd.Series) -> pd.Series:
    """The prefecture code (``xxxx00``) an address names, via cpca; None without a prefecture."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca
    keep = address.notna()
    out = pd.Series(None, index=address.index, dtype=object)
    if keep.any():
        found = cpca.transform(address[keep].tolist())
        has_city = found["市"].notna().to_numpy()
        codes = found["adcode"].astype("string").str[:4] + "00"
        out[keep] = [c if ok else None for c, ok in zip(codes, has_city)]
    return out


def patents(df: pd.DataFrame, layout: Layout, codes: Codes, year: int | None, tally: Tally) -> pd.DataFrame:
    shown = df
    out = pd.DataFrame(index=df.index)
    out["application_id"] = restore.text(df["application_id"]).str.replace(r"\s", "", regex=True)
    out["application_year"], _, bad = restore.year_month(df["application_date"])
    tally.refuse("application_date", "a date (YYYY.MM.DD, YYYY-MM-DD, YYYYMMDD or a Stata date)", bad, shown)
    labelled = _mapped(df, "patent_type_label", layout, tally, shown)
    by_number = restore.patent_type_from_number(df["application_id"])
    out["patent_type"] = labelled.where(labelled.notna(), by_number)
    tally.count("patent_type: from the application number", (labelled.isna() & by_number.notna()))
    tally.refuse("patent_type", "a 专利类型 label, or an application number whose type digit is 1, 2, 3, 8 or 9",
                 out["patent_type"].isna(), shown)
    out["applicant_name"] = _name_or_none(df, "applicant_name")
    if "applicant_city_code" in df.columns:
        city, _, bad = restore.region6(df["applicant_city_code"])
        tally.refuse("applicant_city_code", "6 or 12 digits", bad & df["applicant_city_code"].notna(), shown)
    else:
        city = pd.Series(None, index=df.index, dtype=object)
    need = city.isna() & df.get("address", pd.Series(None, index=df.index)).notna()
    if need.any():
        city[need] = _address_prefecture(restore.text(df.loc[need, "address"]))
        tally.count("applicant_city_code: prefecture of the address", need & city.notna())
    out["applicant_city_code"] = city
    out["ipc_codes"] = restore.ipc_codes(df["ipc_main"], df.get("ipc_all"))
    no_city = out["applicant_city_code"].isna()
    tally.count("patents left out: the address names no prefecture", no_city, into=tally.dropped)
    # the delivered label rides along so that the same application published (发明公开) and granted (发明授权)
    # is told apart from a record delivered twice (run.py merges the one, drops the other)
    out[LABEL] = _text_or_none(df, "patent_type_label")
    return out.loc[~no_city, PATENT_COLUMNS + [LABEL]]


CONVERTERS = {"customs_transactions": customs, "firm_survey": survey, "patents": patents}
