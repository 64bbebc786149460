"""Production-side estimators of METHOD §6: Olley-Pakes TFP and De Loecker-Warzynski
markups (labour productivity, the domestic intermediate share and the HHI are
computed in dbt, the bootstrap around these estimators in analytics/measures.py).

Pure functions of data frames and arrays: nothing here reads files or knows
how the synthetic world generates production (the estimators must stay
independent of the generator).

Conventions: ``y``, ``l``, ``k`` and ``m`` name columns holding *logs*
(output or sales, labour, capital, intermediate inputs); ``i`` names the
investment column in *levels* (METHOD §6: ``I_t = K_{t+1} - 0.9 K_t``).  The
proxy polynomial is in ``(ln I, k)`` and is fitted on ``I > 0`` only.
"""

from __future__ import annotations

from itertools import combinations_with_replacement
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

__all__ = [
    "olley_pakes",
    "dlw_markups",
]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _poly(X: np.ndarray, degree: int) -> np.ndarray:
    """Every monomial of the columns of ``X`` up to ``degree``, constant first.

    Columns are standardised before taking powers (conditioning only: the
    span of the basis is unchanged). Monomials come in
    ``combinations_with_replacement`` order; each is the one before it in
    its own prefix times one column (``z0 z0 z1 = (z0 z0) z1``).
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    sd = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    terms = [idx for d in range(1, degree + 1) for idx in combinations_with_replacement(range(Z.shape[1]), d)]
    out = np.empty((len(Z), 1 + len(terms)), order="F")  # columns contiguous: each is written whole
    out[:, 0] = 1.0
    where: dict[tuple[int, ...], int] = {}
    for j, idx in enumerate(terms, start=1):
        if len(idx) == 1:
            out[:, j] = Z[:, idx[0]]
        else:
            np.multiply(out[:, where[idx[:-1]]], Z[:, idx[-1]], out=out[:, j])
        where[idx] = j
    return out


def _count(mask: np.ndarray, w: np.ndarray | None) -> int:
    """Rows of ``mask``, each counted ``w`` times (frequency weights) when given."""
    return int(mask.sum()) if w is None else int(round(float(w[mask].sum())))


def _ols(y: np.ndarray, X: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients and fitted values; ``w``: frequency weights
    (a row of weight 2 counts as two copies of it).

    Normal equations by Cholesky (fast for the few, standardised columns
    used here); SVD least squares when X'X is not safely positive definite.
    """
    Xw = X if w is None else X * w[:, None]
    xtx = Xw.T @ X
    try:
        c = linalg.cho_factor(xtx, check_finite=False)
        b = linalg.cho_solve(c, Xw.T @ y, check_finite=False)
        if np.linalg.cond(xtx) > 1e12:
            raise np.linalg.LinAlgError("ill-conditioned")
    except (np.linalg.LinAlgError, linalg.LinAlgError):
        sw = np.ones(len(y)) if w is None else np.sqrt(w)
        b, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    return b, X @ b


