"""Fixed-effect partialling and the Kleibergen-Paap rk Wald F (METHOD §6).

Numpy/pandas and pyfixest's demeaner. METHOD §6: "Kleibergen-Paap rk Wald F, one
endogenous regressor and one instrument: the squared cluster-robust t
statistic of the instrument in the first stage (FE partialled out), with
ivreghdfe's small-sample factors
``F = chi2/(N-1) * (N-L-sdofminus) * (G-1)/G / L1``."
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pyfixest.estimation import demean as pf_demean
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["demean", "demean_codes", "fe_codes", "absorbed_dof", "kleibergen_paap_f", "as_2d", "partial_out"]


def _codes(s: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(s, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(f"fixed effect {s.name!r} has missing values")
    return codes


def demean(
    df: pd.DataFrame,
    cols: Sequence[str],
    fe: Sequence[str],
    *,
    tol: float = 1e-12,
    maxiter: int = 100_000,
) -> pd.DataFrame:
    """Partial the fixed effects ``fe`` out of ``cols`` (METHOD §6, FWL).

    Alternating projections (pyfixest's demeaner: sweeps over the fixed
    effects, each subtracting group means) until the largest change in a
    sweep is below ``tol`` times the scale of the data (max(1, max |x|)). One
    fixed effect is exact after one sweep. With no fixed effects the columns
    are returned as they are. Raises ValueError on missing values or on
    non-convergence.
    """
    cols = list(cols)
    fe = list(fe)
    x = df[cols].to_numpy(dtype=float, copy=True)
    if np.isnan(x).any():
        raise ValueError("demean: columns contain missing values")
    if not fe or len(x) == 0:
        return pd.DataFrame(x, index=df.index, columns=cols)
    return pd.DataFrame(demean_codes(x, [_codes(df[f]) for f in fe], tol=tol, maxiter=maxiter),
                        index=df.index, columns=cols)


def fe_codes(fe_df: pd.DataFrame) -> list[np.ndarray]:
    """One integer code array per column of ``fe_df`` (ValueError on a missing label)."""
    return [_codes(fe_df.iloc[:, j].rename(fe_df.columns[j])) for j in range(fe_df.shape[1])]


def demean_codes(x: np.ndarray, codes: Sequence[np.ndarray], *, tol: float = 1e-12,
                 maxiter: int = 100_000) -> np.ndarray:
    """:func:`demean` on arrays: ``x`` (n, k) without missing values, ``codes``
    one integer code array (0..levels-1) per fixed effect."""
    x = np.ascontiguousarray(x, dtype=float).reshape(len(x), -1)
    if np.isnan(x).any():
        raise ValueError("demean: columns contain missing values")
    if not len(codes) or len(x) == 0:
        return x.copy()
    scale = max(1.0, float(np.abs(x).max()) if x.size else 1.0)
    flist = np.column_stack(codes).astype(np.uint64)
    out, converged = pf_demean(x.copy(), flist, np.ones(len(x)), tol=tol * scale, maxiter=maxiter)
    if not converged:
        raise ValueError(f"demean did not converge to {tol} in {maxiter} sweeps")
    return np.asarray(out, dtype=float)


def absorbed_dof(fe_df: pd.DataFrame | None, cluster: Sequence | np.ndarray | None) -> int:
    """ivreghdfe's ``sdofminus`` for absorbed fixed effects (METHOD §6).

    reghdfe's ``df_a``: the levels of each fixed effect, less the redundant
    ones -- all of them when the fixed effect is nested in the clusters (each
    level lies in one cluster), none for the first, the number of connected
    components of the (first, second) bipartite graph for the second
    (mobility groups), and one for each further fixed effect (reghdfe's
    conservative default). ivreghdfe then uses ``max(1, df_a)`` as
    ``sdofminus`` (``if absorb_ct==0 loc absorb_ct 1``). No fixed effects: 1
    (the constant, partialled out by the caller).
    """
    if fe_df is None or fe_df.shape[1] == 0:
        return 1
    cl = None if cluster is None else pd.factorize(pd.Series(np.asarray(cluster)))[0]
    codes = [_codes(fe_df[c]) for c in fe_df.columns]
    df_a = 0
    for g, c in enumerate(codes):
        levels = int(c.max()) + 1
        if cl is not None:
            per_level = pd.Series(cl).groupby(c).nunique()
            if bool((per_level == 1).all()):
                continue  # nested in the clusters: all levels redundant
        if g == 0:
            redundant = 0
        elif g == 1:
            a, b = codes[0], c
            na, nb = int(a.max()) + 1, levels
            adj = coo_matrix((np.ones(a.size), (a, na + b)), shape=(na + nb, na + nb))
            redundant = connected_components(adj, directed=False)[0]
        else:
            redundant = 1
        df_a += levels - redundant
    return max(1, df_a)


def as_2d(a, n: int) -> np.ndarray:
    """``None`` -> (n, 0); 1-d -> (n, 1); DataFrame/2-d -> float array."""
    if a is None:
        return np.empty((n, 0))
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[0] != n:
        raise ValueError(f"expected {n} rows, got {arr.shape[0]}")
    return arr


def partial_out(target: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Residuals of ``target`` on ``w`` (least squares); ``target`` if w is empty."""
    if w.shape[1] == 0:
        return target
    coef, *_ = np.linalg.lstsq(w, target, rcond=None)
    return target - w @ coef


