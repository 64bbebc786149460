"""Stata's side of an export: variable names, labels, types and the Table 4 do-file.

A ``.dta`` is written in format 118 (Stata 14 and later, UTF-8) by
pyreadstat. Values are those of the mart, except where Stata has no such
value or type (:func:`stata_frame`):

- booleans -> 0/1 (Stata ``long``; Stata has no boolean type), NULL -> ``.``;
- integers -> ``long`` when every value fits Stata's long
  (-2,147,483,647 .. 2,147,483,620), else ``double`` (exact up to 2^53; a
  larger magnitude is refused rather than rounded); NULL -> ``.``;
- doubles stay doubles; NULL and NaN -> ``.``; +-inf and magnitudes beyond
  Stata's largest double (8.988e307) have no Stata value and become ``.``
  (counted and reported);
- strings stay UTF-8 strings (``str#``, or ``strL`` beyond 2,045 bytes);
  NULL -> ``""``, Stata's missing string;
- dates -> ``%td`` dates, timestamps -> ``%tc`` datetimes (milliseconds;
  time-zone-aware ones in UTC);
- anything else (lists, structs, intervals, times) -> its text.

Names (:func:`variable_names`): a column name that is no valid Stata name (at
most 32 characters, ASCII letters, digits and ``_``, not starting with a
digit, not a reserved word such as ``long`` or ``_n``) is renamed, and the
renaming is printed. Labels (:func:`shorten`): the dbt description, shortened
to Stata's 80 characters where longer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["MAX_NAME", "MAX_LABEL", "RESERVED", "variable_names", "shorten", "StataFrame", "stata_frame",
           "reghdfe_command", "table4_do_file"]

MAX_NAME = 32
MAX_LABEL = 80
RESERVED = frozenset({"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
                      "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"})
STATA_LONG = (-2_147_483_647, 2_147_483_620)
STATA_DOUBLE_MAX = 8.98846567431158e307
EXACT_INTEGER = 2**53


# -- names ------------------------------------------------------------------------------------------------------
def _reserved(name: str) -> bool:
    return name in RESERVED or re.fullmatch(r"str\d+", name) is not None


def variable_names(columns: Sequence[str]) -> dict[str, str]:
    """Column -> Stata variable name, for every column (most map to themselves):
    characters outside ``[A-Za-z0-9_]`` become ``_``, a leading digit gets a
    ``_`` before it, a reserved word a ``_`` after it, a name is cut to 32
    characters, and a name taken already gets ``_2``, ``_3``, ..."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = re.sub(r"[^A-Za-z0-9_]", "_", col) or "_"
        if not re.match(r"[A-Za-z_]", name):
            name = "_" + name
        name = name[:MAX_NAME]
        if _reserved(name):
            name = (name + "_")[-MAX_NAME:] if len(name) == MAX_NAME else name + "_"
        base, k = name, 2
        while name in used or _reserved(name):
            suffix = f"_{k}"
            name = base[:MAX_NAME - len(suffix)] + suffix
            k += 1
        used.add(name)
        out[col] = name
    return out


