"""Random draws come from the seed setting and a fixed label, never from the row order.

Table 8's KLS cluster bootstrap on a panel and on a shuffled copy of it gives
the same rows to the last bit under one seed, and other standard errors under
another; the label-derived streams do not depend on the process (Python's
``hash()`` is salted per process, CRC-32 is not); the ``seed`` setting is
validated and reaches the assets through ``GvcResource.method``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.seeding import stream_rng, stream_seed
from analytics.settings import MethodSettings, settings_from_dict
from analytics.study import TABLE_COLUMNS, table8
from analytics.study.spec import FULL_CONTROLS
from orchestration.resources import GvcResource, method_json

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CITIES = ("110100", "120100", "310100", "320100", "330100", "440100")
INDUSTRIES = ("13", "17", "26", "39")


def small_panel(n_firm: int = 90, years=range(2001, 2007), seed: int = 0) -> pd.DataFrame:
    """Table 8's columns for ``n_firm`` firms over ``years``: C and the
    instrument per city-industry-year, DVAR = firm effect + 0.2 C + noise,
    the ten controls as noise (a seeded stand-in of marts.fct_firm_panel)."""
    rng = np.random.default_rng(seed)
    rows = [(f"F{f:04d}", y, CITIES[f % len(CITIES)], INDUSTRIES[(f // len(CITIES)) % len(INDUSTRIES)], f)
            for f in range(n_firm) for y in years]
    p = pd.DataFrame(rows, columns=["panel_firm_id", "year", "city_code", "industry_code", "fid"])
    p["province_code"] = p["city_code"].str[:2]
    cell = p.groupby(["city_code", "industry_code", "year"]).ngroup().to_numpy()
    z = rng.normal(size=cell.max() + 1)
    p["instrument"] = z[cell]
    p["complementarity"] = (0.8 * z + 0.5 * rng.normal(size=z.size))[cell]
    n = len(p)
    p["dvar"] = 0.5 + 0.1 * rng.normal(size=n_firm)[p["fid"]] + 0.2 * p["complementarity"] + 0.05 * rng.normal(size=n)
    for c in FULL_CONTROLS:
        p[c] = rng.normal(size=n)
    return p[TABLE_COLUMNS["table8"]]


def _table8(panel: pd.DataFrame, seed: int) -> pd.DataFrame:
    return table8(panel, priors=((0.0, 1e-5),), rhos=(0.0, -0.01), n_grid=51, n_boot=19, seed=seed,
                  run_id="run", asset="estimation/table8")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return small_panel()


def test_table8_bootstrap_ignores_the_row_order(panel):
    shuffled = panel.sample(frac=1.0, random_state=12345).reset_index(drop=True)
    assert not shuffled[["panel_firm_id", "year"]].equals(panel[["panel_firm_id", "year"]])
    a, b = _table8(panel, seed=7), _table8(shuffled, seed=7)
    kls = a[(a["model"] == "kls") & (a["term"] == "complementarity")]
    assert len(kls) == 2 and (kls["std_error"] > 0).all()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_table8_bootstrap_follows_the_seed(panel):
    a, c = _table8(panel, seed=7), _table8(panel, seed=8)
    key = ["column_id", "term", "model"]
    m = a.merge(c, on=key, suffixes=("_a", "_c"))
    kls = m[(m["model"] == "kls") & (m["term"] == "complementarity")]
    # the point estimates do not draw; the bootstrap's standard errors do
    np.testing.assert_array_equal(kls["estimate_a"], kls["estimate_c"])
    assert (kls["std_error_a"] != kls["std_error_c"]).all()
    chr_rows = m[m["model"].isin(["ltz", "uci"])]
    np.testing.assert_array_equal(chr_rows["estimate_a"].to_numpy(float), chr_rows["estimate_c"].to_numpy(float))


def test_streams_are_labelled_and_do_not_depend_on_the_process():
    assert stream_seed(0, "table8/kls") == stream_seed(0, "table8/kls")
    assert stream_seed(0, "table8/kls") != stream_seed(1, "table8/kls")
    assert stream_seed(0, "table8/kls") != stream_seed(0, "parameter_estimates/bootstrap")
    assert stream_rng(3, "x").integers(0, 2**32, 4).tolist() == stream_rng(3, "x").integers(0, 2**32, 4).tolist()
    code = "from analytics.seeding import stream_seed; print(stream_seed(20240101, 'table8/kls'))"
    got = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": h}, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout.strip() for h in ("1", "2")}
    assert got == {str(stream_seed(20240101, "table8/kls"))}


def test_seed_setting_is_validated_and_reaches_the_assets():
    assert MethodSettings().seed == 0
    for bad in (-1, 1.5, "7", True, 2**63):
        with pytest.raises(ValueError, match="seed"):
            MethodSettings(seed=bad)
    with pytest.raises(ValueError, match="seed"):
        settings_from_dict({"seed": -3}, "gvc.toml")
    s = settings_from_dict({"seed": 42}, "gvc.toml")
    assert s.as_dict()["seed"] == 42
    gvc = GvcResource(raw_root="raw", warehouse="w.duckdb", method=method_json(s))
    assert gvc.settings.seed == 42
    assert GvcResource(raw_root="raw", warehouse="w.duckdb", method=method_json(MethodSettings())).settings.seed == 0


def test_fixed_effects_are_projected_in_the_formula_order():
    """pyfixest keeps a formula's fixed effects in a set (hash-salted order per
    process); analytics.study puts them back in the formula's order, so a fit
    with three fixed effects gives the same bits in every process."""
    import analytics.study  # noqa: F401  (installs the order)
    from pyfixest.estimation.formula import model_matrix, utils

    data = pd.DataFrame({"industry_code": ["1", "2"], "city_code": ["a", "b"], "year": [1, 2]})
    assert utils._encode_fixed_effects("industry_code + city_code + year", data) == (
        "__fixed_effect__(industry_code) + __fixed_effect__(city_code) + __fixed_effect__(year) - 1")
    assert model_matrix._encode_fixed_effects is utils._encode_fixed_effects
    code = ("import sys; sys.path.insert(0, 'tests/unit'); from test_reproducible_draws import small_panel; "
            "from analytics.study.spec import FULL_CONTROLS, Spec, fit_spec; "
            "s = Spec('table8', '4', 'ols', 'dvar', regressors=('complementarity',), controls=tuple(FULL_CONTROLS), "
            "fe=('industry', 'city', 'year')); f = fit_spec(small_panel(), s); "
            "print(repr(f.r2), repr(float(f.model.coef()['complementarity'])))")
    got = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": h}, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
           for h in ("1", "2", "3")}
    assert len(got) == 1, got
