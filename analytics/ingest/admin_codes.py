"""Administrative codes of 1998-2014 -> the prefecture that holds each code in the base year.

Firm records carry a 6-digit administrative code (county or prefecture level;
12-digit codes are read by their first 6 digits). Prefectures were abolished,
re-coded or re-drawn over the sample (e.g. prefecture 341400 Chaohu, dissolved
in 2011 into Hefei 340100, Wuhu 340200 and Ma'anshan 340500), so the pipeline
maps every code to one city unit: the prefecture holding it in the base year.

Input: the Ministry of Civil Affairs' yearly code lists and the change files
between consecutive years, in their published ``area-diff`` layout (a CC0
public collection): ``data/YYYY.txt`` (``code name`` per line, the state at 31
December of YYYY) and ``diff/YYYY-YYYY.diff`` (old -> new relations; the
format is described in ``diff-spec.md`` beside them).

The method (``build_admin_codes``):

1. **Follow each code forward** year by year to the base year. A code keeps
   itself while it is listed the next year, unless a deletion line (``-``)
   sends it elsewhere; a deleted code goes to the records its deletion line
   selects in the next year's list (``.`` same code, ``_`` same name, ``..``
   the parent's code, a name; ``?`` disables a selector, ``!`` is a confirmed
   one). Transfer lines (``=``: part of an area handed over) keep the code.
2. **One successor per code** (a deletion line may list several):

   - a county-level code (or a prefecture-level one with an attribute) goes to
     the successor it became: the successor with its own code, else with its
     own name, else with its name stem (the name without its final 县, 市, 区
     or 旗: 曲江县 -> 曲江区), else the first one listed in its attribute;
   - a prefecture-level code deleted without an attribute (its area is its
     children's: a dissolved or re-coded prefecture) goes to the prefecture
     that receives its **seat**: its first district (smallest child code ending
     01-20 whose name ends in 区) in the last year it is listed; a prefecture
     without districts (a 地区, 盟 or 自治州) goes to the base-year prefecture
     holding **most of its county-level children** that year, ties to the
     smallest code. 341400 Chaohu -> its seat 居巢区 became county-level
     巢湖市 340181 under Hefei -> 340100.

3. **The base-year unit** of a base-year code: the prefecture-level record
   with its first four digits + ``00``. Following the project's
   ``reference/cities`` (``analytics/synth/catalogue.py``: a city is a
   prefecture, 6 digits ending ``00``; the municipalities are the single units
   110100 北京, 120100 天津, 310100 上海, 500100 重庆, Chongqing's 500200 县 is
   folded into 500100; the province-administered 4 digits ``xx90`` are no
   prefecture):

   - **municipalities**: every code of provinces 11, 12, 31 and 50, their
     province records 110000, 120000, 310000, 500000 included, maps to
     ``xx0100``;
   - **province-administered county-level units** (a county-level code with no
     prefecture record of its first four digits outside the municipalities:
     419001 济源, 4290xx 仙桃 ..., 4690xx in Hainan, 6590xx in Xinjiang) are
     their own unit: ``prefecture_base`` is their own code (not ``xx9000``,
     which is no unit). They are the only ``prefecture_base`` values not ending
     in ``00``;
   - ordinary province records (and 710000, 810000, 820000) are held by no
     prefecture and are left out of the table; ``prefecture_of`` gives them NULL.

A code has one row per run of consecutive listed years; a run also ends where
a deletion line sends a still-listed code to another record (a code re-used
for another unit). In the 1998-2014 lists every code has a single run. Only
``prefecture_changes`` rows are shipped (the seed ``admin_codes``). Everything
here is pure: no global state, no dagster.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: province (first 2 digits) -> the single prefecture unit of a municipality
MUNICIPALITIES: dict[str, str] = {"11": "110100", "12": "120100", "31": "310100", "50": "500100"}
ROOT = "000000"  # the spec's root record (the whole country); in no yearly list

_CHANGE = re.compile(r"^([-+=])(\d{6}) ([^<>\s]+)(?:([<>])(.*))?$")
_STEM_SUFFIXES = ("县", "市", "区", "旗")
TABLE_COLUMNS = ["code", "valid_from", "valid_to", "prefecture_base"]


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def read_code_lists(folder: Path) -> pd.DataFrame:
    """Every yearly list ``data/YYYY.txt`` as (year int, code str, name str)."""
    frames = []
    for path in sorted(Path(folder, "data").glob("[0-9][0-9][0-9][0-9].txt")):
        rows = [line.split(maxsplit=1) for line in path.read_text("utf-8").splitlines() if line.strip()]
        df = pd.DataFrame(rows, columns=["code", "name"], dtype=str)
        frames.append(df.assign(year=int(path.stem)))
    if not frames:
        raise FileNotFoundError(f"no yearly code list data/YYYY.txt in {folder}")
    out = pd.concat(frames, ignore_index=True)[["year", "code", "name"]]
    out["name"] = out["name"].str.strip()
    return out.sort_values(["year", "code"], kind="mergesort").reset_index(drop=True)


@dataclass(frozen=True)
class _Listing:
    """One yearly list, for resolving record selectors."""

    names: dict[str, str]  # code -> name
    by_name: dict[str, list[str]]  # name -> codes

    @classmethod
    def of(cls, codes: pd.DataFrame) -> _Listing:
        names = dict(zip(codes["code"], codes["name"], strict=True))
        by_name: dict[str, list[str]] = {}
        for code, name in sorted(names.items()):
            by_name.setdefault(name, []).append(code)
        return cls(names, by_name)

    def parent(self, code: str) -> str:
        """The spec's parent: the prefecture record of a county, else the province, else the root."""
        if code == ROOT or code[2:] == "0000":
            return ROOT
        if code[4:] != "00" and code[:4] + "00" in self.names:
            return code[:4] + "00"
        return code[:2] + "0000"

    def name(self, code: str) -> str:
        return "中华人民共和国" if code == ROOT else self.names.get(code, "")


