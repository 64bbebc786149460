"""A stand-in for ``marts.fct_firm_panel`` built from the generator's own panel.

A test helper (the product never reads the generator): every column of the
panel's interface, with DVAR, C, placebo C, the instrument, the METHOD §5
controls, TFP (the latent omega) from the generator
(:func:`analytics.synth.panel.generator_panel`), and the columns the
generator does not provide drawn here from a seeded DGP whose truths are in
:data:`STANDIN_TRUTH` (coefficients on C; zero for the Table 6 variables,
which are pure noise, so the instrument has no effect on them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analytics.synth.panel import generator_panel

__all__ = ["STANDIN_TRUTH", "standin_panel", "add_standin_columns"]

# Coefficient on C in the stand-in outcomes (noise independent of everything else).
STANDIN_TRUTH: dict[str, float] = {
    "upstreamness": 0.5,
    "domestic_input_share": 0.3,
    "other_regions_domestic_sales": 0.8,
    "innovation_efficiency": 0.05,
    "quality": 0.1,
    "markup": 0.05,
    "n_products": 2.0,
    "n_destinations": 1.0,
    # the instrument on the Table 6 variables
    "hhi": 0.0,
    "subsidy": 0.0,
    "labour_productivity": 0.0,
    "import_share": 0.0,
}


def add_standin_columns(p: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Add the interface columns the generator panel lacks (seeded)."""
    rng = np.random.default_rng(seed)
    p = p.copy()
    n = len(p)
    C = p["complementarity"].to_numpy()
    p["province_code"] = p["city_code"].str[:2]
    p["industry_code_3"] = p["industry_code"].astype(str) + "0"
    p["complementarity_raw"] = p["complementarity"]
    p["agglomeration"] = np.abs(rng.normal(5, 3, n))
    cities = np.sort(p["city_code"].unique())
    years = np.sort(p["year"].unique())
    cy = pd.MultiIndex.from_product([cities, years], names=["city_code", "year"]).to_frame(index=False)
    cy["gdp_per_capita"] = rng.normal(10, 1, len(cy))
    cy["market_access"] = np.exp(rng.normal(5, 0.5, len(cy)))
    cy["basic_research"] = rng.normal(0, 1, len(cy))
    p = p.drop(columns=[c for c in ("gdp_per_capita", "market_access", "basic_research") if c in p.columns])
    p = p.merge(cy, on=["city_code", "year"], how="left")
    p["yrd_prd"] = p["province_code"].isin(["31", "32", "33", "44"]).astype(int)
    p["policy_score"] = rng.integers(1, 6, len(p))
    p["mover"] = p.groupby("panel_firm_id")["city_code"].transform("nunique") > 1
    p["sales"] = np.exp(p["firm_size"] + rng.normal(3, 0.5, len(p)))
    p["sales_decile"] = p.groupby("year")["sales"].transform(
        lambda s: pd.qcut(s.rank(method="first"), 10, labels=False) + 1).astype(int)
    p["top_sales_decile"] = p["sales_decile"] == 10
    wage = rng.normal(0, 1, len(p))
    med = pd.Series(wage).groupby([p["industry_code"], p["year"]]).transform("median").to_numpy()
    p["hc_group"] = np.where(wage <= med, "low", "high")
    centre = set(rng.choice(cities, size=max(1, len(cities) // 5), replace=False))
    p["innovation_center"] = p["city_code"].isin(centre)
    p["ma_group"] = np.where(p["market_access"] <= p.groupby("year")["market_access"].transform("median"),
                             "low", "high")
    key = p.set_index(["panel_firm_id", "year"])["dvar"]
    for k in range(1, 6):
        idx = pd.MultiIndex.from_arrays([p["panel_firm_id"], p["year"] + k])
        p[f"dvar_lead{k}"] = key.reindex(idx).to_numpy()
    t = STANDIN_TRUTH
    n = len(p)
    C = p["complementarity"].to_numpy()
    p["upstreamness"] = 2 + t["upstreamness"] * C + rng.normal(0, 0.3, n)
    p["domestic_input_share"] = 0.5 + t["domestic_input_share"] * C + rng.normal(0, 0.1, n)
    p["tfp"] = p["omega"]
    innov = 0.1 + t["innovation_efficiency"] * C + rng.normal(0, 0.05, n)
    p["innovation_efficiency"] = np.where(rng.random(n) < 0.4, innov, np.nan)
    p["quality"] = 0.5 + t["quality"] * C + rng.normal(0, 0.1, n)
    p["markup"] = p["markup"] + t["markup"] * C + rng.normal(0, 0.02, n)
    p["n_products"] = 3 + t["n_products"] * C + rng.normal(0, 1, n)
    p["n_destinations"] = 4 + t["n_destinations"] * C + rng.normal(0, 1, n)
    cell = p.groupby(["city_code", "industry_code", "year"]).ngroup().to_numpy()
    cell_noise = rng.normal(0, 0.2, cell.max() + 1)[cell]
    p["other_regions_domestic_sales"] = 10 + t["other_regions_domestic_sales"] * C + cell_noise
    p["hhi"] = rng.uniform(0, 0.3, n)
    p["subsidy"] = np.log1p(np.exp(rng.normal(2, 1, n)))
    p["labour_productivity"] = rng.normal(5, 1, n)
    p["import_share"] = rng.uniform(0, 0.5, n)
    return p


def standin_panel(root: Path | str, seed: int = 0) -> pd.DataFrame:
    """The generator panel of a raw root plus :func:`add_standin_columns`."""
    return add_standin_columns(generator_panel(root), seed=seed)
