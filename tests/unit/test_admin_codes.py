"""Administrative codes over 1998-2014 -> the base-year prefecture (analytics/ingest/admin_codes.py)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.admin_codes import (
    TABLE_COLUMNS,
    build_admin_codes,
    prefecture_changes,
    prefecture_of,
    read_changes,
    read_code_lists,
)

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "admin_codes.csv"
PUBLIC = Path(__file__).resolve().parents[3] / "shared" / "reference" / "admin_codes"

CHAOHU = {  # code -> the 2014 prefecture (the State Council's 2011 approval)
    "341400": "340100",  # the prefecture: its seat 居巢区 became county-level 巢湖市 under Hefei
    "341402": "340100",  # 居巢区 -> 340181 巢湖市 (Hefei)
    "341421": "340100",  # 庐江县 -> Hefei
    "341422": "340200",  # 无为县 -> Wuhu
    "341423": "340500",  # 含山县 -> Ma'anshan
    "341424": "340500",  # 和县 -> Ma'anshan (沈巷镇 to Wuhu)
}


# ---------------------------------------------------------------------------
# a hand-made folder in the published layout: 2000, 2001, 2002 (base year 2002)
# ---------------------------------------------------------------------------

LISTS = {
    2000: """
110000 北京市
110101 东城区
110228 密云县
340000 安徽省
340100 合肥市
340102 东市区
340111 郊区
340121 长丰县
340200 芜湖市
340202 镜湖区
340211 郊区
340221 芜湖县
341400 巢湖市
341402 居巢区
341421 庐江县
341422 无为县
341423 含山县
342900 池州地区
342901 贵池市
342921 东至县
342922 石台县
349001 飞地市
""",
    2001: """
110000 北京市
110101 东城区
110228 密云县
340000 安徽省
340100 合肥市
340111 郊区
340121 长丰县
340122 东至县
340123 石台县
340200 芜湖市
340202 镜湖区
340203 贵池区
340211 郊区
340223 芜湖县
341400 巢湖市
341402 居巢区
341421 庐江县
341422 无为县
341423 含山县
349001 飞地市
""",
    2002: """
110000 北京市
110101 东城区
110228 密云县
340000 安徽省
340100 合肥市
340111 郊区
340121 长丰县
340122 东至县
340123 石台县
340181 巢湖市
340200 芜湖市
340202 镜湖区
340203 贵池区
340223 芜湖县
340224 庐江县
340225 无为县
340226 含山县
349001 飞地市
""",
}

DIFFS = {
    "2000-2001": """
## 撤销池州地区（虚构）
# 文号：测试〔2000〕1号
#
# 撤销池州地区：贵池市改为芜湖市贵池区，东至县、石台县划归合肥市。
-342900 池州地区
-342901 贵池市>贵池区
-342921 东至县>_
-342922 石台县>_
+340122 东至县<_
+340123 石台县<_
+340203 贵池区<贵池市
## 芜湖县代码变更（虚构）
# 文号：测试〔2000〕2号
-340221 芜湖县>_
+340223 芜湖县<_
## 合肥市东市区并入郊区，长丰县部分区域划入（虚构）
# 文号：测试〔2000〕3号
-340102 东市区>郊区
=340121 长丰县>郊区
""",
    "2001-2002": """
