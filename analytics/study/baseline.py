"""Table 4 (baseline), Table 5 (robustness) and Fig. 6 (leads), METHOD §6.

Each function takes the analysis panel (``marts.fct_firm_panel`` columns) and
returns rows of ``marts.fct_regression_results`` (see
:mod:`analytics.study.spec`): one row per reported coefficient and a
``singletons_dropped`` row per column.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analytics.study.spec import (
    AGGLOMERATION_CONTROLS,
    CONTROLS,
    FULL_CONTROLS,
    REGIONAL_CONTROLS,
    Spec,
    run_spec,
    run_spec_reclustered,
    to_frame,
)

__all__ = ["table4", "table4_specs", "table5", "placebo_spec", "fig6", "flag_false"]


def flag_false(s: pd.Series) -> pd.Series:
    """True where a boolean flag is known to be False (missing -> not kept)."""
    return s.astype("boolean").eq(False).fillna(False).astype(bool)


def table4_specs() -> list[Spec]:
    """Table 4's columns: ``dvar ~ C + controls | firm + year``, OLS.

    (1) no controls, (2) METHOD §5 controls, (3) + agglomeration and regional
    patents (their coefficients reported too), (4) as (3) clustered by city
    (METHOD §6; the paper's note says prefecture city). CRV1 by firm in (1)-(3).
    The exported do-file (``gvc export panel --format dta``) is written from these.
    """
    base = Spec("table4", "1", "ols", "dvar", regressors=("complementarity",))
    full_terms = ("complementarity", *AGGLOMERATION_CONTROLS)
    return [
        base,
        base.with_(column_id="2", controls=tuple(CONTROLS)),
        base.with_(column_id="3", controls=tuple(FULL_CONTROLS), terms=full_terms),
        base.with_(column_id="4", controls=tuple(FULL_CONTROLS), terms=full_terms, cluster="city"),
    ]


def table4(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 4 (:func:`table4_specs`), one column after the other."""
    rows = [r for s in table4_specs() for r in run_spec(panel, s, run_id=run_id, asset=asset)]
    return to_frame(rows)


def placebo_spec() -> Spec:
    """Table 5 column (5): the placebo industry's C instead of C, full controls,
    firm + year FE, CRV1 by firm."""
    return Spec("table5", "5", "ols", "dvar", regressors=("placebo_complementarity",),
                controls=tuple(FULL_CONTROLS))


def table5(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 5 robustness, all with the full controls, firm + year FE, CRV1 by firm.

    (1) + YRD/PRD dummy, GDP per capita, market access, basic research (their
    coefficients reported); (2) firms that never change city (``mover`` False);
    (3) without the top sales decile of each year (``top_sales_decile`` False);
    (4) outcome export upstreamness; (5) placebo C instead of C; (5b) the same
    placebo fit with CRV1 by city-industry (docs/synthetic_world.md: C's noise and the shock
    are shared within a city-industry-year, so firm clusters overstate the
    placebo's precision; shown beside the paper's firm clustering, as Table 7's
    (3b)).
    """
    base = Spec("table5", "1", "ols", "dvar", regressors=("complementarity",),
                controls=tuple(FULL_CONTROLS))
    rows = []
    rows += run_spec(panel, base.with_(controls=tuple(FULL_CONTROLS + REGIONAL_CONTROLS),
                                       terms=("complementarity", *REGIONAL_CONTROLS)),
                     run_id=run_id, asset=asset)
    rows += run_spec(panel[flag_false(panel["mover"])], base.with_(column_id="2", sample="non_movers"),
                     run_id=run_id, asset=asset)
    rows += run_spec(panel[flag_false(panel["top_sales_decile"])],
                     base.with_(column_id="3", sample="without_top_sales_decile"),
                     run_id=run_id, asset=asset)
    rows += run_spec(panel, base.with_(column_id="4", dep_var="upstreamness"), run_id=run_id, asset=asset)
    _, placebo = run_spec_reclustered(panel, placebo_spec(), "city_industry", "5b", run_id=run_id, asset=asset)
    rows += placebo
    return to_frame(rows)


def fig6(panel: pd.DataFrame, leads: Iterable[int] = range(1, 6), *, run_id: str = "",
         asset: str = "") -> pd.DataFrame:
    """Fig. 6 (Eq. 17): ``dvar_lead{n} ~ C_t + controls_t | firm + year``,
    column_id = n. Leads are the panel's ``dvar_lead1..5`` (calendar years; a
    missing t+n row is missing, so each column has its own sample). On a
    short panel a lead can leave no rows or only singletons: that column is
    not estimable (its rows carry the ``reason``), the others are estimated."""
    rows = []
    for n in leads:
        spec = Spec("fig6", str(n), "ols", f"dvar_lead{n}", regressors=("complementarity",),
                    controls=tuple(FULL_CONTROLS), sample=f"lead{n}")
        rows += run_spec(panel, spec, run_id=run_id, asset=asset)
    return to_frame(rows)
