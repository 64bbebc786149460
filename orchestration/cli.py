"""The ``gvc`` console script: synth | ingest | reference | build | report | montecarlo | ui | docs | export.

Thin: every subcommand parses its options and calls one function of
``analytics``, ``orchestration`` or ``gvc``; no method lives here.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


DEFAULT_RAW_ARG = "data/raw"
DEFAULT_WAREHOUSE_ARG = "data/warehouse.duckdb"


def _progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _cmd_synth(args: argparse.Namespace) -> int:
    from analytics.synth.world import generate

    out = Path(args.out)
    vendor = args.layout == "vendor"
    _progress(f"synth: writing a {args.scale} world (seed {args.seed}) to {out.resolve()}"
              + (" in the vendors' delivered layouts" if vendor else ""))
    t0 = time.perf_counter()
    kw = dict(scale=args.scale, seed=args.seed, beta=args.beta, reference_dir=args.reference_dir, progress=_progress)
    if vendor:
        from analytics.synth.vendor import DELIVERED, generate_vendor

        summary = generate_vendor(out, **kw)
    else:
        summary = generate(out, **kw)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print()
    print(f"wrote {out.resolve()}" + (" (vendor layout)" if vendor else ""))
    if vendor:
        print("\n".join(summary["delivery"].lines()))
        print(f"  reference/             {len(list((out / 'reference').iterdir()))} tables, as in the canonical layout")
    else:
        for table, n in summary["rows"].items():
            print(f"  {table:<22} {n:>12,} rows   {out / table}/year=YYYY/part-0.parquet")
        print(f"  reference/             {len(list((out / 'reference').iterdir()))} tables")
    print(f"  truth.json             beta={summary['params']['beta']}, seed={args.seed}, scale={args.scale}")
    print(f"  truth/                 firm_year_dvar ({summary['exporter_years_truth']:,} exporter-years), "
          f"city_industry_complementarity, firm_year_latent")
    print(f"  self-checks: |C - designed C| max {summary['check_C_max_abs_gap']:.2e}; "
          f"|DVAR - target| p99 {summary['check_dvar_p99_abs_gap']:.2e}; "
          f"|M identity - true M| max relative {summary['check_m_identity_max_rel_gap']:.2e}")
    print(f"  {secs:.1f} s, peak memory {peak_mb:,.0f} MB, {size_mb:,.1f} MB on disk")
    if vendor:
        print(f"  back to the canonical layout: gvc ingest {out / DELIVERED} --raw RAW, then copy {out / 'reference'} "
              f"into RAW")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from analytics.ingest import IngestError, ingest
    from analytics.ingest.layouts import LayoutError
    from analytics.ingest.readers import ReadError

    raw = Path(args.raw)
    _progress(f"ingest: {len(args.sources)} source(s) -> {raw.resolve()}" + (" (dry run)" if args.dry_run else ""))
    try:
        report = ingest(args.sources, raw, layout=args.layout, layouts_dir=args.layouts, dry_run=args.dry_run,
                        progress=_progress)
    except (IngestError, LayoutError, ReadError) as err:
        if isinstance(err, IngestError) and err.report is not None and err.report.files:
            print("\n".join(err.report.lines()))
        print(f"gvc ingest: {err}", file=sys.stderr)
        return 2
    print()
    print("\n".join(report.lines()))
    if args.dry_run:
        print(f"dry run: every file passed; nothing written to {raw.resolve()}")
    else:
        print(f"wrote {raw.resolve()} ({report.seconds:.1f} s); report {raw.resolve() / 'ingest_report.json'}")
    return 0


def _cmd_reference(args: argparse.Namespace) -> int:
    from analytics.ingest.reference import UnsdError, build_reference
    from analytics.settings import load_settings

    settings = load_settings()
    split = args.split_weights or settings.split_weights
    raw = Path(args.out)
    _progress(f"reference: {len(args.unsd)} UNSD source(s) -> {(raw / 'reference').resolve()} "
              f"(split_weights = {split})")
    try:
        report = build_reference(args.unsd, raw, split_weights=split, csv_encoding=settings.csv_encoding,
                                 progress=_progress)
    except UnsdError as err:
        print(f"gvc reference: {err}", file=sys.stderr)
        return 2
    print()
    print("\n".join(report.lines()))
    print("wrote " + "\n      ".join(report.written) + f"  ({report.seconds:.1f} s)")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from orchestration.build import BuildError, build
    from schemas.validate import RawValidationError

    raw = Path(args.raw)
    if not raw.exists():
        if args.raw != DEFAULT_RAW_ARG:
            print(f"gvc build: raw root {raw} does not exist (write one with `gvc synth --out {raw}`)", file=sys.stderr)
            return 2
        # the embedded default: the synthetic demo world
        _progress(f"no raw root at {raw}: writing the synthetic demo world there first (gvc synth --scale demo --seed 1)")
        from analytics.synth.world import generate

        generate(raw, scale="demo", seed=1, progress=_progress)
    # the build's own log beside the warehouse: its progress, its error or its headline
    logs = Path(f"{Path(args.warehouse)}.logs")
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    with log_path.open("w", encoding="utf-8") as log:
        def progress(msg: str) -> None:
            line = f"[{time.strftime('%H:%M:%S')}] {msg}"
            print(line, flush=True)
            log.write(line + "\n")
            log.flush()

        progress(f"log: {log_path.resolve()}")
        verbose = os.environ.get("GVC_DBT_VERBOSE")  # read by orchestration.dbt (DBT_VERBOSE_ENV)
        if args.verbose:
            os.environ["GVC_DBT_VERBOSE"] = "1"
        try:
            res = build(raw, Path(args.warehouse), years=args.years, progress=progress,
                        reports=Path(args.reports) if args.reports else None, changed=args.changed,
                        instance=_instance(args.warehouse), dry_run=args.dry_run, spec_curve=args.spec_curve)
        except RawValidationError as err:
            msg = f"gvc build: the raw root breaks the data contract; the warehouse was not touched.\n{err}"
            print(msg, file=sys.stderr)
            log.write(msg + "\n")
            return 2
        except BuildError as err:
            print(f"gvc build: {err}", file=sys.stderr)
            log.write(f"gvc build: {err}\n")
            return 1
        finally:
            if verbose is None:
                os.environ.pop("GVC_DBT_VERBOSE", None)
            else:
                os.environ["GVC_DBT_VERBOSE"] = verbose
        if not args.dry_run:
            lines = _headline(Path(args.warehouse))
            if lines:
                print("\n".join(lines))
                log.write("\n".join(lines) + "\n")
    if args.timings:
        import json

        Path(args.timings).write_text(json.dumps({"seconds": res["seconds"], "years": res["years"],
                                                  "stages": res.get("stages", {})}, indent=1))
    return 0


def _headline(warehouse: Path) -> list[str]:
    """The study's answer (analytics/report/headline.py), read from the built warehouse."""
    import duckdb

    from analytics.report.headline import headline_lines

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as err:  # never the build's end: the report holds the same numbers
        return [f"(headline not read: {err})"]
    try:
        return headline_lines(con)
    finally:
        con.close()


