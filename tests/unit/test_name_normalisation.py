"""METHOD §2 name / phone / zip keys: the SQL the dbt models run and Python agree.

The dbt macros (``dbt_project/macros/normalise_name.sql``, ``match_keys.sql``)
call DuckDB functions that the dbt-duckdb plugin of ``profiles.yml`` creates
from :mod:`analytics.names`.  Here the macros are rendered as dbt renders
them at execution, run in an in-memory DuckDB on which the plugin the profile
names was loaded and configured the way dbt-duckdb does it, and compared with

- :mod:`analytics.names` (the function behind the UDF: plumbing, NULLs,
  arrow conversion, deduplication), and
- :mod:`analytics.synth.truth.names`, the truth's own implementation, written
  apart: two implementations of the rule agreeing on arbitrary Unicode;

and hand-made fixtures whose expected strings were worked out by hand.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import names as product
from analytics.synth import names as synth_names
from analytics.synth.truth import names as truth

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
MACROS = ["normalise_name.sql", "match_keys.sql"]
KEYS = ("normalise_name", "phone_key", "zip_key")


# --- the SQL path -------------------------------------------------------------------------


class _Raised(Exception):
    pass


class _Exceptions:
    @staticmethod
    def raise_compiler_error(msg):
        raise _Raised(msg)


def _render(call: str, **context) -> str:
    """The SQL a macro call renders to (dbt's macros are plain Jinja)."""
    text = "".join((DBT / "macros" / m).read_text(encoding="utf-8") for m in MACROS)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    ctx = {"execute": False, "exceptions": _Exceptions()} | context
    return env.from_string(text + "{{ " + call + " }}").render(**ctx).strip().split("\n")[-1]


SQL = {key: _render(f"{key}('v')") for key in KEYS}


def _plugin_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the profile's plugins configured as dbt-duckdb does
    (``BasePlugin.create`` from the profile's entry, then ``configure_connection``)."""
    from dbt.adapters.duckdb.plugins import BasePlugin

    profile = yaml.safe_load((DBT / "profiles.yml").read_text(encoding="utf-8"))
    plugins = profile["gvc"]["outputs"]["local"]["plugins"]
    conn = duckdb.connect(":memory:")
    for p in plugins:
        BasePlugin.create(p["module"], config=p.get("config"), alias=p.get("alias")).configure_connection(conn)
    return conn


@pytest.fixture(scope="module")
def conn():
    c = _plugin_connection()
    yield c
    c.close()


def _sql_keys(conn, values: list[str | None]) -> dict[str, list[str | None]]:
    """Every key of every value through the rendered macros, in one query over
    a table (so the UDFs see whole vectors, duplicates and NULLs included)."""
    table = pa.table({"i": pa.array(range(len(values)), pa.int64()), "v": pa.array(values, pa.string())})
    cols = ", ".join(f"{SQL[k]} as {k}" for k in KEYS)
    conn.register("inputs", table)
    try:
        rows = conn.execute(f"select i, {cols} from inputs order by i").fetchall()
    finally:
        conn.unregister("inputs")
    return {k: [r[j + 1] for r in rows] for j, k in enumerate(KEYS)}


def _assert_all_agree(conn, values: list[str | None]) -> None:
    got = _sql_keys(conn, values)
    for k in KEYS:
        want_product = [getattr(product, k)(v) for v in values]
        want_truth = [getattr(truth, k)(v) for v in values]
        assert got[k] == want_product, k
        assert got[k] == want_truth, k


def test_macros_render_to_the_plugin_functions():
    assert SQL == {
        "normalise_name": "gvc_normalise_name(cast(v as varchar))",
        "phone_key": "gvc_phone_key(cast(v as varchar))",
        "zip_key": "gvc_zip_key(cast(v as varchar))",
    }
    assert set(product.UDFS) == {"gvc_normalise_name", "gvc_phone_key", "gvc_zip_key"}


# --- property tests: arbitrary Unicode and Chinese-firm mess ------------------------------

# every category but the surrogates (not encodable in UTF-8, so never in a file)
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)

PIECES = [
    # firm words
    "北京", "上海", "杭州", "华立", "电子", "科技", "纺织", "进出口", "贸易", "集团", "股份",
    "有限责任公司", "有限公司", "有限", "责任", "公司", "金", "大", "山",
    # full-width letters, digits, brackets, ideographic space
    "ＡＢＣ", "ｘｙｚ", "１２３", "０", "（", "）", "［", "］", "｛", "｝", "\u3000",
    # Unicode spaces, White_Space and not
    "\u00a0", "\u2002", "\u2003", "\u2009", "\u200a", "\u202f", "\u205f", "\u1680", "\u0085",
    "\u2028", "\u2029", "\t", "\n", "\r", "\x0b", "\x0c", " ", "\u200b", "\u180e", "\x1c", "\x1f",
    "\ufeff",
    # compatibility characters
    "①", "⑩", "⑳", "⑴", "⒈", "㈱", "㈲", "㍿", "Ⓐ", "ⓩ", "⓪", "²", "¼", "ﬁ", "㎏", "ｶﾞ", "ｱ",
    "\u2f26", "\u2f2d", "\uf90a", "\U0001d400", "\U0001d7ce", "¨", "\u00b4",
    # brackets METHOD removes, and their presentation forms
    "(", ")", "[", "]", "{", "}", "【", "】", "〔", "〕", "「", "」", "『", "』", "《", "》", "〈", "〉",
    "\ufe59", "\ufe5a", "\ufe35", "\ufe36", "\ufe3b", "\ufe3c", "\ufe5d", "\ufe5e", "\ufe41", "\ufe42",
    # combining marks and jamo (NFKC composes them)
    "e", "\u0301", "\u0308", "\u1100", "\u1161", "\u11a8",
    # phone-like
    "0571-", "8765 4321", "+86", "-",
]
MESSY = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
VALUE = st.one_of(st.none(), ANY_TEXT, MESSY)


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUE, min_size=1, max_size=16))
def test_sql_and_python_agree_on_any_text(conn, values):
    _assert_all_agree(conn, values)


