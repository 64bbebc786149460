"""Table 6 (instrument placebo), Table 7 (IV), Table 8 (relaxed IV) and the
economic significance of METHOD §6. Rows of ``marts.fct_regression_results``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics.estimation import anderson_rubin, kls, kls_bootstrap_ses, ltz, uci
from analytics.seeding import stream_seed
from analytics.settings import check_literal
from analytics.study.fe_order import keep_fixed_effect_order
from analytics.study.spec import (
    CLUSTER_COLUMNS,
    FE_COLUMNS,
    FULL_CONTROLS,
    PLACEBO_OUTCOMES,
    Fit,
    NotEstimable,
    Spec,
    contract_rows,
    diagnostic_row,
    fe_frame,
    fit_spec,
    guarded,
    kp_f,
    not_estimable_rows,
    prepare,
    run_spec,
    run_spec_reclustered,
    sample_rows,
    to_frame,
)

# every fit of analytics.study (this module is imported with the package): pyfixest would project
# the fixed effects out in a per-process order otherwise (analytics/study/fe_order.py)
keep_fixed_effect_order()

__all__ = [
    "COL4_CONTROLS",
    "COL4B_EXTRA",
    "PAPER_PRIORS",
    "PAPER_REDUCED_FORM",
    "reduced_form",
    "PAPER_RHOS",
    "iv_spec",
    "first_stage_spec",
    "fe_frame",
    "kp_f",
    "first_stage_rows",
    "table6",
    "table7",
    "table8",
    "econ_significance",
]

# Table 8 columns (1)-(3): prior g ~ N(mu, omega) (omega a variance) on the instrument's
# direct effect on DVAR, in the paper's instrument units.
PAPER_PRIORS: tuple[tuple[float, float], ...] = ((0.0, 1e-5), (1e-4, 1e-5), (1e-3, 1e-4))
# The paper's reduced form (DVAR on its instrument), the yardstick of its priors: its
# Table 7 prints 0.01 and 0.07 for first stage and reduced form, but with its 2SLS of
# 0.21 only a first stage of 0.07 and a reduced form of 0.21 x 0.07 agree.
PAPER_REDUCED_FORM = 0.21 * 0.07
PriorUnits = Literal["reduced_form", "paper"]
# Table 8 columns (4)-(6): assumed corr(C, error).
PAPER_RHOS: tuple[float, ...] = (0.0, -0.01, -0.02)


def iv_spec(table_id: str = "table7", column_id: str = "3", **kw) -> Spec:
    """Table 7 column (3): ``dvar ~ controls | firm + year | C ~ IV``, CRV1 by firm."""
    base = dict(model="iv", dep_var="dvar", controls=tuple(FULL_CONTROLS),
                endog="complementarity", instrument="instrument")
    base.update(kw)
    return Spec(table_id, column_id, **base)


def first_stage_spec(table_id: str = "table7", column_id: str = "1", **kw) -> Spec:
    """Table 7 column (1): ``C ~ IV + controls | firm + year``, CRV1 by firm."""
    base = dict(regressors=("instrument",), controls=tuple(FULL_CONTROLS))
    base.update(kw)
    return Spec(table_id, column_id, "first_stage", "complementarity", **base)


def first_stage_rows(panel: pd.DataFrame, spec: Spec, *, contract: bool = True, run_id: str = "",
                     asset: str = "") -> list[dict]:
    """A first stage's contract rows (if ``contract``) and its ``kp_rk_wald_f``
    row; the same rows not estimable, with the reason, if its sample cannot be
    estimated."""

    def build() -> list[dict]:
        fs = fit_spec(panel, spec)
        rows = contract_rows(fs, run_id=run_id, asset=asset) if contract else []
        rows.append(diagnostic_row(fs.spec, "kp_rk_wald_f", kp_f(fs), n_obs=int(fs.model._N), r2=fs.r2,
                                   run_id=run_id, asset=asset))
        return rows

    return guarded(spec, build, terms=None if contract else (),
                   diagnostics=("singletons_dropped", "kp_rk_wald_f") if contract else ("kp_rk_wald_f",),
                   run_id=run_id, asset=asset)


def anderson_rubin_row(fit: Fit, column_id: str, cluster: str, *, run_id: str = "", asset: str = "") -> dict:
    """The Anderson-Rubin row of a 2SLS column (term ``anderson_rubin``): the
    AR statistic of beta = 0 in ``estimate`` with its p-value, the 95%
    weak-instrument-robust set in ``ci_low``/``ci_high`` (NULL when unbounded),
    on the fit's sample, its controls and fixed effects, clustered by ``cluster``
    (:func:`analytics.estimation.anderson_rubin`)."""
    spec = fit.spec.with_(column_id=column_id, cluster=cluster)
    used = prepare(fit.used)
    ar = anderson_rubin(used[spec.dep_var], used[spec.endog], used[spec.instrument], used[fit.retained_controls],
                        fe_df=fe_frame(used, spec.fe), cluster=used[CLUSTER_COLUMNS[cluster]])
    row = diagnostic_row(spec, "anderson_rubin", ar["stat0"], n_obs=int(fit.model._N), r2=fit.r2,
                         run_id=run_id, asset=asset)
    row.update(p_value=ar["p0"], ci_low=ar["ci_low"], ci_high=ar["ci_high"])
    return row


def table6(panel: pd.DataFrame, *, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 6: the instrument on HHI, subsidy, labour productivity and import
    share (columns 1-4), full controls, firm + year FE, CRV1 by firm."""
    rows = []
    for j, y in enumerate(PLACEBO_OUTCOMES, start=1):
        spec = Spec("table6", str(j), "ols", y, regressors=("instrument",), controls=tuple(FULL_CONTROLS))
        rows += run_spec(panel, spec, run_id=run_id, asset=asset)
    return to_frame(rows)


