"""Industry upstreamness, Antras, Chor, Fally & Hillberry (2012), METHOD §6.

Closed-economy form: ``U = (I - Delta)^-1 1`` with
``Delta_ik = a_ik * Y_k / Y_i``, ``a_ik`` the input coefficient of supplier
industry i in user industry k (CONTRACT ``io_links``) and ``Y`` the
industry's national output. Equivalently ``U_i = 1 + sum_k Delta_ik U_k``:
an industry selling no intermediates has ``U = 1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["upstreamness"]


def upstreamness(
    io_links: pd.DataFrame,
    output: pd.Series,
    supplier: str = "supplier_industry_code",
    user: str = "industry_code",
    coefficient: str = "input_coefficient",
) -> pd.Series:
    """Upstreamness of each industry (METHOD §6; Antras et al. 2012).

    ``io_links`` holds one row per (user ``industry_code``, supplier
    ``supplier_industry_code``) with ``input_coefficient`` ``a_ik`` (input
    from i per unit of k's output); duplicate pairs are summed. ``output``
    is national output ``Y`` indexed by industry code. Industries are the
    union of ``output``'s index and the codes in ``io_links``.

    Raises ValueError when a link involves an industry without positive
    output, a coefficient is negative, or ``I - Delta`` is not invertible
    with a non-negative inverse (spectral radius of Delta >= 1: the economy
    uses more than it makes).

    Returns a Series named ``upstreamness`` indexed by industry code;
    industries selling no intermediates get exactly 1.
    """
    links = io_links[[supplier, user, coefficient]].dropna(subset=[coefficient])
    if (links[coefficient] < 0).any():
        raise ValueError("input coefficients must be non-negative")
    links = links.groupby([supplier, user], as_index=False, sort=False)[coefficient].sum()
    if not output.index.is_unique:
        raise ValueError("output must have one value per industry")
    codes = pd.Index(output.index).union(pd.Index(links[supplier].unique())).union(pd.Index(links[user].unique()))
    y = output.reindex(codes).to_numpy(dtype=float)
    si = codes.get_indexer(links[supplier])
    ki = codes.get_indexer(links[user])
    a = links[coefficient].to_numpy(dtype=float)
    used = a > 0
    bad = used & ~((y[si] > 0) & (y[ki] > 0))
    if bad.any():
        missing = sorted({str(c) for c in np.concatenate([codes[si[bad]], codes[ki[bad]]])})
        raise ValueError(f"io_links involve industries without positive output: {missing}")
    n = len(codes)
    delta = np.zeros((n, n))
    np.add.at(delta, (si[used], ki[used]), a[used] * y[ki[used]] / y[si[used]])
    u = np.ones(n)
    sells = delta.sum(axis=1) > 0
    if sells.any():
        # rows of non-sellers are unit vectors of I - Delta: solve the rest
        idx = np.flatnonzero(sells)
        rho = np.max(np.abs(np.linalg.eigvals(delta))) if n else 0.0
        if rho >= 1:
            raise ValueError(f"spectral radius of Delta is {rho:.3f} >= 1: upstreamness undefined")
        sub = np.eye(len(idx)) - delta[np.ix_(idx, idx)]
        rhs = 1.0 + delta[idx][:, ~sells].sum(axis=1)  # non-sellers' U = 1
        u[idx] = np.linalg.solve(sub, rhs)
    return pd.Series(u, index=codes, name="upstreamness")