def _not_a_warehouse(path: Path) -> str | None:
    """Why ``path`` is not a warehouse `gvc build` wrote (missing, empty, not DuckDB, no marts), else None."""
    from gvc.warehouse import problem

    return problem(path)


def _cmd_report(args: argparse.Namespace) -> int:
    from analytics.report import write_report
    from analytics.settings import load_settings

    warehouse = Path(args.warehouse)
    problem = _not_a_warehouse(warehouse)
    if problem:
        print(f"gvc report: {problem}", file=sys.stderr)
        return 2
    from orchestration.resources import beside

    out = Path(args.out) if args.out else beside(warehouse, "reports")
    _progress(f"report: reading {warehouse.resolve()}, writing to {out.resolve()}")
    settings = load_settings()
    res = write_report(warehouse, out, raw_root=Path(args.raw) if args.raw else None,
                       year_start=settings.year_start, year_end=settings.year_end,
                       exclude_years=tuple(settings.exclude_years))
    print(f"wrote {res['html'].resolve()}  (self-contained HTML)")
    print(f"      {res['markdown'].resolve()}")
    print(f"      {len(res['tables'])} tables in {(out / 'tables').resolve()} (.md, .tex)")
    print(f"      {len(res['figures'])} figures in {(out / 'figures').resolve()} (.png)")
    if res["truth"] is not None:
        counted = [r for r in res["truth"] if r.get("counted", True)]
        covered = sum(bool(r["covered"]) for r in counted)
        print(f"  truth section: {covered} of {len(counted)} 95% CIs cover the generator's values")
    for key, why in res["missing"].items():
        print(f"  not available: {key} ({why})")
    return 0