def _select(value: str, code: str, own: _Listing, other: _Listing) -> str:
    """The record of ``other`` a selector picks for the line of record ``code`` (listed in ``own``).

    Raises ValueError when the selection is not unique (the spec says stop)."""
    if value == ".":
        if code in other.names:
            return code
        raise ValueError("'.': the code is not in the other list")
    if value == "..":
        parent = own.parent(code)
        if parent == ROOT or parent in other.names:
            return parent
        raise ValueError(f"'..': parent {parent} is not in the other list")
    wanted = own.name(code) if value == "_" else value
    hits = other.by_name.get(wanted, [])
    if len(hits) == 1:
        return hits[0]
    if hits:  # ambiguous: qualify with the current record's parent name
        wanted = own.name(own.parent(code)) + wanted
    # the records named by a prefix of the value: there must be exactly one
    marked = {(i, c) for i in range(1, len(wanted)) for c in other.by_name.get(wanted[:i], [])}
    if len(marked) != 1:
        raise ValueError(f"{value!r}: {len(marked)} records match a prefix of {wanted!r}")
    (size, anchor), = marked
    hits = [c for c in other.by_name.get(wanted[size:], []) if other.parent(c) == anchor]
    if len(hits) != 1:
        raise ValueError(f"{value!r}: {len(hits)} records named {wanted[size:]!r} under {anchor}")
    return hits[0]


def _parse_diff(text: str) -> list[tuple[str, str, str, str, list[str], str]]:
    """The change lines of one diff: (line type, code, name, '<'/'>'/'', selectors, approval title)."""
    out, title, in_comment = [], "", False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if not in_comment:
                title, in_comment = line.lstrip("#").strip(), True
            continue
        in_comment = False
        m = _CHANGE.match(line)
        if m is None:
            raise ValueError(f"not an area-diff change line: {raw!r}")
        kind, code, name, direction, attr = m.groups()
        selectors = [s for s in (attr or "").split(",") if s] if direction else []
        out.append((kind, code, name, direction or "", selectors, title))
    return out


def read_changes(folder: Path) -> pd.DataFrame:
    """Every old -> new relation of ``diff/*.diff``, selectors resolved against the yearly lists.

    Columns: year_from, year_to, line (``-`` deletion, ``+`` addition, ``=``
    transfer), code and name (the line's own record), old_code (listed in
    year_from), new_code (listed in year_to), selector (as written), position
    (its rank in the line's attribute, 0 first), approval (the title of the
    change description). A deletion (addition) line without attribute is a
    record with children whose area is its children's: one row with
    new_code (old_code) NULL. Disabled selectors (``?``) are dropped; the
    ``!`` flag is removed from the selector. Raises ValueError on a line the
    format does not allow or a selector that selects no unique record.
    """
    lists = read_code_lists(folder)
    listings = {y: _Listing.of(g) for y, g in lists.groupby("year")}
    rows = []
    for path in sorted(Path(folder, "diff").glob("*.diff")):
        y0, y1 = (int(p) for p in path.stem.split("-"))
        if y0 not in listings or y1 not in listings:
            continue
        for kind, code, name, direction, selectors, title in _parse_diff(path.read_text("utf-8")):
            backwards = direction == "<" or (kind == "+" and not direction)
            own, other = (listings[y1], listings[y0]) if backwards else (listings[y0], listings[y1])
            base = {"year_from": y0, "year_to": y1, "line": kind, "code": code, "name": name,
                    "approval": title}
            if not selectors:
                rows.append({**base, "old_code": None if backwards else code,
                             "new_code": code if backwards else None, "selector": "",
                             "position": pd.NA})
                continue
            for pos, sel in enumerate(selectors):
                if sel.endswith("?"):
                    continue
                sel = sel.removesuffix("!")
                try:
                    hit = _select(sel, code, own, other)
                except ValueError as err:
                    raise ValueError(f"{path.name}: {kind}{code} {name}: {err}") from None
                rows.append({**base, "old_code": hit if backwards else code,
                             "new_code": code if backwards else hit, "selector": sel,
                             "position": pos})
    cols = ["year_from", "year_to", "line", "code", "name", "old_code", "new_code", "selector",
            "position", "approval"]
    out = pd.DataFrame(rows, columns=cols)
    out["position"] = out["position"].astype("Int64")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------


