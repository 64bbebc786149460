"""Properties: city x industry complementarity ``C`` is invariant to relabelling
cities, and what exactly happens when patent counts are scaled.

Formula: METHOD §4 (the paper's Eq. 2)::

    C_jkt = sum_{J != j} w_Jkt Cra_jJkt,   w_Jkt = Patent_Jkt / D

``D`` the national total of k in t, j included (``weight_denominator =
"national"``, the default) or the partners' total ``P - P_j``
(``"partners"``; C = 0 without partners).  Implemented by
``analytics.synth.truth.complementarity.complementarity`` and, for the mart's
cells (survey-only cells with ``C = 0`` and the flag, placebo C),
``city_industry_complementarity``; dbt twin
``dbt_project/models/marts/fct_city_industry_complementarity.sql``.

1. Relabelling.  Nothing in Eq. 1-2 depends on a city's code: under a
   bijection pi of city codes, ``C'(pi(j), k) = C(j, k)`` for every cell, and
   the same for placebo C, ``invention_patents`` and ``no_patents_flag``.
2. Scaling.  Scaling city J's patents by lambda > 0 (``Tg_J``, ``Tm_J`` and
   ``Patent_J``, as duplicating each of its patents would) leaves every
   ``Cra_jJ`` unchanged (numerator and ``||Tg_J||`` both scale by lambda), but
   the weights change.  With ``P = sum_all Patent``, ``W_j = sum_{J' != j}
   Patent_J' Cra_jJ'``:

   - ``"partners"``: ``C_J = W_J / (P - P_J)`` does not involve ``P_J``:
     C of the scaled city is invariant (exactly, by the formula);
   - ``"national"`` (default): ``C_J = W_J / P`` becomes
     ``W_J / (P + (lambda - 1) P_J)``, i.e. ``C_J(lambda) = C_J P / (P +
     (lambda - 1) P_J)``; NOT invariant unless ``C_J = 0`` (its own patents
     enter the national denominator);
   - every other city j: ``C_j(lambda) = (W_j + (lambda - 1) P_J Cra_jJ) /
     (D_j + (lambda - 1) P_J)`` with ``D_j = P`` (national) or ``P - P_j``
     (partners): not invariant in either case.

   Scaling ALL cities of an industry-year by the same lambda leaves every C
   unchanged under both denominators (C is homogeneous of degree 0).  The
   tests check these exact laws, not a weakened invariance.
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
    complementarity,
    pairwise_cra,
)

TOL = 1e-12
CLASSES = ["A01", "A61", "B01", "G01", "G06", "H01", "H02", "H04"]  # m = class, g = section
CITIES = ["110100", "120100", "310100", "320500", "440300", "510100", "610100"]
INDUSTRIES = ["39", "40"]
PLACEBO = pd.Series({"39": "40", "40": "39"}, name="placebo_industry")
DENOMINATORS = ["national", "partners"]

count = st.one_of(st.integers(0, 20).map(float), st.floats(0.0, 100.0, allow_nan=False, allow_subnormal=False))
factor = st.one_of(st.integers(2, 5).map(float), st.floats(1e-3, 1e3, allow_nan=False))


@st.composite
def worlds(draw, industries=INDUSTRIES):
    """{(city, industry): counts over CLASSES}, each with at least one patent;
    2-5 cities per industry."""
    out = {}
    for k in industries:
        cities = draw(st.permutations(CITIES))[: draw(st.integers(2, 5))]
        for c in cities:
            v = np.array(draw(st.lists(count, min_size=len(CLASSES), max_size=len(CLASSES))))
            if v.sum() <= 0:
                v[draw(st.integers(0, len(CLASSES) - 1))] = draw(st.floats(0.5, 50.0))
            out[(c, k)] = v
    return out


def flows_of(world: dict) -> PatentFlows:
    """PatentFlows with Tm = the counts, Tg = their sums by section and
    Patent = the counts' total (main-code counting: one unit per patent)."""
    tm = pd.DataFrame(
        [(c, k, m, float(x)) for (c, k), v in world.items() for m, x in zip(CLASSES, v) if x > 0],
        columns=["city_code", "industry_code", "unit", "value"],
    )
    tg = tm.assign(unit=tm["unit"].str[:1]).groupby(["city_code", "industry_code", "unit"], as_index=False)["value"].sum()
    pat = pd.DataFrame(
        [(c, k, float(v.sum())) for (c, k), v in world.items()], columns=["city_code", "industry_code", "patents"]
    )
    return PatentFlows(pat, tg, tm)


def c_of(world: dict, denominator: str) -> pd.Series:
    out = complementarity(flows_of(world), denominator)
    return out.set_index(["city_code", "industry_code"])["complementarity"]


