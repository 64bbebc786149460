"""Run the dbt project in-process (dbtRunner) against a raw root and a warehouse.

Used by `gvc build`, the Dagster resource and the tests alike: one place sets
the project and profiles folders, the environment and the vars from
:class:`analytics.settings.MethodSettings`.

**dbt parses the project once, not on every call.** dbt keeps its parse in
``<target>/partial_parse.msgpack`` and reuses it only while its state check
holds (``ManifestLoader.is_partial_parsable``): the same ``--vars`` (hashed as
a whole), the same rendered connection keys of the profile (the DuckDB
``path`` and the database named after it), the same ``dbt_project.yml`` and
dbt version; env vars read while parsing are tracked per file. So:

- ``--vars`` carry the METHOD switches only (:func:`dbt_vars`); what changes
  from run to run reaches dbt through the environment (:func:`dbt_env`):
  ``GVC_RAW`` (the raw root) and ``GVC_RUN_YEARS`` (the years of a per-year
  run), which the macros read only at execute time (macros/run_years.sql),
  when dbt records nothing for partial parsing;
- dbt reaches the warehouse, or a build's copy of it
  (``<warehouse>.building-<pid>``), by a name that does not change from build
  to build (:func:`dbt_warehouse`: a symlink
  ``target/warehouse_slots/<k>/<name>`` in a slot folder no other call uses
  meanwhile; DuckDB follows it, its WAL stays beside the file), so the
  profile renders the same database (DuckDB's catalog, named after the
  file) every time;
- the profile's hash leaves out the DuckDB path
  (:func:`hash_profile_without_path`): the slot changes from call to call
  when calls run side by side (test workers, a build beside a rebuild, the
  UI), no model reads the path while dbt parses, and the database named
  after it still counts;
- every call starts from the last parse made with the same vars, database
  and DuckDB memory limit (:func:`place_parse_state` /
  :func:`publish_parse_state`: one saved state per (vars, database, memory
  limit) in ``target/partial_parse/``), also when dagster-dbt gives each
  call a fresh target folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pprint
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analytics.settings import DEFAULT_SETTINGS, MethodSettings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
# the models that read the Python production tables (dbt source `analytics`):
# they run after those assets, so a dbt-only build of the project leaves them out
AFTER_PYTHON_SELECT = "source:analytics+"

RAW_ENV, WAREHOUSE_ENV, RUN_YEARS_ENV = "GVC_RAW", "GVC_WAREHOUSE", "GVC_RUN_YEARS"
PARSE_STATE = "partial_parse.msgpack"  # dbt's name for its saved parse, in its target folder
PARSE_STATES_DIR = DBT_PROJECT_DIR / "target" / "partial_parse"
PARSE_STATES_KEPT = 16
_BUILD_COPY = re.compile(r"(?P<base>.+\.building)-\d+")  # orchestration.recovery.building_name


@dataclass
class DbtResult:
    success: bool
    results: list  # (unique_id, status, message) of every node run
    exception: BaseException | None = None

    def failures(self) -> list:
        # exposures (the report tables) come back as "no-op": nothing to run
        return [r for r in self.results if r[1] not in ("success", "pass", "skipped", "no-op")]


def dbt_vars(settings: MethodSettings = DEFAULT_SETTINGS) -> dict:
    """The ``--vars`` of every dbt call: the METHOD switches, nothing that
    changes from run to run (a change of vars makes dbt parse anew)."""
    return settings.dbt_vars()


MEMORY_LIMIT_ENV = "GVC_DUCKDB_MEMORY_LIMIT"  # DuckDB's memory_limit for dbt, e.g. "8GB"
MEMORY_SHARE = 0.5  # of the machine's memory, by default: the rest for the Python assets and the OS


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the dbt calls: GVC_DUCKDB_MEMORY_LIMIT if set,
    else half the machine's physical memory (DuckDB spills the rest of a big
    join or sort to ``<warehouse>.tmp``). The same on every call of a machine,
    so it never breaks dbt's saved parse (the profile it renders is hashed)."""
    given = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if given:
        return given
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "80%"  # DuckDB's own default
    return f"{max(1, int(total * MEMORY_SHARE / 2**30))}GB"


def dbt_env(raw_root: Path | str, warehouse: Path | str, years: list[int] | None = None) -> dict[str, str]:
    """The environment of a dbt call: the raw root, the DuckDB file the profile
    opens, the years of a per-year run (empty: every sample year) and DuckDB's
    memory limit (:func:`duckdb_memory_limit`)."""
    return {RAW_ENV: str(Path(raw_root).resolve()), WAREHOUSE_ENV: str(Path(warehouse).absolute()),
            RUN_YEARS_ENV: ",".join(str(int(y)) for y in sorted(years or [])),
            MEMORY_LIMIT_ENV: duckdb_memory_limit()}


