"""Shared fixtures: synthetic worlds are built once per session."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from analytics.synth.world import generate


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory) -> Path:
    """A Dagster instance of the session's own (`gvc build` records its runs there)."""
    home = tmp_path_factory.mktemp("dagster_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        yield home


# The study at test sizes (settings, not skips): Table 8's KLS columns and the
# production parameters from 49 bootstrap draws each, the specification curve over three switches (8 panels; one
# C and one DVAR rerun by dbt besides the base panel) instead of six (64).
TEST_SETTINGS = """[method]
table8_bootstrap_draws = 49
production_bootstrap_draws = 49
spec_curve_switches = ["ipc_counting", "indirect_import_adjustment", "dvar_out_of_range"]
"""


@pytest.fixture(scope="session", autouse=True)
def default_settings(tmp_path_factory) -> Path:
    """The METHOD defaults for every test, whatever the project's gvc.toml says
    (GVC_CONFIG), with the study at test sizes (TEST_SETTINGS); a test that
    needs others passes its own."""
    path = tmp_path_factory.mktemp("settings") / "gvc.toml"
    path.write_text(TEST_SETTINGS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GVC_CONFIG", str(path))
        yield path


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory, worker_id) -> tuple[Path, dict]:
    """The tiny world, seed 1 (about 12 s), generated once per test run.

    Under pytest-xdist the first worker to ask writes it into the run's
    shared folder, under a file lock, with its summary beside it; every
    worker reads that root (tests that change a world change a copy:
    ``tests.worlds``)."""
    if worker_id == "master":
        out = tmp_path_factory.mktemp("tiny") / "raw"
        return out, generate(out, scale="tiny", seed=1)
    summary = _once_per_run(tmp_path_factory, "tiny_world", lambda shared: generate(shared / "raw", scale="tiny", seed=1))
    return tmp_path_factory.getbasetemp().parent / "tiny_world" / "raw", summary


def _once_per_run(tmp_path_factory, name: str, make: Callable[[Path], dict]) -> dict:
    """``make(folder)``'s record, made once per test run: by the first
    pytest-xdist worker to ask, into the run's shared folder ``name``, under a
    file lock; every worker reads it back (JSON) from ``folder/record.json``."""
    shared = tmp_path_factory.getbasetemp().parent / name
    record = shared / "record.json"
    with FileLock(str(shared) + ".lock"):
        if not record.exists():
            shared.mkdir(exist_ok=True)
            record.write_text(json.dumps(make(shared), default=float))
    return json.loads(record.read_text())


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory) -> tuple[Path, dict]:
    """The demo world, seed 1 (a few minutes); reuse GVC_DEMO_WORLD if set."""
    given = os.environ.get("GVC_DEMO_WORLD")
    if given and (Path(given) / "truth.json").exists():
        import json

        return Path(given), json.loads((Path(given) / "truth.json").read_text())
    out = tmp_path_factory.mktemp("demo") / "raw"
    summary = generate(out, scale="demo", seed=1, progress=print)
    return out, summary


def _build_tiny(root: Path, base: Path) -> Path:
    """`gvc build --spec-curve` of ``root`` into ``base``: its warehouse file."""
    from orchestration.cli import main as gvc

    wh = base / "warehouse.duckdb"
    assert gvc(["build", "--raw", str(root), "--warehouse", str(wh), "--reports", str(base / "reports"),
                "--spec-curve"]) == 0
    return wh


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_world, tmp_path_factory, worker_id) -> tuple[Path, Path]:
    """`gvc build --spec-curve` of the tiny world (every asset): (raw root, warehouse file).

    Built once per test run. Under pytest-xdist the first worker to ask builds
    it from its tiny world into the run's shared folder, under a file lock, and
    every worker then reads a copy of its own (the warehouse file, the files
    beside it and the reports), so no two processes open one DuckDB file."""
    root, _ = tiny_world
    if worker_id == "master":
        return root, _build_tiny(root, tmp_path_factory.mktemp("wh"))
    built = _once_per_run(tmp_path_factory, "tiny_warehouse",
                          lambda shared: {"root": str(root), "warehouse": str(_build_tiny(root, shared))})
    src = Path(built["warehouse"])
    own = tmp_path_factory.mktemp("wh")
    for f in src.parent.glob(src.name + "*"):
        if f.is_file() and not f.name.endswith(".lock"):
            shutil.copy2(f, own / f.name)
    shutil.copytree(src.parent / "reports", own / "reports")
    return Path(built["root"]), own / src.name


# The files whose tests take longest (over 40 s each on a 2-core CI machine, 2026-12-06),
# longest first: started early, so that no worker runs one of them alone at the end.
LONGEST_FILES = [
    "tests/integration/test_montecarlo_tiny.py",
    "tests/browser/test_dagster_ui_browser.py",
    "tests/browser/test_dagster_ui_two_warehouses.py",
    "tests/reliability/test_deterministic.py",
    "tests/integration/test_changed.py",
    "tests/reliability/test_degenerate_worlds.py",
    "tests/integration/test_vendor_roundtrip.py",
    "tests/integration/test_dbt_parse_once.py",
    "tests/integration/test_dbt_complementarity.py",
    "tests/integration/test_dbt_preparation.py",
    "tests/integration/test_dbt_dvar.py",
    "tests/integration/test_synth_tiny.py",
]


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker more than the machine has cores (at most 4): the
    tests wait on dbt processes, browsers and servers, and a third worker on two
    cores fills those waits."""
    return max(2, min(4, (os.cpu_count() or 1) + 1))


def pytest_collection_modifyitems(config, items) -> None:
    """Order the files so that no pytest-xdist worker sits waiting for the shared
    tiny build: first one file that needs it (its worker builds it), then every
    file that does not (the other workers' work meanwhile), then the rest, each
    group with its larger files first. Files stay whole (``--dist loadfile``);
    xdist keeps this order (``--no-loadscope-reorder`` in pyproject.toml)."""
    def needs(item) -> bool:
        return "tiny_warehouse" in getattr(item, "fixturenames", ())

    by_file: dict[str, list] = {}
    for item in items:
        by_file.setdefault(item.nodeid.split("::")[0], []).append(item)
    heavy = [f for f, its in by_file.items() if any(needs(i) for i in its)]
    light = [f for f in by_file if f not in heavy]

    def by_size(files: list[str]) -> list[str]:
        # the longest files first (none is left to run alone at the end), then as xdist
        # would: files with more tests first
        return sorted(files, key=lambda f: (f not in LONGEST_FILES, LONGEST_FILES.index(f) if f in LONGEST_FILES
                                            else 0, -len(by_file[f])))

    heavy = by_size(heavy)
    order = heavy[:1] + by_size(light) + heavy[1:]
    items[:] = [i for f in order for i in by_file[f]]
