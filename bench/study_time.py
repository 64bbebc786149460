"""Benchmark the study: wall time of every production, estimation and report
asset but the specification curve (as `gvc build` runs them without
--spec-curve) on a warehouse that `gvc build` has built (the warehouse is
copied; the original is not touched).

    uv run python bench/study_time.py --raw DIR --warehouse FILE [--reports DIR]

Prints one line per asset (seconds, from the run's step start/success events)
and the total, the wall time of the whole estimation suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import dagster as dg

GROUPS = ("production", "estimation", "report")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--reports", default=None, help="where the report goes; default a temporary folder")
    args = ap.parse_args()

    from orchestration.definitions import make_definitions
    from orchestration.spec_curve import spec_curve_asset

    with tempfile.TemporaryDirectory(prefix="gvc-bench-") as tmp:
        wh = Path(tmp) / Path(args.warehouse).name
        shutil.copy2(args.warehouse, wh)
        os.environ["GVC_REPORTS"] = args.reports or str(Path(tmp) / "reports")
        os.environ["GVC_RAW"], os.environ["GVC_WAREHOUSE"] = str(Path(args.raw).resolve()), str(wh)
        defs = make_definitions(args.raw, wh)
        # as `gvc build` without --spec-curve (bench/spec_curve.py times the curve alone)
        selection = dg.AssetSelection.groups(*GROUPS) - dg.AssetSelection.assets(spec_curve_asset)
        instance = dg.DagsterInstance.ephemeral()
        t0 = time.perf_counter()
        res = dg.materialize(list(defs.assets), selection=selection, resources=defs.resources,
                             instance=instance, raise_on_error=False)
        wall = time.perf_counter() - t0
        took = {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in instance.get_run_step_stats(res.run_id)}
        print(f"{'asset step':<44} {'seconds':>8}")
        for step, secs in sorted(took.items(), key=lambda kv: -kv[1]):
            print(f"{step:<44} {secs:>8.1f}")
        print(f"{'sum of steps':<44} {sum(took.values()):>8.1f}")
        print(f"{'wall (one run, in-process executor)':<44} {wall:>8.1f}")
        print("success" if res.success else "FAILED")


if __name__ == "__main__":
    main()
