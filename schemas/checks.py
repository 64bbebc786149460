"""The check vocabulary shared by the raw and reference models.

Every check is vectorised (one pass over a column or frame) and carries a
readable name, because that name is what a rejected input reports as "the
rule":

- column checks registered with pandera, usable as ``pa.Field`` keywords:
  ``digits=n`` (exactly n ASCII digits), ``not_empty=()`` (not blank),
  ``prefecture_code=()`` (6 digits ending ``00``), ``phone_chars=()``
  (digits, dashes, spaces), ``upper_letters=n`` (ISO alpha codes),
  ``ipc_subclass=()`` (``H01L``), ``ipc_symbols=()`` (``H01L 21/02;H01L 29/78``);
- frame rules (``frame_rule``), whose columns are recorded in ``RULE_COLUMNS``
  so a failure can name them; ``weights_sum_to_one`` builds the concordance
  rule "weights sum to 1 per (...)";
- plausibility bounds (``plausible_max``): a model's column check named after
  its documented bound constant, "at most 100,000,000,000 USD per line
  (VALUE_USD_MAX)"; values past it are refused;
- codes checked against a reference table (``in_codes``): a check built at
  validation time from the reference rows, named like "in
  reference/trade_regimes".

``RULE_DETAILS`` maps a rule name to the sentence a rejected input prints
under it (what the rule is for, what to change).

Dtype aliases name the canonical dtypes after coercion: ``Int`` -> pandas
``Int64``, ``Float`` -> ``float64``, ``Str`` -> pandas ``str``, ``Bool`` ->
pandas ``boolean``.
"""

from __future__ import annotations

import pandas as pd
import pandera.extensions as ext
import pandera.pandas as pa

Int = pd.Int64Dtype
Float = float
Str = str
Bool = pd.BooleanDtype

WEIGHT_TOLERANCE = 1e-9

IPC_SUBCLASS = r"[A-H][0-9]{2}[A-Z]"
IPC_SYMBOL = IPC_SUBCLASS + r"(?: *[0-9]{1,4}/[0-9]{1,6})?"

# frame rule name -> the columns it is about (reported as "the column")
RULE_COLUMNS: dict[str, tuple[str, ...]] = {}

# rule name -> the explanation printed with its failures
RULE_DETAILS: dict[str, str] = {}

PLAUSIBILITY_DETAIL = ("past the field's known maxima (the bound and why: schemas/raw.py): a unit slip "
                       "(yuan for thousand yuan, cents for dollars) or a corrupt cell")


def _register(statistics: tuple[str, ...] = ()):
    """Register a vectorised column check once (re-imports are harmless)."""

    def deco(fn):
        if fn.__name__ not in pa.Check.REGISTERED_CUSTOM_CHECKS:
            ext.register_check_method(statistics=list(statistics), check_type="vectorized")(fn)
        return fn

    return deco


@_register(("n",))
def digits(s: pd.Series, *, n: int) -> pd.Series:
    return s.str.fullmatch(f"[0-9]{{{n}}}").fillna(False).astype(bool)


@_register(("n",))
def upper_letters(s: pd.Series, *, n: int) -> pd.Series:
    return s.str.fullmatch(f"[A-Z]{{{n}}}").fillna(False).astype(bool)


@_register()
def not_empty(s: pd.Series) -> pd.Series:
    return (s.str.strip().str.len() > 0).fillna(False).astype(bool)


@_register()
def prefecture_code(s: pd.Series) -> pd.Series:
    return s.str.fullmatch("[0-9]{4}00").fillna(False).astype(bool)


@_register()
def phone_chars(s: pd.Series) -> pd.Series:
    return s.str.fullmatch(r"[0-9 \-]+").fillna(False).astype(bool)


@_register()
def ipc_subclass(s: pd.Series) -> pd.Series:
    return s.str.fullmatch(IPC_SUBCLASS).fillna(False).astype(bool)


@_register()
def ipc_symbols(s: pd.Series) -> pd.Series:
    pattern = rf"{IPC_SYMBOL}(?: *; *{IPC_SYMBOL})*"
    return s.str.fullmatch(pattern).fillna(False).astype(bool)


def frame_rule(name: str, columns: tuple[str, ...]):
    """A dataframe-level check named ``name`` about ``columns``."""
    RULE_COLUMNS[name] = columns
    return pa.dataframe_check(name=name)


def weights_sum_to_one(df: pd.DataFrame, by: list[str]) -> pd.Series:
    """True for rows whose group's ``weight`` sums to 1 (within WEIGHT_TOLERANCE)."""
    total = df.groupby(by, dropna=False, sort=False)["weight"].transform("sum")
    return ((total - 1.0).abs() <= WEIGHT_TOLERANCE).fillna(False).astype(bool)


def plausible_max(*columns: str, bound: float, constant: str, unit: str):
    """A model check on ``columns``: values above ``bound`` (the documented constant
    named ``constant``, in ``unit``) fail; NULLs are left to the nullability rule.
    Use as a class attribute of a DataFrameModel."""
    name = f"at most {bound:,.0f} {unit} ({constant})"
    RULE_DETAILS[name] = PLAUSIBILITY_DETAIL

    def _bound(cls, s: pd.Series) -> pd.Series:
        return s <= bound

    _bound.__name__ = f"_plausible_{constant.lower()}"
    return pa.check(*columns, name=name)(_bound)


def in_codes(allowed, name: str, detail: str, prefix: int | None = None) -> pa.Check:
    """A column check: the code (its first ``prefix`` characters, when given) is one
    of ``allowed``; NULLs are left to the nullability rule."""
    allowed = sorted({str(a) for a in allowed})
    RULE_DETAILS[name] = detail

    def _in(s: pd.Series) -> pd.Series:
        code = s.astype(str).str.strip()
        if prefix is not None:
            code = code.str[:prefix]
        return code.isin(allowed)

    return pa.Check(_in, name=name)
