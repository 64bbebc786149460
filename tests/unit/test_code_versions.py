"""The code version is an input of a build: an edited per-year model makes the
years stale, an edited cross-year model only the cross-year work
(orchestration.changes.code_versions over the dbt manifest's checksums)."""

from __future__ import annotations

import json

import pytest

from orchestration.changes import code_versions
from orchestration.dbt import ensure_manifest


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text())


def _edited(manifest: dict, tmp_path, model: str) -> str:
    m = json.loads(json.dumps(manifest))
    node = m["nodes"][f"model.gvc.{model}"]
    node["checksum"]["checksum"] = "edited"
    path = tmp_path / f"{model}.json"
    path.write_text(json.dumps(m))
    return str(path)


def test_code_versions_are_stable(manifest, tmp_path):
    path = tmp_path / "same.json"
    path.write_text(json.dumps(manifest))
    assert code_versions(path) == code_versions(path)


@pytest.mark.parametrize("model", ["fct_firm_year_dvar", "int_customs_harmonised", "stg_raw__customs_transactions"])
def test_a_per_year_model_moves_both_versions(manifest, tmp_path, model):
    """Per-year models, and the staging views they read, are the per-year code."""
    base = tmp_path / "base.json"
    base.write_text(json.dumps(manifest))
    before, after = code_versions(base), code_versions(_edited(manifest, tmp_path, model))
    assert after["per_year"] != before["per_year"]
    assert after["cross_year"] != before["cross_year"]


@pytest.mark.parametrize("model", ["fct_firm_panel"])
def test_a_cross_year_model_moves_the_cross_year_version_only(manifest, tmp_path, model):
    base = tmp_path / "base.json"
    base.write_text(json.dumps(manifest))
    before, after = code_versions(base), code_versions(_edited(manifest, tmp_path, model))
    assert after["per_year"] == before["per_year"]
    assert after["cross_year"] != before["cross_year"]
