"""Export quality, Khandelwal, Schott & Wei (2013), METHOD §6.

Pure functions of a customs-style frame (one row per firm x HS6 x
destination x year, or finer rows that are summed to that grain).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ksw_quality", "demean_fe"]


def demean_fe(v: np.ndarray, groups: list[np.ndarray], tol: float = 1e-10, max_iter: int = 10_000,
              weights: np.ndarray | None = None) -> np.ndarray:
    """Residual of ``v`` on several sets of fixed effects (alternating projections).

    ``groups`` holds integer codes (0..G-1) per fixed effect; the result is
    ``v`` minus its least-squares projection on all the dummies (the
    method of alternating projections converges to it). ``weights``: the
    projection's weights (frequency weights: a row of weight 2 counts
    twice); a group of total weight 0 keeps its values.
    """
    r = np.asarray(v, dtype=float).copy()
    w = None if weights is None else np.asarray(weights, dtype=float)
    counts = [np.bincount(g) if w is None else np.bincount(g, weights=w) for g in groups]
    scale = max(float(np.abs(r).max()) if r.size else 0.0, 1.0)
    for _ in range(max_iter):
        step = 0.0
        for g, c in zip(groups, counts):
            sums = np.bincount(g, weights=r if w is None else w * r)
            means = np.divide(sums, c, out=np.zeros_like(sums), where=c > 0)
            r -= means[g]
            step = max(step, float(np.abs(means).max()) if means.size else 0.0)
        if step < tol * scale:
            return r
    raise RuntimeError("fixed-effect demeaning did not converge")


def ksw_quality(
    df: pd.DataFrame,
    firm: str,
    year: str,
    hs6: str,
    destination: str,
    value: str,
    quantity: str,
    sigma: float = 5.0,
    per_product: bool = False,
) -> pd.DataFrame:
    """Firm-year export quality (Khandelwal, Schott & Wei 2013), METHOD §6.

    1. Rows are summed to firm x HS6 x destination x year; rows with
       non-positive value or quantity are dropped; ``p = value / quantity``.
    2. ``ln q + sigma ln p = FE(h) + FE(destination x year) + e``: by
       default one pooled regression with both sets of fixed effects
       (METHOD's equation as written); ``per_product=True`` instead runs it
       separately for each HS6 product (FE(h) is then the intercept). The
       residual ``e`` is computed by alternating projections (no
       regressors besides the fixed effects, so it is the FWL residual).
    3. Quality ``e / (sigma - 1)``, min-max normalised within each HS6
       product over all its firms, destinations and years; a product whose
       quality does not vary (e.g. a single observation) gets NaN.
    4. Firm-year quality: the export-value-weighted mean of the normalised
       quality over its product-destination rows (NaN rows left out).

    Returns a DataFrame with columns ``firm``, ``year`` (the given names),
    ``quality`` (in [0, 1]), ``log_quality`` (the same export-value-weighted
    mean of ``e / (sigma - 1)`` before the min-max step: a log quality
    relative to the product and destination-year means), ``export_value`` and
    ``n_obs`` (rows with a normalised quality), one row per firm-year with at
    least one such row.
    """
    if sigma <= 1:
        raise ValueError("sigma must exceed 1")
    keys = [firm, year, hs6, destination]
    d = df.loc[(df[value] > 0) & (df[quantity] > 0), keys + [value, quantity]]
    d = d.groupby(keys, as_index=False, sort=True, observed=True)[[value, quantity]].sum()
    lhs = np.log(d[quantity].to_numpy(dtype=float)) + sigma * np.log((d[value] / d[quantity]).to_numpy(dtype=float))
    h_code = pd.factorize(d[hs6])[0]
    # destination x year cells, numbered in order of appearance (as factorizing
    # the pairs would, without building them: 3 s on 9M rows)
    dest, yr = pd.factorize(d[destination])[0], pd.factorize(d[year])[0]
    dy = dest.astype(np.int64) * (int(yr.max()) + 1 if len(yr) else 1) + yr
    if per_product:
        e = np.empty(len(d))
        for rows in pd.Series(np.arange(len(d))).groupby(h_code).indices.values():
            dy_code = pd.factorize(dy[rows])[0]
            e[rows] = demean_fe(lhs[rows], [dy_code])
    else:
        dy_code = pd.factorize(dy)[0]
        e = demean_fe(lhs, [h_code, dy_code])
    q = pd.Series(e / (sigma - 1))
    lo = q.groupby(h_code).transform("min")
    hi = q.groupby(h_code).transform("max")
    span = hi - lo
    d["quality"] = np.where(span > 0, (q - lo) / span.where(span > 0, 1.0), np.nan)
    d["log_quality"] = q.to_numpy()
    d = d.loc[d["quality"].notna()]
    d["_wq"] = d["quality"] * d[value]
    d["_wlq"] = d["log_quality"] * d[value]
    out = d.groupby([firm, year], as_index=False, sort=True).agg(
        _wq=("_wq", "sum"), _wlq=("_wlq", "sum"), export_value=(value, "sum"), n_obs=("quality", "size")
    )
    out["quality"] = out["_wq"] / out["export_value"]
    out["log_quality"] = out["_wlq"] / out["export_value"]
    return out[[firm, year, "quality", "log_quality", "export_value", "n_obs"]]
