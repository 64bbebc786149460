"""Technological complementarity (METHOD §4, the paper's Eqs. 1-2).

Per application year, invention patents are located (prefecture), given an
industry (survey name match, else the IPC concordance) and turned into
technology-vector entries ("flows").  A focal year sums the flows of its
window; within each (industry k, year t) the city x unit matrices give the
pairwise ``Cra`` (sparse products), and ``C_jkt`` is its weighted sum over
partner cities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from analytics.settings import MethodSettings
from analytics.synth.rawroot import RawRoot, reuse
from analytics.synth.truth._frame import isin
from analytics.synth.truth.names import normalise_name_series

__all__ = [
    "COMPLEMENTARITY_COLUMNS",
    "IPC_UNIT_LENGTH",
    "PatentFlows",
    "assign_industry",
    "city_industry_complementarity",
    "complementarity",
    "first_applicant",
    "ipc_code_list",
    "main_subclass",
    "pairwise_cra",
    "patent_flows",
    "placebo_industries",
    "prefecture_code",
    "sum_flows",
    "survey_cells",
    "survey_name_industry",
    "technology_units",
    "year_complementarity",
    "year_flows",
]

COMPLEMENTARITY_COLUMNS = [
    "city_code",
    "industry_code",
    "year",
    "complementarity",
    "placebo_complementarity",
    "invention_patents",
    "no_patents_flag",
]
"""Columns of ``truth/city_industry_complementarity``."""

IPC_UNIT_LENGTH = {"section": 1, "class": 3, "subclass": 4}
"""Characters of an IPC symbol (spaces removed) that make each level."""

TOL = 1e-12
"""Range checks allow 1e-12 for floating point (METHOD §4)."""


# --------------------------------------------------------------------------- patents


def prefecture_code(codes: pd.Series) -> pd.Series:
    """Prefecture city of a 6-digit administrative code: first 4 digits + '00'
    (METHOD §4)."""
    return (codes.astype(str).str.strip().str[:4] + "00").astype(object)


def first_applicant(applicants: pd.Series) -> pd.Series:
    """Text before the first ``;`` (METHOD §4), not yet normalised."""
    return applicants.astype(str).str.split(";", n=1).str[0].astype(object)


def ipc_code_list(ipc_codes: pd.Series) -> pd.Series:
    """The ``;``-separated IPC symbols of each patent, whitespace removed,
    empty ones dropped, main (first) first."""
    cleaned = ipc_codes.fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    return cleaned.str.split(";").map(lambda xs: [x for x in xs if x])


def main_subclass(ipc_codes: pd.Series) -> pd.Series:
    """Subclass of the main code: its first 4 characters, spaces removed
    (METHOD §4).  None when the patent has no code."""
    codes = ipc_code_list(ipc_codes)
    out = codes.map(lambda xs: xs[0][:4] if xs else None).astype(object)
    return out.where(out.notna(), None)


def survey_name_industry(index: pd.DataFrame) -> pd.DataFrame:
    """``name_norm, year, industry_code`` (2-digit) for the patent-industry
    name match: per (normalised name, survey year), the industry of the
    survey firm with the lowest ``firm_id`` carrying that name (METHOD §4)."""
    d = index.loc[index["name_norm"].notna(), ["name_norm", "year", "firm_id", "industry_code"]]
    d = d.sort_values(["name_norm", "year", "firm_id"], kind="mergesort").drop_duplicates(["name_norm", "year"])
    out = pd.DataFrame(
        {
            "name_norm": d["name_norm"].to_numpy(dtype=object),
            "year": d["year"].astype("int64").to_numpy(),
            "industry_code": d["industry_code"].astype(str).str[:2].to_numpy(dtype=object),
        }
    )
    return out


def assign_industry(
    patents: pd.DataFrame, name_industry: pd.DataFrame, ipc_industry: pd.DataFrame
) -> pd.DataFrame:
    """Industry of each patent (METHOD §4).

    1. Survey name match: the normalised first applicant equals a survey
       firm's normalised name in survey year s; the nearest s to the
       application year wins (ties to the earlier year); the firm with the
       lowest firm_id in s (``name_industry``).  Weight 1.
    2. Otherwise the main code's subclass in ``reference/ipc_industry``, the
       patent split over its rows by ``weight``.
    3. Otherwise left out.

    ``patents`` needs ``application_id, application_year, applicant_name,
    ipc_codes``.  Returns ``application_id, industry_code, weight, source``
    (``name`` / ``ipc``), rows with weight > 0 only.
    """
    ids = patents["application_id"].astype(str).to_numpy(dtype=object)
    links = _industry_links(ids, patents["application_year"].astype("int64").to_numpy(),
                            normalise_name_series(first_applicant(patents["applicant_name"])).to_numpy(dtype=object),
                            _main_subclasses(ipc_code_list(patents["ipc_codes"])), name_industry, ipc_industry)
    return pd.DataFrame({"application_id": ids[links.patent], "industry_code": links.industry,
                         "weight": links.weight, "source": links.source})


@dataclass
class _Links:
    """Patent -> industry rows of :func:`assign_industry`: the patent's row
    position, the industry, the weight and the source, in the function's order."""

    patent: np.ndarray
    industry: np.ndarray
    weight: np.ndarray
    source: np.ndarray


