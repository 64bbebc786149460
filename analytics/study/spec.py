"""One regression specification -> contract rows (METHOD §6, CONTRACT fct_regression_results).

Everything the paper tables share: the control sets of METHOD §5, the names of
fixed effects and clusters, the formula builder, and :func:`run_spec`, which
runs one pyfixest model on the panel and returns its rows of
``marts.fct_regression_results`` (one per reported term plus the
``singletons_dropped`` diagnostic).

Sample rule (METHOD §6): a column's sample is the panel rows with every
variable of that regression present (outcome, regressors, controls,
instrument, fixed effects, cluster; infinite values count as missing), less
the singleton fixed-effect groups pyfixest drops (``fixef_rm="singleton"``,
iterated until none is left, as reghdfe/ivreghdfe do). ``singletons_dropped``
is the number of complete rows minus pyfixest's ``_N``.

Collinearity: ``collin_tol=1e-6`` (pyfixest's default 1e-10 keeps firm age,
which is exactly ``year - year_established + 1`` and so collinear with firm +
year fixed effects, and then reports a meaningless coefficient for it;
reghdfe drops it). The retained controls are read back from the fit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyfixest as pf

from analytics.settings import check_literal

__all__ = [
    "CONTROLS",
    "AGGLOMERATION_CONTROLS",
    "FULL_CONTROLS",
    "REGIONAL_CONTROLS",
    "PLACEBO_OUTCOMES",
    "FE_COLUMNS",
    "CLUSTER_COLUMNS",
    "RESULT_COLUMNS",
    "Model",
    "Cluster",
    "FixedEffect",
    "Spec",
    "Fit",
    "formula",
    "prepare",
    "complete_cases",
    "fit_spec",
    "run_spec",
    "contract_rows",
    "recluster_rows",
    "diagnostic_row",
    "to_frame",
    "controls_label",
]

# METHOD §5 "controls" (Table 4 column 2); column 3 adds AGGLOMERATION_CONTROLS.
CONTROLS: list[str] = [
    "foreign_share",
    "state_share",
    "firm_size",
    "firm_age",
    "fixed_assets",
    "capital_intensity",
    "general_trade_share",
    "firm_patents",
]
AGGLOMERATION_CONTROLS: list[str] = ["agglomeration", "regional_patents"]
# The "baseline specification" of Tables 5-11 (paper: "the same set of control
# variables as in the baseline") is Table 4 column (3): all ten controls.
FULL_CONTROLS: list[str] = CONTROLS + AGGLOMERATION_CONTROLS
# Table 5 column (1) regional fundamentals.
REGIONAL_CONTROLS: list[str] = ["yrd_prd", "gdp_per_capita", "market_access", "basic_research"]
# Table 6 outcomes ("the variables used in the placebo tests", added in Table 7 column 4).
PLACEBO_OUTCOMES: list[str] = ["hhi", "subsidy", "labour_productivity", "import_share"]

Model = Literal["ols", "iv", "first_stage", "reduced_form"]
Cluster = Literal["firm", "city", "city_industry"]
FixedEffect = Literal["firm", "year", "city", "industry", "province^year"]

# Panel columns (marts.fct_firm_panel) behind each name; city_industry is derived.
FE_COLUMNS: dict[str, str] = {
    "firm": "panel_firm_id",
    "year": "year",
    "city": "city_code",
    "industry": "industry_code",
    "province^year": "province_code^year",
}
CLUSTER_COLUMNS: dict[str, str] = {
    "firm": "panel_firm_id",
    "city": "city_code",
    "city_industry": "city_industry",
}

# marts.fct_regression_results: CONTRACT columns, then the interface's extras.
RESULT_COLUMNS: list[str] = [
    "table_id", "column_id", "term", "estimate", "std_error", "p_value", "n_obs", "r2",
    "fixed_effects", "cluster", "run_id",
    "model", "dep_var", "ci_low", "ci_high", "controls", "sample", "asset",
]

COLLIN_TOL = 1e-6


def _check(name: str, value: object, alias: object) -> None:
    check_literal(name, value, alias, what="spec")


def controls_label(controls: list[str] | tuple[str, ...]) -> str:
    """'none', 'baseline', 'baseline+agglomeration+regional_patents', then '+extra' names."""
    controls = list(controls)
    if not controls:
        return "none"
    parts: list[str] = []
    rest = list(controls)
    if all(c in rest for c in CONTROLS):
        parts.append("baseline")
        rest = [c for c in rest if c not in CONTROLS]
    parts += rest
    return "+".join(parts)


@dataclass(frozen=True)
class Spec:
    """One column of a paper table.

    ``regressors`` are the exogenous terms of interest (e.g. complementarity,
    or the instrument in a first stage / reduced form); ``endog`` and
    ``instrument`` make it 2SLS. ``terms`` are the coefficients reported
    (default: ``regressors`` then ``endog``). ``sample`` is a label for the
    subsample the caller selected (the caller filters the panel).
    """

    table_id: str
    column_id: str
    model: Model
    dep_var: str
    regressors: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    fe: tuple[str, ...] = ("firm", "year")
    cluster: Cluster = "firm"
    endog: str | None = None
    instrument: str | None = None
    sample: str = "all"
    terms: tuple[str, ...] | None = None
    controls_name: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check("model", self.model, Model)
        _check("cluster", self.cluster, Cluster)
        for f in self.fe:
            _check("fixed effect", f, FixedEffect)
        if (self.endog is None) != (self.instrument is None):
            raise ValueError("endog and instrument go together")
        if self.model == "iv" and self.endog is None:
            raise ValueError("model 'iv' needs endog and instrument")
        if self.model != "iv" and self.endog is not None:
            raise ValueError(f"model {self.model!r} takes no endog/instrument")
        object.__setattr__(self, "regressors", tuple(self.regressors))
        object.__setattr__(self, "controls", tuple(self.controls))
        object.__setattr__(self, "fe", tuple(self.fe))

    @property
    def reported_terms(self) -> tuple[str, ...]:
        if self.terms is not None:
            return tuple(self.terms)
        return self.regressors + ((self.endog,) if self.endog else ())

    @property
    def fixed_effects_label(self) -> str:
        return "+".join(self.fe) if self.fe else "none"

    @property
    def controls_label(self) -> str:
        return self.controls_name or controls_label(self.controls)

    def variables(self) -> list[str]:
        """Panel columns that must be present for a row to enter the sample."""
        cols = [self.dep_var, *self.regressors, *self.controls]
        if self.endog:
            cols += [self.endog, self.instrument]
        for f in self.fe:
            cols += FE_COLUMNS[f].split("^")
        cols.append(CLUSTER_COLUMNS[self.cluster])
        return list(dict.fromkeys(cols))

    def with_(self, **kw) -> Spec:
        return replace(self, **kw)


def formula(spec: Spec) -> str:
    """pyfixest formula ``y ~ x + w | fe1 + fe2 | endog ~ instrument``."""
    rhs = " + ".join([*spec.regressors, *spec.controls]) or "1"
    fml = f"{spec.dep_var} ~ {rhs}"
    if spec.fe:
        fml += " | " + " + ".join(FE_COLUMNS[f] for f in spec.fe)
    elif spec.endog:
        fml += " | 0"
    if spec.endog:
        fml += f" | {spec.endog} ~ {spec.instrument}"
    return fml


def prepare(panel: pd.DataFrame) -> pd.DataFrame:
    """Derived identifiers the specs use: city_industry (cluster), province_code if missing."""
    p = panel
    if "city_industry" not in p.columns and {"city_code", "industry_code"} <= set(p.columns):
        p = p.assign(city_industry=p["city_code"].astype(str) + "_" + p["industry_code"].astype(str))
    if "province_code" not in p.columns and "city_code" in p.columns:
        p = p.assign(province_code=p["city_code"].astype(str).str[:2])
    return p


def complete_cases(panel: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Rows with every variable of ``spec`` present and finite (METHOD §6), index
    reset; the spec's numeric (and boolean) variables as float."""
    p = prepare(panel)
    cols = spec.variables()
    missing = [c for c in cols if c not in p.columns]
    if missing:
        raise KeyError(f"{spec.table_id} column {spec.column_id}: panel lacks {missing}")
    d = p[cols].copy()
    numeric = []
    for c in cols:
        if pd.api.types.is_bool_dtype(d[c]) or pd.api.types.is_numeric_dtype(d[c]):
            d[c] = pd.to_numeric(d[c], errors="raise").astype(float).replace([np.inf, -np.inf], np.nan)
            numeric.append(c)
    ok = d.notna().all(axis=1).to_numpy()
    out = p.loc[ok].reset_index(drop=True)
    for c in numeric:
        if c not in ("year",):
            out[c] = d.loc[ok, c].to_numpy()
    return out


