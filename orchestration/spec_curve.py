"""The specification curve (METHOD §6, beyond the paper): dbt reruns per switch.

C and raw DVAR are recomputed by dbt itself under each switch combination,
in a scratch copy of the warehouse (the real one is never touched). Each
rerun runs only the models the switches that changed reach
(:data:`SWITCH_MODELS`: from the model whose SQL reads the switch to the
mart the curve reads):
- a patent combination that differs from the scratch's last one in
  ``ipc_levels`` or ``ipc_counting`` reruns the models between
  ``int_patent_technology_units`` and ``fct_city_industry_complementarity``
  (the mart's numerator comes from ``int_city_weighted_cra``, which needs no
  city pairs, so the 18 M pairs of ``int_city_pair_cra`` at paper scale are
  not on that path and are not rerun); one that differs only in
  ``weight_denominator`` reruns ``fct_city_industry_complementarity`` alone. The
  combinations come in an order where every second one is of that kind;
- ``indirect_import_adjustment = false`` reruns the models between
  ``int_customs_firm_trade_totals`` and ``fct_firm_year_dvar``;
- one run of ``fct_firm_panel`` with ``dvar_out_of_range = clip`` and no
  winsorisation gives the base panel every variant is cut from.
The reruns give DuckDB :data:`DUCKDB_MEMORY` (unless ``GVC_DUCKDB_MEMORY_LIMIT``
says otherwise; it spills the rest to disk): at paper scale the default half
of the machine let a rerun through the pair model hold 8 GB.
``analytics.study.spec_panels`` crosses the variants (dvar_out_of_range and
the winsorisation act on the panel) and ``analytics.study.spec_curve`` runs
Table 7 column (3) on each of the 64 panels, one panel in memory at a time.
"""

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from analytics.environ import scoped_environ
from analytics.settings import MethodSettings
from analytics.study import spec_panels as sp
from analytics.study.spec_curve import combo_label, curve_columns, curve_workers, spec_curve
from orchestration.dbt_cli import MEMORY_LIMIT_ENV, run_dbt
from orchestration.estimation import write_results
from orchestration.resources import GvcResource
from schemas.panel import REGRESSION_RESULTS
from orchestration.warehouse import checkpoint, read_sql

C_MART, DVAR_MART = "fct_city_industry_complementarity", "fct_firm_year_dvar"
# each switch of the curve's dbt side: the first model whose SQL reads it, and the mart the curve reads
SWITCH_MODELS: dict[str, tuple[str, str]] = {
    "ipc_levels": ("int_patent_technology_units", C_MART),
    "ipc_counting": ("int_patent_technology_units", C_MART),
    "weight_denominator": (C_MART, C_MART),
    "indirect_import_adjustment": ("int_customs_firm_trade_totals", DVAR_MART),
}
DUCKDB_MEMORY = "2GB"  # the reruns' DuckDB memory limit: the curve's step stays within about 4 GB


class SpecCurveError(RuntimeError):
    pass


def _years(warehouse: Path) -> list[int]:
    return [int(y) for y in read_sql(warehouse, "select distinct year from marts.fct_firm_year_dvar order by 1")["year"]]


def rerun_selection(changed: list[str]) -> str:
    """The dbt selection that recomputes the curve's marts after the switches
    ``changed`` changed: for each, the models from the one that reads it to
    the mart (``a+,+b``), united (space-separated)."""
    unknown = [k for k in changed if k not in SWITCH_MODELS]
    if unknown or not changed:
        raise ValueError(f"rerun_selection: no dbt models known for switches {unknown or changed!r}")
    return " ".join(sorted({f"{first}+,+{last}" if first != last else last
                            for first, last in (SWITCH_MODELS[k] for k in changed)}))


def _run(select: str, raw_root: Path, scratch: Path, settings: MethodSettings, years: list[int], target: Path) -> None:
    res = run_dbt(["run", "--select", *select.split(), "--quiet"], raw_root, scratch, settings=settings, years=years,
                  target_path=target)
    if not res.success:
        raise SpecCurveError(f"dbt run --select {select} failed under {settings.as_dict()}: {res.exception or res.failures()[:3]}")


