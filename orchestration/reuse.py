"""Keep a Python asset's tables when nothing it reads has changed.

A one-year rebuild after a customs correction reruns every asset downstream
of that year, but not all of them see different data: the production side
reads the survey (and complementarity), which a customs file does not move.
An asset that opts in computes, before its work, the *input digest*:

    sha256 of (the asset's name, the METHOD settings, the code of the method
               and the versions of the numerical libraries, and for each query
               it reads: the query's text, its row count and the sum of
               DuckDB's hash of every row)

The row hashes are summed (as HUGEINT), so the digest does not depend on the
order DuckDB returns rows in, and a duplicated row counts. When the digest
equals the one recorded with the asset's last result (``meta.asset_inputs``)
and its tables are still there, the asset keeps them and reports the
metadata recorded with them, plus ``reused_from_run`` (the run that computed
them; every result row keeps that run's id too). Otherwise it computes, then
records the digest with the new result. The digest is also the
materialisation's Dagster data version.

A result is recorded only after its tables are written, so a run that dies
in between recomputes next time; a failed build never swaps in its copy, so
it never leaves a digest without its tables.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.warehouse import transaction

ASSET_INPUTS = "meta.asset_inputs"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# the Python of the method (the generator is no part of it) and its settings' home
METHOD_CODE = ("analytics", "schemas", "orchestration")


# the libraries whose version can move a result: a new one is new code
LIBRARIES = ("numpy", "pandas", "scipy", "pyfixest", "duckdb", "statsmodels")


@cache
def method_code_digest() -> str:
    """sha256 over the method's Python files (paths and bytes) and the versions
    of the numerical libraries (:data:`LIBRARIES`), once per process."""
    h = hashlib.sha256()
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}=={importlib.metadata.version(lib)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{lib} absent\n".encode())
    for top in METHOD_CODE:
        for f in sorted((PROJECT_ROOT / top).rglob("*.py")):
            if f.is_relative_to(PROJECT_ROOT / "analytics" / "synth"):
                continue
            h.update(f.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def input_digest(warehouse: str, asset: str, queries: Sequence[str], settings: dict) -> str:
    """The input digest of ``asset`` reading ``queries`` (module docstring)."""
    h = hashlib.sha256()
    h.update(json.dumps({"asset": asset, "settings": settings, "code": method_code_digest()},
                        sort_keys=True, default=str).encode())
    con = duckdb.connect(warehouse, read_only=True)
    try:
        for q in queries:
            n, total = con.execute(f"select count(*), coalesce(sum(hash(q)), 0)::varchar from ({q}) q").fetchone()
            h.update(f"\n{q}\n{n}\n{total}".encode())
    finally:
        con.close()
    return h.hexdigest()


@dataclass(frozen=True)
class Recorded:
    """What an asset's last result was computed from, by which run, with which metadata."""

    digest: str
    run_id: str
    metadata: dict


def recorded(warehouse: str, asset: str, tables: Sequence[str]) -> Recorded | None:
    """The last recorded result of ``asset``, if every one of its ``tables``
    (``schema.table``) still exists; else None."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        have = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        if ASSET_INPUTS not in have or not set(tables) <= have:
            return None
        row = con.execute(f"select digest, run_id, metadata from {ASSET_INPUTS} where asset = ?", [asset]).fetchone()
    finally:
        con.close()
    return None if row is None else Recorded(row[0], row[1], json.loads(row[2]))


def record(warehouse: str, asset: str, digest: str, run_id: str, metadata: dict) -> None:
    """Record that ``asset``'s tables now hold the result of ``digest`` (after they are written)."""
    with transaction(warehouse) as con:
        con.execute("create schema if not exists meta")
        con.execute(f"create table if not exists {ASSET_INPUTS} (asset varchar, digest varchar, run_id varchar, "
                    "metadata varchar, recorded_at timestamp)")
        con.execute(f"delete from {ASSET_INPUTS} where asset = ?", [asset])
        con.execute(f"insert into {ASSET_INPUTS} values (?, ?, ?, ?, current_timestamp)",
                    [asset, digest, run_id, json.dumps(metadata, sort_keys=True, default=float)])


def materialise(context: dg.AssetExecutionContext, warehouse: str, settings: dict,
                outputs: dict[str, Sequence[str]], queries: Sequence[str],
                compute: Callable[[], dict[str, dict]]) -> list[dg.MaterializeResult]:
    """The materialisations of the assets ``outputs`` (asset key as a string ->
    the ``schema.table`` it writes), computed together by ``compute`` from what
    ``queries`` return, or kept (module docstring).

    ``compute()`` writes the tables and returns each asset's metadata (plain
    numbers and strings: they are recorded as JSON and shown again when kept).
    """
    name = " + ".join(outputs)
    digest = input_digest(warehouse, name, queries, settings)
    rec = recorded(warehouse, name, [t for ts in outputs.values() for t in ts])
    if rec is not None and rec.digest == digest and set(rec.metadata) == set(outputs):
        context.log.info(f"{name}: inputs, settings and code unchanged since run {rec.run_id}: its tables are kept")
        return [dg.MaterializeResult(
            asset_key=dg.AssetKey.from_user_string(a),
            metadata={**rec.metadata[a], "reused_from_run": rec.run_id,
                      "reused": "inputs, settings and code unchanged since that run: its tables are kept"},
            data_version=dg.DataVersion(digest)) for a in outputs]
    metadata = compute()
    record(warehouse, name, digest, context.run.run_id, metadata)
    return [dg.MaterializeResult(asset_key=dg.AssetKey.from_user_string(a), metadata=metadata[a],
                                 data_version=dg.DataVersion(digest)) for a in outputs]


__all__ = ["input_digest", "recorded", "record", "materialise", "Recorded", "ASSET_INPUTS", "method_code_digest"]