def _stem(name: str) -> str:
    return name[:-1] if len(name) > 2 and name.endswith(_STEM_SUFFIXES) else name


def _successor(old: str, old_name: str, rel: pd.DataFrame, names: dict[str, str]) -> str:
    """The one successor of a deleted code among its relations ``rel`` (see the module doc)."""
    new = rel.sort_values("position", kind="mergesort")["new_code"].tolist()
    for same in (
        lambda c: c == old,
        lambda c: names.get(c) == old_name,
        lambda c: _stem(names.get(c, "")) == _stem(old_name),
    ):
        hit = [c for c in new if same(c)]
        if hit:
            return hit[0]
    return new[0]


def _base_unit(code: str, listing: _Listing) -> str | None:
    """The unit holding a base-year code (module doc, step 3); None for an ordinary province."""
    if code[:2] in MUNICIPALITIES:
        return MUNICIPALITIES[code[:2]]
    if code[2:] == "0000":
        return None
    if code[4:] == "00":
        return code
    parent = listing.parent(code)
    return parent if parent[2:] != "0000" else code


def _seat_or_majority(children: dict[str, str | None], names: dict[str, str]) -> str | None:
    """The base prefecture of a dissolved prefecture from its children's (child -> base prefecture)."""
    districts = sorted(
        c for c in children if "01" <= c[4:] <= "20" and names.get(c, "").endswith("区")
    )
    if districts and children[districts[0]] is not None:
        return children[districts[0]]
    votes = Counter(p for p in children.values() if p is not None)
    if not votes:
        return None
    top = max(votes.values())
    return min(p for p, n in votes.items() if n == top)


def build_admin_codes(folder: Path, base_year: int = 2014) -> pd.DataFrame:
    """(code, valid_from, valid_to, prefecture_base): every code listed in any year up to base_year.

    One row per code and run of consecutive listed years (valid_from/valid_to
    the first/last year of the run); prefecture_base the base-year unit that
    holds it, by the rules of the module doc. Ordinary province records are left
    out. Raises ValueError when a code vanishes without a deletion line, or a
    successor is not listed the next year.
    """
    lists = read_code_lists(folder)
    lists = lists[lists["year"] <= base_year]
    years = sorted(lists["year"].unique().tolist())
    if not years or years[-1] != base_year:
        raise ValueError(f"no code list for the base year {base_year}")
    if years != list(range(years[0], base_year + 1)):
        raise ValueError(f"the yearly lists are not consecutive: {years}")
    listings = {y: _Listing.of(g) for y, g in lists.groupby("year")}
    changes = read_changes(folder)
    deletions = changes[(changes["line"] == "-") & changes["year_to"].le(base_year)]

    # pref[y][code]: the base-year unit of a code listed in year y; next_[y][code]: its successor in y+1
    pref: dict[int, dict[str, str | None]] = {
        base_year: {c: _base_unit(c, listings[base_year]) for c in listings[base_year].names}
    }
    next_: dict[int, dict[str, str]] = {}
    for y in reversed(years[:-1]):
        now, later = listings[y], listings[y + 1]
        gone = {c: g for c, g in deletions[deletions["year_from"] == y].groupby("code")}
        step: dict[str, str] = {}
        dissolved = []
        for code, name in now.names.items():
            rel = gone.get(code)
            if rel is None or rel["new_code"].isna().all():
                if code in later.names:
                    step[code] = code
                elif rel is not None and code[4:] == "00":
                    dissolved.append(code)
                else:
                    raise ValueError(f"{code} {name} listed in {y}, not in {y + 1}, no deletion line")
            else:
                step[code] = _successor(code, name, rel.dropna(subset=["new_code"]), later.names)
        pref[y] = {c: pref[y + 1][s] for c, s in step.items()}
        for code in dissolved:
            children = {c: pref[y][c] for c in now.names if c[:4] == code[:4] and c != code}
            pref[y][code] = _seat_or_majority(children, now.names)
        next_[y] = step

    rows = []
    for code in sorted(lists["code"].unique()):
        listed = [y for y in years if code in listings[y].names]
        start = listed[0]
        for i, y in enumerate(listed):
            last = i == len(listed) - 1 or listed[i + 1] != y + 1 or next_[y].get(code) != code
            if last:
                rows.append((code, start, y, pref[y][code]))
                if i + 1 < len(listed):
                    start = listed[i + 1]
    out = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    out = out[out["prefecture_base"].notna()]
    out = out.astype({"code": str, "valid_from": "int64", "valid_to": "int64", "prefecture_base": str})
    return out.sort_values(["code", "valid_from"], kind="mergesort").reset_index(drop=True)


