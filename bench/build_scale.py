"""Benchmark the platform at one or more world scales; prints one table.

Per scale, each step in a process of its own (so each peak RSS is its own):

- ``gvc synth`` of the world (seed 1), unless ``--out`` already holds it;
- a full ``gvc build`` into a new warehouse, with the wall seconds of its
  stages (``gvc build --timings``): validation of the raw root, the dbt
  calls (per-year models; cross-year models, twice: what the years read and
  the rest; the panel), production (TFP, markups), the study (one column per
  table asset), the report and what lies outside the steps (loading the
  definitions, starting the runs, the swap);
- one DuckDB group-by pass over the world's customs table (the "one pass
  over the data" the build is measured against);
- a one-year rebuild: one firm's exports in one year's customs file corrected
  by +10%, then ``gvc build --changed`` (that year's partitions, then the
  cross-year assets), with its stages too; its ratio to the full build.

    uv run python bench/build_scale.py tiny demo [--out DIR] [--rebuild-year 2004]
    uv run python bench/build_scale.py paper --out /big/disk   # about 1 h and 10 GB of disk

Prints the main table and then the stage breakdown of each full build.
"""

from __future__ import annotations

import argparse
import json
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

# build stages, grouped from the Dagster step keys (first match wins)
STAGES = [
    ("validation", lambda k: k == "validation"),
    ("dbt per-year", lambda k: k == "dbt_yearly"),
    ("dbt cross-year", lambda k: k == "dbt_cross_year"),
    ("dbt panel", lambda k: k == "dbt_panel"),
    ("spec curve", lambda k: k == "estimation__spec_curve"),
    ("study", lambda k: k.startswith("estimation__")),
    ("report", lambda k: k.startswith("report__")),
    ("production", lambda k: k.startswith("analytics__")),
    ("other steps", lambda k: True),
]


def timed(cmd: list[str]) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(p.stdout[-3000:] + p.stderr[-3000:])
    peak_mb = int(p.stderr.strip().splitlines()[-1]) / 1024
    return secs, peak_mb, p.stdout


def stage_table(timings: dict) -> dict[str, float]:
    out = {name: 0.0 for name, _ in STAGES}
    for key, secs in timings["stages"].items():
        name = next(n for n, match in STAGES if match(key))
        out[name] += secs
    out["outside the steps"] = timings["seconds"] - sum(timings["stages"].values())
    return out


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
    ap.add_argument("scales", nargs="+", choices=["tiny", "demo", "paper"])
    ap.add_argument("--out", default=None)
    ap.add_argument("--rebuild-year", type=int, default=2004)
    a = ap.parse_args()
    parent = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="gvc-build-bench-"))
    py = sys.executable
    gvc = [py, "-m", "orchestration.cli"]
    header = (f"{'scale':<6}{'customs rows':>13}{'synth s':>9}{'synth MB':>9}{'build s':>9}{'build MB':>9}"
              f"{'pass s':>8}{'build/pass':>11}{'1-year s':>9}{'1-year MB':>10}{'1-year/full':>12}")
    rows, stages = [], {}
    for scale in a.scales:
        raw, wh, rep = parent / scale / "raw", parent / scale / "warehouse.duckdb", parent / scale / "reports"
        s_s = s_mb = float("nan")
        if not (raw / "truth.json").exists():
            s_s, s_mb, _ = timed([*gvc, "synth", "--out", str(raw), "--scale", scale, "--seed", "1"])
        wh.unlink(missing_ok=True)
        full = parent / scale / "full.json"
        b_s, b_mb, _ = timed([*gvc, "build", "--raw", str(raw), "--warehouse", str(wh), "--reports", str(rep),
                              "--timings", str(full)])
        stages[scale] = stage_table(json.loads(full.read_text()))
        g_s, g_mb, out = timed([py, "-c", GROUPBY, str(raw)])
        import duckdb

        n = duckdb.execute("select count(*) from read_parquet(?)",
                           [str(raw / "customs_transactions/*/*.parquet")]).fetchone()[0]
        correct_one_year(raw, a.rebuild_year)
        one = parent / scale / "one_year.json"
        r_s, r_mb, r_out = timed([*gvc, "build", "--raw", str(raw), "--warehouse", str(wh), "--reports", str(rep),
                                  "--changed", "--timings", str(one)])
        stages[f"{scale} 1-year"] = stage_table(json.loads(one.read_text()))
        if f"{a.rebuild_year}: customs_transactions/year={a.rebuild_year} changed" not in r_out:
            raise SystemExit(f"the rebuild did not take {a.rebuild_year} as changed:\n{r_out[-3000:]}")
        rows.append(f"{scale:<6}{n:>13,}{s_s:>9.1f}{s_mb:>9.0f}{b_s:>9.1f}{b_mb:>9.0f}{g_s:>8.2f}{b_s / g_s:>11.0f}"
                    f"{r_s:>9.1f}{r_mb:>10.0f}{r_s / b_s:>12.2f}")
        print(f"[{scale} done]", rows[-1], flush=True)
    print("\n" + header)
    print("\n".join(rows))
    print("\nwall seconds per stage: each full build, then its one-year rebuild")
    names = list(next(iter(stages.values())))
    print(f"{'stage':<20}" + "".join(f"{s:>14}" for s in stages))
    for name in names:
        print(f"{name:<20}" + "".join(f"{stages[s][name]:>14.1f}" for s in stages))


if __name__ == "__main__":
    main()