def _main_subclasses(codes: pd.Series) -> np.ndarray:
    """:func:`main_subclass` of patents whose codes are parsed (:func:`ipc_code_list`)."""
    return np.array([xs[0][:4] if xs else None for xs in codes], dtype=object)


def _industry_links(ids: np.ndarray, years: np.ndarray, names: np.ndarray, subclasses: np.ndarray,
                    name_industry: pd.DataFrame, ipc_industry: pd.DataFrame) -> _Links:
    """:func:`assign_industry` on the patents' ids, application years,
    normalised first applicants and main subclasses: the name matches in
    patent order, then the concordance's rows of each patent left (weight >
    0 only)."""
    survey_years: dict = {}  # name -> (survey year, industry) of the names the patents carry
    carried = isin(name_industry["name_norm"], [n for n in set(names) if n is not None]).to_numpy()
    for name, year, industry in zip(name_industry["name_norm"].to_numpy(dtype=object)[carried],
                                    name_industry["year"].to_numpy()[carried],
                                    name_industry["industry_code"].to_numpy(dtype=object)[carried]):
        survey_years.setdefault(name, []).append((int(year), industry))
    nearest: dict = {}  # (name, application year) -> industry of the nearest survey year, ties to the earlier

    def by_name(name, t: int):
        if (name, t) not in nearest:
            found = survey_years.get(name)
            nearest[(name, t)] = min(found, key=lambda yk: (abs(yk[0] - t), yk[0]))[1] if found else None
        return nearest[(name, t)]

    patent, industry = [], []
    for i, (name, t) in enumerate(zip(names, years)):
        if name is not None:
            k = by_name(name, int(t))
            if k is not None:
                patent.append(i)
                industry.append(k)
    n_name = len(patent)
    conc: dict = {}
    for sub, k, w in zip(ipc_industry["ipc"].astype(str).str.replace(r"\s+", "", regex=True).to_numpy(dtype=object),
                         ipc_industry["industry_code"].astype(str).to_numpy(dtype=object),
                         pd.to_numeric(ipc_industry["weight"]).astype(float).to_numpy()):
        conc.setdefault(sub, []).append((k, w))
    named = set(ids[patent])
    weight = [1.0] * n_name
    for i, (pid, sub) in enumerate(zip(ids, subclasses)):
        if sub is not None and pid not in named:
            for k, w in conc.get(sub, ()):
                patent.append(i)
                industry.append(k)
                weight.append(w)
    source = np.array(["name"] * n_name + ["ipc"] * (len(patent) - n_name), dtype=object)
    patent, industry, weight = np.array(patent, dtype=np.intp), np.array(industry, dtype=object), np.array(weight)
    keep = weight > 0
    return _Links(patent[keep], industry[keep], weight[keep], source[keep])


