"""Which years a raw change makes stale (analytics.fingerprints), on hand-made
fingerprints and on a small raw root written here."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics.fingerprints import (ALL_YEARS, PER_YEAR_REFERENCE, FileHashes, changed_tables, inputs_frame,
                                    raw_fingerprints, stale_cross, stale_years, year_inputs)
from analytics.rawio import REFERENCE_TABLES, write_reference
from analytics.settings import DEFAULT_SETTINGS

YEARS = [2003, 2004, 2005]


def _fps(**override) -> pd.DataFrame:
    rows = [(t, y, f"{t}-{y}-v1") for t in ("customs_transactions", "patents", "firm_survey") for y in
            [2002, *YEARS]]
    rows += [(f"reference/{t}", ALL_YEARS, f"{t}-v1") for t in REFERENCE_TABLES]
    df = pd.DataFrame(rows, columns=["table", "year", "fingerprint"])
    for key, fp in override.items():
        table, year = key.rsplit("_", 1) if key[-1].isdigit() else (key, str(ALL_YEARS))
        hit = (df["table"] == table.replace("__", "/")) & (df["year"] == int(year))
        assert hit.sum() == 1, key
        df.loc[hit, "fingerprint"] = fp
    return df


def _recorded(settings=DEFAULT_SETTINGS) -> pd.DataFrame:
    return inputs_frame(_fps(), YEARS, settings)


def test_nothing_changed_nothing_stale():
    assert stale_years(_recorded(), _fps(), YEARS, DEFAULT_SETTINGS) == {}


def test_never_built_is_stale():
    assert stale_years(None, _fps(), YEARS, DEFAULT_SETTINGS) == {y: ["never built"] for y in YEARS}
    part = _recorded()[lambda d: d["year"] != 2005]
    assert stale_years(part, _fps(), YEARS, DEFAULT_SETTINGS) == {2005: ["never built"]}


def test_customs_change_touches_its_year_only():
    got = stale_years(_recorded(), _fps(customs_transactions_2004="new"), YEARS, DEFAULT_SETTINGS)
    assert got == {2004: ["customs_transactions/year=2004 changed"]}


def test_patents_change_touches_the_years_whose_window_holds_it():
    fps = _fps(patents_2003="new")
    assert stale_years(_recorded(), fps, YEARS, DEFAULT_SETTINGS) == {2003: ["patents/year=2003 changed"]}
    s3 = dataclasses.replace(DEFAULT_SETTINGS, patent_window_years=3)
    got = stale_years(_recorded(s3), fps, YEARS, s3)
    assert sorted(got) == [2003, 2004, 2005]  # windows 2001-03, 2002-04, 2003-05
    # a patent year before the sample (2002) moves 2003 and 2004 under a 3-year window
    got = stale_years(_recorded(s3), _fps(patents_2002="new"), YEARS, s3)
    assert sorted(got) == [2003, 2004]


def test_survey_change_touches_every_year():
    """The patent-industry match takes the same or nearest survey year's names."""
    got = stale_years(_recorded(), _fps(firm_survey_2002="new"), YEARS, DEFAULT_SETTINGS)
    assert got == {y: ["firm_survey/year=2002 changed"] for y in YEARS}


def test_reference_and_settings_changes_touch_every_year():
    got = stale_years(_recorded(), _fps(reference__cities="new"), YEARS, DEFAULT_SETTINGS)
    assert got == {y: ["reference/cities changed"] for y in YEARS}
    other = dataclasses.replace(DEFAULT_SETTINGS, ipc_counting="fractional")
    got = stale_years(_recorded(), _fps(), YEARS, other)
    assert got == {y: ["the METHOD settings changed"] for y in YEARS}


def test_added_year_folder_is_a_change():
    fps = _fps()
    rec = inputs_frame(fps[fps["year"] != 2005], [2005], DEFAULT_SETTINGS)  # built when 2005 had no folders
    got = stale_years(rec, fps, [2005], DEFAULT_SETTINGS)
    assert list(got) == [2005]
    assert sorted(got[2005]) == ["customs_transactions/year=2005 added", "firm_survey/year=2005 added",
                                 "patents/year=2005 added"]


def test_year_inputs_lists_what_a_year_reads():
    keys = set(year_inputs(_fps(), 2004, DEFAULT_SETTINGS))
    assert {"settings", "customs_transactions/year=2004", "patents/year=2004"} <= keys
    assert {f"firm_survey/year={y}" for y in [2002, *YEARS]} <= keys
    assert {f"reference/{t}" for t in PER_YEAR_REFERENCE} <= keys
    assert "customs_transactions/year=2003" not in keys and "patents/year=2003" not in keys
    # read by cross-year models only (market access, the panel's controls, the IV's policy)
    assert not {"reference/city_year", "reference/hs_industry", "reference/province_industry_policy"} & keys


