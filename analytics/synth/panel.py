"""The generator's own analysis panel, before any pipeline (issue: calibration).

Joins ``truth/firm_year_dvar`` (METHOD §3 on the written tables) to the
world's latent firm-years (``truth/firm_year_latent``) and to
``truth/city_industry_complementarity`` for C, and builds the controls of
METHOD §5 from the generator's own variables.  It is what the calibration
and recovery tests estimate on; the platform builds its own panel in dbt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PAPER_TABLE3 = pd.DataFrame(
    [
        ("dvar", "Export DVAR", 0.66, 0.28, 0.21, 0.95),
        ("complementarity", "Technological complementarity", 0.17, 0.14, 0.0, 0.35),
        ("foreign_share", "Foreign share", 0.34, 0.44, 0.0, 1.0),
        ("state_share", "State share", 0.01, 0.10, 0.0, 0.0),
        ("firm_size", "Firm size", 5.47, 1.07, 4.09, 6.79),
        ("firm_age", "Firm age", 9.34, 6.94, 3.0, 17.0),
        ("fixed_assets", "Fixed assets", 9.20, 1.66, 7.10, 11.33),
        ("capital_intensity", "Capital intensity", 5.19, 1.09, 3.83, 6.58),
        ("general_trade_share", "General-trade share", 0.73, 0.39, 0.0, 1.0),
        ("firm_patents", "Firm patents", 0.08, 0.34, 0.0, 0.0),
        ("regional_patents", "Regional patents", 1.76, 2.04, 0.0, 4.69),
    ],
    columns=["variable", "label", "mean", "sd", "p10", "p90"],
).set_index("variable")

CONTROLS = [
    "foreign_share", "state_share", "firm_size", "firm_age", "fixed_assets",
    "capital_intensity", "general_trade_share", "firm_patents", "regional_patents",
]


def generator_panel(root: Path | str) -> pd.DataFrame:
    """Matched exporter-years with DVAR, C, the instrument and the controls."""
    root = Path(root)
    dv = pd.read_parquet(root / "truth" / "firm_year_dvar.parquet")
    lat = pd.read_parquet(root / "truth" / "firm_year_latent.parquet")
    comp = pd.read_parquet(root / "truth" / "city_industry_complementarity.parquet")
    lat = lat[["fid", "firm_id", "year", "city_code", "industry_code", "iv", "u", "C", "dvar_target",
               "foreign_share", "hmt_part", "state_share", "employment", "year_established", "fixed_assets",
               "total_assets", "general_trade_share", "own_inventions", "omega", "markup"]]
    p = dv.merge(lat, on=["firm_id", "year"], how="inner")
    p = p.merge(
        comp[["city_code", "industry_code", "year", "complementarity", "placebo_complementarity", "invention_patents"]],
        on=["city_code", "industry_code", "year"], how="left",
    )
    p["province_code"] = p["city_code"].str[:2]
    p["firm_size"] = np.log(p["employment"])
    p["firm_age"] = p["year"] - p["year_established"] + 1
    p["fixed_assets"] = np.log(p["fixed_assets"])
    p["capital_intensity"] = np.log(p["total_assets"] / p["employment"])
    p["firm_patents"] = np.log1p(p["own_inventions"])
    p["regional_patents"] = np.log1p(p["invention_patents"].fillna(0.0))
    p["instrument"] = p["iv"]
    p["city_industry"] = p["city_code"] + "_" + p["industry_code"]
    p = p[p["dvar"].between(0, 1)].dropna(subset=["complementarity", "instrument"] + CONTROLS)
    return p.sort_values(["year", "firm_id"], ignore_index=True)


def winsorise(p: pd.DataFrame, cols: list[str], lower: float = 0.005, upper: float = 0.995) -> pd.DataFrame:
    p = p.copy()
    for c in cols:
        lo, hi = p[c].quantile([lower, upper])
        p[c] = p[c].clip(lo, hi)
    return p


def table3(p: pd.DataFrame) -> pd.DataFrame:
    """Synthetic Table 3 beside the paper's."""
    rows = []
    for var, ref in PAPER_TABLE3.iterrows():
        x = p[var]
        rows.append({"variable": ref["label"], "N": len(x), "mean": x.mean(), "sd": x.std(), "p10": x.quantile(0.1),
                     "p90": x.quantile(0.9), "max": x.max(), "paper_mean": ref["mean"], "paper_sd": ref["sd"]})
    return pd.DataFrame(rows).set_index("variable")