def technology_units(ipc_codes: pd.Series, application_ids: pd.Series, level: str, counting: str) -> pd.DataFrame:
    """Technology-vector entries of each patent at one IPC level (METHOD §4).

    ``counting = "main"``: the main (first) code counts 1; ``"fractional"``:
    each of the n codes counts 1/n.  The unit is the first 1 (section), 3
    (class) or 4 (subclass) characters of the symbol, spaces removed; entries
    of one patent in the same unit add up.  Returns ``application_id, unit,
    share``.
    """
    return _technology_units(ipc_code_list(ipc_codes), application_ids.astype(str).to_numpy(dtype=object), level,
                             counting)


def _technology_units(codes: pd.Series, ids: np.ndarray, level: str, counting: str) -> pd.DataFrame:
    """:func:`technology_units` of patents whose codes are parsed (:func:`ipc_code_list`)."""
    n_chars = IPC_UNIT_LENGTH[level]
    if counting == "main":
        codes = codes.map(lambda xs: xs[:1])
    elif counting != "fractional":
        raise ValueError(f"ipc_counting={counting!r}")
    lengths = codes.map(len).to_numpy(dtype=np.int64)
    flat = [c[:n_chars] for xs in codes for c in xs]
    share = np.repeat(np.divide(1.0, lengths, out=np.zeros(len(lengths)), where=lengths > 0), lengths)
    d = pd.DataFrame({"application_id": np.repeat(ids, lengths), "unit": np.array(flat, dtype=object), "share": share})
    return d.groupby(["application_id", "unit"], sort=True, as_index=False)["share"].sum()


@dataclass
class PatentFlows:
    """Invention-patent flows of one application year (or a window's sum).

    ``patents``: ``city_code, industry_code, patents`` (industry-weighted
    count); ``tg`` / ``tm``: ``city_code, industry_code, unit, value`` at the
    coarse (g) and fine (m) level; ``counts``: quality counts.
    """

    patents: pd.DataFrame
    tg: pd.DataFrame
    tm: pd.DataFrame
    counts: dict = field(default_factory=dict)


