"""Fixed-effect partialling and the Kleibergen-Paap rk Wald F (METHOD §6).

Numpy/pandas and pyfixest's demeaner. METHOD §6: "Kleibergen-Paap rk Wald F, one
endogenous regressor and one instrument: the squared cluster-robust t
statistic of the instrument in the first stage (FE partialled out), with
ivreghdfe's small-sample factors
``F = chi2/(N-1) * (N-L-sdofminus) * (G-1)/G / L1``."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.estimation import demean as pf_demean
# (pyfixest 0.60's dispatch to its LSMR demeaner; the public `demean` is alternating projections only)
from pyfixest.estimation.internals.demean_ import dispatch_demean
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["demean", "demean_codes", "fe_codes", "lsmr_demeaner", "LSMR_TOL", "absorbed_dof", "kleibergen_paap_f",
           "first_stage_partialled", "PartialledFirstStage", "anderson_rubin", "as_2d",
           "partial_out"]


LSMR_TOL = 1e-10  # pyfixest's LSMR demeaner, for three or more fixed effects
SWEEPS_BEFORE_LSMR = 300  # three or more fixed effects: alternating projections up to here, then LSMR


def lsmr_demeaner() -> pf.LsmrDemeaner:
    """pyfixest's LSMR demeaner at :data:`LSMR_TOL`: for three or more fixed
    effects, where alternating projections crawl (firm, year and province x
    year on the demo panel: 6 s a call against 0.2 s)."""
    return pf.LsmrDemeaner(fixef_atol=LSMR_TOL, fixef_btol=LSMR_TOL)


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
                 maxiter: int = 100_000, weights: np.ndarray | None = None) -> np.ndarray:
    """:func:`demean` on arrays: ``x`` (n, k) without missing values, ``codes``
    one integer code array (0..levels-1) per fixed effect; ``weights``:
    frequency weights per row (a row of weight 2 counts as two copies of it;
    default 1)."""
    x = np.ascontiguousarray(x, dtype=float).reshape(len(x), -1)
    if np.isnan(x).any():
        raise ValueError("demean: columns contain missing values")
    if not len(codes) or len(x) == 0:
        return x.copy()
    w = np.ones(len(x)) if weights is None else np.ascontiguousarray(weights, dtype=float)
    scale = max(1.0, float(np.abs(x).max()) if x.size else 1.0)
    flist = np.column_stack(codes).astype(np.uint64)
    if len(codes) >= 3:
        # alternating projections first (fast where they converge quickly, as on a
        # bootstrap resample), pyfixest's LSMR solver where they crawl
        out, converged = pf_demean(x.copy(), flist, w, tol=tol * scale, maxiter=min(maxiter, SWEEPS_BEFORE_LSMR))
        if converged:
            return np.asarray(out, dtype=float)
        out, _, converged = dispatch_demean(x.copy(), flist, w, lsmr_demeaner())
        if not converged:
            raise ValueError(f"demean (LSMR) did not converge to {LSMR_TOL}")
        return np.asarray(out, dtype=float)
    out, converged = pf_demean(x.copy(), flist, w, tol=tol * scale, maxiter=maxiter)
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


def _cluster_codes(cluster, n: int) -> np.ndarray:
    cl = pd.factorize(pd.Series(np.asarray(cluster)))[0]
    if cl.size != n:
        raise ValueError("cluster must have one label per row")
    return cl


def _fwl(variables: Sequence, z, exog, fe_df: pd.DataFrame | None, cluster, who: str):
    """Frisch-Waugh-Lovell for one instrument: ``variables`` and ``z`` with the
    fixed effects of ``fe_df`` (one column per fixed effect; none: the
    constant) and then ``exog`` partialled out. Returns ([each variable
    partialled, z partialled], exog as an (n, k) array, cluster codes)."""
    partialled, w = _partial_fe_exog(variables, z, exog, fe_df, who)
    return partialled, w, _cluster_codes(cluster, partialled[0].size)


def _partial_fe_exog(variables: Sequence, z, exog, fe_df: pd.DataFrame | None,
                     who: str) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`_fwl` without the clusters: ([each variable partialled, z partialled], exog)."""
    cols = [np.asarray(v, dtype=float).ravel() for v in variables]
    n = cols[0].size
    zz = as_2d(z, n)
    if zz.shape[1] != 1:
        raise ValueError(f"{who} supports exactly one instrument")
    w = as_2d(exog, n)
    data = pd.DataFrame(np.column_stack([*cols, zz, w]))
    data.columns = [f"v{j}" for j in range(data.shape[1])]
    if fe_df is not None and fe_df.shape[1] > 0:
        fe = fe_df.reset_index(drop=True).copy()
        fe.columns = [f"fe{j}" for j in range(fe.shape[1])]
        d = demean(pd.concat([data, fe], axis=1), list(data.columns), list(fe.columns)).to_numpy()
    else:
        d = data.to_numpy() - data.to_numpy().mean(axis=0)
    k = len(cols) + 1
    wt = d[:, k:]
    return [partial_out(d[:, j], wt) for j in range(k)], w