@dataclass
class Fit:
    """A pyfixest fit with the sample bookkeeping the tables need."""

    spec: Spec
    model: object  # pyfixest Feols / Feiv
    data: pd.DataFrame  # complete cases passed to pyfixest (index 0..n-1)
    n_complete: int
    singletons_dropped: int

    @property
    def used(self) -> pd.DataFrame:
        """The estimation sample (complete cases less dropped singletons)."""
        drop = sorted(self.model._na_index)
        return self.data.drop(index=drop)

    @property
    def retained_controls(self) -> list[str]:
        names = [str(c) for c in self.model._coefnames]
        return [c for c in self.spec.controls if c in names]

    @property
    def r2(self) -> float:
        """OLS: pyfixest's R2 (fixed effects included). 2SLS: the within R2
        ``1 - u'u / y~'y~`` (y~ the outcome with the FE partialled out), as
        ivreghdfe's centred R2 after partialling."""
        r2 = getattr(self.model, "_r2", np.nan)
        if r2 is not None and np.isfinite(r2):
            return float(r2)
        u = np.asarray(self.model._u_hat, dtype=float).ravel()
        y = np.asarray(self.model._Y, dtype=float).ravel()
        if not self.spec.fe:
            y = y - y.mean()
        return float(1 - (u @ u) / (y @ y))