def _positions(keys: np.ndarray) -> dict:
    """The row positions of each key, in row order."""
    out: dict = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def patent_flows(
    patents_year: pd.DataFrame,
    name_industry: pd.DataFrame,
    ipc_industry: pd.DataFrame,
    settings: MethodSettings,
    city_list: Iterable[str] | None = None,
) -> PatentFlows:
    """Flows of one application year's patents table (METHOD §4).

    Invention applications only (``patent_type == 'invention'``), located at
    the prefecture of the applicant city code (cities missing from
    ``city_list`` are kept and counted), with an industry from
    :func:`assign_industry` (patents with none are left out and counted) and
    technology units at ``settings.ipc_units`` with ``settings.ipc_counting``,
    each multiplied by the patent's industry weight.  A patent without any IPC
    symbol has no technology vector and is left out (counted).

    The IPC symbols are parsed once and the joins (patent -> industry rows ->
    location, units -> industry rows) are made by row positions; each sum is
    the frame sum over the rows in the order the joins give them.
    """
    g_level, m_level = settings.ipc_units
    inv = patents_year[patents_year["patent_type"].astype(str) == "invention"]
    counts = {"invention_patents": int(len(inv))}
    codes = ipc_code_list(inv["ipc_codes"]) if len(inv) else pd.Series(dtype=object)
    has_code = codes.map(len).to_numpy() > 0 if len(inv) else np.zeros(0, dtype=bool)
    counts["patents_without_ipc"] = int((~has_code).sum())
    inv, codes = inv[has_code], codes[has_code]
    ids = inv["application_id"].astype(str).to_numpy(dtype=object)
    links = _industry_links(ids, inv["application_year"].astype("int64").to_numpy(),
                            normalise_name_series(first_applicant(inv["applicant_name"])).to_numpy(dtype=object),
                            _main_subclasses(codes), name_industry, ipc_industry)
    link_ids = ids[links.patent]
    assigned = set(link_ids)
    counts["patents_without_industry"] = sum(1 for x in ids if x not in assigned)
    city = prefecture_code(inv["applicant_city_code"]).to_numpy(dtype=object)
    if city_list is not None:
        known = set(str(c) for c in city_list)
        counts["patents_city_not_in_reference"] = sum(1 for c in city if c not in known)
    # industry rows joined to the patents' locations (every row of the id, in patent order)
    located = _positions(ids)
    rows = [(r, i) for r, pid in enumerate(link_ids) for i in located.get(pid, ())]
    ind_row = np.array([r for r, _ in rows], dtype=np.intp)
    ind_id, ind_k, ind_w = link_ids[ind_row], links.industry[ind_row], links.weight[ind_row]
    ind_city = city[np.array([i for _, i in rows], dtype=np.intp)]
    pat = pd.DataFrame({"city_code": ind_city, "industry_code": ind_k, "weight": ind_w})
    pat = pat.groupby(["city_code", "industry_code"], as_index=False)["weight"].sum().rename(columns={"weight": "patents"})
    of_id = _positions(ind_id)

    def vectors(level: str) -> pd.DataFrame:
        u = _technology_units(codes, ids, level, settings.ipc_counting)
        pairs = [(r, j) for r, pid in enumerate(u["application_id"].to_numpy(dtype=object)) for j in of_id.get(pid, ())]
        ur = np.array([r for r, _ in pairs], dtype=np.intp)
        jr = np.array([j for _, j in pairs], dtype=np.intp)
        v = pd.DataFrame({"city_code": ind_city[jr], "industry_code": ind_k[jr],
                          "unit": u["unit"].to_numpy(dtype=object)[ur],
                          "value": u["share"].to_numpy(dtype=float)[ur] * ind_w[jr]})
        return v.groupby(["city_code", "industry_code", "unit"], as_index=False)["value"].sum()

    return PatentFlows(pat, vectors(g_level), vectors(m_level), counts)


def year_flows(root: RawRoot, year: int, patents_year: pd.DataFrame, name_industry: pd.DataFrame,
               ipc_industry: pd.DataFrame, settings: MethodSettings,
               city_list: Iterable[str] | None = None) -> PatentFlows:
    """:func:`patent_flows` of a year's patents of ``root``; a memory root
    reuses the flows of an earlier call with the same patents, survey names,
    concordance, IPC settings and cities (:func:`analytics.synth.rawroot.reuse`)."""
    cities = None if city_list is None else [str(c) for c in city_list]
    inputs = (patents_year, name_industry, ipc_industry, settings.ipc_units, settings.ipc_counting, cities)
    return reuse(root, ("patent_flows", int(year)), inputs,
                 lambda: patent_flows(patents_year, name_industry, ipc_industry, settings, cities))


def sum_flows(flows: Iterable[PatentFlows]) -> PatentFlows:
    """The window sum of several years' flows (METHOD §4 ``patent_window_years``)."""
    flows = list(flows)
    if not flows:
        empty = pd.DataFrame({"city_code": [], "industry_code": [], "patents": []})
        ev = pd.DataFrame({"city_code": [], "industry_code": [], "unit": [], "value": []})
        return PatentFlows(empty, ev, ev.copy())
    if len(flows) == 1:
        return flows[0]
    keys = ["city_code", "industry_code"]
    pat = pd.concat([f.patents for f in flows]).groupby(keys, as_index=False)["patents"].sum()
    tg = pd.concat([f.tg for f in flows]).groupby(keys + ["unit"], as_index=False)["value"].sum()
    tm = pd.concat([f.tm for f in flows]).groupby(keys + ["unit"], as_index=False)["value"].sum()
    counts: dict = {}
    for f in flows:
        for k, v in f.counts.items():
            counts[k] = counts.get(k, 0) + v
    return PatentFlows(pat, tg, tm, counts)


