"""Benchmark `gvc build`: wall time and peak memory at tiny and demo scale, beside
one DuckDB group-by pass over the same world's customs table (the ratio says
how many "passes over the data" a build costs), then a one-year rebuild:
one firm's exports in one year's customs file corrected by +10%, and
`gvc build --changed` (that year's partitions, then the cross-year assets).

    uv run python bench/build_scale.py tiny demo [--out DIR] [--rebuild-year 2004]

Each step runs in its own process, so each peak RSS is its own.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUPBY = """
import duckdb, resource, sys, time
t0 = time.perf_counter()
con = duckdb.connect()
n = con.execute(
    "select count(*) from (select year, customs_firm_id, flow, trade_regime, sum(value_usd) v "
    "from read_parquet(?, hive_partitioning = true) group by all)",
    [sys.argv[1] + '/customs_transactions/*/*.parquet']).fetchone()[0]
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n)
"""


def timed(cmd: list[str]) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(p.stdout[-3000:] + p.stderr[-3000:])
    peak_mb = int(p.stderr.strip().splitlines()[-1]) / 1024
    return secs, peak_mb, p.stdout


def correct_one_year(raw: Path, year: int) -> None:
    """A corrected customs file for ``year``: the first exporter's export values +10%."""
    import pandas as pd

    f = raw / "customs_transactions" / f"year={year}" / "part-0.parquet"
    cu = pd.read_parquet(f)
    firm = cu.loc[cu["flow"] == "export", "customs_firm_id"].iloc[0]
    hit = (cu["customs_firm_id"] == firm) & (cu["flow"] == "export")
    cu.loc[hit, "value_usd"] *= 1.1
    cu.to_parquet(f, index=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scales", nargs="+", choices=["tiny", "demo"])
    ap.add_argument("--out", default=None)
    ap.add_argument("--rebuild-year", type=int, default=2004)
    a = ap.parse_args()
    parent = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="gvc-build-bench-"))
    py = sys.executable
    print(f"{'scale':<6}{'customs rows':>14}{'build s':>10}{'build MB':>10}{'groupby s':>11}{'groupby MB':>12}"
          f"{'time ratio':>12}{'mem ratio':>11}{'rebuild s':>11}{'rebuild MB':>12}")
    for scale in a.scales:
        raw, wh = parent / scale / "raw", parent / scale / "warehouse.duckdb"
        if not (raw / "truth.json").exists():
            subprocess.run([py, "-m", "orchestration.cli", "synth", "--out", str(raw), "--scale", scale, "--seed", "1"],
                           check=True, capture_output=True)
        wh.unlink(missing_ok=True)
        b_s, b_mb, _ = timed([py, "-m", "orchestration.cli", "build", "--raw", str(raw), "--warehouse", str(wh)])
        g_s, g_mb, out = timed([py, "-c", GROUPBY, str(raw)])
        import duckdb

        rows = duckdb.execute("select count(*) from read_parquet(?)", [str(raw / "customs_transactions/*/*.parquet")]).fetchone()[0]
        correct_one_year(raw, a.rebuild_year)
        r_s, r_mb, r_out = timed([py, "-m", "orchestration.cli", "build", "--raw", str(raw), "--warehouse", str(wh), "--changed"])
        if f"{a.rebuild_year}: customs_transactions/year={a.rebuild_year} changed" not in r_out:
            raise SystemExit(f"the rebuild did not take {a.rebuild_year} as changed:\n{r_out[-3000:]}")
        print(f"{scale:<6}{rows:>14,}{b_s:>10.1f}{b_mb:>10.0f}{g_s:>11.2f}{g_mb:>12.0f}{b_s / g_s:>12.0f}{b_mb / g_mb:>11.1f}"
              f"{r_s:>11.1f}{r_mb:>12.0f}", flush=True)


if __name__ == "__main__":
    main()
