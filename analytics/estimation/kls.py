"""Kiviet (2020) kinky least squares (METHOD §6, Table 8).

KLS corrects OLS for an assumed correlation ``rho`` between the regressor of
interest x (C in the paper) and the error, after the fixed effects (industry
and city in Table 8) are partialled out (FWL; without fixed effects the
constant is). With ``X = [x, w]`` (partialled), ``S = X'X/n``, ``s_x`` the sd
of x (``sqrt(x'x/n)`` of the partialled x) and u the OLS residuals::

    s2_u = (u'u/n) / (1 - rho^2 s2_x [S^-1]_11)
    b    = b_ols - rho s_u s_x S^-1 e1

rho is admissible only if ``rho^2 < 1 - R2(x on w)``, which is exactly
``rho^2 s2_x [S^-1]_11 < 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.estimation.iv_diagnostics import as_2d, demean_codes, fe_codes
from analytics.workers import ordered_map, spawned_pool, worker_count

__all__ = ["kls", "kls_bootstrap_se", "kls_bootstrap_ses"]


def _stacked(y, x, w) -> np.ndarray:
    """``[y, x, w...]`` as one float array (x one column)."""
    yv = np.asarray(y, dtype=float).ravel()
    n = yv.size
    xv = as_2d(x, n)
    if xv.shape[1] != 1:
        raise ValueError("kls: x must be one regressor")
    return np.column_stack([yv, xv, as_2d(w, n)])


def _partial(m: np.ndarray, codes: list[np.ndarray] | None,
             w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Partial the fixed effects (integer ``codes``; the constant without them) out of ``[y, X]``;
    ``w``: frequency weights per row."""
    if codes:
        m = demean_codes(m, codes, weights=w)
    else:
        m = m - (m.mean(axis=0) if w is None else w @ m / w.sum())
    return m[:, 0], m[:, 1:]


def _codes_of(fe_df: pd.DataFrame | None, n: int) -> list[np.ndarray] | None:
    if fe_df is None or fe_df.shape[1] == 0:
        return None
    if len(fe_df) != n:
        raise ValueError("fe_df must have one row per observation")
    return fe_codes(fe_df)


def _partialled(y, x, w, fe_df):
    m = _stacked(y, x, w)
    return _partial(m, _codes_of(fe_df, len(m)))


@dataclass(frozen=True)
class _OlsParts:
    """What KLS needs of the OLS fit on partialled data, whatever rho."""

    Si: np.ndarray  # S^-1 (S^+ when a control is redundant), S = X'X / n
    b_ols: np.ndarray
    s2_e: float  # u'u / n
    s2_x: float  # x'x / n


def _ols_parts(y: np.ndarray, X: np.ndarray, collinear_w_ok: bool = False,
               w: np.ndarray | None = None) -> _OlsParts:
    """``collinear_w_ok``: controls w may be collinear (a bootstrap resample
    can leave a control without variation inside its fixed effects). Then the
    pseudo-inverse of S is used: ``b_x`` and ``[S^+]_11 = 1 / (x'M_w x / n)``
    equal those of the regression without the redundant controls (w'x lies in
    the range of w'w); the w coefficients are the minimum-norm ones. x itself
    must not be collinear with w. ``w``: frequency weights per row (n is then
    their sum)."""
    if w is not None:  # a row of weight k as k copies of it
        r = np.sqrt(w)
        y, X = y * r, X * r[:, None]
        n = float(w.sum())
    else:
        n = y.size
    S = X.T @ X / n
    if np.linalg.matrix_rank(S) < S.shape[0]:  # (not left to inv: rounding can make a singular S invertible)
        if not collinear_w_ok:
            raise np.linalg.LinAlgError("kls: the regressors are collinear")
        Si = np.linalg.pinv(S)
        if np.linalg.matrix_rank(S[1:, 1:]) == np.linalg.matrix_rank(S):
            raise np.linalg.LinAlgError("kls: x is collinear with the controls")
    else:
        Si = np.linalg.inv(S)
    b_ols = Si @ (X.T @ y / n)
    u = y - X @ b_ols
    return _OlsParts(Si, b_ols, float(u @ u / n), float(X[:, 0] @ X[:, 0] / n))


