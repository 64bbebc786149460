"""Two builds of one raw root give the same warehouse and the same report.

The shared tiny build (``tiny_warehouse``) against a second ``gvc build
--spec-curve`` (every asset, as that one) of the same root into another
folder, run in another process with another
``PYTHONHASHSEED`` (so nothing may lean on Python's salted ``hash()`` or on
how DuckDB's threads happen to meet the rows):

- every table of schemas ``marts`` and ``analytics``: the same columns and
  the same rows, values exactly equal (``select * ... order by all``), but
  ``run_id`` (the id of the run that wrote a row: ``fct_regression_results``,
  ``parameter_estimates``);
- the report's ``tables/*.md`` and ``tables/*.tex``, equal once the run ids
  of their trace lines are blanked;
- the report's ``figures/*.png``, equal pixel for pixel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from matplotlib import image

from tests.warehouses import table_differences

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ("marts", "analytics")
PER_RUN_COLUMNS = {"run_id"}
# Dagster run ids (UUIDs), as the trace lines print them:
# "asset estimation/table8 · run <run id>[, <run id>] · code analytics/study/iv.py"
RUN_IDS = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@pytest.fixture(scope="module")
def two_builds(tiny_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    """(folder of the shared tiny build, folder of a second build of the same root)."""
    root, wh = tiny_warehouse
    second = tmp_path_factory.mktemp("second_build")
    env = {**os.environ, "PYTHONHASHSEED": "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"}
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "build", "--raw", str(root),
         "--warehouse", str(second / "warehouse.duckdb"), "--reports", str(second / "reports"), "--spec-curve"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return wh.parent, second


def test_marts_and_analytics_tables_are_identical(two_builds):
    first, second = two_builds
    tables, differ = table_differences(first / "warehouse.duckdb", second / "warehouse.duckdb",
                                       schemas=SCHEMAS, skip_columns=frozenset(PER_RUN_COLUMNS))
    assert {("marts", "fct_firm_panel"), ("marts", "fct_regression_results"),
            ("analytics", "parameter_estimates")} <= tables
    assert not differ, differ


def test_regression_results_differ_only_in_their_run_ids(two_builds):
    first, second = two_builds
    frames, run_ids = [], []
    for folder in (first, second):
        with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
            run_ids.append({r[0] for r in con.execute("select distinct run_id from marts.fct_regression_results").fetchall()})
            frames.append(con.execute("select * exclude (run_id) from marts.fct_regression_results order by all").df())
    assert run_ids[0].isdisjoint(run_ids[1])  # two runs...
    a, b = frames
    pd.testing.assert_frame_equal(a, b, check_exact=True)  # ...one result
    table8 = a[(a["table_id"] == "table8") & (a["model"] == "kls") & (a["term"] == "complementarity")]
    assert len(table8) == 3 and table8["std_error"].gt(0).all()


def _report_files(folder: Path, pattern: str) -> dict[str, Path]:
    return {p.name: p for p in sorted((folder / "reports").glob(pattern))}


def test_report_tables_are_identical(two_builds):
    first, second = two_builds
    for pattern in ("tables/*.md", "tables/*.tex"):
        a, b = _report_files(first, pattern), _report_files(second, pattern)
        assert a and a.keys() == b.keys(), pattern
        for name in a:
            ta, tb = (RUN_IDS.sub("<run id>", f.read_text()) for f in (a[name], b[name]))
            assert ta == tb, name


def test_report_figures_are_identical_pixel_for_pixel(two_builds):
    first, second = two_builds
    a, b = _report_files(first, "figures/*.png"), _report_files(second, "figures/*.png")
    assert {"fig3.png", "fig6.png", "spec_curve.png"} <= a.keys() and a.keys() == b.keys()
    differ = {}
    for name in a:
        pa, pb = image.imread(a[name]), image.imread(b[name])
        if pa.shape != pb.shape:
            differ[name] = f"size {pa.shape} vs {pb.shape}"
        elif not np.array_equal(pa, pb):
            differ[name] = f"{int(np.any(pa != pb, axis=-1).sum())} pixels"
    assert not differ, differ