# Table 7 column (4) adds "the variables used in the placebo tests" (paper
# §4.4): the placebo C of Table 5 (5) (the table's "Placebo variable" row) and
# the Table 6 outcomes except import share. Import share is left out of (4)
# because it is mechanically the outcome's complement: DVAR (Kee-Tang) is one
# minus the import content of exports, so controlling for imports over inputs
# absorbs the effect of C (demo world: corr(dvar, import_share) = -0.94; the
# 2SLS estimate falls from 0.22 to 0.05 with it). Column (4b) adds it, the
# literal reading, beside.
COL4_CONTROLS: tuple[str, ...] = ("placebo_complementarity", "hhi", "subsidy", "labour_productivity")
COL4B_EXTRA: tuple[str, ...] = ("import_share",)


def table7(panel: pd.DataFrame, *, col4_controls: Sequence[str] = COL4_CONTROLS,
           col4b_extra: Sequence[str] = COL4B_EXTRA, run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 7: (1) first stage ``C ~ IV + controls | firm + year`` with the
    ``kp_rk_wald_f`` row; (2) reduced form ``dvar ~ IV + controls``; (3) 2SLS;
    (3b) the same 2SLS fit with CRV1 by city-industry, each firm in its first
    year's cell (docs/method.md §6; docs/synthetic_world.md: firm clusters
    understate the spread); (4) 2SLS + ``col4_controls`` (placebo C
    and the Table 6 variables but import share, see COL4_CONTROLS) +
    province-year FE; (4b) as (4) plus ``col4b_extra`` (import share). Full
    controls, CRV1 by firm unless stated.
    """
    rows = first_stage_rows(panel, first_stage_spec(), run_id=run_id, asset=asset)
    rows += run_spec(panel, reduced_form_spec(), run_id=run_id, asset=asset)
    iv, both = run_spec_reclustered(panel, iv_spec(), "city_industry", "3b", run_id=run_id, asset=asset)
    rows += both
    if iv is not None:  # the headline's weak-instrument-robust set, under each clustering
        rows += [anderson_rubin_row(iv, c, cl, run_id=run_id, asset=asset) for c, cl in (("3", "firm"),
                                                                                         ("3b", "city_industry"))]
    extra = tuple(c for c in col4_controls if c not in FULL_CONTROLS)
    fe4 = ("firm", "year", "province^year")
    rows += run_spec(panel, iv_spec(column_id="4", controls=tuple(FULL_CONTROLS) + extra, fe=fe4),
                     run_id=run_id, asset=asset)
    extra_b = extra + tuple(c for c in col4b_extra if c not in FULL_CONTROLS + list(extra))
    if extra_b != extra:
        rows += run_spec(panel, iv_spec(column_id="4b", controls=tuple(FULL_CONTROLS) + extra_b, fe=fe4),
                         run_id=run_id, asset=asset)
    return to_frame(rows)


def _normal_row(spec: Spec, model: str, term: str, b: float, se: float, n: int, r2: float,
                run_id: str, asset: str, *, fixed_effects: str | None = None) -> dict:
    row = diagnostic_row(spec, term, b, n_obs=n, r2=r2, run_id=run_id, asset=asset)
    z = b / se if se > 0 else np.nan
    row.update(model=model, std_error=se, p_value=float(2 * norm.sf(abs(z))),
               ci_low=b - 1.959963984540054 * se, ci_high=b + 1.959963984540054 * se)
    if fixed_effects:
        row["fixed_effects"] = fixed_effects
    return row


def reduced_form_spec(table_id: str = "table7", column_id: str = "2", **kw) -> Spec:
    """Table 7 column (2): ``dvar ~ IV + controls | firm + year``, CRV1 by firm."""
    base = dict(regressors=("instrument",), controls=tuple(FULL_CONTROLS))
    base.update(kw)
    return Spec(table_id, column_id, "reduced_form", "dvar", **base)


def reduced_form(iv: Fit) -> float:
    """The reduced-form coefficient (Table 7 (2)'s specification) on a 2SLS
    fit's estimation sample."""
    rf = fit_spec(iv.used, reduced_form_spec("table8", "rf", controls=tuple(iv.retained_controls)))
    return float(rf.model.coef()[iv.spec.instrument])


def _chr_rows(iv: Fit | NotEstimable, spec: Spec, mu: float, omega: float, n_grid: int, run_id: str,
              asset: str) -> list[dict]:
    """One Conley-Hansen-Rossi column of Table 8 (LTZ, UCI, singletons) on the Table 7 (3) fit."""
    if isinstance(iv, NotEstimable):
        raise iv
    used = iv.used
    w = used[iv.retained_controls]
    fe_df = used[["panel_firm_id", "year"]]
    y, x, z, cl = used["dvar"], used["complementarity"], used["instrument"], used["panel_firm_id"]
    n = len(used)
    b, se = ltz(y, x, z, w, cl, mu=mu, omega=omega, fe_df=fe_df)
    rows = [_normal_row(spec, "ltz", "complementarity", b, se, n, iv.r2, run_id, asset)]
    half = 2 * np.sqrt(omega)
    lo, hi, grid = uci(y, x, z, w, cl, gmin=mu - half, gmax=mu + half,
                       n_grid=n_grid if half > 0 else 1, fe_df=fe_df)
    at_mu = float(grid.iloc[(grid["g"] - mu).abs().argmin()]["b"])
    r = diagnostic_row(spec, "complementarity_uci", at_mu, n_obs=n, r2=iv.r2, run_id=run_id, asset=asset)
    r.update(model="uci", ci_low=lo, ci_high=hi)
    rows.append(r)
    for term, value in (("singletons_dropped", iv.singletons_dropped), ("prior_mu", mu), ("prior_omega", omega)):
        d = diagnostic_row(spec, term, value, n_obs=n, r2=iv.r2, run_id=run_id, asset=asset)
        d["model"] = "ltz"
        rows.append(d)
    return rows + [{**r, "model": "ltz"} for r in sample_rows(iv, spec, run_id=run_id, asset=asset)]


def _table8_not_estimable(spec: Spec, err: Exception, model: str, run_id: str, asset: str) -> list[dict]:
    """A Table 8 column's rows (``ltz``: complementarity, its UCI, singletons;
    ``kls``: complementarity, singletons), not estimable, with the reason."""
    if not isinstance(err, NotEstimable):
        err = NotEstimable(f"{type(err).__name__}: {err}", 0)
    terms = ("complementarity", "complementarity_uci") if model == "ltz" else ("complementarity",)
    rows = not_estimable_rows(spec, err, terms=terms, run_id=run_id, asset=asset)
    for r in rows:
        r["model"] = "uci" if r["term"] == "complementarity_uci" else model
    return rows


def table8(panel: pd.DataFrame, *, priors: Sequence[tuple[float, float]] = PAPER_PRIORS,
           rhos: Sequence[float] = PAPER_RHOS, n_grid: int = 51, n_boot: int = 199, seed: int = 0,
           prior_units: PriorUnits = "reduced_form", run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 8, Conley-Hansen-Rossi and Kiviet (METHOD §6).

    Columns 1..len(priors), on the Table 7 column (3) sample (firm + year FE
    partialled out, CRV1 by firm, its retained controls). A prior on the
    instrument's direct effect is in the instrument's units, so the paper's
    ``priors`` do not carry over to another instrument scale as they are;
    with ``prior_units="reduced_form"`` (default) they are read as shares of
    the paper's reduced form (:data:`PAPER_REDUCED_FORM`) and applied to this
    sample's: ``mu * s`` and ``omega * s**2`` with ``s`` = this sample's
    reduced-form coefficient (DVAR on the instrument, same controls, FE and
    sample) / the paper's; ``"paper"`` takes them as they are. The rows
    ``prior_mu`` and ``prior_omega`` of each column give the values used:

    - term ``complementarity``, model ``ltz``: local-to-zero with prior
      ``g ~ N(mu, omega)``: estimate, se, normal p and 95% CI;
    - term ``complementarity_uci``, model ``uci``: union of 95% CIs over
      ``g in [mu - 2 sqrt(omega), mu + 2 sqrt(omega)]`` (n_grid points; our
      choice of support, the prior's 95% range): ``ci_low``/``ci_high`` are
      the union bounds, ``estimate`` the 2SLS estimate at ``g = mu``.

    Then one column per rho (model ``kls``): kinky least squares of dvar on C
    and the full controls with industry + city + year FE partialled out
    (METHOD: industry + city; the paper's table also has year FE), firm
    cluster bootstrap SE (``n_boot`` draws), normal p and CI. The
    sample is the complete cases less singletons of those FE.

    Reproducible: the panel is put in (panel_firm_id, year) order first, so
    the row order it comes in does not matter, and the bootstrap draws from
    the stream ``"table8/kls"`` of the project ``seed`` (the ``seed``
    setting, :func:`analytics.seeding.stream_seed`); every rho column draws
    the same resamples.
    """
    check_literal("prior_units", prior_units, PriorUnits)
    panel = panel.sort_values(["panel_firm_id", "year"], kind="mergesort", ignore_index=True)
    rows: list[dict] = []
    chr_spec = iv_spec("table8", "1")
    try:
        iv: Fit | NotEstimable = fit_spec(panel, chr_spec)
        scale = 1.0 if prior_units == "paper" else reduced_form(iv) / PAPER_REDUCED_FORM
    except NotEstimable as err:
        iv, scale = err, float("nan")
    for j, (mu, omega) in enumerate(priors, start=1):
        m, o = mu * scale, omega * scale ** 2
        spec = chr_spec.with_(column_id=str(j), sample=f"mu={m:.4g},omega={o:.4g} (paper: mu={mu:g},omega={omega:g})")
        try:
            rows += _chr_rows(iv, spec, m, o, n_grid, run_id, asset)
        except (NotEstimable, np.linalg.LinAlgError) as err:
            rows += _table8_not_estimable(spec, err, "ltz", run_id, asset)
    k0 = len(priors)
    kls_spec = Spec("table8", str(k0 + 1), "ols", "dvar", regressors=("complementarity",),
                    controls=tuple(FULL_CONTROLS), fe=("industry", "city", "year"))
    try:
        ols = fit_spec(panel, kls_spec)
    except NotEstimable as err:
        for j, rho in enumerate(rhos, start=k0 + 1):
            rows += _table8_not_estimable(kls_spec.with_(column_id=str(j), sample=f"rho={rho:g}"), err, "kls",
                                          run_id, asset)
        return to_frame(rows)
    u = ols.used
    wk = u[ols.retained_controls]
    fk = u[["industry_code", "city_code", "year"]]
    # every rho from the same resamples, each partialled once
    ses = kls_bootstrap_ses(u["dvar"], u["complementarity"], wk, rhos, fk, cluster=u["panel_firm_id"],
                            n_boot=n_boot, seed=stream_seed(seed, "table8/kls"))
    for j, (rho, se_or_err) in enumerate(zip(rhos, ses), start=k0 + 1):
        spec = ols.spec.with_(column_id=str(j), sample=f"rho={rho:g}")
        try:
            if isinstance(se_or_err, Exception):
                raise se_or_err
            b = float(kls(u["dvar"], u["complementarity"], wk, rho, fk)[0])
            se = float(se_or_err[0])
        except (ValueError, np.linalg.LinAlgError) as err:
            rows += _table8_not_estimable(spec, NotEstimable(f"kinky least squares at rho = {rho:g}: {err}", len(u)),
                                          "kls", run_id, asset)
            continue
        rows.append(_normal_row(spec, "kls", "complementarity", b, se, len(u), ols.r2, run_id, asset))
        d = diagnostic_row(spec, "singletons_dropped", ols.singletons_dropped, n_obs=len(u), r2=ols.r2,
                           run_id=run_id, asset=asset)
        d["model"] = "kls"
        rows.append(d)
        rows += [{**r, "model": "kls"} for r in sample_rows(ols, spec, run_id=run_id, asset=asset)]
    return to_frame(rows)


def econ_significance(panel: pd.DataFrame, table7_rows: pd.DataFrame, *, run_id: str = "",
                      asset: str = "") -> pd.DataFrame:
    """Economic significance (METHOD §6): ``dC * b / dDVAR``.

    ``b`` is Table 7 column (4)'s complementarity coefficient. "Mean change"
    of a variable = its mean over the panel rows of the last sample year
    minus its mean over the rows of the first (the panel's min and max year
    among rows with dvar and C present; the paper's 2000 -> 2014), i.e. the
    change in yearly cross-section means, not a within-firm change. Rows
    (column '1'): ``econ_significance_share``, ``mean_change_complementarity``,
    ``mean_change_dvar``, ``coefficient``. A row that cannot be computed
    (no rows, one sample year, Table 7 column (4) not estimable, no change in
    mean DVAR) has a NULL estimate and its ``reason``.
    """
    t = table7_rows
    hit = t[(t["table_id"] == "table7") & (t["column_id"] == "4") & (t["term"] == "complementarity")]
    if len(hit) != 1:
        raise ValueError("econ_significance needs one table7 column 4 complementarity row")
    b = float(hit["estimate"].iloc[0]) if pd.notna(hit["estimate"].iloc[0]) else np.nan
    b_reason = hit["reason"].iloc[0] if "reason" in hit.columns else None
    p = panel.dropna(subset=["dvar", "complementarity"])
    terms = ("econ_significance_share", "mean_change_complementarity", "mean_change_dvar", "coefficient")
    spec = Spec("econ_significance", "1", "iv", "dvar", controls=tuple(FULL_CONTROLS),
                endog="complementarity", instrument="instrument", fe=("firm", "year", "province^year"))
    if p.empty:
        err = NotEstimable(f"no panel row has both DVAR and C ({len(panel):,} rows)", 0)
        return to_frame(not_estimable_rows(spec.with_(sample="none"), err, terms=terms, diagnostics=(),
                                           run_id=run_id, asset=asset))
    y0, y1 = int(p["year"].min()), int(p["year"].max())
    first, last = p[p["year"] == y0], p[p["year"] == y1]
    spec = spec.with_(sample=f"{y0}-{y1}")
    n = len(first) + len(last)
    if y0 == y1:
        err = NotEstimable(f"one sample year ({y0}): no change from a first to a last year", len(first))
        return to_frame(not_estimable_rows(spec, err, terms=terms, diagnostics=(), run_id=run_id, asset=asset))
    dc = float(last["complementarity"].mean() - first["complementarity"].mean())
    dd = float(last["dvar"].mean() - first["dvar"].mean())
    values = {"econ_significance_share": dc * b / dd if dd != 0 else np.nan, "mean_change_complementarity": dc,
              "mean_change_dvar": dd, "coefficient": b}
    reasons: dict[str, str] = {}
    if not np.isfinite(b):
        why = str(b_reason).removeprefix("not estimable: ") if isinstance(b_reason, str) else "no estimate"
        reasons["coefficient"] = reasons["econ_significance_share"] = (
            f"not estimable: Table 7 column (4) is not estimable ({why})")
    elif dd == 0:
        reasons["econ_significance_share"] = (f"not estimable: mean DVAR is the same in {y0} and {y1} "
                                              f"(no change to explain)")
    rows = []
    for k, v in values.items():
        r = diagnostic_row(spec, k, np.nan if k in reasons else v, n_obs=n, run_id=run_id, asset=asset)
        r["reason"] = reasons.get(k)
        rows.append(r)
    return to_frame(rows)
