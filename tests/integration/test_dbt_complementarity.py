"""dbt METHOD §4 (technological complementarity) against the Python truth.

``marts.fct_city_industry_complementarity`` built by dbt from the tiny world
must equal ``truth/city_industry_complementarity`` row for row (same cells,
values to 1e-9, same flags), under the default METHOD switches and under
non-default ones; ``int_city_pair_cra`` must be computed sparsely (no cross
join), and the mart's numerator, which ``int_city_weighted_cra`` computes
without pairs, must equal the sum over those pairs (a dbt data test, here
also shown to fail on a changed value); the quality counts must equal the truth's per-year counts; and an
edited copy of the world exercises the edge rules the tiny world does not
(name ties, lowest firm_id, survey years outside the run, IPC whitespace,
patents without IPC, cities outside the reference list).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analytics import rawio
from analytics.settings import DEFAULT_SETTINGS, MethodSettings
from analytics.synth.truth import build_survey_index, complementarity_truth
from analytics.synth.truth.complementarity import patent_flows, survey_name_industry
from analytics.synth.truth.preparation import survey_filter_rule
from orchestration.dbt_cli import run_dbt

# the pairs are not upstream of the mart: selected too, with the test that ties them to it
SELECT = ["build", "--select", "+fct_city_industry_complementarity", "+int_city_pair_cra"]
KEY = ["city_code", "industry_code", "year"]
QUALITY_CHECKS = ("patents_without_ipc", "patents_city_not_in_reference", "patents_without_industry")


def _build(root: Path, out: Path, settings: MethodSettings = DEFAULT_SETTINGS, command=SELECT, years=None, tag="target"):
    res = run_dbt(command, root, out / "w.duckdb", settings, years=years, target_path=out / tag)
    assert res.success, (res.exception, res.failures())
    assert not res.failures()
    return res


def _mart(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse)) as con:
        return con.sql("select * from marts.fct_city_industry_complementarity").df()


def _assert_equal_to_truth(mart: pd.DataFrame, truth: pd.DataFrame) -> None:
    assert not mart.duplicated(KEY).any()
    m = mart.assign(year=mart["year"].astype("int64")).merge(
        truth.assign(year=truth["year"].astype("int64")), on=KEY, how="outer", suffixes=("_dbt", "_truth"), indicator=True
    )
    extra = m[m["_merge"] != "both"]
    assert extra.empty, f"cells differ:\n{extra[KEY + ['_merge']].head(20)}"
    for col in ("complementarity", "placebo_complementarity", "invention_patents"):
        a = m[f"{col}_dbt"].to_numpy(dtype=float)
        b = m[f"{col}_truth"].to_numpy(dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), f"{col}: NULLs differ"
        ok = np.isnan(a) | (np.abs(a - b) <= 1e-9)
        assert ok.all(), f"{col} differs:\n{m.loc[~ok, KEY + [f'{col}_dbt', f'{col}_truth']].head(20)}"
    flags = m["no_patents_flag_dbt"].astype(bool) == m["no_patents_flag_truth"].astype(bool)
    assert flags.all()


def _truth_counts(root: Path, years, settings: MethodSettings = DEFAULT_SETTINGS) -> dict:
    """(year, check) -> count, from the truth's patent_flows()."""
    names = survey_name_industry(build_survey_index(root))
    ipc = rawio.read_reference(root, "ipc_industry")
    cities = rawio.read_reference(root, "cities")["city_code"].tolist()
    out = {}
    for y in years:
        counts = patent_flows(rawio.read_year(root, "patents", y), names, ipc, settings, cities).counts
        for check in QUALITY_CHECKS:
            out[(y, check)] = counts[check]
    return out


@pytest.fixture(scope="module")
def default_build(tiny_world, tmp_path_factory):
    root, _ = tiny_world
    out = tmp_path_factory.mktemp("dbt_comp_default")
    res = _build(root, out)
    return root, out, res


def test_mart_equals_truth_default_switches(default_build):
    root, out, res = default_build
    statuses = {uid.split(".")[0] for uid, _, _ in res.results}
    assert "test" in statuses  # the data tests ran (and passed: _build)
    truth = pd.read_parquet(root / "truth" / "city_industry_complementarity.parquet")
    mart = _mart(out / "w.duckdb")
    assert set(mart["year"]) == set(DEFAULT_SETTINGS.years)  # 2010 not written
    _assert_equal_to_truth(mart, truth)


