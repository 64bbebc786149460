"""`gvc build --changed`: a changed year of raw files rebuilds that
year's per-year partitions and then the cross-year assets, nothing else --
proved by the Dagster run records and by the other years' unchanged rows.
Of those, only what reads the changed raw table reruns (a customs file moves
neither the survey-wide models nor the patents' models), and a Python asset
whose inputs did not move keeps its tables; the result equals a fresh build
of the corrected raw root, table for table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from orchestration.build import build
from orchestration.changes import read_build_inputs
from orchestration.cli import _instance
from orchestration.cli import main as gvc
from tests.warehouses import table_differences

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PER_YEAR_MARTS = ["fct_firm_year_dvar", "fct_city_industry_complementarity"]


def _rows(wh, table: str, where: str) -> pd.DataFrame:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        df = con.execute(f"select * from marts.{table} where {where}").df()
    finally:
        con.close()
    return df.sort_values(list(df.columns[:3])).reset_index(drop=True)


def test_changed_year_rebuilds_only_that_year(tiny_warehouse, tmp_path, capsys):
    root, wh = tiny_warehouse
    raw = tmp_path / "raw"
    shutil.copytree(root, raw)
    wh2 = tmp_path / "rebuilt" / "warehouse.duckdb"  # the shared build's name: dbt reuses its parse
    wh2.parent.mkdir()
    shutil.copy2(wh, wh2)
    rec = read_build_inputs(wh2)
    # every sample year, and (-1) what the cross-year work alone read
    assert rec is not None and sorted(rec["year"].unique()) == [-1, *(y for y in range(2000, 2015) if y != 2010)]
    assert {"reference/city_year", "settings", "code/cross_year"} <= set(rec.loc[rec["year"] == -1, "input"])

    # nothing changed (a copied raw root has the same content): nothing to do
    assert gvc(["build", "--raw", str(raw), "--warehouse", str(wh2), "--changed",
                "--reports", str(tmp_path / "reports")]) == 0
    assert "up to date" in capsys.readouterr().out

    # a corrected 2004 customs file: one exporter's export values up by 10%
    f = raw / "customs_transactions" / "year=2004" / "part-0.parquet"
    cu = pd.read_parquet(f)
    firm = _rows(wh2, "fct_firm_year_dvar", "year = 2004 and dvar is not null")["customs_firm_id"].iloc[0]
    hit = (cu["customs_firm_id"] == firm) & (cu["flow"] == "export")
    cu.loc[hit, "value_usd"] = cu.loc[hit, "value_usd"] * 1.1
    cu.to_parquet(f, index=False)

    # a fresh build of the corrected root, in a process of its own (its own run history) while this
    # one rebuilds the year: the narrowed rebuild must end equal to it
    fresh = tmp_path / "fresh" / "warehouse.duckdb"  # likewise
    fresh.parent.mkdir()
    fresh_build = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "build", "--raw", str(raw), "--warehouse", str(fresh),
         "--reports", str(tmp_path / "fresh_reports")], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "DAGSTER_HOME": str(tmp_path / "fresh_home")})

    before = {t: _rows(wh2, t, "year <> 2004") for t in PER_YEAR_MARTS}
    dvar_2004_before = _rows(wh2, "fct_firm_year_dvar", f"year = 2004 and customs_firm_id = '{firm}'")
    instance = _instance()
    n_runs_before = len(instance.get_run_records())
    res = build(raw, wh2, changed=True, progress=print, reports=tmp_path / "reports", instance=instance)
    out = capsys.readouterr().out
    assert res["years"] == [2004]
    assert res["stale"] == {2004: ["customs_transactions/year=2004 changed"]}
    assert "2004: customs_transactions/year=2004 changed" in out and "fct_firm_year_dvar" in out

    # run records: one per-year run for 2004 alone, then one cross-year run
    runs = instance.get_run_records()[: len(instance.get_run_records()) - n_runs_before]
    assert len(runs) == 2
    tags = [r.dagster_run.tags for r in reversed(runs)]  # oldest first
    assert tags[0]["dagster/asset_partition_range_start"] == tags[0]["dagster/asset_partition_range_end"] == "2004"
    assert "dagster/asset_partition_range_start" not in tags[1]
    # each run says which warehouse it built and from which raw root (shown with the run in the UI)
    assert all(t["gvc/warehouse"] == str(wh2.resolve()) and t["gvc/raw_root"] == str(raw.resolve()) for t in tags)
    run_ids = {r.dagster_run.run_id for r in runs}
    for key in (["fct_firm_year_dvar"], ["raw", "customs_transactions"], ["int_customs_harmonised"]):
        mats = instance.fetch_materializations(dg.AssetKey(key), limit=1000).records
        parts = {m.partition_key for m in mats if m.run_id in run_ids}
        assert parts == {"2004"}, (key, parts)
    cross = instance.fetch_materializations(dg.AssetKey(["estimation", "table7"]), limit=10).records
    assert cross and cross[0].run_id in run_ids  # the cross-year assets rebuilt after

    # only what reads customs reran: not the survey-wide models, not the patents' per-year models
    for key in (["int_survey_panel_ids"], ["int_city_pair_cra"], ["fct_city_industry_complementarity"],
                ["int_firm_year_inventions"]):
        mats = instance.fetch_materializations(dg.AssetKey(key), limit=1000).records
        assert not [m for m in mats if m.run_id in run_ids], key
    assert "only the assets that read customs_transactions rerun" in out
    # each step said as it starts, numbered within its run: [k/N] step (seconds since the build began)
    steps = re.findall(r"\[(\d+)/(\d+)\] (\S+) \(\d+ s\)", out)
    assert ("estimation__table7" in {name for _, _, name in steps}
            and all(int(k) <= int(n) for k, n, _ in steps) and any(k == n for k, n, _ in steps))
    assert {r.dagster_run.job_name for r in runs} == {"gvc_build"}
    # the production side reads the survey, which did not move: kept, and says from which run;
    # export quality reads the corrected export lines: computed again
    kept = instance.fetch_materializations(dg.AssetKey(["analytics", "parameter_estimates"]), limit=1).records[0]
    assert kept.run_id in run_ids
    md = kept.asset_materialization.metadata
    assert md["reused_from_run"].value not in run_ids and "unchanged" in md["reused"].value
    assert "beta_l" in md  # the recorded metadata, shown again
    with duckdb.connect(str(wh2), read_only=True) as con:
        assert con.execute("select distinct run_id from analytics.parameter_estimates").fetchall() == \
            [(md["reused_from_run"].value,)]
    quality = instance.fetch_materializations(dg.AssetKey(["analytics", "firm_year_quality"]), limit=1).records[0]
    assert quality.run_id in run_ids and "reused_from_run" not in quality.asset_materialization.metadata

    # metadata people use: the year's row count, null shares and a preview of the mart;
    # the estimate, its interval and the report table on a regression asset
    md = instance.fetch_materializations(dg.AssetKey(["fct_firm_year_dvar"]), limit=1).records[0] \
        .asset_materialization.metadata
    n2004 = len(_rows(wh2, "fct_firm_year_dvar", "year = 2004"))
    assert md["dagster/row_count"].value == n2004 and md["years"].value == "2004"
    assert "panel_firm_id" in md["preview"].value and "null_shares" in md
    dq = instance.fetch_materializations(dg.AssetKey(["fct_data_quality"]), limit=1).records[0]
    assert "dvar_null" in dq.asset_materialization.metadata["quality_counts_by_year"].value
    t7 = cross[0].asset_materialization.metadata
    assert t7["ci_low"].value < t7["estimate"].value < t7["ci_high"].value
    assert t7["report_table"].value.endswith("tables/table7.md")

    # the other years' rows are unchanged; the corrected firm's 2004 row moved
    for t in PER_YEAR_MARTS:
        pd.testing.assert_frame_equal(_rows(wh2, t, "year <> 2004"), before[t])
    after = _rows(wh2, "fct_firm_year_dvar", f"year = 2004 and customs_firm_id = '{firm}'")
    assert len(after) == len(dvar_2004_before) == 1
    assert after["exports_usd"].iloc[0] > dvar_2004_before["exports_usd"].iloc[0] * 1.05

    # and now it is up to date again
    res = build(raw, wh2, changed=True, progress=print, reports=tmp_path / "reports", instance=instance)
    assert res["years"] == []

    # the narrowed rebuild, with the production tables it kept, equals a fresh build of the corrected root
    out, _ = fresh_build.communicate(timeout=900)
    assert fresh_build.returncode == 0, out[-3000:]
    tables, differ = table_differences(wh2, fresh, where={"fct_regression_results": "table_id <> 'spec_curve'"})
    assert {("analytics", "parameter_estimates"), ("marts", "fct_firm_panel")} <= tables
    assert not differ, differ
