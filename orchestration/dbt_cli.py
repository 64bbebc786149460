"""Run the dbt project in-process (dbtRunner) against a raw root and a warehouse.

Used by `gvc build`, the Dagster resource and the tests alike: one place sets
the project and profiles folders, the environment and the vars from
:class:`analytics.settings.MethodSettings`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from analytics.settings import DEFAULT_SETTINGS, MethodSettings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# the models that read the Python production tables (dbt source `analytics`):
# they run after those assets, so a dbt-only build of the project leaves them out
AFTER_PYTHON_SELECT = "source:analytics+"


@dataclass
class DbtResult:
    success: bool
    results: list  # (unique_id, status, message) of every node run
    exception: BaseException | None = None

    def failures(self) -> list:
        # exposures (the report tables) come back as "no-op": nothing to run
        return [r for r in self.results if r[1] not in ("success", "pass", "skipped", "no-op")]


def dbt_vars(raw_root: Path | str, settings: MethodSettings = DEFAULT_SETTINGS, years: list[int] | None = None) -> dict:
    v = settings.dbt_vars()
    v["raw_root"] = str(Path(raw_root).resolve())
    v["years"] = list(years or [])
    return v


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open between in-process runs.

    dbt-duckdb caches one environment (and its DuckDB instance) per process;
    while it lives, this process cannot open the same file with another
    configuration (e.g. ``read_only=True``), and the file stays locked.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def run_dbt(
    command: list[str],
    raw_root: Path | str,
    warehouse: Path | str,
    settings: MethodSettings = DEFAULT_SETTINGS,
    years: list[int] | None = None,
    target_path: Path | str | None = None,
) -> DbtResult:
    """``dbt <command>`` in-process with the project's vars; e.g. ``["build"]``."""
    from dbt.cli.main import dbtRunner

    env_before = {k: os.environ.get(k) for k in ("GVC_WAREHOUSE", "GVC_RAW")}
    os.environ["GVC_WAREHOUSE"] = str(Path(warehouse).resolve())
    os.environ["GVC_RAW"] = str(Path(raw_root).resolve())
    # a test that refs models of two selections runs where all its parents are
    # built or upstream ("buildable"), not eagerly before one of them exists
    extra = ["--indirect-selection", "buildable"] if command[:1] == ["build"] and "--indirect-selection" not in command else []
    args = [
        *command,
        *extra,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--vars", json.dumps(dbt_vars(raw_root, settings, years)),
    ]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    try:
        res = dbtRunner().invoke(args)
    finally:
        _release_duckdb()
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    rows = []
    if res.result is not None and hasattr(res.result, "results"):
        rows = [(r.node.unique_id, str(r.status), r.message) for r in res.result.results]
    return DbtResult(bool(res.success), rows, res.exception)
