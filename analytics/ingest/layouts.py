"""Delivered layouts: YAML files that say how a vendor's file maps to a contract table.

A layout (``analytics/ingest/layouts/<name>.yaml``, or a user's own folder
given with ``--layouts``) holds:

* ``name``, ``table`` (``customs_transactions``, ``firm_survey`` or
  ``patents``), ``year_from`` / ``year_to`` (the years it is known for);
* ``encoding`` and ``delimiter`` for text files (default: UTF-8, else
  GB18030; comma);
* ``columns``: canonical column <- the delivered spellings (a list). Besides
  the contract's columns a layout may name these inputs the conversion turns
  into contract columns: ``date`` (year and month), ``trade_mode_name``
  (trade_regime), ``partner`` (partner_country), ``application_date``
  (application_year), ``ipc_main`` / ``ipc_all`` (ipc_codes), ``address``
  (applicant_city_code), ``patent_type_label`` (patent_type),
  ``province_code`` (read and ignored: a province is never a city);
* ``required``: the canonical columns a file must have for the layout to
  apply;
* ``values``: per column, delivered value -> canonical value (a value
  absent from a column's map is refused);
* ``units``: per column, the factor that converts the delivered unit into
  the contract's.

Delivered names are compared after NFKC normalisation and trimming, so
full-width and half-width brackets or a stray space do not make a new
spelling. A user's drift (one more spelling of a column) is one more list
item in a YAML file.

:func:`recognise` picks a file's layout from its column names: among the
layouts whose required columns are all present, the one that explains the
most of the file's columns; a tie or no candidate is an error that lists the
candidates and what each misses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SHIPPED = Path(__file__).with_name("layouts")
TABLES = ("customs_transactions", "firm_survey", "patents")
# inputs a layout may name besides the contract's columns (turned into contract columns by convert.py)
DERIVED_INPUTS = frozenset({"date", "trade_mode_name", "partner", "application_date", "ipc_main", "ipc_all",
                            "address", "patent_type_label", "province_code"})


class LayoutError(ValueError):
    """A layout file that is not well formed, or a file no layout (or several) explains."""


def normalise_name(name: object) -> str:
    """A delivered column name as compared: NFKC, trimmed, lower-case (pinyin names vary in case)."""
    return unicodedata.normalize("NFKC", str(name)).strip().lower()


@dataclass(frozen=True)
class Layout:
    name: str
    table: str
    year_from: int
    year_to: int
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    source: str = ""

    def spellings(self) -> dict[str, str]:
        """normalised delivered name -> canonical column."""
        return {normalise_name(s): canon for canon, names in self.columns.items() for s in names}

    def match(self, delivered: list[str]) -> dict[str, str]:
        """delivered name -> canonical column, for the file's columns this layout knows
        (the first delivered spelling of a canonical column wins)."""
        lookup, out, taken = self.spellings(), {}, set()
        for col in delivered:
            canon = lookup.get(normalise_name(col))
            if canon is not None and canon not in taken:
                out[col] = canon
                taken.add(canon)
        return out

    def missing(self, delivered: list[str]) -> list[str]:
        """Required canonical columns the file lacks, each with the spellings looked for."""
        have = set(self.match(delivered).values())
        return [f"{c} ({' | '.join(self.columns[c])})" for c in self.required if c not in have]


def _layout(doc: dict, source: Path) -> Layout:
    def bad(why: str) -> LayoutError:
        return LayoutError(f"layout file {source}: {why}")

    if not isinstance(doc, dict):
        raise bad("not a mapping")
    for key in ("name", "table", "year_from", "year_to", "columns", "required"):
        if key not in doc:
            raise bad(f"missing key {key!r}")
    if doc["table"] not in TABLES:
        raise bad(f"table {doc['table']!r} is not one of {list(TABLES)}")
    columns = {str(c): tuple(str(s) for s in (names if isinstance(names, list) else [names]))
               for c, names in doc["columns"].items()}
    unknown_required = [c for c in doc["required"] if c not in columns]
    if unknown_required:
        raise bad(f"required columns {unknown_required} are not under columns:")
    values = {str(c): {str(k): str(v) for k, v in (m or {}).items()} for c, m in (doc.get("values") or {}).items()}
    for col in list(values) + list(doc.get("units") or {}):
        if col not in columns:
            raise bad(f"values/units name column {col!r}, which is not under columns:")
    spelled: dict[str, str] = {}
    for canon, names in columns.items():
        for s in names:
            other = spelled.setdefault(normalise_name(s), canon)
            if other != canon:
                raise bad(f"spelling {s!r} is listed for both {other!r} and {canon!r}")
    return Layout(
        name=str(doc["name"]), table=doc["table"], year_from=int(doc["year_from"]), year_to=int(doc["year_to"]),
        columns=columns, required=tuple(doc["required"]), values=values,
        units={str(c): float(f) for c, f in (doc.get("units") or {}).items()},
        encoding=doc.get("encoding"), delimiter=doc.get("delimiter"), source=str(source),
    )


def load_layouts(extra: Path | str | None = None) -> dict[str, Layout]:
    """The shipped layouts, plus (overriding by name) those of the folder ``extra``."""
    out: dict[str, Layout] = {}
    folders = [SHIPPED] + ([Path(extra)] if extra else [])
    for folder in folders:
        if not folder.is_dir():
            raise LayoutError(f"layouts folder {folder} does not exist")
        for path in sorted(folder.glob("*.y*ml")):
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as err:
                raise LayoutError(f"layout file {path}: not valid YAML: {err}") from None
            layout = _layout(doc, path)
            out[layout.name] = layout
    return out


def recognise(delivered: list[str], layouts: dict[str, Layout], source: str = "") -> Layout:
    """The layout that explains ``delivered`` (a file's column names), or LayoutError."""
    candidates = [lay for lay in layouts.values() if not lay.missing(delivered)]
    if candidates:
        scored = sorted(((len(lay.match(delivered)), lay.name) for lay in candidates), reverse=True)
        best = [name for score, name in scored if score == scored[0][0]]
        if len(best) == 1:
            return layouts[best[0]]
        raise LayoutError(f"{source}: columns fit the layouts {sorted(best)} equally well; "
                          f"name one with --layout")
    misses = "\n".join(f"  {lay.name}: missing {', '.join(lay.missing(delivered))}"
                       for lay in sorted(layouts.values(), key=lambda x: len(x.missing(delivered))))
    raise LayoutError(f"{source}: no layout explains the columns {list(delivered)}\n{misses}\n"
                      f"add the spellings to a layout (a YAML line) or a layout of your own with --layouts DIR")