def test_weighted_cra_is_the_sum_over_the_pairs(default_build, tmp_path):
    """The data test ran in the build and passed, and it fails on a copy of
    the warehouse where the numerators moved by a millionth."""
    root, out, res = default_build
    statuses = {uid.split(".")[2]: status for uid, status, _ in res.results if uid.startswith("test.")}
    assert statuses["assert_weighted_cra_equals_pair_sums"] == "pass"
    changed = tmp_path / "w.duckdb"
    shutil.copy2(out / "w.duckdb", changed)
    with duckdb.connect(str(changed)) as con:
        n = con.execute("select count(*) from intermediate.int_city_weighted_cra where weighted_cra > 0").fetchone()[0]
        assert n > 100
        con.execute("update intermediate.int_city_weighted_cra set weighted_cra = weighted_cra * 1.000001 "
                    "where weighted_cra > 0")
    res = run_dbt(["test", "--select", "assert_weighted_cra_equals_pair_sums"], root, changed, DEFAULT_SETTINGS,
                  target_path=tmp_path / "target")
    assert [uid.split(".")[2] for uid, _, _ in res.failures()] == ["assert_weighted_cra_equals_pair_sums"]


@pytest.mark.parametrize("model", ["int_city_pair_cra", "int_city_weighted_cra"])
def test_complementarity_has_no_cross_join(default_build, model):
    _, out, _ = default_build
    compiled = next((out / "target" / "compiled").rglob(f"{model}.sql")).read_text()
    sql = re.sub(r"--[^\n]*", "", compiled).lower()
    assert "cross join" not in sql and "positional join" not in sql and "natural join" not in sql
    # every join has its own `on` condition (no comma joins, no `join ... using` without keys)
    assert len(re.findall(r"\bjoin\b", sql)) == len(re.findall(r"\bjoin\b[^()]*?\bon\b", sql)) > 0
    # and DuckDB plans it with hash joins only: no cross product, no nested loop
    with duckdb.connect(str(out / "w.duckdb")) as con:
        plan = "\n".join(str(r[1]) for r in con.execute("explain " + compiled).fetchall())
    plan = plan.lower().replace("_", " ")  # operator names print as HASH_JOIN or "Hash Join"
    assert "hash join" in plan
    for op in ("cross product", "nested loop", "blockwise nl", "piecewise merge", "iejoin"):
        assert op not in plan, op


def test_incremental_rerun_of_some_years_and_quality_counts(default_build):
    """Re-running two years replaces exactly them (delete+insert) and builds the quality counts."""
    root, out, _ = default_build
    years = [2005, 2011]
    _build(root, out, command=["build", "--select", "+fct_city_industry_complementarity", "+int_patents_quality_counts"],
           years=years, tag="target_rerun")
    truth = pd.read_parquet(root / "truth" / "city_industry_complementarity.parquet")
    _assert_equal_to_truth(_mart(out / "w.duckdb"), truth)
    with duckdb.connect(str(out / "w.duckdb")) as con:
        q = con.sql('select year, "check", count, share, example from intermediate.int_patents_quality_counts').df()
        typ = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'intermediate' and table_name = 'int_patents_quality_counts'").fetchall())
    assert typ == {"year": "INTEGER", "check": "VARCHAR", "count": "BIGINT", "share": "DOUBLE", "example": "VARCHAR"}
    assert sorted(set(q["year"])) == years and len(q) == len(years) * len(QUALITY_CHECKS)
    got = {(int(r.year), r.check): int(r.count) for r in q.itertuples()}
    assert got == _truth_counts(root, years)
    assert q.loc[q["count"] > 0, "example"].notna().all()


def test_mart_equals_truth_other_switches(tiny_world, tmp_path):
    root, _ = tiny_world
    settings = MethodSettings(
        ipc_levels="class_subclass", ipc_counting="fractional", weight_denominator="partners", patent_window_years=2
    )
    _build(root, tmp_path, settings)
    _assert_equal_to_truth(_mart(tmp_path / "w.duckdb"), complementarity_truth(root, settings))


# --------------------------------------------------------------------------- edge rules


def _append_rows(root: Path, table: str, year: int, rows: list[dict]) -> None:
    path = root / table / f"year={year}" / "part-0.parquet"
    schema = pq.read_schema(path)
    df = pd.read_parquet(path)
    # a survey row the sample filters of METHOD §0 keep (the world breaks a few for them)
    template = df[survey_filter_rule(df).isna()].iloc[[0]] if table == "firm_survey" else df.iloc[[0]]
    new = pd.concat([template.assign(**r) for r in rows], ignore_index=True)
    rawio.write_year(root, table, year, pd.concat([df, new], ignore_index=True), schema=schema)


