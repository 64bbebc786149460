"""Benchmark the METHOD §2 key functions as DuckDB sees them: one
``create table ... as select gvc_normalise_name(name)`` over N rows (default
1,000,000), registered exactly as the dbt-duckdb plugin registers them.

    uv run python bench/name_udf.py [--rows 1000000] [--distinct 1000000 100000] [--threads 1]

Per distinct-count it prints the wall (and CPU) time with an empty cache (every
distinct name computed once) and again with the cache filled, beside DuckDB's
own ``upper()`` over the same column (the floor of a VARCHAR -> VARCHAR pass).
Names look like survey names with the mess the rule removes (full-width
brackets, an ideographic space, 有限责任公司); 2% are NULL.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from analytics import names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--distinct", type=int, nargs="+", default=[1_000_000, 100_000])
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    con = duckdb.connect(config={"threads": args.threads})
    names.register_udfs(con)
    for distinct in args.distinct:
        con.execute(
            "create or replace table t as select case when i % 50 = 0 then null else "
            f"'杭州' || (i % {distinct})::varchar || '华立\u3000电子（集团）有限责任公司' end as name "
            f"from range({args.rows}) r(i)"
        )
        out = []
        for label in ("empty cache", "filled cache"):
            if label == "empty cache":
                names._normalise.cache_clear()
            t0, c0 = time.perf_counter(), time.process_time()
            con.execute("create or replace table u as select name, gvc_normalise_name(name) as k from t")
            out.append(f"{label} {time.perf_counter() - t0:.2f} s ({time.process_time() - c0:.2f} s CPU)")
        t0 = time.perf_counter()
        con.execute("create or replace table u as select name, upper(name) as k from t")
        out.append(f"upper() {time.perf_counter() - t0:.2f} s")
        print(f"{args.rows:,} rows, {min(distinct, args.rows):,} distinct: " + ", ".join(out))


if __name__ == "__main__":
    main()
