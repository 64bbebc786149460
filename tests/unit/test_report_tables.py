"""Regression tables from hand-made fct_regression_results rows: exact Markdown and LaTeX."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.report.tables import (
    build_table, ci_bounds, format_estimate, format_se, parse_spec, stars, to_latex, to_markdown,
)


def _rows() -> pd.DataFrame:
    rows = []

    def add(c, term, est, se, p, n=1000, r2=0.5, fe="panel_firm_id+year", cl="panel_firm_id", controls=None):
        rows.append(dict(table_id="table4", column_id=c, term=term, estimate=est, std_error=se, p_value=p,
                         n_obs=n, r2=r2, fixed_effects=fe, cluster=cl, run_id="run-abc", controls=controls))

    add("1", "complementarity", 0.0123, 0.0045, 0.0062, n=405493, r2=0.5712)
    add("1", "singletons_dropped", 12, None, None, n=405493, r2=None)
    ctl = "foreign_share+state_share"
    add("2", "complementarity", 0.0207, 0.0101, 0.04, n=405000, r2=0.574, controls=ctl, cl="city_code")
    add("2", "regional_patents", -0.0004, 0.0002, 0.0999, n=405000, r2=0.574, controls=ctl, cl="city_code")
    add("2", "foreign_share", 0.3, 0.1, 0.001, n=405000, r2=0.574, controls=ctl, cl="city_code")  # hidden control
    add("2", "singletons_dropped", 0, None, None)
    # another table's rows are ignored
    rows.append(dict(table_id="table5", column_id="1", term="complementarity", estimate=9.0, std_error=1.0,
                     p_value=0.5, n_obs=1, r2=0.1, fixed_effects="year", cluster="city_code", run_id="x"))
    return pd.DataFrame(rows)


EXPECTED_MD = """\
| Variable | (1) | (2) |
|---|:---:|:---:|
|  | DVAR | DVAR |
| Technological complementarity | 0.01*** | 0.02** |
|  | (0.00) | (0.01) |
| Regional patents |  | -0.00040* |
|  |  | (0.00020) |
| Control variables | No | Yes |
| Year fixed effect | Yes | Yes |
| Firm fixed effect | Yes | Yes |
| Standard errors clustered by | Firm | City |
| Observations | 405,493 | 405,000 |
| R² | 0.57 | 0.57 |
| Singletons dropped | 12 | 0 |

Note: ***, **, and * denote significance at the 1%, 5%, and 10% levels, respectively. Standard errors in parentheses.
"""

EXPECTED_TEX = r"""\begin{table}[htbp]
\centering
\caption{Baseline regression results}
\label{tab:table4}
\begin{tabular}{lcc}
\toprule
Variable & (1) & (2) \\
 & DVAR & DVAR \\
\midrule
Technological complementarity & 0.012$^{***}$ & 0.021$^{**}$ \\
 & (0.004) & (0.010) \\
Regional patents &  & -0.00040$^{*}$ \\
 &  & (0.00020) \\