def dbt_warehouse_path(warehouse: Path | str) -> Path:
    """The name dbt opens ``warehouse`` by: ``<warehouse>.building`` for a
    build's copy ``<warehouse>.building-<pid>`` (the same in every build of
    that warehouse), else the file itself."""
    warehouse = Path(warehouse).absolute()
    m = _BUILD_COPY.fullmatch(warehouse.name)
    return warehouse.with_name(m["base"]) if m else warehouse


WAREHOUSE_SLOTS_DIR = DBT_PROJECT_DIR / "target" / "warehouse_slots"
WAREHOUSE_SLOTS = 8  # dbt calls at once on one checkout (test workers, a build beside a rebuild)


@contextlib.contextmanager
def _warehouse_slot() -> Iterator[Path | None]:
    """A folder ``target/warehouse_slots/<k>`` no other dbt call uses while the
    block runs (an exclusive ``flock`` on ``<k>.lock``, released when the block
    ends or its process dies); None when every slot is taken or locks are not
    available."""
    try:
        import fcntl
    except ImportError:  # not on a POSIX system
        yield None
        return
    try:
        WAREHOUSE_SLOTS_DIR.mkdir(parents=True, exist_ok=True)
    except OSError:
        yield None
        return
    for k in range(WAREHOUSE_SLOTS):
        try:
            handle = open(WAREHOUSE_SLOTS_DIR / f"{k}.lock", "a")
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            folder = WAREHOUSE_SLOTS_DIR / str(k)
            folder.mkdir(exist_ok=True)
            yield folder
        finally:
            handle.close()
        return
    yield None


@contextlib.contextmanager
def dbt_warehouse(warehouse: Path | str) -> Iterator[Path]:
    """The path to give dbt for ``warehouse`` while the block runs.

    dbt reparses the whole project whenever the profile renders another
    path, so dbt never sees the warehouse's own path, which differs from
    warehouse to warehouse and from build to build (a build's copy is
    ``<warehouse>.building-<pid>``). It sees a symlink in a slot folder of
    the project (:func:`_warehouse_slot`): ``target/warehouse_slots/<k>/<name>``,
    ``<name>`` being :func:`dbt_warehouse_path`'s (``<warehouse>.building``
    for a build's copy, else the file's name), so a second warehouse of the
    same name reuses the first one's parse. DuckDB resolves the link: its
    WAL and lock are the warehouse's, and its catalog is named after
    ``<name>``, as the file's own name would name it. The slot's folder is
    left out of the parse's state check (:func:`hash_profile_without_path`).
    Without a free slot or where no link can be made, dbt gets the warehouse
    itself and merely parses once more."""
    real = Path(warehouse).absolute()
    name = dbt_warehouse_path(real).name
    with _warehouse_slot() as folder:
        alias = None if folder is None else folder / name
        if alias is not None:
            try:
                for old in folder.iterdir():  # a link a killed call left behind
                    if old.is_symlink():
                        old.unlink()
                os.symlink(real, alias)
            except OSError:
                alias = None
        if alias is None:
            yield real
            return
        try:
            yield alias
        finally:
            with contextlib.suppress(OSError):
                alias.unlink()


def catalog_name(path: Path | str) -> str:
    """The catalog DuckDB names a database file by, and so the database of
    dbt-duckdb's profile: the first non-empty dot-separated part of the file's
    name (``w.duckdb.building`` -> ``w``)."""
    return Path(path).name.lstrip(".").split(".")[0]


def _parse_state_of(vars_: dict, warehouse: Path | str) -> Path:
    """Where the saved parse of dbt calls with ``vars_`` on a warehouse whose
    catalog is ``warehouse``'s, with this process's DuckDB memory limit (the
    profile's settings; the specification curve's reruns have their own), is
    kept (the path does not count otherwise: :func:`hash_profile_without_path`)."""
    key = json.dumps([vars_, catalog_name(warehouse), duckdb_memory_limit()], sort_keys=True, default=str)
    return PARSE_STATES_DIR / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.msgpack"


def profile_hash_without_path(connection_info) -> object:
    """dbt's hash of the profile (``ManifestLoader.build_manifest_state_check``:
    the pretty-printed, sorted (key, value) pairs of the connection's info)
    without the DuckDB ``path``. ``connection_info``: the credentials'
    ``connection_info()`` pairs."""
    from dbt.contracts.files import FileHash

    pairs = sorted(((k, v) for k, v in connection_info if k != "path"), key=lambda kv: kv[0])
    return FileHash.from_contents(pprint.pformat(pairs))


