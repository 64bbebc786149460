"""The demo world identifies what it claims: `gvc montecarlo --scale demo --seeds 50`.

Slow (about half an hour on 2 jobs of a 2-core machine: a demo world takes
about 65 s of one core to make in memory and estimate). The bands of the synthetic world's
design (docs/synthetic_world.md, "Calibration of the identifying design"),
over 50 worlds:

- the 2SLS standard error under city x industry clustering is at most 0.05
  (its mean over the worlds);
- the mean 2SLS estimate is within 0.02 of beta = 0.21;
- the city x industry-clustered 95% interval covers beta in 90-98% of worlds;
- OLS lies below beta in at least 90% of worlds;
- the placebo industry's C is rejected at 5% (city x industry clusters) in at
  most 10% of worlds.

``GVC_MONTECARLO_DEMO`` names the output folder of a finished run (its
``draws.csv``) to check instead of drawing the worlds again; the first seed
is ``GVC_MONTECARLO_FIRST_SEED`` (default 101: seeds the calibration never
used).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from analytics.montecarlo import summarise
from orchestration.cli import main as gvc

pytestmark = pytest.mark.slow

SEEDS = 50
BETA = 0.21


@pytest.fixture(scope="module")
def draws(tmp_path_factory) -> pd.DataFrame:
    given = os.environ.get("GVC_MONTECARLO_DEMO")
    if given:
        out = Path(given)
    else:
        out = tmp_path_factory.mktemp("montecarlo_demo")
        first = os.environ.get("GVC_MONTECARLO_FIRST_SEED", "101")
        assert gvc(["montecarlo", "--scale", "demo", "--seeds", str(SEEDS), "--first-seed", first, "--jobs", "2",
                    "--out", str(out)]) == 0
    d = pd.read_csv(out / "draws.csv", dtype={"cluster": str})
    d["cluster"] = d["cluster"].fillna("")
    assert d["seed"].nunique() >= SEEDS
    return d


def _one(draws: pd.DataFrame, parameter: str, estimator: str, cluster: str) -> pd.DataFrame:
    got = draws[(draws["parameter"] == parameter) & (draws["estimator"] == estimator)
                & (draws["cluster"] == cluster)]
    assert len(got) == draws["seed"].nunique(), (parameter, estimator, cluster)
    return got


def test_2sls_by_city_industry_is_precise_unbiased_and_covers(draws):
    r = summarise(_one(draws, "beta", "2sls", "city_industry")).iloc[0]
    assert r["truth"] == pytest.approx(BETA)
    assert r["mean_se"] <= 0.05, r.to_dict()
    assert abs(r["mean"] - BETA) <= 0.02, r.to_dict()
    assert 0.90 <= r["coverage"] <= 0.98, r.to_dict()


def test_ols_lies_below_beta(draws):
    ols = _one(draws, "beta", "ols", "firm")
    assert (ols["estimate"] < BETA).mean() >= 0.90, ols["estimate"].describe()


def test_the_placebo_is_rarely_rejected(draws):
    p = _one(draws, "placebo_complementarity", "placebo", "city_industry")
    rejected = (p["estimate"].abs() > 1.96 * p["std_error"]).mean()
    assert rejected <= 0.10, p[["seed", "estimate", "std_error"]].to_string()
