"""Customs flows that reproduce each exporter's target DVAR (SYNTH §5).

The inversion needs no fixed point (SYNTH design notes).  With
``F = Y (1 - d)`` the foreign content METHOD §3 attributes to a firm is

    F = IMP1 + D * Y2/S + fc * max(M - IMP1 - D, 0) * Y/S,    D = IMPo - Ko

(adjusted values).  Imports move along a direction (IMP1, D) = x (a, b) --
processing firms (1, 0), ordinary (0, 1), mixed (Y1/Y, Y2/Y) -- so x has a
closed form.  A target above ``1 - fc M/S`` has no solution: the world
raises such firm-years' markups beforehand (production.feasible_markups),
which lowers M/S through the first-order condition; lowering M here is only
a last resort that breaks the production function (``m_lowered``, counted in
truth.json; none in practice).  Ordinary imports of product h
are written as ``adjusted * (1 - s_h)``, and intermediaries then import
``s_h / (1 - s_h)`` times everyone else's imports of h, so that METHOD's
share of intermediaries is exactly the target ``s_h``.  Flows that set DVAR
use HS codes with a single HS1996 image; noise flows use any code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import ndtri

from analytics.settings import HS_VERSION_BY_YEAR

OTHER_EXPORT_REGIMES = ["16", "19", "33", "39", "30"]
OTHER_IMPORT_REGIMES = ["20", "25", "33", "12", "39"]
IMPORT_ORIGINS = {"JPN": 0.2, "KOR": 0.14, "TWN": 0.12, "USA": 0.1, "DEU": 0.09, "MYS": 0.05, "AUS": 0.05,
                  "THA": 0.04, "SGP": 0.04, "PHL": 0.03, "FRA": 0.03, "ITA": 0.03, "BRA": 0.03, "RUS": 0.02,
                  "SAU": 0.02, "GBR": 0.01}
QUALITY_COLUMNS = ["true_log_quality", "true_log_quality_rel", "n_products_true"]  # an exporter-year's true quality
KSW_V0 = 11.0  # ln of a typical cell value (USD): keeps unit values near the product's base price
UNIT_BY_CHAPTER = {"84": "台", "85": "台", "87": "辆", "61": "件", "62": "件", "64": "双", "94": "件", "95": "个", "90": "台"}


def hash_uniform(a: np.ndarray, b: np.ndarray | int, salt: int) -> np.ndarray:
    """A persistent pseudo-random uniform in (0, 1) from integer keys."""
    with np.errstate(over="ignore"):  # splitmix-style mixing wraps modulo 2**64 on purpose
        x = np.atleast_1d(np.asarray(a, dtype=np.uint64)) * np.uint64(1_000_003)
        x = x + np.asarray(b, dtype=np.uint64) * np.uint64(97) + np.uint64(salt * 7919)
        x = (x ^ (x >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
        x = (x ^ (x >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
        x = x ^ (x >> np.uint64(33))
    return (x >> np.uint64(11)).astype(np.float64) / float(2**53) * 0.999998 + 0.000001


def solve_imports(Y, Y1, Y2, S, M, F, fc):
    """Closed-form processing imports and adjusted non-capital ordinary imports.

    Returns (IMP1, D, M_used, infeasible) arrays; M_used is M lowered where the
    target lies above the foreign-content floor.
    """
    a = np.where(Y2 <= 0, 1.0, np.where(Y1 <= 0, 0.0, Y1 / Y))
    b = np.where(Y2 <= 0, 0.0, np.where(Y1 <= 0, 1.0, Y2 / Y))
    c1 = a + b * Y2 / S
    c2 = a + b
    floor = fc * M * Y / S
    infeasible = F < floor * 1.02
    M_used = np.where(infeasible, F * S / (fc * Y) * 0.97, M)
    x = (F - fc * M_used * Y / S) / (c1 - fc * c2 * Y / S)
    x = np.where(x * c2 > M_used, F / c1, x)
    return a * x, b * x, M_used, infeasible


class ProductBook:
    """Products and codes available in one year's HS version."""

    def __init__(self, cat, year: int):
        self.version = HS_VERSION_BY_YEAR[year]
        from analytics.synth.catalogue import clean_codes

        clean = clean_codes(cat)
        clean = clean[clean["version"] == self.version]
        prod = cat.products.merge(clean[["hs6_1996", "hs6"]], on="hs6_1996", how="inner")
        self.products = prod.sort_values(["industry_code", "hs6_1996"], ignore_index=True)
        self.by_ind = {k: g for k, g in self.products.groupby("industry_code")}
        self.intermediate = self.products[self.products["end_use"] == "intermediate"].reset_index(drop=True)
        self.capital = self.products[self.products["end_use"] == "capital"].reset_index(drop=True)
        allc = cat.hs_codes_by_version[cat.hs_codes_by_version["version"] == self.version]
        self.all_codes = np.array(sorted(allc["hs6"].unique()))
        self.image = allc[["hs6", "hs6_1996", "weight"]]
        un = cat.unlinked_codes
        self.unlinked = un.loc[un["version"] == self.version, "hs6"].to_numpy()


