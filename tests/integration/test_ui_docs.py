"""`gvc ui` serves the asset graph on 127.0.0.1; `gvc docs` writes the dbt site."""

from __future__ import annotations

import json
import os
import shutil
import uuid

import dagster as dg

from orchestration.resources import RAW_ROOT_TAG, WAREHOUSE_TAG
from orchestration.cli import _instance
from orchestration.cli import main as gvc
from tests.ui_server import graphql, running_ui, runs


def test_docs_site(tiny_warehouse, tmp_path):
    root, wh = tiny_warehouse
    out = tmp_path / "site"
    assert gvc(["docs", "--out", str(out), "--raw", str(root), "--warehouse", str(wh)]) == 0
    for f in ("index.html", "manifest.json", "catalog.json", "static_index.html"):
        assert (out / f).stat().st_size > 0
    # the one-file site that opens from file:// carries the manifest and catalog inside
    static = (out / "static_index.html").read_text()
    assert "model.gvc.fct_firm_year_dvar" in static and "int_customs_survey_matches" in static
    manifest = json.loads((out / "manifest.json").read_text())
    node = manifest["nodes"]["model.gvc.fct_firm_year_dvar"]
    assert "model.gvc.int_customs_survey_matches" in node["depends_on"]["nodes"]
    assert node["description"] and all(c.get("description") for c in node["columns"].values())
    catalog = json.loads((out / "catalog.json").read_text())
    assert "model.gvc.fct_city_industry_complementarity" in catalog["nodes"]
    # every model, and every column it holds in the warehouse, is documented
    undocumented = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        assert node["description"].strip(), uid
        held = {c.lower() for c in catalog["nodes"].get(uid, {}).get("columns", {})}
        documented = {c.lower() for c, col in node["columns"].items() if col["description"].strip()}
        undocumented += [f"{node['name']}.{c}" for c in sorted(held - documented)]
    assert not undocumented, undocumented
    # exposures: lineage runs from the raw sources to each paper table
    exposure = manifest["exposures"]["exposure.gvc.report_table7"]
    seen, todo = set(), list(exposure["depends_on"]["nodes"])
    while todo:
        uid = todo.pop()
        if uid in seen:
            continue
        seen.add(uid)
        todo += manifest["nodes"].get(uid, {}).get("depends_on", {}).get("nodes", [])
    assert {"source.gvc.raw.customs_transactions", "source.gvc.raw.patents", "source.gvc.raw.firm_survey"} <= seen
    assert {f"exposure.gvc.report_table{n}" for n in range(1, 12)} <= set(manifest["exposures"])


def test_docs_site_before_any_build(tmp_path):
    """No warehouse yet: the site documents the parsed project (no column types), and nothing is created."""
    out, wh = tmp_path / "site", tmp_path / "none.duckdb"
    assert gvc(["docs", "--out", str(out), "--raw", str(tmp_path / "raw"), "--warehouse", str(wh)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["nodes"]["model.gvc.fct_firm_year_dvar"]["description"]
    assert "model.gvc.fct_firm_year_dvar" in (out / "static_index.html").read_text()
    assert not wh.exists()


def test_ui_serves_its_warehouses_graph_and_runs_only(tiny_warehouse, tmp_path, monkeypatch):
    """Two warehouses, each with the run history beside it (<warehouse>.dagster):
    `gvc ui --warehouse B` on 127.0.0.1 serves the asset graph and lists B's runs,
    never A's."""
    root, wh = tiny_warehouse
    monkeypatch.delenv("DAGSTER_HOME", raising=False)  # each warehouse's own instance, as users have it
    ids = {}
    for name in ("a", "b"):
        w = tmp_path / name / "warehouse.duckdb"
        w.parent.mkdir()
        shutil.copy2(wh, w)
        instance = _instance(w)
        ids[name] = [str(uuid.uuid4()) for _ in range(2 if name == "a" else 1)]
        for run_id in ids[name]:
            instance.add_run(dg.DagsterRun(job_name="gvc_build", run_id=run_id, status=dg.DagsterRunStatus.SUCCESS,
                                           tags={WAREHOUSE_TAG: str(w.resolve()), RAW_ROOT_TAG: str(root)}))
        instance.dispose()
        assert (tmp_path / name / "warehouse.duckdb.dagster").is_dir()
    os.environ.pop("GVC_DAGSTER_STORAGE", None)
    b = tmp_path / "b" / "warehouse.duckdb"
    with running_ui(root, b, tmp_path / "ui.log", beside=True) as base:
        nodes = graphql(base, "{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
        listed = runs(base)
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert {"fct_firm_year_dvar", "fct_city_industry_complementarity", "raw/customs_transactions"} <= keys
    assert {n["groupName"] for n in nodes} == {"raw", "trade", "firms", "patents", "marts", "panel", "production",
                                               "estimation", "report"}
    assert [r["runId"] for r in listed] == ids["b"]
    assert {t["key"]: t["value"] for t in listed[0]["tags"]}[WAREHOUSE_TAG] == str(b.resolve())