def _cmd_montecarlo(args: argparse.Namespace) -> int:
    from analytics.montecarlo import rendered_table, run_meta, run_montecarlo, summarise, world_overrides, write_outputs
    from analytics.report.tables import to_markdown
    from analytics.settings import load_settings
    from orchestration.resources import reports_dir

    if args.seeds < 1 or args.jobs < 1:
        print("gvc montecarlo: --seeds and --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        world = world_overrides(args.world)
    except ValueError as e:
        print(f"gvc montecarlo: {e}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else reports_dir() / "montecarlo"
    last = args.first_seed + args.seeds - 1
    _progress(f"montecarlo: {args.seeds} {args.scale} worlds (seeds {args.first_seed}-{last}), "
              f"{args.jobs} worker process(es)" + (f", world changed: {world}" if world else "")
              + f" -> {out.resolve()}")
    t0 = time.perf_counter()
    draws = run_montecarlo(args.scale, args.seeds, args.first_seed, args.jobs, settings=load_settings(),
                           progress=_progress, world=world)
    wall = time.perf_counter() - t0
    meta = run_meta(args.scale, args.seeds, args.first_seed, args.jobs, wall, world)
    paths = write_outputs(out, draws, meta)
    print()
    print(to_markdown(rendered_table(summarise(draws), meta)))
    print(f"wall time {wall:.1f} s for {args.seeds} seeds ({wall / args.seeds:.1f} s a seed, {args.jobs} job(s))")
    print(f"wrote {paths['csv'].resolve()} (table), {paths['draws'].name} (every seed's estimates), "
          f"{paths['md'].name}, {paths['tex'].name}, {paths['png'].name}, {paths['json'].name}")
    return 0


def _dagster_home(warehouse: Path | str = DEFAULT_WAREHOUSE_ARG) -> Path:
    """The Dagster instance of ``warehouse`` ($DAGSTER_HOME, else ``<warehouse>.dagster``
    beside it: its runs, asset metadata and sensor cursors, never another
    warehouse's) with the project's dagster.yaml; its storage lives under it."""
    from orchestration.resources import PROJECT_ROOT, beside

    home = Path(os.environ.get("DAGSTER_HOME") or beside(warehouse, "dagster")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    return home


def _instance(warehouse: Path | str = DEFAULT_WAREHOUSE_ARG):
    """The persistent instance `gvc build` of ``warehouse`` records its runs in (the one `gvc ui` shows)."""
    import dagster as dg

    home = _dagster_home(warehouse)
    os.environ["GVC_DAGSTER_STORAGE"] = str(home / "storage")
    return dg.DagsterInstance.from_config(str(home))


def _dagster_env(raw: Path, warehouse: Path) -> dict:
    """The environment of `gvc ui`: the warehouse's own instance (see _dagster_home), its
    report folder and the paths."""
    from orchestration.resources import beside

    home = _dagster_home(warehouse)
    env = dict(os.environ)
    env.update(DAGSTER_HOME=str(home), GVC_DAGSTER_STORAGE=str(home / "storage"),
               GVC_RAW=str(raw.resolve()), GVC_WAREHOUSE=str(warehouse.resolve()))
    env.setdefault("GVC_REPORTS", str(beside(warehouse, "reports")))
    from analytics.rawio import UTF8_STAGING_ENV

    staged = Path(f"{warehouse.resolve()}.csv_utf8")  # the UTF-8 copies `gvc build` made of non-UTF-8 CSV
    if staged.exists():
        env[UTF8_STAGING_ENV] = str(staged)
    return env


def _cmd_ui(args: argparse.Namespace) -> int:
    import signal

    from orchestration.dbt import ensure_manifest

    ensure_manifest()
    env = _dagster_env(Path(args.raw), Path(args.warehouse))
    from orchestration.recovery import fail_dead_runs

    fail_dead_runs(_instance(args.warehouse), progress=_progress)  # runs a dead process left STARTED would block the queue
    _progress(f"ui: raw root {env['GVC_RAW']}, warehouse {env['GVC_WAREHOUSE']}, instance {env['DAGSTER_HOME']}")
    _progress(f"ui: http://127.0.0.1:{args.port}")
    cmd = [sys.executable, "-m", "dagster", "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(args.port)]
    # `dagster dev` started from a script ignores SIGINT/SIGTERM unless they are reset
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


def _cmd_docs(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from analytics.settings import load_settings
    from orchestration.dbt_cli import run_dbt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    warehouse = Path(args.warehouse)
    with tempfile.TemporaryDirectory() as tmp:
        if not warehouse.exists():  # the catalog then has no column types, the site still builds
            warehouse = Path(tmp) / "empty.duckdb"
        cmd = ["docs", "generate", "--static"]
        if not Path(args.warehouse).exists():
            # nothing to compile against: dbt documents the parsed project (its manifest) as it is
            from orchestration.dbt import ensure_manifest

            (Path(tmp) / "target").mkdir()
            shutil.copy2(ensure_manifest(load_settings()), Path(tmp) / "target" / "manifest.json")
            cmd.append("--no-compile")
        res = run_dbt(cmd, Path(args.raw), warehouse, settings=load_settings(), target_path=Path(tmp) / "target")
        if not res.success:
            print(f"gvc docs: dbt docs generate failed: {res.exception}", file=sys.stderr)
            return 1
        for name in ("index.html", "manifest.json", "catalog.json"):
            shutil.copy2(Path(tmp) / "target" / name, out / name)
        # one file with the manifest and catalog inside: opens from file:// (index.html fetches them, which
        # browsers refuse over file://, so that one needs serving)
        shutil.copy2(Path(tmp) / "target" / "static_index.html", out / "static_index.html")
    print(f"wrote the dbt docs site to {out.resolve()}:\n"
          f"  open {(out / 'static_index.html').resolve()} directly (one self-contained file), or\n"
          f"  serve the folder for index.html: python -m http.server --directory {out.resolve()} 8080")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from gvc.export import ExportError, export
    from gvc.warehouse import WarehouseError

    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in ("dta", "csv", "parquet"):
        print(f"gvc export: say --format dta, csv or parquet (the name {out.name} does not tell)", file=sys.stderr)
        return 2
    try:
        res = export(Path(args.warehouse), args.table, fmt, out)
    except (WarehouseError, ExportError) as err:
        print(f"gvc export: {err}", file=sys.stderr)
        return 2
    print("\n".join(res.lines()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gvc", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write a synthetic raw root whose truth is known (docs/synthetic_world.md)")
    s.add_argument("--out", required=True, help="folder to write the raw root, truth.json and truth/ into")
    s.add_argument("--scale", choices=["tiny", "demo", "paper"], default="tiny",
                   help="tiny: ~25 cities, tests; demo: ~120 cities, ~40k exporter-years; paper: ~300 cities, >=100M customs rows")
    s.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives byte-identical files")
    s.add_argument("--beta", type=float, default=None, help="true effect of C on DVAR (default 0.21)")
    s.add_argument("--reference-dir", default=None,
                   help="folder of public reference files in their published layouts (UNSD HS correspondence and "
                        "BEC, the cpca city list); default: the packaged catalogue")
    s.add_argument("--layout", choices=["canonical", "vendor"], default="canonical",
                   help="canonical: the contract's raw root; vendor: the same world as vendors deliver it (monthly "
                        "GBK/GB18030 CSV and Stata files, Chinese names and codes) under OUT/delivered, for gvc ingest")
    s.set_defaults(func=_cmd_synth)

    i = sub.add_parser("ingest", help="convert vendor-delivered files (Stata, CSV, Excel, Access, Parquet) into a raw root")
    i.add_argument("sources", nargs="+", metavar="SOURCE", help="delivered files, or folders searched at any depth")
    i.add_argument("--raw", required=True, help="the raw root to write (its other years and tables stay)")
    i.add_argument("--layout", default=None,
                   help="the layout of every file (default: recognised per file from its column names)")
    i.add_argument("--layouts", default=None, metavar="DIR",
                   help="a folder of your own layout YAML files, added to the shipped ones (same name: yours wins)")
    i.add_argument("--dry-run", action="store_true",
                   help="read, convert and check every file and print the report; write nothing")
    i.set_defaults(func=_cmd_ingest)

    f = sub.add_parser("reference", help="build reference/hs_concordance and reference/hs_bec from the UNSD "
                                         "correspondence and HS -> BEC tables")
    f.add_argument("--unsd", required=True, nargs="+", metavar="PATH",
                   help="the UNSD files (CSV or Excel, as published: HS2002/2007/2012 -> HS1996 correlation or "
                        "conversion tables, HS -> BEC Rev.4 tables), or folders searched at any depth; each file "
                        "is recognised from its columns")
    f.add_argument("--out", required=True, metavar="RAW",
                   help="the raw root whose reference/hs_concordance and reference/hs_bec are (re)written")
    f.add_argument("--split-weights", choices=["equal", "trade"], default=None,
                   help="weights of a source code split over several HS1996 codes: equal shares, or each "
                        "target's share of national 2001 imports in RAW/customs_transactions; default the "
                        "setting split_weights (gvc.toml)")
    _config_option(f)
    f.set_defaults(func=_cmd_reference)

    b = sub.add_parser("build", help="validate a raw root and materialise every asset into the warehouse")
    b.add_argument("--raw", default=DEFAULT_RAW_ARG,
                   help="the raw root (layout: docs/contract.md); default data/raw, written as the synthetic demo world if absent")
    b.add_argument("--warehouse", default="data/warehouse.duckdb", help="DuckDB file to build; default data/warehouse.duckdb")
    b.add_argument("--years", type=int, nargs="+", default=None,
                   help="sample years to (re)build, e.g. --years 2001 2004; default every year present in the raw root")
    b.add_argument("--changed", action="store_true",
                   help="rebuild only the years whose raw files changed since their last build (per-year "
                        "fingerprints recorded in the warehouse), then the cross-year assets; prints which years, "
                        "why, and which assets")
    b.add_argument("--reports", default=None,
                   help="folder for the report (tables, figures, report.html); default $GVC_REPORTS, else "
                        "<warehouse>.reports beside the warehouse")
    b.add_argument("--verbose", action="store_true",
                   help="also print dbt's line per model and test (otherwise in the dbt call's dbt.log)")
    b.add_argument("--spec-curve", action="store_true",
                   help="also rerun the specification curve (Table 7 (3) under every METHOD switch: the costliest "
                        "step); without it the warehouse keeps the last curve and the report says when it was made")
    b.add_argument("--dry-run", action="store_true",
                   help="say which years and assets would be (re)built and why, and build nothing")
    b.add_argument("--timings", default=None, metavar="FILE",
                   help="write the build's wall seconds per stage (validation, every Dagster step) to FILE as JSON")
    _config_option(b)
    b.set_defaults(func=_cmd_build)

    r = sub.add_parser("report", help="write the report: tables (Markdown, LaTeX), figures (PNG), one HTML file")
    r.add_argument("--warehouse", default="data/warehouse.duckdb", help="the warehouse; default data/warehouse.duckdb")
    r.add_argument("--out", default=None, help="folder to write the report into; default <warehouse>.reports "
                                               "beside the warehouse")
    r.add_argument("--raw", default=None,
                   help="raw root whose truth.json feeds the truth section when the warehouse has no "
                        "analytics.synthetic_truth rows")
    _config_option(r)
    r.set_defaults(func=_cmd_report)

    m = sub.add_parser("montecarlo", help="draw synthetic worlds over seeds and compare the study's estimates "
                                          "with their truth (bias, RMSE, coverage)")
    m.add_argument("--scale", choices=["tiny", "demo"], default="tiny",
                   help="world size: tiny (about 10 s a seed) or demo (minutes a seed)")
    m.add_argument("--seeds", type=int, required=True, help="number of worlds")
    m.add_argument("--first-seed", type=int, default=1, help="seed of the first world (then S+1, ...); default 1")
    m.add_argument("--jobs", type=int, default=1,
                   help="worker processes drawing seeds; the results do not depend on it; default 1")
    m.add_argument("--world", action="append", default=[], metavar="KEY=VALUE",
                   help="a generator parameter changed in every world drawn, for design experiments, e.g. "
                        "patent_free_cells=0.4 (repeatable; recorded in montecarlo.json)")
    m.add_argument("--out", default=None,
                   help="folder for montecarlo.csv/.md/.tex/.png, draws.csv and montecarlo.json; default "
                        "montecarlo/ in the report folder ($GVC_REPORTS, else reports/)")
    _config_option(m)
    m.set_defaults(func=_cmd_montecarlo)

    u = sub.add_parser("ui", help="start the Dagster UI on 127.0.0.1 with the whole asset graph")
    u.add_argument("--raw", default="data/raw", help="the raw root; default data/raw")
    u.add_argument("--warehouse", default="data/warehouse.duckdb", help="the warehouse; default data/warehouse.duckdb")
    u.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1; default 3000")
    _config_option(u)
    u.set_defaults(func=_cmd_ui)

    d = sub.add_parser("docs", help="write the dbt docs site (index.html, manifest.json, catalog.json)")
    d.add_argument("--out", required=True, help="folder to write the site into")
    d.add_argument("--raw", default="data/raw", help="the raw root the models read; default data/raw")
    d.add_argument("--warehouse", default="data/warehouse.duckdb", help="warehouse for the catalog; default data/warehouse.duckdb")
    _config_option(d)
    d.set_defaults(func=_cmd_docs)

    e = sub.add_parser("export", help="write a mart (or the analysis panel) to a Stata, CSV or Parquet file",
                       description="Write one table of schema marts to a file: Stata 118 (UTF-8) with variable "
                                   "labels from the dbt docs, CSV (UTF-8, header) or Parquet. Beside a .dta of "
                                   "the panel, <out stem>_table4.do reruns Table 4 with reghdfe.")
    e.add_argument("table", metavar="TABLE",
                   help="panel (= fct_firm_panel), or any fct_* table of schema marts, with or without 'marts.'")
    e.add_argument("--format", choices=["dta", "csv", "parquet"], default=None,
                   help="file format; default from the --out suffix (.dta, .csv, .parquet)")
    e.add_argument("--warehouse", default="data/warehouse.duckdb", help="the warehouse; default data/warehouse.duckdb")
    e.add_argument("--out", required=True, metavar="FILE", help="file to write (its folder is created)")
    e.set_defaults(func=_cmd_export)
    return p


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=None,
                        help="settings file ([method] table, e.g. year_end = 2015); default $GVC_CONFIG, else "
                             "gvc.toml in the project")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # first: --help and usage errors answer before dagster is imported
    if not hasattr(args, "config"):  # a command without settings (synth, ingest, export): no dagster to load
        return _run(args)
    from orchestration.resources import scoped_environ

    if args.command in ("build", "ui", "docs"):  # dagster's notes on its beta/preview parameters we use
        import warnings

        from dagster import BetaWarning, PreviewWarning

        for category in (BetaWarning, PreviewWarning):
            warnings.filterwarnings("ignore", category=category)
    # --config: the settings file of this command and of what it starts (dagster dev, dbt);
    # main() called in-process (tests) leaves the environment as it was
    config = {"GVC_CONFIG": str(Path(args.config).resolve())} if getattr(args, "config", None) else {}
    with scoped_environ(**config):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if hasattr(args, "config"):
        from analytics.settings import config_path, load_settings

        try:
            settings = load_settings()
        except (OSError, ValueError) as err:
            print(f"gvc {args.command}: bad settings: {err}", file=sys.stderr)
            return 2
        where = config_path() or "the METHOD defaults"
        _progress(f"settings: {where} (years {settings.year_start}-{settings.year_end}, "
                  f"less {list(settings.exclude_years)})")
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
