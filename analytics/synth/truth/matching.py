"""Firm matching (METHOD §2): customs firm attributes, the three-step
one-to-one customs -> survey match, survey panel ids, intermediaries."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.synth.truth._frame import blank_text
from analytics.synth.truth.names import (
    is_intermediary_series,
    normalise_name_series,
    phone_key_series,
    zip_key_series,
)

__all__ = [
    "ATTRIBUTE_COLUMNS",
    "AttributeCounts",
    "INDEX_COLUMNS",
    "customs_firm_attributes",
    "flag_intermediaries",
    "match_customs_to_survey",
    "survey_index_rows",
    "survey_keys",
    "survey_panel_ids",
    "unique_key_links",
]

INDEX_COLUMNS = ["firm_id", "year", "name_norm", "legal_rep_norm", "city_code", "industry_code"]
"""Columns of the compact survey index held across years."""


def _text(values: pd.Series) -> pa.Array:
    """A column as Arrow text, missing kept missing, anything else as ``str`` writes it."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects: each as str writes it
        arr = None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr.cast(pa.large_string())
    return pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.large_string())


def _value_counts(keys: pa.Array, values: pd.Series) -> pa.Table:
    """How often each key wrote each non-blank value (missing, or whitespace
    only as ``str.strip`` sees it, is not a value): a table of ``key``,
    ``value`` (text) and ``n``. Counted by Arrow; only the distinct values
    are looked at in Python."""
    text = _text(values)
    distinct = pc.unique(text.drop_null())
    blank = pa.array(blank_text(distinct.to_pylist()), type=pa.large_string())
    kept = pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, value_set=blank)))
    pairs = pa.table({"key": keys, "value": text}).filter(kept)
    return pairs.group_by(["key", "value"]).aggregate([([], "count_all")]).rename_columns(["key", "value", "n"])


def _mode_of_counts(parts: list[pa.Table]) -> dict:
    """Most frequent value per key of (key, value) counts summed over
    ``parts``, ties: the smallest value (code-point order: UTF-8 bytes sort
    as code points); a key without one is absent."""
    n = pa.concat_tables(parts).group_by(["key", "value"]).aggregate([("n", "sum")]) if parts else None
    if n is None or n.num_rows == 0:
        return {}
    n = n.rename_columns(["key", "value", "n"])
    n = n.take(pc.sort_indices(n, sort_keys=[("key", "ascending"), ("n", "descending"), ("value", "ascending")]))
    key, value = n["key"].to_pylist(), n["value"].to_pylist()
    first = [0] + [i for i in range(1, len(key)) if key[i] != key[i - 1]]
    return {key[i]: value[i] for i in first}


ATTRIBUTE_COLUMNS = ("firm_name", "phone", "zip_code")


class AttributeCounts:
    """What :func:`customs_firm_attributes` needs of a year's customs lines,
    gathered batch by batch: the customs firm ids and, per attribute column,
    how often each firm wrote each value. Counts add up, so a year read in
    batches gives the attributes of the year read whole."""

    def __init__(self) -> None:
        self.ids: set = set()
        self.counts: dict[str, list[pa.Table]] = {}

    def add(self, customs: pd.DataFrame) -> "AttributeCounts":
        keys = _text(customs["customs_firm_id"].astype(str))
        self.ids.update(pc.unique(keys).to_pylist())
        for col in ATTRIBUTE_COLUMNS:
            if col in customs.columns:
                self.counts.setdefault(col, []).append(_value_counts(keys, customs[col]))
        return self

    def attributes(self, name_cache: dict | None = None) -> pd.DataFrame:
        """:func:`customs_firm_attributes` of every batch added."""
        ids = pd.Index(sorted(self.ids), name="customs_firm_id", dtype=object)
        out = pd.DataFrame(index=ids)
        for col in ATTRIBUTE_COLUMNS:
            if col in self.counts:
                mode = _mode_of_counts(self.counts[col])
                out[col] = pd.Series([mode.get(k) for k in ids], index=ids, dtype=object)
            else:
                out[col] = None
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        out = out.reset_index()
        out["name_norm"] = normalise_name_series(out["firm_name"], name_cache)
        out["phone_key"] = phone_key_series(out["phone"])
        out["zip_key"] = zip_key_series(out["zip_code"])
        return out