def fit_spec(panel: pd.DataFrame, spec: Spec) -> Fit:
    """Run ``spec`` with pyfixest: CRV1 by the spec's cluster, singletons dropped."""
    data = complete_cases(panel, spec)
    if data.empty:
        raise ValueError(f"{spec.table_id} column {spec.column_id}: no complete rows")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.feols(
            formula(spec),
            data=data,
            vcov={"CRV1": CLUSTER_COLUMNS[spec.cluster]},
            fixef_rm="singleton",
            collin_tol=COLLIN_TOL,
        )
    return Fit(spec, m, data, len(data), len(data) - int(m._N))


def diagnostic_row(spec: Spec, term: str, value: float, *, n_obs: int | None, r2: float = np.nan,
                   run_id: str = "", asset: str = "", cluster: str | None = None) -> dict:
    """A diagnostic row (kp_rk_wald_f, singletons_dropped, ...): the value in ``estimate``."""
    return {
        "table_id": spec.table_id, "column_id": spec.column_id, "term": term,
        "estimate": float(value), "std_error": np.nan, "p_value": np.nan,
        "n_obs": n_obs, "r2": r2, "fixed_effects": spec.fixed_effects_label,
        "cluster": cluster or spec.cluster, "run_id": run_id, "model": spec.model,
        "dep_var": spec.dep_var, "ci_low": np.nan, "ci_high": np.nan,
        "controls": spec.controls_label, "sample": spec.sample, "asset": asset,
    }


