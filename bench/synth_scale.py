"""Benchmark `gvc synth`: wall time, peak memory and size on disk per scale.

    uv run python bench/synth_scale.py tiny demo          # the figures of the issue
    uv run python bench/synth_scale.py paper --out /big    # the scale run (long)

Each scale runs in a fresh process (`gvc synth`) so its peak RSS is its own;
prints one table row per scale and the rows per table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(scale: str, out: Path, seed: int) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "synth", "--out", str(out), "--scale", scale, "--seed", str(seed)],
        capture_output=True, text=True,
    )
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-4000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    truth = json.loads((out / "truth.json").read_text())
    return {"scale": scale, "seconds": secs, "peak_mb": peak, "disk_mb": size, "rows": truth["rows"],
            "exporter_years": truth["exporter_years_truth"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scales", nargs="+", choices=["tiny", "demo", "paper"])
    ap.add_argument("--out", default=None, help="parent folder (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    parent = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="gvc-bench-"))
    print(f"{'scale':<7}{'wall s':>9}{'peak MB':>10}{'disk MB':>10}{'customs rows':>15}{'survey rows':>13}{'patents':>12}{'exp-years':>11}")
    for scale in a.scales:
        # RUSAGE_CHILDREN is a max over children so far: run the scales in rising size
        r = run(scale, parent / scale, a.seed)
        rows = r["rows"]
        print(f"{scale:<7}{r['seconds']:>9.1f}{r['peak_mb']:>10.0f}{r['disk_mb']:>10.1f}{rows['customs_transactions']:>15,}"
              f"{rows['firm_survey']:>13,}{rows['patents']:>12,}{r['exporter_years']:>11,}", flush=True)


if __name__ == "__main__":
    main()
