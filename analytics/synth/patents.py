"""Patents per city x industry x year with a designed IPC mix (SYNTH §3).

Each industry has 4-6 home sections (weights pi_kg) of 3-6 classes; within a
section a share ``1 - s`` goes to the dominant class and ``s`` is spread over
the others.  The spread ``s_jkt`` rises with the normalised instrument
``z_jkt``, the shock ``u_jkt`` and time, and shrinks for tiny cells:

    s_jkt = s_cap * logistic(a + b (t-2000)/14 + c_z z_jkt + c_u u_jkt) * n / (n + n0)

Cra is invariant to a city's patent count, so the instrument moves C
through the mix, not the count.  C itself is *not* computed here: it is
computed from the written patents by the truth implementation of METHOD §4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.synth.config import SynthParams

TECH_WEIGHT = {"high": 3.0, "medium_high": 2.0, "medium_low": 1.0, "low": 0.6}
PATENT_TYPES = {"invention": 1, "utility_model": 2, "design": 3}
UNIVERSITY_SUFFIX = ["大学", "理工大学", "科技大学", "工业大学", "职业技术学院"]
INSTITUTE = ["中国科学院{c}研究所", "{c}市科学技术研究院", "{c}工业技术研究院", "{c}市机械研究所"]
COMPANY_TAIL = ["科技有限公司", "技术有限公司", "新材料有限公司", "智能科技有限公司", "电子科技有限公司"]
SUBGROUPS = np.array([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50])
PROVINCE_ADMINISTERED = ["429004", "429005", "429006", "429021", "469001", "469002", "659001"]


@dataclass(frozen=True)
class IpcMix:
    """Flattened IPC structure per industry for vectorised draws."""

    industries: np.ndarray  # industry codes in row order
    sec_cum: np.ndarray  # (n_ind, max_sec) cumulative section weights
    sec_row: np.ndarray  # (n_ind, max_sec) row index into kg tables (-1 padding)
    kg_dominant: np.ndarray  # (n_kg,) class index of the dominant class
    kg_other_start: np.ndarray  # (n_kg,) offset into other_classes
    kg_other_n: np.ndarray  # (n_kg,)
    other_classes: np.ndarray  # flattened class indices
    class_codes: np.ndarray  # class index -> 'industry:class', e.g. '40:H01'
    sub_start: np.ndarray  # class index -> offset into subclasses
    sub_n: np.ndarray
    subclasses: np.ndarray


def build_ipc_mix(
    ipc_structure: pd.DataFrame, industries: list[str], rng: np.random.Generator, ipc_industry: pd.DataFrame | None = None
) -> tuple[IpcMix, pd.DataFrame]:
    """Section weights pi_kg (Dirichlet, one per industry) and lookup tables.

    With ``ipc_industry``, an industry's patents in a class are drawn from the
    subclasses of that class where the concordance gives the industry its
    largest weight (when there are such): a patent whose industry comes from
    the concordance then mostly stays in its own industry, instead of being
    smeared over every industry sharing the class.
    """
    st = ipc_structure[ipc_structure["industry_code"].isin(industries)]
    if ipc_industry is not None:
        w = st.merge(ipc_industry.rename(columns={"ipc": "subclass"}), on=["subclass", "industry_code"], how="left")
        w["weight"] = w["weight"].fillna(0.0)
        best = w.groupby(["industry_code", "ipc_class"])["weight"].transform("max")
        st = w[(w["weight"] >= best) & (best > 0) | (best == 0)].drop(columns="weight")
    # subclasses are looked up per (industry, class) so each industry draws its own
    st = st.assign(ipc_key=st["industry_code"] + ":" + st["ipc_class"])
    classes = np.array(sorted(st["ipc_key"].unique()))
    cidx = {c: i for i, c in enumerate(classes)}
    subs_by_class = st.groupby("ipc_key")["subclass"].apply(lambda s: sorted(set(s))).to_dict()
    sub_start, sub_n, subclasses = [], [], []
    for c in classes:
        sub_start.append(len(subclasses))
        sub_n.append(len(subs_by_class[c]))
        subclasses.extend(subs_by_class[c])
    kg = st.groupby(["industry_code", "section"]).agg(
        dominant=("ipc_class", lambda s: st.loc[s.index][st.loc[s.index, "dominant"]]["ipc_class"].iloc[0]),
        classes=("ipc_class", lambda s: sorted(set(s))),
    ).reset_index()
    max_sec = int(kg.groupby("industry_code").size().max())
    n_ind = len(industries)
    sec_cum = np.ones((n_ind, max_sec))
    sec_row = -np.ones((n_ind, max_sec), dtype=np.int64)
    weights = []
    other_start, other_n, others, dom = [], [], [], []
    for r, row in kg.iterrows():
        k = row["industry_code"]
        dom.append(cidx[f"{k}:{row['dominant']}"])
        o = [cidx[f"{k}:{c}"] for c in row["classes"] if c != row["dominant"]]
        other_start.append(len(others))
        other_n.append(len(o))
        others.extend(o)
    for i, k in enumerate(industries):
        rows = kg.index[kg["industry_code"] == k].to_numpy()
        w = rng.dirichlet(np.full(len(rows), 2.5))
        sec_cum[i, : len(rows)] = np.cumsum(w)
        sec_row[i, : len(rows)] = rows
        weights.extend(zip([k] * len(rows), kg.loc[rows, "section"], w))
    mix = IpcMix(
        np.array(industries), sec_cum, sec_row, np.array(dom), np.array(other_start), np.array(other_n),
        np.array(others, dtype=np.int64), classes, np.array(sub_start), np.array(sub_n), np.array(subclasses),
    )
    return mix, pd.DataFrame(weights, columns=["industry_code", "section", "weight"])


def placebo_disjoint(ipc_industry: pd.DataFrame, placebo: pd.Series) -> pd.DataFrame:
    """The concordance with no subclass given both to an industry and to its
    placebo industry (``placebo``: industry -> placebo industry).

    Per subclass the industries are taken by weight (ties by code) and each is
    kept unless an industry already kept is its placebo industry or has it as
    its placebo industry; the kept weights are rescaled to sum to 1. A patent
    the concordance assigns then never lands in both cells of a (focal,
    placebo) pair of a city.
    """
    pairs = {frozenset((str(k), str(p))) for k, p in placebo.items() if pd.notna(p) and str(k) != str(p)}
    d = ipc_industry.sort_values(["ipc", "weight", "industry_code"], ascending=[True, False, True], kind="mergesort")
    keep = np.zeros(len(d), dtype=bool)
    kept: dict[str, list[str]] = {}
    for i, (sub, ind) in enumerate(zip(d["ipc"].astype(str), d["industry_code"].astype(str))):
        others = kept.setdefault(sub, [])
        if not any(frozenset((ind, o)) in pairs for o in others):
            others.append(ind)
            keep[i] = True
    out = d[keep].copy()
    out["weight"] = out["weight"] / out.groupby("ipc")["weight"].transform("sum")
    return out.sort_values(["ipc", "industry_code"], ignore_index=True)


def draw_ipc(mix: IpcMix, ind_idx: np.ndarray, s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One IPC symbol per patent given its industry index and spread s."""
    n = len(ind_idx)
    u = rng.random(n)
    sec = (u[:, None] > mix.sec_cum[ind_idx]).sum(axis=1)
    sec = np.minimum(sec, (mix.sec_row[ind_idx] >= 0).sum(axis=1) - 1)
    row = mix.sec_row[ind_idx, sec]
    spread = (rng.random(n) < s) & (mix.kg_other_n[row] > 0)
    pick = (rng.random(n) * np.maximum(mix.kg_other_n[row], 1)).astype(np.int64)
    cls = np.where(spread, mix.other_classes[np.minimum(mix.kg_other_start[row] + pick, len(mix.other_classes) - 1)], mix.kg_dominant[row])
    sub = mix.subclasses[mix.sub_start[cls] + (rng.random(n) * mix.sub_n[cls]).astype(np.int64)]
    group = rng.integers(1, 80, n)
    subgroup = rng.choice(SUBGROUPS, n)
    sep = np.where(rng.random(n) < 0.08, "", " ")  # some files drop the space: 'H01L21/02'
    return np.char.add(np.char.add(np.char.add(sub.astype(str), sep), group.astype(str)), np.char.add("/", np.char.zfill(subgroup.astype(str), 2)))


