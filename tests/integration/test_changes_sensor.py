"""The raw-changes sensor of `gvc ui` (orchestration.changes): a changed year
of raw files makes it request that year's per-year run, then one cross-year
run tagged with the year; nothing changed, or the same change again, is a skip."""

from __future__ import annotations

import shutil

import dagster as dg
import pandas as pd

from analytics.fingerprints import inputs_frame, raw_fingerprints
from analytics.settings import DEFAULT_SETTINGS
from analytics.rawio import read_reference, write_reference
from orchestration.changes import YEARS_TAG, code_versions, record_build_inputs, years_of_run
from orchestration.definitions import make_definitions
from orchestration.resources import GvcResource


def _tick(defs, raw, wh, cursor=None):
    sensor = defs.get_sensor_def("raw_changes_sensor")
    # GvcResource has a run lifecycle (the writer lock): its context opens it, and outside a run takes no lock
    with dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), cursor=cursor,
                                 repository_def=defs.get_repository_def(),
                                 resources={"gvc": GvcResource(raw_root=str(raw), warehouse=str(wh))}) as ctx:
        return sensor.evaluate_tick(ctx)


def test_sensor_requests_the_changed_year_then_the_cross_year_assets(tiny_world, tmp_path):
    root, _ = tiny_world
    raw = tmp_path / "raw"
    shutil.copytree(root, raw)
    wh = tmp_path / "w.duckdb"
    years = list(DEFAULT_SETTINGS.years)
    record_build_inputs(wh, inputs_frame(raw_fingerprints(raw), years, DEFAULT_SETTINGS, code_versions(), cross=True))
    defs = make_definitions(raw, wh)

    first = _tick(defs, raw, wh)
    assert not first.run_requests and "no raw file, setting or model changed" in first.skip_message

    # a reference table only the cross-year models read: one cross-year run, no year
    cy = read_reference(raw, "city_year")
    cy.loc[cy.index[0], "gdp"] = float(cy["gdp"].iloc[0]) * 1.01
    write_reference(raw, "city_year", cy)
    res = _tick(defs, raw, wh)
    assert [r.partition_key for r in res.run_requests] == [None]
    assert res.run_requests[0].tags[YEARS_TAG] == ""
    assert res.run_requests[0].tags["gvc/reason"] == "reference/city_year changed"
    record_build_inputs(wh, inputs_frame(raw_fingerprints(raw), [], DEFAULT_SETTINGS, code_versions(), cross=True))

    f = raw / "customs_transactions" / "year=2004" / "part-0.parquet"
    cu = pd.read_parquet(f)
    cu.loc[cu.index[:5], "value_usd"] += 1.0
    cu.to_parquet(f, index=False)
    res = _tick(defs, raw, wh)
    reqs = res.run_requests
    assert [r.partition_key for r in reqs] == ["2004", None]
    assert reqs[0].tags["gvc/reason"] == "customs_transactions/year=2004 changed"
    yearly = {k.to_user_string() for k in reqs[0].asset_selection}
    cross = {k.to_user_string() for k in reqs[1].asset_selection}
    assert {"raw/customs_transactions", "fct_firm_year_dvar", "int_customs_harmonised"} <= yearly
    # only what reads the changed customs: no reference table, no patents' or survey-wide model
    assert not {"reference/cities", "int_city_pair_cra", "int_survey_panel_ids"} & yearly
    assert {"fct_firm_panel", "estimation/table7", "report/report", "meta/build_inputs"} <= cross
    assert not {"int_firm_year_inventions", "int_city_industry_instruments"} & cross
    assert not yearly & cross
    assert reqs[1].tags[YEARS_TAG] == "2004"

    again = _tick(defs, raw, wh, cursor=res.cursor)  # runs requested, not yet recorded: no second request
    assert not again.run_requests and "already requested" in again.skip_message


def test_years_of_run_from_tags():
    years = DEFAULT_SETTINGS.years
    assert years_of_run({YEARS_TAG: "2004,2001"}, years) == [2001, 2004]
    assert years_of_run({"dagster/asset_partition_range_start": "2009",
                         "dagster/asset_partition_range_end": "2011"}, years) == [2009, 2011]  # 2010 excluded
    assert years_of_run({}, years) == []
