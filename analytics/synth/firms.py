"""The firm registry: who exists, where, in which industry, under which names.

SYNTH §Causal structure 4.  The registry is decided before patents and C
(the patent-industry assignment matches applicants to survey names), so exit
here follows the idiosyncratic part of productivity ``omega0`` (an AR(1));
the production side adds the C-driven part afterwards (see production.py).

One row per firm (``firms``) and one per survey firm-year (``firm_years``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.synth import names as nm
from analytics.synth.config import Scale, SynthParams
from analytics.synth.vintages import firm_year_codes, project_codes

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰飞鹏辉宇浩凯斌波宁晨欣佳雪梅琳林峰亮成俊文博斌海春晓东")

_GB11714_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


def legal_person_code(serial: np.ndarray) -> np.ndarray:
    """9-character legal-person codes (GB 11714): 8 digits + check character."""
    digits = np.array([[int(c) for c in f"{s:08d}"] for s in serial]).reshape(len(serial), 8)
    r = 11 - (digits @ _GB11714_WEIGHTS) % 11
    check = np.where(r == 10, "X", np.where(r == 11, "0", r.astype(str)))
    return np.array([f"{s:08d}{c}" for s, c in zip(serial, check)])


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN, n)
    g2 = np.where(rng.random(n) < 0.6, rng.choice(GIVEN, n), "")
    return np.char.add(np.char.add(s.astype(str), g1.astype(str)), g2.astype(str))


def _firm_counts(scale: Scale, years: list[int]) -> dict[int, int]:
    n0, n1 = scale.survey_firms_2000, scale.survey_firms_2014
    g = (n1 / n0) ** (1 / 14)
    return {t: int(round(n0 * g ** (t - 2000))) for t in years}


def build_registry(
    scale: Scale,
    params: SynthParams,
    cities: pd.DataFrame,
    counties: pd.DataFrame,
    industries: pd.DataFrame,
    industry4: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate entry and exit 1998-2014 and lay out each firm's life.

    Returns (firms, firm_years). ``firms`` has one row per firm (``fid``) with
    its static traits and event years; ``firm_years`` has one row per survey
    firm-year with the firm_id, county, industry and name written that year.
    """
    years = list(params.survey_years)
    target = _firm_counts(scale, years)
    city_w = cities["size"].to_numpy() ** 0.85
    city_w = 0.85 * city_w / city_w.sum() + 0.15 / len(cities)
    ind_codes = industries["industry_code"].to_numpy()
    ind_w = industries["firm_weight"].to_numpy()
    ind_w = ind_w / ind_w.sum()

    # --- life spans from omega0 (AR(1)) and random exit ----------------------
    sd_xi = params.omega_sd
    alive = np.empty(0, dtype=np.int64)
    omega = np.empty(0)
    entry_parts, last_parts, omega_rows = [], [], []
    next_fid = 0
    for t in years:
        if len(alive):
            omega = params.omega_rho * omega + rng.normal(0, sd_xi, len(alive))
            exits = (omega < params.exit_threshold) | (rng.random(len(alive)) < params.exit_rate)
            last_parts.append(pd.Series(t - 1, index=alive[exits]))
            alive, omega = alive[~exits], omega[~exits]
        n_new = max(target[t] - len(alive), int(params.entry_rate * target[t] * 0.5))
        new = np.arange(next_fid, next_fid + n_new)
        next_fid += n_new
        entry_parts.append(pd.Series(t, index=new))
        alive = np.concatenate([alive, new])
        omega = np.concatenate([omega, rng.normal(0, sd_xi / np.sqrt(1 - params.omega_rho**2), n_new)])
        omega_rows.append(pd.DataFrame({"fid": alive, "year": t, "omega0": omega}))
    last_parts.append(pd.Series(years[-1], index=alive))
    n = next_fid
    fid = np.arange(n)
    entry_a = pd.concat(entry_parts).sort_index().to_numpy()
    last_a = pd.concat(last_parts).sort_index().to_numpy()

    # --- static traits -------------------------------------------------------------
    city_idx = rng.choice(len(cities), n, p=city_w)
    city_code = cities["city_code"].to_numpy()[city_idx]
    county_of = counties.groupby("city_code")["county_code"].apply(list).to_dict()
    county = np.array([county_of.get(c, [c])[rng.integers(len(county_of.get(c, [c])))] for c in city_code])
    ind = rng.choice(ind_codes, n, p=ind_w)
    i4_of = industry4.groupby("industry_code")["industry_code4"].apply(list).to_dict()
    ind4 = np.array([i4_of[k][rng.integers(len(i4_of[k]))] for k in ind])
    first_cohort = entry_a == years[0]
    age0 = np.where(first_cohort, rng.gamma(1.6, 5.5, n).astype(int), rng.integers(0, 3, n))
    established = entry_a - age0

    # exporter type: processing more likely in electronics and in PRD/YRD cities
    exporter = rng.random(n) < scale.exporter_share
    shares = params.trade_type_shares
    p_proc = shares["processing"] * np.where(np.isin(ind, ["40", "41", "18", "19", "24"]), 1.8, 0.8)
    p_proc = p_proc * np.where(cities["yrd_prd"].to_numpy()[city_idx], 1.4, 0.8)
    p_mixed = np.full(n, shares["mixed"])
    u = rng.random(n)
    ttype = np.where(u < p_proc, "processing", np.where(u < p_proc + p_mixed, "mixed", "ordinary"))
    ttype = np.where(exporter, ttype, "none")

    foreign_p = np.select(
        [ttype == "processing", ttype == "mixed", ttype == "ordinary"], [0.8, 0.5, 0.22], 0.12
    )
    foreign_owned = rng.random(n) < foreign_p
    foreign_share = np.where(foreign_owned, np.where(rng.random(n) < 0.75, 1.0, rng.uniform(0.25, 0.95, n)), 0.0)
    state_share = np.where(
        (~foreign_owned) & (rng.random(n) < 0.03), np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.1, 0.9, n)), 0.0
    )
    hmt_part = np.where(rng.random(n) < 0.35, rng.uniform(0.2, 1.0, n), 0.0)

    # --- events: move, switch, rename, new legal-person code -------------------
    life = last_a - entry_a
    can = life >= 2

    def event(share: float) -> np.ndarray:
        hit = can & (rng.random(n) < share)
        yr = entry_a + 1 + (rng.random(n) * np.maximum(life - 1, 1)).astype(int)
        return np.where(hit, yr, 0)

    move_year, switch_year = event(params.mover_share), event(params.switcher_share)
    rename_year, newid_year = event(params.rename_share), event(params.new_id_share)
    new_city_idx = rng.choice(len(cities), n, p=city_w)
    new_city = cities["city_code"].to_numpy()[new_city_idx]
    new_county = np.array([county_of.get(c, [c])[rng.integers(len(county_of.get(c, [c])))] for c in new_city])
    new_ind = rng.choice(ind_codes, n, p=ind_w)
    new_ind = np.where(new_ind == ind, ind_codes[(np.searchsorted(ind_codes, ind) + 1) % len(ind_codes)], new_ind)
    new_ind4 = np.array([i4_of[k][rng.integers(len(i4_of[k]))] for k in new_ind])

    city_short = cities.set_index("city_code")["city_name"].str.replace("市", "", regex=False).str.replace("地区", "", regex=False)
    city_short = city_short.to_dict()
    base_name = np.array([nm.firm_name(rng, city_short[c], k, "producer") for c, k in zip(city_code, ind)], dtype=object)
    new_name = np.array([nm.rename(rng, s) for s in base_name], dtype=object)
    # 2n distinct serials in [10,000,000, 99,999,999): the draw of rng.choice over that range's
    # 89,999,999 values, without the array of them
    serial = 10_000_000 + rng.choice(99_999_999 - 10_000_000, 2 * n, replace=False)
    firm_id0 = legal_person_code(serial[:n])
    firm_id1 = legal_person_code(serial[n:])
    area = np.array([nm.area_code(c) for c in city_code], dtype=object)
    local = np.array([nm.local_number(rng) for _ in range(n)], dtype=object)
    phone = np.array([nm.format_phone(rng, a, loc) for a, loc in zip(area, local)], dtype=object)
    zipc = np.array([nm.zip_code(c) for c in county], dtype=object)
    legal_rep = person_names(rng, n)

    firms = pd.DataFrame(
        {
            "fid": fid,
            "entry_year": entry_a,
            "last_year": last_a,
            "year_established": established,
            "county0": county,
            "county1": new_county,
            "move_year": move_year,
            "ind4_0": ind4,
            "ind4_1": new_ind4,
            "switch_year": switch_year,
            "name0": base_name,
            "name1": new_name,
            "rename_year": rename_year,
            "firm_id0": firm_id0,
            "firm_id1": firm_id1,
            "newid_year": newid_year,
            "trade_type": ttype,
            "foreign_share": foreign_share,
            "hmt_part": hmt_part,
            "state_share": state_share,
            "phone": phone,
            "phone_area": area,
            "phone_local": local,
            "zip_code": zipc,
            "legal_rep": legal_rep,
        }
    )

    # --- survey firm-years ---------------------------------------------------------
    om = pd.concat(omega_rows, ignore_index=True)
    fy = om.merge(firms, on="fid")
    t = fy["year"].to_numpy()

    def after(col: str) -> np.ndarray:
        y = fy[col].to_numpy()
        return (y > 0) & (t >= y)

    # the codes as a delivery of the year gives them back (analytics/synth/vintages.py)
    fy["county_code"], fy["industry_code4"] = firm_year_codes(
        np.where(after("move_year"), fy["county1"], fy["county0"]),
        np.where(after("switch_year"), fy["ind4_1"], fy["ind4_0"]), t, project_codes())
    fy["canonical_name"] = np.where(after("rename_year"), fy["name1"], fy["name0"])
    fy["firm_id"] = np.where(after("newid_year"), fy["firm_id1"], fy["firm_id0"])
    messy = rng.random(len(fy)) < 0.3
    fy["firm_name"] = [nm.messy_variant(rng, s) if m else s for s, m in zip(fy["canonical_name"], messy)]
    fy["city_code"] = fy["county_code"].str[:4] + "00"
    fy["industry_code"] = fy["industry_code4"].str[:2]
    keep = [
        "fid", "year", "firm_id", "firm_name", "canonical_name", "county_code", "city_code",
        "industry_code4", "industry_code", "omega0", "trade_type", "legal_rep", "phone", "zip_code",
        "year_established", "foreign_share", "hmt_part", "state_share", "entry_year", "last_year",
    ]
    fy = fy[keep].sort_values(["year", "fid"], ignore_index=True)
    return firms, fy