@settings(max_examples=200, deadline=None)
@given(MESSY)
def test_sql_and_python_agree_on_messy_firm_names(conn, value):
    _assert_all_agree(conn, [value, None, value])


@settings(max_examples=200, deadline=None)
@given(MESSY)
def test_the_key_is_the_rule(value):
    """The product function restated: NFKC, then no White_Space and no METHOD
    bracket left, then no 有限责任公司 left; an empty key is None."""
    key = product.normalise_name(value)
    nfkc = unicodedata.normalize("NFKC", value)
    kept = "".join(ch for ch in nfkc if ord(ch) not in product.WHITE_SPACE and ch not in product.BRACKETS)
    assert key == (kept.replace("有限责任公司", "有限公司") or None)
    if key is not None:
        assert not any(ord(ch) in product.WHITE_SPACE or ch in product.BRACKETS for ch in key)


def test_many_rows_over_several_vectors(conn):
    """A column longer than DuckDB's vectors, with duplicates and NULLs spread
    over it (the arrow UDF sees one 2048-row chunk at a time)."""
    rng = np.random.default_rng(5)
    pool = ["北京\u3000（科技）有限责任公司", "ＡＢＣ\u00a0电子", "①号㈱", "", " ", None, "０５７１-８７６５ ４３２１", "315000"]
    pool += ["".join(rng.choice(PIECES, 5)) for _ in range(200)]
    values = [pool[i] for i in rng.integers(0, len(pool), 9_000)]
    _assert_all_agree(conn, values)


# --- hand-made fixtures ------------------------------------------------------------------

NAME_CASES = [
    # NFKC of the full-width brackets and ideographic space, NBSP removed, suffix shortened
    ("  北京　（科技）有限责任公司\u00a0", "北京科技有限公司"),
    # ① -> 1, ㈱ -> (株) whose brackets are then removed
    ("①号㈱", "1号株"),
    # em space, en space, narrow NBSP, ogham space mark (White_Space that NFKC keeps)
    ("杭州\u2003华立\u2002电子\u202f有限\u1680公司", "杭州华立电子有限公司"),
    # a space inside the long suffix: removed first, then the suffix is shortened
    ("宁波金山纺织有限\u00a0责任公司", "宁波金山纺织有限公司"),
    # Kangxi radicals and a CJK compatibility ideograph become the unified characters
    ("\u2f26\u2f2d\uf90a有限公司", "子山金有限公司"),  # radicals CHILD, MOUNTAIN; F90A is 金
    # presentation-form brackets: small and vertical parentheses, vertical lenticular
    ("\ufe59集团\ufe5a\ufe35深圳\ufe36\ufe3b电子\ufe3c", "集团深圳电子"),
    # full-width and circled and mathematical bold letters, full-width digits
    ("ＴＣＬ\u24b6\U0001d400１２", "TCLAA12"),
    # not White_Space: zero-width space U+200B and U+001C stay (as does U+FEFF)
    ("甲\u200b乙\x1c丙\ufeff", "甲\u200b乙\x1c丙\ufeff"),
    # ligature and katakana half-width forms
    ("ﬁｶﾞ", "fiガ"),
    # case is kept
    ("Abc公司", "Abc公司"),
]


