"""A firm's codes as a delivery of its year gives them back (analytics/synth/vintages.py): on hand-made
code tables, and on the project's own seeds for every county and industry the generator can draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ingest.codes import Codes
from analytics.synth import seeds, vintages
from analytics.synth.vendor import county_of_the_time


def s(*values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


CONCORDANCE = pd.DataFrame({
    "from_vintage": ["GB/T 4754-1994"] * 5 + ["GB/T 4754-2011"] * 2,
    "from_code": ["1311", "1312", "2740", "2750", "1713", "3921", "3921"],
    "code_2002": ["1310", "1310", "2750", "2760", "1721", "4011", "4012"],
    "weight": [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5],
})
ADMIN = pd.DataFrame({
    "code": ["500100", "500221", "500229", "340100", "341421"],
    "valid_from": [1998, 1998, 1998, 1998, 1998],
    "valid_to": [2014, 2000, 2014, 2014, 2010],
    "prefecture_base": ["500100", "500100", "500100", "340100", "340100"],
})
CODES = Codes(trade_modes={}, countries_by_code={}, countries_by_name={}, concordance=CONCORDANCE, admin=ADMIN,
              sources={})


def test_industry_codes_go_to_the_years_vintage_and_back():
    delivered, lossy = vintages.deliver_industry(s("1310", "2760", "1713", "2770"), 2000, CODES)
    # 1310: its smallest source; 2760: its source; 1713: none, and no 1994 code splits into it, so the source
    # of the nearest 2002 code of division 17 (1721, whose source is 1713); 2770: likewise 2760's source
    assert delivered.tolist() == ["1311", "2750", "1713", "2750"]
    assert lossy.tolist() == [False, False, True, True]
    back = CODES.industry_2002(delivered, 2000)[0]
    assert back.tolist()[:4] == ["1310", "2760", "1721", "2760"]
    # 2011: 3921 splits half and half between 4011 and 4012; the tie goes to 4011, so 4012 has no source: it
    # is delivered as 3921, the code that splits into it (and comes back as 4011)
    delivered, lossy = vintages.deliver_industry(s("4011", "4012"), 2013, CODES)
    assert delivered.tolist() == ["3921", "3921"] and lossy.tolist() == [False, True]
    # a division without any source code: the nearest manufacturing code's source
    delivered, lossy = vintages.deliver_industry(s("4320"), 2000, CODES)
    assert delivered.tolist() == ["2750"] and lossy.all()
    # years reporting in 2002 codes: as they are
    delivered, lossy = vintages.deliver_industry(s("1713"), 2005, CODES)
    assert delivered.tolist() == ["1713"] and not lossy.any()


def test_a_vintages_tables_are_built_once():
    """The concordance's targets and the delivery's sources of a vintage are
    derived once per code tables (``Codes.memo``): another year of the same
    vintage gets the same objects, another vintage its own; the memo is no
    part of the tables' equality."""
    codes = Codes(trade_modes={}, countries_by_code={}, countries_by_name={}, concordance=CONCORDANCE, admin=ADMIN,
                  sources={})
    first = vintages.industry_sources(codes, 1999)
    listed = {"1310": "1311", "2750": "2740", "2760": "2750", "1721": "1713"}
    assert {t: first[t] for t in listed} == listed
    assert vintages.industry_sources(codes, 2001) is first  # the same vintage (GB/T 4754-1994)
    later = vintages.industry_sources(codes, 2013)
    assert later is not first and later["4011"] == "3921" and "1310" not in later
    assert vintages.industry_sources(codes, 2005) == {}  # 2002 codes: nothing to derive
    built = []
    assert codes.memo("k", lambda: built.append(1) or "v") == codes.memo("k", lambda: built.append(1) or "w") == "v"
    assert built == [1]
    assert codes == CODES and repr(codes) == repr(CODES)  # filled memo against an empty one
    # the memoised targets give what the concordance says, built (cold) and reused (warm): 1311 listed, 1319
    # through its group 131, 3921 (a 2011 code) unknown in a 1994 year
    fresh = Codes(trade_modes={}, countries_by_code={}, countries_by_name={}, concordance=CONCORDANCE, admin=ADMIN,
                  sources={})
    for _ in ("cold", "warm"):
        out, converted, by_group, missing = fresh.industry_2002(s("1311", "1319", "3921"), 2000)
        assert out.tolist()[:2] == ["1310", "1310"] and pd.isna(out.iloc[2])
        assert by_group.tolist() == [False, True, False] and missing.tolist() == [False, False, True]


def test_an_industry_is_what_its_delivery_converts_into():
    codes = s("1310", "2760", "1713", "2770", "4320")
    assert vintages.industry_given_back(codes, 2000, CODES).tolist() == ["1310", "2760", "1721", "2760", "2760"]
    assert vintages.industry_given_back(codes, 2005, CODES).tolist() == codes.tolist()
    assert vintages.industry_given_back(s("4011", "4012"), 2013, CODES).tolist() == ["4011", "4011"]


def test_firm_year_codes_by_year():
    county = np.array(["500229", "500112", "330106", "341421", "341421", "500229"])
    industry = np.array(["1713", "2760", "1713", "4011", "4012", "1713"])
    year = np.array([2000, 2000, 2005, 2005, 2013, 2005])
    c, i = vintages.firm_year_codes(county, industry, year, CODES)
    # Chongqing's county and Chaohu's (listed to 2010, and after it by its nearest span) go to the prefecture
    # that holds them in the base year; a code of its own prefecture, or one the table does not know, stays
    assert c.tolist() == ["500100", "500112", "330106", "340100", "340100", "500100"]
    assert i.tolist() == ["1721", "2760", "1713", "4011", "4011", "1713"]


@pytest.fixture(scope="module")
def project():
    return vintages.project_codes()


@pytest.mark.parametrize("year", [1998, 2002, 2012, 2014])
def test_every_industry_the_generator_draws_comes_back_as_written(project, year):
    """On the shipped concordance: each 4-digit code the generator can draw, as written for the year,
    is delivered as a code of the year's vintage that ingest converts into exactly it."""
    drawn = pd.Series(sorted(seeds.INDUSTRY4), dtype=object)
    written = vintages.industry_given_back(drawn, year, project)
    delivered, lossy = vintages.deliver_industry(written, year, project)
    assert not lossy.any(), written[lossy].tolist()
    back, _, _, refused = project.industry_2002(delivered, year)
    assert not refused.any() and back.tolist() == written.tolist()
    assert (written != drawn).any()  # the shipped tables have codes no code of the vintage converts into


def test_every_county_the_generator_draws_comes_back_as_written(project):
    """On the shipped admin_codes: each county of the catalogue, as written for each year, is not moved by
    ingest, and a prefecture delivered as a county code of the time comes back."""
    from analytics.synth.catalogue import build_catalogue

    counties = build_catalogue().counties["county_code"].to_numpy()
    years = np.arange(1998, 2015)
    county = np.repeat(counties, len(years))
    year = np.tile(years, len(counties))
    written, _ = vintages.firm_year_codes(county, np.full(len(county), "1310"), year, project)
    assert (written != county).any()  # Chongqing's counties 5002xx
    for y in years:
        at = pd.Series(written[year == y], dtype=object).drop_duplicates()
        assert not project.prefecture_unit(at, int(y))[1].any()
        then = county_of_the_time(at, at, int(y), project)
        assert then.notna().any()
        back, moved = project.prefecture_unit(then.dropna(), int(y))
        assert moved.all() and (back == at[then.notna()]).all()
