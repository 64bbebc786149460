"""The synthetic world's prices (METHOD §0 step 5; docs/synthetic_world.md).

The world's production function works in real quantities (1998 prices); the
survey reports current prices. This module draws the price indices the world
writes as ``reference/deflators`` and ``reference/investment_deflator`` (the
stated truth: these are the prices the survey's values were made with):

- per 2-digit industry ``k`` and year ``t``, ``ln P^out_kt`` and ``ln P^in_kt``
  follow a trend common to all industries, an industry's own drift and a
  random walk, 1998 = 1 (``PRICE_PARAMS``): output prices rise about 2% a
  year, input prices about 4%, with industry drifts of sd 2-3% a year, so
  that nominal values mix prices into quantities unevenly across industries
  and years;
- one investment price index ``ln P^I_t``, 1998 = 1, rising about 1.5% a
  year with a random walk.

The world writes (analytics/synth/production.py, :func:`nominal_book_value`):

- sales and gross output at output prices, ``S = P^out Q``, and
  intermediate inputs at input prices, ``M = P^in M_real``, with ``M_real``
  chosen by the first-order condition in those prices, so the nominal
  ``M / S`` is ``beta_m / mu`` (DLW's markup is the true one in nominal
  shares) and the production function holds in real values;
- fixed assets as the book value of the true investment at its prices:
  ``FA_first = P^I_first K_first``, ``FA_t = FA_{t-1} + P^I_t (K_t - (1 - d) K_{t-1})``,
  so the perpetual inventory method of METHOD §0 step 5 over a firm's
  unbroken survey years gives back the true real capital ``K``.

Deflating by these tables therefore recovers the real values the world's
production function uses (analytics.synth.truth.real_values computes them
from the written survey and tables).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PRICE_PARAMS", "BASE_YEAR", "WorldPrices", "world_prices", "nominal_book_value"]

BASE_YEAR = 1998
# yearly log growth: common trend, sd of an industry's own drift, sd of the random-walk step
PRICE_PARAMS = {
    "output_trend": 0.02, "output_drift_sd": 0.03, "output_step_sd": 0.02,
    "input_trend": 0.04, "input_drift_sd": 0.02, "input_step_sd": 0.02,
    "investment_trend": 0.015, "investment_step_sd": 0.01,
}


@dataclass(frozen=True)
class WorldPrices:
    """``deflators``: industry_code, year, output_deflator, input_deflator;
    ``investment``: year, deflator (the tables the world writes, 1998 = 1)."""

    deflators: pd.DataFrame
    investment: pd.DataFrame

    def for_rows(self, industry_code: pd.Series, year: pd.Series) -> pd.DataFrame:
        """ln output, input and investment prices of firm-year rows (aligned on their index)."""
        keys = pd.DataFrame({"industry_code": industry_code.astype(str).to_numpy(),
                             "year": year.astype(int).to_numpy()})
        d = keys.merge(self.deflators, on=["industry_code", "year"], how="left")
        inv = keys["year"].map(self.investment.set_index("year")["deflator"])
        out = pd.DataFrame({"ln_p_out": np.log(d["output_deflator"].to_numpy()),
                            "ln_p_in": np.log(d["input_deflator"].to_numpy()),
                            "ln_p_inv": np.log(inv.to_numpy(dtype=float))}, index=industry_code.index)
        if out.isna().any().any():
            raise ValueError("the world's price tables lack an industry or year of its firm-years")
        return out


def _path(years: np.ndarray, trend: float, step_sd: float, rng: np.random.Generator) -> np.ndarray:
    """A log price path over ``years`` (consecutive), 0 in BASE_YEAR."""
    steps = trend + rng.normal(0.0, step_sd, len(years))
    level = np.cumsum(steps)
    return level - level[np.flatnonzero(years == BASE_YEAR)[0]]


def world_prices(industry_codes, years, rng: np.random.Generator) -> WorldPrices:
    """The world's price tables for ``industry_codes`` (2-digit) and ``years`` (from 1998 on)."""
    years = np.arange(min(min(years), BASE_YEAR), max(years) + 1)
    p = PRICE_PARAMS
    rows = []
    for code in sorted(set(map(str, industry_codes))):
        drift_out = rng.normal(0.0, p["output_drift_sd"])
        drift_in = rng.normal(0.0, p["input_drift_sd"])
        ln_out = _path(years, p["output_trend"] + drift_out, p["output_step_sd"], rng)
        ln_in = _path(years, p["input_trend"] + drift_in, p["input_step_sd"], rng)
        rows.append(pd.DataFrame({"industry_code": code, "year": years, "output_deflator": np.exp(ln_out),
                                  "input_deflator": np.exp(ln_in)}))
    deflators = pd.concat(rows, ignore_index=True)
    ln_inv = _path(years, p["investment_trend"], p["investment_step_sd"], rng)
    investment = pd.DataFrame({"year": years, "deflator": np.exp(ln_inv)})
    base = deflators["year"] == BASE_YEAR
    deflators.loc[base, ["output_deflator", "input_deflator"]] = 1.0  # exactly
    investment.loc[investment["year"] == BASE_YEAR, "deflator"] = 1.0
    return WorldPrices(deflators.round({"output_deflator": 6, "input_deflator": 6}), investment.round({"deflator": 6}))


def nominal_book_value(fid: np.ndarray, capital: np.ndarray, ln_p_inv: np.ndarray, depreciation: float) -> np.ndarray:
    """Book value of fixed assets at historical prices, rows sorted by (fid, year) with
    each firm's years consecutive: ``P^I K`` in its first year, then the previous book
    value plus ``P^I_t (K_t - (1 - d) K_{t-1})`` (the real investment at its price)."""
    first = np.r_[True, fid[1:] != fid[:-1]]
    prev_k = np.r_[np.nan, capital[:-1]]
    real_addition = np.where(first, capital, capital - (1 - depreciation) * prev_k)
    nominal = real_addition * np.exp(ln_p_inv)
    return pd.Series(nominal).groupby(fid).cumsum().to_numpy()