@settings(max_examples=15)
@given(worlds(), st.permutations(CITIES), st.sampled_from(DENOMINATORS), st.lists(st.sampled_from(CITIES), max_size=3))
def test_c_invariant_to_relabelling_cities(world, perm, denominator, survey_only):
    """C'(pi(j), k) = C(j, k) for every mart cell (with placebo C, patents, flag)."""
    pi = dict(zip(CITIES, perm))
    s = MethodSettings(weight_denominator=denominator)
    cells = pd.DataFrame(
        [(c, k) for (c, k) in world] + [(c, k) for c in survey_only for k in INDUSTRIES],
        columns=["city_code", "industry_code"],
    ).drop_duplicates()
    before = city_industry_complementarity(2005, flows_of(world), cells, PLACEBO, s)
    relabelled = {(pi[c], k): v for (c, k), v in world.items()}
    after = city_industry_complementarity(
        2005, flows_of(relabelled), cells.assign(city_code=cells["city_code"].map(pi)), PLACEBO, s
    )
    assert len(after) == len(before)
    want = before.assign(city_code=before["city_code"].map(pi)).set_index(["city_code", "industry_code"])
    got = after.set_index(["city_code", "industry_code"]).loc[want.index]
    for col in ("complementarity", "placebo_complementarity", "invention_patents"):
        np.testing.assert_allclose(got[col], want[col], rtol=0, atol=TOL, err_msg=col)
    assert (got["no_patents_flag"].to_numpy() == want["no_patents_flag"].to_numpy()).all()


@settings(max_examples=25)
@given(worlds(industries=["39"]), factor, st.data())
def test_cra_invariant_to_scaling_one_city(world, lam, data):
    """Cra_jJ is homogeneous of degree 0 in each city's vectors."""
    J = data.draw(st.sampled_from(sorted(world)))
    f0, f1 = flows_of(world), flows_of({key: v * lam if key == J else v for key, v in world.items()})
    a = pairwise_cra(f0.tg, f0.tm).to_numpy()
    b = pairwise_cra(f1.tg, f1.tm).to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-10, atol=TOL)


@settings(max_examples=20)
@given(worlds(), factor, st.sampled_from(DENOMINATORS))
def test_c_invariant_to_scaling_every_city(world, lam, denominator):
    """The same lambda for every city of every industry: C unchanged."""
    c0 = c_of(world, denominator)
    c1 = c_of({key: v * lam for key, v in world.items()}, denominator)
    np.testing.assert_allclose(c1.loc[c0.index], c0, rtol=1e-10, atol=TOL)


@settings(max_examples=30)
@given(worlds(industries=["39"]), factor, st.sampled_from(DENOMINATORS), st.data())
def test_c_when_one_city_is_scaled(world, lam, denominator, data):
    """Scaling city J by lambda: ``partners`` keeps C_J exactly; ``national``
    gives C_J P / (P + (lambda - 1) P_J); every other city follows
    (W_j + (lambda - 1) P_J Cra_jJ) / (D_j + (lambda - 1) P_J)."""
    key_J = data.draw(st.sampled_from(sorted(world)))
    J = key_J[0]
    P_by = pd.Series({c: float(v.sum()) for (c, _), v in world.items()})
    P, P_J = P_by.sum(), P_by[J]
    f0 = flows_of(world)
    cra = pairwise_cra(f0.tg, f0.tm)
    c0 = c_of(world, denominator).xs("39", level="industry_code")
    c1 = c_of({key: v * lam if key == key_J else v for key, v in world.items()}, denominator).xs(
        "39", level="industry_code"
    )
    d = lam - 1.0
    for j in P_by.index:
        D_j = P if denominator == "national" else P - P_by[j]
        if j == J:
            want = c0[J] if denominator == "partners" else c0[J] * P / (P + d * P_J)
        else:
            want = (c0[j] * D_j + d * P_J * cra.loc[j, J]) / (D_j + d * P_J)
        assert c1[j] == pytest.approx(want, rel=1e-9, abs=TOL), (j, J, denominator)
    if denominator == "national" and c0[J] > 1e-6 and abs(d) > 1e-3:
        assert c1[J] != pytest.approx(c0[J], rel=1e-9)  # no scale invariance by the formula


def test_c_changes_when_one_city_changes_non_proportionally():
    """Sanity: the invariances above are not trivial.  j: 10 in H01, J: 10 in
    H02, L: 10 in A01.  Cra_jJ = 1, so C_j = 10/30.  Moving half of J's
    patents to H01 (same total, not proportional) gives Tg.Tg = 100, Tm.Tm =
    50, ||Tg_J|| = 10: Cra_jJ = 0.5 and C_j = 5/30."""
    z = np.zeros(len(CLASSES))
    h01, h02, a01 = (CLASSES.index(m) for m in ("H01", "H02", "A01"))
    j, J, L = z.copy(), z.copy(), z.copy()
    j[h01], J[h02], L[a01] = 10, 10, 10
    base = {("110100", "39"): j, ("120100", "39"): J, ("310100", "39"): L}
    J2 = z.copy()
    J2[h01], J2[h02] = 5, 5
    moved = {**base, ("120100", "39"): J2}
    for denominator, before, after in (("national", 10 / 30, 5 / 30), ("partners", 10 / 20, 5 / 20)):
        assert c_of(base, denominator)[("110100", "39")] == pytest.approx(before)
        assert c_of(moved, denominator)[("110100", "39")] == pytest.approx(after)