def customs_firm_attributes(customs_year_df: pd.DataFrame, name_cache: dict | None = None) -> pd.DataFrame:
    """A customs firm's name, phone and zip code in one year (METHOD §2).

    Each is its most frequent non-null (non-blank) raw value over that year's
    transaction rows, ties to the smallest value; the match keys are then
    derived from it: ``name_norm`` (normalised name), ``phone_key`` (last 7
    digits), ``zip_key`` (digits).  One row per ``customs_firm_id``, sorted.
    ``name_cache`` (raw name -> normalised name) may be shared across years:
    most customs names recur from one year to the next.
    """
    return AttributeCounts().add(customs_year_df).attributes(name_cache)


def flag_intermediaries(attrs: pd.DataFrame, keywords: Iterable[str], broker_digit: bool = True) -> pd.Series:
    """Customs firms whose year-t name contains an intermediary keyword
    (``reference/intermediary_keywords``; METHOD §2, Ahn, Khandelwal & Wei
    2011; checked on normalised name and keywords), and with ``broker_digit``
    (METHOD §0 step 6) those whose customs code's 6th character is ``8``
    (customs brokers)."""
    named = is_intermediary_series(attrs["firm_name"], keywords)
    if not broker_digit:
        return named
    code = attrs["customs_firm_id"].astype("string")
    broker = (code.str.len() >= 6) & (code.str.slice(5, 6) == "8")
    return named | broker.fillna(False).to_numpy(dtype=bool)


def survey_keys(survey_year_df: pd.DataFrame) -> pd.DataFrame:
    """Match keys of one survey year: firm_id, name_norm, phone_key, zip_key."""
    s = survey_year_df
    out = pd.DataFrame({"firm_id": s["firm_id"].astype(str).to_numpy()})
    out["name_norm"] = normalise_name_series(s["firm_name"]).to_numpy()
    out["phone_key"] = (
        phone_key_series(s["phone"]).to_numpy() if "phone" in s.columns else None
    )
    out["zip_key"] = zip_key_series(s["zip_code"]).to_numpy() if "zip_code" in s.columns else None
    return out


def unique_key_links(
    left: pd.DataFrame, right: pd.DataFrame, left_id: str, right_id: str, key: str = "key"
) -> pd.DataFrame:
    """One-to-one links on a key (METHOD §2).

    A key links only when exactly one left firm and exactly one right firm
    carry it; a key carried by several firms on either side links none.  A
    firm may carry several keys (step c: names of other years); should its
    keys then link it to more than one partner, it links to none (one-to-one).
    Missing keys never link.  Returns ``[left_id, right_id]``, in the order
    of the left rows (the ids' dtypes as given).
    """
    kept = _links(left[left_id].to_numpy(dtype=object), left[key].to_numpy(dtype=object),
                  right[right_id].to_numpy(dtype=object), right[key].to_numpy(dtype=object))
    return pd.DataFrame({
        left_id: left[left_id].iloc[[i for i, _ in kept]].reset_index(drop=True),
        right_id: right[right_id].iloc[[j for _, j in kept]].reset_index(drop=True),
    })


def _links(l_ids: np.ndarray, l_keys: np.ndarray, r_ids: np.ndarray, r_keys: np.ndarray) -> list[tuple[int, int]]:
    """:func:`unique_key_links` on id and key arrays (Python objects): the
    (left row, right row) of each link, in left row order."""
    def carried_once(ids: np.ndarray, keys: np.ndarray) -> pd.DataFrame:
        rows = np.asarray(_id_key_pairs(ids, keys), dtype=np.int64)
        pairs = pd.DataFrame({"row": rows, "id": ids[rows], "key": keys[rows]})
        return pairs[~pairs["key"].duplicated(keep=False)]  # keys one firm carries

    left, right = carried_once(l_ids, l_keys), carried_once(r_ids, r_keys)
    linked = left.merge(right, on="key", how="inner", suffixes=("_l", "_r"), sort=False)
    linked = linked.sort_values("row_l", kind="stable")
    linked = linked[~linked.duplicated(["id_l", "id_r"], keep="first")]  # one pair through several keys
    one_to_one = ~linked["id_l"].duplicated(keep=False) & ~linked["id_r"].duplicated(keep=False)
    linked = linked[one_to_one]
    return list(zip(linked["row_l"].tolist(), linked["row_r"].tolist()))