def _kls_at(p: _OlsParts, rho: float) -> np.ndarray:
    """KLS at ``rho`` from the OLS parts."""
    kink = rho**2 * p.s2_x * p.Si[0, 0]  # = rho^2 / (1 - R2(x on w))
    if not kink < 1:
        r2 = 1 - 1 / (p.s2_x * p.Si[0, 0])
        raise ValueError(
            f"rho = {rho} is inadmissible: rho^2 must be < 1 - R2(x on w) = {1 - r2:.6g}"
        )
    s2_u = p.s2_e / (1 - kink)
    return p.b_ols - rho * np.sqrt(s2_u) * np.sqrt(p.s2_x) * p.Si[:, 0]


def _kls_core(y: np.ndarray, X: np.ndarray, rho: float, collinear_w_ok: bool = False) -> np.ndarray:
    """KLS on partialled data (see :func:`_ols_parts` for ``collinear_w_ok``)."""
    return _kls_at(_ols_parts(y, X, collinear_w_ok), rho)


def kls(y, x, w=None, rho: float = 0.0, fe_df: pd.DataFrame | None = None) -> np.ndarray:
    """Kinky least squares coefficients ``[b_x, b_w...]`` at correlation rho.

    METHOD §6 (Table 8; paper's rho in {0, -0.01, -0.02}). ``fe_df`` holds one
    column per fixed effect to partial out first (industry and city in
    Table 8). rho = 0 is OLS. Raises ValueError if ``|rho| >= 1`` or
    ``rho^2 >= 1 - R2(x on w)``.
    """
    if not -1 < rho < 1:
        raise ValueError(f"rho must lie in (-1, 1), got {rho}")
    yy, X = _partialled(y, x, w, fe_df)
    return _kls_core(yy, X, rho)


def kls_bootstrap_se(
    y,
    x,
    w=None,
    rho: float = 0.0,
    fe_df: pd.DataFrame | None = None,
    *,
    cluster=None,
    n_boot: int = 199,
    seed: int = 0,
) -> np.ndarray:
    """Cluster (firm) bootstrap standard errors of :func:`kls` (ours, METHOD §6).

    Not Kiviet's: kinkyreg's analytic variance assumes homoskedasticity, so
    METHOD §6 asks for a firm-cluster bootstrap. Each replication draws G
    clusters with replacement (numpy ``default_rng(seed)``), partials the
    fixed effects out of the resampled data again and recomputes KLS at the
    same rho; the SE is the sd (ddof=1) of the replications, ordered as
    :func:`kls` returns ``[b_x, b_w...]`` (only ``b_x``'s is meaningful when a
    replication had collinear controls: there a control without variation
    inside its fixed effects is dropped, through the pseudo-inverse of
    ``_kls_core``). A cluster drawn twice keeps its fixed-effect labels (fine
    for industry/city FE; firm FE would need relabelling, which is not done).
    Replications in which rho is inadmissible are an error (ValueError).
    """
    se = kls_bootstrap_ses(y, x, w, [rho], fe_df, cluster=cluster, n_boot=n_boot, seed=seed)[0]
    if isinstance(se, Exception):
        raise se
    return se