# --------------------------------------------------------------------------- Cra and C


def _city_unit_matrix(v: pd.DataFrame, cities: pd.Index) -> sparse.csr_matrix:
    rows = cities.get_indexer(v["city_code"])
    units, cols = np.unique(v["unit"].to_numpy(dtype=object).astype(str), return_inverse=True)
    return sparse.csr_matrix((v["value"].to_numpy(dtype=float), (rows, cols)), shape=(len(cities), len(units)))


def _cra(GG: np.ndarray, MM: np.ndarray) -> np.ndarray:
    """``Cra`` from the dot products of the cities' coarse (``GG``) and fine
    (``MM``) vectors, the diagonal NaN; checked to lie in [0, 1] (:func:`pairwise_cra`)."""
    norm = np.sqrt(np.diag(GG))
    with np.errstate(divide="ignore", invalid="ignore"):
        cra = (GG - MM) / np.outer(norm, norm)
    np.fill_diagonal(cra, np.nan)
    off = cra[~np.eye(len(cra), dtype=bool)]
    if off.size and not (np.all(off >= -TOL) and np.all(off <= 1 + TOL)):
        raise AssertionError(f"Cra outside [0, 1]: min {np.nanmin(off)}, max {np.nanmax(off)}")
    return cra


def pairwise_cra(tg: pd.DataFrame, tm: pd.DataFrame, cities: pd.Index | None = None) -> pd.DataFrame:
    """Pairwise ``Cra`` of the cities of ONE (industry, year) group (METHOD §4):

        Cra_jJ = (Tg_j . Tg_J - Tm_j . Tm_J) / (||Tg_j|| ||Tg_J||)

    ``tg`` / ``tm``: ``city_code, unit, value``.  The dot products come from
    the sparse city x unit matrices (``G G'`` and ``M M'``).  Returns a city x
    city frame; the diagonal (j = J) is NaN (not a pair).  Every entry is
    checked to lie in [0, 1] up to 1e-12.
    """
    if cities is None:
        cities = pd.Index(sorted(set(tg["city_code"]) | set(tm["city_code"])), name="city_code")
    G = _city_unit_matrix(tg, cities)
    M = _city_unit_matrix(tm, cities)
    cra = _cra((G @ G.T).toarray(), (M @ M.T).toarray())
    return pd.DataFrame(cra, index=cities, columns=cities)


def _gram_blocks(v: pd.DataFrame, groups: list[tuple[str, np.ndarray]]) -> list[np.ndarray]:
    """``X X'`` of each industry's city x unit matrix X (cities of ``groups``:
    (industry, sorted cities); units of the industry's rows of ``v``).

    The industries' matrices are the diagonal blocks of one sparse matrix, so
    one sparse product gives every industry's dot products; each is summed
    over the same units in the same order as its own product would be (units
    sorted within the industry), so every block equals ``(X @ X.T).toarray()``."""
    k = v["industry_code"].to_numpy(dtype=object)
    city, unit = v["city_code"].to_numpy(dtype=object), v["unit"].to_numpy(dtype=object)
    value = v["value"].to_numpy(dtype=float)
    order = np.argsort(k, kind="stable")  # each industry's rows in the table's order
    bounds = np.flatnonzero(np.r_[True, k[order][1:] != k[order][:-1], True]) if len(k) else np.zeros(1, dtype=int)
    rows_of = {k[order[a]]: order[a:b] for a, b in zip(bounds[:-1], bounds[1:])}
    row_parts, col_parts, value_parts, offsets = [], [], [], [0]
    n_cols = 0
    for industry, cities in groups:
        rows = rows_of[industry]
        at = {c: offsets[-1] + i for i, c in enumerate(cities)}
        names, cols = np.unique(unit[rows].astype(str), return_inverse=True)
        row_parts.append(np.array([at.get(c, -1) for c in city[rows]], dtype=np.intp))
        col_parts.append(n_cols + cols)
        value_parts.append(value[rows])
        offsets.append(offsets[-1] + len(cities))
        n_cols += len(names)
    X = sparse.csr_matrix((np.concatenate(value_parts), (np.concatenate(row_parts), np.concatenate(col_parts))),
                          shape=(offsets[-1], n_cols))
    XX = (X @ X.T).tocsr()
    blocks = []
    for a, b in zip(offsets[:-1], offsets[1:]):
        block = np.zeros((b - a, b - a))
        lo, hi = XX.indptr[a], XX.indptr[b]
        block[np.repeat(np.arange(b - a), np.diff(XX.indptr[a:b + 1])), XX.indices[lo:hi] - a] = XX.data[lo:hi]
        blocks.append(block)
    return blocks


