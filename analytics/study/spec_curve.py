"""Specification curve, estimation half (METHOD §6, "beyond the paper").

The curve's asset (orchestration/spec_curve.py) rebuilds the panel under each combination of the METHOD
switches (dbt reruns); this module runs Table 7 column (3) on each panel.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping

import pandas as pd

from analytics.study.iv import iv_spec
from analytics.study.spec import run_spec_reclustered, to_frame
from analytics.workers import ordered_map, spawned_pool, worker_count

PARALLEL_ROWS = 200_000  # panels this large are fitted in worker processes (the paper's: 400k rows)

__all__ = ["combo_label", "curve_columns", "curve_workers", "spec_curve"]


def curve_columns() -> list[str]:
    """The panel columns Table 7 column (3) reads under both of the curve's
    clusterings (firm; city x industry, which :func:`analytics.study.spec.prepare`
    forms from the city and industry codes), with the keys the variants are
    joined on. The curve's panels carry only these: cutting and winsorising
    the other columns of the panel would change nothing the curve reports."""
    spec = iv_spec("spec_curve", "columns")
    return list(dict.fromkeys([*spec.variables(), "panel_firm_id", "year", "city_code", "industry_code"]))


def combo_label(combo: object) -> str:
    """A readable label: a string as is; a mapping or (name, value) pairs as
    ``name=value;name=value`` in the given order (booleans lower-case)."""
    if isinstance(combo, str):
        return combo
    if isinstance(combo, Mapping):
        items = list(combo.items())
    elif isinstance(combo, (set, frozenset)):
        items = sorted(combo, key=lambda kv: str(kv[0]))
    else:
        items = list(combo)
    parts = []
    for k, v in items:
        v = str(v).lower() if isinstance(v, bool) else v
        parts.append(f"{k}={v}")
    return ";".join(parts)


def _specification_rows(item: tuple[str, pd.DataFrame], *, city_industry: bool, run_id: str,
                        asset: str) -> list[dict]:
    """One (label, panel)'s rows (in this process or a worker's)."""
    label, panel = item
    # a pyfixest fit keeps its data in reference cycles (formulaic's
    # materializer) that only the cyclic collector frees; on its own
    # schedule it let dozens of dead fits pile up (0.7 GB each on a
    # 400k-row panel: the paper-scale curve grew to 24 GB and was killed)
    gc.collect()
    spec = iv_spec("spec_curve", label, sample=label)
    _, both = run_spec_reclustered(panel, spec, "city_industry", f"{label}|city_industry", run_id=run_id,
                                   asset=asset)
    rows = [r for r in both if r["column_id"] == label]
    if city_industry:
        rows += [r for r in both if r["column_id"] != label]
    return rows


def curve_workers(n_rows: int, n_specs: int) -> int:
    """How many processes fit the curve's panels: several for panels of at
    least :data:`PARALLEL_ROWS` rows (:func:`analytics.workers.worker_count`), else 1."""
    return worker_count(n_rows, n_specs, PARALLEL_ROWS)


def spec_curve(panels: Mapping[object, pd.DataFrame] | Iterable[tuple[object, pd.DataFrame]], *,
               city_industry: bool = True, run_id: str = "", asset: str = "", workers: int = 1,
               done: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Table 7 column (3) 2SLS on each panel: table_id ``spec_curve``,
    column_id the combination's label (:func:`combo_label`; keys may be
    strings, tuples of (switch, value) pairs or frozensets of them, sorted by name), rows
    ``complementarity``, ``singletons_dropped``, ``kp_rk_wald_f`` (the first
    stage of the 2SLS on its sample: a switch can leave the instrument weak),
    ``n_clusters`` and ``dep_var_mean`` (cluster firm) and, if ``city_industry``, the
    estimate under column_id ``<label>|city_industry`` with CRV1 by
    city-industry. A specification whose panel cannot be estimated gets
    the same rows with NULL estimates and the ``reason``; the others are
    estimated. ``panels``: a mapping, or (combination, panel) pairs taken one
    at a time (a generator keeps one panel in memory).

    ``workers`` > 1 fits the panels in that many spawned processes
    (:func:`curve_workers` says how many pay), each panel handed over as it
    comes and at most one more than the workers waiting, so memory holds a few
    panels, not all; the rows come in the panels' order and are the same as
    in one process. ``done(k)`` is called as the k-th specification's rows
    arrive."""
    seen = set()

    def labelled() -> Iterator[tuple[str, pd.DataFrame]]:
        for combo, panel in (panels.items() if isinstance(panels, Mapping) else panels):
            label = combo_label(combo)
            if label in seen:
                raise ValueError(f"duplicate specification label {label!r}")
            seen.add(label)
            yield label, panel

    rows: list[dict] = []
    n_done = 0

    def collect(more: list[dict]) -> None:
        nonlocal n_done
        rows.extend(more)
        n_done += 1
        if done is not None:
            done(n_done)

    fit = functools.partial(_specification_rows, city_industry=city_industry, run_id=run_id, asset=asset)
    if workers <= 1:
        for item in labelled():
            collect(fit(item))
        return to_frame(rows)
    with spawned_pool(workers) as pool:
        for more in ordered_map(pool, fit, labelled(), ahead=workers + 1):
            collect(more)
    return to_frame(rows)
