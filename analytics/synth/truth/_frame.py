"""Small pandas helpers of the truth package."""

from __future__ import annotations

import numpy as np
import pandas as pd


def isin(series: pd.Series, values) -> pd.Series:
    """``series.isin(values)`` through an object-dtype hash table (pandas'
    Arrow-string ``isin`` loops over ``values`` in Python)."""
    vals = np.asarray(values, dtype=object)
    return pd.Series(series.to_numpy(dtype=object), index=series.index, dtype=object).isin(vals)


def blank_text(distinct) -> list:
    """Those of ``distinct`` (values, each once) that write as whitespace
    only: the values a text column's blanks are judged by, once per distinct
    value rather than once per row."""
    return [v for v in distinct if str(v).strip() == ""]