def complementarity(flows: PatentFlows, weight_denominator: str = "national") -> pd.DataFrame:
    """``C_jkt = sum_{J != j} w_Jkt Cra_jJkt`` for every city with patents in
    each industry of ``flows`` (one focal year, METHOD §4).

    ``w_Jkt = Patent_Jkt / D``: ``D`` the national total of industry k (j
    included) when ``weight_denominator = "national"``, the partners' total
    (j excluded) when ``"partners"`` (C = 0 when j has no partner).  Returns
    ``city_code, industry_code, complementarity, invention_patents``.
    """
    if weight_denominator not in ("national", "partners"):
        raise ValueError(f"weight_denominator={weight_denominator!r}")
    pat = flows.patents[flows.patents["patents"] > 0]
    pat_k = pat["industry_code"].to_numpy(dtype=object)
    pat_city = pat["city_code"].to_numpy(dtype=object)
    pat_n = pat["patents"].to_numpy(dtype=float)
    groups, counts = [], []
    for k in sorted({x for x in pat_k if isinstance(x, str)}):
        in_k = np.flatnonzero(pat_k == k)
        in_k = in_k[np.argsort(pat_city[in_k], kind="stable")]  # one row per city: the cities sorted
        groups.append((k, pat_city[in_k]))
        counts.append(pat_n[in_k])
    if not groups:
        return pd.DataFrame({"city_code": [], "industry_code": [], "complementarity": [], "invention_patents": []})
    parts = []
    for (k, cities), P, GG, MM in zip(groups, counts, _gram_blocks(flows.tg, groups), _gram_blocks(flows.tm, groups)):
        # column-major, as a city x city frame would hand it on: the product below then sums
        # in the order it always has, to the last bit
        cra = np.asfortranarray(_cra(GG, MM))
        np.fill_diagonal(cra, 0.0)
        weighted = cra @ P
        if weight_denominator == "national":
            C = weighted / P.sum()
        else:
            D = P.sum() - P
            with np.errstate(divide="ignore", invalid="ignore"):
                C = np.where(D > 0, weighted / D, 0.0)
        parts.append((cities, np.full(len(cities), k, dtype=object), C, P))
    out = pd.DataFrame({
        "city_code": np.concatenate([p[0] for p in parts]),
        "industry_code": np.concatenate([p[1] for p in parts]),
        "complementarity": np.concatenate([p[2] for p in parts]),
        "invention_patents": np.concatenate([p[3] for p in parts]),
    })
    c = out["complementarity"].to_numpy()
    if not (np.all(c >= -TOL) and np.all(c <= 1 + TOL)):
        raise AssertionError(f"C outside [0, 1]: min {c.min()}, max {c.max()}")
    return out