def test_cross_year_reference_tables_touch_no_year():
    got = stale_years(_recorded(), _fps(reference__city_year="new", reference__hs_industry="new"), YEARS,
                      DEFAULT_SETTINGS)
    assert got == {}


def test_exchange_rates_are_an_input_of_their_own_year_only(tmp_path):
    """A year's DVAR converts its survey at its own year's rate: a rate added for
    2006 or corrected for 2004 touches that year alone."""
    root = tmp_path / "raw"
    rates = pd.DataFrame({"year": [2003, 2004, 2005], "cny_per_usd": [8.28, 8.28, 8.19]})
    write_reference(root, "exchange_rates", rates)
    fps = raw_fingerprints(root)
    assert set(fps.loc[fps["table"] == "reference/exchange_rates", "year"]) == {2003, 2004, 2005}
    assert "reference/exchange_rates/year=2004" in year_inputs(fps, 2004, DEFAULT_SETTINGS)
    rec = inputs_frame(fps, YEARS, DEFAULT_SETTINGS)
    write_reference(root, "exchange_rates", pd.concat([rates, pd.DataFrame({"year": [2006], "cny_per_usd": [7.97]})]))
    assert stale_years(rec, raw_fingerprints(root), YEARS, DEFAULT_SETTINGS) == {}
    rates.loc[1, "cny_per_usd"] = 8.2765
    write_reference(root, "exchange_rates", rates)
    got = stale_years(rec, raw_fingerprints(root), YEARS, DEFAULT_SETTINGS)
    assert got == {2004: ["reference/exchange_rates/year=2004 changed"]}


def test_raw_fingerprints_follow_content_not_timestamps(tmp_path):
    root = tmp_path / "raw"
    for y in (2003, 2004):
        d = root / "customs_transactions" / f"year={y}"
        d.mkdir(parents=True)
        pd.DataFrame({"a": [y, y + 1]}).to_parquet(d / "part-0.parquet")
    (root / "reference" / "cities").mkdir(parents=True)
    pd.DataFrame({"city_code": ["110000"]}).to_csv(root / "reference" / "cities" / "cities.csv", index=False)
    a = raw_fingerprints(root).set_index(["table", "year"])["fingerprint"]
    assert set(a.index) == {("customs_transactions", 2003), ("customs_transactions", 2004),
                            ("reference/cities", ALL_YEARS)}
    f = root / "customs_transactions" / "year=2004" / "part-0.parquet"
    f.write_bytes(f.read_bytes())  # same bytes, new mtime
    b = raw_fingerprints(root).set_index(["table", "year"])["fingerprint"]
    assert a.equals(b)
    pd.DataFrame({"a": [1, 2]}).to_parquet(f)  # new content
    c = raw_fingerprints(root).set_index(["table", "year"])["fingerprint"]
    assert c[("customs_transactions", 2004)] != a[("customs_transactions", 2004)]
    assert c[("customs_transactions", 2003)] == a[("customs_transactions", 2003)]


def test_known_digests_spare_reading_unchanged_files(tmp_path, monkeypatch):
    """The sensor's every-minute look reads only files whose size, mtime or
    inode moved; the fingerprints are those of a full read; a file rewritten
    with other content is read again, also through the saved digests."""
    import analytics.fingerprints as fpmod

    root = tmp_path / "raw"
    files = []
    for y in (2003, 2004):
        d = root / "customs_transactions" / f"year={y}"
        d.mkdir(parents=True)
        pd.DataFrame({"a": [y, y + 1]}).to_parquet(d / "part-0.parquet")
        files.append(d / "part-0.parquet")
    read = []
    real = fpmod.file_sha256
    monkeypatch.setattr(fpmod, "file_sha256", lambda p: read.append(p.name) or real(p))
    full = raw_fingerprints(root)
    assert len(read) == 2
    hashes = FileHashes()
    first = raw_fingerprints(root, hashes)
    pd.testing.assert_frame_equal(first, full)
    hashes.save(tmp_path / "hashes.json")
    read.clear()
    again = FileHashes.load(tmp_path / "hashes.json")
    pd.testing.assert_frame_equal(raw_fingerprints(root, again), full)
    assert read == [] and not again.changed
    pd.DataFrame({"a": [7, 8, 9]}).to_parquet(files[1])  # new content (size and mtime move)
    moved = raw_fingerprints(root, again).set_index(["table", "year"])["fingerprint"]
    assert read == ["part-0.parquet"] and again.changed
    assert moved[("customs_transactions", 2004)] != full.set_index(["table", "year"])["fingerprint"][
        ("customs_transactions", 2004)]
    assert FileHashes.load(tmp_path / "missing.json").known == {}


@pytest.mark.parametrize("bad", [0, -2])
def test_window_setting_is_checked(bad):
    with pytest.raises(ValueError):
        dataclasses.replace(DEFAULT_SETTINGS, patent_window_years=bad)


