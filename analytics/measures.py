"""Production-side measures of METHOD §6 as tables: data preparation
around the estimators of analytics/production.py, quality.py and
upstreamness.py, and the pooled parameter estimates with a firm block
bootstrap.

Pure functions of pandas frames in the columns of the dbt input models
(``panel.pnl_survey_firm_years``, ``pnl_firm_export_lines``,
``pnl_industry_year_output``, ``staging.stg_reference__io_links``,
``marts.fct_city_industry_complementarity``); they return the ``analytics``
tables of the data contract. Nothing here reads files or knows how the
synthetic world is generated: every parameter, the persistence of
productivity included, is estimated from the data. (:func:`quality_slope`
compares estimated qualities with a reference given as an argument; the
truth side of the platform gives it a synthetic world's true qualities.)

Choices (ours; METHOD fixes the estimators, not these):

- ``tfp_form`` ("gross_output", default): Olley-Pakes on the gross-output
  Cobb-Douglas ``y = b_l l + b_m m + b_k k + omega + e`` with labour *and*
  intermediates as the free inputs of the first stage, so TFP is
  ``y - b_l l - b_m m - b_k k`` and the same fit gives the DLW theta_m
  (= b_m): one production function for TFP and markups. "value_added" is
  METHOD's step (1) literally, ``va = ln(S - M)`` on labour alone with TFP
  ``va - b_l l - b_k k``; it is inconsistent with a gross-output technology
  (the value-added function of a Cobb-Douglas is not Cobb-Douglas with the
  same elasticities) and is kept only as the alternative.
- ``output_measure`` ("sales", default): ``y`` is log sales, the revenue DLW's
  ``alpha_m = M / S`` divides by; "output" uses the survey's gross output
  value for ``y`` and ``alpha_m`` alike.
- Investment ``I_t = K_{t+1} - (1 - depreciation) K_t`` from fixed assets,
  only when the same panel firm has a survey row in ``t + 1``; it is missing
  otherwise (the row then enters OP's step 3 but not the first stage).
- ``prices`` ("deflated", default; the setting ``production_prices``): y, m
  and k from the survey's real values (``real_sales`` or ``real_output``,
  ``real_intermediate_inputs``, ``real_capital`` of
  ``pnl_survey_firm_years``: METHOD §0 step 5's deflators and
  perpetual-inventory capital), each where the survey frame has it (a
  column with no value, the deflator tables being absent, falls back to
  the nominal column: :func:`production_prices` says which); "nominal" the
  survey's current-price values and book-value capital. DLW's ``alpha_m``
  is always the nominal expenditure share ``M / S`` (column ``share``, the
  log of it): the first-order condition equates the output elasticity to
  the input's share of revenue in current prices.
- Markups for rows without a first-stage residual (no positive investment,
  e.g. a firm's last year): ``markup_fill`` "uncorrected" (default) uses
  ``alpha_m = M / S`` there; "drop" leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.production import dlw_markups, kept_positions, lagged_rows, olley_pakes, subset_op_cache
from analytics.settings import check_literal
from analytics.quality import demean_fe, ksw_quality
from analytics.seeding import stream_rng
from analytics.upstreamness import upstreamness
from analytics.workers import ordered_map, spawned_pool, worker_count

__all__ = [
    "TfpForm",
    "OutputMeasure",
    "MarkupFill",
    "ProductionOptions",
    "production_frame",
    "production_prices",
    "estimate_production",
    "firm_year_tfp",
    "firm_year_markups",
    "firm_year_quality",
    "industry_upstreamness",
    "attach_complementarity",
    "tfp_channel",
    "quality_slope",
    "pooled_estimates",
    "bootstrap_estimates",
    "parameter_table",
]

TfpForm = Literal["gross_output", "value_added"]
OutputMeasure = Literal["sales", "output"]
Prices = Literal["deflated", "nominal"]
MarkupFill = Literal["uncorrected", "drop"]

FIRM, YEAR, IND = "panel_firm_id", "year", "industry_code"


def _check_literal(name: str, value: object, alias: object) -> None:
    check_literal(name, value, alias, what="option")


@dataclass(frozen=True)
class ProductionOptions:
    """Options of the production measures (defaults as used by the assets).

    ``n_boot`` firm block bootstrap replications for the pooled parameter
    estimates (30: the demo world's whole production step, about 144k survey
    firm-years, takes about a minute on a loaded 2-core machine);
    ``markup_sample`` "exporters" averages DLW markups over exporter
    firm-years for ``markup_mean`` ("all": every survey firm-year).
    ``seed``: the project seed (the ``seed`` setting); the bootstrap draws
    from its stream ``"parameter_estimates/bootstrap"`` (analytics.seeding).
    """

    tfp_form: TfpForm = "gross_output"
    output_measure: OutputMeasure = "sales"
    markup_fill: MarkupFill = "uncorrected"
    markup_sample: Literal["exporters", "all"] = "exporters"
    depreciation: float = 0.10
    prices: Prices = "deflated"
    poly_degree: int = 3
    n_boot: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        _check_literal("tfp_form", self.tfp_form, TfpForm)
        _check_literal("output_measure", self.output_measure, OutputMeasure)
        _check_literal("markup_fill", self.markup_fill, MarkupFill)
        _check_literal("prices", self.prices, Prices)
        _check_literal("markup_sample", self.markup_sample, Literal["exporters", "all"])
        if not (0.0 <= self.depreciation < 1.0):
            raise ValueError("depreciation must lie in [0, 1)")
        if self.n_boot < 0:
            raise ValueError("n_boot must be >= 0")


# --------------------------------------------------------------------------
# data preparation
# --------------------------------------------------------------------------
def _log_pos(x: pd.Series) -> np.ndarray:
    v = x.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)


# nominal column -> its real counterpart in pnl_survey_firm_years (METHOD §0 step 5)
REAL_COLUMNS = {"sales": "real_sales", "output": "real_output", "intermediate_inputs": "real_intermediate_inputs",
                "fixed_assets": "real_capital"}


def production_prices(survey: pd.DataFrame, options: ProductionOptions = ProductionOptions()) -> dict[str, str]:
    """Which values :func:`production_frame` uses for output (``output_measure``),
    intermediate inputs and capital: ``{nominal column: "deflated" | "nominal"}``.
    "deflated" under ``prices="deflated"`` where the survey has the real column
    with at least one value (no value: the deflator tables are absent)."""
    out = {}
    for col in (options.output_measure, "intermediate_inputs", "fixed_assets"):
        real = REAL_COLUMNS[col]
        have = real in survey.columns and bool(survey[real].notna().any())
        out[col] = "deflated" if options.prices == "deflated" and have else "nominal"
    return out


def production_frame(survey: pd.DataFrame, options: ProductionOptions = ProductionOptions()) -> pd.DataFrame:
    """The estimation frame of the production function from survey firm-years.

    ``survey`` has the columns of ``pnl_survey_firm_years`` used here:
    panel_firm_id, year, industry_code, employment, sales, output,
    intermediate_inputs, fixed_assets, exit_flag, is_exporter.

    Adds ``y`` (log sales or output, per ``output_measure``), ``l`` (log
    employment), ``k`` (log fixed assets), ``m`` (log intermediate inputs),
    ``va`` (log of y's level minus M, NaN unless positive), ``inv``
    (``K_{t+1} - (1 - depreciation) K_t`` when the panel firm has a row in
    ``t + 1``, else NaN) and ``exit`` (1.0 if exit_flag). Rows whose y, l, k
    or m is not the log of a positive number are dropped (after the
    investment is computed, so a dropped row still gives its predecessor an
    investment). Output, intermediate inputs and capital are the real
    values or the nominal ones per ``options.prices`` (:func:`production_prices`);
    ``share`` is the log nominal ``M / S`` DLW divides by. Sorted by
    (panel_firm_id, year), fresh index.
    """
    d = survey.sort_values([FIRM, YEAR], kind="mergesort").reset_index(drop=True)
    if d.duplicated([FIRM, YEAR]).any():
        raise ValueError("survey firm-years must be unique by (panel_firm_id, year)")
    use = production_prices(d, options)

    def value(col: str) -> pd.Series:
        return d[REAL_COLUMNS[col] if use[col] == "deflated" else col].astype(float)

    capital = value("fixed_assets")
    K = capital.to_numpy(dtype=float, na_value=np.nan)
    same_next = (d[FIRM].shift(-1) == d[FIRM]) & (d[YEAR].shift(-1) == d[YEAR] + 1)
    K_next = np.roll(K, -1)
    d["inv"] = np.where(same_next.to_numpy(), K_next - (1 - options.depreciation) * K, np.nan)
    level = value(options.output_measure)
    materials = value("intermediate_inputs")
    d["y"] = _log_pos(level)
    d["l"] = _log_pos(d["employment"].astype(float))
    d["k"] = _log_pos(capital)
    d["m"] = _log_pos(materials)
    d["va"] = _log_pos(level - materials)
    # DLW's expenditure share, in current prices whatever y and m are
    d["share"] = (_log_pos(d["intermediate_inputs"].astype(float))
                  - _log_pos(d[options.output_measure].astype(float)))
    d["exit"] = d["exit_flag"].astype("boolean").fillna(False).astype(float).to_numpy()
    d["is_exporter"] = d["is_exporter"].astype("boolean").fillna(False).astype(bool).to_numpy()
    keep = np.isfinite(d[["y", "l", "k", "m"]].to_numpy()).all(axis=1)
    return d.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------
# TFP and markups
# --------------------------------------------------------------------------
def estimate_production(
    frame: pd.DataFrame, options: ProductionOptions = ProductionOptions(), by_industry: bool = True,
    weights: np.ndarray | None = None, cache: dict | None = None,
) -> dict:
    """Olley-Pakes / De Loecker-Warzynski on a :func:`production_frame`.

    By 2-digit ``industry_code`` (METHOD §6) or pooled (``by_industry=False``).
    Returns a dict:

    - ``coefficients``: DataFrame indexed by industry (``"all"`` when pooled)
      with b_l, b_m, b_k (gross output; b_m is the DLW theta_m) and, for
      ``tfp_form="value_added"``, va_b_l, va_b_k;
    - ``rows``: the frame's panel_firm_id, year, industry_code, is_exporter
      with ``tfp``, ``e_hat``, ``alpha_m`` and ``markup`` (after
      ``markup_fill``) on the frame's index.

    ``weights``: frequency weights per row of ``frame`` (the firm block
    bootstrap's; :func:`bootstrap_estimates`); ``cache``: a dict kept across
    calls on the same ``frame`` (what the estimators compute from the rows
    alone, whatever the weights).
    """
    ind = IND if by_industry else None
    share = "share" if "share" in frame else None
    dlw = dlw_markups(frame, "y", "l", "k", "m", "inv", FIRM, YEAR, industry=ind, exit_col="exit",
                      poly_degree=options.poly_degree, share=share, weights=weights,
                      cache=None if cache is None else cache.setdefault("gross_output", {}))
    key = "all"
    if by_industry:
        coef = pd.DataFrame({"b_l": dlw["theta_l"], "b_m": dlw["theta_m"], "b_k": dlw["b_k"]})
        per_row = {c: frame[IND].map(coef[c]).to_numpy(dtype=float) for c in coef}
    else:
        coef = pd.DataFrame({"b_l": [dlw["theta_l"]], "b_m": [dlw["theta_m"]], "b_k": [dlw["b_k"]]}, index=[key])
        per_row = {c: np.full(len(frame), float(coef[c].iat[0])) for c in coef}
    coef.index.name = "industry_code"
    rows = frame[[FIRM, YEAR, IND, "is_exporter"]].copy()
    mk = dlw["markups"]
    rows["e_hat"] = mk["e_hat"].to_numpy()
    alpha = mk["alpha_m"].to_numpy()
    if options.markup_fill == "uncorrected":
        ln_share = frame[share].to_numpy() if share else frame["m"].to_numpy() - frame["y"].to_numpy()
        alpha = np.where(np.isfinite(alpha), alpha, np.exp(ln_share))
    rows["alpha_m"] = alpha
    rows["markup"] = per_row["b_m"] / alpha
    if options.tfp_form == "gross_output":
        rows["tfp"] = (frame["y"] - per_row["b_l"] * frame["l"] - per_row["b_m"] * frame["m"]
                       - per_row["b_k"] * frame["k"]).to_numpy()
    else:
        has_va = np.isfinite(frame["va"].to_numpy())
        op = olley_pakes(frame.loc[has_va], "va", "l", "k", "inv", FIRM, YEAR, industry=ind, exit_col="exit",
                         poly_degree=options.poly_degree, weights=None if weights is None else weights[has_va],
                         cache=None if cache is None else cache.setdefault("value_added", {}))
        rows["tfp"] = op["tfp"].reindex(frame.index).to_numpy()
        coef["va_b_l"], coef["va_b_k"] = op["b_l"], op["b_k"]
    return {"coefficients": coef, "rows": rows}


def firm_year_tfp(fit: dict) -> pd.DataFrame:
    """analytics.firm_year_tfp: panel_firm_id, year, industry_code, tfp (finite rows)."""
    r = fit["rows"]
    out = r.loc[np.isfinite(r["tfp"]), [FIRM, YEAR, IND, "tfp"]]
    return out.sort_values([FIRM, YEAR]).reset_index(drop=True)


def firm_year_markups(fit: dict) -> pd.DataFrame:
    """analytics.firm_year_markups: panel_firm_id, year, markup (finite, positive rows)."""
    r = fit["rows"]
    out = r.loc[np.isfinite(r["markup"]) & (r["markup"] > 0), [FIRM, YEAR, "markup"]]
    return out.sort_values([FIRM, YEAR]).reset_index(drop=True)


# --------------------------------------------------------------------------
# quality and upstreamness
# --------------------------------------------------------------------------
def firm_year_quality(lines: pd.DataFrame, sigma: float = 5.0) -> pd.DataFrame:
    """KSW quality per firm-year from ``pnl_firm_export_lines`` (METHOD §6).

    ``lines``: panel_firm_id, year, hs6_1996, partner_country, value_usd,
    quantity (lines with a null quantity, a null hs6_1996 (a code without
    a concordance link) or a null partner_country (destination unknown: its
    destination x year effect is undefined) are dropped). Pooled regression
    ``ln q + sigma ln p = FE(h) + FE(destination x year) + e``; quality
    ``e / (sigma - 1)`` min-max normalised within h, export-value weighted.
    Returns panel_firm_id, year, quality and ``log_quality`` (the weighted
    ``e / (sigma - 1)`` before the min-max step, used for the truth check).
    """
    known = lines.dropna(subset=["quantity", "hs6_1996", "partner_country"])
    q = ksw_quality(known, FIRM, YEAR, "hs6_1996", "partner_country", "value_usd", "quantity", sigma=sigma)
    return q[[FIRM, YEAR, "quality", "log_quality"]].reset_index(drop=True)


def industry_upstreamness(io_links: pd.DataFrame, output: pd.DataFrame) -> pd.DataFrame:
    """analytics.industry_upstreamness: Antras et al. (2012), closed economy, per year.

    ``output`` has industry_code, year, output (national survey output).
    Each year uses the industries with positive output that year; io_links
    rows involving an industry without output that year are left out (an
    industry the survey does not cover cannot be weighted by its output).
    Returns industry_code, year, upstreamness for the industries with
    output.
    """
    parts = []
    for t, g in output.groupby(YEAR, sort=True):
        y = g.loc[g["output"] > 0].groupby(IND)["output"].sum()
        have = set(y.index)
        links = io_links.loc[io_links[IND].isin(have) & io_links["supplier_industry_code"].isin(have)]
        u = upstreamness(links, y).reindex(y.index)
        parts.append(pd.DataFrame({IND: u.index.astype(str), YEAR: int(t), "upstreamness": u.to_numpy()}))
    if not parts:
        return pd.DataFrame({IND: pd.Series(dtype=str), YEAR: pd.Series(dtype="int64"),
                             "upstreamness": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------
# truth checks: the TFP channel of C and the quality slope
# --------------------------------------------------------------------------
def attach_complementarity(rows: pd.DataFrame, survey: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Add ``city_code`` (from ``survey``) and C (``complementarity`` of
    ``fct_city_industry_complementarity``) to firm-year rows."""
    loc = survey[[FIRM, YEAR, "city_code"]]
    out = rows.merge(loc, on=[FIRM, YEAR], how="left")
    c = cells[["city_code", IND, YEAR, "complementarity"]]
    return out.merge(c, on=["city_code", IND, YEAR], how="left")


def _left_join(rows: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the columns of ``other`` (unique by panel firm and year) by (panel_firm_id, year).

    When both list the same firm-years in the same order (a frame and the C
    attached to it, in the bootstrap's draws too) the columns are copied
    across instead of joined.
    """
    if (len(rows) == len(other) and np.array_equal(rows[YEAR].to_numpy(), other[YEAR].to_numpy())
            and np.array_equal(rows[FIRM].to_numpy(), other[FIRM].to_numpy())):
        return rows.assign(**{c: other[c].to_numpy() for c in other.columns if c not in (FIRM, YEAR)})
    return rows.merge(other, on=[FIRM, YEAR], how="left")


def _within(v: np.ndarray, groups: np.ndarray, w: np.ndarray | None = None, codes: np.ndarray | None = None) -> np.ndarray:
    """``v`` less its (``w``-weighted) mean within each group (a group of weight 0 keeps ``v``);
    ``codes``: ``pd.factorize(groups)[0]`` when the caller has it."""
    codes = pd.factorize(groups)[0] if codes is None else codes
    return demean_fe(v, [codes], weights=w)


def tfp_channel(rows: pd.DataFrame, rho: float | None = None, weights: np.ndarray | None = None,
                cache: dict | None = None) -> dict:
    """C's effect on productivity: ``tfp_t = rho tfp_{t-1} + beta_tfp C_t + FE(year) + e``.

    ``rows``: panel_firm_id, year, tfp, complementarity. Lags are the same
    panel firm's tfp in calendar years t - 1 and t - 2 (missing, not
    shifted, after a gap).

    Without ``rho`` (the default: rho is estimated from the data), 2SLS of
    tfp_t on (tfp_{t-1}, C_t) with year fixed effects, tfp_{t-1}
    instrumented by tfp_{t-2}: measured TFP is productivity plus the
    production function's serially uncorrelated error, which biases OLS's
    rho towards zero and, as C is persistent, beta_tfp upwards; the lag two
    years back is correlated with productivity at t - 1 but not with that
    error. Firm-years need both lags. With ``rho`` given (a value the user
    knows), OLS of the quasi-difference ``tfp_t - rho tfp_{t-1}`` on C with
    year fixed effects.

    ``weights``: frequency weights per row (the firm block bootstrap's);
    ``cache``: a dict kept across calls on the same rows (their lags).

    Returns ``estimate``, ``rho`` (used or estimated), ``n_obs``.
    """
    tfp = rows["tfp"].to_numpy(dtype=float)
    c_all = rows["complementarity"].to_numpy(dtype=float, na_value=np.nan)
    year = rows[YEAR].to_numpy(dtype=np.int64)
    if cache is not None and "lag" in cache:
        lag = cache["lag"]
    else:
        lag = lagged_rows(rows[FIRM].to_numpy(), year)
        if cache is not None:
            cache["lag"] = lag
    lag_tfp = np.where(lag >= 0, tfp[np.maximum(lag, 0)], np.nan)
    if rho is not None:
        keep = np.isfinite(tfp) & np.isfinite(lag_tfp) & np.isfinite(c_all)
    else:
        lag2 = np.where(lag >= 0, lag[np.maximum(lag, 0)], -1)
        lag2_tfp = np.where(lag2 >= 0, tfp[np.maximum(lag2, 0)], np.nan)
        keep = np.isfinite(tfp) & np.isfinite(lag_tfp) & np.isfinite(lag2_tfp) & np.isfinite(c_all)
    w = None if weights is None else np.asarray(weights, dtype=float)[keep]
    n = int(keep.sum()) if w is None else int(round(float(w.sum())))
    if n < 3:
        return {"estimate": np.nan, "rho": np.nan if rho is None else rho, "n_obs": n}
    yr = year[keep]
    codes = pd.factorize(yr)[0]
    c = _within(c_all[keep], yr, w, codes)
    wc = c if w is None else w * c
    if rho is not None:
        dy = _within(tfp[keep] - rho * lag_tfp[keep], yr, w, codes)
        return {"estimate": float(wc @ dy / (wc @ c)), "rho": float(rho), "n_obs": n}
    X = np.column_stack([_within(lag_tfp[keep], yr, w, codes), c])
    Z = np.column_stack([_within(lag2_tfp[keep], yr, w, codes), c])
    Zw = Z if w is None else Z * w[:, None]
    b = np.linalg.solve(Zw.T @ X, Zw.T @ _within(tfp[keep], yr, w, codes))
    return {"estimate": float(b[1]), "rho": float(b[0]), "n_obs": n}


def quality_slope(quality: pd.DataFrame, reference: pd.DataFrame) -> dict:
    """Slope of estimated log quality on a reference log quality, year effects out.

    ``quality``: panel_firm_id, year, log_quality; ``reference``:
    panel_firm_id, year, true_log_quality (a synthetic world's truth, given
    by the truth side of the platform). Year fixed effects are partialled out
    because KSW quality is identified only relative to destination-year
    means. The standard error is clustered by panel firm (CRV1:
    ``G/(G-1) (n-1)/(n-2)``, the slope and the year effects' constant).
    Returns ``estimate``, ``std_error``, ``n_obs`` and ``n_clusters``.
    """
    d = quality.merge(reference, on=[FIRM, YEAR], how="inner")
    d = d.loc[np.isfinite(d["log_quality"]) & np.isfinite(d["true_log_quality"])]
    n = len(d)
    if n < 3:
        return {"estimate": np.nan, "std_error": np.nan, "n_obs": n, "n_clusters": 0}
    yr = d[YEAR].to_numpy()
    x = _within(d["true_log_quality"].to_numpy(dtype=float), yr)
    y = _within(d["log_quality"].to_numpy(dtype=float), yr)
    sxx = float(x @ x)
    b = float(x @ y) / sxx
    g = pd.factorize(d[FIRM].to_numpy())[0]
    G = int(g.max()) + 1
    score = np.bincount(g, weights=x * (y - b * x), minlength=G)
    se = np.sqrt(float(score @ score) / sxx**2 * G / (G - 1) * (n - 1) / (n - 2)) if G > 1 else np.nan
    return {"estimate": b, "std_error": float(se), "n_obs": n, "n_clusters": G}


# --------------------------------------------------------------------------
# pooled parameters and the firm block bootstrap
# --------------------------------------------------------------------------
def pooled_estimates(
    frame: pd.DataFrame,
    options: ProductionOptions = ProductionOptions(),
    cells_rows: pd.DataFrame | None = None,
    rho: float | None = None,
    weights: np.ndarray | None = None,
    cache: dict | None = None,
) -> dict[str, float]:
    """beta_l, beta_k, beta_m, markup_mean and tfp_channel on the pooled sample.

    ``frame`` is a :func:`production_frame`; ``cells_rows`` (panel_firm_id,
    year, complementarity) gives C per firm-year for ``tfp_channel`` (left
    out when None). ``markup_mean`` averages the DLW markup over exporter
    firm-years (``markup_sample``). Also returns the sample sizes as
    ``n_<parameter>``. ``weights``: frequency weights per row of ``frame``
    (each firm's count in a firm block bootstrap draw; sizes count them);
    ``cache``: a dict kept across calls on the same ``frame`` and
    ``cells_rows`` (:func:`bootstrap_estimates`).
    """
    fit = estimate_production(frame, options, by_industry=False, weights=weights,
                              cache=None if cache is None else cache.setdefault("production", {}))
    coef = fit["coefficients"].iloc[0]
    rows = fit["rows"]
    mk = rows["markup"].to_numpy()
    use = np.isfinite(mk) & (rows["is_exporter"].to_numpy() if options.markup_sample == "exporters" else True)
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)

    def size(mask) -> int:
        return int(round(float(w[mask].sum())))

    n_first = size(np.isfinite(rows["e_hat"].to_numpy()))
    out = {
        "beta_l": float(coef["b_l"]), "beta_k": float(coef["b_k"]), "beta_m": float(coef["b_m"]),
        "markup_mean": float(np.average(mk[use], weights=w[use])) if w[use].sum() > 0 else np.nan,
        "n_beta_l": n_first, "n_beta_k": size(slice(None)), "n_beta_m": n_first, "n_markup_mean": size(use),
    }
    if cells_rows is not None:
        tc = tfp_channel(_left_join(rows[[FIRM, YEAR, "tfp"]], cells_rows[[FIRM, YEAR, "complementarity"]]), rho=rho,
                         weights=weights, cache=None if cache is None else cache.setdefault("tfp_channel", {}))
        out["tfp_channel"], out["n_tfp_channel"], out["rho"] = tc["estimate"], tc["n_obs"], tc["rho"]
        out["rho_known"] = rho is not None
    return out


# A firm block bootstrap's draws are spread over worker processes when the frame
# has at least this many rows: below it, starting them (Python, the imports, the
# frame sent once) costs more than the draws (the demo world's 140k rows take 0.07 s
# a draw; the paper world's 2.4M rows about 1.5 s).
PARALLEL_ROWS = 500_000


def draw_workers(n_rows: int, n_boot: int) -> int:
    """How many processes draw: one per core this process may use (at most 4), for a
    frame of at least :data:`PARALLEL_ROWS` rows and at least two draws per
    process; else 1 (the draws run here)."""
    return worker_count(n_rows, n_boot, PARALLEL_ROWS)


def _drawn_cache(cache: dict, keep: np.ndarray, base: pd.DataFrame, options: ProductionOptions) -> dict:
    """The pooled estimates' ``cache`` on ``base`` (:func:`pooled_estimates`), cut
    to the rows ``keep`` selects (whole firms)."""
    prod = cache.get("production", {})
    out: dict = {"production": {}}
    if "gross_output" in prod:
        out["production"]["gross_output"] = {g: subset_op_cache(c, keep) for g, c in prod["gross_output"].items()}
    if "value_added" in prod and options.tfp_form != "gross_output":
        on_va = keep[np.isfinite(base["va"].to_numpy())]
        out["production"]["value_added"] = {g: subset_op_cache(c, on_va) for g, c in prod["value_added"].items()}
    if "lag" in cache.get("tfp_channel", {}):
        out["tfp_channel"] = {"lag": kept_positions(cache["tfp_channel"]["lag"], keep)}
    return out


def _draw(base: pd.DataFrame, options: ProductionOptions, c_rows: pd.DataFrame | None, rho: float | None,
          weights: np.ndarray, cache: dict) -> dict | None:
    """One bootstrap draw: the pooled estimates with the draw's firm weights
    (None when the estimators cannot fit it).

    A firm not drawn (weight 0, about 37% of them) adds nothing to any sum,
    fit or mean, so the estimates run on the drawn firms' rows alone, with
    the cache cut to them: about a third less work a draw."""
    keep = weights > 0
    if not keep.all():
        at = np.flatnonzero(keep)
        cache = _drawn_cache(cache, keep, base, options)
        base, weights = base.iloc[at].reset_index(drop=True), weights[at]
        c_rows = None if c_rows is None else c_rows.iloc[at].reset_index(drop=True)
    try:
        est = pooled_estimates(base, options, c_rows, rho, weights=weights, cache=cache)
    except (ValueError, np.linalg.LinAlgError):
        return None
    return {k: v for k, v in est.items() if not k.startswith("n_")}


class _DrawWorker:
    """A worker process's copy of the draw's fixed inputs and of their cache
    (filled by one fit on the whole frame, as the calling process's is)."""

    inputs: tuple | None = None

    @classmethod
    def start(cls, base, options, c_rows, rho, code) -> None:
        cache: dict = {}
        pooled_estimates(base, options, c_rows, rho, cache=cache)
        cls.inputs = (base, options, c_rows, rho, code, cache)

    @classmethod
    def draw(cls, counts: np.ndarray) -> dict | None:
        base, options, c_rows, rho, code, cache = cls.inputs
        return _draw(base, options, c_rows, rho, counts[code].astype(float), cache)


def bootstrap_estimates(
    frame: pd.DataFrame,
    options: ProductionOptions = ProductionOptions(),
    cells_rows: pd.DataFrame | None = None,
    rho: float | None = None,
    workers: int | None = None,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Point estimates and ``options.n_boot`` firm block bootstrap draws.

    A draw picks as many panel firms as the frame holds, with replacement
    (``rng.integers`` over the sorted firm ids), and recomputes
    :func:`pooled_estimates` (rho, when not given, is estimated again) on
    the drawn firms' whole histories, the same firms for the frame and C.
    A firm drawn n times enters with frequency weight n on each of its rows
    (0 when not drawn): every fit, count and mean of the estimators treats
    it as n copies of the firm, which is the textbook resample without
    building it. The rows stay as they are from draw to draw, so what the
    estimators compute from the rows alone (lags, survival, the first
    stage's polynomial) is computed once (``cache``), and firms are
    numbered by integers instead of matched by their ids.

    ``workers``: processes to spread the draws over (default
    :func:`draw_workers`: several only for a large frame). The firms of every
    draw are picked here, in order, whatever the number of processes, so the
    draws are the same.

    Returns (point estimates, draws DataFrame with one column per parameter;
    a draw the estimators cannot fit is left out).
    """
    rng = stream_rng(options.seed, "parameter_estimates/bootstrap")
    used = [c for c in (FIRM, YEAR, IND, "is_exporter", "y", "l", "k", "m", "va", "inv", "exit", "share") if c in frame]
    firms, code = np.unique(frame[FIRM].to_numpy(), return_inverse=True)
    base = frame[used].assign(**{FIRM: code}).reset_index(drop=True)  # in the frame's (firm, year) order
    c_rows = None
    if cells_rows is not None:  # C on the frame's rows, in its order
        c = _left_join(frame[[FIRM, YEAR]].reset_index(drop=True), cells_rows[[FIRM, YEAR, "complementarity"]])
        c_rows = base[[FIRM, YEAR]].assign(complementarity=c["complementarity"].to_numpy())
    cache: dict = {}
    point = pooled_estimates(base, options, c_rows, rho, cache=cache)  # fills the cache the draws reuse
    counts = (np.bincount(rng.integers(0, len(firms), len(firms)), minlength=len(firms)).astype(np.int32)
              for _ in range(options.n_boot))
    n_workers = draw_workers(len(base), options.n_boot) if workers is None else int(workers)
    if n_workers <= 1:
        results = [_draw(base, options, c_rows, rho, n[code].astype(float), cache) for n in counts]
    else:
        with spawned_pool(n_workers, _DrawWorker.start, (base, options, c_rows, rho, code)) as pool:
            results = list(ordered_map(pool, _DrawWorker.draw, counts, ahead=4 * n_workers))
    return point, pd.DataFrame([r for r in results if r is not None])


PARAMETERS = ("beta_l", "beta_k", "beta_m", "markup_mean", "tfp_channel")

METHODS = {
    "beta_l": "olley_pakes_gross_output_pooled",
    "beta_k": "olley_pakes_gross_output_pooled",
    "beta_m": "dlw_theta_m_gross_output_pooled",
    "markup_mean": "dlw_mean_markup",
    "tfp_channel": "ar1_2sls_lag2_instrument",
}


def parameter_table(point: dict, draws: pd.DataFrame, options: ProductionOptions, asset: str, run_id: str) -> pd.DataFrame:
    """analytics.parameter_estimates rows from point estimates and bootstrap draws.

    ``std_error`` is the sd of the draws (ddof 1); the 95% CI is normal,
    estimate +/- 1.96 SE. ``method`` records the estimator, the sample for markup_mean,
    rho's source for tfp_channel and the number of draws.
    """
    rows = []
    for p in PARAMETERS:
        if p not in point or not np.isfinite(point[p]):
            continue
        d = draws[p].dropna().to_numpy() if p in draws else np.array([])
        se = float(np.std(d, ddof=1)) if len(d) > 1 else np.nan
        method = METHODS[p]
        if p == "markup_mean":
            method += f"_{options.markup_sample}_firm_years"
        if p == "tfp_channel":
            method = (f"quasi_difference_known_rho={point['rho']:.3f}_year_fe" if point.get("rho_known")
                      else f"ar1_2sls_estimated_rho={point['rho']:.3f}_lag2_instrument_year_fe")
            method += "_gross_output_tfp_pooled"
        rows.append({
            "parameter": p,
            "estimate": float(point[p]),
            "std_error": se,
            "ci_low": float(point[p] - 1.96 * se),
            "ci_high": float(point[p] + 1.96 * se),
            "n_obs": int(point.get(f"n_{p}", 0)),
            "method": f"{method}; firm block bootstrap, {len(d)} draws",
            "asset": asset,
            "run_id": run_id,
        })
    out = pd.DataFrame(rows, columns=["parameter", "estimate", "std_error", "ci_low", "ci_high", "n_obs", "method",
                                      "asset", "run_id"])
    return out.astype({"n_obs": "int64"})
