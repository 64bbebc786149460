"""Specification curve, estimation half (METHOD §6, "beyond the paper").

The curve's asset (orchestration/spec_curve.py) rebuilds the panel under each combination of the METHOD
switches (dbt reruns); this module runs Table 7 column (3) on each panel.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping

import pandas as pd

from analytics.study.iv import iv_spec
from analytics.study.spec import run_spec_reclustered, to_frame

__all__ = ["combo_label", "spec_curve"]


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


def spec_curve(panels: Mapping[object, pd.DataFrame] | Iterable[tuple[object, pd.DataFrame]], *,
               city_industry: bool = True, run_id: str = "", asset: str = "") -> pd.DataFrame:
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
    at a time (a generator keeps one panel in memory)."""
    rows = []
    seen = set()
    for combo, panel in (panels.items() if isinstance(panels, Mapping) else panels):
        # a pyfixest fit keeps its data in reference cycles (formulaic's
        # materializer) that only the cyclic collector frees; on its own
        # schedule it let dozens of dead fits pile up (0.7 GB each on a
        # 400k-row panel: the paper-scale curve grew to 24 GB and was killed)
        gc.collect()
        label = combo_label(combo)
        if label in seen:
            raise ValueError(f"duplicate specification label {label!r}")
        seen.add(label)
        spec = iv_spec("spec_curve", label, sample=label)
        _, both = run_spec_reclustered(panel, spec, "city_industry", f"{label}|city_industry", run_id=run_id,
                                       asset=asset)
        rows += [r for r in both if r["column_id"] == label]
        if city_industry:
            rows += [r for r in both if r["column_id"] != label]
    return to_frame(rows)
