"""Benchmark the Monte Carlo over worlds: `gvc montecarlo` at demo scale.

    uv run python bench/montecarlo.py [--scale demo] [--seeds 50] [--jobs 2] [--out DIR]

Draws the worlds in memory (a demo world takes about 65 s of one core to
make and estimate: 50 seeds on 2 jobs took 1,657 s on a quiet 2-core
machine, 2026-12-07), prints
every seed as it finishes, then the table (bias, RMSE, mean SE, sd and
coverage per parameter, estimator and clustering) and the wall time. The
outputs go to DIR (default: a temporary folder, so the report's latest
Monte Carlo is not replaced; `gvc montecarlo` writes reports/montecarlo/).
"""

from __future__ import annotations

import argparse
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=["tiny", "demo"], default="demo")
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None, help="where the outputs go; default a temporary folder")
    args = ap.parse_args()

    from orchestration.cli import main as gvc

    with tempfile.TemporaryDirectory(prefix="gvc-bench-montecarlo-") as tmp:
        return gvc(["montecarlo", "--scale", args.scale, "--seeds", str(args.seeds), "--first-seed",
                    str(args.first_seed), "--jobs", str(args.jobs), "--out", args.out or tmp])


if __name__ == "__main__":
    sys.exit(main())
