"""Specification curve, estimation half (METHOD §6, "beyond the paper").

The lead's asset rebuilds the panel under each combination of the METHOD
switches (dbt reruns); this module runs Table 7 column (3) on each panel.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analytics.study.iv import iv_spec, kp_f
from analytics.study.spec import FULL_CONTROLS, Spec, contract_rows, diagnostic_row, fit_spec, recluster_rows, to_frame

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


def spec_curve(panels: Mapping[object, pd.DataFrame], *, city_industry: bool = True, run_id: str = "",
               asset: str = "") -> pd.DataFrame:
    """Table 7 column (3) 2SLS on each panel: table_id ``spec_curve``,
    column_id the combination's label (:func:`combo_label`; keys may be
    strings, tuples of (switch, value) pairs or frozensets of them, sorted by name), rows
    ``complementarity``, ``singletons_dropped`` and ``kp_rk_wald_f`` (the
    specification's first stage, Table 7 column 1: a switch can leave the
    instrument weak) (cluster firm) and, if ``city_industry``, the
    estimate under column_id ``<label>|city_industry`` with CRV1 by
    city-industry."""
    rows = []
    seen = set()
    for combo, panel in panels.items():
        label = combo_label(combo)
        if label in seen:
            raise ValueError(f"duplicate specification label {label!r}")
        seen.add(label)
        fit = fit_spec(panel, iv_spec("spec_curve", label, sample=label))
        rows += contract_rows(fit, run_id=run_id, asset=asset)
        fs = fit_spec(panel, Spec("spec_curve", label, "first_stage", "complementarity", regressors=("instrument",),
                                  controls=tuple(FULL_CONTROLS), sample=label))
        rows.append(diagnostic_row(fs.spec, "kp_rk_wald_f", kp_f(fs), n_obs=int(fs.model._N), r2=fs.r2,
                                   run_id=run_id, asset=asset))
        if city_industry:
            rows += recluster_rows(fit, "city_industry", f"{label}|city_industry", run_id=run_id, asset=asset)
    return to_frame(rows)
