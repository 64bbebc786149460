"""One regression specification -> contract rows (METHOD §6, CONTRACT fct_regression_results).

Everything the paper tables share: the control sets of METHOD §5, the names of
fixed effects and clusters, the formula builder, and :func:`run_spec`, which
runs one pyfixest model on the panel and returns its rows of
``marts.fct_regression_results`` (one per reported term plus the
``singletons_dropped`` diagnostic).

Sample rule (METHOD §6): a column's sample is the panel rows with every
variable of that regression present (outcome, regressors, controls,
instrument, fixed effects, cluster; infinite values count as missing), less
the singleton fixed-effect groups (iterated until none is left, as
reghdfe/ivreghdfe and pyfixest's ``fixef_rm="singleton"`` do).
``singletons_dropped`` is the number of complete rows minus pyfixest's ``_N``.

Not estimable: :func:`estimation_sample` drops the singletons itself and
checks the sample before pyfixest sees it (pyfixest's demeaner aborts the
process on a sample its singleton removal empties): rows left, more rows than
parameters, at least two clusters, variation of the outcome, of the term of
interest, of the endogenous variable and of the instrument once the fixed
effects (and, for the last three, the controls) are partialled out. A failed
check raises :class:`NotEstimable`; :func:`run_spec`, :func:`guarded` and
:func:`run_spec_reclustered` turn it into the column's rows with NULL estimates, ``n_obs``
the rows at the failing step and the ``reason`` in plain words
(:func:`not_estimable_rows`). ``reason`` is NULL on estimated rows.

Collinearity: ``collin_tol=1e-6`` (pyfixest's default 1e-10 keeps firm age,
which is exactly ``year - year_established + 1`` and so collinear with firm +
year fixed effects, and then reports a meaningless coefficient for it;
reghdfe drops it). The retained controls are read back from the fit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.estimation import demean as pf_demean
# (pyfixest 0.60's dispatch to its LSMR demeaner; the public `demean` is alternating projections only)
from pyfixest.estimation.internals.demean_ import dispatch_demean

from analytics.estimation.iv_diagnostics import (PartialledFirstStage, absorbed_dof, first_stage_partialled,
                                               lsmr_demeaner)
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
    "NotEstimable",
    "formula",
    "prepare",
    "complete_cases",
    "singleton_rows",
    "estimation_sample",
    "fit_spec",
    "run_spec",
    "run_spec_reclustered",
    "guarded",
    "not_estimable_rows",
    "contract_rows",
    "sample_rows",
    "fe_frame",
    "kp_f",
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

# Panel columns (marts.fct_firm_panel) behind each name; the city-industry
# cluster is derived (:func:`prepare`): each firm's first cell.
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
    "city_industry": "home_city_industry",
}

# marts.fct_regression_results: CONTRACT columns, then the interface's extras.
RESULT_COLUMNS: list[str] = [
    "table_id", "column_id", "term", "estimate", "std_error", "p_value", "n_obs", "r2",
    "fixed_effects", "cluster", "run_id",
    "model", "dep_var", "ci_low", "ci_high", "controls", "sample", "asset", "reason",
]

COLLIN_TOL = 1e-6
# A variable "has no variation" once the fixed effects (and controls) are
# partialled out when its residual sum of squares is at most this share of its
# total (centred) sum of squares. The check demeans to pyfixest's default
# tolerance: an unconverged demeaning leaves more residual, so it could only
# miss a collinear variable (pyfixest then drops it), never flag a varying one.
VARIATION_TOL = 1e-9
DEMEAN_TOL = 1e-6


class NotEstimable(Exception):
    """A specification that cannot be estimated on its sample.

    ``reason`` says why in plain words (it starts with "not estimable: ");
    ``n_obs`` is the number of rows at the failing step (0 when none is left).
    """

    def __init__(self, reason: str, n_obs: int = 0):
        if not reason.startswith("not estimable"):
            reason = f"not estimable: {reason}"
        super().__init__(reason)
        self.reason = reason
        self.n_obs = int(n_obs)


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


def home_cells(panel: pd.DataFrame) -> pd.Series:
    """Each row's firm's first city-industry cell: ``city_industry`` in the
    firm's earliest year that has one (the row's own cell without a firm id).

    The city-industry clusters are these cells, so every firm lies in one
    cluster and its fixed effect is nested in it. A firm that moves to another
    city or industry stays in its first cell's cluster; with the current cell
    its effect would not be nested, and the small-sample factor
    (pyfixest's default, ivreghdfe's convention) would count every firm's
    effect among the regressors (docs/method.md §6)."""
    if "panel_firm_id" not in panel.columns:
        return panel["city_industry"]
    known = panel.loc[panel["city_industry"].notna(), ["panel_firm_id", "year", "city_industry"]]
    first = known.sort_values("year", kind="stable").groupby("panel_firm_id", sort=False)["city_industry"].first()
    return panel["panel_firm_id"].map(first)


def prepare(panel: pd.DataFrame) -> pd.DataFrame:
    """Derived identifiers the specs use: city_industry (the current cell),
    home_city_industry (the firm's first cell, the city-industry cluster:
    :func:`home_cells`), province_code if missing."""
    p = panel
    if "city_industry" not in p.columns and {"city_code", "industry_code"} <= set(p.columns):
        p = p.assign(city_industry=p["city_code"].astype(str) + "_" + p["industry_code"].astype(str))
    if "home_city_industry" not in p.columns and "city_industry" in p.columns:
        p = p.assign(home_city_industry=home_cells(p))
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


def _fe_codes(data: pd.DataFrame, fe: Sequence[str]) -> list[np.ndarray]:
    """Integer codes 0..G-1 of each fixed effect (``a^b``: the interaction's groups)."""
    out = []
    for f in fe:
        cols = FE_COLUMNS[f].split("^")
        if len(cols) == 1:
            out.append(pd.factorize(data[cols[0]])[0].astype(np.int64))
        else:
            out.append(data.groupby(cols, sort=False).ngroup().to_numpy(dtype=np.int64))
    return out


def singleton_rows(codes: Sequence[np.ndarray]) -> np.ndarray:
    """Rows in a singleton group of some fixed effect, removed iteratively.

    The rule of reghdfe and pyfixest (``fixef_rm="singleton"``): drop every
    row alone in its group of any fixed effect, then look again (a drop can
    leave another row alone) until no group has a single row. Returns a
    boolean mask of the rows dropped. ``codes``: one integer array per fixed
    effect.
    """
    codes = [np.asarray(c, dtype=np.int64) for c in codes]
    n = codes[0].size if codes else 0
    keep = np.ones(n, dtype=bool)
    while n:
        before = int(keep.sum())
        for c in codes:
            counts = np.bincount(c[keep], minlength=int(c.max()) + 1)
            keep &= counts[c] > 1
        if int(keep.sum()) == before:
            break
    return ~keep


def _where(spec: Spec) -> str:
    return "" if spec.sample in ("all", "") else f" in the sample {spec.sample}"


def _no_complete_rows(panel: pd.DataFrame, spec: Spec) -> NotEstimable:
    p = prepare(panel)
    n = len(p)
    present = {}
    for c in spec.variables():
        x = p[c]
        if pd.api.types.is_bool_dtype(x) or pd.api.types.is_numeric_dtype(x):
            x = pd.to_numeric(x, errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan)
        present[c] = int(x.notna().sum())
    empty = [c for c, k in present.items() if k == 0]
    if empty:
        what = ", ".join(empty)
        verb = "is" if len(empty) == 1 else "are"
        return NotEstimable(f"no complete rows{_where(spec)}: {what} {verb} missing in all {n:,} rows", 0)
    fewest = min(present, key=present.get)
    return NotEstimable(f"no complete rows{_where(spec)}: none of the {n:,} rows has every variable of the "
                        f"specification (fewest present: {fewest}, {present[fewest]:,} rows)", 0)


def _within(sample: pd.DataFrame, codes: list[np.ndarray], cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(``cols`` with the fixed effects ``codes`` partialled out, their centred sums of squares)."""
    x = sample[cols].to_numpy(dtype=float)
    tss = ((x - x.mean(axis=0)) ** 2).sum(axis=0)
    if not codes:
        return x - x.mean(axis=0), tss
    flist = np.column_stack(codes).astype(np.uint64)
    if len(codes) >= 3:  # as fit_spec: LSMR where alternating projections crawl
        d, _, _ = dispatch_demean(np.ascontiguousarray(x), flist, np.ones(len(x)), lsmr_demeaner())
    else:
        d, _ = pf_demean(np.ascontiguousarray(x), flist, np.ones(len(x)), tol=DEMEAN_TOL, maxiter=100_000)
    return np.asarray(d, dtype=float), tss


def _no_variation(resid_ss: float, tss: float) -> bool:
    return not tss > 0 or resid_ss <= VARIATION_TOL * tss


def _resid_ss(gram: np.ndarray, j: int, on: list[int]) -> float:
    """Residual sum of squares of column ``j`` regressed on columns ``on``,
    from the Gram matrix of the (partialled) columns."""
    if not on:
        return float(gram[j, j])
    g = gram[np.ix_(on, on)]
    b, *_ = np.linalg.lstsq(g, gram[on, j], rcond=None)
    return float(gram[j, j] - gram[j, on] @ b)


def _independent(gram: np.ndarray, cols: list[int], tss: np.ndarray) -> list[int]:
    """Greedy, in column order (pyfixest's order): the columns of ``cols``
    independent of the ones kept before them."""
    kept: list[int] = []
    for j in cols:
        if not _no_variation(_resid_ss(gram, j, kept), float(tss[j])):
            kept.append(j)
    return kept


def estimation_sample(panel: pd.DataFrame, spec: Spec) -> tuple[pd.DataFrame, int]:
    """The rows pyfixest is handed for ``spec`` and the number of complete rows.

    Complete cases (:func:`complete_cases`), less the singleton fixed-effect
    groups (:func:`singleton_rows`, the rule pyfixest applies, so pyfixest
    finds none left), checked in this order; the first check that fails
    raises :class:`NotEstimable`:

    - the sample has rows, complete rows, and rows left after the singletons;
    - more rows than parameters (the coefficients pyfixest keeps plus the
      absorbed fixed-effect levels, or the constant);
    - at least two clusters;
    - the outcome varies within the fixed effects;
    - the term of interest (the first reported regressor), the endogenous
      variable and the instrument vary once the fixed effects and the
      controls are partialled out (an instrument collinear with the fixed
      effects or the controls identifies nothing).
    """
    where = _where(spec)
    if len(panel) == 0:
        raise NotEstimable(f"no rows{where}", 0)
    data = complete_cases(panel, spec)
    n_complete = len(data)
    if n_complete == 0:
        raise _no_complete_rows(panel, spec)
    codes = _fe_codes(data, spec.fe)
    if codes:
        single = singleton_rows(codes)
        if single.all():
            raise NotEstimable(
                f"no rows left after dropping singleton fixed-effect groups{where} "
                f"({n_complete:,} complete rows, all singletons under {spec.fixed_effects_label} fixed effects)", 0)
        if single.any():
            data = data.loc[~single].reset_index(drop=True)
            codes = [pd.factorize(c[~single])[0].astype(np.int64) for c in codes]
    n = len(data)
    dropped = n_complete - n
    after = f" after dropping {dropped:,} singleton rows" if dropped else ""

    exog = list(dict.fromkeys([*spec.regressors, *spec.controls]))
    xcols = exog + ([spec.endog] if spec.endog else [])
    cols = list(dict.fromkeys([spec.dep_var, *xcols, *([spec.instrument] if spec.instrument else [])]))
    within, tss = _within(data, codes, cols)
    gram = within.T @ within
    at = {c: j for j, c in enumerate(cols)}
    # coefficients: the regressors with variation of their own within the fixed
    # effects; with too few rows they exhaust the sample's variation, so the rank
    # of the partialled design is the test (no residual degree of freedom left)
    k = sum(not _no_variation(float(gram[at[c], at[c]]), float(tss[at[c]])) for c in xcols)
    rank = len(_independent(gram, [at[c] for c in xcols], tss))
    fe_dof = absorbed_dof(pd.DataFrame(dict(zip(spec.fe, codes))), None) if codes else 1
    if n <= rank + fe_dof:
        what = "absorbed fixed-effect levels" if spec.fe else "constant"
        raise NotEstimable(f"{n:,} rows{where}{after} for {k + fe_dof:,} parameters ({k} coefficients and "
                           f"{fe_dof:,} {what}): no residual degrees of freedom", n)
    cl = CLUSTER_COLUMNS[spec.cluster]
    g = int(data[cl].nunique())
    if g < 2:
        raise NotEstimable(f"one {spec.cluster} cluster only ({n:,} rows{where}{after}): clustered standard "
                           f"errors need at least 2", n)
    fe_words = f"the fixed effects ({spec.fixed_effects_label})" if spec.fe else "the constant"
    if _no_variation(float(gram[at[spec.dep_var], at[spec.dep_var]]), float(tss[at[spec.dep_var]])):
        raise NotEstimable(f"the outcome {spec.dep_var} has no variation within {fe_words} ({n:,} rows{where}"
                           f"{after})", n)
    controls = [at[c] for c in spec.controls if c not in spec.reported_terms[:1]]
    key: list[tuple[str, str]] = []
    first = spec.reported_terms[0] if spec.reported_terms else None
    if first in spec.regressors:
        key.append((first, first))
    if spec.endog:
        z_words = "the instrument" + ("" if spec.instrument == "instrument" else f" {spec.instrument}")
        key += [(spec.endog, f"the endogenous regressor {spec.endog}"), (spec.instrument, z_words)]
    for c, words in key:
        j = at[c]
        if _no_variation(float(gram[j, j]), float(tss[j])):
            raise NotEstimable(f"{words} has no variation within {fe_words} ({n:,} rows{where}{after})", n)
        if _no_variation(_resid_ss(gram, j, [i for i in controls if i != j]), float(tss[j])):
            raise NotEstimable(f"{words} is collinear with {fe_words} and the controls ({n:,} rows{where}"
                               f"{after})", n)
    return data, n_complete


@dataclass
class Fit:
    """A pyfixest fit with the sample bookkeeping the tables need."""

    spec: Spec
    model: object  # pyfixest Feols / Feiv
    data: pd.DataFrame  # the sample passed to pyfixest: complete, singletons dropped (index 0..n-1)
    n_complete: int
    singletons_dropped: int
    # the first stage with its fixed effects and controls partialled out, made
    # by the first :func:`kp_f` and shared by every clustering's F
    first_stage: PartialledFirstStage | None = field(default=None, init=False, repr=False, compare=False)

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
    """Run ``spec`` with pyfixest: CRV1 by the spec's cluster, singletons dropped.

    The sample is checked first (:func:`estimation_sample`, which drops the
    singletons); raises :class:`NotEstimable` if it cannot be estimated.
    pyfixest keeps ``fixef_rm="singleton"`` and finds none left.
    """
    data, n_complete = estimation_sample(panel, spec)
    # three or more fixed effects (firm, year and province x year in Table 7
    # (4)): alternating projections crawl (15 s on the demo world) and stop
    # short (the estimate off in its 4th digit); pyfixest's LSMR demeaner
    # solves them in a fraction of a second to a tighter tolerance
    demeaner = {"demeaner": lsmr_demeaner()} if len(spec.fe) >= 3 else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.feols(
            formula(spec),
            data=data,
            vcov={"CRV1": CLUSTER_COLUMNS[spec.cluster]},
            fixef_rm="singleton",
            collin_tol=COLLIN_TOL,
            **demeaner,
        )
    return Fit(spec, m, data, n_complete, n_complete - int(m._N))


def diagnostic_row(spec: Spec, term: str, value: float, *, n_obs: int | None, r2: float = np.nan,
                   run_id: str = "", asset: str = "", cluster: str | None = None) -> dict:
    """A diagnostic row (kp_rk_wald_f, singletons_dropped, ...): the value in ``estimate``."""
    return {
        "table_id": spec.table_id, "column_id": spec.column_id, "term": term,
        "estimate": float(value), "std_error": np.nan, "p_value": np.nan,
        "n_obs": n_obs, "r2": r2, "fixed_effects": spec.fixed_effects_label,
        "cluster": cluster or spec.cluster, "run_id": run_id, "model": spec.model,
        "dep_var": spec.dep_var, "ci_low": np.nan, "ci_high": np.nan,
        "controls": spec.controls_label, "sample": spec.sample, "asset": asset, "reason": None,
    }


def not_estimable_rows(spec: Spec, err: NotEstimable, *, terms: Sequence[str] | None = None,
                       diagnostics: Sequence[str] = ("singletons_dropped",), run_id: str = "",
                       asset: str = "") -> list[dict]:
    """The rows a column would have (``terms``, default the spec's reported
    terms, then ``diagnostics``), with NULL estimates, ``n_obs`` the rows at
    the failing step and the ``reason``."""
    if spec.model == "iv" and "kp_rk_wald_f" not in diagnostics:  # as an estimated 2SLS column has
        diagnostics = (*diagnostics, "kp_rk_wald_f")
    rows = []
    for term in [*(spec.reported_terms if terms is None else terms), *diagnostics]:
        r = diagnostic_row(spec, term, np.nan, n_obs=err.n_obs, run_id=run_id, asset=asset)
        r["reason"] = err.reason
        rows.append(r)
    return rows


def guarded(spec: Spec, build: Callable[[], list[dict]], *, terms: Sequence[str] | None = None,
            diagnostics: Sequence[str] = ("singletons_dropped",), run_id: str = "",
            asset: str = "") -> list[dict]:
    """``build()``'s rows, or ``spec``'s not-estimable rows if it raises :class:`NotEstimable`."""
    try:
        return build()
    except NotEstimable as err:
        return not_estimable_rows(spec, err, terms=terms, diagnostics=diagnostics, run_id=run_id, asset=asset)


def _tidy_rows(fit: Fit, tidy: pd.DataFrame, terms, cluster: str, run_id: str, asset: str) -> list[dict]:
    spec = fit.spec
    rows = []
    fe_words = f"the fixed effects ({spec.fixed_effects_label})" if spec.fe else "the constant"
    for i, term in enumerate(terms):
        reason = None
        if term not in tidy.index:
            if i == 0:
                raise NotEstimable(f"{term} is collinear with {fe_words} and the other regressors (dropped by "
                                   f"pyfixest)", int(fit.model._N))
            # a secondary term dropped as collinear (e.g. a time-invariant city
            # dummy under firm FE without movers): a NULL row that says why
            t = pd.Series({k: np.nan for k in ("Estimate", "Std. Error", "Pr(>|t|)", "2.5%", "97.5%")})
            reason = (f"not estimable: {term} is collinear with {fe_words} and the other regressors "
                      f"(dropped by pyfixest)")
        else:
            t = tidy.loc[term]
        rows.append({
            "table_id": spec.table_id, "column_id": spec.column_id, "term": term,
            "estimate": float(t["Estimate"]), "std_error": float(t["Std. Error"]),
            "p_value": float(t["Pr(>|t|)"]), "n_obs": int(fit.model._N), "r2": fit.r2,
            "fixed_effects": spec.fixed_effects_label, "cluster": cluster, "run_id": run_id,
            "model": spec.model, "dep_var": spec.dep_var,
            "ci_low": float(t["2.5%"]), "ci_high": float(t["97.5%"]),
            "controls": spec.controls_label, "sample": spec.sample, "asset": asset, "reason": reason,
        })
    return rows


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


def kp_f(fit: Fit, cluster: Cluster | None = None) -> float:
    """Kleibergen-Paap rk Wald F of a fit's first stage: of a first-stage fit
    (the instrument its one regressor), or of a 2SLS fit (its endogenous
    regressor on its instrument). :func:`analytics.estimation.kleibergen_paap_f`
    on the fit's estimation sample, its FE partialled out, its retained
    controls, clustered as the fit (or by ``cluster``). The partialling is
    done once per fit, whatever the clusterings asked."""
    spec = fit.spec
    used = prepare(fit.used)
    if fit.first_stage is None:
        if spec.model == "iv":
            endog, z = spec.endog, spec.instrument
        else:
            endog, (z,) = spec.dep_var, spec.regressors
        fit.first_stage = first_stage_partialled(used[endog], used[z], used[fit.retained_controls],
                                                 fe_df=fe_frame(used, spec.fe))
    return fit.first_stage.kp_f(used[CLUSTER_COLUMNS[cluster or spec.cluster]])


def sample_rows(fit: Fit, spec: Spec | None = None, *, run_id: str = "", asset: str = "") -> list[dict]:
    """The estimation sample's number of clusters (by ``spec``'s cluster,
    default the fit's) and the mean of the dependent variable, as the
    diagnostic rows ``n_clusters`` and ``dep_var_mean`` (esttab's ``N_clust``
    and ``ymean``)."""
    spec = spec or fit.spec
    used = prepare(fit.used)
    n = int(fit.model._N)
    rows = []
    column = CLUSTER_COLUMNS.get(spec.cluster or "")
    if column and column in used.columns:
        rows.append(diagnostic_row(spec, "n_clusters", used[column].nunique(), n_obs=n, r2=fit.r2,
                                   run_id=run_id, asset=asset))
    rows.append(diagnostic_row(spec, "dep_var_mean", float(used[spec.dep_var].mean()), n_obs=n, r2=fit.r2,
                               run_id=run_id, asset=asset))
    return rows


def contract_rows(fit: Fit, *, run_id: str = "", asset: str = "") -> list[dict]:
    """Rows for the spec's reported terms (pyfixest ``tidy()``: t-based p and
    95% CI), the ``singletons_dropped`` row and the sample's (:func:`sample_rows`)."""
    tidy = fit.model.tidy()
    rows = _tidy_rows(fit, tidy, fit.spec.reported_terms, fit.spec.cluster, run_id, asset)
    rows.append(diagnostic_row(fit.spec, "singletons_dropped", fit.singletons_dropped,
                               n_obs=int(fit.model._N), r2=fit.r2, run_id=run_id, asset=asset))
    if fit.spec.model == "iv":  # every 2SLS column states the strength of its first stage
        rows.append(diagnostic_row(fit.spec, "kp_rk_wald_f", kp_f(fit), n_obs=int(fit.model._N), r2=fit.r2,
                                   run_id=run_id, asset=asset))
    return rows + sample_rows(fit, run_id=run_id, asset=asset)


def recluster_rows(fit: Fit, cluster: Cluster, column_id: str, *, run_id: str = "",
                   asset: str = "") -> list[dict]:
    """The same fit (same sample, same coefficients) with CRV1 by another
    cluster, as rows under ``column_id`` (e.g. Table 7 '3b' by city-industry).
    Raises :class:`NotEstimable` if the sample has fewer than two such clusters."""
    _check("cluster", cluster, Cluster)
    used = fit.used
    n = len(used)
    if n and prepare(used)[CLUSTER_COLUMNS[cluster]].nunique() < 2:
        raise NotEstimable(f"one {cluster} cluster only ({n:,} rows): clustered standard errors need at least 2", n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.model.vcov({"CRV1": CLUSTER_COLUMNS[cluster]})
        tidy = fit.model.tidy()
        spec = fit.spec.with_(column_id=column_id, cluster=cluster)
        alt = Fit(spec, fit.model, fit.data, fit.n_complete, fit.singletons_dropped)
        rows = _tidy_rows(alt, tidy, spec.reported_terms, cluster, run_id, asset)
        rows.append(diagnostic_row(spec, "singletons_dropped", fit.singletons_dropped,
                                   n_obs=int(fit.model._N), r2=alt.r2, run_id=run_id, asset=asset))
        if spec.model == "iv":
            rows.append(diagnostic_row(spec, "kp_rk_wald_f", kp_f(fit, cluster), n_obs=int(fit.model._N), r2=alt.r2,
                                       run_id=run_id, asset=asset))
        rows += sample_rows(fit, spec, run_id=run_id, asset=asset)
        fit.model.vcov({"CRV1": CLUSTER_COLUMNS[fit.spec.cluster]})  # restore
    return rows


def run_spec(panel: pd.DataFrame, spec: Spec, *, run_id: str = "", asset: str = "") -> list[dict]:
    """Fit ``spec`` on ``panel`` and return its contract rows (its
    not-estimable rows if the sample cannot be estimated)."""
    return guarded(spec, lambda: contract_rows(fit_spec(panel, spec), run_id=run_id, asset=asset),
                   run_id=run_id, asset=asset)


def run_spec_reclustered(panel: pd.DataFrame, spec: Spec, cluster: Cluster, column_id: str, *,
                         run_id: str = "", asset: str = "") -> tuple[Fit | None, list[dict]]:
    """``spec``'s rows, then the same fit re-clustered by ``cluster`` under
    ``column_id`` (:func:`recluster_rows`); each column not estimable on its
    own. Returns the fit (None if not estimable) and the rows."""
    alt = spec.with_(column_id=column_id, cluster=cluster)
    try:
        fit = fit_spec(panel, spec)
        rows = contract_rows(fit, run_id=run_id, asset=asset)
    except NotEstimable as err:
        return None, (not_estimable_rows(spec, err, run_id=run_id, asset=asset)
                      + not_estimable_rows(alt, err, run_id=run_id, asset=asset))
    rows += guarded(alt, lambda: recluster_rows(fit, cluster, column_id, run_id=run_id, asset=asset),
                    run_id=run_id, asset=asset)
    return fit, rows


def to_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame in RESULT_COLUMNS order with the contract dtypes."""
    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for c in ("estimate", "std_error", "p_value", "r2", "ci_low", "ci_high"):
        df[c] = df[c].astype(float)
    df["n_obs"] = df["n_obs"].astype("Int64")
    for c in ("table_id", "column_id", "term", "fixed_effects", "cluster", "run_id", "model",
              "dep_var", "controls", "sample", "asset", "reason"):
        df[c] = df[c].astype(object)
    df["reason"] = df["reason"].where(df["reason"].notna(), None)
    return df