def kls_bootstrap_ses(
    y,
    x,
    w=None,
    rhos: Sequence[float] = (0.0,),
    fe_df: pd.DataFrame | None = None,
    *,
    cluster=None,
    n_boot: int = 199,
    seed: int = 0,
    workers: int | None = None,
) -> list[np.ndarray | Exception]:
    """:func:`kls_bootstrap_se` at every rho of ``rhos`` from the same
    resamples, each partialled once (the partialling does not depend on rho).

    One entry per rho, in order: the SEs, or the error that rho met (an
    inadmissible rho in the full sample or in a replication, a singular
    design) -- one rho's failure leaves the others' SEs. Identical to calling
    :func:`kls_bootstrap_se` per rho with the same seed.

    ``workers``: processes that partial the resamples (default
    :func:`bootstrap_workers`: several only for a large sample). The clusters
    of every resample are drawn here, in order, so the SEs are the same
    whatever the number.
    """
    if cluster is None:
        raise ValueError("cluster is required")
    if n_boot < 2:
        raise ValueError("n_boot must be at least 2")
    rhos = [float(r) for r in rhos]
    for rho in rhos:
        if not -1 < rho < 1:
            raise ValueError(f"rho must lie in (-1, 1), got {rho}")
    m = _stacked(y, x, w)
    n = len(m)
    cl = pd.factorize(pd.Series(np.asarray(cluster)))[0]
    if cl.size != n:
        raise ValueError("cluster must have one label per row")
    out: list[np.ndarray | Exception | None] = [None] * len(rhos)
    draws: list[list[np.ndarray]] = [[] for _ in rhos]
    codes = full = None
    try:  # fail early on the full sample
        codes = _codes_of(None if fe_df is None else fe_df.reset_index(drop=True), n)
        full = _ols_parts(*_partial(m, codes))
    except (ValueError, np.linalg.LinAlgError) as err:
        out = [err] * len(rhos)
    for i, rho in enumerate(rhos):
        if full is not None:
            try:
                _kls_at(full, rho)
            except ValueError as err:
                out[i] = err
    G = int(cl.max()) + 1
    resample = _Resample(m, codes, cl, G)
    rng = np.random.default_rng(seed)
    picks = (rng.integers(0, G, size=G) for _ in range(n_boot))

    def take(parts: _OlsParts | np.linalg.LinAlgError) -> None:
        nonlocal out
        if isinstance(parts, np.linalg.LinAlgError):
            out = [o if o is not None else parts for o in out]
            return
        for i, rho in enumerate(rhos):
            if out[i] is not None:
                continue
            try:
                draws[i].append(_kls_at(parts, rho))
            except ValueError as err:
                out[i] = err

    n_workers = bootstrap_workers(n, n_boot) if workers is None else int(workers)
    if n_workers <= 1:
        for pick in picks:
            if all(o is not None for o in out):
                continue  # (keep drawing: the stream stays that of one rho at a time)
            take(resample(pick))
    else:
        with spawned_pool(n_workers, _ResampleWorker.start, (resample,)) as pool:
            for parts in ordered_map(pool, _ResampleWorker.parts, picks, ahead=2 * n_workers):
                if not all(o is not None for o in out):
                    take(parts)
    return [o if o is not None else np.asarray(d).std(axis=0, ddof=1) for o, d in zip(out, draws)]


PARALLEL_ROWS = 200_000  # samples this large partial their resamples in worker processes


def bootstrap_workers(n_rows: int, n_boot: int) -> int:
    """How many processes partial the resamples (:func:`analytics.workers.worker_count`)."""
    return worker_count(n_rows, n_boot, PARALLEL_ROWS)


class _Resample:
    """One cluster resample's OLS parts from its picked clusters: each picked
    cluster's rows once, with the number of times it was picked as their
    frequency weight, their fixed effects partialled out; a singular design
    comes back as its error, not raised."""

    def __init__(self, m: np.ndarray, codes: list[np.ndarray] | None, cl: np.ndarray, G: int) -> None:
        self.m, self.codes = m, codes
        self.order = np.argsort(cl, kind="stable")
        self.size = np.bincount(cl, minlength=G)
        self.start = np.cumsum(self.size) - self.size

    def __call__(self, pick: np.ndarray) -> _OlsParts | np.linalg.LinAlgError:
        # each drawn cluster's rows once, weighted by the times it was drawn: the
        # same fit as the rows repeated (a cluster drawn twice keeps its fixed-effect
        # labels either way), on about 63% of the rows
        times = np.bincount(pick, minlength=len(self.size))
        drawn = np.flatnonzero(times)
        c = self.size[drawn]
        idx = self.order[np.repeat(self.start[drawn] - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))]
        w = np.repeat(times[drawn], c).astype(float)
        # the drawn rows' fixed effects, numbered in order of appearance as for their labels
        codes = None if self.codes is None else [pd.factorize(k[idx])[0] for k in self.codes]
        try:
            return _ols_parts(*_partial(self.m[idx], codes, w), collinear_w_ok=True, w=w)
        except np.linalg.LinAlgError as err:
            return err


class _ResampleWorker:
    """A worker process's copy of the sample (sent once, when it starts)."""

    resample: _Resample | None = None

    @classmethod
    def start(cls, resample: _Resample) -> None:
        cls.resample = resample

    @classmethod
    def parts(cls, pick: np.ndarray) -> _OlsParts | np.linalg.LinAlgError:
        return cls.resample(pick)
