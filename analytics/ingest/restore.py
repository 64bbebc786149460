"""Codes restored on the way in: pure functions on text columns.

Each takes delivered text cells (None for missing) and returns the restored
column and, where a cell can fail, a boolean mask of the cells it could not
restore (the caller refuses those rows, naming the rule). Nothing is
guessed: a value outside a rule is refused, never dropped or mapped to a
default.

- HS codes: digits only; a 7-digit code (a number that lost its leading
  zero) is left-padded to 8. National codes (chapters 98-99) stay.
- Customs firm ids: trimmed; an all-digit id shorter than 10 characters
  gets its leading zeros back.
- Survey legal-person codes: trimmed, upper-cased (a check character ``x``
  is ``X``), an all-digit code shorter than 9 characters zero-padded.
- Region codes: a 12-digit code keeps its first 6 digits.
- Dates: ``YYYYMM``, ``YYYYMMDD``, ``YYYY-MM-DD``, ``YYYY.MM.DD``,
  ``YYYY/MM/DD`` or a Stata daily date (days since 1960-01-01); a bare
  year ``19xx``/``20xx`` (some vendors' date column of annual files) gives
  the year and no month.
- Names (firm names, legal representatives, applicants) are kept as
  delivered: METHOD §2 normalises them itself (NFKC, white space) and counts
  what only that reconciles; only a blank cell becomes NULL.
- Trade-mode names, partner countries, flows and patent-type labels through
  their tables (``codes.py``, the layout's ``values``).
- Patent type from the application number when no label is delivered:
  12-digit numbers (since October 2003) by their 5th digit, 8-digit numbers
  by their 3rd: 1 and 8 invention, 2 and 9 utility model, 3 design.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

STATA_EPOCH = pd.Timestamp("1960-01-01")
TYPE_DIGIT = {"1": "invention", "8": "invention", "2": "utility_model", "9": "utility_model", "3": "design"}


def text(s: pd.Series) -> pd.Series:
    """NFKC-normalised, trimmed text; blank cells None."""
    out = s.map(lambda x: None if x is None else unicodedata.normalize("NFKC", str(x)).strip(), na_action="ignore")
    out = out.where(out.notna() & (out != ""), None)
    return out.astype(object)


def as_delivered(s: pd.Series) -> pd.Series:
    """Text cells as delivered (no normalisation, no trimming); blank or white-space-only cells None."""
    out = s.map(lambda x: None if x is None or not str(x).strip() else str(x), na_action="ignore")
    out = out.astype(object)
    return out.where(out.notna(), None)


def digits(s: pd.Series) -> pd.Series:
    return text(s).str.replace(r"\D", "", regex=True)


def hs8(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(8-digit HS codes, cells padded from 7 digits, cells that are not 7 or 8 digits)."""
    d = digits(s)
    n = d.str.len()
    padded = (n == 7).fillna(False).astype(bool)
    out = d.where(~padded, d.str.zfill(8))
    bad = ~(n.isin([7, 8])).fillna(False).astype(bool)
    return out.where(~bad, None), padded, bad


def padded_id(s: pd.Series, width: int, upper: bool = False) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(ids of ``width`` characters, cells zero-padded, cells not ``width`` long after restoring)."""
    t = text(s).str.replace(r"\s", "", regex=True)
    if upper:
        t = t.str.upper()
    short_digits = (t.str.fullmatch(r"\d+") & (t.str.len() < width)).fillna(False).astype(bool)
    out = t.where(~short_digits, t.str.zfill(width))
    bad = ~(out.str.len() == width).fillna(False).astype(bool)
    return out, short_digits, bad


def region6(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(6-digit region codes, cells cut from 12 digits, cells that are neither 6 nor 12 digits)."""
    d = digits(s)
    n = d.str.len()
    cut = (n == 12).fillna(False).astype(bool)
    out = d.where(~cut, d.str[:6])
    bad = ~(n.isin([6, 12])).fillna(False).astype(bool)
    return out.where(~bad, None), cut, bad