def _id_key_pairs(ids: np.ndarray, keys: np.ndarray) -> list[int]:
    """The rows that carry an (id, key) pair first, both present."""
    present = np.flatnonzero(~(pd.isna(ids) | pd.isna(keys)))
    repeated = pd.DataFrame({"id": ids[present], "key": keys[present]}).duplicated(keep="first").to_numpy()
    return present[~repeated].tolist()


def match_customs_to_survey(
    customs_attrs: pd.DataFrame,
    survey_year_keys: pd.DataFrame,
    survey_names_index: pd.DataFrame,
    year: int,
) -> pd.DataFrame:
    """Customs firm -> survey firm in one year, in three steps (METHOD §2).

    Every customs firm of the year takes part (intermediaries and importers
    included; intermediaries are dropped afterwards, from the trade sample).
    Each step works only on firms still unmatched on both sides and links a
    pair only when its key identifies exactly one such customs firm and one
    such survey firm (:func:`unique_key_links`):

    a. ``name_norm`` of the customs firm = ``name_norm`` of the survey row of year t;
    b. ``zip_key + phone_key`` (both present on both sides);
    c. ``name_norm`` of the customs firm = a normalised name the survey firm
       carries in a year s != t (``survey_names_index``); the survey firm must
       have a year-t row, which is the row used.

    Returns ``customs_firm_id, firm_id, match_step`` sorted by customs_firm_id.
    """
    c_id = customs_attrs["customs_firm_id"].to_numpy(dtype=object)
    s_id = survey_year_keys["firm_id"].to_numpy(dtype=object)
    c_name, s_name = customs_attrs["name_norm"].to_numpy(dtype=object), survey_year_keys["name_norm"].to_numpy(dtype=object)
    c_zp, s_zp = _zip_phone(customs_attrs), _zip_phone(survey_year_keys)
    matched_c, matched_s, found = set(), set(), []

    def step(label: str, c_keys: np.ndarray, r_ids: np.ndarray, r_keys: np.ndarray) -> None:
        cu = np.array([x not in matched_c for x in c_id], dtype=bool)
        ru = np.array([x not in matched_s for x in r_ids], dtype=bool)
        links = _links(c_id[cu], c_keys[cu], r_ids[ru], r_keys[ru])
        cids, rids = c_id[cu], r_ids[ru]
        for i, j in links:
            found.append((cids[i], rids[j], label))
        matched_c.update(cids[i] for i, _ in links)
        matched_s.update(rids[j] for _, j in links)

    step("a", c_name, s_id, s_name)  # (a) exact normalised name, same year
    step("b", c_zp, s_id, s_zp)  # (b) zip code + last 7 digits of the phone, both present
    # (c) the survey firm's normalised names of other years (of survey firms with a year-t row)
    idx = survey_names_index
    present = set(s_id)
    other = (idx["year"] != year).to_numpy() & np.array([x in present for x in idx["firm_id"].to_numpy(dtype=object)],
                                                        dtype=bool)
    step("c", c_name, idx["firm_id"].to_numpy(dtype=object)[other], idx["name_norm"].to_numpy(dtype=object)[other])

    found.sort(key=lambda r: r[0])  # customs firms match once: a stable sort by id
    return pd.DataFrame({col: pd.Series([r[k] for r in found], dtype=object)
                         for k, col in enumerate(("customs_firm_id", "firm_id", "match_step"))})


def _zip_phone(keys: pd.DataFrame) -> np.ndarray:
    """``zip_key|phone_key`` of each row, None unless both are present (step b)."""
    z, p = keys["zip_key"].to_numpy(dtype=object), keys["phone_key"].to_numpy(dtype=object)
    missing = pd.isna(z) | pd.isna(p)
    return np.array([None if m else f"{a}|{b}" for a, b, m in zip(z, p, missing)], dtype=object)