@pytest.mark.parametrize("raw, expected", NAME_CASES)
def test_normalise_name_fixtures(conn, raw, expected):
    assert product.normalise_name(raw) == expected
    assert truth.normalise_name(raw) == expected
    assert _sql_keys(conn, [raw])["normalise_name"] == [expected]


@pytest.mark.parametrize("raw", [None, "", " ", "\u3000\u00a0\u2003\u1680", "（）【】", "\ufe59\ufe5a"])
def test_empty_names_are_null(conn, raw):
    assert product.normalise_name(raw) is None
    assert truth.normalise_name(raw) is None
    assert _sql_keys(conn, [raw])["normalise_name"] == [None]


def test_missing_python_values_are_none():
    for missing in (None, float("nan")):
        assert product.normalise_name(missing) is None
        assert product.phone_key(missing) is None
        assert product.zip_key(missing) is None
    import pandas as pd

    assert product.normalise_name(pd.NA) is None


PHONE_CASES = [
    ("0571-8765 4321", "7654321"),
    ("０５７１－８７６５\u3000４３２１", "7654321"),  # full-width digits and dash, ideographic space
    ("①②③④⑤⑥⑦", "1234567"),  # circled digits are digits after NFKC
    ("⑩⑳123", "1020123"),  # ⑩ -> 10, ⑳ -> 20
    ("²³⁴5678", "2345678"),  # superscripts
    ("\U0001d7ce\U0001d7cf23456", "0123456"),  # mathematical bold digits
    ("٣٤٥٦٧٨٩", None),  # Arabic-Indic digits are not 0-9, and NFKC keeps them
    ("123456", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize("raw, expected", PHONE_CASES)
def test_phone_key_fixtures(conn, raw, expected):
    assert product.phone_key(raw) == expected
    assert truth.phone_key(raw) == expected
    assert _sql_keys(conn, [raw])["phone_key"] == [expected]


ZIP_CASES = [
    ("310000", "310000"),
    ("３１００００", "310000"),
    ("3１0\u00a0000", "310000"),
    ("⓪①", "01"),
    ("邮编", None),
    (None, None),
]


@pytest.mark.parametrize("raw, expected", ZIP_CASES)
def test_zip_key_fixtures(conn, raw, expected):
    assert product.zip_key(raw) == expected
    assert truth.zip_key(raw) == expected
    assert _sql_keys(conn, [raw])["zip_key"] == [expected]


def test_white_space_is_unicodes_property():
    """The 25 White_Space code points (PropList.txt), here as the product's set,
    the truth's class and against Python's own notion (which adds U+001C-U+001F)."""
    expected = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                0x2028, 0x2029, 0x202F, 0x205F, 0x3000}
    assert product.WHITE_SPACE == expected and len(expected) == 25
    truth_class = re.compile("[" + truth.WHITE_SPACE_CLASS + "]")
    assert {cp for cp in range(0x110000) if truth_class.fullmatch(chr(cp))} == expected
    assert {cp for cp in range(0x110000) if chr(cp).isspace()} == expected | {0x1C, 0x1D, 0x1E, 0x1F}


def test_arrow_forms_take_any_string_array():
    for typ in (pa.string(), pa.large_string(), pa.string_view()):
        got = product.normalise_name_arrow(pa.array(["ＡＢＣ（１）", None, "（）", "ＡＢＣ（１）"], typ))
        assert got.to_pylist() == ["ABC1", None, None, "ABC1"]
    chunked = pa.chunked_array([["①②③④⑤⑥⑦"], [None, "0571-8765 4321"]])
    assert product.phone_key_arrow(chunked).to_pylist() == ["1234567", None, "7654321"]
    assert product.zip_key_arrow(pa.array([], pa.string())).to_pylist() == []
    assert product.zip_key_arrow(pa.array([None, None], pa.string())).to_pylist() == [None, None]


# --- the trap of views: the functions exist on dbt's connections only --------------------


def test_plain_connection_has_no_functions():
    with duckdb.connect(":memory:") as plain, pytest.raises(duckdb.CatalogException):
        plain.execute(f"select {SQL['normalise_name']} from (select 'x' as v)")


@pytest.mark.parametrize("materialized", ["view", "ephemeral"])
def test_macros_refuse_a_view(materialized):
    model = {"resource_type": "model", "name": "some_model", "config": {"materialized": materialized}}
    for key in KEYS:
        with pytest.raises(_Raised, match="some_model calls gvc_"):
            _render(f"{key}('v')", execute=True, model=model)


@pytest.mark.parametrize("materialized", ["table", "incremental"])
def test_macros_allow_a_table(materialized):
    model = {"resource_type": "model", "name": "m", "config": {"materialized": materialized}}
    assert _render("normalise_name('v')", execute=True, model=model) == SQL["normalise_name"]


def test_models_calling_the_keys_are_tables():
    """Every model that calls a key macro is a table or incremental (its own
    config, else its folder's in dbt_project.yml), so no view carries the UDFs."""
    project = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["models"]["gvc"]
    calls = re.compile(r"\{\{\s*(normalise_name|phone_key|zip_key)\(|gvc_(normalise_name|phone_key|zip_key)\(")
    explicit = re.compile(r"config\([^)]*materialized\s*=\s*['\"](\w+)['\"]")
    found = []
    for path in sorted((DBT / "models").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if not calls.search(text):
            continue
        m = explicit.search(text)
        if m:
            materialized = m.group(1)
        else:
            node, materialized = project, project.get("+materialized", "view")
            for part in path.relative_to(DBT / "models").parts[:-1]:
                node = node.get(part, {})
                materialized = node.get("+materialized", materialized)
        found.append(path.stem)
        assert materialized in ("table", "incremental"), (path.name, materialized)
    assert {"stg_raw__firm_survey", "stg_raw__patents", "stg_reference__intermediary_keywords",
            "int_customs_firm_attributes"} <= set(found)


def test_no_other_sql_restates_the_rule():
    """No model or macro does its own full-width translate or `\\s` name cleaning."""
    for path in sorted(DBT.glob("models/**/*.sql")) + sorted(DBT.glob("macros/*.sql")):
        text = path.read_text(encoding="utf-8")
        assert "translate(" not in text, path.name
        assert "０１２３" not in text, path.name


# --- the generator writes names in variant forms ------------------------------------------


def test_unicode_variants_keep_the_key():
    rng = np.random.default_rng(3)
    kinds = {"space": 0, "compat": 0, "bracket": 0}
    for i in range(2_000):
        kind = "intermediary" if i % 5 == 0 else "producer"
        name = synth_names.firm_name(rng, "杭州", ["17", "26", "40"][i % 3], kind)
        v = synth_names.unicode_variant(rng, name)
        assert v != name
        assert product.normalise_name(v) == product.normalise_name(name), (name, v)
        assert truth.normalise_name(v) == truth.normalise_name(name), (name, v)
        kinds["space"] += any(ord(ch) in product.WHITE_SPACE and ch not in " \u3000\t" for ch in v)
        kinds["compat"] += any(unicodedata.normalize("NFKC", ch) != ch and ch not in "（）" for ch in v
                               if ord(ch) not in product.WHITE_SPACE and not 0xFE30 <= ord(ch) <= 0xFE6F)
        kinds["bracket"] += any(0xFE30 <= ord(ch) <= 0xFE6F for ch in v)
    assert all(n > 100 for n in kinds.values()), kinds


def test_with_unicode_variants_touches_a_share():
    rng = np.random.default_rng(4)
    values = ["宁波金山纺织有限责任公司"] * 10_000 + [None, ""]
    out = synth_names.with_unicode_variants(rng, values, 0.03)
    changed = sum(a != b for a, b in zip(out, values))
    assert 0.02 * 10_000 < changed < 0.04 * 10_000
    assert out[-2:] == [None, ""]
    assert {product.normalise_name(v) for v in out if v} == {"宁波金山纺织有限公司"}