def prefecture_changes(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a user needs shipped (the seed ``admin_codes``).

    Every code whose prefecture_base differs from its own first 4 digits +
    ``00`` (abolished, moved or re-coded codes, the municipalities' codes
    outside ``xx01``, the province-administered units), every prefecture-level
    code (ending ``00``), and every other span of those codes (so the nearest
    span ``prefecture_of`` falls back to is the same as in the full table).
    ``prefecture_of`` gives the same answer on this restriction as on the full
    table: any other code is its own first 4 digits + ``00``.
    """
    own = table["code"].str[:4] + "00"
    keep = (table["prefecture_base"] != own) | (table["code"].str[4:] == "00")
    out = table[table["code"].isin(table.loc[keep, "code"])]
    out = out[TABLE_COLUMNS].sort_values(["code", "valid_from"], kind="mergesort")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------
# lookup
# ---------------------------------------------------------------------------


def prefecture_of(codes: pd.Series, years: pd.Series, table: pd.DataFrame) -> pd.Series:
    """The base-year prefecture of each (code, year); NULL when unknown.

    ``codes``: administrative codes as strings (12-digit ones are read by their
    first 6 digits). A code in ``table`` takes the prefecture_base of its span
    with valid_from <= year <= valid_to, else of its nearest span (ties: the
    earlier). A code absent from ``table`` falls back to its first 4 digits +
    ``00`` (``xx0100`` in a municipality) only if that is one of the table's
    base-year prefectures; otherwise, and when the code or the year is missing,
    NULL (the caller counts them). Works on the full table and on the seed alike.
    Vectorised: the lookup runs once per distinct (code, year).
    """
    code6 = codes.astype("str").str.strip().str[:6].where(codes.notna())
    year = pd.to_numeric(years, errors="coerce").to_numpy(dtype="float64")
    if len(year) != len(code6):
        raise ValueError("codes and years differ in length")
    code_id, uniq = pd.factorize(code6, use_na_sentinel=True)
    pairs = pd.DataFrame({"cid": code_id, "year": year})
    valid = (code_id >= 0) & ~np.isnan(year)
    keys = pairs[valid].drop_duplicates()
    keys = keys.assign(code=np.asarray(uniq, dtype=object)[keys["cid"].to_numpy()])

    t = table[TABLE_COLUMNS].astype(
        {"code": str, "valid_from": "int64", "valid_to": "int64", "prefecture_base": str}
    )
    hit = keys.merge(t, on="code", how="inner")
    lo, hi = hit["valid_from"].to_numpy(float), hit["valid_to"].to_numpy(float)
    y = hit["year"].to_numpy()
    hit = hit.assign(dist=np.where(y < lo, lo - y, np.where(y > hi, y - hi, 0.0)))
    hit = hit.sort_values(["cid", "year", "dist", "valid_from"], kind="mergesort")
    found = hit.drop_duplicates(["cid", "year"])[["cid", "year", "prefecture_base"]]

    prefectures = set(t["prefecture_base"])
    fallback = keys["code"].str[:4] + "00"
    city = keys["code"].str[:2].map(MUNICIPALITIES)
    fallback = fallback.where(city.isna(), city)
    keys = keys.assign(fallback=fallback.where(fallback.isin(prefectures)))
    keys = keys.merge(found, on=["cid", "year"], how="left")
    keys["prefecture_base"] = keys["prefecture_base"].fillna(keys["fallback"])

    out = pairs.merge(keys[["cid", "year", "prefecture_base"]], on=["cid", "year"], how="left")
    result = out["prefecture_base"].where(valid)
    return pd.Series(result.to_numpy(), index=codes.index, name="prefecture_base", dtype="str")
