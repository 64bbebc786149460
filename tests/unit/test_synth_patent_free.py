"""Cells without invention patents that stay without (SynthParams.patent_free_cells).

By default a cell's invention patents are Poisson, so a small cell has none
in early years and gets its first ones as the national count grows. With a
``patent_free_cells`` share, that share of cells (the smallest expected
counts) never has one, and every other cell has at least one every year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.synth.catalogue import build_catalogue
from analytics.synth.config import SynthParams
from analytics.synth.patents import build_ipc_mix, patent_free, patents_for_year


def test_the_smallest_expected_counts_are_the_free_cells():
    assert patent_free(np.array([5.0, 1.0, 3.0, 2.0]), 0.5).tolist() == [False, True, False, True]
    assert patent_free(np.array([5.0, 1.0, 3.0]), 0.0).tolist() == [False, False, False]
    assert patent_free(np.array([2.0, 2.0, 1.0]), 0.34).tolist() == [False, False, True]  # round(1.02) cells
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="patent_free_cells"):
            patent_free(np.array([1.0, 2.0]), bad)


def _inventions_per_city(free: list[bool] | None) -> pd.DataFrame:
    """Invention patents per city and year of two one-industry cities with tiny expected counts."""
    cat = build_catalogue(None)
    mix, _ = build_ipc_mix(cat.ipc_structure, ["17"], np.random.default_rng(0), cat.ipc_industry)
    cells = pd.DataFrame({"city_code": ["110100", "120100"], "industry_code": "17", "lam_share": 0.5,
                          "cell_effect": 1.0, "z": 0.0, "u": 0.0})
    if free is not None:
        cells["patent_free"] = free
    applicants = pd.DataFrame({"fid": pd.Series([], dtype="int64"), "firm_name": pd.Series([], dtype=object),
                               "city_code": pd.Series([], dtype=object), "industry_code": pd.Series([], dtype=object),
                               "innov": pd.Series([], dtype=float)})
    counties = {"110100": ["110101"], "120100": ["120101"]}
    rows = []
    for t in range(2000, 2015):
        pats, _ = patents_for_year(t, cells, mix, applicants, counties, {"110100": "北京", "120100": "天津"},
                                   SynthParams(), 1, np.random.default_rng(t))
        inv = pats[(pats["patent_type"] == "invention") & ~pats["applicant_city_code"].isin(["429004", "429005",
                   "429006", "429021", "469001", "469002", "659001"])]
        for city, county in (("110100", "110101"), ("120100", "120101")):
            rows.append({"year": t, "city_code": city, "n": int((inv["applicant_city_code"] == county).sum())})
    return pd.DataFrame(rows).pivot(index="year", columns="city_code", values="n")


def test_free_cells_never_patent_and_the_others_always_do():
    poisson = _inventions_per_city(None)
    assert (poisson == 0).any().all()  # by default a small cell lacks patents in some years
    designed = _inventions_per_city([True, False])
    assert (designed["110100"] == 0).all()
    assert (designed["120100"] >= 1).all()