def placebo_industries(io_links: pd.DataFrame) -> pd.Series:
    """Placebo industry of each k (METHOD §4, paper §4.3.5): among
    ``reference/io_links`` rows with ``industry_code = k`` and
    ``supplier_industry_code != k`` (and a coefficient), the supplier with the
    smallest ``input_coefficient``, ties to the smallest code.  Industries
    without such a row are absent (their placebo C is NULL)."""
    d = pd.DataFrame(
        {
            "k": io_links["industry_code"].astype(str).to_numpy(dtype=object),
            "p": io_links["supplier_industry_code"].astype(str).to_numpy(dtype=object),
            "a": pd.to_numeric(io_links["input_coefficient"], errors="coerce").to_numpy(dtype=float),
        }
    )
    d = d[(d["k"] != d["p"]) & ~np.isnan(d["a"])]
    d = d.sort_values(["k", "a", "p"], kind="mergesort").drop_duplicates("k")
    return pd.Series(d["p"].to_numpy(dtype=object), index=pd.Index(d["k"].to_numpy(dtype=object), name="industry_code"), name="placebo_industry")


def survey_cells(index_year: pd.DataFrame) -> pd.DataFrame:
    """(prefecture city, 2-digit industry) cells with a survey firm: city =
    first 4 digits of the survey city_code + '00'; industry = first 2 digits
    of the 4-digit CIC."""
    return (
        pd.DataFrame(
            {
                "city_code": prefecture_code(index_year["city_code"]).to_numpy(dtype=object),
                "industry_code": index_year["industry_code"].astype(str).str[:2].to_numpy(dtype=object),
            }
        )
        .drop_duplicates()
        .reset_index(drop=True)
    )


def year_complementarity(root: RawRoot, year: int, window_flows: PatentFlows, survey_cells_year: pd.DataFrame,
                         placebo: pd.Series, settings: MethodSettings) -> pd.DataFrame:
    """:func:`city_industry_complementarity`; a memory root reuses the rows
    of an earlier call with the same flows, the same set of survey cells,
    placebo industries and weight denominator (:func:`analytics.synth.rawroot.reuse`)."""
    cells = sorted(zip(survey_cells_year["city_code"].astype(str), survey_cells_year["industry_code"].astype(str)))
    inputs = (window_flows, cells, placebo, settings.weight_denominator)
    return reuse(root, ("complementarity", int(year)), inputs,
                 lambda: city_industry_complementarity(year, window_flows, survey_cells_year, placebo, settings))


def city_industry_complementarity(
    year: int,
    window_flows: PatentFlows,
    survey_cells_year: pd.DataFrame,
    placebo: pd.Series,
    settings: MethodSettings,
) -> pd.DataFrame:
    """``truth/city_industry_complementarity`` rows of one sample year (METHOD §4).

    One row for every (city, industry) with a survey firm in ``year`` or
    invention patents in the year's window.  Cells with patents carry C and
    their industry-weighted patent count; others C = 0, ``invention_patents =
    0``, ``no_patents_flag = true``.  Placebo C: the placebo industry's C in
    the same city and year, 0 when that cell has no invention patents, NULL
    when k has no placebo industry.  Sorted by (city_code, industry_code).
    """
    c = complementarity(window_flows, settings.weight_denominator)
    cells = pd.concat([survey_cells_year[["city_code", "industry_code"]], c[["city_code", "industry_code"]]])
    cells = cells.drop_duplicates().reset_index(drop=True)
    out = cells.merge(c, on=["city_code", "industry_code"], how="left")
    has = out["invention_patents"].notna() & (out["invention_patents"] > 0)
    out["complementarity"] = out["complementarity"].fillna(0.0).astype(float)
    out["invention_patents"] = out["invention_patents"].fillna(0.0).astype(float)
    out["no_patents_flag"] = (~has).astype(bool)
    pk = out["industry_code"].map(placebo.to_dict())
    cmap = c.set_index(["city_code", "industry_code"])["complementarity"]
    key = pd.MultiIndex.from_arrays([out["city_code"].to_numpy(), pk.to_numpy()])
    pc = cmap.reindex(key).to_numpy(dtype=float)
    pc = np.where(np.isnan(pc), 0.0, pc)
    out["placebo_complementarity"] = np.where(pk.isna().to_numpy(), np.nan, pc)
    out["year"] = np.int64(year)
    out = out[COMPLEMENTARITY_COLUMNS].sort_values(["city_code", "industry_code"], kind="mergesort")
    return out.reset_index(drop=True)