# -- labels -----------------------------------------------------------------------------------------------------
def _drop_asides(text: str) -> str:
    """``text`` without the parenthesised asides that close a clause (`` (...)``
    after a space and before ``;``, ``.``, ``:`` or the end: lineage and
    details); one inside a clause (``one row per (year, check), ...``) is
    part of what it says and stays."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(" (", i):
            depth, j = 0, i + 1
            while j < len(text):
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            if depth == 0 and text[j + 1:j + 2] in ("", ";", ".", ":"):
                i = j + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _clause_prefix(text: str, limit: int) -> str | None:
    """The longest run of whole clauses (ending at ``; `` or at ``. `` before a
    capital, outside parentheses) within ``limit`` characters, if it says
    something (a quarter of the limit at least)."""
    best, depth = None, 0
    for i, ch in enumerate(text[:limit + 1]):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        if depth or text[i + 1:i + 2] != " ":
            continue
        if ch == ";" and i <= limit:
            best = text[:i]
        elif ch == "." and i + 1 <= limit and text[i + 2:i + 3].isupper():
            best = text[:i + 1]
    return best if best and len(best) >= limit // 4 else None


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` (whitespace collapsed) in at most ``limit`` characters: as is if it
    fits; else its leading clauses; else the same without the parenthesised
    asides that close a clause (where the lineage and the details sit); else
    cut at a word and ended with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    plain = " ".join(_drop_asides(text).split())
    for t in (text, plain):
        if len(t) <= limit:
            return t
        clauses = _clause_prefix(t, limit)
        if clauses:
            return clauses
    cut = plain[:limit - 1]
    if plain[limit - 1:limit] not in ("", " "):
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,;:(") + "…"


# -- types ------------------------------------------------------------------------------------------------------
@dataclass
class StataFrame:
    """A mart ready for pyreadstat, and what changed on the way: ``converted``
    maps a conversion (e.g. ``boolean -> 0/1 long``) to its columns; ``missing``
    counts, per column, the values that had no Stata value and became ``.``."""

    frame: pd.DataFrame
    converted: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)

    def note(self, what: str, column: str) -> None:
        self.converted.setdefault(what, []).append(column)


def stata_frame(df: pd.DataFrame, types: Mapping[str, str]) -> StataFrame:
    """``df`` (a mart as DuckDB returns it; ``types``: column -> DuckDB type)
    with every column in a type Stata reads (module docstring)."""
    out = StataFrame(pd.DataFrame(index=df.index))
    for col in df.columns:
        s = df[col]
        duck = types.get(col, "").upper()
        if pd.api.types.is_bool_dtype(s):
            out.frame[col] = s.astype("Int32")
            out.note("boolean -> 0/1 (long)", col)
        elif pd.api.types.is_integer_dtype(s):
            out.frame[col] = _integer(s, col, out)
        elif pd.api.types.is_float_dtype(s):
            x = pd.Series(s.astype("Float64").to_numpy("float64", na_value=np.nan), index=s.index)
            bad = ~np.isfinite(x) & x.notna() | (x.abs() > STATA_DOUBLE_MAX)
            if bad.any():
                out.missing[col] = int(bad.sum())
                x = x.mask(bad)
            out.frame[col] = x
            if duck.startswith("DECIMAL"):
                out.note("DECIMAL -> double", col)
        elif pd.api.types.is_datetime64_any_dtype(s):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            if duck == "DATE":
                out.frame[col] = pd.Series([None if pd.isna(v) else v.date() for v in s], index=s.index,
                                           dtype=object)
                out.note("DATE -> %td", col)
            else:
                out.frame[col] = s.astype("datetime64[ns]")
                out.note("TIMESTAMP -> %tc", col)
        elif duck == "VARCHAR" or (pd.api.types.is_string_dtype(s) and all(isinstance(v, str) for v in s.dropna())):
            out.frame[col] = s.astype(object).where(s.notna(), "").astype(str)
            if s.isna().any():
                out.note('NULL string -> ""', col)
        else:
            out.frame[col] = pd.Series(["" if _isna(v) else str(v) for v in s], index=s.index, dtype=object)
            out.note(f"{duck or s.dtype} -> text", col)
    return out


def _isna(v: object) -> bool:
    return v is None or (not isinstance(v, (list, tuple, dict, np.ndarray)) and bool(pd.isna(v)))


def _integer(s: pd.Series, col: str, out: StataFrame) -> pd.Series:
    lo, hi = (s.min(), s.max()) if s.notna().any() else (0, 0)
    if STATA_LONG[0] <= lo and hi <= STATA_LONG[1]:
        if str(s.dtype).lower() not in ("int32", "int16", "int8", "uint16", "uint8"):
            out.note("64-bit integer -> long (every value fits)", col)
        return s.astype("Int32")
    if max(abs(int(lo)), abs(int(hi))) > EXACT_INTEGER:
        raise ValueError(f"column {col} holds integers beyond 2^53, which no Stata type holds exactly; "
                         f"export it as csv or parquet")
    out.note("64-bit integer -> double (beyond long)", col)
    return s.astype("float64")


# -- the Table 4 do-file ----------------------------------------------------------------------------------------
def _fe_words(spec) -> str:
    return " and ".join(f.replace("^", " x ") for f in spec.fe) or "no"


def reghdfe_command(spec, var: Callable[[str], str]) -> str:
    """``reghdfe`` for an OLS :class:`analytics.study.spec.Spec`: the same
    outcome, regressors, controls, absorbed fixed effects and clusters.
    ``var`` maps a panel column to its Stata variable (a numeric id for a
    string column; :func:`table4_do_file`)."""
    from analytics.study.spec import CLUSTER_COLUMNS, FE_COLUMNS

    if spec.model != "ols" or spec.endog:
        raise ValueError(f"{spec.table_id} ({spec.column_id}) is no OLS specification: reghdfe_command writes OLS only")
    rhs = " ".join(var(c) for c in (*spec.regressors, *spec.controls))
    absorb = " ".join("#".join(var(c) for c in FE_COLUMNS[f].split("^")) for f in spec.fe)
    return (f"reghdfe {var(spec.dep_var)} {rhs}, {f'absorb({absorb})' if absorb else 'noabsorb'} "
            f"vce(cluster {var(CLUSTER_COLUMNS[spec.cluster])})")


def _numeric_id_name(column: str, taken: set[str]) -> str:
    """The name of a string column's numeric id: the study's name of the fixed
    effect or cluster (``firm`` for panel_firm_id, ``city`` for city_code),
    ``id_<column>`` where that name is taken."""
    from analytics.study.spec import CLUSTER_COLUMNS, FE_COLUMNS

    study = {v: k for k, v in {**FE_COLUMNS, **CLUSTER_COLUMNS}.items() if "^" not in v}
    name = study.get(column) or column.removesuffix("_code")
    return name if name not in taken else f"id_{column}"[:MAX_NAME]


def _fmt(v: object) -> str:
    return "." if v is None or not np.isfinite(float(v)) else f"{float(v):.6g}"


def table4_do_file(dta_name: str, do_name: str, names: Mapping[str, str], strings: set[str],
                   stored: pd.DataFrame | None = None) -> str:
    """A do-file that ``use``s ``dta_name`` and runs Table 4 (every column of
    :func:`analytics.study.baseline.table4_specs`) with reghdfe.

    ``names``: panel column -> Stata variable in the file; ``strings``: the
    panel columns written as strings (absorb() and vce(cluster) get a numeric
    id of each: ``egen long firm = group(panel_firm_id)``); ``stored``: the
    study's rows of Table 4 (marts.fct_regression_results), quoted under each
    column for comparison.
    """
    from analytics.study.baseline import table4_specs
    from analytics.study.spec import AGGLOMERATION_CONTROLS, CLUSTER_COLUMNS, CONTROLS, FE_COLUMNS

    specs = table4_specs()
    ids: dict[str, str] = {}
    taken = set(names.values())
    for spec in specs:
        for col in [*(c for f in spec.fe for c in FE_COLUMNS[f].split("^")), CLUSTER_COLUMNS[spec.cluster]]:
            if col in strings and col not in ids:
                ids[col] = _numeric_id_name(col, taken)
                taken.add(ids[col])

    def var(col: str) -> str:
        if col in ids:
            return ids[col]
        if col not in names:
            raise KeyError(f"the panel has no column {col}, which Table 4 uses")
        return names[col]

    terms = list(dict.fromkeys(t for s in specs for t in s.reported_terms))
    stem = do_name.removesuffix(".do")
    lines = [
        f"* {do_name}: Table 4 of the study rerun in Stata from {dta_name}",
        "*",
        "* Table 4 (METHOD §6): export DVAR on technological complementarity C, OLS with",
        "* firm and year fixed effects absorbed and standard errors clustered by firm (by",
        "* city in column 4), as analytics/study/baseline.py::table4 runs it with pyfixest",
        "* (CRV1; singleton fixed-effect groups dropped, as reghdfe does by default).",
        "* The study's own estimates are in the warehouse, marts.fct_regression_results,",
        "* table_id \"table4\"" + (" (quoted under each column below)." if stored is not None and len(stored) else "."),
        "*",
        "* Controls (METHOD §5), column 2:",
        f"*   {' '.join(var(c) for c in CONTROLS)}",
        "* Column 3 adds (the baseline specification of Tables 5-11):",
        f"*   {' '.join(var(c) for c in AGGLOMERATION_CONTROLS)}",
        "*",
        "* Needs reghdfe (ssc install reghdfe, with ftools) and, for the table, estout",
        f"* (ssc install estout). Run it from the folder that holds {dta_name}.",
        "",
        "version 14",
        f'use "{dta_name}", clear',
    ]
    if ids:
        lines += ["", "* absorb() and vce(cluster) take numeric ids; the panel's ids are strings"]
        lines += [f"egen long {name} = group({names[col]})" for col, name in ids.items()]
    for spec in specs:
        lines += ["", f"* ({spec.column_id}) controls: {spec.controls_label}; fixed effects: {_fe_words(spec)}; "
                      f"clustered by {spec.cluster}"]
        if stored is not None and not stored.empty:
            rows = stored[stored["column_id"] == spec.column_id]
            for _, r in rows[rows["term"].isin(spec.reported_terms)].iterrows():
                lines.append(f"*     study: {r['term']} {_fmt(r['estimate'])} (se {_fmt(r['std_error'])}), "
                             f"N = {_fmt(r['n_obs'])}")
        lines += [reghdfe_command(spec, var), f"estimates store table4_{spec.column_id}"]
    models = " ".join(f"table4_{s.column_id}" for s in specs)
    lines += ["", "* the table (estout):",
              f'* esttab {models} using "{stem}.rtf", b(4) se(4) star(* 0.10 ** 0.05 *** 0.01) '
              f"keep({' '.join(var(t) for t in terms)}) stats(N r2) replace", ""]
    return "\n".join(lines)
