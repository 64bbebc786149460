"""Benchmark the specification curve alone on a warehouse `gvc build` has built
(the warehouse is copied; the original is not touched).

    uv run python bench/spec_curve.py --raw DIR --warehouse FILE

Runs the ``estimation/spec_curve`` asset by itself (in this process, as
``gvc build --spec-curve`` runs it) and prints its progress lines with their
times (each dbt rerun, then the fits), the wall time of the step and the
peak RSS of the process and its worker processes, and the process's RSS
when the step ends. The
targets at paper scale: at most 3 min and 4 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import psutil


class PeakSampler(threading.Thread):
    """The RSS of this process and its children (the curve's worker processes,
    if any) every ``every`` seconds: the peak of the sum and when it came."""

    def __init__(self, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.every, self.peak, self.at, self.t0 = every, 0.0, 0.0, time.perf_counter()
        self.done = threading.Event()

    def run(self) -> None:
        proc = psutil.Process()
        while not self.done.wait(self.every):
            rss = 0.0
            for p in (proc, *proc.children(recursive=True)):
                try:
                    rss += p.memory_info().rss / 2**30
                except psutil.Error:  # a child that ended meanwhile
                    pass
            if rss > self.peak:
                self.peak, self.at = rss, time.perf_counter() - self.t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", required=True)
    ap.add_argument("--warehouse", required=True)
    args = ap.parse_args()

    from orchestration.definitions import make_definitions
    from orchestration.spec_curve import spec_curve_asset

    with tempfile.TemporaryDirectory(prefix="gvc-bench-", dir=Path(args.warehouse).parent) as tmp:
        wh = Path(tmp) / Path(args.warehouse).name
        shutil.copy2(args.warehouse, wh)
        os.environ["GVC_REPORTS"] = str(Path(tmp) / "reports")
        os.environ["GVC_RAW"], os.environ["GVC_WAREHOUSE"] = str(Path(args.raw).resolve()), str(wh)
        defs = make_definitions(args.raw, wh)
        instance = dg.DagsterInstance.ephemeral()
        rss_before = psutil.Process().memory_info().rss / 2**30
        sampler = PeakSampler()
        sampler.start()
        t0 = time.perf_counter()
        res = dg.materialize(list(defs.assets), selection=dg.AssetSelection.assets(spec_curve_asset),
                             resources=defs.resources, instance=instance, raise_on_error=False)
        wall = time.perf_counter() - t0
        sampler.done.set()
        sampler.join()
        start = None
        for rec in instance.all_logs(res.run_id):
            msg = rec.user_message or ""
            if start is None and rec.dagster_event is not None and rec.dagster_event.event_type_value == "STEP_START":
                start = rec.timestamp
            if msg.startswith("spec curve:"):
                print(f"{rec.timestamp - (start or rec.timestamp):7.1f} s  {msg}")
        print(f"{'wall (the step, in-process)':<40} {wall:8.1f} s")
        print(f"{'RSS before the step':<40} {rss_before:8.2f} GB")
        print(f"{'peak RSS, process + workers (sampled)':<40} {sampler.peak:8.2f} GB at {sampler.at:.0f} s")
        print(f"{'peak RSS of the process (getrusage)':<40} "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:8.2f} GB")
        print(f"{'peak RSS of the largest worker':<40} "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20:8.2f} GB")
        print(f"{'RSS after the step':<40} {psutil.Process().memory_info().rss / 2**30:8.2f} GB")
        print("success" if res.success else "FAILED")


if __name__ == "__main__":
    main()
