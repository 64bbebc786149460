"""Production side and the DVAR equation (SYNTH §Causal structure 5-6).

Productivity ``omega_it = omega0_it + omegaC_it`` where ``omega0`` is the
idiosyncratic AR(1) that also drives exit (firms.py) and
``omegaC_it = rho * omegaC_{i,t-1} + beta_tfp * C_jkt`` is C's channel.
Capital accumulates with investment ``I = K exp(-2 + b_w omega)`` (strictly
monotone in omega and k: the Olley-Pakes proxy is invertible), labour is
chosen after omega is seen, intermediates by the static first-order
condition ``M = beta_m S / mu_i`` so the De Loecker-Warzynski markup is
``mu_i`` exactly, and gross output is Cobb-Douglas:

    ln Q* = a + omega + beta_l l + beta_k k + beta_m m,    S = P^out Q* exp(eps)

in real values (1998 prices); the survey reports current prices
(analytics/synth/prices.py): sales at the industry-year output price,
intermediates at the input price (the first-order condition in those prices,
so the nominal M / S* is beta_m / mu), fixed assets as the book value of the
real investment at the investment price.

Export DVAR of exporters follows

    dvar_it = a_i + d_t + beta C_jkt + gamma' X_it - lambda u_jkt + e_it
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.synth.config import SynthParams
from analytics.synth.prices import WorldPrices, nominal_book_value

SALES_SCALE = 4.0  # a: sets the units (thousand RMB) of sales
DVAR_CAP = 0.99
INFEASIBLE_MARGIN = 1.02  # as trade.solve_imports: a target within 2% of the ceiling counts as infeasible
FEASIBLE_RATIO = 0.97  # a raised markup puts M/S 3% below the ceiling


def simulate_production(fy: pd.DataFrame, cells: pd.DataFrame, params: SynthParams, rng: np.random.Generator,
                        prices: WorldPrices | None = None) -> pd.DataFrame:
    """Add omega, L, K, M, S (thousand RMB, true and observed) to firm-years.

    ``fy`` is sorted by (year, fid); ``cells`` holds C and u per
    (city_code, industry_code, year). ``prices``: the world's price tables
    (every price 1 without them). ``ln_sales_true`` is the log of nominal
    S* (before eps); the real values the production function uses are
    ``ln_q_true`` (= ln_sales_true - ln_p_out), ``ln_m_real``, ``real_capital``
    (= exp(ln_k)), with the prices ``ln_p_out``, ``ln_p_in``, ``ln_p_inv``.
    """
    # the rows stay as given (sorted by year, fid); the recursion and the draws run in (fid, year)
    # order through ``order``, and what they give is put back in the rows' order: no copy of the frame
    if not _sorted_by(fy, ["year", "fid"]):
        fy = fy.sort_values(["year", "fid"], ignore_index=True)
    fy = fy.reset_index(drop=True)
    keys = ["city_code", "industry_code", "year"]
    at = cells.set_index(keys).index.get_indexer(pd.MultiIndex.from_frame(fy[keys]))
    cell_c = np.where(at >= 0, cells["C"].to_numpy(dtype=float)[at], np.nan)
    cell_u = np.where(at >= 0, cells["u"].to_numpy(dtype=float)[at], np.nan)
    cell_c, cell_u = np.nan_to_num(cell_c, nan=0.0), np.nan_to_num(cell_u, nan=0.0)
    order = np.lexsort((fy["year"].to_numpy(), fy["fid"].to_numpy()))
    n_f = int(fy["fid"].max()) + 1
    l_i = rng.normal(4.85, 0.95, n_f) + np.where(rng.random(n_f) < 0.5, 0.3, 0.0)
    k_i = rng.normal(0.0, 1.35, n_f)
    mu_i = np.clip(rng.normal(params.markup_mean, params.markup_sd, n_f), 1.05, 1.8)
    fid = fy["fid"].to_numpy()[order]
    year = fy["year"].to_numpy()[order]
    exporter = (fy["trade_type"] != "none").to_numpy()[order]
    C = cell_c[order]
    om0 = fy["omega0"].to_numpy()[order]
    n = len(fy)
    omega_c = np.zeros(n)
    ln_k = np.zeros(n)
    # state per firm, updated year by year (firms' survey years are contiguous)
    st_wc = np.full(n_f, np.nan)
    st_k = np.full(n_f, np.nan)
    st_w = np.full(n_f, np.nan)
    for t in np.unique(year):
        rows = np.flatnonzero(year == t)
        f = fid[rows]
        new = np.isnan(st_wc[f])
        wc = np.where(
            new,
            params.beta_tfp * C[rows] / (1 - params.omega_rho),
            params.omega_rho * np.nan_to_num(st_wc[f]) + params.beta_tfp * C[rows],
        )
        inv_rate = np.exp(-2.0 + params.investment_omega * np.nan_to_num(st_w[f]))
        k = np.where(
            new,
            8.75 + 0.8 * (l_i[f] - 5.0) + k_i[f],
            np.nan_to_num(st_k[f]) + np.log(1 - params.depreciation + inv_rate),
        )
        omega_c[rows], ln_k[rows] = wc, k
        st_wc[f], st_k[f], st_w[f] = wc, k, om0[rows] + wc
    omega = om0 + omega_c
    exp_boost = np.where(exporter, 0.45, 0.0)
    ln_l = l_i[fid] + exp_boost + 0.3 * omega + rng.normal(0, 0.1, n)
    mu = mu_i[fid]
    bm = params.beta_m
    if prices is None:
        lp_out = lp_in = lp_inv = np.zeros(n)
    else:
        lp = prices.for_rows(fy["industry_code"], fy["year"])
        lp_out, lp_in, lp_inv = (lp[c].to_numpy()[order] for c in ("ln_p_out", "ln_p_in", "ln_p_inv"))
    # real output Q* and real M by the first-order condition P^in M = (beta_m / mu) P^out Q*
    ln_q_true = (SALES_SCALE + omega + params.beta_l * ln_l + params.beta_k * ln_k
                 + bm * (np.log(bm / mu) + lp_out - lp_in)) / (1 - bm)
    ln_s_true = ln_q_true + lp_out  # nominal S*
    ln_m = ln_s_true + np.log(bm / mu)  # nominal M
    eps = rng.normal(0, 0.05, n)
    out = {"omega": omega, "omega_c": omega_c, "markup": mu,
           "ln_sales_true": ln_s_true,  # ln S*: nominal output before eps (ln_q_true + ln_p_out)
           "ln_q_true": ln_q_true,  # the production function's real output, before eps
           "ln_p_out": lp_out, "ln_p_in": lp_in, "ln_p_inv": lp_inv, "sales_shock": eps, "ln_l": ln_l, "ln_k": ln_k,
           "investment": np.exp(ln_k) * np.exp(-2.0 + params.investment_omega * omega),
           "employment": np.maximum(np.round(np.exp(ln_l)), 8).astype(np.int64),
           "real_capital": np.exp(ln_k),
           # the book value of the real investment at its prices (each firm's years consecutive here)
           "fixed_assets": nominal_book_value(fid, np.exp(ln_k), lp_inv, params.depreciation)}
    # written values (thousand RMB, one decimal) with the mess of real files:
    # a few missing intermediate inputs, a few zero sales among non-exporters
    sales = np.round(np.exp(ln_s_true + eps), 1)
    zero = (~exporter) & (rng.random(n) < 0.004)
    out["sales"] = np.where(zero, 0.0, sales)
    m = np.round(np.exp(ln_m), 1)
    out["intermediate_inputs"] = np.where(rng.random(n) < 0.01, np.nan, m)
    out["output"] = out["sales"] * np.exp(rng.normal(0.02, 0.03, n))
    out["total_assets"] = out["fixed_assets"] * np.exp(rng.normal(1.45, 0.3, n))
    fy["C"], fy["u"] = cell_c, cell_u
    for name in list(out):  # each column leaves ``out`` as it is placed: the new columns are not held twice
        values = out.pop(name)
        placed = np.empty_like(values)
        placed[order] = values
        fy[name] = placed
    return fy


def _sorted_by(df: pd.DataFrame, cols: list[str]) -> bool:
    """Rows in ``cols`` order, strictly (the keys unique)."""
    if len(df) < 2:
        return True
    a, b = (df[c].to_numpy() for c in cols)
    return bool(np.all((a[1:] > a[:-1]) | ((a[1:] == a[:-1]) & (b[1:] > b[:-1]))))


def dvar_targets(fy: pd.DataFrame, params: SynthParams, rng: np.random.Generator) -> pd.DataFrame:
    """General-trade share, export ratio and the structural DVAR of exporters."""
    fy = fy.copy(deep=False)  # new columns only: copy-on-write leaves the caller's frame as it was
    n_f = int(fy["fid"].max()) + 1
    # firm effects by trade type; ordinary exporters' are left-skewed so that
    # few of them run into the foreign-content ceiling near 1
    a_norm = rng.normal(0.0, params.firm_effect_sd, n_f)
    k, th = params.ordinary_headroom_shape, params.ordinary_headroom_scale
    a_ord = -(rng.gamma(k, th, n_f) - k * th)
    gts_i = rng.uniform(0.15, 0.9, n_f)
    ratio_i = rng.uniform(-0.1, 0.1, n_f)
    fid = fy["fid"].to_numpy()
    tt = fy["trade_type"].to_numpy()
    n = len(fy)
    shift = pd.Series(tt).map(params.type_shift).fillna(0.0).to_numpy()
    a_i = params.firm_effect_mean + np.where(tt == "ordinary", a_ord[fid], a_norm[fid]) + shift
    gts = np.select(
        [tt == "ordinary", tt == "processing", tt == "mixed"],
        [1.0, 0.0, np.clip(gts_i[fid] + rng.normal(0, 0.08, n), 0.12, 0.92)],
        np.nan,
    )
    ratio = np.select(
        [tt == "processing", tt == "mixed", tt == "ordinary"],
        [0.8 + ratio_i[fid], 0.55 + ratio_i[fid], 0.3 + ratio_i[fid]],
        0.0,
    )
    ratio = np.clip(ratio + rng.normal(0, 0.05, n), 0.05, 0.97)
    fy["general_trade_share"] = gts
    fy["export_ratio"] = np.where(tt == "none", 0.0, ratio)
    t = fy["year"].to_numpy()
    d_t = params.year_effect_rise * (t - 2007) / 14
    g = params.gamma
    foreign = fy["foreign_share"].to_numpy()
    size = np.log(fy["employment"].to_numpy())
    dvar = (
        a_i
        + d_t
        + params.beta * fy["C"].to_numpy()
        + g["general_trade_share"] * np.nan_to_num(gts)
        + g["foreign_share"] * foreign
        + g["firm_size"] * (size - 5.5)
        - params.lam * fy["u"].to_numpy()
        + rng.normal(0, params.dvar_noise_sd, n)
    )
    # DVAR above 1 - fc*M/S is impossible (SYNTH design notes): the equation's
    # rare draws beyond 0.99 are capped there and flagged (truth.json counts them)
    fy["firm_effect"] = a_i
    fy["dvar_structural"] = np.where(tt == "none", np.nan, dvar)
    fy["dvar_capped"] = (tt != "none") & (dvar > DVAR_CAP)
    fy["dvar_target"] = np.where(tt == "none", np.nan, np.minimum(dvar, DVAR_CAP))
    return fy


def feasible_markups(fy: pd.DataFrame, params: SynthParams) -> pd.DataFrame:
    """Raise the markup of exporter-years whose DVAR target is infeasible.

    METHOD §3 attributes at least ``fc * M * Y / S`` of foreign content to a
    firm, so a target ``d`` with ``1 - d < fc M / S`` has no solution (SYNTH
    design notes).  Such a firm-year must have a lower ``M / S``.  With
    intermediates chosen by the first-order condition ``M = beta_m S* / mu``,
    ``M / S = (beta_m / mu) exp(-eps)``, so the world gives that firm-year a
    higher markup ``mu' = beta_m exp(-eps) / r*`` with
    ``r* = FEASIBLE_RATIO * (1 - d) / fc`` (inside the check of
    :func:`trade.solve_imports`, which then leaves M alone), and recomputes
    what the markup moves: output ``ln S*' = ln S* - beta_m / (1 - beta_m)
    ln(mu' / mu)`` (the Cobb-Douglas with the new first-order condition),
    observed sales ``S*' exp(eps)`` with the same eps, gross output in the
    same proportion and ``M' = beta_m S*' / mu'`` (rounded down).  The
    production function and the FOC hold on every firm-year, the markup
    stays the latent truth per firm-year (``markup``; ``markup_raised``
    flags these rows), and exports, a share of sales, follow in
    :func:`trade.firm_totals`.  Labour, capital and productivity are
    unchanged.
    """
    fy = fy.copy(deep=False)  # copy-on-write: the caller's frame is left as it was
    fc = params.foreign_content_share
    bm = params.beta_m
    d = fy["dvar_target"].to_numpy(dtype=float)
    S = fy["sales"].to_numpy(dtype=float)
    M = fy["intermediate_inputs"].to_numpy(dtype=float)
    ok = np.isfinite(d) & (S > 0) & np.isfinite(M)
    ratio = np.where(ok, M / np.where(S > 0, S, 1.0), np.nan)
    raise_ = ok & ((1 - np.nan_to_num(d)) < INFEASIBLE_MARGIN * fc * np.nan_to_num(ratio))
    r_star = FEASIBLE_RATIO * (1 - d) / fc
    mu = fy["markup"].to_numpy(dtype=float)
    eps = fy["sales_shock"].to_numpy(dtype=float)
    mu_new = np.where(raise_, bm * np.exp(-eps) / np.where(raise_, r_star, 1.0), mu)
    ln_s = fy["ln_sales_true"].to_numpy(dtype=float) - bm / (1 - bm) * np.log(mu_new / mu)
    sales_new = np.round(np.exp(ln_s + eps), 1)
    m_new = np.floor(np.exp(ln_s + np.log(bm / mu_new)) * 10) / 10
    fy["markup"] = mu_new
    fy["ln_sales_true"] = ln_s
    if "ln_q_true" in fy:
        fy["ln_q_true"] = fy["ln_q_true"].to_numpy() - bm / (1 - bm) * np.log(mu_new / mu)
    fy["output"] = np.where(raise_, fy["output"].to_numpy() * sales_new / np.where(S > 0, S, 1.0), fy["output"].to_numpy())
    fy["sales"] = np.where(raise_, sales_new, S)
    fy["intermediate_inputs"] = np.where(raise_, m_new, M)
    fy["markup_raised"] = raise_
    return fy


def survey_frame(fy: pd.DataFrame, fx: dict[int, float], rng: np.random.Generator) -> pd.DataFrame:
    """The CONTRACT's firm_survey columns for one year (thousand RMB)."""
    n = len(fy)
    t = int(fy["year"].iat[0])
    paid = fy["total_assets"].to_numpy() * rng.uniform(0.2, 0.5, n)
    fs = fy["foreign_share"].to_numpy()
    hmt = fy["hmt_part"].to_numpy()
    exports_usd = fy["exports_usd"].fillna(0.0).to_numpy()
    export_delivery = exports_usd * fx[t] / 1000 * np.exp(rng.normal(0, 0.04, n))
    indirect = (fy["trade_type"].to_numpy() == "none") & (rng.random(n) < 0.15)
    export_delivery = np.where(indirect, fy["sales"].to_numpy() * rng.uniform(0.02, 0.2, n), export_delivery)
    wage = 9.0 * 1.12 ** (t - 1998) * np.exp(rng.normal(0, 0.3, n))
    patents = fy["own_inventions"].fillna(0).to_numpy()
    rd_pos = (patents > 0) | (rng.random(n) < 0.22)
    rd = np.where(rd_pos, fy["sales"].to_numpy() * rng.uniform(0.002, 0.03, n), 0.0)
    rd = np.where(rng.random(n) < 0.04, np.nan, rd)
    subsidy = np.where(rng.random(n) < 0.3, fy["sales"].to_numpy() * rng.uniform(0.0005, 0.006, n), 0.0)
    m = fy["intermediate_inputs"].to_numpy()
    sales = fy["sales"].to_numpy()
    phone = np.where(rng.random(n) < 0.05, None, fy["phone"].to_numpy())
    return pd.DataFrame(
        {
            "year": np.int64(t),
            "firm_id": fy["firm_id"].to_numpy(),
            "firm_name": fy["firm_name"].to_numpy(),
            "legal_rep": fy["legal_rep"].to_numpy(),
            "phone": phone,
            "zip_code": fy["zip_code"].to_numpy(),
            "city_code": fy["county_code"].to_numpy(),
            "industry_code": fy["industry_code4"].to_numpy(),
            "year_established": fy["year_established"].to_numpy().astype(np.int64),
            "employment": fy["employment"].to_numpy().astype(np.int64),
            "output": np.round(fy["output"].to_numpy(), 1),
            "sales": sales,
            "export_delivery": np.round(export_delivery, 1),
            "intermediate_inputs": m,
            "fixed_assets": np.round(fy["fixed_assets"].to_numpy(), 1),
            "total_assets": np.round(fy["total_assets"].to_numpy(), 1),
            "paid_in_capital": np.round(paid, 1),
            "state_capital": np.round(fy["state_share"].to_numpy() * paid, 1),
            "foreign_capital": np.round(fs * (1 - hmt) * paid, 1),
            "hmt_capital": np.round(fs * hmt * paid, 1),
            "wage_bill": np.round(fy["employment"].to_numpy() * wage, 1),
            "rd_expenditure": np.round(rd, 1),
            "subsidy": np.round(subsidy, 1),
            "registration_type": fy["registration_type"].to_numpy(dtype=object),
        }
    ).sort_values("firm_id", ignore_index=True)