def year_month(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(year, month, cells that are no date) from any delivered date spelling.

    A bare year (4 digits, 19xx or 20xx) gives the year and a NULL month: as a
    Stata daily date it would fall in 1965, a year no table holds."""
    t = text(s)
    year = pd.Series(pd.NA, index=s.index, dtype="Int64")
    month = pd.Series(pd.NA, index=s.index, dtype="Int64")
    sep = t.str.extract(r"^(\d{4})[-./](\d{1,2})(?:[-./](\d{1,2}))?(?:[ T].*)?$")
    d = t.where(t.str.fullmatch(r"\d+").fillna(False).astype(bool))
    six = d.str.len() == 6
    eight = d.str.len() == 8
    bare = d.str.fullmatch(r"(?:19|20)\d\d").fillna(False).astype(bool)
    stata = (d.str.len() <= 5) & ~bare
    for mask, y, m in (
        (sep[0].notna(), sep[0], sep[1]),
        (six.fillna(False), d.str[:4], d.str[4:6]),
        (eight.fillna(False), d.str[:4], d.str[4:6]),
    ):
        mask = mask.astype(bool)
        year[mask] = pd.to_numeric(y[mask]).astype("Int64")
        month[mask] = pd.to_numeric(m[mask]).astype("Int64")
    stata = stata.fillna(False).astype(bool)
    if stata.any():
        dates = STATA_EPOCH + pd.to_timedelta(pd.to_numeric(d[stata]).astype(float), unit="D")
        year[stata] = dates.dt.year.astype("Int64")
        month[stata] = dates.dt.month.astype("Int64")
    if bare.any():
        year[bare] = pd.to_numeric(d[bare]).astype("Int64")
    bad = (year.isna() | (~bare & ~month.between(1, 12).fillna(False))).astype(bool)
    return year.where(~bad), month.where(~bad), bad


def number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(floats, cells that are text but no number); thousands separators and spaces removed."""
    t = text(s)
    cleaned = t.str.replace(r"[,\s]", "", regex=True)
    out = pd.to_numeric(cleaned, errors="coerce").astype(float)
    bad = (t.notna() & out.isna()).astype(bool)
    return out, bad


def integer(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(nullable integers, cells that are no whole number)."""
    out, bad = number(s)
    frac = out.notna() & (out != np.round(out))
    return out.where(~frac).round().astype("Int64"), (bad | frac).astype(bool)


def mapped(s: pd.Series, mapping: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """(values through ``mapping`` (keys compared NFKC-trimmed), non-empty cells absent from it)."""
    keys = {unicodedata.normalize("NFKC", k).strip(): v for k, v in mapping.items()}
    t = text(s)
    out = t.map(keys)
    bad = (t.notna() & out.isna()).astype(bool)
    return out.astype(object).where(out.notna(), None), bad


def phone(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(phone numbers with only digits, dashes and spaces, cells that lost other characters)."""
    t = text(s)
    cleaned = t.str.replace(r"[^\d\- ]", "", regex=True).str.strip()
    changed = (t.notna() & (cleaned != t)).fillna(False).astype(bool)
    cleaned = cleaned.where(cleaned.notna() & (cleaned != ""), None)
    return cleaned, changed


def zip6(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(6-digit zip codes, non-empty cells that are not one: set NULL)."""
    d = digits(s)
    ok = (d.str.len() == 6).fillna(False).astype(bool)
    return d.where(ok, None), (d.notna() & ~ok).astype(bool)


def patent_type_from_number(application_id: pd.Series) -> pd.Series:
    """invention / utility_model / design from the application number's type digit (None when unknown)."""
    t = text(application_id).str.upper().str.replace(r"^CN", "", regex=True)
    body = t.str.split(".").str[0].str.replace(r"\D", "", regex=True)
    n = body.str.len()
    digit = body.str[4].where(n == 12, body.str[2].where(n == 8))
    return digit.map(TYPE_DIGIT).astype(object).where(lambda x: x.notna(), None)


def ipc_codes(main: pd.Series, all_codes: pd.Series | None) -> pd.Series:
    """``;``-joined IPC symbols, the main one first, each once, in the contract's ``H01L 21/02`` form."""

    def symbols(x) -> list[str]:
        if x is None:
            return []
        parts = [unicodedata.normalize("NFKC", p).strip().upper() for p in str(x).replace(",", ";").split(";")]
        out = []
        for p in parts:
            p = p.replace(" ", "")
            if len(p) > 4 and "/" in p:
                p = f"{p[:4]} {p[4:]}"
            if p:
                out.append(p)
        return out

    rest = all_codes if all_codes is not None else pd.Series(None, index=main.index, dtype=object)
    joined = [";".join(dict.fromkeys(symbols(m) + symbols(a))) or None for m, a in zip(main, rest)]
    return pd.Series(joined, index=main.index, dtype=object)