CODE = {"per_year": "p1", "cross_year": "c1"}


def _built(settings=DEFAULT_SETTINGS, code=CODE) -> pd.DataFrame:
    """What a whole build records: the years' inputs and the cross-year work's (year -1)."""
    return inputs_frame(_fps(), YEARS, settings, code, cross=True)


@pytest.mark.parametrize("table", REFERENCE_TABLES)
def test_every_reference_table_triggers_its_rebuild(table):
    """A changed reference table makes every year stale when a per-year model reads it,
    else the cross-year work alone -- never nothing."""
    fps = _fps(**{f"reference__{table}": "new"})
    years = stale_years(_built(), fps, YEARS, DEFAULT_SETTINGS, CODE)
    cross = stale_cross(_built(), fps, DEFAULT_SETTINGS, CODE)
    assert cross == [f"reference/{table} changed"]
    if table in PER_YEAR_REFERENCE:
        assert years == {y: [f"reference/{table} changed"] for y in YEARS}
    else:
        assert years == {}


def test_nothing_changed_leaves_the_cross_year_work_current():
    assert stale_cross(_built(), _fps(), DEFAULT_SETTINGS, CODE) == []
    assert stale_years(_built(), _fps(), YEARS, DEFAULT_SETTINGS, CODE) == {}


def test_year_range_setting_is_a_cross_year_input_only():
    wider = dataclasses.replace(DEFAULT_SETTINGS, exclude_years=())
    assert stale_years(_built(), _fps(), YEARS, wider, CODE) == {}
    assert stale_cross(_built(), _fps(), wider, CODE) == ["the METHOD settings changed"]


def test_code_versions_are_inputs():
    per_year = {**CODE, "per_year": "p2"}
    assert stale_years(_built(), _fps(), YEARS, DEFAULT_SETTINGS, per_year) == {
        y: ["the code of the per-year models changed"] for y in YEARS}
    cross = {**CODE, "cross_year": "c2"}
    assert stale_years(_built(), _fps(), YEARS, DEFAULT_SETTINGS, cross) == {}
    assert stale_cross(_built(), _fps(), DEFAULT_SETTINGS, cross) == ["the code of the cross-year models changed"]


def test_a_warehouse_without_cross_year_inputs_reruns_them_once():
    old = inputs_frame(_fps(), YEARS, DEFAULT_SETTINGS, CODE)  # a build that recorded years only
    assert stale_cross(old, _fps(), DEFAULT_SETTINGS, CODE) == ["the cross-year inputs were never recorded"]
    assert stale_cross(None, _fps(), DEFAULT_SETTINGS, CODE) == []  # nothing built: the years say so


def _recorded_with_cross(settings=DEFAULT_SETTINGS, code=None) -> pd.DataFrame:
    return inputs_frame(_fps(), YEARS, settings, code, cross=True)


def test_changed_tables_name_what_moved():
    """Only what reads the changed tables reruns: a customs year, a survey year,
    reference tables read per year or only across years."""
    rec = _recorded_with_cross()
    assert changed_tables(rec, _fps(), YEARS, DEFAULT_SETTINGS) == set()
    assert changed_tables(rec, _fps(customs_transactions_2004="new"), [2004], DEFAULT_SETTINGS) == \
        {"customs_transactions"}
    assert changed_tables(rec, _fps(firm_survey_2002="new", patents_2003="new"), YEARS, DEFAULT_SETTINGS) == \
        {"firm_survey", "patents"}
    assert changed_tables(rec, _fps(reference__cities="new", reference__city_year="new"), YEARS,
                          DEFAULT_SETTINGS) == {"reference/cities", "reference/city_year"}


def test_changed_tables_none_when_everything_reruns():
    """A setting, the code, a year never built or nothing recorded reach every model."""
    code = {"per_year": "a", "cross_year": "b"}
    rec = _recorded_with_cross(code=code)
    other = dataclasses.replace(DEFAULT_SETTINGS, ipc_counting="fractional")
    assert changed_tables(rec, _fps(), YEARS, other) is None
    assert changed_tables(rec, _fps(), YEARS, DEFAULT_SETTINGS, {"per_year": "a", "cross_year": "c"}) is None
    assert changed_tables(rec, _fps(), YEARS, DEFAULT_SETTINGS, {"per_year": "z", "cross_year": "b"}) is None
    assert changed_tables(rec, _fps(), [*YEARS, 2006], DEFAULT_SETTINGS, code) is None  # 2006 never built
    assert changed_tables(None, _fps(), YEARS, DEFAULT_SETTINGS) is None
    wider = dataclasses.replace(DEFAULT_SETTINGS, year_end=2013)  # the year range: the cross-year work's input
    assert changed_tables(rec, _fps(), YEARS, wider, code) is None
