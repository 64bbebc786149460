"""The report's truth section judges beta with city x industry clusters (Table 7
(3b)), the level at which C and the world's shock vary, and shows the paper's
firm-clustered interval (3) beside it without counting it."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.report.render import _truth_table, truth_comparison
from analytics.report.tables import to_markdown


def _results(with_cells: bool = True) -> pd.DataFrame:
    rows = [dict(table_id="table7", column_id="3", term="complementarity", estimate=0.30, std_error=0.04,
                 ci_low=None, ci_high=None, run_id="r")]
    if with_cells:  # the same estimate, a wider interval: covers 0.21 where the firm-clustered one does not
        rows.append(dict(table_id="table7", column_id="3b", term="complementarity", estimate=0.30, std_error=0.06,
                         ci_low=None, ci_high=None, run_id="r"))
    return pd.DataFrame(rows)


def test_beta_is_judged_by_cell_clusters_with_the_firm_interval_beside():
    df = truth_comparison(_results(), None, {"params.beta": 0.21}).set_index("parameter")
    assert df.loc["beta", "ci_low"] == pytest.approx(0.30 - 1.959963984540054 * 0.06)
    assert bool(df.loc["beta", "covered"]) and bool(df.loc["beta", "counted"])
    assert not bool(df.loc["beta_firm", "covered"]) and not bool(df.loc["beta_firm", "counted"])
    assert "city x industry" in df.loc["beta", "source"]
    md = to_markdown(_truth_table(df.reset_index()))
    assert "1 of 1 95% confidence intervals cover" in md and "| no (not counted) |" in md
    assert "firm clusters understate its sampling spread" in md


def test_without_the_cell_clustered_column_the_firm_interval_is_the_judge():
    df = truth_comparison(_results(with_cells=False), None, {"params.beta": 0.21})
    assert df["parameter"].tolist() == ["beta"] and not bool(df.loc[0, "covered"])
    assert df.loc[0, "source"] == "estimation/table7 (3)"