## 撤销地级巢湖市（虚构）
# 文号：测试〔2001〕1号
#
# 居巢区改为县级巢湖市由合肥市代管；庐江县、无为县、含山县划归芜湖市，含山县一部划归合肥市长丰县。
+340181 巢湖市<居巢区
+340224 庐江县<_
+340225 无为县<_
+340226 含山县<_
-341400 巢湖市
-341402 居巢区>巢湖市
-341421 庐江县>_
-341422 无为县>_
-341423 含山县>长丰县,_
=340121 长丰县<含山县
## 芜湖市郊区并入镜湖区（虚构）
# 文号：测试〔2001〕2号
-340211 郊区>镜湖区
""",
}

#: hand-computed (code, valid_from, valid_to, prefecture_base), base year 2002
EXPECTED = [
    ("110000", 2000, 2002, "110100"),  # municipality: one unit xx0100
    ("110101", 2000, 2002, "110100"),
    ("110228", 2000, 2002, "110100"),  # a municipality's county, not 110200
    ("340100", 2000, 2002, "340100"),
    ("340102", 2000, 2000, "340100"),  # 东市区 -> 郊区 (合肥市郊区, the name qualified by its parent)
    ("340111", 2000, 2002, "340100"),
    ("340121", 2000, 2002, "340100"),  # never changes (transfer lines keep it)
    ("340122", 2001, 2002, "340100"),
    ("340123", 2001, 2002, "340100"),
    ("340181", 2002, 2002, "340100"),
    ("340200", 2000, 2002, "340200"),
    ("340202", 2000, 2002, "340200"),
    ("340203", 2001, 2002, "340200"),
    ("340211", 2000, 2001, "340200"),
    ("340221", 2000, 2000, "340200"),  # re-coded to 340223
    ("340223", 2001, 2002, "340200"),
    ("340224", 2002, 2002, "340200"),
    ("340225", 2002, 2002, "340200"),
    ("340226", 2002, 2002, "340200"),
    ("341400", 2000, 2001, "340100"),  # its seat (first district 居巢区) went to Hefei; most counties to Wuhu
    ("341402", 2000, 2001, "340100"),
    ("341421", 2000, 2001, "340200"),
    ("341422", 2000, 2001, "340200"),
    ("341423", 2000, 2001, "340200"),  # the successor with its own name, not the first listed
    ("342900", 2000, 2000, "340100"),  # no districts: most counties (2 of 3) went to Hefei
    ("342901", 2000, 2000, "340200"),
    ("342921", 2000, 2000, "340100"),
    ("342922", 2000, 2000, "340100"),
    ("349001", 2000, 2002, "349001"),  # province-administered: its own unit
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("admin_codes")
    (root / "data").mkdir()
    (root / "diff").mkdir()
    for year, text in LISTS.items():
        (root / "data" / f"{year}.txt").write_text(text.lstrip(), encoding="utf-8")
    for span, text in DIFFS.items():
        (root / "diff" / f"{span}.diff").write_text(text.lstrip(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def table(folder: Path) -> pd.DataFrame:
    return build_admin_codes(folder, base_year=2002)


def _frame(rows: list[tuple[str, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLE_COLUMNS).astype(
        {"code": str, "valid_from": "int64", "valid_to": "int64", "prefecture_base": str}
    )


def _lookup(codes: list[str | None], years: list[int], table: pd.DataFrame) -> list[str | None]:
    out = prefecture_of(pd.Series(codes, dtype=object), pd.Series(years), table)
    return [None if pd.isna(v) else v for v in out]


def test_read_code_lists(folder: Path) -> None:
    lists = read_code_lists(folder)
    assert list(lists.columns) == ["year", "code", "name"]
    assert sorted(lists["year"].unique()) == [2000, 2001, 2002]
    assert lists.loc[(lists["year"] == 2001) & (lists["code"] == "340223"), "name"].item() == "芜湖县"


def test_read_changes_resolves_selectors(folder: Path) -> None:
    ch = read_changes(folder)
    rel = set(zip(ch["line"], ch["old_code"], ch["new_code"], strict=True))
    assert ("-", "340102", "340111") in rel  # ambiguous 郊区: the one under the old record's parent
    assert ("-", "340211", "340202") in rel
    assert ("-", "341421", "340224") in rel  # `_`: same name in the next year
    assert ("+", "341402", "340181") in rel  # additions read backwards: old -> new
    assert ("=", "341423", "340121") in rel
    assert ("-", "341423", "340121") in rel and ("-", "341423", "340226") in rel
    dissolved = ch[(ch["code"] == "341400")]
    assert len(dissolved) == 1 and pd.isna(dissolved["new_code"].item())
    assert (ch.loc[ch["code"] == "340221", "approval"] == "芜湖县代码变更（虚构）").all()
    assert set(ch["year_from"]) == {2000, 2001} and (ch["year_to"] == ch["year_from"] + 1).all()


def test_read_changes_refuses_a_selector_without_one_record(folder: Path, tmp_path: Path) -> None:
    for sub in ("data", "diff"):
        (tmp_path / sub).mkdir()
        for f in (folder / sub).iterdir():
            (tmp_path / sub / f.name).write_text(f.read_text("utf-8"), encoding="utf-8")
    bad = tmp_path / "diff" / "2000-2001.diff"
    # two 郊区 in 2001, none under the line's parent 北京市
    bad.write_text(bad.read_text("utf-8") + "# x\n-110101 东城区>郊区\n", encoding="utf-8")
    with pytest.raises(ValueError, match="2000-2001.diff: -110101"):
        read_changes(tmp_path)


def test_build_admin_codes_hand_computed(table: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(table, _frame(EXPECTED))


def test_prefecture_of_fixture(table: pd.DataFrame) -> None:
    cases = [
        ("341421000000", 2000, "340200"),  # 12-digit, a moved county
        ("341421", 2001, "340200"),
        ("341400", 2001, "340100"),  # the dissolved prefecture's own code
        ("341402", 2000, "340100"),
        ("340121000000", 2002, "340100"),  # never changes
        ("340221", 2002, "340200"),  # outside its span 2000-2000: the nearest span
        ("341423", 2010, "340200"),
        ("340181", 1998, "340100"),
        ("110228", 2001, "110100"),
        ("349001", 2001, "349001"),
        ("340299", 2001, "340200"),  # unknown code, its prefecture exists: fallback
        ("110105", 2001, "110100"),  # unknown municipality code: the municipality
        ("341499", 2001, None),  # fallback 341400 is no base-year prefecture
        ("349002", 2001, None),
        ("999999", 2001, None),
        ("340000", 2001, None),  # a province is held by no prefecture
        (None, 2001, None),
    ]
    codes, years, want = zip(*cases, strict=True)
    assert _lookup(list(codes), list(years), table) == list(want)


def test_prefecture_of_keeps_the_index(table: pd.DataFrame) -> None:
    codes = pd.Series(["341422", "340202"], index=[7, 3])
    out = prefecture_of(codes, pd.Series([2001, 2001], index=[7, 3]), table)
    assert out.index.tolist() == [7, 3] and out.tolist() == ["340200", "340200"]


def test_prefecture_of_nearest_span() -> None:
    t = _frame([("340321", 2000, 2001, "340300"), ("340321", 2005, 2006, "341200")])
    years = [1990, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2010]
    want = ["340300"] * 5 + ["341200"] * 4  # 2003: 2 years from both, the earlier wins
    assert _lookup(["340321"] * len(years), years, t) == want


def test_prefecture_changes_fixture(table: pd.DataFrame) -> None:
    shipped = prefecture_changes(table)
    assert list(shipped.columns) == TABLE_COLUMNS
    assert shipped["code"].tolist() == [
        "110000", "110228", "340100", "340200", "341400", "341402", "341421", "341422",
        "341423", "342900", "342901", "342921", "342922", "349001",
    ]
    codes = sorted(set(table["code"])) + ["340299", "341499", "110105"]
    grid = pd.MultiIndex.from_product([codes, range(1995, 2006)]).to_frame(index=False)
    full = prefecture_of(grid[0], grid[1], table)
    short = prefecture_of(grid[0], grid[1], shipped)
    pd.testing.assert_series_equal(full, short)


def test_build_refuses_a_code_that_vanishes(folder: Path, tmp_path: Path) -> None:
    for sub in ("data", "diff"):
        (tmp_path / sub).mkdir()
        for f in (folder / sub).iterdir():
            (tmp_path / sub / f.name).write_text(f.read_text("utf-8"), encoding="utf-8")
    data = tmp_path / "data" / "2002.txt"
    data.write_text(data.read_text("utf-8").replace("340122 东至县\n", ""), encoding="utf-8")
    with pytest.raises(ValueError, match="340122"):
        build_admin_codes(tmp_path, base_year=2002)


# ---------------------------------------------------------------------------
# the shipped seed, alone
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return pd.read_csv(SEED, dtype={"code": str, "prefecture_base": str})


def test_seed_shape(seed: pd.DataFrame) -> None:
    assert list(seed.columns) == TABLE_COLUMNS
    assert not seed.duplicated(["code", "valid_from"]).any()
    assert seed["code"].str.fullmatch(r"\d{6}").all()
    assert seed["prefecture_base"].str.fullmatch(r"\d{6}").all()
    assert seed["prefecture_base"].str.fullmatch(r"\d{4}00|\d{2}90\d{2}").all()
    assert (seed["valid_from"] <= seed["valid_to"]).all()
    assert seed["valid_from"].between(1998, 2014).all() and seed["valid_to"].between(1998, 2014).all()
    ordered = seed.sort_values(["code", "valid_from"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(seed, ordered)


def test_seed_chaohu(seed: pd.DataFrame) -> None:
    rows = seed[seed["code"].str.startswith("3414")]
    assert dict(zip(rows["code"], rows["prefecture_base"], strict=True)) == CHAOHU
    assert (rows["valid_to"] == 2010).all()
    codes = ["341421000000", "341422", "341423", "341424", "341400", "340121", "110228"]
    assert _lookup(codes, [2005] * 7, seed) == [
        "340100", "340200", "340500", "340500", "340100", "340100", "110100"
    ]


def test_prefecture_of_is_fast(seed: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    pool = np.array(sorted(set(seed["code"])) + ["340121", "320102", "999999", "440300"], dtype=object)
    n = 2_000_000
    codes = pd.Series(rng.choice(pool, n)) + pd.Series(rng.choice(["", "000000"], n))
    years = pd.Series(rng.integers(1998, 2015, n))
    t0 = time.perf_counter()
    out = prefecture_of(codes, years, seed)
    assert time.perf_counter() - t0 < 5.0
    assert len(out) == n and out[codes.str[:6] == "999999"].isna().all()
    assert (out[codes.str[:6] == "341422"] == "340200").all()


# ---------------------------------------------------------------------------
# the public code lists and change files
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def public() -> pd.DataFrame:
    if not (PUBLIC / "diff-spec.md").exists():
        pytest.skip(f"public administrative code lists not available at {PUBLIC}")
    return build_admin_codes(PUBLIC)


def test_public_chaohu(public: pd.DataFrame) -> None:
    got = prefecture_of(pd.Series(list(CHAOHU)), pd.Series([2005] * len(CHAOHU)), public)
    assert got.tolist() == list(CHAOHU.values())


def test_public_every_listed_code(public: pd.DataFrame) -> None:
    lists = read_code_lists(PUBLIC)
    ordinary_province = (lists["code"].str[2:] == "0000") & ~lists["code"].str[:2].isin(
        ["11", "12", "31", "50"]
    )
    assert set(public["code"]) == set(lists.loc[~ordinary_province, "code"])
    assert not public.duplicated(["code", "valid_from"]).any()
    base = set(lists.loc[lists["year"] == 2014, "code"]) | {"110100", "120100", "310100", "500100"}
    assert set(public["prefecture_base"]) <= base
    pref = public["prefecture_base"]
    assert (pref.str.endswith("00") | (pref.str[2:4] == "90")).all()
    assert (public.loc[pref.str[2:4] == "90", "code"].str[:2].isin(["41", "42", "46", "65"])).all()


def test_public_stable_codes(public: pd.DataFrame) -> None:
    codes = ["341021", "320102", "110105", "500228", "429004", "460002", "340100"]
    want = ["341000", "320100", "110100", "500100", "429004", "469002", "340100"]
    assert _lookup(codes, [2003] * len(codes), public) == want


def test_seed_is_reproducible(public: pd.DataFrame, seed: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(seed, prefecture_changes(public), check_dtype=False)
    assert set(public.loc[public["code"].str.startswith("3414"), "code"]) <= set(seed["code"])