def _crv1_factor(y, z, w: np.ndarray, fe_df: pd.DataFrame | None, cl: np.ndarray, raw: float) -> float:
    """pyfixest's CRV1 small-sample factor for the regression of ``y`` on ``z``,
    ``w`` and the fixed effects, read off its own fit (its variance of the
    ``z`` coefficient over the raw sandwich ``raw``): G/(G-1) (N-1)/(N-k), with
    the fixed-effect parameters counted as pyfixest counts them."""
    import warnings

    import pyfixest as pf

    d = pd.DataFrame({"y_": np.asarray(y, dtype=float).ravel(), "z_": np.asarray(z, dtype=float).ravel(), "cl_": cl})
    names = [f"w{j}_" for j in range(w.shape[1])]
    d[names] = w
    fml = "y_ ~ " + " + ".join(["z_", *names])
    if fe_df is not None and fe_df.shape[1] > 0:
        fes = [f"fe{j}_" for j in range(fe_df.shape[1])]
        d[fes] = fe_df.reset_index(drop=True).to_numpy()
        fml += " | " + " + ".join(fes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        se = float(pf.feols(fml, data=d, vcov={"CRV1": "cl_"}).tidy().loc["z_", "Std. Error"])
    return se**2 / raw


def anderson_rubin(y, x, z, exog=None, fe_df: pd.DataFrame | None = None, cluster=None, *,
                   level: float = 0.95) -> dict[str, float]:
    """Anderson-Rubin test and confidence set for beta in ``y = beta x + exog + fe + u``,
    ``x`` instrumented by ``z`` (one of each), robust to a weak instrument.

    AR(b) is the squared CRV1 t statistic of ``z`` in the regression of
    ``y - b x`` on ``z``, ``exog`` and the fixed effects (by FWL: partialled
    ``y~, x~, z~``; ``pi(b) = pi_y - b pi_x``; scores ``z~ (u_y - b u_x)``
    summed by cluster), with pyfixest's CRV1 small-sample factor
    ``G/(G-1) (N-1)/(N-k)`` (:func:`_crv1_factor`: taken from pyfixest's own fit
    at b = 0, so the fixed effects count as pyfixest counts them). The set ``{b: AR(b) <=
    c}``, ``c`` the squared t quantile with ``G - 1`` degrees of freedom, is
    where a quadratic in ``b`` is <= 0: a bounded interval when the
    instrument is significant in the first stage at that level, else
    unbounded (the whole line, or two rays). Returns ``stat0`` (AR(0), the
    test of beta = 0), ``p0``, ``ci_low``/``ci_high`` (NaN when the set is
    unbounded) and ``bounded`` (1.0 or 0.0).
    """
    from scipy import stats

    if cluster is None:
        raise ValueError("anderson_rubin: cluster is required")
    (yt, xt, zt), w, cl = _fwl([y, x], z, exog, fe_df, cluster, "anderson_rubin")
    n, G = yt.size, int(cl.max()) + 1
    zz = zt @ zt
    pi_y, pi_x = (zt @ yt) / zz, (zt @ xt) / zz
    sy = np.bincount(cl, weights=zt * (yt - pi_y * zt))
    sx = np.bincount(cl, weights=zt * (xt - pi_x * zt))
    A, B, C = sy @ sy, sy @ sx, sx @ sx
    raw0 = float(A / zz**2)  # the raw sandwich of pi_y
    factor = _crv1_factor(y, z, w, fe_df, cl, raw0)
    crit = stats.t.ppf(0.5 + level / 2, G - 1) ** 2
    q = crit * factor / zz**2
    stat0 = pi_y**2 / (factor * raw0)
    # (pi_y - b pi_x)^2 - q (A - 2 b B + b^2 C) <= 0
    a2, a1, a0 = pi_x**2 - q * C, -2 * (pi_y * pi_x - q * B), pi_y**2 - q * A
    disc = a1**2 - 4 * a2 * a0
    lo = hi = float("nan")
    bounded = a2 > 0 and disc >= 0
    if bounded:
        r = np.sqrt(disc)
        lo, hi = sorted(((-a1 - r) / (2 * a2), (-a1 + r) / (2 * a2)))
    return {"stat0": float(stat0), "p0": float(stats.f.sf(stat0, 1, G - 1)), "ci_low": float(lo),
            "ci_high": float(hi), "bounded": float(bounded)}


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
    return first_stage_partialled(y_endog, z, exog, fe_df).kp_f(cluster, sdofminus=sdofminus)


@dataclass(frozen=True)
class PartialledFirstStage:
    """A first stage ``y_endog ~ z + exog | fe`` with the fixed effects and
    ``exog`` partialled out (:func:`first_stage_partialled`): what the
    Kleibergen-Paap F needs but the clusters, so one partialling serves every
    clustering of the same fit."""

    xt: np.ndarray  # y_endog partialled
    zt: np.ndarray  # z partialled
    n_exog: int  # columns of exog
    fe_df: pd.DataFrame | None

    def kp_f(self, cluster, *, sdofminus: int | None = None) -> float:
        """:func:`kleibergen_paap_f` under ``cluster`` (one label per row)."""
        if cluster is None:
            raise ValueError("kleibergen_paap_f: cluster is required")
        return _kp_f(self.xt, self.zt, self.n_exog, self.fe_df, _cluster_codes(cluster, self.xt.size), sdofminus)


def first_stage_partialled(y_endog, z, exog=None, fe_df: pd.DataFrame | None = None) -> PartialledFirstStage:
    """The partialled first stage of :func:`kleibergen_paap_f` (its FWL step), for
    computing the F under several clusterings at the cost of one partialling."""
    (xt, zt), w = _partial_fe_exog([y_endog], z, exog, fe_df, "kleibergen_paap_f")
    return PartialledFirstStage(xt, zt, w.shape[1], fe_df)


def _kp_f(xt: np.ndarray, zt: np.ndarray, n_exog: int, fe_df: pd.DataFrame | None, cl: np.ndarray,
          sdofminus: int | None) -> float:
    n = xt.size
    if sdofminus is None:
        sdofminus = absorbed_dof(fe_df, cl)
    zz_ = zt @ zt
    pi = (zt @ xt) / zz_
    e = xt - zt * pi
    scores = np.bincount(cl, weights=zt * e)
    v = (scores @ scores) / zz_**2
    chi2 = pi**2 / v
    G = int(cl.max()) + 1
    L = 1 + n_exog
    L1 = 1
    return float(chi2 / (n - 1) * (n - L - sdofminus) * (G - 1) / G / L1)
