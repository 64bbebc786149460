"""Property: pairwise technological complementarity ``Cra`` of two cities is
symmetric and lies in [0, 1] for any non-negative patent counts over IPC units.

Formula: METHOD §4 (the paper's Eq. 1)::

    Cra_jJ = (Tg_j . Tg_J - Tm_j . Tm_J) / (||Tg_j|| * ||Tg_J||)

implemented by ``analytics.synth.truth.complementarity.pairwise_cra`` (the
vectors of one industry-year from ``patent_flows`` / ``technology_units``); dbt
twin ``dbt_project/models/intermediate/patents/int_city_pair_cra.sql``.

Why [0, 1] (METHOD §4): every fine unit m lies in one coarse unit g and both
vectors count the same codes, so ``Tg_j . Tg_J = sum_g (sum_{m in g} a_m)
(sum_{m in g} b_m) >= sum_m a_m b_m = Tm_j . Tm_J`` and ``Cra <= cos(Tg_j,
Tg_J) <= 1``.  Range checks allow 1e-12 for floating point.  Symmetry: both
dot products and the product of norms are symmetric in (j, J).

Corner cases as METHOD defines them:

- single unit: all of both cities' patents in one m unit gives ``Cra = 0``
  (identical vectors); in two different m units of one g unit ``Cra = 1``; in
  two different g units ``Cra = 0`` (no shared unit: the pair is absent from
  ``int_city_pair_cra``, i.e. ``Cra = 0``);
- all zero: a city without patents has no technology vector and takes part in
  no pair (``Cra`` would be 0/0); METHOD gives it ``C = 0``,
  ``invention_patents = 0`` and ``no_patents_flag = true``, and it changes no
  other city's C.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.settings import MethodSettings
from analytics.synth.truth.complementarity import (
    PatentFlows,
    city_industry_complementarity,
    pairwise_cra,
    patent_flows,
)

TOL = 1e-12
CLASSES = ["A01", "A61", "B01", "B65", "G01", "G06", "H01", "H02", "H04"]  # m = class, g = section
CITIES = ["110100", "120100", "310100", "320500", "440300", "510100"]

count = st.one_of(
    st.integers(0, 30).map(float),
    st.floats(0.0, 1e3, allow_nan=False, allow_subnormal=False),
)


@st.composite
def count_vectors(draw, min_cities: int = 2, max_cities: int = 5):
    """{city: counts over CLASSES}, every city with at least one patent
    (some entries zero, some cities on a single unit)."""
    n = draw(st.integers(min_cities, max_cities))
    cities = draw(st.permutations(CITIES))[:n]
    out = {}
    for c in cities:
        if draw(st.booleans()):
            v = np.array(draw(st.lists(count, min_size=len(CLASSES), max_size=len(CLASSES))))
        else:
            v = np.zeros(len(CLASSES))
        if v.sum() <= 0:  # a city with patents: put them on one unit
            v[draw(st.integers(0, len(CLASSES) - 1))] = draw(st.floats(0.5, 1e3, allow_nan=False))
        out[c] = v
    return out


def vectors_frames(counts: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tg, tm) frames ``city_code, unit, value``: Tm the counts (zero entries
    kept), Tg their sums by section (the same codes at the coarse level)."""
    tm = pd.DataFrame(
        [(c, m, float(x)) for c, v in counts.items() for m, x in zip(CLASSES, v)],
        columns=["city_code", "unit", "value"],
    )
    tg = tm.assign(unit=tm["unit"].str[:1]).groupby(["city_code", "unit"], as_index=False)["value"].sum()
    return tg, tm


def oracle_cra(a: np.ndarray, b: np.ndarray) -> float:
    """METHOD §4 Eq. 1 from two count vectors over CLASSES."""
    sections = sorted({m[0] for m in CLASSES})
    agg = np.array([[m[0] == s for m in CLASSES] for s in sections], dtype=float)
    ga, gb = agg @ a, agg @ b
    return float((ga @ gb - a @ b) / (np.linalg.norm(ga) * np.linalg.norm(gb)))


@settings(max_examples=50)
@given(count_vectors())
def test_cra_symmetric_and_within_unit_interval(counts):
    tg, tm = vectors_frames(counts)
    cra = pairwise_cra(tg, tm)
    a = cra.to_numpy()
    assert list(cra.index) == sorted(counts) and list(cra.columns) == sorted(counts)
    assert np.isnan(np.diag(a)).all()  # j = J is not a pair
    off = ~np.eye(len(a), dtype=bool)
    assert np.all(a[off] >= -TOL) and np.all(a[off] <= 1 + TOL)
    np.testing.assert_allclose(a[off], a.T[off], rtol=0, atol=TOL)
    for j in counts:
        for J in counts:
            if j != J:
                assert cra.loc[j, J] == pytest.approx(oracle_cra(counts[j], counts[J]), abs=TOL)