def firm_totals(ex: pd.DataFrame, fx: float, fc: float, rng: np.random.Generator) -> pd.DataFrame:
    """Per exporter-year: Y, Y1, Y2, IMP1, D, Ko (adjusted USD), M lowered if needed."""
    ex = ex.copy()
    S = ex["sales"].to_numpy() * 1000 / fx
    M = ex["intermediate_inputs"].to_numpy() * 1000 / fx
    valid = (S > 0) & np.isfinite(M)
    S_eff = np.where(S > 0, S, ex["output"].to_numpy() * 1000 / fx)
    Y = np.round(ex["export_ratio"].to_numpy() * S_eff, 2)
    gts = ex["general_trade_share"].to_numpy()
    Y2 = np.round(Y * gts, 2)
    Y1 = Y - Y2
    d = ex["dvar_target"].to_numpy()
    F = Y * (1 - d)
    M_fill = np.where(np.isfinite(M), M, 0.5 * S_eff)
    IMP1, D, M_used, infeasible = solve_imports(Y, Y1, Y2, S_eff, M_fill, F, fc)
    infeasible &= valid
    # M written in thousand RMB with one decimal: round down and re-solve
    m_krmb = np.where(infeasible, np.floor(M_used * fx / 1000 * 10) / 10, ex["intermediate_inputs"].to_numpy())
    M2 = np.where(np.isfinite(m_krmb), m_krmb * 1000 / fx, M_fill)
    IMP1, D, _, _ = solve_imports(Y, Y1, Y2, S_eff, M2, F, fc)
    Ko = np.where(rng.random(len(ex)) < 0.5, S_eff * rng.uniform(0.005, 0.04, len(ex)), 0.0)
    ex["intermediate_inputs"] = m_krmb
    ex["m_lowered"] = infeasible
    ex["Y"], ex["Y1"], ex["Y2"] = Y, Y1, Y2
    ex["IMP1"], ex["D"], ex["Ko"] = np.maximum(IMP1, 0.0), np.maximum(D, 0.0), Ko
    ex["exports_usd"] = Y
    ex["dvar_valid"] = valid
    return ex


def _spread(rng, n_parts: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each total into n_parts Dirichlet shares; returns (owner index, values)."""
    owner = np.repeat(np.arange(len(total)), n_parts)
    w = rng.gamma(1.5, 1.0, len(owner))
    sums = np.bincount(owner, weights=w, minlength=len(total))
    return owner, total[owner] * w / sums[owner]


def _month_split(rng, value_usd: np.ndarray, max_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each annual flow over a few active months: ``(owner, month,
    value)`` per monthly part, ``owner`` the flow's position. Distinct months
    per flow: a random start and consecutive offsets."""
    n = len(value_usd)
    k = rng.integers(1, max_months + 1, n)
    owner, vals = _spread(rng, k, value_usd)
    start = rng.integers(0, 12, n)[owner]
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(k) - k, k)
    return owner, ((start + offset * 5) % 12 + 1).astype(np.int64), vals


