"""The synthetic world's prices (analytics/synth/prices.py, METHOD §0 step 5):
it writes its own deflators (1998 = 1, every industry and survey year, valid
against schemas/prices.py) and reports current prices, so that deflating the
written survey (the truth's real_values, the twin of int_survey_real_values)
gives back the real values its production function uses: real sales and
intermediate inputs to rounding, and the true capital K on the panel firms
observed from their first year without a gap (the perpetual inventory of the
book value is exact there); after a gap or a late start it is an
approximation. Estimated on those real values (production_prices =
"deflated") the production function recovers the truth, on the nominal ones
it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import rawio
from analytics.synth.panel import generator_survey
from analytics.synth.prices import BASE_YEAR, nominal_book_value, world_prices
from schemas.prices import validate_price_tables


def test_prices_are_seeded_and_based_on_1998():
    a = world_prices(["17", "35"], range(1998, 2015), np.random.default_rng(1))
    b = world_prices(["17", "35"], range(1998, 2015), np.random.default_rng(1))
    pd.testing.assert_frame_equal(a.deflators, b.deflators)
    base = a.deflators[a.deflators["year"] == BASE_YEAR]
    assert (base[["output_deflator", "input_deflator"]] == 1.0).all().all()
    assert a.investment.set_index("year").loc[BASE_YEAR, "deflator"] == 1.0
    assert len(a.deflators) == 2 * 17 and (a.deflators[["output_deflator", "input_deflator"]] > 0).all().all()


def test_book_value_is_the_investment_at_its_prices():
    """Two firms, K = 100, 110, 100 and 50, 60; investment prices 1, 2, 1.5:
    by hand 100, 100 + 2 * (110 - 90), 140 + 1.5 * (100 - 99); 50, 50 + 2 * 15."""
    fid = np.array([0, 0, 0, 1, 1])
    k = np.array([100.0, 110.0, 100.0, 50.0, 60.0])
    lp = np.log(np.array([1.0, 2.0, 1.5, 1.0, 2.0]))
    np.testing.assert_allclose(nominal_book_value(fid, k, lp, 0.1), [100, 140, 141.5, 50, 80])


@pytest.fixture(scope="module")
def deflated(tiny_world):
    root, _ = tiny_world
    survey = generator_survey(root)
    lat = pd.read_parquet(root / "truth" / "firm_year_latent.parquet",
                          columns=["fid", "firm_id", "year", "real_capital", "ln_q_true", "sales_shock", "ln_p_out",
                                   "ln_p_in", "intermediate_inputs"])
    born = lat.groupby("fid")["year"].transform("min")
    got = survey.merge(lat.assign(born=born), on=["firm_id", "year"], suffixes=("", "_true"))
    assert len(got) == len(survey)
    return got


def test_the_world_writes_valid_price_tables_covering_its_survey(tiny_world, deflated):
    root, _ = tiny_world
    counts = validate_price_tables(root)
    assert counts["deflators"] > 0 and counts["investment_deflator"] == len(range(1998, 2015))
    d = rawio.read_reference(root, "deflators")
    have = set(zip(d["industry_code"], d["year"].astype(int)))
    assert set(zip(deflated["industry_code"], deflated["year"].astype(int))) <= have
    # prices move: deflating is not the identity
    assert deflated["ln_p_out"].abs().max() > 0.1 and deflated["ln_p_in"].abs().max() > 0.1


def test_deflating_recovers_the_real_values(deflated):
    g = deflated
    ok = g["sales"] > 0
    # real sales: the production function's output times the sales shock (sales rounded to 0.1)
    gap = np.log(g.loc[ok, "real_sales"]) - (g.loc[ok, "ln_q_true"] + g.loc[ok, "sales_shock"])
    assert gap.abs().max() < 1e-3
    m = g["intermediate_inputs"].notna() & g["real_intermediate_inputs"].notna()
    real_m = g.loc[m, "intermediate_inputs_true"] / np.exp(g.loc[m, "ln_p_in"])
    np.testing.assert_allclose(g.loc[m, "real_intermediate_inputs"], real_m, rtol=1e-9)


def test_perpetual_inventory_gives_the_true_capital_on_unbroken_panels(deflated):
    g = deflated.sort_values(["panel_firm_id", "year"])
    first = g.groupby("panel_firm_id")["year"].transform("min")
    unbroken = (g["year"] - first == g.groupby("panel_firm_id").cumcount()) & (first == g["born"])
    rel = (g["real_capital"] / g["real_capital_true"] - 1).abs()
    assert unbroken.mean() > 0.9
    # the written book value is rounded to 0.1: small relative gaps only
    assert rel[unbroken].median() < 1e-5 and rel[unbroken].max() < 2e-3
    # after a gap or a late start the stock is an approximation, not the truth
    assert rel[~unbroken].median() > 1e-4


def test_only_deflated_values_recover_the_tiny_world(tiny_world):
    from analytics import measures as ms
    from analytics.synth.panel import production_inputs

    root, summary = tiny_world
    truth = summary["production_truth"]
    survey = production_inputs(root)["survey"]
    est = {p: ms.pooled_estimates(ms.production_frame(survey, ms.ProductionOptions(prices=p, n_boot=0)))
           for p in ("deflated", "nominal")}
    assert abs(est["deflated"]["beta_m"] - truth["beta_m"]) < 0.03
    assert abs(est["deflated"]["beta_l"] - truth["beta_l"]) < 0.03
    assert abs(est["deflated"]["markup_mean"] - truth["markup_mean"]) < 0.05
    assert abs(est["nominal"]["beta_m"] - truth["beta_m"]) > 0.1