def collect_variants(
    raw_root: Path | str,
    warehouse: Path | str,
    settings: MethodSettings,
    progress: Callable[[str], None] = print,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """(base panel, C variants by sp.c_key, raw DVAR variants by sp.dvar_key).
    The base panel has the columns the curve's regressions read (:func:`curve_columns`)."""
    raw_root, warehouse = Path(raw_root), Path(warehouse)
    years = _years(warehouse)
    default = {k: getattr(settings, k) for k in {**sp.C_SWITCHES, **sp.DVAR_SWITCHES}}
    c_sql = "select city_code, industry_code, year, complementarity from marts.fct_city_industry_complementarity"
    d_sql = "select panel_firm_id, year, dvar from marts.fct_firm_year_dvar where panel_firm_id is not null"
    c_variants = {sp.c_key(default): read_sql(warehouse, c_sql)}
    d_variants = {sp.dvar_key(default): read_sql(warehouse, d_sql)}
    memory = {MEMORY_LIMIT_ENV: os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DUCKDB_MEMORY}
    with tempfile.TemporaryDirectory(prefix="gvc-spec-") as tmp, scoped_environ(**memory):
        # same file name: DuckDB names the catalog after the file, and the
        # staging views refer to it
        scratch, target = Path(tmp) / warehouse.name, Path(tmp) / "target"
        checkpoint(warehouse)
        shutil.copy2(warehouse, scratch)
        t0 = time.perf_counter()
        base_settings = dataclasses.replace(settings, dvar_out_of_range="clip", winsor_lower=0.0, winsor_upper=1.0)
        _run("fct_firm_panel", raw_root, scratch, base_settings, years, target)
        base = read_sql(scratch, f"select {', '.join(curve_columns())} from marts.fct_firm_panel")
        progress(f"spec curve: base panel {len(base):,} rows ({time.perf_counter() - t0:.0f} s)")
        # each switch combination of one side reruns only the models the switches
        # that differ from the scratch's last combination reach
        sides = (("C", sp.C_SWITCHES, sp.c_key, c_sql, c_variants),
                 ("DVAR", sp.DVAR_SWITCHES, sp.dvar_key, d_sql, d_variants))
        for what, switches, key_of, sql, variants in sides:
            held = {k: default[k] for k in switches}  # what the scratch's models hold now
            for spec in curve_specs(settings):
                key = key_of(spec)
                if key in variants:
                    continue
                side = {k: spec[k] for k in switches}
                select = rerun_selection([k for k in switches if side[k] != held[k]])
                _run(select, raw_root, scratch, dataclasses.replace(settings, **side), years, target)
                held = side
                variants[key] = read_sql(scratch, sql)
                progress(f"spec curve: {what} under {key}, dbt {select} ({time.perf_counter() - t0:.0f} s)")
    return base, c_variants, d_variants


def curve_specs(settings: MethodSettings) -> list[dict]:
    """The curve's switch combinations: every value of the switches the
    settings vary (``spec_curve_switches``; all six by default), the others at
    the settings' values."""
    return sp.every_spec(settings.spec_curve_switches, held=settings.as_dict())


def build_spec_panels(
    base: pd.DataFrame,
    c_variants: dict[str, pd.DataFrame],
    d_variants: dict[str, pd.DataFrame],
    settings: MethodSettings,
    winsor_cols: tuple[str, ...] = sp.WINSORISED_COLUMNS,
) -> Iterator[tuple[tuple, pd.DataFrame]]:
    """Every switch combination's panel with its (switch, value) pairs, one at
    a time: each is cut from the base panel when its turn comes and dropped
    after its regressions, so memory holds one panel, not 64."""
    for spec in curve_specs(settings):
        yield tuple(spec.items()), sp.spec_panel(base, c_variants[sp.c_key(spec)], d_variants[sp.dvar_key(spec)],
                                                 spec, winsor_cols, settings.winsor_lower, settings.winsor_upper)


def _blank_nulls(df: pd.DataFrame) -> pd.DataFrame:
    """NULLs as empty cells (a not-estimable specification has no estimate, only its reason)."""
    out = df.astype(object)
    return out.where(df.notna(), "")


@dg.asset(
    key=["estimation", "spec_curve"],
    group_name="estimation",
    deps=[dg.AssetKey(["fct_firm_panel"]), dg.AssetKey(["estimation", "table7"])],
    kinds={"python", "dbt", "duckdb"},
    description=(
        "Specification curve: Table 7 column (3) 2SLS under every combination of the METHOD switches "
        "(ipc_levels x ipc_counting x weight_denominator x indirect_import_adjustment x dvar_out_of_range x "
        "winsorisation = 64 panels by default; the setting spec_curve_switches chooses which vary; C and DVAR "
        "recomputed by dbt in a scratch copy of the warehouse)."
    ),
)
def spec_curve_asset(context: AssetExecutionContext, gvc: GvcResource) -> dg.MaterializeResult:
    settings = gvc.settings
    base, c_var, d_var = collect_variants(gvc.raw_root, gvc.warehouse, settings, progress=context.log.info)
    n_specs = len(curve_specs(settings))
    workers = curve_workers(len(base), n_specs)
    t0 = time.perf_counter()

    def estimated(i: int) -> None:
        if i % 8 == 0 or i == n_specs:
            context.log.info(f"spec curve: {i} of {n_specs} specifications estimated "
                             f"({time.perf_counter() - t0:.0f} s, {workers} process{'es' if workers > 1 else ''})")

    rows = spec_curve(build_spec_panels(base, c_var, d_var, settings), run_id=context.run.run_id,
                      asset=context.asset_key.to_user_string(), workers=workers, done=estimated)
    rows = REGRESSION_RESULTS.validate(rows)
    write_results(gvc.warehouse, "spec_curve", rows)
    est = rows[(rows["term"] == "complementarity") & (rows["cluster"] == "firm")]
    done = est[est["estimate"].notna()]
    context.log.info(f"spec curve: {n_specs} specifications, {len(done)} estimated, in "
                     f"{time.perf_counter() - t0:.0f} s")
    default = combo_label(tuple({k: getattr(settings, k) for k in curve_specs(settings)[0]}.items()))
    hit = done[done["column_id"] == default]

    def stat(v: float) -> float | None:
        return float(v) if pd.notna(v) else None

    return dg.MaterializeResult(metadata={
        "specifications": n_specs,
        "not_estimable": len(est) - len(done),
        "estimate_min": stat(done["estimate"].min()),
        "estimate_median": stat(done["estimate"].median()),
        "estimate_max": stat(done["estimate"].max()),
        "default_estimate": float(hit["estimate"].iloc[0]) if len(hit) else None,
        "not_in_curve": dg.MetadataValue.json(sp.NOT_IN_CURVE),
        "preview": dg.MetadataValue.md(
            _blank_nulls(est[["column_id", "estimate", "std_error", "n_obs", "reason"]].sort_values("estimate"))
            .to_markdown(index=False)),
    })
