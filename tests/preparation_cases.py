"""Hand-made survey and customs rows, one case per rule of METHOD §0, with what the
preparation must make of them (worked out by hand in the comments): shared by
tests/integration/test_dbt_preparation.py (dbt) and tests/unit/test_truth_preparation.py
(the pandas twin)."""

from __future__ import annotations

RATE = 8.0  # CNY per USD in every year of this root


def survey_row(firm_id: str, year: int, **over) -> dict:
    """A survey row that passes every filter, M reported, no accounting items."""
    row = {
        "year": year, "firm_id": firm_id, "firm_name": f"{firm_id}机械有限公司", "legal_rep": None, "phone": None,
        "zip_code": None, "city_code": "330102", "industry_code": "3511", "year_established": 1995,
        "employment": 50, "output": 1000.0, "sales": 1000.0, "export_delivery": 0.0, "intermediate_inputs": 500.0,
        "fixed_assets": 100.0, "total_assets": 300.0, "paid_in_capital": 50.0, "state_capital": 0.0,
        "foreign_capital": 0.0, "hmt_capital": 0.0, "wage_bill": 30.0, "rd_expenditure": 0.0, "subsidy": 0.0,
        "current_assets": 150.0, "inventory": None, "finished_goods": None, "cost_of_sales": None,
        "welfare_payable": None, "registration_type": "110",
    }
    row.update(over)
    return row


ITEMS = {"intermediate_inputs": None, "inventory": 50.0, "finished_goods": 20.0, "cost_of_sales": 400.0}

SURVEY = {
    2007: [
        survey_row("IMPUTE01A", 2007, wage_bill=30.0, welfare_payable=5.0),
        # IMPUTE06's 2007 row fails the employment filter: its wage is out of IMPUTE06's mean
        survey_row("IMPUTE06A", 2007, employment=3, wage_bill=1000.0, welfare_payable=0.0),
    ],
    2008: [
        # 1. duplicates: the largest sales stays; a tie of sales: the smaller name (A... < B...)
        survey_row("DUPLIC01A", 2008, sales=100.0),
        survey_row("DUPLIC01A", 2008, sales=50.0, employment=3),
        survey_row("DUPLIC02A", 2008, sales=80.0, firm_name="B名称有限公司"),
        survey_row("DUPLIC02A", 2008, sales=80.0, firm_name="A名称有限公司"),
        # 2. filters, one firm-year per rule, and the edges that pass
        survey_row("FILTEMP7A", 2008, employment=7),
        survey_row("FILTEMP8A", 2008, employment=8),
        survey_row("FILTFIXDA", 2008, total_assets=90.0, current_assets=None),  # below fixed (100)
        survey_row("FILTCURRA", 2008, total_assets=150.0, current_assets=200.0),  # below current
        survey_row("KEEPCURNA", 2008, current_assets=None),  # current NULL: not applied
        survey_row("FILTPAIDA", 2008, paid_in_capital=0.0),
        survey_row("KEEPPAIDA", 2008, paid_in_capital=None),
        survey_row("FILTLATEA", 2008, year_established=2009),
        survey_row("FILTOLDYA", 2008, year_established=1948),
        survey_row("KEEP1949A", 2008, year_established=1949),
        survey_row("KEEPNOYRA", 2008, year_established=None),
        survey_row("FILTMINEA", 2008, industry_code="0810"),
        survey_row("FILTPOWRA", 2008, industry_code="4411"),
        survey_row("KEEPIN13A", 2008, industry_code="1310"),
        survey_row("KEEPIN43A", 2008, industry_code="4310"),
        survey_row("FILTTWICE", 2008, employment=5, paid_in_capital=0.0),  # counted under employment
        # 3. intermediate inputs: wage and welfare from the other years (wage (30 + 50) / 2,
        # welfare 5 (2009 has none)): M = 50 - 20 + 400 - 40 - 5 = 385
        survey_row("IMPUTE01A", 2008, wage_bill=None, welfare_payable=None, **ITEMS),
        # the identity <= 0: 10 - 20 + 5 - 3 - 1 = -9 -> NULL
        survey_row("IMPUTE02A", 2008, wage_bill=3.0, welfare_payable=1.0, intermediate_inputs=None, inventory=10.0,
                   finished_goods=20.0, cost_of_sales=5.0),
        # an item missing -> NULL
        survey_row("IMPUTE03A", 2008, wage_bill=3.0, welfare_payable=1.0, **{**ITEMS, "cost_of_sales": None}),
        # no other year: wage and welfare 0 -> M = 50 - 20 + 400 = 430
        survey_row("IMPUTE04A", 2008, wage_bill=None, welfare_payable=None, **ITEMS),
        # M reported: kept, not imputed
        survey_row("IMPUTE05A", 2008, intermediate_inputs=70.0, inventory=50.0, finished_goods=20.0,
                   cost_of_sales=400.0),
        # the mean over kept years only: 60 (2009), not (1000 + 60) / 2 -> M = 430 - 60 - 0 = 370
        survey_row("IMPUTE06A", 2008, wage_bill=None, welfare_payable=0.0, **ITEMS),
    ],
    2009: [
        survey_row("IMPUTE01A", 2009, wage_bill=50.0, welfare_payable=None),
        survey_row("IMPUTE06A", 2009, wage_bill=60.0, welfare_payable=0.0),
        survey_row("FILTEMP7A", 2009),
    ],
}


def customs_line(firm_id: str | None, name: str, value: float, year: int = 2008, month: int = 1,
                 partner: str | None = "USA") -> dict:
    return {"year": year, "month": month, "customs_firm_id": firm_id, "firm_name": name, "phone": None,
            "zip_code": None, "flow": "export", "trade_regime": "10", "hs_code": "84713000",
            "partner_country": partner, "value_usd": value, "quantity": None, "unit": None}


CUSTOMS = {
    2008: [
        # IMPUTE01A exports 10,000 USD (ordinary), S = 1000 kRMB = 125,000 USD, M = 385 kRMB = 48,125 USD:
        # dF2 = 0.05 * 48,125 * 10,000 / 125,000 = 192.5, DVAR = 1 - 192.5 / 10,000
        customs_line("3301000001", "IMPUTE01A机械有限公司", 10_000.0),
        # FILTEMP7A's customs firm: its survey row is filtered, so it stays unmatched
        customs_line("3301000002", "FILTEMP7A机械有限公司", 5_000.0),
        # the same firm's line to an unknown partner: kept, counted (customs_rows_without_partner)
        customs_line("3301000002", "FILTEMP7A机械有限公司", 700.0, month=2, partner=None),
        # IMPUTE05A: M reported
        customs_line("3301000005", "IMPUTE05A机械有限公司", 4_000.0),
        # 7. no firm id (NULL, blank) and value 0: dropped, counted
        customs_line(None, "无编码甲公司", 300.0),
        customs_line("   ", "无编码乙公司", 200.0),
        customs_line("3301000005", "IMPUTE05A机械有限公司", 0.0, partner="JPN"),
    ],
    2009: [customs_line("3301000001", "IMPUTE01A机械有限公司", 8_000.0, year=2009)],
}
DVAR_IMPUTE01 = 1 - 0.05 * (385 * 1000 / RATE) * 10_000 / (1000 * 1000 / RATE) / 10_000

FILTERED = {"FILTEMP7A": "employment", "FILTFIXDA": "assets", "FILTCURRA": "assets", "FILTPAIDA": "paid_in_capital",
            "FILTLATEA": "founding_year", "FILTOLDYA": "founding_year", "FILTMINEA": "industry",
            "FILTPOWRA": "industry", "FILTTWICE": "employment"}
