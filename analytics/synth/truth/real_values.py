"""Real output, inputs and perpetual-inventory capital (METHOD §0 step 5) in pandas.

The twin of dbt's ``int_survey_real_values``, written apart from it (a loop
over each panel firm's years, where the SQL is a closed-form cumulative sum)
so that the model can be tested against it:

- ``real_output``, ``real_sales`` = output, sales / the 2-digit industry-year
  ``output_deflator``; ``real_intermediate_inputs`` = intermediate inputs /
  ``input_deflator`` (``reference/deflators``, 1998 = 1); missing where the
  industry-year has no deflator;
- ``real_capital``: over the panel firm's survey years in order,
  ``K_first = fixed_assets / P`` (the first year's real book value), then
  ``K_t = (1 - d)^(t - t_prev) K_prev + max(fixed_assets_t - fixed_assets_prev, 0) / P_t``
  with ``P`` the year's investment deflator (``reference/investment_deflator``)
  and ``d`` the depreciation (0.1): a gap depreciates the stock over each of
  its years and its book-value change is the investment of the year after it;
  missing from the first year whose investment deflator is missing on.

On the synthetic world (analytics/synth/prices.py writes the survey's values
as real values times these deflators, and fixed assets as the book value of
the true investment) this gives back the world's real output, inputs and
capital -- the true K exactly on a panel firm's unbroken run of years (to the
0.1 rounding of the written money), an approximation after a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["real_values"]


def real_values(survey: pd.DataFrame, deflators: pd.DataFrame | None, investment_deflator: pd.DataFrame | None,
                depreciation: float = 0.1) -> pd.DataFrame:
    """Per survey row: year, firm_id, panel_firm_id, real_output, real_sales,
    real_intermediate_inputs, real_capital, deflator_missing, investment_deflator_missing.

    ``survey``: year, firm_id, panel_firm_id, industry_code_2 (2-digit CIC),
    output, sales, intermediate_inputs, fixed_assets -- one row per
    (panel_firm_id, year). ``deflators``: industry_code, year, output_deflator,
    input_deflator; ``investment_deflator``: year, deflator (either may be None:
    every row is then missing that price)."""
    s = survey[["year", "firm_id", "panel_firm_id", "industry_code_2", "output", "sales", "intermediate_inputs",
                "fixed_assets"]].copy()
    s["year"] = s["year"].astype(int)
    if deflators is None:
        deflators = pd.DataFrame(columns=["industry_code", "year", "output_deflator", "input_deflator"])
    if investment_deflator is None:
        investment_deflator = pd.DataFrame(columns=["year", "deflator"])
    d = deflators.rename(columns={"industry_code": "industry_code_2"}).astype(
        {"industry_code_2": str, "year": int, "output_deflator": float, "input_deflator": float})
    p = dict(zip(investment_deflator["year"].astype(int), investment_deflator["deflator"].astype(float)))
    s = s.merge(d, on=["industry_code_2", "year"], how="left")
    num = lambda c: pd.to_numeric(s[c], errors="coerce").astype(float)  # noqa: E731
    s["real_output"] = num("output") / s["output_deflator"]
    s["real_sales"] = num("sales") / s["output_deflator"]
    s["real_intermediate_inputs"] = num("intermediate_inputs") / s["input_deflator"]
    s["deflator_missing"] = s["output_deflator"].isna() | s["input_deflator"].isna()
    s = s.sort_values(["panel_firm_id", "year"], kind="mergesort")
    keep = 1.0 - depreciation
    capital = np.full(len(s), np.nan)
    years, fixed_assets = s["year"].to_numpy(), s["fixed_assets"].to_numpy()
    for _, rows in s.groupby("panel_firm_id", sort=False).indices.items():
        k, prev_year, prev_fa, broken = np.nan, None, None, False
        for r in rows:
            year, fa = int(years[r]), float(fixed_assets[r])
            price = p.get(year)
            broken = broken or price is None
            if not broken:
                if prev_year is None:
                    k = fa / price
                else:
                    k = keep ** (year - prev_year) * k + max(fa - prev_fa, 0.0) / price
                capital[r] = k
            prev_year, prev_fa = year, fa
    s["real_capital"] = capital
    s["investment_deflator_missing"] = np.isnan(capital)
    cols = ["year", "firm_id", "panel_firm_id", "real_output", "real_sales", "real_intermediate_inputs",
            "real_capital", "deflator_missing", "investment_deflator_missing"]
    return s[cols].sort_values(["year", "firm_id"]).reset_index(drop=True)
