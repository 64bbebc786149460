"""The specification curve's dbt reruns and panel cuts: each rerun runs only
the models its changed switches reach, and the per-year winsorisation of the
curve's panels is the quantile rule of the dbt panel."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.study import spec_panels as sp
from orchestration.dbt_cli import DBT_PROJECT_DIR
from orchestration.spec_curve import C_MART, DVAR_MART, SWITCH_MODELS, rerun_selection


def _readers(switch: str) -> set[str]:
    """The models and macros of the dbt project whose SQL reads the switch
    (``var('<switch>')``, or the project's ``var_flag('<switch>')``)."""
    pattern = re.compile(r"var(?:_flag)?\(\s*['\"]" + switch + r"['\"]")
    return {f.stem for folder in ("models", "macros") for f in (DBT_PROJECT_DIR / folder).rglob("*.sql")
            if pattern.search(f.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("switch", [*sp.C_SWITCHES, *sp.DVAR_SWITCHES])
def test_each_switch_starts_at_the_model_that_reads_it(switch):
    first, last = SWITCH_MODELS[switch]
    assert _readers(switch) == {first}, "a model or macro reads the switch that the curve's reruns would skip"
    assert last == (C_MART if switch in sp.C_SWITCHES else DVAR_MART)


def test_rerun_selection_takes_only_what_the_changed_switches_reach():
    assert rerun_selection(["weight_denominator"]) == "fct_city_industry_complementarity"
    whole_c = "int_patent_technology_units+,+fct_city_industry_complementarity"
    assert rerun_selection(["ipc_levels"]) == whole_c
    # the narrower selection lies inside the wider one; dbt runs the union once
    assert rerun_selection(["ipc_counting", "weight_denominator"]) == \
        f"fct_city_industry_complementarity {whole_c}"
    assert rerun_selection(["indirect_import_adjustment"]) == "int_customs_firm_trade_totals+,+fct_firm_year_dvar"
    with pytest.raises(ValueError, match="dvar_out_of_range"):
        rerun_selection(["dvar_out_of_range"])  # acts on the panel, not in dbt
    with pytest.raises(ValueError):
        rerun_selection([])


def test_curve_order_halves_the_patent_reruns():
    """In the curve's order every second patent combination differs from the
    one before only in the denominator (the cheap rerun)."""
    c_specs = list(dict.fromkeys(sp.c_key(s) for s in sp.every_spec()))
    assert len(c_specs) == 8
    whole = 0
    held = c_specs[0].split("|")
    for key in c_specs[1:]:
        now = key.split("|")
        changed = [name for name, a, b in zip(sp.C_SWITCHES, held, now) if a != b]
        whole += rerun_selection(changed) != C_MART
        held = now
    assert whole == 3  # of 7 reruns; the other 4 rerun the mart alone


def _winsorise_reference(x: pd.Series, by: pd.Series, lower: float, upper: float) -> pd.Series:
    """Written out per group with Series.quantile (linear interpolation, NULLs left out)."""
    out = x.copy()
    for _, idx in x.groupby(by).groups.items():
        lo, hi = x.loc[idx].quantile(lower), x.loc[idx].quantile(upper)
        out.loc[idx] = x.loc[idx].clip(lo, hi)
    return out


def test_per_year_winsorisation_equals_the_group_quantile_rule():
    rng = np.random.default_rng(7)
    n = 500
    frame = pd.DataFrame({"year": rng.choice([2001, 2002, 2003, 2005], n), "a": rng.lognormal(size=n),
                          "b": rng.normal(size=n)})
    frame.loc[rng.choice(n, 40, replace=False), "a"] = np.nan
    frame.loc[frame["year"] == 2005, "b"] = np.nan  # a year with no values: nothing to clip
    frame = frame.sample(frac=1.0, random_state=3)  # rows not grouped by year
    got = sp.winsorise(frame, ["a", "b"], 0.05, 0.9, by="year")
    for col in ("a", "b"):
        want = _winsorise_reference(frame[col], frame["year"], 0.05, 0.9)
        pd.testing.assert_series_equal(got[col], want, check_names=False, rtol=0, atol=0)
    assert (got["a"] != frame["a"]).sum() > 0 and got["b"][frame["year"] == 2005].isna().all()
    # by hand: five values 1..5 of one year, quantile 0.1 = 1.4, 0.9 = 4.6
    hand = sp.winsorise(pd.DataFrame({"year": [1] * 5, "v": [5.0, 1.0, 3.0, 2.0, 4.0]}), ["v"], 0.1, 0.9, by="year")
    np.testing.assert_allclose(hand["v"], [4.6, 1.4, 3.0, 2.0, 4.0], rtol=0, atol=1e-12)