def kleibergen_paap_f(
    y_endog,
    z,
    exog=None,
    fe_df: pd.DataFrame | None = None,
    cluster=None,
    *,
    sdofminus: int | None = None,
) -> float:
    """Kleibergen-Paap rk Wald F, one endogenous regressor, one instrument.

    METHOD §6. The first stage ``y_endog ~ z + exog | fe`` is estimated by FWL:
    the fixed effects in ``fe_df`` (one column per fixed effect) are
    partialled out of all variables (:func:`demean`; with no fixed effects the
    constant is), then ``exog``. ``chi2 = pi^2 / V`` is the squared
    cluster-robust t statistic of the instrument with the raw sandwich
    ``V = (z'z)^-2 sum_g (sum_{i in g} z_i e_i)^2`` (no small-sample factor),
    which is the rk Wald statistic for one endogenous regressor and one
    instrument. Then ivreghdfe's small-sample factors::

        F = chi2 / (N - 1) * (N - L - sdofminus) * (G - 1) / G / L1

    - ``chi2/(N-1)``: ivreg2 scales the Wald statistic by 1/(N - dofminus) and
      with clusters uses N - 1 (the (N-1)/(N-K) CRV1 convention);
    - ``N - L - sdofminus``: residual degrees of freedom; ``L`` counts the
      instruments including the exogenous regressors (here ``1 + exog``
      columns; the constant is absorbed); ``sdofminus`` the absorbed
      fixed-effect degrees of freedom not nested in the clusters
      (:func:`absorbed_dof`, or given);
    - ``(G-1)/G``: the inverse of the cluster factor G/(G-1), G clusters;
    - ``L1 = 1``: the number of excluded instruments.

    ``cluster`` is required (one label per row).
    """
    if cluster is None:
        raise ValueError("kleibergen_paap_f: cluster is required")
    x = np.asarray(y_endog, dtype=float).ravel()
    n = x.size
    zz = as_2d(z, n)
    if zz.shape[1] != 1:
        raise ValueError("kleibergen_paap_f supports exactly one instrument")
    w = as_2d(exog, n)
    cl = pd.factorize(pd.Series(np.asarray(cluster)))[0]
    if cl.size != n:
        raise ValueError("cluster must have one label per row")
    data = pd.DataFrame(np.column_stack([x, zz, w]))
    data.columns = [f"v{j}" for j in range(data.shape[1])]
    if fe_df is not None and fe_df.shape[1] > 0:
        fe = fe_df.reset_index(drop=True).copy()
        fe.columns = [f"fe{j}" for j in range(fe.shape[1])]
        d = demean(pd.concat([data, fe], axis=1), list(data.columns), list(fe.columns)).to_numpy()
    else:
        d = data.to_numpy() - data.to_numpy().mean(axis=0)
    if sdofminus is None:
        sdofminus = absorbed_dof(fe_df, cl)
    xt, zt, wt = d[:, 0], d[:, 1], d[:, 2:]
    xt = partial_out(xt, wt)
    zt = partial_out(zt, wt)
    zz_ = zt @ zt
    pi = (zt @ xt) / zz_
    e = xt - zt * pi
    scores = np.bincount(cl, weights=zt * e)
    v = (scores @ scores) / zz_**2
    chi2 = pi**2 / v
    G = int(cl.max()) + 1
    L = 1 + w.shape[1]
    L1 = 1
    return float(chi2 / (n - 1) * (n - L - sdofminus) * (G - 1) / G / L1)