@settings(max_examples=40)
@given(
    st.sampled_from(CLASSES),
    st.sampled_from(CLASSES),
    st.floats(0.5, 1e3, allow_nan=False),
    st.floats(0.5, 1e3, allow_nan=False),
)
def test_cra_single_unit_cities(m_j, m_J, a, b):
    """Each city's patents all in one m unit: 0 (same unit), 1 (same g, other
    m), 0 (other g), whatever the counts."""
    counts = {"110100": np.zeros(len(CLASSES)), "120100": np.zeros(len(CLASSES))}
    counts["110100"][CLASSES.index(m_j)] = a
    counts["120100"][CLASSES.index(m_J)] = b
    tg, tm = vectors_frames(counts)
    cra = pairwise_cra(tg, tm)
    want = 1.0 if (m_j != m_J and m_j[0] == m_J[0]) else 0.0
    assert cra.loc["110100", "120100"] == pytest.approx(want, abs=TOL)
    assert cra.loc["120100", "110100"] == pytest.approx(want, abs=TOL)


@settings(max_examples=15)
@given(count_vectors(min_cities=1, max_cities=4), st.integers(1, 2))
def test_city_without_patents_gets_zero_and_flag(counts, n_zero):
    """All-zero corner: cities with no patents (survey cells only) get C = 0,
    invention_patents = 0, no_patents_flag = true, and leave the other cities'
    C as without them."""
    tg, tm = vectors_frames(counts)
    k = "39"
    flows = PatentFlows(
        pd.DataFrame({"city_code": list(counts), "industry_code": k,
                      "patents": [float(v.sum()) for v in counts.values()]}),
        tg.assign(industry_code=k),
        tm.assign(industry_code=k),
    )
    empty = [c for c in CITIES if c not in counts][:n_zero]
    cells = pd.DataFrame({"city_code": list(counts) + empty, "industry_code": k})
    placebo = pd.Series(dtype=object)
    with_empty = city_industry_complementarity(2005, flows, cells, placebo, MethodSettings()).set_index("city_code")
    alone = city_industry_complementarity(2005, flows, cells.iloc[: len(counts)], placebo, MethodSettings())
    for c in empty:
        row = with_empty.loc[c]
        assert row["complementarity"] == 0.0 and row["invention_patents"] == 0.0 and bool(row["no_patents_flag"])
    alone = alone.set_index("city_code")
    assert not alone["no_patents_flag"].any()
    np.testing.assert_array_equal(with_empty.loc[alone.index, "complementarity"], alone["complementarity"])


IPC_SYMBOLS = [
    "H01L 21/02", "H01M 2/10", "H02J 7/00", "H04L 29/06", "G06F 3/00",
    "G06Q 10/00", "G01N 33/00", "A61K 9/00", "A01B 1/00", "B65D 81/00",
]
IPC_INDUSTRY = pd.DataFrame(
    {  # main subclass -> industry; some split over two industries
        "ipc": ["H01L", "H01L", "H01M", "H02J", "H04L", "G06F", "G06F", "G06Q", "G01N", "A61K", "A01B", "B65D"],
        "industry_code": ["39", "40", "39", "39", "39", "39", "40", "40", "40", "27", "13", "39"],
        "weight": [0.75, 0.25, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
    }
)
NO_NAME_MATCH = pd.DataFrame({"name_norm": ["Nobody"], "year": [2005], "industry_code": ["13"]})


@st.composite
def patents_tables(draw):
    n = draw(st.integers(2, 14))
    rows = []
    for i in range(n):
        codes = draw(st.lists(st.sampled_from(IPC_SYMBOLS), min_size=1, max_size=3))
        city = draw(st.sampled_from(CITIES))[:4] + draw(st.sampled_from(["01", "02", "05"]))
        rows.append(dict(application_id=f"P{i}", application_year=2005, applicant_name=f"Applicant {i}",
                         applicant_city_code=city, ipc_codes=";".join(codes), patent_type="invention"))
    return pd.DataFrame(rows)


@settings(max_examples=20)
@given(
    patents_tables(),
    st.sampled_from(["section_class", "class_subclass"]),
    st.sampled_from(["main", "fractional"]),
)
def test_cra_from_patents_at_every_ipc_level_and_counting(patents, levels, counting):
    """Through ``patent_flows`` (industry split by weight, both ``ipc_levels``,
    both ``ipc_counting``): every industry's Cra matrix is symmetric and in
    [0, 1], so the flows keep the two levels on the same codes."""
    s = MethodSettings(ipc_levels=levels, ipc_counting=counting)
    flows = patent_flows(patents, NO_NAME_MATCH, IPC_INDUSTRY, s)
    for k, pk in flows.patents.groupby("industry_code"):
        cities = pd.Index(sorted(pk.loc[pk["patents"] > 0, "city_code"]), name="city_code")
        tg = flows.tg[flows.tg["industry_code"] == k]
        tm = flows.tm[flows.tm["industry_code"] == k]
        a = pairwise_cra(tg, tm, cities).to_numpy()
        off = ~np.eye(len(a), dtype=bool)
        assert np.all(a[off] >= -TOL) and np.all(a[off] <= 1 + TOL)
        np.testing.assert_allclose(a[off], a.T[off], rtol=0, atol=TOL)
        # both levels count the same mass: sum Tg = sum Tm = Patent_Jkt
        for frame in (tg, tm):
            mass = frame.groupby("city_code")["value"].sum().reindex(cities)
            np.testing.assert_allclose(mass.to_numpy(), pk.set_index("city_code")["patents"].reindex(cities), rtol=1e-12)
