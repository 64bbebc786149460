"""Cities, GDP paths, market access, plan-based policy, the instrument, the shock.

SYNTH §Causal structure 1-2; the instrument follows METHOD §6:
``IV_jkt = policy_pkt / mean_p(policy_pkt) * MA_jt`` with Harris market access
``MA_jt = sum_{J != j} GDP_Jt / dist_jJ`` (great-circle km).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0088
PLANS = {"9th": (1996, 2000), "10th": (2001, 2005), "11th": (2006, 2010), "12th": (2011, 2015)}


def plan_of_year(year: int) -> str:
    for plan, (a, b) in PLANS.items():
        if a <= year <= b:
            return plan
    raise ValueError(f"no Five-Year Plan covers {year}")


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Pairwise haversine distances (km) between points given in degrees."""
    lo, la = np.radians(lon)[:, None], np.radians(lat)[:, None]
    dlon, dlat = lo - lo.T, la - la.T
    a = np.sin(dlat / 2) ** 2 + np.cos(la) * np.cos(la.T) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def harris_market_access(gdp: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """MA_j = sum_{J != j} GDP_J / dist_jJ for one year (gdp: cities)."""
    with np.errstate(divide="ignore"):
        inv = np.where(dist > 0, 1.0 / dist, 0.0)
    np.fill_diagonal(inv, 0.0)
    return inv @ gdp


def select_cities(cities: pd.DataFrame, n: int, n_centres: int, rng: np.random.Generator) -> pd.DataFrame:
    """Pick n prefectures: n_centres innovation centres plus others; Zipf ranks.

    Centres take the top ranks (largest), the rest follow in random order.
    Returns the chosen rows with ``rank`` and ``size`` (Zipf weight, sums to 1).
    """
    centres = cities[cities["innovation_center"]]
    others = cities[~cities["innovation_center"]]
    pick_c = centres.sample(n=min(n_centres, len(centres)), random_state=rng.integers(2**31))
    pick_o = others.sample(n=n - len(pick_c), random_state=rng.integers(2**31))
    chosen = pd.concat([pick_c, pick_o], ignore_index=True)
    chosen["rank"] = np.arange(1, len(chosen) + 1)
    size = chosen["rank"].to_numpy(float) ** -1.05
    chosen["size"] = size / size.sum()
    return chosen.sort_values("city_code").reset_index(drop=True)


def gdp_paths(chosen: pd.DataFrame, years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """City GDP (100 million RMB) by year: core grows faster first, periphery catches up."""
    n = len(chosen)
    core = chosen["innovation_center"].to_numpy()
    gdp0 = 3200.0 * chosen["rank"].to_numpy(float) ** -0.8 + rng.uniform(60, 160, n)
    pop = 80.0 + 900.0 * chosen["size"].to_numpy() ** 0.6 * n ** 0.6 * rng.uniform(0.8, 1.2, n)  # 10k persons
    rows = []
    log_gdp = np.log(gdp0)
    city_trend = rng.normal(0, 0.01, n)
    for t in years:
        if t > years[0]:
            early = t <= 2007
            g = 0.105 + np.where(core, 0.03 if early else -0.012, 0.0 if early else 0.012) + city_trend
            log_gdp = log_gdp + g + rng.normal(0, 0.012, n)
        gdp = np.exp(log_gdp)
        pop_t = pop * (1.005 ** (t - years[0]))
        rows.append(
            pd.DataFrame(
                {
                    "city_code": chosen["city_code"].to_numpy(),
                    "year": t,
                    "gdp": gdp,
                    "gdp_per_capita": gdp * 1e4 / pop_t,  # RMB per person (gdp in 1e8 RMB, pop in 1e4)
                    "basic_research": gdp * np.where(core, 0.004, 0.0012) * rng.lognormal(0, 0.2, n),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def market_access(city_year: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Harris market access per city-year from the GDP table and coordinates."""
    order = chosen.sort_values("city_code")
    dist = great_circle_km(order["longitude"].to_numpy(float), order["latitude"].to_numpy(float))
    out = []
    for t, g in city_year.groupby("year", sort=True):
        g = g.set_index("city_code").loc[order["city_code"]]
        ma = harris_market_access(g["gdp"].to_numpy(float), dist)
        out.append(pd.DataFrame({"city_code": order["city_code"].to_numpy(), "year": t, "market_access": ma}))
    return pd.concat(out, ignore_index=True)


def policy_table(provinces: list[str], industries: list[str], rng: np.random.Generator,
                 redraw: float = 0.55) -> pd.DataFrame:
    """Province x industry x plan attitudes and priorities.

    National priorities are per industry and plan; each plan redraws about
    half of the provincial attitudes and priorities, so the score moves at
    plan boundaries (the instrument's within-firm variation).
    """
    rows = []
    att = {(p, k): rng.choice([1, 2, 3], p=[0.25, 0.45, 0.30]) for p in provinces for k in industries}
    prov = {(p, k): rng.random() < 0.25 for p in provinces for k in industries}
    nat = {k: rng.random() < 0.3 for k in industries}
    for i, plan in enumerate(PLANS):
        if i > 0:
            for key in att:
                if rng.random() < redraw:
                    att[key] = rng.choice([1, 2, 3], p=[0.25, 0.45, 0.30])
                if rng.random() < 0.45:
                    prov[key] = rng.random() < 0.25
            for k in nat:
                if rng.random() < 0.4:
                    nat[k] = rng.random() < 0.3
        for (p, k), a in att.items():
            rows.append((p, k, plan, int(a), bool(prov[(p, k)]), bool(nat[k])))
    return pd.DataFrame(
        rows,
        columns=["province_code", "industry_code", "plan", "attitude", "provincial_priority", "national_priority"],
    ).sort_values(["province_code", "industry_code", "plan"], ignore_index=True)


def policy_scores(policy: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """policy_pkt: attitude + provincial + national priority of the plan in force in t."""
    score = policy.assign(
        policy=policy["attitude"] + policy["provincial_priority"].astype(int) + policy["national_priority"].astype(int)
    )
    frames = [score.loc[score["plan"] == plan_of_year(t), ["province_code", "industry_code", "policy"]].assign(year=t) for t in years]
    return pd.concat(frames, ignore_index=True)


def instrument(
    chosen: pd.DataFrame, ma: pd.DataFrame, scores: pd.DataFrame, industries: list[str]
) -> pd.DataFrame:
    """IV_jkt = policy_pkt / mean_p(policy_pkt) * MA_jt, and the z that moves C's IPC mix.

    d_jkt = (IV_jkt - mean_j IV_jkt) / mean_jt IV_jk, less its mean over the
    city's industries in year t; z is d standardised over industry k's cells
    and years. Centring per (k, t) keeps the common growth of market access
    out of C's trend. Scaling by the industry's mean over all years (not by
    the year's) keeps the part of the instrument the study uses: with firm and
    year fixed effects, IV's variation within a firm is its cell's distance
    from the year's mean, which grows with market access in cells above it and
    jumps at plan boundaries (a z normalised year by year moves only at plan
    boundaries: on demo the first stage under city x industry clusters had a
    KP F of about 55 against about 84 with the level). Removing the city's
    mean over industries keeps what market access does to every industry of a
    city out of z: left in, it moved the placebo industry's C with the focal
    industry's instrument, and the placebo came out positive in every demo
    world probed (docs/synthetic_world.md, calibration).
    """
    sc = scores.copy()
    sc["policy_rel"] = sc["policy"] / sc.groupby(["industry_code", "year"])["policy"].transform("mean")
    cells = chosen[["city_code", "province_code"]].merge(pd.DataFrame({"industry_code": industries}), how="cross")
    cells = cells.merge(ma, on="city_code").merge(
        sc[["province_code", "industry_code", "year", "policy_rel"]], on=["province_code", "industry_code", "year"]
    )
    cells["iv"] = cells["policy_rel"] * cells["market_access"]
    by_kt = cells.groupby(["industry_code", "year"])["iv"]
    dev = (cells["iv"] - by_kt.transform("mean")) / cells.groupby("industry_code")["iv"].transform("mean")
    dev = dev - dev.groupby([cells["city_code"], cells["year"]]).transform("mean")
    sd = dev.groupby(cells["industry_code"]).transform("std").replace(0, 1.0).fillna(1.0)
    cells["z"] = dev / sd
    return cells[["city_code", "industry_code", "year", "iv", "z"]].sort_values(
        ["year", "city_code", "industry_code"], ignore_index=True
    )


def ar1_shock(cells: pd.DataFrame, years: list[int], rho: float, rng: np.random.Generator) -> pd.DataFrame:
    """u_jkt: persistent city x industry shock, AR(1) with unit stationary sd.

    Strictly city x industry: no city-wide component (SYNTH design notes: a
    city-wide part would make the placebo industry's C significant).
    """
    keys = cells[["city_code", "industry_code"]].drop_duplicates().sort_values(["city_code", "industry_code"])
    n = len(keys)
    u = rng.normal(0, 1, n)
    out = []
    for i, t in enumerate(years):
        if i > 0:
            u = rho * u + rng.normal(0, np.sqrt(1 - rho**2), n)
        out.append(keys.assign(year=t, u=u.copy()))
    return pd.concat(out, ignore_index=True)