def hash_profile_without_path() -> None:
    """Make dbt's parse state check, in this process, hash the profile
    without the DuckDB path (:func:`profile_hash_without_path`).

    dbt saves a parse with a hash of the rendered profile and parses the whole
    project again when the hash differs. The project's profile renders the
    path dbt opens the warehouse by, ``<slot folder>/<name>``
    (:func:`dbt_warehouse`); which slot a call gets depends on the calls that
    run meanwhile, and no model, macro or test reads the path while dbt
    parses. Every other key of the profile still counts: the database (the
    catalog named after the file, which the parse writes into every node),
    the DuckDB settings, the plugins. Idempotent: called before each dbt call
    made in-process."""
    from dbt.parser.manifest import ManifestLoader

    check = ManifestLoader.build_manifest_state_check
    if getattr(check, "without_path", False):
        return

    def build_manifest_state_check(self):
        state = check(self)
        state.profile_hash = profile_hash_without_path(self.root_project.credentials.connection_info())
        return state

    build_manifest_state_check.without_path = True
    ManifestLoader.build_manifest_state_check = build_manifest_state_check


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def place_parse_state(target: Path | str, vars_: dict, warehouse: Path | str) -> tuple | None:
    """Put in dbt target folder ``target`` the saved parse of the last call
    with the same vars, database and memory limit (:func:`_parse_state_of`; else the project's
    ``target/partial_parse.msgpack``), so that dbt reuses it; returns what
    :func:`publish_parse_state` compares with after the call."""
    dest = Path(target) / PARSE_STATE
    dest.parent.mkdir(parents=True, exist_ok=True)
    for src in (_parse_state_of(vars_, warehouse), DBT_PROJECT_DIR / "target" / PARSE_STATE):
        try:
            shutil.copyfile(src, dest)
        except OSError:
            continue
        return _stat(dest)
    return _stat(dest)


def publish_parse_state(target: Path | str, vars_: dict, warehouse: Path | str, placed: tuple | None) -> bool:
    """After a dbt call in ``target``: when dbt parsed (it rewrote its saved
    parse), keep that parse for the next call with the same vars, database
    and memory limit.
    Written to a temporary name and renamed, so a concurrent reader sees the
    old file or the new one. Returns whether it did."""
    state = Path(target) / PARSE_STATE
    now = _stat(state)
    if now is None or now == placed:
        return False
    keep = _parse_state_of(vars_, warehouse)
    tmp = keep.with_name(f".{keep.name}.{os.getpid()}")
    try:
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, tmp)
        os.replace(tmp, keep)
    except OSError:
        tmp.unlink(missing_ok=True)
        return False
    states = sorted(PARSE_STATES_DIR.glob("*.msgpack"), key=lambda p: _stat(p)[2] if _stat(p) else 0, reverse=True)
    for old in states[PARSE_STATES_KEPT:]:
        old.unlink(missing_ok=True)
    return True


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
    """``dbt <command>`` in-process with the project's vars; e.g. ``["build"]``.
    ``years``: the years of a per-year run (default: every sample year)."""
    with dbt_warehouse(warehouse) as path:
        return _run_dbt(command, raw_root, path, settings, years, target_path)


def _run_dbt(command: list[str], raw_root: Path | str, warehouse: Path, settings: MethodSettings,
             years: list[int] | None, target_path: Path | str | None) -> DbtResult:
    from dbt.cli.main import dbtRunner

    vars_ = dbt_vars(settings)
    env = dbt_env(raw_root, warehouse, years)
    env_before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    # a test that refs models of two selections runs where all its parents are
    # built or upstream ("buildable"), not eagerly before one of them exists
    extra = ["--indirect-selection", "buildable"] if command[:1] == ["build"] and "--indirect-selection" not in command else []
    args = [
        *command,
        *extra,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--vars", json.dumps(vars_),
    ]
    placed = None
    if target_path is not None:
        args += ["--target-path", str(target_path)]
        placed = place_parse_state(target_path, vars_, env[WAREHOUSE_ENV])
    hash_profile_without_path()
    try:
        res = dbtRunner().invoke(args)
    finally:
        _release_duckdb()
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if target_path is not None:
        publish_parse_state(target_path, vars_, env[WAREHOUSE_ENV], placed)
    rows = []
    if res.result is not None and hasattr(res.result, "results"):
        rows = [(r.node.unique_id, str(r.status), r.message) for r in res.result.results]
    return DbtResult(bool(res.success), rows, res.exception)
