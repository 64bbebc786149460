"""The headline `gvc build` prints: Table 7 (3) 2SLS with both clusterings'
intervals, the first-stage F, OLS and, on a synthetic world, the truth."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analytics.report.headline import answer_lines, headline_facts, headline_lines


def _warehouse(rows: list[tuple], beta: float | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    df = pd.DataFrame(rows, columns=["table_id", "column_id", "term", "estimate", "std_error", "ci_low", "ci_high",
                                     "n_obs"])
    con.register("df", df)
    con.execute("create table marts.fct_regression_results as select * from df")
    if beta is not None:
        con.execute("create schema analytics")
        con.execute("create table analytics.synthetic_truth as select 'params.beta' as parameter, ? as value", [beta])
    return con


ROWS = [
    ("table7", "1", "kp_rk_wald_f", 289.4, None, None, None, 36230),
    ("table7", "3", "complementarity", 0.2, 0.05, None, None, 36230),  # CI from the SE: [0.102, 0.298]
    ("table7", "3b", "complementarity", 0.2, 0.1, -0.1, 0.5, 36230),
    ("table4", "3", "complementarity", 0.176, 0.01, None, None, 36230),
    ("table4", "1", "complementarity", 9.0, 1.0, None, None, 10),  # not the headline's OLS
    ("table7", "3", "anderson_rubin", 16.0, None, 0.05, 0.35, 36230),
    ("table7", "3b", "anderson_rubin", 3.0, None, None, None, 36230),  # unbounded under cell clusters
]


def test_headline_states_estimate_intervals_first_stage_ols_and_truth():
    lines = headline_lines(_warehouse(ROWS, beta=0.21))
    text = "\n".join(lines)
    assert lines[0] == "headline: Table 7 (3), 2SLS of DVAR on C = 0.200, N 36,230"
    assert "firm clusters:           SE 0.050, 95% CI [0.102, 0.298]" in text
    assert "city x industry clusters: SE 0.100, 95% CI [-0.100, 0.500]" in text
    assert "Kleibergen-Paap rk Wald F 289.4" in text and "weak: below" not in text
    assert "OLS (Table 4 (3)): 0.176 (SE 0.010)" in text
    assert ("Anderson-Rubin 95% set (weak-instrument robust): [0.050, 0.350] with firm clusters, unbounded with "
            "city x industry clusters") in text
    assert "true beta 0.21, inside the firm and the city x industry-clustered interval" in text


@pytest.mark.parametrize("beta, verdict", [(0.4, "inside the city x industry-clustered interval"),
                                           (0.9, "outside both intervals: the estimate misses the truth")])
def test_headline_says_which_interval_misses_the_truth(beta, verdict):
    assert verdict in "\n".join(headline_lines(_warehouse(ROWS, beta=beta)))


def test_weak_first_stage_and_real_data_and_no_table():
    weak = [("table7", "1", "kp_rk_wald_f", 3.1, None, None, None, 100), *ROWS[1:]]
    text = "\n".join(headline_lines(_warehouse(weak)))
    assert "F 3.1 (weak: below 10)" in text and "true beta" not in text  # no truth: real data
    assert headline_lines(_warehouse([ROWS[3]])) == []
    not_estimable = [("table7", "3", "complementarity", None, None, None, None, 0)]
    assert "not estimable" in headline_lines(_warehouse(not_estimable))[0]


def _facts(rows, beta=None):
    df = pd.DataFrame(rows, columns=["table_id", "column_id", "term", "estimate", "std_error", "ci_low", "ci_high",
                                     "n_obs"])
    return headline_facts(df, beta)


def test_the_report_answer_states_the_verdict_both_intervals_and_the_truth():
    text = "\n".join(answer_lines(_facts(ROWS, beta=0.21)))
    assert "**The question.**" in text
    assert "Yes: C raises DVAR" in text  # firm-clustered interval [0.102, 0.298] above zero
    assert "**0.200**, 95% interval [0.102, 0.298]" in text and "[-0.100, 0.500] clustered by city x industry" in text
    assert "N 36,230 firm-years" in text and "F 289.4" in text and "OLS (Table 4 (3)) 0.176" in text
    assert "recovered" in text
    assert "Anderson-Rubin 95% set, robust to a weak instrument, [0.050, 0.350] (firm clusters) and unbounded" in text
    # SE 0.100 against 0.050: twice the firm-clustered one, said plainly
    assert "**Warning:** the city x industry-clustered SE is 2.0 times the firm-clustered one" in text


def test_the_report_answer_warns_of_a_weak_first_stage_and_a_missed_truth():
    weak = [("table7", "1", "kp_rk_wald_f", 3.1, None, None, None, 100), *ROWS[1:]]
    text = "\n".join(answer_lines(_facts(weak, beta=0.9)))
    assert "the first stage is weak (F 3.1, below 10)" in text
    assert "misses the generator's beta 0.9" in text and "recovered" not in text
    zero = [("table7", "3", "complementarity", 0.05, 0.1, None, None, 50)]
    assert "cannot be told apart from zero" in "\n".join(answer_lines(_facts(zero)))
    assert "Not answered yet" in "\n".join(answer_lines(None))
    assert "Not estimable" in "\n".join(answer_lines(_facts([("table7", "3", "complementarity", None, None, None,
                                                               None, 0)])))
