"""Name, phone and zip keys for firm matching (METHOD §2).

Scalar functions state the rule; the ``*_series`` variants apply the very same
scalar function to the distinct values of a column and map the result back,
so a file of millions of rows costs one call per distinct value.

Written apart from the platform's :mod:`analytics.names` (which the dbt
models call through DuckDB functions), so the two check each other
(tests/unit/test_name_normalisation.py).  "Whitespace" is Unicode's
White_Space property, the 25 code points of :data:`WHITE_SPACE_CLASS`, not
the regex ``\\s`` (which adds U+001C-U+001F).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "BRACKETS",
    "WHITE_SPACE_CLASS",
    "is_intermediary",
    "is_intermediary_series",
    "normalise_name",
    "normalise_name_series",
    "phone_key",
    "phone_key_series",
    "zip_key",
    "zip_key_series",
]

BRACKETS = "()[]{}【】〔〕「」『』《》〈〉"
"""The brackets METHOD §2 removes (after NFKC, so full-width ``（）`` are covered)."""

WHITE_SPACE_CLASS = "\t\n\x0b\x0c\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The code points with Unicode's White_Space property (PropList.txt), as a
regex character class body (U+2000-U+200A is a range)."""

_DROP = re.compile("[" + WHITE_SPACE_CLASS + re.escape(BRACKETS) + "]+")
_NON_DIGIT = re.compile(r"[^0-9]+")


def _is_missing(s: object) -> bool:
    return s is None or (isinstance(s, float) and s != s) or s is pd.NA


def normalise_name(s: str | None) -> str | None:
    """METHOD §2 normalised firm name.

    Unicode NFKC (full-width letters, digits, brackets and the ideographic
    space become half-width), then every White_Space character and the brackets
    ``()[]{}【】〔〕「」『』《》〈〉`` are removed, then ``有限责任公司`` is replaced
    by ``有限公司``.  A missing or empty result is ``None`` (it never matches).
    """
    if _is_missing(s):
        return None
    t = unicodedata.normalize("NFKC", str(s))
    t = _DROP.sub("", t)
    t = t.replace("有限责任公司", "有限公司")
    return t or None


def phone_key(s: str | None) -> str | None:
    """Last 7 digits of a phone number (METHOD §2 step b).

    The value is NFKC-normalised first (so full-width digits count as digits),
    every non-digit is dropped, and the last 7 digits are kept.  ``None`` when
    the phone is missing or has fewer than 7 digits.
    """
    if _is_missing(s):
        return None
    digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", str(s)))
    if len(digits) < 7:
        return None
    return digits[-7:]


def zip_key(s: str | None) -> str | None:
    """Zip code as a key: NFKC, digits only; ``None`` when missing or no digit."""
    if _is_missing(s):
        return None
    digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", str(s)))
    return digits or None


def is_intermediary(name: str | None, keywords: Iterable[str]) -> bool:
    """True when the normalised name contains a normalised keyword (METHOD §2,
    Ahn, Khandelwal & Wei 2011).  Both sides are normalised with
    :func:`normalise_name` so whitespace or full-width forms cannot hide a
    keyword."""
    n = normalise_name(name)
    if n is None:
        return False
    keys = [k for k in (normalise_name(k) for k in keywords) if k]
    return any(k in n for k in keys)


_NOT_SEEN = object()


def _map_unique(series: pd.Series, fn, cache: dict | None = None) -> pd.Series:
    """Apply ``fn`` once per distinct value and map back (object dtype).

    ``cache`` (value -> ``fn(value)``, filled here) lets calls on several
    tables, e.g. one a year, share the work on the values they have in common."""
    codes, distinct = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)  # missing: -1
    results = []
    for v in distinct.tolist():
        r = _NOT_SEEN if cache is None else cache.get(v, _NOT_SEEN)
        if r is _NOT_SEEN:
            r = fn(v)
            if cache is not None:
                cache[v] = r
        results.append(r)
    mapped = np.array(results + [None], dtype=object)[codes]  # code -1: the None appended
    out = pd.Series(mapped, index=series.index, name=series.name, dtype=object)
    return out.where(out.notna(), None)


def normalise_name_series(series: pd.Series, cache: dict | None = None) -> pd.Series:
    """:func:`normalise_name` of every element (``cache``: see :func:`_map_unique`)."""
    return _map_unique(series, normalise_name, cache)


def phone_key_series(series: pd.Series) -> pd.Series:
    """:func:`phone_key` of every element."""
    return _map_unique(series, phone_key)


def zip_key_series(series: pd.Series) -> pd.Series:
    """:func:`zip_key` of every element."""
    return _map_unique(series, zip_key)


def is_intermediary_series(names: pd.Series, keywords: Iterable[str]) -> pd.Series:
    """:func:`is_intermediary` of every element (bool, False when missing)."""
    # the keywords normalised once, not once per name (as is_intermediary does)
    keys = [k for k in (normalise_name(k) for k in keywords) if k]

    def named(v: str) -> bool:
        n = normalise_name(v)
        return n is not None and any(k in n for k in keys)

    out = _map_unique(names, named)
    return out.fillna(False).astype(bool)
