"""Pandera models of the optional price tables (METHOD §0 step 5, REALDATA §4.5).

- ``reference/deflators``: industry_code (2-digit CIC), year, output_deflator,
  input_deflator -- industry-year price indices, 1998 = 1;
- ``reference/investment_deflator``: year, deflator -- the price index of
  fixed investment, 1998 = 1.

Both are optional in a raw root: without them the production side works on
the survey's nominal values (the report's notes say so). When present, each
is validated file by file like every reference table (``schemas.validate``'s
``OPTIONAL_MODELS``): deflators positive and finite, the key unique, years
within ``YEAR_RANGE``, codes 2 digits, and the base year's index 1 (within
``BASE_TOLERANCE``) where the table has that year. A broken rule is refused
naming the file, the column, the rule and example rows.

:func:`validate_price_tables` validates whichever of the two a raw root
holds and says, for each one it lacks, what follows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.checks import RULE_DETAILS, Float, Int, Str, frame_rule

__all__ = ["BASE_YEAR", "PRICE_TABLES", "YEAR_RANGE", "Deflators", "InvestmentDeflator", "validate_price_tables"]

BASE_YEAR = 1998
BASE_TOLERANCE = 1e-6
# the survey starts in 1998; a price series may start earlier (the capital
# stock's first book value of an old firm is still deflated by its survey year)
YEAR_RANGE = {"min_value": 1978, "max_value": 2030}
POSITIVE = {"gt": 0, "lt": float("inf")}

_BASE_DETAIL = (f"price indices are relative to {BASE_YEAR}: rebase the series so that its "
                f"{BASE_YEAR} value is 1 (divide every year by the {BASE_YEAR} value)")
_BASE_RULE = f"output and input deflators are 1 in {BASE_YEAR}"
_BASE_RULE_INVESTMENT = f"deflator is 1 in {BASE_YEAR}"
RULE_DETAILS[_BASE_RULE] = RULE_DETAILS[_BASE_RULE_INVESTMENT] = _BASE_DETAIL


class Deflators(pa.DataFrameModel):
    industry_code: Series[Str] = pa.Field(digits=2)
    year: Series[Int] = pa.Field(in_range=YEAR_RANGE)
    output_deflator: Series[Float] = pa.Field(**POSITIVE)
    input_deflator: Series[Float] = pa.Field(**POSITIVE)

    class Config:
        name = "deflators"
        coerce = True
        unique = ["industry_code", "year"]

    @frame_rule(_BASE_RULE, ("output_deflator", "input_deflator"))
    def _base(cls, df):
        base = df["year"] == BASE_YEAR
        ok = ((df["output_deflator"] - 1).abs() <= BASE_TOLERANCE) & ((df["input_deflator"] - 1).abs() <= BASE_TOLERANCE)
        return (~base | ok).fillna(False).astype(bool)


class InvestmentDeflator(pa.DataFrameModel):
    year: Series[Int] = pa.Field(in_range=YEAR_RANGE)
    deflator: Series[Float] = pa.Field(**POSITIVE)

    class Config:
        name = "investment_deflator"
        coerce = True
        unique = ["year"]

    @frame_rule(_BASE_RULE_INVESTMENT, ("deflator",))
    def _base(cls, df):
        return (~(df["year"] == BASE_YEAR) | ((df["deflator"] - 1).abs() <= BASE_TOLERANCE)).fillna(False).astype(bool)


PRICE_TABLES: dict[str, type[pa.DataFrameModel]] = {"deflators": Deflators, "investment_deflator": InvestmentDeflator}

ABSENT = {
    "deflators": "no reference/deflators: output and intermediate inputs stay nominal (production_prices "
                 "= 'deflated' falls back to the survey's values)",
    "investment_deflator": "no reference/investment_deflator: capital stays the nominal book value of fixed "
                           "assets (no perpetual inventory)",
}


def validate_price_tables(root: Path | str, settings=None, note=None) -> dict[str, int]:
    """Validate ``reference/deflators`` and ``reference/investment_deflator`` of a
    raw root where present; return ``{table: rows}`` (0 for an absent table).

    A broken rule raises ``schemas.validate.RawValidationError`` naming the file,
    column, rule and example rows. ``note(text)`` is told, for each absent
    table, that the production side keeps nominal values for it."""
    from schemas.validate import validate_raw_root  # (schemas.validate lists these models)

    root = Path(root)
    present = [t for t in PRICE_TABLES if (root / "reference" / t).is_dir()]
    counts = dict(validate_raw_root(root, tables=present, settings=settings)) if present else {}
    for t in PRICE_TABLES:
        if t not in present and note is not None:
            note(f"note: {ABSENT[t]}")
    return {t: int(counts.get(t, 0)) for t in PRICE_TABLES}


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the table's columns (for writers and tests)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in PRICE_TABLES[table].to_schema().columns})