def _probit(d: np.ndarray, X: np.ndarray, w: np.ndarray | None = None, max_iter: int = 50,
            tol: float = 1e-9) -> np.ndarray:
    """Probit maximum likelihood; returns the coefficients. ``w``: frequency weights.

    Newton-Raphson on the analytic score and Hessian (the probit
    log-likelihood is globally concave), halving the step whenever the
    likelihood would fall; BFGS is the fallback if Newton stalls.
    """
    q = 2 * d - 1
    w = np.ones(len(d)) if w is None else w

    def loglik(b: np.ndarray) -> float:
        return float(w @ stats.norm.logcdf(q * (X @ b)))

    b = np.zeros(X.shape[1])
    ll = loglik(b)
    for _ in range(max_iter):
        qxb = q * (X @ b)
        lam = np.exp(stats.norm.logpdf(qxb) - stats.norm.logcdf(qxb))  # inverse Mills ratio
        grad = X.T @ (w * q * lam)
        curv = w * lam * (lam + qxb)  # minus the second derivative per observation (> 0)
        hess = (X * curv[:, None]).T @ X
        try:
            step = linalg.solve(hess, grad, assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            break
        t = 1.0
        while t > 1e-6:
            new = loglik(b + t * step)
            if new >= ll - 1e-12:
                break
            t /= 2
        else:
            break
        b, gain, ll = b + t * step, new - ll, new
        if abs(gain) < tol * max(1.0, abs(ll)) and np.max(np.abs(t * step)) < 1e-7:
            return b
        if np.max(np.abs(t * step)) < 1e-10:
            return b
    else:
        return b

    def nll(c: np.ndarray) -> tuple[float, np.ndarray]:
        qxb = q * (X @ c)
        lam = q * np.exp(stats.norm.logpdf(qxb) - stats.norm.logcdf(qxb))
        return -float(w @ stats.norm.logcdf(qxb)), -(X.T @ (w * lam))

    res = optimize.minimize(nll, b, jac=True, method="BFGS", options={"gtol": 1e-7, "maxiter": 500})
    return res.x


def _firm_year_keys(firm: np.ndarray, year: np.ndarray) -> np.ndarray:
    """One int64 per (firm, year) such that ``key + s`` is the same firm's year ``+ s`` (|s| <= 1).

    Firms are numbered in order of appearance, so rows sorted by firm and
    year get increasing keys.
    """
    codes, _ = pd.factorize(np.asarray(firm), sort=False)
    year = np.asarray(year, dtype=np.int64)
    span = int(year.max() - year.min()) + 3 if len(year) else 3  # room for year - 1 and year + 1
    return codes.astype(np.int64) * span + (year - year.min() + 1)


def _increasing(key: np.ndarray) -> bool:
    return bool(np.all(key[1:] > key[:-1]))


def _positions(key: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` value in the unique ``key`` (-1 if absent); binary search when sorted."""
    if len(key) and _increasing(key):
        at = np.minimum(np.searchsorted(key, wanted), len(key) - 1)
        return np.where(key[at] == wanted, at, -1).astype(np.int64)
    return pd.Index(key).get_indexer(wanted).astype(np.int64)


def lagged_rows(firm: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Position of each row's own firm's row in calendar year ``year - 1`` (-1 if none)."""
    key = _firm_year_keys(firm, year)
    if not (_increasing(key) or pd.Index(key).is_unique):
        raise ValueError("(firm, year) must identify rows uniquely")
    return _positions(key, key - 1)


def kept_positions(positions: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Row positions (-1: none) re-pointed into the rows ``keep`` selects, for those
    rows: a position whose row is dropped becomes -1."""
    at = np.cumsum(keep) - 1
    target = np.maximum(positions, 0)
    return np.where((positions >= 0) & keep[target], at[target], -1)[keep]


def subset_op_cache(cache: dict, keep: np.ndarray) -> dict:
    """The :func:`_op_one` cache of some rows, cut to the rows ``keep`` selects.

    Valid when ``keep`` selects whole firms (a firm block bootstrap's drawn
    firms): lags and survival are then the same on the kept rows, and the
    first stage's polynomial keeps its columns (standardised on all rows,
    which leaves its span unchanged)."""
    if "pos" not in cache:
        return {}
    pos = cache["pos"]
    return {"ok": cache["ok"][keep], "pos": pos[keep], "X1": cache["X1"][keep[pos]], "stay": cache["stay"][keep],
            "lag": kept_positions(cache["lag"], keep)}


def _stay_indicator(firm: np.ndarray, year: np.ndarray, exit_flag: np.ndarray | None) -> np.ndarray:
    """Survival into ``year + 1`` per row: 1 stays, 0 exits, NaN unknown.

    Without an explicit exit flag, exit is the firm's last year before the
    sample's end (METHOD §6); a row followed by a gap is left unknown.
    """
    year = np.asarray(year, dtype=np.int64)
    if exit_flag is not None:
        stay = np.where(np.asarray(exit_flag, dtype=float) > 0, 0.0, 1.0)
        return np.where(year >= year.max(), np.nan, stay)
    key = _firm_year_keys(firm, year)
    has_next = _positions(key, key + 1) >= 0
    last = pd.Series(year).groupby(pd.factorize(np.asarray(firm))[0]).transform("max").to_numpy()
    stay = np.where(has_next, 1.0, np.nan)
    stay = np.where((year == last) & (year < year.max()), 0.0, stay)
    return stay


# --------------------------------------------------------------------------
# Olley-Pakes
# --------------------------------------------------------------------------
def _op_one(
    Y: np.ndarray,
    free: np.ndarray,
    K: np.ndarray,
    I: np.ndarray,
    firm: np.ndarray,
    year: np.ndarray,
    exit_flag: np.ndarray | None,
    degree: int,
    w: np.ndarray | None = None,
    cache: dict | None = None,
) -> dict[str, Any]:
    """Olley-Pakes on one industry; ``free`` holds the freely chosen inputs (columns).

    ``w``: frequency weights, constant within a firm (the firm block
    bootstrap's count of each firm, 0 for a firm not drawn): every step,
    count and fit treats a row of weight n as n copies of it, as if each
    drawn firm's rows were repeated. ``cache``: a dict kept across calls on
    the same rows (the bootstrap's draws), holding what does not depend on
    the weights: the first stage's regressors, lags and survival."""
    n = len(Y)
    cache = {} if cache is None else cache
    # investment is needed at t only for the first stage (and as a lag in
    # step 3): a row without it (a firm's last year) still enters step 3
    if "pos" not in cache:
        ok = np.isfinite(Y) & np.all(np.isfinite(free), axis=1) & np.isfinite(K)
        pos = ok & np.isfinite(I) & (np.nan_to_num(I, nan=0.0) > 0)
        lni = np.where(pos, np.log(np.where(pos, I, 1.0)), np.nan)
        # (1)'s regressors: the free inputs and a polynomial in (ln i, k), on i > 0
        X1 = np.column_stack([free[pos], _poly(np.column_stack([lni[pos], K[pos]]), degree)])
        cache.update(ok=ok, pos=pos, X1=X1, stay=_stay_indicator(firm, year, exit_flag), lag=lagged_rows(firm, year))
    ok, pos, X1 = cache["ok"], cache["pos"], cache["X1"]
    P1 = X1[:, free.shape[1]:]  # the polynomial's columns
    if _count(pos, w) < 10:
        raise ValueError("too few observations with positive investment")

    # (1) y = b_free' free + phi(ln i, k) + e, on i > 0
    b1, fit1 = _ols(Y[pos], X1, None if w is None else w[pos])
    b_free = b1[: free.shape[1]]
    phi = np.full(n, np.nan)
    phi[pos] = fit1 - free[pos] @ b_free
    e_hat = np.full(n, np.nan)
    e_hat[pos] = Y[pos] - fit1

    # (2) survival probit of staying on lagged polynomial terms in (ln i, k)
    stay, lag = cache["stay"], cache["lag"]
    p_hat = np.full(n, np.nan)
    usable = pos & np.isfinite(stay)
    n_exit = _count(usable & (stay == 0), w)
    use_p = n_exit > 0 and _count(usable & (stay == 1), w) > 0
    if use_p:
        pos_idx = np.flatnonzero(pos)
        Xp = P1  # the polynomial in (ln i, k) on the rows with i > 0, as in step 1
        fit_rows = usable[pos_idx]
        coef = _probit(stay[pos_idx][fit_rows], Xp[fit_rows], None if w is None else w[pos_idx][fit_rows])
        index = np.full(n, np.nan)
        index[pos_idx] = Xp @ coef
        # a row at t survived from t-1: its P-hat is the fitted probability at t-1
        p_hat = np.where(lag >= 0, stats.norm.cdf(index[np.maximum(lag, 0)]), np.nan)

    # (3) b_k from y - b_free' free - b_k k on a polynomial in (omega_{-1}, P-hat)
    has_lag = ok & (lag >= 0)
    has_lag &= np.isfinite(np.where(lag >= 0, phi[np.maximum(lag, 0)], np.nan))
    if use_p:
        has_lag &= np.isfinite(p_hat)
    rows = np.flatnonzero(has_lag)
    if _count(has_lag, w) < 10:
        raise ValueError("too few observations with a lagged first-stage fit")
    lrows = lag[rows]
    target = Y[rows] - free[rows] @ b_free
    k_t, k_l, phi_l = K[rows], K[lrows], phi[lrows]
    p_l = p_hat[rows] if use_p else None

    ssr = _step3_ssr(target, k_t, phi_l, k_l, p_l, degree, None if w is None else w[rows])
    grid = np.linspace(-0.5, 1.5, 21)  # step 0.1; the bracketing cells are refined below
    vals = np.array([ssr(g) for g in grid])
    j = int(np.argmin(vals))
    lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(ssr, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7})
    b_k = float(res.x)
    return {
        "b_free": b_free,
        "b_k": b_k,
        "e_hat": e_hat,
        "n_first_stage": _count(pos, w),
        "n_second_stage": _count(has_lag, w),
        "n_exits": n_exit,
        "survival_probit": bool(use_p),
    }


def _step3_ssr(target: np.ndarray, k_t: np.ndarray, phi_l: np.ndarray, k_l: np.ndarray, p_l: np.ndarray | None,
               degree: int, w: np.ndarray | None = None):
    """OP step 3's objective ``b_k -> SSR`` of ``target - b_k k_t`` on a full polynomial of order
    ``degree`` in ``(omega_{-1}, P-hat)``, ``omega_{-1} = phi_{-1} - b_k k_{-1}``.

    The data enter once, through cross-products: with ``a``, ``c``, ``p``
    the standardised ``phi_{-1}``, ``k_{-1}`` and P-hat, ``omega_{-1}`` is
    (up to a constant and a scale, which leave the polynomial's span
    unchanged) ``a + lam c`` with ``lam = -b_k sd(k_{-1}) / sd(phi_{-1})``,
    so each term ``omega^i p^j`` is ``sum_t C(i, t) lam^t a^(i-t) c^t p^j``:
    a ``b_k``-dependent combination of the fixed monomials ``a^s c^t p^j``.
    The SSR is then ``r'r - r'Z (Z'Z)^+ Z'r`` computed from the Gram
    matrix of those monomials, ``target`` and ``k_t``: each evaluation is a
    small linear solve instead of a pass over the rows. ``w``: frequency
    weights (the Gram matrix ``B'WB``).
    """
    cols = [phi_l, k_l] + ([] if p_l is None else [p_l])
    X = np.column_stack(cols)
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    std = (X - X.mean(axis=0)) / sd
    nv = std.shape[1]
    # every monomial a^s c^t (p^j) of total order <= degree, as exponent tuples
    expo = sorted((e for e in np.ndindex(*(degree + 1,) * nv) if sum(e) <= degree), key=sum)
    where = {e: i for i, e in enumerate(expo)}
    B = np.empty((len(std), len(expo) + 2), order="F")
    B[:, 0] = 1.0
    for i, e in enumerate(expo[1:], start=1):  # each monomial is a lower one times one variable
        v = next(v for v in range(nv) if e[v])
        lower = tuple(x - (w == v) for w, x in enumerate(e))
        np.multiply(B[:, where[lower]], std[:, v], out=B[:, i])
    B[:, -2], B[:, -1] = target, k_t
    G = B.T @ B if w is None else (B * w[:, None]).T @ B
    n_b = len(expo)
    # the polynomial's terms omega^i p^j, i + j <= degree
    terms = [(i, j) for i in range(degree + 1) for j in range(degree + 1 - i) if p_l is not None or j == 0]
    binom = [[float(np.prod(np.arange(i - t + 1, i + 1)) / np.prod(np.arange(1, t + 1))) for t in range(i + 1)]
             for i in range(degree + 1)]

    def ssr(bk: float) -> float:
        lam = -bk * sd[1] / sd[0]
        T = np.zeros((n_b, len(terms)))
        for col, (i, j) in enumerate(terms):
            for t in range(i + 1):
                T[where[(i - t, t) + ((j,) if p_l is not None else ())], col] = binom[i][t] * lam**t
        r = np.zeros(n_b + 2)
        r[-2], r[-1] = 1.0, -bk
        A = T.T @ G[:n_b, :n_b] @ T  # Z'Z
        g = T.T @ (G[:n_b, :] @ r)  # Z'r
        rr = float(r @ G @ r)  # r'r
        scale = 1 / np.sqrt(np.where(np.diag(A) > 0, np.diag(A), 1.0))
        As, gs = A * np.outer(scale, scale), g * scale
        try:
            if np.linalg.cond(As) > 1e12:
                raise np.linalg.LinAlgError("ill-conditioned")
            fit = float(gs @ linalg.solve(As, gs, assume_a="pos", check_finite=False))
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            fit = float(gs @ np.linalg.lstsq(As, gs, rcond=None)[0])
        return rr - fit

    return ssr


def _by_industry(df: pd.DataFrame, industry: str | None) -> list[tuple[Any, np.ndarray]]:
    """(industry, row positions) pairs; one pair ``(None, all rows)`` without industries."""
    if industry is None:
        return [(None, np.arange(len(df)))]
    return [(g, pos) for g, pos in df.groupby(industry, sort=True).indices.items()]


def _op_frame(d: pd.DataFrame, y: str, free: list[str], k: str, i: str, firm: str, year: str,
              exit_col: str | None, poly_degree: int, w: np.ndarray | None = None,
              cache: dict | None = None) -> dict[str, Any]:
    """:func:`_op_one` on the named columns of one industry's rows."""
    ex = d[exit_col].to_numpy(dtype=float) if exit_col is not None else None
    return _op_one(d[y].to_numpy(dtype=float), d[free].to_numpy(dtype=float), d[k].to_numpy(dtype=float),
                   d[i].to_numpy(dtype=float), d[firm].to_numpy(), d[year].to_numpy(dtype=np.int64), ex,
                   poly_degree, w, cache)


def _group_cache(cache: dict | None, *key) -> dict | None:
    """The part of a caller's ``cache`` (see :func:`_op_one`) for one industry and estimator."""
    return None if cache is None else cache.setdefault(key, {})


def olley_pakes(
    df: pd.DataFrame,
    y: str,
    l: str,
    k: str,
    i: str,
    firm: str,
    year: str,
    industry: str | None = None,
    exit_col: str | None = None,
    poly_degree: int = 3,
    weights: np.ndarray | None = None,
    cache: dict | None = None,
) -> dict[str, Any]:
    """Olley & Pakes (1996) production function and TFP, METHOD §6.

    Steps (per industry when ``industry`` is given):

    1. ``y = b_l l + phi(ln i, k) + e`` by OLS on rows with investment
       ``i > 0``, phi a full polynomial of order ``poly_degree`` (3) in
       ``(ln i, k)``; ``phi_hat`` is the fitted value net of ``b_l l``.
    2. Survival probit: the probability that a firm present in ``t - 1``
       stays into ``t``, on the polynomial terms in ``(ln i_{t-1}, k_{t-1})``.
       Exit is the firm's last year before the sample's end (or the 0/1
       column ``exit_col``, 1 = exits after this year). Skipped when there
       are no exits.
    3. ``b_k`` minimises the sum of squared residuals of a least-squares fit
       of ``y - b_l l - b_k k`` on a full polynomial of order ``poly_degree``
       in ``omega_{-1} = phi_{-1} - b_k k_{-1}`` and ``P_hat`` (grid search
       over [-0.5, 1.5] in steps of 0.1, then ``minimize_scalar`` on the two
       cells around the best grid point).

    ``y``, ``l``, ``k`` are log columns; ``i`` is investment in levels.
    ``weights``: frequency weights per row, constant within a firm (the firm
    block bootstrap's count of each firm; see :func:`_op_one`); ``cache``: a
    dict kept across calls on the same ``df`` (:func:`_op_one`).

    Returns a dict: ``b_l``, ``b_k`` (floats, or Series by industry),
    ``tfp`` (Series ``y - b_l l - b_k k`` aligned on ``df.index``; NaN in
    industries too small to estimate, whose ``info`` row carries the
    ``error``; without ``industry`` such a sample raises ValueError), ``info`` (DataFrame of sample
    sizes, exits and whether the probit was used, per industry).
    """
    tfp = np.full(len(df), np.nan)
    out_l: dict[Any, float] = {}
    out_k: dict[Any, float] = {}
    info = []
    for g, rows in _by_industry(df, industry):
        d = df.iloc[rows]
        try:
            r = _op_frame(d, y, [l], k, i, firm, year, exit_col, poly_degree,
                          None if weights is None else weights[rows], _group_cache(cache, "op", g))
        except ValueError as err:
            if industry is None:
                raise
            out_l[g] = out_k[g] = np.nan
            info.append({"industry": g, "b_l": np.nan, "b_k": np.nan, "error": str(err)})
            continue
        b_l, b_k = float(r["b_free"][0]), r["b_k"]
        out_l[g], out_k[g] = b_l, b_k
        tfp[rows] = (d[y] - b_l * d[l] - b_k * d[k]).to_numpy(dtype=float)
        info.append({"industry": g, "b_l": b_l, "b_k": b_k} | {c: r[c] for c in ("n_first_stage", "n_second_stage", "n_exits", "survival_probit")})
    info_df = pd.DataFrame(info).set_index("industry")
    tfp = pd.Series(tfp, index=df.index, name="tfp")
    if industry is None:
        return {"b_l": out_l[None], "b_k": out_k[None], "tfp": tfp, "info": info_df}
    return {"b_l": pd.Series(out_l, name="b_l"), "b_k": pd.Series(out_k, name="b_k"), "tfp": tfp, "info": info_df}


def dlw_markups(
    df: pd.DataFrame,
    y: str,
    l: str,
    k: str,
    m: str,
    i: str,
    firm: str,
    year: str,
    industry: str | None = None,
    exit_col: str | None = None,
    poly_degree: int = 3,
    share: str | None = None,
    weights: np.ndarray | None = None,
    cache: dict | None = None,
) -> dict[str, Any]:
    """De Loecker & Warzynski (2012) markups, METHOD §6: ``mu = theta_m / alpha_m``.

    Estimator of theta_m (ours; METHOD fixes only the gross-output
    Cobb-Douglas): Olley-Pakes on the gross-output Cobb-Douglas
    ``y = b_l l + b_m m + b_k k + omega + e`` with labour *and* intermediates
    as the freely chosen inputs of the first stage,
    ``y = b_l l + b_m m + phi(ln i, k) + e`` (OLS on ``i > 0``, phi a full
    polynomial of order ``poly_degree`` in ``(ln i, k)``), so
    ``theta_m = b_m`` is constant within an industry; ``b_k`` follows from
    OP steps 2-3 exactly as in :func:`olley_pakes`. ``e_hat`` is the
    first-stage residual ``y - b_l l - b_m m - phi_hat``. This is
    identified when l and m move, given ``(i, k)``, with firm-level input
    price or optimisation shocks that do not feed back into investment (the
    Ackerberg-Caves-Frazer concern: without such variation b_l and b_m are
    not identified in the first stage).

    ``y`` is log output (sales), ``m`` log intermediate inputs, both in the
    same currency units, so ``M / S = exp(m - y)`` and
    ``alpha_m = (M / S) * exp(e_hat)``. When y and m are deflated (real
    values, METHOD §0 step 5) by different price indices, ``exp(m - y)`` is
    not the expenditure share: ``share`` names a column holding the log of
    ``M / S`` in current prices, used for ``alpha_m`` instead. Rows with ``i <= 0`` (or missing)
    have no ``e_hat`` and get NaN markups. By industry, an industry too
    small to estimate gets NaN coefficients and markups (without
    ``industry`` such a sample raises ValueError). ``weights`` and ``cache``:
    as :func:`olley_pakes`'s.

    Returns a dict: ``theta_m``, ``theta_l``, ``b_k`` (floats, or Series by
    industry), and ``markups`` (DataFrame on ``df.index`` with ``e_hat``,
    ``alpha_m``, ``markup``).
    """
    res = np.full((len(df), 3), np.nan)
    th_m: dict[Any, float] = {}
    th_l: dict[Any, float] = {}
    bks: dict[Any, float] = {}
    for g, rows in _by_industry(df, industry):
        d = df.iloc[rows]
        try:
            r = _op_frame(d, y, [l, m], k, i, firm, year, exit_col, poly_degree,
                          None if weights is None else weights[rows], _group_cache(cache, "dlw", g))
        except ValueError:
            if industry is None:
                raise
            th_l[g] = th_m[g] = bks[g] = np.nan
            continue
        b_l, b_m = (float(v) for v in r["b_free"])
        th_l[g], th_m[g], bks[g] = b_l, b_m, r["b_k"]
        e_hat = r["e_hat"]
        ln_share = (d[share].to_numpy(dtype=float) if share is not None
                    else d[m].to_numpy(dtype=float) - d[y].to_numpy(dtype=float))
        alpha = np.exp(ln_share) * np.exp(e_hat)
        res[rows, 0], res[rows, 1], res[rows, 2] = e_hat, alpha, b_m / alpha
    res = pd.DataFrame(res, index=df.index, columns=["e_hat", "alpha_m", "markup"])
    if industry is None:
        return {"theta_m": th_m[None], "theta_l": th_l[None], "b_k": bks[None], "markups": res}
    return {
        "theta_m": pd.Series(th_m, name="theta_m"),
        "theta_l": pd.Series(th_l, name="theta_l"),
        "b_k": pd.Series(bks, name="b_k"),
        "markups": res,
    }
