"""Table 6 (instrument placebo), Table 7 (IV), Table 8 (relaxed IV) and the
economic significance of METHOD §6. Rows of ``marts.fct_regression_results``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics.estimation import kleibergen_paap_f, kls, kls_bootstrap_se, ltz, uci
from analytics.study.spec import (
    CLUSTER_COLUMNS,
    FE_COLUMNS,
    FULL_CONTROLS,
    PLACEBO_OUTCOMES,
    Fit,
    Spec,
    contract_rows,
    diagnostic_row,
    fit_spec,
    recluster_rows,
    run_spec,
    to_frame,
)

__all__ = [
    "COL4_CONTROLS",
    "COL4B_EXTRA",
    "PAPER_PRIORS",
    "PAPER_RHOS",
    "iv_spec",
    "fe_frame",
    "kp_f",
    "table6",
    "table7",
    "table8",
    "econ_significance",
]

# Table 8 columns (1)-(3): prior g ~ N(mu, omega) (omega a variance).
PAPER_PRIORS: tuple[tuple[float, float], ...] = ((0.0, 1e-5), (1e-4, 1e-5), (1e-3, 1e-4))
# Table 8 columns (4)-(6): assumed corr(C, error).
PAPER_RHOS: tuple[float, ...] = (0.0, -0.01, -0.02)


def iv_spec(table_id: str = "table7", column_id: str = "3", **kw) -> Spec:
    """Table 7 column (3): ``dvar ~ controls | firm + year | C ~ IV``, CRV1 by firm."""
    base = dict(model="iv", dep_var="dvar", controls=tuple(FULL_CONTROLS),
                endog="complementarity", instrument="instrument")
    base.update(kw)
    return Spec(table_id, column_id, **base)


def fe_frame(used: pd.DataFrame, fe: Sequence[str]) -> pd.DataFrame:
    """One column per fixed effect of a spec (``a^b`` interactions joined as labels)."""
    out = {}
    for f in fe:
        cols = FE_COLUMNS[f].split("^")
        lab = used[cols[0]].astype(str)
        for c in cols[1:]:
            lab = lab + "_" + used[c].astype(str)
        out[f] = lab if len(cols) > 1 else used[cols[0]]
    return pd.DataFrame(out, index=used.index)


def kp_f(fit: Fit) -> float:
    """Kleibergen-Paap rk Wald F of a first-stage fit (the instrument its one
    regressor of interest): :func:`analytics.estimation.kleibergen_paap_f` on
    the fit's estimation sample, its FE partialled out, its retained controls,
    clustered as the fit."""
    spec = fit.spec
    used = fit.used
    (z,) = spec.regressors
    return kleibergen_paap_f(used[spec.dep_var], used[z], used[fit.retained_controls],
                             fe_df=fe_frame(used, spec.fe), cluster=used[CLUSTER_COLUMNS[spec.cluster]])


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
    (3b) the same 2SLS fit with CRV1 by city-industry (SYNTH.md: firm
    clusters understate the spread); (4) 2SLS + ``col4_controls`` (placebo C
    and the Table 6 variables but import share, see COL4_CONTROLS) +
    province-year FE; (4b) as (4) plus ``col4b_extra`` (import share). Full
    controls, CRV1 by firm unless stated.
    """
    rows = []
    fs = fit_spec(panel, Spec("table7", "1", "first_stage", "complementarity", regressors=("instrument",),
                              controls=tuple(FULL_CONTROLS)))
    rows += contract_rows(fs, run_id=run_id, asset=asset)
    rows.append(diagnostic_row(fs.spec, "kp_rk_wald_f", kp_f(fs), n_obs=int(fs.model._N), r2=fs.r2,
                               run_id=run_id, asset=asset))
    rows += run_spec(panel, Spec("table7", "2", "reduced_form", "dvar", regressors=("instrument",),
                                 controls=tuple(FULL_CONTROLS)), run_id=run_id, asset=asset)
    iv = fit_spec(panel, iv_spec())
    rows += contract_rows(iv, run_id=run_id, asset=asset)
    rows += recluster_rows(iv, "city_industry", "3b", run_id=run_id, asset=asset)
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