def survey_index_rows(survey_year_df: pd.DataFrame, year: int) -> pd.DataFrame:
    """Compact index rows of one survey year (:data:`INDEX_COLUMNS`): firm_id,
    year, normalised name, normalised legal representative, city_code (6
    digits, as given) and industry_code (4-digit CIC, as given)."""
    s = survey_year_df
    out = pd.DataFrame({"firm_id": s["firm_id"].astype(str).to_numpy()})
    out["year"] = int(year)
    out["name_norm"] = normalise_name_series(s["firm_name"]).to_numpy()
    out["legal_rep_norm"] = (
        normalise_name_series(s["legal_rep"]).to_numpy() if "legal_rep" in s.columns else None
    )
    out["city_code"] = s["city_code"].astype(str).to_numpy()
    out["industry_code"] = s["industry_code"].astype(str).to_numpy()
    return out


def survey_panel_ids(index: pd.DataFrame) -> pd.DataFrame:
    """Survey panel ids in the manner of Brandt, Van Biesebroeck & Zhang
    (2012) (METHOD §2).  Exact rule:

    1. Rows with the same ``firm_id`` are one firm, whatever the gaps between
       their years.  A firm_id's spell runs from its first to its last survey
       year.
    2. For each pair of consecutive survey years present (p, t), a firm_id
       whose LAST year is p may be linked to a firm_id whose FIRST year is t:
       first by normalised name (year-p row vs year-t row), then, among those
       still unlinked, by normalised legal representative + city_code (6
       digits) + industry_code (4 digits), all three present.  Both steps are
       one-to-one: a key shared by several candidates on either side links none.
    3. Links form chains of firm_ids whose spells follow one another in time
       (so a chain never has two rows in one year); ``panel_firm_id`` is the
       firm_id at the start of the chain (the earliest spell).

    Returns ``firm_id, panel_firm_id`` (one row per firm_id, sorted).
    """
    firm = index["firm_id"].to_numpy(dtype=object)
    year = index["year"].to_numpy()
    name = index["name_norm"].to_numpy(dtype=object)
    rep = index["legal_rep_norm"].to_numpy(dtype=object)
    city = index["city_code"].to_numpy(dtype=object)
    industry = index["industry_code"].to_numpy(dtype=object)
    # each row's firm_id's first and last survey year
    spell = pd.Series(year).groupby(pd.Series(firm, dtype=object), sort=False)
    first_year, last_year = spell.transform("min").to_numpy(), spell.transform("max").to_numpy()

    def rep_key(rows: np.ndarray) -> np.ndarray:
        r, c, k = rep[rows], city[rows], industry[rows]
        missing = pd.isna(r) | pd.isna(c) | pd.isna(k)
        return np.array([None if m else f"{a}|{b}|{d}" for a, b, d, m in zip(r, c, k, missing)], dtype=object)

    pred: dict = {}  # firm_id -> the firm_id whose spell it continues
    years = sorted(np.unique(year).tolist())
    for p, t in zip(years[:-1], years[1:]):
        left = np.flatnonzero((year == p) & (last_year == p))
        right = np.flatnonzero((year == t) & (first_year == t))
        if len(left) == 0 or len(right) == 0:
            continue
        by_name = [(firm[left[i]], firm[right[j]]) for i, j in _links(firm[left], name[left], firm[right], name[right])]
        linked_l, linked_r = {a for a, _ in by_name}, {b for _, b in by_name}
        left = left[np.array([firm[i] not in linked_l for i in left], dtype=bool)]
        right = right[np.array([firm[j] not in linked_r for j in right], dtype=bool)]
        by_rep = [(firm[left[i]], firm[right[j]])
                  for i, j in _links(firm[left], rep_key(left), firm[right], rep_key(right))]
        pred.update((b, a) for a, b in by_name + by_rep)

    def chain_start(f):
        while f in pred:
            f = pred[f]
        return f

    firms = sorted(pd.unique(firm).tolist())
    return pd.DataFrame({"firm_id": np.array(firms, dtype=object),
                         "panel_firm_id": np.array([chain_start(f) for f in firms], dtype=object)})
