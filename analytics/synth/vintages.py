"""A firm's codes as a delivery of its year gives them back.

A survey year reports a firm's region and industry in the codes of its time,
and ingest restores them (``analytics/ingest/codes.py``, METHOD §0):

- a county code that ``admin_codes`` places in another prefecture in the base
  year becomes that prefecture (Chongqing's counties ``5002xx`` -> ``500100``;
  Chaohu's ``3414xx``, dissolved in 2011, -> Hefei, Wuhu or Ma'anshan);
- an industry code of GB/T 4754-1994 (1998-2002) or -2011 (2012-2014) becomes
  its 2002 target in ``industry_concordance``.

The canonical world writes what that restoration gives back, so the world
written in the delivered layouts (``analytics/synth/vendor.py``) and ingested
is the canonical world again, value for value:

- region: a county code that the base year moves is written as the prefecture
  that holds it (the catalogue already counts Chongqing's counties in 500100);
- industry: in a year of another vintage, a 2002 code that no code of that
  vintage converts into is written as the 2002 code its delivered code
  converts into (``deliver_industry``: 4012 -> 4011 in 2012-2014, 1713 ->
  1712); the firm is seen in that industry in those years, in every table.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from analytics.ingest.codes import Codes, vintage
from schemas.raw import NON_MANUFACTURING_DIVISIONS

ALL_CODES4 = pd.Series([f"{i:04d}" for i in range(10_000)])


@cache
def project_codes() -> Codes:
    """The code tables the project ships (its seeds), read once per process."""
    return Codes.load()


def industry_sources(codes: Codes, year: int) -> dict[str, str]:
    """GB/T 4754-2002 code -> the code of the year's vintage that ingest converts into it (empty: the year
    reports in 2002 codes). Preference: a code the concordance lists, then a code converted through its
    3-digit group; in each the code itself first; ties: the smallest."""
    v = vintage(year)
    if v is None:
        return {}
    return codes.memo(("industry_sources", v), lambda: _industry_sources(codes, year))


def _industry_sources(codes: Codes, year: int) -> dict[str, str]:
    target, _, by_group, _ = codes.industry_2002(ALL_CODES4, year)
    frame = pd.DataFrame({"source": ALL_CODES4, "target": target, "by_group": by_group})
    frame = frame[frame["target"].notna()]
    frame = frame.assign(rank=2 * frame["by_group"].astype(int) + (frame["source"] != frame["target"]).astype(int))
    best = frame.sort_values(["target", "rank", "source"]).drop_duplicates("target")
    return dict(zip(best["target"], best["source"]))


def nearest_source(code: str, sources: dict[str, str]) -> str | None:
    """The source of the 2002 code nearest to ``code``: in its division if it has one, else among the
    manufacturing codes (ties: the smaller); None without any."""
    near = sorted((t[:2] != code[:2], abs(int(t) - int(code)), t) for t in sources
                  if t[:2] == code[:2] or t[:2] not in NON_MANUFACTURING_DIVISIONS)
    return sources[near[0][2]] if near else None


def split_sources(codes: Codes, year: int) -> dict[str, str]:
    """GB/T 4754-2002 code -> the code of the year's vintage that lists it among the targets it splits
    into (the largest weight; ties: the smallest code), for the codes ``industry_sources`` lacks: a firm
    of that 2002 industry reports this code, which ingest gives to its largest-weight target."""
    v = vintage(year)
    if v is None or codes.concordance is None:
        return {}

    def build() -> dict[str, str]:
        conc = codes.concordance[codes.concordance["from_vintage"] == v]
        best = conc.sort_values(["code_2002", "weight", "from_code"], ascending=[True, False, True])
        return dict(best.drop_duplicates("code_2002")[["code_2002", "from_code"]].itertuples(index=False))

    return codes.memo(("split_sources", v), build)


def deliver_industry(code2002: pd.Series, year: int, codes: Codes) -> tuple[pd.Series, pd.Series]:
    """(industry codes of the year's vintage, codes that come back as another code or are refused).

    A 2002 code that no code of the vintage converts into is delivered as the code of the vintage that
    splits into it (``split_sources``: GB/T 4754-2011's 3921 for 2002's 4012, which ingest gives to 4011),
    else as the source of the nearest 2002 code (``nearest_source``: in its division where it has one)."""
    sources = industry_sources(codes, year)
    if not sources:
        return code2002.astype(object), pd.Series(False, index=code2002.index)
    out = code2002.map(sources)
    lossy = out.isna() & code2002.notna()
    if lossy.any():
        split = split_sources(codes, year)
        left = sorted(set(code2002[lossy]))
        fallback = {c: split.get(c) or nearest_source(c, sources) or c for c in left}
        out[lossy] = code2002[lossy].map(fallback)
    return out.astype(object), lossy.astype(bool)


def industry_given_back(code2002: pd.Series, year: int, codes: Codes) -> pd.Series:
    """Each 2002 code as ingest gives it back from its delivery in ``year`` (itself, but in a year of
    another vintage for a code no code of that vintage converts into)."""
    delivered, lossy = deliver_industry(code2002, year, codes)
    if not lossy.any():
        return code2002
    back, _, _, refused = codes.industry_2002(delivered[lossy], year)
    return code2002.where(~lossy, back.where(~refused, code2002[lossy]))


def firm_year_codes(county: np.ndarray, industry4: np.ndarray, year: np.ndarray,
                    codes: Codes) -> tuple[np.ndarray, np.ndarray]:
    """(county codes, 4-digit industry codes) of survey firm-years as ingest gives them back from their
    delivery (module docstring); computed once per distinct (code, year)."""
    frame = pd.DataFrame({"county": county, "industry": industry4, "year": year})
    out_county = frame["county"].astype(object).to_numpy(copy=True)
    out_industry = frame["industry"].astype(object).to_numpy(copy=True)
    for y, rows in frame.groupby("year", sort=True).groups.items():
        pos = frame.index.get_indexer(rows)
        place = pd.Series(pd.unique(frame["county"].to_numpy()[pos]), dtype=object)
        back, moved = codes.prefecture_unit(place, int(y))
        if moved.any():
            out_county[pos] = pd.Series(out_county[pos]).map(dict(zip(place, back))).to_numpy()
        if vintage(int(y)) is not None:
            kinds = pd.Series(pd.unique(frame["industry"].to_numpy()[pos]), dtype=object)
            given = industry_given_back(kinds, int(y), codes)
            if (given != kinds).any():
                out_industry[pos] = pd.Series(out_industry[pos]).map(dict(zip(kinds, given))).to_numpy()
    return out_county, out_industry