def _tidy_rows(fit: Fit, tidy: pd.DataFrame, terms, cluster: str, run_id: str, asset: str) -> list[dict]:
    spec = fit.spec
    rows = []
    for i, term in enumerate(terms):
        if term not in tidy.index:
            if i == 0:
                raise KeyError(f"{spec.table_id} column {spec.column_id}: term {term!r} not estimated "
                               f"(collinear?); have {list(tidy.index)}")
            # a secondary term dropped as collinear (e.g. a time-invariant city
            # dummy under firm FE without movers): reported as a NaN row
            t = pd.Series({k: np.nan for k in ("Estimate", "Std. Error", "Pr(>|t|)", "2.5%", "97.5%")})
        else:
            t = tidy.loc[term]
        rows.append({
            "table_id": spec.table_id, "column_id": spec.column_id, "term": term,
            "estimate": float(t["Estimate"]), "std_error": float(t["Std. Error"]),
            "p_value": float(t["Pr(>|t|)"]), "n_obs": int(fit.model._N), "r2": fit.r2,
            "fixed_effects": spec.fixed_effects_label, "cluster": cluster, "run_id": run_id,
            "model": spec.model, "dep_var": spec.dep_var,
            "ci_low": float(t["2.5%"]), "ci_high": float(t["97.5%"]),
            "controls": spec.controls_label, "sample": spec.sample, "asset": asset,
        })
    return rows


def contract_rows(fit: Fit, *, run_id: str = "", asset: str = "") -> list[dict]:
    """Rows for the spec's reported terms (pyfixest ``tidy()``: t-based p and
    95% CI) and the ``singletons_dropped`` row."""
    tidy = fit.model.tidy()
    rows = _tidy_rows(fit, tidy, fit.spec.reported_terms, fit.spec.cluster, run_id, asset)
    rows.append(diagnostic_row(fit.spec, "singletons_dropped", fit.singletons_dropped,
                               n_obs=int(fit.model._N), r2=fit.r2, run_id=run_id, asset=asset))
    return rows


def recluster_rows(fit: Fit, cluster: Cluster, column_id: str, *, run_id: str = "",
                   asset: str = "") -> list[dict]:
    """The same fit (same sample, same coefficients) with CRV1 by another
    cluster, as rows under ``column_id`` (e.g. Table 7 '3b' by city-industry)."""
    _check("cluster", cluster, Cluster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.model.vcov({"CRV1": CLUSTER_COLUMNS[cluster]})
        tidy = fit.model.tidy()
        spec = fit.spec.with_(column_id=column_id, cluster=cluster)
        alt = Fit(spec, fit.model, fit.data, fit.n_complete, fit.singletons_dropped)
        rows = _tidy_rows(alt, tidy, spec.reported_terms, cluster, run_id, asset)
        rows.append(diagnostic_row(spec, "singletons_dropped", fit.singletons_dropped,
                                   n_obs=int(fit.model._N), r2=alt.r2, run_id=run_id, asset=asset))
        fit.model.vcov({"CRV1": CLUSTER_COLUMNS[fit.spec.cluster]})  # restore
    return rows


def run_spec(panel: pd.DataFrame, spec: Spec, *, run_id: str = "", asset: str = "") -> list[dict]:
    """Fit ``spec`` on ``panel`` and return its contract rows."""
    return contract_rows(fit_spec(panel, spec), run_id=run_id, asset=asset)


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame in RESULT_COLUMNS order with the contract dtypes."""
    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for c in ("estimate", "std_error", "p_value", "r2", "ci_low", "ci_high"):
        df[c] = df[c].astype(float)
    df["n_obs"] = df["n_obs"].astype("Int64")
    for c in ("table_id", "column_id", "term", "fixed_effects", "cluster", "run_id", "model",
              "dep_var", "controls", "sample", "asset"):
        df[c] = df[c].astype(object)
    return df