def spread_share(params: SynthParams, t: int, z: np.ndarray, u: np.ndarray, n: np.ndarray) -> np.ndarray:
    x = params.s_intercept + params.s_trend * (t - 2000) / 14 + params.s_iv_loading * z + params.s_shock_loading * u
    return params.s_cap / (1 + np.exp(-x)) * n / (n + params.s_small_count)


def patent_free(expected: np.ndarray, share: float) -> np.ndarray:
    """The cells that never have an invention patent: the ``share`` of cells
    with the smallest expected counts (ties by position)."""
    if not 0.0 <= share < 1.0:
        raise ValueError(f"patent_free_cells={share!r}: a share in [0, 1)")
    order = np.argsort(np.asarray(expected, dtype=float), kind="stable")
    free = np.zeros(len(order), dtype=bool)
    free[order[: int(round(share * len(order)))]] = True
    return free


def expected_inventions(params: SynthParams, scale_2014: int, t: int) -> float:
    return scale_2014 * params.patent_growth ** ((t - 2014) / 14)


def patents_for_year(
    t: int,
    cells: pd.DataFrame,
    mix: IpcMix,
    applicants: pd.DataFrame,
    counties: dict[str, list[str]],
    city_short: dict[str, str],
    params: SynthParams,
    invention_2014: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every patent applied for in year t, and the latent per-firm counts.

    ``cells``: city_code, industry_code, lam_share (cell's share of national
    inventions), cell_effect, z, u for year t, and optionally patent_free
    (cells that never have an invention patent; then every other cell has at
    least one).  ``applicants``: survey
    firm-years of year t (fid, firm_name, city_code, industry_code, innov).
    Returns (patents in CONTRACT layout, firm invention counts [fid, n]).
    """
    ind_pos = {k: i for i, k in enumerate(mix.industries)}
    # numpy views once: converting an Arrow string column per cell is O(cells x firms)
    app_innov = applicants["innov"].to_numpy()
    app_names = applicants["firm_name"].to_numpy(dtype=object)
    app_fids = applicants["fid"].to_numpy()
    by_cell = applicants.groupby(["city_code", "industry_code"]).indices
    cell_city = cells["city_code"].to_numpy(dtype=object)
    cell_industry = cells["industry_code"].to_numpy(dtype=object)
    lam = expected_inventions(params, invention_2014, t) * cells["lam_share"].to_numpy() * cells["cell_effect"].to_numpy()
    n_inv = rng.poisson(lam)
    if "patent_free" in cells:  # zeros by design (SynthParams.patent_free_cells): the others never lack one
        n_inv = np.where(cells["patent_free"].to_numpy(dtype=bool), 0, np.maximum(n_inv, 1))
    s = spread_share(params, t, cells["z"].to_numpy(), cells["u"].to_numpy(), n_inv.astype(float))
    frames = []
    firm_counts = []
    for ptype, factor in (("invention", 1.0), ("utility_model", params.utility_per_invention), ("design", params.design_per_invention)):
        counts = n_inv if ptype == "invention" else rng.poisson(lam * factor)
        cell_of = np.repeat(np.arange(len(cells)), counts)
        n = len(cell_of)
        if n == 0:
            continue
        k = cells["industry_code"].to_numpy()[cell_of]
        j = cells["city_code"].to_numpy()[cell_of]
        kidx = np.array([ind_pos[x] for x in k]) if n else np.empty(0, int)
        s_pat = s[cell_of] if ptype == "invention" else np.full(n, 0.15)
        main = draw_ipc(mix, kidx, s_pat, rng)
        extra1 = draw_ipc(mix, kidx, s_pat, rng)
        extra2 = draw_ipc(mix, kidx, s_pat, rng)
        n_extra = np.where(rng.random(n) < params.extra_ipc_prob, rng.integers(1, 3, n), 0)
        codes = np.where(n_extra == 0, main, np.where(n_extra == 1, np.char.add(np.char.add(main, ";"), extra1),
                         np.char.add(np.char.add(np.char.add(np.char.add(main, ";"), extra1), ";"), extra2)))
        # applicants: a few survey firms of the cell, otherwise others
        names = np.empty(n, dtype=object)
        fids = np.full(n, -1, dtype=np.int64)
        is_firm = rng.random(n) < params.applicant_is_survey_firm
        firm_rows = np.flatnonzero(is_firm)
        firm_cells = cell_of[firm_rows]  # already sorted: patents are laid out cell by cell
        bounds = np.flatnonzero(np.r_[True, firm_cells[1:] != firm_cells[:-1], True]) if len(firm_cells) else []
        for a, b in zip(bounds[:-1], bounds[1:]):
            ci = firm_cells[a]
            key = (cell_city[ci], cell_industry[ci])
            where = firm_rows[a:b]
            idx = by_cell.get(key)
            if idx is None:
                continue
            w = app_innov[idx]
            pick = idx[rng.choice(len(idx), len(where), p=w / w.sum())]
            names[where] = app_names[pick]
            fids[where] = app_fids[pick]
        other = np.flatnonzero(fids < 0)
        names[other] = _other_applicants(rng, j[other], city_short)
        co = rng.random(n) < 0.12
        co_names = _other_applicants(rng, j, city_short)
        names = np.where(co, np.char.add(np.char.add(names.astype(str), ";"), co_names.astype(str)), names.astype(str))
        # one county of the city each (the bounds drawn in one call, as one call per patent would)
        choices = [counties[c] for c in j]
        picks = rng.integers(0, np.array([len(x) for x in choices], dtype=np.int64))
        county = np.array([x[k] for x, k in zip(choices, picks)]) if n else np.empty(0, str)
        if ptype == "invention":
            odd = rng.random(n) < 0.003
            county = np.where(odd, rng.choice(PROVINCE_ADMINISTERED, n), county)
            fc = pd.Series(fids[fids >= 0]).value_counts()
            firm_counts.append(pd.DataFrame({"fid": fc.index.to_numpy(), "year": t, "own_inventions": fc.to_numpy()}))
        serial = rng.permutation(n) + 1
        check = (serial * 7 + PATENT_TYPES[ptype]) % 10
        ids = [f"CN{t}{PATENT_TYPES[ptype]}{s_:07d}.{c}" for s_, c in zip(serial, check)]
        frames.append(
            pd.DataFrame(
                {
                    "application_id": ids,
                    "application_year": t,
                    "patent_type": ptype,
                    "applicant_name": names,
                    "applicant_city_code": county,
                    "ipc_codes": codes,
                }
            )
        )
    if not frames:  # no patent of any type this year (a few cells with tiny counts)
        frames = [pd.DataFrame({c: pd.Series([], dtype=d) for c, d in (
            ("application_id", object), ("application_year", "int64"), ("patent_type", object),
            ("applicant_name", object), ("applicant_city_code", object), ("ipc_codes", object))})]
    pats = pd.concat(frames, ignore_index=True).sort_values("application_id", ignore_index=True)
    fc = pd.concat(firm_counts, ignore_index=True) if firm_counts else pd.DataFrame(columns=["fid", "year", "own_inventions"])
    return pats, fc


SYLLABLES = np.array(list("华盛达信恒泰鑫宏瑞博安康源通创新天海利丰"))
"""The syllables of non-survey company names (two drawn per name)."""


def _other_applicants(rng: np.random.Generator, city: np.ndarray, city_short: dict[str, str]) -> np.ndarray:
    """Universities, institutes, individuals and non-survey companies.

    Each name's integer draws (a university suffix; an institute; none for a
    person; two syllables and a company tail) are made in one call with the
    bounds in the names' order: a Generator draws an array of bounds as it
    draws them one call at a time, so the names are those of a loop that
    drew each name's in turn, without a call per draw."""
    n = len(city)
    kind = rng.random(n)
    short = np.array([city_short.get(c, "华夏") for c in city], dtype=object)
    from analytics.synth.firms import person_names
    persons = person_names(rng, n)
    university, institute = kind < 0.3, (kind >= 0.3) & (kind < 0.45)
    company = kind >= 0.6
    n_draws = np.where(university | institute, 1, np.where(company, 3, 0))
    first = np.cumsum(n_draws) - n_draws
    bounds = np.empty(int(n_draws.sum()), dtype=np.int64)
    bounds[first[university]] = len(UNIVERSITY_SUFFIX)
    bounds[first[institute]] = len(INSTITUTE)
    bounds[first[company]] = len(SYLLABLES)
    bounds[first[company] + 1] = len(SYLLABLES)
    bounds[first[company] + 2] = len(COMPANY_TAIL)
    draws = rng.integers(0, bounds) if len(bounds) else bounds
    out = np.empty(n, dtype=object)
    for i in range(n):
        c, d = short[i], first[i]
        if university[i]:
            out[i] = c + UNIVERSITY_SUFFIX[draws[d]]
        elif institute[i]:
            out[i] = INSTITUTE[draws[d]].format(c=c)
        elif company[i]:
            out[i] = c + SYLLABLES[draws[d]] + SYLLABLES[draws[d + 1]] + COMPANY_TAIL[draws[d + 2]]
        else:
            out[i] = persons[i]
    return out