def exporter_flows(ex: pd.DataFrame, book: ProductBook, s_h: pd.Series, countries: pd.DataFrame,
                   year: int, sigma: float, quality_sd: float, lines: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Annual flows of matched exporters (before months), and their true quality."""
    rows = []
    fid = ex["fid"].to_numpy()
    # --- exports: persistent product and destination sets ---------------------------------
    # products and destinations per exporter grow with the scale's line budget
    # (4 each up to demo; the paper scale's ~250 lines per exporter-year need more)
    breadth = max(4, lines // 25)
    n_prod = 1 + (hash_uniform(fid, 1, 11) * breadth).astype(int)
    n_dest = 1 + (hash_uniform(fid, 2, 12) * breadth).astype(int)
    max_cells = max(2, lines // 4)
    n_dest = np.minimum(n_dest, np.maximum(1, max_cells // n_prod))
    iso = countries["iso3"].to_numpy()
    cw = countries["weight"].to_numpy() / countries["weight"].sum()
    cells = _export_cells(ex["industry_code"], fid, n_prod, n_dest, book, iso, cw, year, quality_sd)
    dest_shift = {c: ndtri(hash_uniform(year, k, 17)[0]) * 0.4 for k, c in enumerate(iso)}
    cells["w"] = np.exp((sigma - 1) * cells["lq"] + (1 - sigma) * np.log(cells["price"]) * 0.3
                        + cells["partner_country"].map(dest_shift) + rng.normal(0, 0.3, len(cells)))
    cells["w"] = cells["w"] / cells.groupby("i")["w"].transform("sum")
    Y1 = ex["Y1"].to_numpy()[cells["i"]]
    Y2 = ex["Y2"].to_numpy()[cells["i"]]
    # KSW demand: ln q + sigma ln p = (sigma - 1) lq + c_h + shift(d, t) + noise.  Each cell's value v
    # is fixed (the firm's totals set its DVAR), so its one price (across regimes) solves the demand
    # equation given v: ln p = ln base_h + lq + (shift + noise - (ln v - V0)) / (sigma - 1), q = v / p,
    # i.e. c_h = (sigma - 1) ln base_h + V0.  KSW's FE(h) and FE(destination x year) absorb c_h and
    # shift, so e / (sigma - 1) is lq up to the fixed effects.
    v_cell = cells["w"].to_numpy() * (Y1 + Y2)
    noise = rng.normal(0, 0.3, len(cells))
    ln_v = np.log(np.where(v_cell > 0, v_cell, 1.0))
    cells["price"] = np.exp(np.log(cells["price"].to_numpy()) + cells["lq"].to_numpy()
                            + (cells["partner_country"].map(dest_shift).to_numpy() + noise - (ln_v - KSW_V0)) / (sigma - 1))
    proc_regime = np.where(hash_uniform(fid[cells["i"]], 4, 18) < 0.3, "14", "15")
    for regime, tot in (("10", Y2), ("proc", Y1)):
        part = cells[tot > 0].copy()
        v = (part["w"] * tot[tot > 0]).to_numpy()
        part["value_usd"] = v
        part["quantity"] = v / part["price"].to_numpy()
        part["trade_regime"] = "10" if regime == "10" else proc_regime[tot > 0]
        part["flow"] = "export"
        rows.append(part)
    # true quality per firm-year, export-value weighted over its cells: the log quality itself, and
    # relative to the mean over the year's cells of the same HS1996 product -- what KSW identifies
    # (its FE(h) and FE(destination x year) absorb product means and the common trend)
    v = cells["w"].to_numpy() * (Y1 + Y2)
    lq = cells["lq"].to_numpy()
    lq_rel = lq - cells.groupby("hs6_1996")["lq"].transform("mean").to_numpy()
    agg = pd.DataFrame({"i": cells["i"].to_numpy(), "v": v, "vlq": v * lq, "vlr": v * lq_rel}).groupby("i").sum()
    agg = agg[agg["v"] > 0]
    idx = agg.index.to_numpy()
    q = pd.DataFrame({"fid": fid[idx], "year": year, "true_log_quality": (agg["vlq"] / agg["v"]).to_numpy(),
                      "true_log_quality_rel": (agg["vlr"] / agg["v"]).to_numpy(), "n_products_true": n_prod[idx]})
    # --- imports that set DVAR -------------------------------------------------------------
    origins = np.array(list(IMPORT_ORIGINS)); ow = np.array(list(IMPORT_ORIGINS.values())); ow = ow / ow.sum()
    for kind, total, pool, regime in (
        ("IMP1", ex["IMP1"].to_numpy(), book.intermediate, None),
        ("D", ex["D"].to_numpy(), book.intermediate, "10"),
        ("Ko", ex["Ko"].to_numpy(), book.capital, "10"),
    ):
        has = np.flatnonzero(total > 0)
        if len(has) == 0 or len(pool) == 0:
            continue
        k = rng.integers(1, 4, len(has))
        owner, vals = _spread(rng, k, total[has])
        pi = rng.integers(0, len(pool), len(owner))
        part = pd.DataFrame({"i": has[owner], "hs6_1996": pool["hs6_1996"].to_numpy()[pi], "hs6": pool["hs6"].to_numpy()[pi],
                             "partner_country": rng.choice(origins, len(owner), p=ow), "flow": "import"})
        if kind == "IMP1":
            part["trade_regime"] = proc_regime_firm = np.where(hash_uniform(fid[has[owner]], 4, 18) < 0.3, "14", "15")
            part["value_usd"] = vals
        else:
            part["trade_regime"] = "10"
            part["value_usd"] = vals * (1 - part["hs6_1996"].map(s_h).fillna(0.0).to_numpy())
        part["quantity"] = part["value_usd"] / np.exp(3 + rng.normal(0, 0.5, len(part)))
        rows.append(part)
    # --- noise: other regimes, any code, incl. split and unlinked codes ---------------------------
    noisy = np.flatnonzero(rng.random(len(ex)) < 0.3)
    if len(noisy):
        codes = np.concatenate([book.all_codes, book.unlinked]) if len(book.unlinked) else book.all_codes
        flow = np.where(rng.random(len(noisy)) < 0.5, "export", "import")
        regime = np.where(flow == "export", rng.choice(OTHER_EXPORT_REGIMES, len(noisy)), rng.choice(OTHER_IMPORT_REGIMES, len(noisy)))
        val = ex["Y"].to_numpy()[noisy] * rng.uniform(0.01, 0.08, len(noisy)) + 100.0
        part = pd.DataFrame({"i": noisy, "hs6": rng.choice(codes, len(noisy)), "partner_country": rng.choice(origins, len(noisy)),
                             "flow": flow, "trade_regime": regime, "value_usd": val})
        part["quantity"] = val / 20.0
        rows.append(part)
    flows = pd.concat(rows, ignore_index=True)
    flows["customs_firm_id"] = ex["customs_firm_id"].to_numpy()[flows["i"]]
    return flows.drop(columns=["i", "w", "lq", "price", "hs6_1996"], errors="ignore"), q


def _export_cells(industry: pd.Series, fid: np.ndarray, n_prod: np.ndarray, n_dest: np.ndarray, book: ProductBook,
                  iso: np.ndarray, cw: np.ndarray, year: int, quality_sd: float) -> pd.DataFrame:
    """The (exporter, product, destination) cells of each exporter, in the order
    exporter, product pick, destination (sorted ISO code).

    Exporter i picks ``min(n_prod, m)`` of the m products of its industry (all
    products if the book has none for it) at positions ``off + 7 j (mod m)``
    from a persistent offset, and sells each to the distinct destinations of
    ``n_dest`` persistent draws.  Built with array operations (one row per cell,
    values identical to a loop over exporters, picks and destinations).
    """
    n = len(fid)
    keys = list(book.by_ind)
    tables = [book.by_ind[k] for k in keys] + [book.products]
    sizes = np.array([len(t) for t in tables], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    all_h = np.concatenate([t["hs6_1996"].to_numpy(dtype=object) for t in tables])
    all_code = np.concatenate([t["hs6"].to_numpy(dtype=object) for t in tables])
    all_hint = np.array([int(h) for h in all_h], dtype=np.int64)
    pos = {k: j for j, k in enumerate(keys)}
    fallback = len(keys)
    grp = np.array([pos.get(k, fallback) for k in industry], dtype=np.int64)
    grp = np.where(sizes[grp] > 0, grp, fallback)
    m = sizes[grp]
    off = (hash_uniform(fid, 3, 13) * m).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    # product picks: exporter pi, pick j
    n_pick = np.minimum(n_prod, m)
    pi = np.repeat(np.arange(n), n_pick)
    j = np.arange(len(pi)) - np.repeat(np.cumsum(n_pick) - n_pick, n_pick)
    row = starts[grp[pi]] + (off[pi] + 7 * j) % np.maximum(m[pi], 1)
    h, code, hint = all_h[row], all_code[row], all_hint[row]
    lq = ndtri(hash_uniform(fid[pi], hint, 15)) * quality_sd + 0.02 * (year - 2000)
    price = np.exp(3.0 + 0.5 * ndtri(hash_uniform(0, hint, 16)))  # the product's base price
    # destinations: the distinct ISO codes of each exporter's draws, sorted
    rd = np.repeat(np.arange(n), n_dest)
    jd = np.arange(len(rd)) - np.repeat(np.cumsum(n_dest) - n_dest, n_dest)
    ci = np.minimum(np.searchsorted(np.cumsum(cw), hash_uniform(fid[rd], jd, 14)), len(iso) - 1)
    iso_sorted, rank = np.unique(iso, return_inverse=True)
    k_iso = max(len(iso_sorted), 1)
    dkey = np.unique(rd * k_iso + rank[ci])
    d_owner, d_val = dkey // k_iso, iso_sorted[dkey % k_iso]
    n_d = np.bincount(d_owner, minlength=n)
    d_start = np.cumsum(n_d) - n_d
    # cells: each pick times its exporter's destinations
    c = n_d[pi]
    r = np.repeat(np.arange(len(pi)), c)
    if len(r) == 0:
        return pd.DataFrame({"i": [], "hs6_1996": [], "hs6": [], "partner_country": [], "lq": [], "price": []})
    k = np.arange(len(r)) - np.repeat(np.cumsum(c) - c, c)
    return pd.DataFrame({"i": pi[r], "hs6_1996": h[r], "hs6": code[r], "partner_country": d_val[d_start[pi[r]] + k],
                         "lq": lq[r], "price": price[r]})


def loose_flows(firms: pd.DataFrame, book: ProductBook, scale_usd: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Flows of customs firms outside the survey: any regime, any code."""
    n = len(firms)
    k = rng.integers(2, 7, n)
    owner, vals = _spread(rng, k, scale_usd)
    codes = np.concatenate([book.all_codes, book.unlinked]) if len(book.unlinked) else book.all_codes
    flow = np.where(rng.random(len(owner)) < 0.55, "export", "import")
    regime = rng.choice(["10", "10", "10", "15", "14", "20", "33", "19"], len(owner))
    iso = np.array(list(IMPORT_ORIGINS))
    out = pd.DataFrame({"customs_firm_id": firms["customs_firm_id"].to_numpy()[owner], "hs6": rng.choice(codes, len(owner)),
                        "partner_country": rng.choice(iso, len(owner)), "flow": flow, "trade_regime": regime, "value_usd": vals})
    out["quantity"] = vals / 15.0
    return out


def intermediary_flows(others: pd.DataFrame, book: ProductBook, s_h: pd.Series, inter: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Intermediaries' imports of h: s_h/(1-s_h) times all other firms' imports of h.

    ``others``: every non-intermediary import and export row of the year
    (hs6 in the year's version).  Imports are mapped to HS1996 with the
    version's weights, exactly as METHOD §3 counts them.
    """
    imp = others[others["flow"] == "import"][["hs6", "value_usd"]]
    imp = imp.merge(book.image, on="hs6", how="inner")
    n_h = (imp["value_usd"] * imp["weight"]).groupby(imp["hs6_1996"]).sum()
    clean = book.products.drop_duplicates("hs6_1996").set_index("hs6_1996")["hs6"]
    # (the codes compared as objects: an Arrow-string isin loops over the values in Python)
    codes = pd.Index(s_h.index.to_numpy(dtype=object), dtype=object)
    both = codes.isin(n_h.index.to_numpy(dtype=object)) & codes.isin(clean.index.to_numpy(dtype=object))
    target = s_h[(s_h > 0) & both]
    vol = target / (1 - target) * n_h.reindex(target.index)
    vol = vol[vol > 0]
    k = rng.integers(1, 3, len(vol))
    owner, vals = _spread(rng, k, vol.to_numpy())
    iso = np.array(list(IMPORT_ORIGINS))
    imports = pd.DataFrame({
        "customs_firm_id": rng.choice(inter["customs_firm_id"].to_numpy(), len(owner)),
        "hs6": clean.reindex(vol.index).to_numpy()[owner], "partner_country": rng.choice(iso, len(owner)),
        "flow": "import", "trade_regime": "10", "value_usd": vals})
    imports["quantity"] = vals / 10.0
    exports = loose_flows(inter, book, np.full(len(inter), max(vol.sum(), 1e5) / max(len(inter), 1)), rng)
    exports = exports[exports["flow"] == "export"]
    return pd.concat([imports, exports], ignore_index=True)


CUSTOMS_COLUMNS = ["year", "month", "customs_firm_id", "firm_name", "phone", "zip_code", "flow", "trade_regime",
                   "hs_code", "partner_country", "value_usd", "quantity", "unit"]
CUSTOMS_GRAIN = ["year", "month", "customs_firm_id", "flow", "trade_regime", "hs_code", "partner_country"]


_SUFFIXES = np.array(["00", "10", "20", "90", "99"])
"""The two digits a customs line adds to its HS6 code, in text order."""


def _sorted_codes(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, text)``: each value's position in ``text``, its distinct
    values in code-point order (the order a sort of the text gives)."""
    codes, text = pd.factorize(values, sort=True)
    if (codes < 0).any():
        raise ValueError(f"customs_rows: a flow without {column}")
    return codes.astype(np.int64), np.asarray(text, dtype=object)


def customs_rows(flows: pd.DataFrame, ident: pd.DataFrame, year: int, rng: np.random.Generator,
                 max_months: int) -> pa.Table:
    """Monthly rows in the CONTRACT layout, one per grain key, sorted by it,
    as an Arrow table (the layout it is written in).

    Every random draw is made for the whole year first (the months, the HS
    suffixes, the missing phones); the rows are then built and summed one
    month at a time. Month is the grain's second key after the year, so the
    months in order are the year's rows in order, and a paper-scale year
    (about 8 million lines) is never held as one pandas frame.

    ``ident`` holds one row per customs_firm_id: the name, phone and zip code
    on its lines (a line's phone is missing when every monthly part summed
    into it lost it).  The months are summed on integer codes of the grain's
    text keys, ordered as the text sorts, and every text column is held
    dictionary-encoded: the keys' and units' distinct values once a year,
    the firm's from ``ident`` by position (a paper year in about 0.6 GB
    instead of 1.7); :func:`analytics.rawio.write_parquet` writes the plain
    text."""
    flows = flows[flows["value_usd"] > 0].reset_index(drop=True)
    annual_value = flows["value_usd"].to_numpy()
    owner, month, value = _month_split(rng, annual_value, max_months)
    n = len(owner)
    suffix = np.where(rng.random(n) < 0.8, "00", rng.choice(["10", "90", "20", "99"], n))
    # a few rows carry a variant of the name or no phone, as in real files
    null_phone = rng.random(n) < 0.05
    firm_at = pd.Index(ident["customs_firm_id"])
    if not firm_at.is_unique:
        raise ValueError("customs_rows: ident must hold one row per customs_firm_id")
    # the grain's text keys as integer codes in the text's order, found once for the year:
    # the months sum on the codes and take the text back by position
    keys = {c: _sorted_codes(flows[c], c) for c in ("customs_firm_id", "flow", "trade_regime", "partner_country")}
    hs6_code, hs6_text = _sorted_codes(flows["hs6"].astype(str), "hs6")
    pair = hs6_code[owner] * len(_SUFFIXES) + np.searchsorted(_SUFFIXES, suffix)
    pairs = np.unique(pair)
    pair_text = np.array([hs6_text[p // len(_SUFFIXES)] + _SUFFIXES[p % len(_SUFFIXES)] for p in pairs], dtype=object)
    order = np.argsort(pair_text, kind="stable")
    hs_code, hs_text = np.empty(len(pairs), dtype=np.int64), pair_text[order]
    hs_code[order] = np.arange(len(pairs))
    hs_code = hs_code[np.searchsorted(pairs, pair)]  # each monthly part's HS code, in the codes' text order
    keys["hs_code"] = (hs_code, hs_text)
    units = np.array(sorted(set(UNIT_BY_CHAPTER.values()) | {"千克"}), dtype=object)
    unit_of_hs = np.searchsorted(units, [UNIT_BY_CHAPTER.get(h[:2], "千克") for h in hs_text])
    dictionary = {c: pa.array(text, type=pa.large_string()) for c, (_, text) in keys.items()}
    dictionary["unit"] = pa.array(units, type=pa.large_string())
    firm_pos = firm_at.get_indexer(keys["customs_firm_id"][1])  # -1: a firm ident does not name
    firm_text = {c: pa.array(ident[c].to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
                 for c in ("firm_name", "phone", "zip_code")}
    annual_quantity = flows["quantity"].to_numpy()
    grain = ["customs_firm_id", "flow", "trade_regime", "hs_code", "partner_country"]  # after year and month
    tables = []
    for m in range(1, 13):
        at = np.flatnonzero(month == m)
        if not len(at):
            continue
        flow_at = owner[at]
        part = pd.DataFrame({c: (keys[c][0][flow_at] if c != "hs_code" else keys[c][0][at]) for c in grain})
        part["value_usd"] = value[at]
        annual = annual_value[flow_at]
        part["quantity"] = annual_quantity[flow_at] * value[at] / np.where(annual > 0, annual, 1)
        part["has_phone"] = ~null_phone[at]
        out = part.groupby(grain, sort=True, as_index=False).agg(
            value_usd=("value_usd", "sum"), quantity=("quantity", "sum"), has_phone=("has_phone", "max"))

        def coded(indices: np.ndarray, values: pa.Array, missing: np.ndarray | None = None) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32), mask=missing), values)

        pos = firm_pos[out["customs_firm_id"].to_numpy()]
        unknown = pos < 0  # no name, phone or zip code
        no_phone = unknown | ~out["has_phone"].to_numpy(dtype=bool)
        hs = out["hs_code"].to_numpy()
        columns = {
            "year": pa.array(np.full(len(out), year, dtype=np.int64)),
            "month": pa.array(np.full(len(out), m, dtype=np.int64)),
            **{c: coded(out[c].to_numpy(), dictionary[c]) for c in grain},
            "firm_name": coded(np.maximum(pos, 0), firm_text["firm_name"], unknown),
            "phone": coded(np.maximum(pos, 0), firm_text["phone"], no_phone),
            "zip_code": coded(np.maximum(pos, 0), firm_text["zip_code"], unknown),
            "value_usd": pa.array(np.round(out["value_usd"].to_numpy(), 2)),
            "quantity": pa.array(np.round(out["quantity"].to_numpy(), 3)),
            "unit": coded(unit_of_hs[hs], dictionary["unit"]),
        }
        tables.append(pa.Table.from_arrays([columns[c] for c in CUSTOMS_COLUMNS], names=CUSTOMS_COLUMNS))
        del part, out
    if not tables:
        return pa.Table.from_pandas(pd.DataFrame(columns=CUSTOMS_COLUMNS), preserve_index=False)
    return pa.concat_tables(tables, promote_options="default").replace_schema_metadata(None)
