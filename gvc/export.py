"""``gvc export``: one mart of a built warehouse to a Stata, CSV or Parquet file.

- ``dta``: Stata 118 (UTF-8) through pyreadstat, variable labels from the dbt
  docs (:mod:`gvc.descriptions`, shortened to 80 characters), a dataset
  label, valid Stata names, types Stata reads (:mod:`gvc.stata`); beside an
  exported panel, ``<stem>_table4.do`` reruns Table 4 with reghdfe.
- ``csv``: UTF-8, a header line, DuckDB's text of each value (doubles in
  their shortest exact form, booleans ``true``/``false``, NULL empty).
- ``parquet``: the mart as it is, DuckDB's types.

Rows in a fixed order (:data:`gvc.warehouse.ORDER`): two exports of one
warehouse hold the same rows in the same order. A file is written under a
temporary name and renamed into place: a failed export leaves no
half-written file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from gvc.warehouse import PANEL, RESULTS, Warehouse

__all__ = ["Format", "FORMATS", "Export", "ExportError", "export", "do_file_path"]

Format = Literal["dta", "csv", "parquet"]
FORMATS: tuple[str, ...] = get_args(Format)
STATA_VERSION = 14  # pyreadstat's version 14 writes format 118: Stata 14 and later, UTF-8


class ExportError(Exception):
    """An export that cannot be written; the message is one line."""


@dataclass
class Export:
    """What :func:`export` wrote."""

    table: str
    path: Path
    format: str
    rows: int
    columns: int
    renamed: dict[str, str] = field(default_factory=dict)
    converted: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    unlabelled: list[str] = field(default_factory=list)
    do_file: Path | None = None
    controls: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"wrote {self.path.resolve()}: marts.{self.table}, {self.rows:,} rows x {self.columns} columns"
               + {"dta": " (Stata 118, UTF-8)", "csv": " (UTF-8, header)", "parquet": ""}[self.format]]
        for old, new in self.renamed.items():
            out.append(f"  renamed for Stata: {old} -> {new}")
        for what, cols in self.converted.items():
            out.append(f"  {what}: {', '.join(cols)}")
        for col, n in self.missing.items():
            out.append(f"  {col}: {n:,} values with no Stata value (+-inf or beyond 8.988e307) written as missing")
        if self.format == "dta":
            out.append(f"  variable labels: the dbt docs' column descriptions"
                       + (f"; none for {', '.join(self.unlabelled)}" if self.unlabelled else ""))
        if self.do_file:
            out.append(f"wrote {self.do_file.resolve()}: Table 4 in reghdfe")
            for column, controls in self.controls.items():
                out.append(f"  ({column}) controls: {' '.join(controls) or 'none'}")
        return out


def do_file_path(out: Path) -> Path:
    """Where the Table 4 do-file of a ``.dta`` goes: ``<out stem>_table4.do`` beside it."""
    return out.with_name(f"{out.stem}_table4.do")


def export(warehouse: Path | str, table: str, fmt: str, out: Path | str) -> Export:
    """Write mart ``table`` of ``warehouse`` to ``out`` as ``fmt`` (module docstring).

    Raises :class:`gvc.WarehouseError` (no built warehouse, unknown table) or
    :class:`ExportError` (the values cannot be written in that format)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    out = Path(out)
    with Warehouse(warehouse) as w:
        name = w.resolve(table)
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "dta":
            return _dta(w, name, out)
        return _copy(w, name, fmt, out)


def _replace_into(out: Path, write) -> None:
    """``write(tmp)`` a file beside ``out``, then rename it to ``out``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _copy(w: Warehouse, name: str, fmt: str, out: Path) -> Export:
    options = "format csv, header true" if fmt == "csv" else "format parquet"

    def write(tmp: Path) -> None:
        target = str(tmp).replace("'", "''")
        w.connection.execute(f"copy ({w.select(name)}) to '{target}' ({options})")

    _replace_into(out, write)
    rows = w.connection.execute(f'select count(*) from marts."{name}"').fetchone()[0]
    return Export(name, out, fmt, int(rows), len(w.column_types(name)))


def _dta(w: Warehouse, name: str, out: Path) -> Export:
    import pyreadstat

    from gvc.stata import shorten, stata_frame, table4_do_file, variable_names

    df = w.table(name)
    types = w.column_types(name)
    try:
        converted = stata_frame(df, types)
    except ValueError as err:
        raise ExportError(str(err)) from None
    names = variable_names(list(df.columns))
    frame = converted.frame.rename(columns=names)
    described = w.columns(name)
    labels = {names[c]: shorten(d) for c, d in described.items() if d}
    title = w.description(name)
    file_label = shorten(f"{name}: {title}" if title else f"gvc marts.{name}")

    def write(tmp: Path) -> None:
        try:
            pyreadstat.write_dta(frame, str(tmp), file_label=file_label, column_labels=labels,
                                 version=STATA_VERSION)
        except pyreadstat.ReadstatError as err:  # (the checks above should leave nothing for it to refuse)
            raise ExportError(f"pyreadstat refused marts.{name}: {err}") from None

    _replace_into(out, write)
    res = Export(name, out, "dta", len(frame), frame.shape[1],
                 renamed={c: n for c, n in names.items() if c != n}, converted=converted.converted,
                 missing=converted.missing, unlabelled=[c for c, d in described.items() if not d])
    if name == PANEL:
        from analytics.study.baseline import table4_specs

        strings = {c for c, t in types.items() if t.upper() == "VARCHAR"}
        stored = w.results("table4") if RESULTS in w.tables() and _has_table4(w) else None
        do = do_file_path(out)
        text = table4_do_file(out.name, do.name, names, strings, stored)
        _replace_into(do, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        res.do_file = do
        res.controls = {s.column_id: [names[c] for c in s.controls] for s in table4_specs()}
    return res


def _has_table4(w: Warehouse) -> bool:
    return bool(w.connection.execute(f"select count(*) from marts.{RESULTS} where table_id = 'table4'").fetchone()[0])
