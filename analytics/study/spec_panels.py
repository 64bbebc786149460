"""Analysis panels under every combination of the METHOD switches (the spec curve).

The warehouse holds the panel under one setting. The specification curve of
METHOD §6 needs the Table 7 column (3) estimate under every combination of
the switches. C depends only on the patent switches (``ipc_levels``,
``ipc_counting``, ``weight_denominator``), raw DVAR only on the trade switch
(``indirect_import_adjustment``); ``dvar_out_of_range`` and the
winsorisation act on the panel. So dbt computes each C variant and each raw
DVAR variant once (``orchestration/spec_curve.py``), and this module crosses
them: on an unclipped, unwinsorised base panel it swaps in the variant's C
and DVAR, applies ``dvar_out_of_range`` and winsorises exactly as the dbt
panel does (``quantile_cont``, i.e. linear interpolation, per full sample or
per year; checked against the dbt panel in the tests).

``split_weights`` is not in the curve: it decides how ``gvc reference``
builds the raw root's ``reference/hs_concordance`` from the UNSD
correlation tables, a raw input rather than a computation of the warehouse
(METHOD §1).  Nor are the preparation switches of METHOD §0
(``survey_filters``, ``impute_intermediate_inputs``): they decide which
survey rows and which intermediate inputs exist, not how the paper's
ambiguous steps are read (``NOT_IN_CURVE`` says why, with the curve's asset).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pandas as pd

C_SWITCHES: dict[str, tuple] = {
    "ipc_levels": ("section_class", "class_subclass"),
    "ipc_counting": ("main", "fractional"),
    "weight_denominator": ("national", "partners"),
}
DVAR_SWITCHES: dict[str, tuple] = {"indirect_import_adjustment": (True, False)}
PANEL_SWITCHES: dict[str, tuple] = {
    "dvar_out_of_range": ("drop", "clip"),
    "winsorisation": ("full_sample", "per_year"),
}
# the continuous panel columns the dbt panel winsorises (fct_firm_panel.sql,
# `continuous_columns`); the tests check the two agree
WINSORISED_COLUMNS: tuple[str, ...] = (
    "dvar", "complementarity", "placebo_complementarity", "instrument", "market_access",
    "foreign_share", "state_share", "firm_size", "firm_age", "fixed_assets", "capital_intensity",
    "general_trade_share", "firm_patents", "regional_patents", "agglomeration",
    "gdp_per_capita", "basic_research",
    "domestic_input_share", "other_regions_domestic_sales", "tfp", "innovation_efficiency",
    "markup", "quality", "upstreamness", "hhi", "subsidy", "labour_productivity", "import_share",
)
NOT_IN_CURVE = {
    "split_weights": "changes a raw input: `gvc reference --split-weights` rebuilds "
                     "reference/hs_concordance, and the build uses that table's weights",
    "survey_filters": "the survey's preparation (METHOD §0), not a specification: `none` keeps firm-years the "
                      "field drops as reporting errors (fewer than 8 employees, assets that do not add up, ...)",
    "impute_intermediate_inputs": "the survey's preparation (METHOD §0), not a specification: `none` leaves "
                                  "intermediate inputs missing where the survey lacks them (every firm of "
                                  "2008-2014 in the common versions), so those years have no DVAR at all",
    "broker_digit": "the data's preparation (METHOD §0), not a specification: `false` keeps customs brokers "
                    "(codes whose 6th character is 8, without trading rights) in the trade sample as if "
                    "they were producers",
    "impute_ownership_shares": "the survey's preparation (METHOD §0), not a specification: `none` leaves the "
                               "ownership controls missing where the survey lacks the capital components "
                               "(2008-2010 in the common versions), so those years leave the models with controls",
    "production_prices": "the data's preparation (METHOD §0 step 5), not a specification: `nominal` estimates "
                         "the production function on current-price output, inputs and book-value capital, so "
                         "price movements across industries and years pass for quantities (TFP and markups "
                         "are then mismeasured, not estimated another way); it does not enter Table 7",
}


def combos(switches: dict[str, tuple]) -> list[dict]:
    keys = list(switches)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(switches[k] for k in keys))]


def label(spec: dict) -> str:
    """A short, stable column label, e.g. ``section_class|main|national|adj|drop|full_sample``."""
    parts = []
    for k, v in spec.items():
        if k == "indirect_import_adjustment":
            parts.append("adj" if v else "noadj")
        else:
            parts.append(str(v))
    return "|".join(parts)


def c_key(spec: dict) -> str:
    return label({k: spec[k] for k in C_SWITCHES})


def dvar_key(spec: dict) -> str:
    return label({k: spec[k] for k in DVAR_SWITCHES})


def winsorise(
    frame: pd.DataFrame, cols: Iterable[str], lower: float, upper: float, by: str | None = None
) -> pd.DataFrame:
    """Clip each column at its ``lower``/``upper`` quantiles (linear interpolation, NULLs ignored),
    over all rows or within groups of ``by`` (the dbt macro's rule)."""
    out = frame.copy()
    for c in cols:
        x = out[c].astype("float64")
        if by is None:
            lo, hi = x.quantile(lower), x.quantile(upper)
        else:
            # both quantiles of every group at once (pandas' groupby quantile
            # interpolates linearly, as Series.quantile), then each row's group's
            bounds = x.groupby(out[by]).quantile([lower, upper]).unstack()
            keys = out[by]
            lo = pd.Series(keys.map(bounds[lower]).to_numpy(dtype="float64"), index=out.index)
            hi = pd.Series(keys.map(bounds[upper]).to_numpy(dtype="float64"), index=out.index)
        out[c] = x.clip(lo, hi)
    return out


def spec_panel(
    base: pd.DataFrame,
    c_variant: pd.DataFrame,
    dvar_variant: pd.DataFrame,
    spec: dict,
    winsor_cols: Sequence[str],
    lower: float,
    upper: float,
) -> pd.DataFrame:
    """The analysis panel of one switch combination.

    ``base``: the panel with every row whose DVAR is not NULL (dbt run with
    ``dvar_out_of_range=clip`` and no winsorisation), keyed by panel_firm_id,
    year, with city_code and industry_code. ``c_variant``: city_code,
    industry_code, year, complementarity. ``dvar_variant``: panel_firm_id,
    year, dvar (raw, unclipped).
    """
    p = base.drop(columns=["complementarity", "dvar"], errors="ignore")
    p = p.merge(c_variant[["city_code", "industry_code", "year", "complementarity"]],
                on=["city_code", "industry_code", "year"], how="left")
    p = p.merge(dvar_variant[["panel_firm_id", "year", "dvar"]], on=["panel_firm_id", "year"], how="inner")
    p = p[p["dvar"].notna()]
    if spec["dvar_out_of_range"] == "drop":
        p = p[p["dvar"].between(0.0, 1.0)]
    else:
        p = p.assign(dvar=p["dvar"].clip(0.0, 1.0))
    by = "year" if spec["winsorisation"] == "per_year" else None
    # in key order whatever order the base came in: the estimates' last bits follow the row order
    p = p.sort_values(["panel_firm_id", "year"], kind="mergesort", ignore_index=True)
    return winsorise(p, [c for c in winsor_cols if c in p.columns], lower, upper, by=by)


def every_spec(vary: Sequence[str] | None = None, held: dict | None = None) -> list[dict]:
    """Every combination of the switches in ``vary`` (default: all of them);
    a switch not varied keeps its value in ``held`` (e.g. the settings' ``as_dict()``)."""
    switches = {**C_SWITCHES, **DVAR_SWITCHES, **PANEL_SWITCHES}
    vary = list(switches) if vary is None else list(vary)
    if any(k not in vary for k in switches) and held is None:
        raise ValueError("every_spec: the switches not varied need their values (held)")
    return combos({k: v if k in vary else (held[k],) for k, v in switches.items()})
