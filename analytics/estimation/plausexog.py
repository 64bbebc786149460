"""Conley, Hansen & Rossi (2012) plausibly exogenous bounds (METHOD §6, Table 8).

Model ``y = X b + Z g + u``: X one endogenous regressor (plus exogenous
controls W), Z the excluded instrument, whose direct effect g is not assumed
zero. Fixed effects are partialled out first (Frisch-Waugh-Lovell, via
:func:`~analytics.estimation.iv_diagnostics.demean`); with no fixed effects
the constant is partialled out. Variances are cluster-robust (CRV1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics.estimation.iv_diagnostics import absorbed_dof, as_2d, demean

__all__ = ["SSC", "TSLSResult", "tsls", "uci", "ltz"]

SSC = Literal["crv1", "none"]


def _check_ssc(ssc: str) -> None:
    if ssc not in get_args(SSC):
        raise ValueError(f"ssc must be one of {get_args(SSC)}, got {ssc!r}")


@dataclass(frozen=True)
class _Design:
    y: np.ndarray  # (n,)
    X: np.ndarray  # (n, k): [x, w...]
    Z: np.ndarray  # (n, k): [z, w...]
    cl: np.ndarray  # cluster codes
    sdofminus: int  # absorbed degrees of freedom (constant or FE)


def _design(y, x, z, w, cluster, fe_df) -> _Design:
    yv = np.asarray(y, dtype=float).ravel()
    n = yv.size
    xv = as_2d(x, n)
    zv = as_2d(z, n)
    if xv.shape[1] != 1 or zv.shape[1] != 1:
        raise ValueError("exactly one endogenous regressor and one instrument")
    wv = as_2d(w, n)
    if cluster is None:
        raise ValueError("cluster is required")
    cl = pd.factorize(pd.Series(np.asarray(cluster)))[0]
    if cl.size != n:
        raise ValueError("cluster must have one label per row")
    m = np.column_stack([yv, xv, zv, wv])
    if fe_df is not None and fe_df.shape[1] > 0:
        if len(fe_df) != n:
            raise ValueError("fe_df must have one row per observation")
        data = pd.DataFrame(m, columns=[f"v{j}" for j in range(m.shape[1])])
        fe = fe_df.reset_index(drop=True).copy()
        fe.columns = [f"fe{j}" for j in range(fe.shape[1])]
        m = demean(pd.concat([data, fe], axis=1), list(data.columns), list(fe.columns)).to_numpy()
        sdof = _fe_dof(fe_df, cl)
    else:
        m = m - m.mean(axis=0)
        sdof = 1
    ww = m[:, 3:]
    return _Design(m[:, 0], np.column_stack([m[:, 1], ww]), np.column_stack([m[:, 2], ww]), cl, sdof)


def _fe_dof(fe_df: pd.DataFrame, cl: np.ndarray) -> int:
    """Absorbed FE degrees of freedom for the CRV1 factor: all FE levels not
    nested in the clusters, as pyfixest's default ``fixef_k="nested"``;
    computed with :func:`absorbed_dof` (reghdfe's redundancy rules)."""
    return absorbed_dof(fe_df, cl)


def _project(d: _Design) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of 2SLS that do not depend on y: ``X'Z (Z'Z)^-1``, ``(X'Pz X)^-1`` and ``Pz X``."""
    X, Z = d.X, d.Z
    ZZi = np.linalg.inv(Z.T @ Z)
    XPz = (X.T @ Z) @ ZZi  # X'Z (Z'Z)^-1
    H = np.linalg.inv(XPz @ Z.T @ X)  # (X'Pz X)^-1
    return XPz, H, Z @ XPz.T


def _fit(d: _Design, ssc: str, y: np.ndarray | None = None, projection: tuple | None = None):
    """2SLS coefficients, clustered V and residuals on a partialled design
    (``projection``: :func:`_project` of ``d``, when several y share it)."""
    yy = d.y if y is None else y
    X, Z = d.X, d.Z
    XPz, H, Xhat = _project(d) if projection is None else projection
    b = H @ (XPz @ (Z.T @ yy))
    resid = yy - X @ b
    G = int(d.cl.max()) + 1
    scores = Xhat * resid[:, None]
    sc = np.column_stack([np.bincount(d.cl, weights=scores[:, j], minlength=G) for j in range(X.shape[1])])
    V = H @ (sc.T @ sc) @ H
    if ssc == "crv1":
        n, k = X.shape
        V = V * (n - 1) / (n - k - d.sdofminus) * G / (G - 1)
    return b, V, resid, H


@dataclass(frozen=True)
class TSLSResult:
    """2SLS fit. ``b``/``se`` ordered [x, w...] (FE and constant partialled)."""

    b: np.ndarray
    se: np.ndarray
    resid: np.ndarray
    vcov: np.ndarray

    def __iter__(self):  # allows ``b, se, resid = tsls(...)``
        return iter((self.b, self.se, self.resid))


def tsls(y, x, z, w=None, cluster=None, *, fe_df: pd.DataFrame | None = None, ssc: SSC = "crv1") -> TSLSResult:
    """Clustered 2SLS of y on [x, w] instrumented by [z, w] (METHOD §6).

    Fixed effects (``fe_df``) or, without them, the constant are partialled
    out first. ``ssc="crv1"`` multiplies the cluster sandwich by
    ``(N-1)/(N-K-sdofminus) * G/(G-1)``, with K the columns of [x, w] and
    sdofminus the absorbed degrees of freedom (1 for the constant, else
    :func:`~analytics.estimation.iv_diagnostics.absorbed_dof`); without fixed
    effects this is pyfixest's CRV1 default exactly (K there counts the
    intercept). ``ssc="none"`` is the raw sandwich.
    """
    _check_ssc(ssc)
    d = _design(y, x, z, w, cluster, fe_df)
    b, V, resid, _ = _fit(d, ssc)
    return TSLSResult(b, np.sqrt(np.diag(V)), resid, V)


def uci(
    y,
    x,
    z,
    w=None,
    cluster=None,
    gmin: float = 0.0,
    gmax: float = 0.0,
    n_grid: int = 51,
    level: float = 0.95,
    *,
    fe_df: pd.DataFrame | None = None,
    ssc: SSC = "crv1",
) -> tuple[float, float, pd.DataFrame]:
    """Union-of-confidence-intervals bound (CHR 2012; METHOD §6, Table 8).

    For each g on ``np.linspace(gmin, gmax, n_grid)`` (n_grid >= 51 unless
    gmin == gmax), 2SLS of ``y - z g`` on x (instrumented by z, controls w,
    FE partialled out); the interval is the union of ``b_g +/- z_crit se_g``
    with ``z_crit = Phi^-1(1 - (1-level)/2)`` (1.96 at 95%). Returns (lower,
    upper, grid) with grid columns g, b, se, lower, upper.
    """
    _check_ssc(ssc)
    if gmin > gmax:
        raise ValueError("gmin must not exceed gmax")
    if gmin != gmax and n_grid < 51:
        raise ValueError("METHOD §6 asks for at least 51 grid points")
    if not 0 < level < 1:
        raise ValueError("level must be in (0, 1)")
    d = _design(y, x, z, w, cluster, fe_df)
    crit = float(norm.ppf(1 - (1 - level) / 2))
    zcol = d.Z[:, 0]
    gs = np.array([gmin]) if gmin == gmax else np.linspace(gmin, gmax, n_grid)
    rows = []
    projection = _project(d)  # the same for every g: only y moves
    for g in gs:
        b, V, _, _ = _fit(d, ssc, d.y - zcol * g, projection)
        se = float(np.sqrt(V[0, 0]))
        rows.append((g, b[0], se, b[0] - crit * se, b[0] + crit * se))
    grid = pd.DataFrame(rows, columns=["g", "b", "se", "lower", "upper"])
    return float(grid["lower"].min()), float(grid["upper"].max()), grid


def ltz(
    y,
    x,
    z,
    w=None,
    cluster=None,
    mu: float = 0.0,
    omega: float = 0.0,
    *,
    fe_df: pd.DataFrame | None = None,
    ssc: SSC = "crv1",
) -> tuple[float, float]:
    """Local-to-zero bound (CHR 2012; METHOD §6, Table 8), prior g ~ N(mu, omega).

    ``A = (X'Pz X)^-1 X'Z`` (X = [x, w], Z the excluded instrument, all
    partialled), ``b = b_2sls - A mu``, ``V = V_2sls + A omega A'``. Returns
    (b, se) for x. ``omega`` is a variance (not an sd) and must be >= 0.
    """
    _check_ssc(ssc)
    if omega < 0:
        raise ValueError("omega is a variance and must be non-negative")
    d = _design(y, x, z, w, cluster, fe_df)
    b, V, _, H = _fit(d, ssc)
    A = H @ (d.X.T @ d.Z[:, [0]])  # (k, 1)
    bb = b - A[:, 0] * mu
    VV = V + omega * (A @ A.T)
    return float(bb[0]), float(np.sqrt(VV[0, 0]))