def table8(panel: pd.DataFrame, *, priors: Sequence[tuple[float, float]] = PAPER_PRIORS,
           rhos: Sequence[float] = PAPER_RHOS, n_grid: int = 51, n_boot: int = 199, seed: int = 0,
           run_id: str = "", asset: str = "") -> pd.DataFrame:
    """Table 8, Conley-Hansen-Rossi and Kiviet (METHOD §6).

    Columns 1..len(priors), on the Table 7 column (3) sample (firm + year FE
    partialled out, CRV1 by firm, its retained controls):

    - term ``complementarity``, model ``ltz``: local-to-zero with prior
      ``g ~ N(mu, omega)``: estimate, se, normal p and 95% CI;
    - term ``complementarity_uci``, model ``uci``: union of 95% CIs over
      ``g in [mu - 2 sqrt(omega), mu + 2 sqrt(omega)]`` (n_grid points; our
      choice of support, the prior's 95% range): ``ci_low``/``ci_high`` are
      the union bounds, ``estimate`` the 2SLS estimate at ``g = mu``.

    Then one column per rho (model ``kls``): kinky least squares of dvar on C
    and the full controls with industry + city + year FE partialled out
    (METHOD: industry + city; the paper's table also has year FE), firm
    cluster bootstrap SE (``n_boot`` draws, ``seed``), normal p and CI. The
    sample is the complete cases less singletons of those FE.
    """
    rows: list[dict] = []
    iv = fit_spec(panel, iv_spec("table8", "1"))
    used = iv.used
    w = used[iv.retained_controls]
    fe_df = used[["panel_firm_id", "year"]]
    y, x, z, cl = used["dvar"], used["complementarity"], used["instrument"], used["panel_firm_id"]
    n = len(used)
    for j, (mu, omega) in enumerate(priors, start=1):
        spec = iv.spec.with_(column_id=str(j), sample=f"mu={mu:g},omega={omega:g}")
        b, se = ltz(y, x, z, w, cl, mu=mu, omega=omega, fe_df=fe_df)
        rows.append(_normal_row(spec, "ltz", "complementarity", b, se, n, iv.r2, run_id, asset))
        half = 2 * np.sqrt(omega)
        lo, hi, grid = uci(y, x, z, w, cl, gmin=mu - half, gmax=mu + half,
                           n_grid=n_grid if half > 0 else 1, fe_df=fe_df)
        at_mu = float(grid.iloc[(grid["g"] - mu).abs().argmin()]["b"])
        r = diagnostic_row(spec, "complementarity_uci", at_mu, n_obs=n, r2=iv.r2, run_id=run_id, asset=asset)
        r.update(model="uci", ci_low=lo, ci_high=hi)
        rows.append(r)
        d = diagnostic_row(spec, "singletons_dropped", iv.singletons_dropped, n_obs=n, r2=iv.r2,
                           run_id=run_id, asset=asset)
        d["model"] = "ltz"
        rows.append(d)
    k0 = len(priors)
    ols = fit_spec(panel, Spec("table8", str(k0 + 1), "ols", "dvar", regressors=("complementarity",),
                               controls=tuple(FULL_CONTROLS), fe=("industry", "city", "year")))
    u = ols.used
    wk = u[ols.retained_controls]
    fk = u[["industry_code", "city_code", "year"]]
    for j, rho in enumerate(rhos, start=k0 + 1):
        spec = ols.spec.with_(column_id=str(j), sample=f"rho={rho:g}")
        b = float(kls(u["dvar"], u["complementarity"], wk, rho, fk)[0])
        se = float(kls_bootstrap_se(u["dvar"], u["complementarity"], wk, rho, fk, cluster=u["panel_firm_id"],
                                    n_boot=n_boot, seed=seed)[0])
        rows.append(_normal_row(spec, "kls", "complementarity", b, se, len(u), ols.r2, run_id, asset))
        d = diagnostic_row(spec, "singletons_dropped", ols.singletons_dropped, n_obs=len(u), r2=ols.r2,
                           run_id=run_id, asset=asset)
        d["model"] = "kls"
        rows.append(d)
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
    ``mean_change_dvar``, ``coefficient``.
    """
    t = table7_rows
    hit = t[(t["table_id"] == "table7") & (t["column_id"] == "4") & (t["term"] == "complementarity")]
    if len(hit) != 1:
        raise ValueError("econ_significance needs one table7 column 4 complementarity row")
    b = float(hit["estimate"].iloc[0])
    p = panel.dropna(subset=["dvar", "complementarity"])
    y0, y1 = int(p["year"].min()), int(p["year"].max())
    first, last = p[p["year"] == y0], p[p["year"] == y1]
    dc = float(last["complementarity"].mean() - first["complementarity"].mean())
    dd = float(last["dvar"].mean() - first["dvar"].mean())
    spec = Spec("econ_significance", "1", "iv", "dvar", controls=tuple(FULL_CONTROLS),
                endog="complementarity", instrument="instrument",
                fe=("firm", "year", "province^year"), sample=f"{y0}-{y1}")
    n = len(first) + len(last)
    values = {"econ_significance_share": dc * b / dd, "mean_change_complementarity": dc,
              "mean_change_dvar": dd, "coefficient": b}
    rows = [diagnostic_row(spec, k, v, n_obs=n, run_id=run_id, asset=asset) for k, v in values.items()]
    return to_frame(rows)
