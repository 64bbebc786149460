"""Hand-made survey rows and price tables for METHOD §0 step 5 (real values and
perpetual-inventory capital), with the real values worked out by hand: shared
by tests/integration/test_dbt_real_values.py (dbt) and
tests/unit/test_truth_real_values.py (the pandas twin).

Industry 35 ("3511") unless said; output = sales = 1000, intermediate inputs
500. Capital, depreciation 0.1: ``K_first = FA / P``, then
``K_t = 0.9^(t - t_prev) K_prev + max(FA_t - FA_prev, 0) / P_t``.
"""

from __future__ import annotations

import pandas as pd

from tests.preparation_cases import survey_row

DEFLATORS = pd.DataFrame({
    "industry_code": ["35", "35", "35", "17", "17"],
    "year": [2007, 2008, 2009, 2007, 2008],  # no 35 in 2006, no 17 in 2009
    "output_deflator": [1.25, 1.6, 2.0, 1.0, 1.0],
    "input_deflator": [2.0, 1.25, 1.6, 1.0, 1.0],
})
INVESTMENT_DEFLATOR = pd.DataFrame({"year": [2007, 2008, 2009], "deflator": [1.25, 2.0, 1.6]})  # no 2006

SURVEY = {
    2006: [
        # no investment deflator in 2006: no capital in 2006 nor after
        survey_row("PIMMISS1A", 2006, fixed_assets=100.0),
    ],
    2007: [
        survey_row("PIMPLAIN1", 2007, fixed_assets=100.0),
        survey_row("PIMGAP01A", 2007, fixed_assets=100.0),
        # the panel firm's first id: the same name as PIMPANL2B, which starts in 2008
        survey_row("PIMPANL1A", 2007, fixed_assets=100.0, firm_name="联动精密机械有限公司"),
    ],
    2008: [
        survey_row("PIMPLAIN1", 2008, fixed_assets=150.0),
        survey_row("PIMLATE1A", 2008, fixed_assets=200.0),
        survey_row("PIMMISS1A", 2008, fixed_assets=100.0),
        survey_row("PIMPANL2B", 2008, fixed_assets=120.0, firm_name="联动精密机械有限公司"),
        survey_row("DEFMISS1A", 2008, industry_code="1711", fixed_assets=100.0),
    ],
    2009: [
        # fixed assets fall: investment 0
        survey_row("PIMPLAIN1", 2009, fixed_assets=140.0),
        # 2008 missing: 0.81 K_2007 + (260 - 100) / P_2009
        survey_row("PIMGAP01A", 2009, fixed_assets=260.0),
        survey_row("PIMLATE1A", 2009, fixed_assets=216.0),
        survey_row("PIMPANL2B", 2009, fixed_assets=120.0, firm_name="联动精密机械有限公司"),
        # industry 17 has no 2009 deflators: no real output or inputs, capital still
        survey_row("DEFMISS1A", 2009, industry_code="1711", fixed_assets=100.0),
    ],
}

N = None
# (year, firm_id) -> (real_output (= real_sales), real_intermediate_inputs, real_capital,
#                     deflator_missing, investment_deflator_missing)
EXPECTED = {
    (2006, "PIMMISS1A"): (N, N, N, True, True),
    (2007, "PIMPLAIN1"): (800.0, 250.0, 80.0, False, False),
    (2007, "PIMGAP01A"): (800.0, 250.0, 80.0, False, False),
    (2007, "PIMPANL1A"): (800.0, 250.0, 80.0, False, False),
    (2008, "PIMPLAIN1"): (625.0, 400.0, 0.9 * 80 + 50 / 2.0, False, False),  # 97
    (2008, "PIMLATE1A"): (625.0, 400.0, 200 / 2.0, False, False),  # 100
    (2008, "PIMMISS1A"): (625.0, 400.0, N, False, True),
    (2008, "PIMPANL2B"): (625.0, 400.0, 0.9 * 80 + 20 / 2.0, False, False),  # 82
    (2008, "DEFMISS1A"): (1000.0, 500.0, 100 / 2.0, False, False),  # 50
    (2009, "PIMPLAIN1"): (500.0, 312.5, 0.9 * 97, False, False),  # 87.3
    (2009, "PIMGAP01A"): (500.0, 312.5, 0.81 * 80 + 160 / 1.6, False, False),  # 164.8
    (2009, "PIMLATE1A"): (500.0, 312.5, 0.9 * 100 + 16 / 1.6, False, False),  # 100
    (2009, "PIMPANL2B"): (500.0, 312.5, 0.9 * 82, False, False),  # 73.8
    (2009, "DEFMISS1A"): (N, N, 0.9 * 50, True, False),  # 45
}

# quality counts per sample year
COUNTS = {
    2008: {"survey_deflator_missing": 0, "survey_investment_deflator_missing": 1},
    2009: {"survey_deflator_missing": 1, "survey_investment_deflator_missing": 0},
}
