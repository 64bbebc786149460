"""pyfixest's fixed effects in the formula's order, not in a set's.

pyfixest 0.60 (``estimation/formula/utils._encode_fixed_effects``) collects a
formula's fixed effects in a ``set`` of their names and projects them out in
that set's iteration order. Python salts string hashes per process
(``PYTHONHASHSEED``), so with three or more fixed effects (Table 8's KLS
columns and Table 9 column 2: industry + city + year) the alternating
projections run in an order that changes from one process to the next, and
the estimates, standard errors and R² change in their last digits
(measured on the tiny world: R² by 2e-13, a standard error by 2e-8).

:func:`keep_fixed_effect_order` wraps that function so that the encoded
fixed effects come back in the order the formula names them (duplicates
dropped); the wrapped function still does the rest (the interacted fixed
effects' columns). If pyfixest's output is not the one this module knows,
it is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["keep_fixed_effect_order"]

_MARK = "_gvc_keeps_fixed_effect_order"


def _in_formula_order(original: Callable[..., str]) -> Callable[..., str]:
    def encode(fixed_effects: str, data, *args, **kwargs) -> str:
        out = original(fixed_effects, data, *args, **kwargs)
        names = dict.fromkeys(re.split(r"\s*\+\s*", fixed_effects))
        wanted = [f"__fixed_effect__({fe.replace('^', '_')})" for fe in names]
        if not out.endswith(" - 1") or sorted(out.removesuffix(" - 1").split(" + ")) != sorted(wanted):
            return out  # not the output this wrapper knows: leave it as pyfixest made it
        return " + ".join(wanted) + " - 1"

    setattr(encode, _MARK, True)
    encode.__wrapped__ = original  # type: ignore[attr-defined]
    return encode


def keep_fixed_effect_order() -> bool:
    """Wrap pyfixest's fixed-effect encoder where it is defined and where it is
    used (idempotent). False if this pyfixest has no such function."""
    try:
        from pyfixest.estimation.formula import model_matrix, utils
    except ImportError:
        return False
    original = getattr(utils, "_encode_fixed_effects", None)
    if original is None:
        return False
    wrapped = original if getattr(original, _MARK, False) else _in_formula_order(original)
    utils._encode_fixed_effects = wrapped
    if getattr(model_matrix, "_encode_fixed_effects", None) in (original, wrapped):
        model_matrix._encode_fixed_effects = wrapped  # imported there by name
    return True
