"""The code tables the ingest restores delivered codes through.

``trade_mode_names`` (name, trade_regime), ``customs_countries`` (code,
name_zh, iso3), ``industry_concordance`` (from_vintage, from_code, code_2002,
weight) and ``admin_codes`` (code, valid_from, valid_to, prefecture_base):
from the target raw root's ``reference/<table>/`` when the user supplies one,
else the project's dbt seed of that name (``dbt_project/seeds/``). They are
data, never code: a new trade-mode name or a missing country is a CSV row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from analytics.ingest import restore
from analytics.rawio import read_reference, table_files
from schemas.raw import NON_MANUFACTURING_DIVISIONS

T = TypeVar("T")
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
TABLES = ("trade_mode_names", "customs_countries", "industry_concordance", "admin_codes")
AGGREGATED_PROCESSING = "加工贸易"  # one vendor's 2007-2011 label for every processing mode
REIMPORT = "142"  # China itself: goods re-imported
VINTAGE_1994, VINTAGE_2011 = "GB/T 4754-1994", "GB/T 4754-2011"


def vintage(year: int) -> str | None:
    """The industry-code vintage a survey year reports in (None: GB/T 4754-2002 itself)."""
    if year <= 2002:
        return VINTAGE_1994
    if year >= 2012:
        return VINTAGE_2011
    return None


def _key(x: str) -> str:
    return unicodedata.normalize("NFKC", str(x)).strip()


def _read(raw: Path | None, table: str) -> tuple[pd.DataFrame | None, str]:
    if raw is not None and table_files(raw / "reference", table):
        return read_reference(raw, table), f"{raw}/reference/{table}"
    seed = SEEDS / f"{table}.csv"
    if seed.exists():
        return pd.read_csv(seed, dtype=str, keep_default_na=False, na_values=[""]), f"the project's seed {table}.csv"
    return None, ""


@dataclass(frozen=True)
class Codes:
    trade_modes: dict[str, str]
    countries_by_code: dict[str, str | None]
    countries_by_name: dict[str, str | None]
    concordance: pd.DataFrame | None
    admin: pd.DataFrame | None
    sources: dict[str, str]
    # tables derived from the ones above, each built once (memo): never part of equality or repr
    _derived: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: Any, build: Callable[[], T]) -> T:
        """``build()``, a pure function of these code tables, once per ``key``
        (e.g. the concordance's targets of one vintage). Treat the result as
        read-only: later calls return the same object."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    @classmethod
    def load(cls, raw: Path | str | None = None) -> Codes:
        raw = Path(raw) if raw is not None else None
        frames, sources = {}, {}
        for t in TABLES:
            frames[t], sources[t] = _read(raw, t)
        modes = frames["trade_mode_names"]
        countries = frames["customs_countries"]
        by_code: dict[str, str | None] = {}
        by_name: dict[str, str | None] = {}
        if countries is not None:
            for code, name, iso in countries[["code", "name_zh", "iso3"]].itertuples(index=False):
                iso = None if pd.isna(iso) else iso
                by_code[_key(code).zfill(3)] = iso
                by_name[_key(name)] = iso
        conc = frames["industry_concordance"]
        if conc is not None:
            conc = conc.assign(weight=pd.to_numeric(conc["weight"]))
        admin = frames["admin_codes"]
        if admin is not None:
            admin = admin.assign(valid_from=pd.to_numeric(admin["valid_from"]).astype(int),
                                 valid_to=pd.to_numeric(admin["valid_to"]).astype(int))
        return cls(
            trade_modes={} if modes is None else {_key(n): _key(c).zfill(2) for n, c in
                                                  modes[["name", "trade_regime"]].itertuples(index=False)},
            countries_by_code=by_code, countries_by_name=by_name, concordance=conc, admin=admin,
            sources=sources,
        )

    # ---------------------------------------------------------------- customs

    def trade_regime(self, names: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
        """(2-digit codes, names absent from trade_mode_names, the aggregated label 加工贸易).
        A delivered 2-digit code passes as it is."""
        t = restore.text(names)
        code = t.map(self.trade_modes)
        numeric = t.str.fullmatch(r"\d{1,2}").fillna(False).astype(bool)
        code = code.where(~numeric, t.str.zfill(2))
        unknown = (t.notna() & code.isna()) | t.isna()
        aggregated = (t == AGGREGATED_PROCESSING).fillna(False).astype(bool)
        return code.astype(object).where(code.notna(), None), unknown.astype(bool), aggregated

    def partner(self, values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
        """(ISO3 or None, values absent from customs_countries, re-imports (142 -> CHN), unknown partners (NULL))."""
        t = restore.text(values)
        numeric = t.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
        code = t.where(~numeric, t.str.zfill(3))
        known_code = code.isin(list(self.countries_by_code)) & numeric
        known_name = t.isin(list(self.countries_by_name)) & ~numeric
        iso = pd.Series(None, index=t.index, dtype=object)
        iso[known_code] = code[known_code].map(self.countries_by_code)
        iso[known_name] = t[known_name].map(self.countries_by_name)
        unknown = (t.notna() & ~known_code & ~known_name).astype(bool)
        by_name_142 = {n for n, i in self.countries_by_name.items() if i == "CHN"}
        reimport = ((known_code & (code == REIMPORT)) | (known_name & t.isin(by_name_142))).astype(bool)
        null_partner = ((known_code | known_name) & iso.isna()) | t.isna()
        iso = iso.where(iso.notna(), None)
        return iso, unknown, reimport, null_partner.astype(bool)

    # ---------------------------------------------------------------- survey

    def industry_2002(self, codes: pd.Series, year: int) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
        """(GB/T 4754-2002 codes, codes converted, codes converted through their 3-digit group only,
        codes of the year's vintage that neither the concordance nor its group lists).

        A listed code goes to its largest-weight 2002 target (ties: the smallest
        code). A code the concordance lacks whose 3-digit group it lists goes to
        the group's largest-weight target (summed over the group's codes), and is
        counted apart: the 1994 class lists are the least certain part of the
        table. A mining or utilities code (divisions 06-11, 44-46) the table
        lacks is kept as delivered: those firms are outside the study."""
        d = restore.digits(codes)
        v = vintage(year)
        none = pd.Series(False, index=codes.index)
        if v is None:
            return d, none, none, none
        if self.concordance is None:
            return d, none, none, pd.Series(True, index=codes.index)
        best, groups = self.memo(("industry_2002", v), lambda: self._vintage_targets(v))
        out = d.map(best)
        by_group = (d.notna() & out.isna() & d.str[:3].isin(list(groups.index))).fillna(False).astype(bool)
        out = out.where(~by_group, d.str[:3].map(groups))
        # mining and utilities: outside the concordance's coverage and outside the study, kept (the survey
        # check counts them)
        outside = (d.notna() & out.isna() & d.str[:2].isin(list(NON_MANUFACTURING_DIVISIONS))).fillna(False)
        out = out.where(~outside.astype(bool), d)
        missing = (d.notna() & out.isna()) | d.isna()
        converted = (out.notna() & (out != d) & ~by_group).astype(bool)
        return out.where(out.notna(), None), converted, by_group, missing.astype(bool)

    def _vintage_targets(self, v: str) -> tuple[pd.Series, pd.Series]:
        """(each code of vintage ``v`` -> its largest-weight 2002 target, each
        3-digit group -> the largest-weight target summed over its codes; ties:
        the smallest code)."""
        conc = self.concordance[self.concordance["from_vintage"] == v]
        best = (conc.sort_values(["from_code", "weight", "code_2002"], ascending=[True, False, True])
                .drop_duplicates("from_code").set_index("from_code")["code_2002"])
        groups = (conc.assign(group=conc["from_code"].str[:3]).groupby(["group", "code_2002"], as_index=False)["weight"]
                  .sum().sort_values(["group", "weight", "code_2002"], ascending=[True, False, True])
                  .drop_duplicates("group").set_index("group")["code_2002"])
        return best, groups

    def prefecture_unit(self, codes: pd.Series, year: int) -> tuple[pd.Series, pd.Series]:
        """(region codes, codes moved to the prefecture holding them in the base year).

        A code whose prefecture changed over the sample (abolished or re-coded,
        e.g. the counties of Chaohu 3414xx dissolved in 2011) is replaced by its
        base-year prefecture, so a city is one unit over the sample; any other
        code stays as delivered."""
        if self.admin is None:
            return codes, pd.Series(False, index=codes.index)
        from analytics.ingest.admin_codes import prefecture_of

        base = prefecture_of(codes, pd.Series(year, index=codes.index), self.admin)
        own = codes.str[:4] + "00"
        moved = (base.notna() & codes.notna() & (base != own) & (base != codes)).fillna(False).astype(bool)
        return codes.where(~moved, base), moved
