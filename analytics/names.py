"""METHOD §2 match keys: the one implementation the warehouse uses.

The dbt macros ``normalise_name``, ``phone_key`` and ``zip_key``
(``dbt_project/macros/``) call the DuckDB functions ``gvc_normalise_name``,
``gvc_phone_key`` and ``gvc_zip_key``, which :func:`register_udfs` creates
from the functions of this module; the dbt-duckdb plugin
``orchestration.dbt_udfs`` registers them on every connection dbt opens
(profile ``dbt_project/profiles.yml``, in-process and ``dbt`` CLI alike).
So SQL and Python apply the very same code: DuckDB has no NFKC of its own.

The rules (METHOD §2, firm matching):

- :func:`normalise_name`: Unicode NFKC (full-width letters, digits, brackets
  and the ideographic space become half-width, ``①`` becomes ``1``, ``㈱``
  becomes ``(株)``), then every whitespace character and the brackets
  ``()[]{}【】〔〕「」『』《》〈〉`` are removed, then ``有限责任公司`` is replaced by
  ``有限公司``; NULL or an empty result is NULL (it never matches).
- :func:`phone_key`: NFKC, the ASCII digits 0-9 kept, the last 7 of them;
  NULL when missing or fewer than 7 digits.
- :func:`zip_key`: NFKC, the ASCII digits 0-9 kept; NULL when missing or none.

"Whitespace" is Unicode's definition: the code points with the White_Space
property (PropList.txt), listed in :data:`WHITE_SPACE` -- not ``str.isspace``
nor the regex ``\\s``, which also take U+001C-U+001F (information separators,
not White_Space) and differ between engines.  After NFKC most of them are
U+0020 already (NBSP, U+2000-U+200A, U+202F, U+205F, U+3000); the others
(tab, line breaks, U+0085, U+1680, U+2028, U+2029) are removed as they are.

The ``*_arrow`` forms take and return a pyarrow string array: each distinct
value of the array is computed once (dictionary encoding) and the scalar
functions are memoised, so a column of millions of rows with repeated
names costs one Python call per distinct name.  They are the DuckDB UDFs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "BRACKETS",
    "UDFS",
    "WHITE_SPACE",
    "normalise_name",
    "normalise_name_arrow",
    "phone_key",
    "phone_key_arrow",
    "register_udfs",
    "zip_key",
    "zip_key_arrow",
]

WHITE_SPACE: frozenset[int] = frozenset(
    [
        0x0009, 0x000A, 0x000B, 0x000C, 0x000D,  # tab, line feed, vertical tab, form feed, carriage return
        0x0020,  # space
        0x0085,  # next line
        0x00A0,  # no-break space
        0x1680,  # ogham space mark
        *range(0x2000, 0x200B),  # en quad .. hair space (U+2000-U+200A)
        0x2028, 0x2029,  # line separator, paragraph separator
        0x202F,  # narrow no-break space
        0x205F,  # medium mathematical space
        0x3000,  # ideographic space
    ]
)
"""The 25 code points with Unicode's White_Space property (PropList.txt,
unchanged since Unicode 6.3; U+180E and U+200B are not among them)."""

BRACKETS = "()[]{}【】〔〕「」『』《》〈〉"
"""The brackets METHOD §2 removes (after NFKC, so ``（）［］｛｝`` are covered)."""

LONG_FORM, SHORT_FORM = "有限责任公司", "有限公司"

_REMOVE = re.compile("[" + re.escape("".join(chr(cp) for cp in sorted(WHITE_SPACE)) + BRACKETS) + "]+")
_NOT_ASCII_DIGIT = re.compile("[^0-9]+")  # a str pattern: [0-9] is the ten ASCII digits, nothing else
_CACHE_SIZE = 1 << 17  # distinct values remembered across the chunks of a query (~40 MB for 30-character names)


@lru_cache(maxsize=_CACHE_SIZE)
def _normalise(s: str) -> str | None:
    t = _REMOVE.sub("", unicodedata.normalize("NFKC", s)).replace(LONG_FORM, SHORT_FORM)
    return t or None


@lru_cache(maxsize=_CACHE_SIZE)
def _digits(s: str) -> str:
    return _NOT_ASCII_DIGIT.sub("", unicodedata.normalize("NFKC", s))


def _missing(s: object) -> bool:
    # None, NaN (pandas' missing float) and pandas.NA, without importing pandas
    return s is None or (isinstance(s, float) and s != s) or type(s).__name__ == "NAType"


def normalise_name(s: str | None) -> str | None:
    """METHOD §2 normalised firm name; ``None`` when missing or empty (see the module)."""
    return None if _missing(s) else _normalise(str(s))


def phone_key(s: str | None) -> str | None:
    """The last 7 ASCII digits of NFKC(phone); ``None`` when missing or fewer than 7."""
    if _missing(s):
        return None
    d = _digits(str(s))
    return d[-7:] if len(d) >= 7 else None


def zip_key(s: str | None) -> str | None:
    """The ASCII digits of NFKC(zip code); ``None`` when missing or none."""
    if _missing(s):
        return None
    return _digits(str(s)) or None


def _map_distinct(fn, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``fn`` of every element of a string array, once per distinct value."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    encoded = pc.dictionary_encode(values)
    out = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
    return out.take(encoded.indices)  # a null index (missing value) gives null


def normalise_name_arrow(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`normalise_name` of every element of a pyarrow string array."""
    return _map_distinct(normalise_name, values)


def phone_key_arrow(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`phone_key` of every element of a pyarrow string array."""
    return _map_distinct(phone_key, values)


def zip_key_arrow(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """:func:`zip_key` of every element of a pyarrow string array."""
    return _map_distinct(zip_key, values)


UDFS = {
    "gvc_normalise_name": normalise_name_arrow,
    "gvc_phone_key": phone_key_arrow,
    "gvc_zip_key": zip_key_arrow,
}
"""DuckDB function name -> the vectorised function behind it (VARCHAR -> VARCHAR)."""


def register_udfs(conn) -> None:
    """Create the :data:`UDFS` on a DuckDB connection (and its cursors).

    Vectorised (``type='arrow'``), NULL passed in (``null_handling='special'``:
    the functions map it to NULL themselves), deterministic
    (``side_effects=False``).  A connection without them cannot evaluate a
    query that calls them: only tables may be built with them (the macros
    refuse a view), never a view another connection will read.
    """
    from duckdb.sqltypes import VARCHAR

    for name, fn in UDFS.items():
        conn.create_function(name, fn, [VARCHAR], VARCHAR, type="arrow",
                             null_handling="special", side_effects=False)