def _edge_world(tiny_root: Path, dest: Path) -> Path:
    root = dest / "raw"
    shutil.copytree(tiny_root, root, ignore=shutil.ignore_patterns("truth"))
    firm = {"legal_rep": None, "phone": None, "zip_code": None}
    # name tie: 测试甲 in 2004 (industry 13) and 2006 (36); a 2005 patent goes to the earlier year
    _append_rows(root, "firm_survey", 2004, [{**firm, "firm_id": "Z00000001", "firm_name": "测试甲有限公司", "city_code": "110105", "industry_code": "1310"}])
    _append_rows(root, "firm_survey", 2006, [{**firm, "firm_id": "Z00000009", "firm_name": "测试甲有限公司", "city_code": "110105", "industry_code": "3610"}])
    # two firms share a name in 2005: the lowest firm_id (industry 40) wins
    _append_rows(root, "firm_survey", 2005, [
        {**firm, "firm_id": "Z00000003", "firm_name": "测试乙有限公司", "city_code": "310104", "industry_code": "2610"},
        {**firm, "firm_id": "Z00000002", "firm_name": "测试 乙（有限责任公司）", "city_code": "310104", "industry_code": "4010"},
    ])
    # a name only in a survey year outside the run (2002)
    _append_rows(root, "firm_survey", 2002, [{**firm, "firm_id": "Z00000004", "firm_name": "测试丙有限公司", "city_code": "440305", "industry_code": "3910"}])
    pat = {"patent_type": "invention", "application_year": 2005, "year": 2005}
    _append_rows(root, "patents", 2005, [
        {**pat, "application_id": "CNEDGE00001", "applicant_name": "测试甲有限责任公司;张三", "applicant_city_code": "110105", "ipc_codes": "G06F 3/00"},
        {**pat, "application_id": "CNEDGE00002", "applicant_name": "测试乙有限公司", "applicant_city_code": "310104", "ipc_codes": " H01L\u300021/02 ;;G06F  3/00;\u00a0H01M 4/00"},
        {**pat, "application_id": "CNEDGE00003", "applicant_name": "测试乙有限公司", "applicant_city_code": "330106", "ipc_codes": "H02J 7/00"},
        {**pat, "application_id": "CNEDGE00004", "applicant_name": "测试丙有限公司;李四", "applicant_city_code": "440305", "ipc_codes": "B65D 1/00;A61K 31/00"},
        {**pat, "application_id": "CNEDGE00005", "applicant_name": "无名氏", "applicant_city_code": "110105", "ipc_codes": ""},
        {**pat, "application_id": "CNEDGE00006", "applicant_name": "无名氏", "applicant_city_code": "110105", "ipc_codes": None},
        {**pat, "application_id": "CNEDGE00007", "applicant_name": "无名氏", "applicant_city_code": "429004", "ipc_codes": "A61K 31/00"},
        {**pat, "application_id": "CNEDGE00008", "applicant_name": "无名氏", "applicant_city_code": "110105", "ipc_codes": "Z99Z 1/00"},
        {**pat, "application_id": "CNEDGE00009", "applicant_name": "测试乙有限公司", "applicant_city_code": "429005", "ipc_codes": "H01L 21/02"},
        {**pat, "patent_type": "design", "application_id": "CNEDGE00010", "applicant_name": "测试乙有限公司", "applicant_city_code": "110105", "ipc_codes": "H01L 21/02"},
    ])
    return root


def test_edge_rules_match_truth(tiny_world, tmp_path):
    tiny_root, _ = tiny_world
    root = _edge_world(tiny_root, tmp_path)
    settings = MethodSettings(year_start=2004, year_end=2006, ipc_counting="fractional", patent_window_years=2)
    _build(root, tmp_path, settings, command=SELECT + ["+int_patents_quality_counts"])
    _assert_equal_to_truth(_mart(tmp_path / "w.duckdb"), complementarity_truth(root, settings))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assigned = con.sql(
            "select application_id, industry_code, industry_weight, assignment_source "
            "from intermediate.int_patents_industry_assigned where application_id like 'CNEDGE%'"
        ).df().set_index("application_id")
        located = con.sql(
            "select application_id, main_subclass, has_ipc, city_code, city_in_reference "
            "from intermediate.int_patents_located where application_id like 'CNEDGE%'"
        ).df().set_index("application_id")
        q = con.sql('select year, "check", count from intermediate.int_patents_quality_counts').df()
    assert assigned.loc["CNEDGE00001", "industry_code"] == "13"  # tie 2004/2006 -> earlier
    assert assigned.loc["CNEDGE00002", "industry_code"] == "40"  # lowest firm_id
    assert assigned.loc["CNEDGE00004", "industry_code"] == "39"  # survey year 2002, outside the run
    assert (assigned.loc[["CNEDGE00001", "CNEDGE00002", "CNEDGE00004"], "assignment_source"] == "name").all()
    assert located.loc["CNEDGE00002", "main_subclass"] == "H01L"
    assert not located.loc[["CNEDGE00005", "CNEDGE00006"], "has_ipc"].any()
    assert "CNEDGE00010" not in located.index  # design patents are not located
    assert not located.loc["CNEDGE00007", "city_in_reference"] and located.loc["CNEDGE00007", "city_code"] == "429000"
    assert "CNEDGE00008" not in assigned.index  # no name, subclass not in the concordance
    got = {(int(r.year), r.check): int(r.count) for r in q.itertuples()}
    assert got == _truth_counts(root, settings.years, settings)
    assert got[(2005, "patents_without_ipc")] == 2