\midrule
Control variables & No & Yes \\
Year fixed effect & Yes & Yes \\
Firm fixed effect & Yes & Yes \\
Standard errors clustered by & Firm & City \\
\midrule
Observations & 405,493 & 405,000 \\
R$^2$ & 0.571 & 0.574 \\
Singletons dropped & 12 & 0 \\
\bottomrule
\end{tabular}
\par\smallskip\parbox{\linewidth}{\footnotesize Note: ***, **, and * denote significance at the 1\%, 5\%, and 10\% levels, respectively. Standard errors in parentheses.}
\end{table}
"""


def test_markdown_two_columns_exact():
    assert to_markdown(build_table(_rows(), "table4", digits=2)) == EXPECTED_MD


def test_latex_booktabs_exact():
    assert to_latex(build_table(_rows(), "table4", digits=3)) == EXPECTED_TEX


@pytest.mark.parametrize("p, expected", [
    (0.0099, "***"), (0.01, "**"), (0.0499, "**"), (0.05, "*"), (0.0999, "*"), (0.10, ""), (0.5, ""), (None, ""),
    (float("nan"), ""),
])
def test_star_thresholds(p, expected):
    assert stars(p) == expected


def test_rounding_and_parentheses():
    assert format_estimate(0.125, 0.001, 2) == "0.12***"  # round half to even, as Python formats
    assert format_estimate(-0.0004, 0.2, 2) == "-0.00"
    assert format_estimate(0.21, 0.03, 3) == "0.210**"
    assert format_se(0.0149, 2) == "(0.01)"
    assert format_se(None, 2, (0.1, 0.25)) == "[0.10, 0.25]"  # UCI: interval when there is no SE
    assert format_se(None, 2) == ""


def test_p_value_missing_uses_normal_approximation():
    r = _rows()
    r.loc[(r["column_id"] == "1") & (r["term"] == "complementarity"), "p_value"] = None  # t = 2.73 -> p = 0.006
    md = to_markdown(build_table(r, "table4", digits=2))
    assert "| Technological complementarity | 0.01*** | 0.02** |" in md


def test_fixed_effect_rows_follow_the_fe_string():
    r = _rows()
    r.loc[r["column_id"] == "2", "fixed_effects"] = "year"
    md = to_markdown(build_table(r, "table4", digits=2))
    assert "| Firm fixed effect | Yes | No |" in md
    assert "| Year fixed effect | Yes | Yes |" in md


def test_table7_kp_and_province_year():
    rows = pd.DataFrame([
        dict(table_id="table7", column_id="1", term="instrument", estimate=0.011, std_error=0.001, p_value=1e-5,
             n_obs=500, r2=0.57, fixed_effects="panel_firm_id+year", cluster="panel_firm_id", run_id="r"),
        dict(table_id="table7", column_id="1", term="kp_rk_wald_f", estimate=747.406, std_error=None, p_value=None,
             n_obs=500, r2=None, fixed_effects=None, cluster=None, run_id="r"),
        dict(table_id="table7", column_id="4", term="complementarity", estimate=0.21, std_error=0.05, p_value=1e-4,
             n_obs=500, r2=0.02, fixed_effects="panel_firm_id+year+province_code^year", cluster="panel_firm_id",
             run_id="r", controls="placebo_complementarity+hhi"),
    ])
    recl = rows.iloc[[2]].assign(column_id="3b", cluster="city_industry", std_error=0.08, p_value=0.009)
    md = to_markdown(build_table(rows, "table7", digits=2))
    assert "|  | First stage | 2SLS |" in md
    md = to_markdown(build_table(pd.concat([rows, recl]), "table7", digits=2))
    assert "| Variable | (1) | (3b) | (4) |" in md  # a re-clustered column sits by its number
    assert "|  | First stage | 2SLS | 2SLS |" in md
    assert "| Standard errors clustered by | Firm | City-industry | Firm |" in md
    assert "| K-P rk Wald F | 747.41 |  |" in md
    assert "| Placebo variable | No | Yes |" in md
    assert "| Province-year fixed effects | No | Yes |" in md


def test_small_coefficients_keep_two_significant_digits():
    """An instrument in GDP/km units has coefficients like 0.0006: shown, not 0.000."""
    from analytics.report.tables import row_digits

    assert row_digits(0.0006, 3) == 5 and row_digits(-0.0123, 2) == 2 and row_digits(0.0, 3) == 3
    rows = pd.DataFrame([
        dict(table_id="table7", column_id="1", term="instrument", estimate=0.000587, std_error=0.000123,
             p_value=1e-5, n_obs=500, r2=0.57, fixed_effects="panel_firm_id+year", cluster="panel_firm_id",
             run_id="r"),
        # column 4 as the study writes it: the Table 6 variables among the controls
        dict(table_id="table7", column_id="4", term="complementarity", estimate=0.21, std_error=0.05,
             p_value=1e-4, n_obs=500, r2=0.02, fixed_effects="panel_firm_id+year+province_code^year",
             cluster="panel_firm_id", run_id="r",
             controls="baseline+agglomeration+regional_patents+hhi+subsidy+labour_productivity+import_share"),
    ])
    md = to_markdown(build_table(rows, "table7", digits=3))
    assert "| Instrumental variable | 0.00059*** |  |" in md
    assert "|  | (0.00012) |  |" in md
    assert "| Technical complementarity |  | 0.210*** |" in md
    assert "| Placebo variable | No | Yes |" in md


def test_ci_bounds_and_spec_parsing():
    assert ci_bounds({"estimate": 1.0, "std_error": 0.5, "ci_low": None, "ci_high": None}) == pytest.approx(
        (1 - 0.979981992270027, 1 + 0.979981992270027))
    assert ci_bounds({"estimate": 1.0, "std_error": 0.5, "ci_low": 0.2, "ci_high": 1.9}) == (0.2, 1.9)
    assert parse_spec("ipc_levels=class_subclass;winsorisation=per_year") == {
        "ipc_levels": "class_subclass", "winsorisation": "per_year"}
    assert parse_spec(None) == {}


def test_spec_curve_table_and_recluster_copies():
    def row(label, est):
        return dict(table_id="spec_curve", column_id=label, term="complementarity", estimate=est, std_error=0.01,
                    p_value=0.001, n_obs=100, r2=0.1, fixed_effects="firm+year", cluster="firm", run_id="r",
                    sample=label)
    a, b = "ipc_counting=main;ipc_levels=section_class", "ipc_counting=fractional;ipc_levels=section_class"
    rows = pd.DataFrame([row(a, 0.25), row(b, 0.2), row(a + "|city_industry", 0.25)])
    md = to_markdown(build_table(rows, "spec_curve", digits=2))
    assert md.splitlines()[:4] == [
        "| Specification | Estimate | 95% CI | Observations | ipc_counting | ipc_levels |",
        "|---|:---:|:---:|:---:|:---:|:---:|",
        "| 1 | 0.20*** | [0.18, 0.22] | 100 | fractional | section_class |",
        "| 2 | 0.25*** | [0.23, 0.27] | 100 | main | section_class |",
    ]
    assert len([ln for ln in md.splitlines() if ln.startswith("| ")]) == 3


def test_spec_curve_reports_first_stage_f_and_bounds_the_axis(tmp_path):
    """A switch can leave the instrument weak: its F is shown, the note counts the weak
    specifications, and the figure's axis follows the strong ones (a weak estimate of -40
    does not flatten the others)."""
    from analytics.report.tables import plot_spec_curve

    def rows(label, est, se, f):
        base = dict(table_id="spec_curve", column_id=label, p_value=0.01, n_obs=100, r2=0.1,
                    fixed_effects="firm+year", cluster="firm", run_id="r", sample=label)
        return [dict(base, term="complementarity", estimate=est, std_error=se),
                dict(base, term="kp_rk_wald_f", estimate=f, std_error=None)]
    a, b = "ipc_levels=section_class", "ipc_levels=class_subclass"
    df = pd.DataFrame(rows(a, 0.22, 0.05, 287.06) + rows(b, -40.0, 500.0, 0.4))
    md = to_markdown(build_table(df, "spec_curve", digits=2))
    assert "| Specification | Estimate | 95% CI | Observations | K-P F | ipc_levels |" in md
    assert "| 287.1 | section_class |" in md and "| 0.4 | class_subclass |" in md
    assert "1 of 2 specifications have F < 10" in md
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    captured = {}
    real_close = plt.close

    def keep(fig=None):
        captured["ylim"] = fig.axes[0].get_ylim() if fig is not None else None
        captured["labels"] = fig.axes[0].get_legend_handles_labels()[1] if fig is not None else []
        real_close(fig)

    plt.close = keep
    try:
        plot_spec_curve(df, tmp_path / "sc.png", truth=0.21)
    finally:
        plt.close = real_close
    lo, hi = captured["ylim"]
    assert lo < 0.22 - 1.96 * 0.05 and hi > 0.22 + 1.96 * 0.05  # the strong interval is in view
    assert hi - lo < 1.0  # not stretched to the weak one's +-1000
    # section_class is METHOD's default: that specification is marked
    assert "default specification (METHOD defaults)" in captured["labels"]
    assert (tmp_path / "sc.png").stat().st_size > 0


def test_latex_numbers_paper_tables_as_the_paper_and_spells_greek_for_pdflatex():
    from analytics.report.tables import RenderedTable

    t = RenderedTable("truth", "Recovery", [["Parameter", "Estimate"]],
                      [[["β: effect of C on DVAR", "0.210"], ["ρ ≤ 1 − R²", "±0.01"]]], note="θ_m / α_m, σ = 5")
    tex = to_latex(t, caption="TABLE 7. IV estimates — β")
    # LaTeX prints "Table 7: IV estimates -- β", not "Table 1: TABLE 7. ..."
    assert r"\setcounter{table}{6}\caption{IV estimates --- $\beta$}" in tex
    assert r"$\beta$: effect of C on DVAR" in tex and r"$\rho$ $\leq$ 1 - R$^2$" in tex and r"$\pm$0.01" in tex
    assert r"$\theta$\_m / $\alpha$\_m, $\sigma$ = 5" in tex
    assert tex.isascii()
    # a caption without the paper's number keeps LaTeX's own
    assert r"\caption{Recovery}" in to_latex(t)


def test_clusters_and_outcome_mean_are_stats_rows():
    """esttab's stats(N N_clust ymean): the sample rows sit under Observations, a
    column without them (not estimated) shows an empty cell."""
    rows = _rows()
    extra = pd.DataFrame([
        dict(table_id="table4", column_id="1", term="n_clusters", estimate=20417, n_obs=405493),
        dict(table_id="table4", column_id="1", term="dep_var_mean", estimate=0.7132, n_obs=405493),
        dict(table_id="table4", column_id="2", term="n_clusters", estimate=284, n_obs=405000),
    ])
    md = to_markdown(build_table(pd.concat([rows, extra], ignore_index=True), "table4", 2))
    lines = md.splitlines()
    i = lines.index("| Observations | 405,493 | 405,000 |")
    assert lines[i + 1] == "| Clusters | 20,417 | 284 |"
    assert lines[i + 2] == "| Mean of dependent variable | 0.71 |  |"
    assert "Clusters" not in to_markdown(build_table(rows, "table4", 2))


def test_the_default_specification_is_the_one_with_every_default():
    from analytics.report.tables import _is_default

    assert _is_default({"ipc_levels": "section_class", "indirect_import_adjustment": "adj",
                        "dvar_out_of_range": "drop"})
    assert not _is_default({"ipc_levels": "section_class", "indirect_import_adjustment": "noadj"})
    assert not _is_default({"ipc_levels": "class_subclass"}) and not _is_default({})
