"""Small pandas helpers of the truth package."""

from __future__ import annotations

import numpy as np
import pandas as pd


def isin(series: pd.Series, values) -> pd.Series:
    """``series.isin(values)`` through an object-dtype hash table (pandas'
    Arrow-string ``isin`` loops over ``values`` in Python)."""
    vals = np.asarray(values, dtype=object)
    return pd.Series(series.to_numpy(dtype=object), index=series.index, dtype=object).isin(vals)
