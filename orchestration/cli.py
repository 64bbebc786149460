"""The ``gvc`` console script: synth | build | report | ui | docs.

Thin: every subcommand parses its options and calls one function of
``analytics`` or ``orchestration``; no method lives here.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def _progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _cmd_synth(args: argparse.Namespace) -> int:
    from analytics.synth.world import generate

    out = Path(args.out)
    _progress(f"synth: writing a {args.scale} world (seed {args.seed}) to {out.resolve()}")
    t0 = time.perf_counter()
    summary = generate(out, scale=args.scale, seed=args.seed, beta=args.beta,
                       reference_dir=args.reference_dir, progress=_progress)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print()
    print(f"wrote {out.resolve()}")
    for table, n in summary["rows"].items():
        print(f"  {table:<22} {n:>12,} rows   {out / table}/year=YYYY/part-0.parquet")
    print(f"  reference/             {len(list((out / 'reference').iterdir()))} tables")
    print(f"  truth.json             beta={summary['params']['beta']}, seed={args.seed}, scale={args.scale}")
    print(f"  truth/                 firm_year_dvar ({summary['exporter_years_truth']:,} exporter-years), "
          f"city_industry_complementarity, firm_year_latent")
    print(f"  self-checks: |C - designed C| max {summary['check_C_max_abs_gap']:.2e}; "
          f"|DVAR - target| p99 {summary['check_dvar_p99_abs_gap']:.2e}")
    print(f"  {secs:.1f} s, peak memory {peak_mb:,.0f} MB, {size_mb:,.1f} MB on disk")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gvc", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write a synthetic raw root whose truth is known (spec/SYNTH.md)")
    s.add_argument("--out", required=True, help="folder to write the raw root, truth.json and truth/ into")
    s.add_argument("--scale", choices=["tiny", "demo", "paper"], default="tiny",
                   help="tiny: ~25 cities, tests; demo: ~120 cities, ~40k exporter-years; paper: ~300 cities, >=100M customs rows")
    s.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives byte-identical files")
    s.add_argument("--beta", type=float, default=None, help="true effect of C on DVAR (default 0.21)")
    s.add_argument("--reference-dir", default=None,
                   help="folder of public reference files in their published layouts (UNSD HS correspondence and "
                        "BEC, the cpca city list); default: the packaged catalogue")
    s.set_defaults(func=_cmd_synth)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
