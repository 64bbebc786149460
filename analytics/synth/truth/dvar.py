"""Export DVAR (METHOD §3, the paper's Eq. 3; Kee & Tang 2016), of the survey
and customs lines after METHOD §0 (:mod:`.preparation`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.synth.rawroot import RawRoot, iter_year, read_reference
from analytics.settings import MethodSettings
from analytics.synth.truth._frame import isin
from analytics.synth.truth.matching import (
    ATTRIBUTE_COLUMNS,
    AttributeCounts,
    flag_intermediaries,
    match_customs_to_survey,
    survey_keys,
    survey_panel_ids,
)
from analytics.synth.truth.preparation import SurveyPreparation, prepare_customs
from analytics.synth.truth.trade import end_use, end_use_table, harmonise, regime_class

__all__ = [
    "DVAR_COLUMNS",
    "TradeReferences",
    "adjust_ordinary_imports",
    "dvar_formula",
    "dvar_terms",
    "firm_trade_totals",
    "firm_year_dvar",
    "indirect_import_shares",
    "load_trade_references",
    "thousand_rmb_to_usd",
]

FLOW_KEYS = ("customs_firm_id", "flow", "trade_regime", "hs_code", "value_usd")
"""The customs lines' columns the trade totals need (the values summed by the others)."""

DVAR_COLUMNS = [
    "panel_firm_id",
    "firm_id",
    "year",
    "customs_firm_id",
    "match_step",
    "dvar",
    "dvar_in_range",
    "exports_usd",
    "exports_processing_usd",
    "exports_ordinary_usd",
    "imports_processing_usd",
    "imports_ordinary_scaled_usd",
    "capital_imports_scaled_usd",
    "foreign_content_usd",
    "trade_type",
    "intermediate_inputs_imputed",
]
"""Columns of ``truth/firm_year_dvar`` (= ``marts.fct_firm_year_dvar``)."""


@dataclass(frozen=True)
class TradeReferences:
    """The reference tables METHOD §1-§3 need, read once."""

    concordance: pd.DataFrame
    end_use: pd.Series
    trade_regimes: pd.DataFrame | None
    exchange_rates: pd.Series
    keywords: tuple[str, ...]

    @functools.cached_property
    def end_use_map(self) -> dict:
        """:attr:`end_use` as a dict (built once: every year looks its imports up in it)."""
        return self.end_use.to_dict()


def load_trade_references(root: RawRoot) -> TradeReferences:
    """Read hs_concordance, hs_bec, trade_regimes, exchange_rates and
    intermediary_keywords from ``root/reference``."""
    conc = read_reference(root, "hs_concordance")
    bec = read_reference(root, "hs_bec")
    try:
        regimes = read_reference(root, "trade_regimes")
    except FileNotFoundError:
        regimes = None
    fx = read_reference(root, "exchange_rates")
    rates = pd.Series(
        pd.to_numeric(fx["cny_per_usd"]).astype(float).to_numpy(),
        index=pd.to_numeric(fx["year"]).astype(int).to_numpy(),
        name="cny_per_usd",
    )
    kw = read_reference(root, "intermediary_keywords")["keyword"].dropna().astype(str)
    return TradeReferences(conc, end_use_table(bec), regimes, rates, tuple(kw))


def thousand_rmb_to_usd(values: pd.Series | np.ndarray | float, cny_per_usd: float) -> np.ndarray:
    """Survey money (thousand RMB) in USD (METHOD §1): ``x * 1000 / cny_per_usd``."""
    return np.asarray(values, dtype=float) * 1000.0 / float(cny_per_usd)


def dvar_terms(Y1, Y2, S, M, IMP1, IMPo, Ko, fc: float = 0.05) -> dict[str, np.ndarray]:
    """Every term of METHOD §3, vectorised (inputs in USD).

    ``Y = Y1 + Y2``; with ``S > 0``: ``IMP2 = IMPo*Y2/S``, ``dK2 = Ko*Y2/S``,
    ``dFr = fc * max(M - (IMP1 + IMPo - Ko), 0) * Yr/S``;

        DVAR = (Y1/Y)(1 - (IMP1 + dF1)/Y1) + (Y2/Y)(1 - (IMP2 - dK2 + dF2)/Y2)

    where a term whose regime has no exports (``Yr = 0``) drops out.  DVAR is
    NaN unless ``S > 0``, ``M`` is not null and ``Y > 0``.  ``IMP2`` and
    ``dK2`` are NaN unless ``S > 0``; ``dF1``, ``dF2`` also need ``M``.
    """
    Y1, Y2, S, M, IMP1, IMPo, Ko = (np.asarray(x, dtype=float) for x in (Y1, Y2, S, M, IMP1, IMPo, Ko))
    Y = Y1 + Y2
    with np.errstate(divide="ignore", invalid="ignore"):
        s_ok = S > 0
        Sv = np.where(s_ok, S, np.nan)
        IMP2 = IMPo * (Y2 / Sv)
        dK2 = Ko * (Y2 / Sv)
        domestic = np.maximum(M - (IMP1 + IMPo - Ko), 0.0)
        domestic = np.where(np.isnan(M), np.nan, domestic)
        dF1 = fc * domestic * (Y1 / Sv)
        dF2 = fc * domestic * (Y2 / Sv)
        term1 = np.where(Y1 > 0, (Y1 / Y) * (1.0 - (IMP1 + dF1) / Y1), 0.0)
        term2 = np.where(Y2 > 0, (Y2 / Y) * (1.0 - (IMP2 - dK2 + dF2) / Y2), 0.0)
        valid = s_ok & ~np.isnan(M) & (Y > 0)
        dvar = np.where(valid, term1 + term2, np.nan)
    return {"Y": Y, "IMP2": IMP2, "dK2": dK2, "dF1": dF1, "dF2": dF2, "dvar": dvar}


def dvar_formula(Y1, Y2, S, M, IMP1, IMPo, Ko, fc: float = 0.05) -> np.ndarray:
    """METHOD §3 Eq. 3 DVAR (see :func:`dvar_terms`); NaN where undefined."""
    return dvar_terms(Y1, Y2, S, M, IMP1, IMPo, Ko, fc)["dvar"]


def indirect_import_shares(imports: pd.DataFrame) -> pd.Series:
    """``s_h`` per HS1996 code for one year (METHOD §3).

    ``imports``: harmonised import rows of ALL customs firms (matched or not,
    all regimes) with ``hs6_1996``, ``value_usd`` (after splitting) and the
    bool ``intermediary``.  ``s_h`` = intermediaries' imports of h / all
    imports of h (0 when the total is 0).  Rows with a NULL ``hs6_1996`` are
    not in the result (their ``s_h`` is 0).
    """
    d = imports[imports["hs6_1996"].notna()]
    v = d["value_usd"].astype(float)
    total = v.groupby(d["hs6_1996"].to_numpy()).sum()
    inter = v.where(d["intermediary"].to_numpy(), 0.0).groupby(d["hs6_1996"].to_numpy()).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (inter / total).where(total > 0, 0.0)
    s.index.name = "hs6_1996"
    return s.rename("s_h")


def adjust_ordinary_imports(imports: pd.DataFrame, s_h: pd.Series, enabled: bool = True) -> pd.Series:
    """Import values after the indirect-import adjustment (METHOD §3): an
    ordinary-regime import of h is divided by ``1 - s_h`` (``s_h = 0`` for a
    NULL or unknown h); other regimes, and everything when ``enabled`` is
    false, keep their value."""
    v = imports["value_usd"].astype(float)
    if not enabled:
        return v
    sh = imports["hs6_1996"].astype(object).map(s_h.to_dict()).astype(float).fillna(0.0)
    ordinary = imports["regime_class"].to_numpy() == "ordinary"
    with np.errstate(divide="ignore", invalid="ignore"):
        adj = np.where(ordinary & (v.to_numpy() != 0), v.to_numpy() / (1.0 - sh.to_numpy()), v.to_numpy())
    return pd.Series(adj, index=imports.index, name="value_usd")


def firm_trade_totals(
    flows: pd.DataFrame,
    refs: TradeReferences,
    year: int,
    firms: pd.Index,
    intermediary: pd.Series,
    settings: MethodSettings,
) -> pd.DataFrame:
    """Per-firm ``Y1, Y2, IMP1, IMPo, Ko`` (USD) of one year.

    ``flows``: customs rows (or rows pre-summed by firm, flow, regime and
    hs_code) with ``customs_firm_id, flow, trade_regime, hs_code, value_usd``.
    ``intermediary``: bool by customs_firm_id, for ``s_h`` over all firms.
    Exports and processing imports are summed as written; ordinary imports are
    harmonised to HS1996, adjusted by ``1/(1 - s_h)`` (switch), and ``Ko`` is
    the part whose end use is ``capital``.  Rows for ``firms`` (zeros when none).
    """
    f = flows.copy()
    f["regime_class"] = regime_class(f["trade_regime"], refs.trade_regimes).to_numpy()
    f["value_usd"] = f["value_usd"].astype(float)
    exp = f[f["flow"] == "export"]
    imp = harmonise(f[f["flow"] == "import"], refs.concordance, year)
    imp["intermediary"] = imp["customs_firm_id"].map(intermediary).fillna(False).astype(bool).to_numpy()
    s_h = indirect_import_shares(imp)
    imp = imp[isin(imp["customs_firm_id"], firms)].copy()
    imp["value_adj"] = adjust_ordinary_imports(imp, s_h, settings.indirect_import_adjustment)
    imp["capital"] = end_use(imp["hs6_1996"], refs.end_use_map).to_numpy() == "capital"
    exp = exp[isin(exp["customs_firm_id"], firms)]

    def total(df: pd.DataFrame, mask, col: str) -> pd.Series:
        return df.loc[mask, col].groupby(df.loc[mask, "customs_firm_id"]).sum().reindex(firms, fill_value=0.0)

    out = pd.DataFrame(index=firms)
    out["Y1"] = total(exp, exp["regime_class"] == "processing", "value_usd")
    out["Y2"] = total(exp, exp["regime_class"] == "ordinary", "value_usd")
    out["IMP1"] = total(imp, imp["regime_class"] == "processing", "value_usd")
    ordinary = imp["regime_class"] == "ordinary"
    out["IMPo"] = total(imp, ordinary, "value_adj")
    out["Ko"] = total(imp, ordinary & imp["capital"], "value_adj")
    return out.astype(float)


def firm_year_dvar(
    root: RawRoot,
    year: int,
    settings: MethodSettings,
    survey_names_index: pd.DataFrame,
    refs: TradeReferences | None = None,
    survey: pd.DataFrame | None = None,
    name_cache: dict | None = None,
    batch_rows: int = 1 << 20,
) -> pd.DataFrame:
    """``truth/firm_year_dvar`` rows of one year (METHOD §0-§3).

    One row per customs firm matched to a year-t survey row (METHOD §2), not
    an intermediary, with ``Y = Y1 + Y2 > 0``.  ``survey_names_index`` is the
    compact survey index over all years (:func:`matching.survey_index_rows`)
    of the prepared survey; with a ``panel_firm_id`` column it is used as is,
    otherwise panel ids are computed from it.  ``survey``: the year's survey
    after METHOD §0 (default: prepared here from the raw root under
    ``settings``); the customs lines METHOD §0 drops are dropped first.
    Survey sales and intermediate inputs are converted to USD with that
    year's exchange rate.  Sorted by ``firm_id``.  ``name_cache``: customs
    names already normalised (raw -> normalised), shared across years and
    filled here.  The customs lines are read ``batch_rows`` at a time; the
    result does not depend on it.
    """
    refs = refs if refs is not None else load_trade_references(root)
    if survey is None:
        survey = SurveyPreparation.of_root(root, settings).year(year)
    # the year's lines a batch at a time: their names, phones and zip codes are
    # counted per customs firm, and only the columns the trade totals sum are kept
    counts, lines = AttributeCounts(), []
    for batch in iter_year(root, "customs_transactions", year, batch_rows, columns=list(FLOW_KEYS + ATTRIBUTE_COLUMNS)):
        batch = prepare_customs(batch)
        counts.add(batch)
        lines.append(batch[list(FLOW_KEYS)].assign(value_usd=pd.to_numeric(batch["value_usd"]).astype(float)))
        del batch
    if not lines or survey.empty:
        return _empty_dvar()
    customs = pd.concat(lines, ignore_index=True)
    del lines
    if customs.empty:
        return _empty_dvar()
    attrs = counts.attributes(name_cache)
    del counts
    attrs["intermediary"] = flag_intermediaries(attrs, refs.keywords, settings.broker_digit).to_numpy()
    matches = match_customs_to_survey(attrs, survey_keys(survey), survey_names_index, year)
    inter = pd.Series(attrs["intermediary"].to_numpy(), index=attrs["customs_firm_id"].to_numpy())
    matches = matches[~matches["customs_firm_id"].map(inter).astype(bool)]

    flows = (
        customs.groupby(list(FLOW_KEYS[:-1]), sort=False, observed=True)["value_usd"]
        .sum()
        .reset_index()
    )
    del customs  # the year's transactions are not needed past this point
    for col in ("customs_firm_id", "flow", "trade_regime", "hs_code"):
        flows[col] = flows[col].astype(str)
    firms = pd.Index(matches["customs_firm_id"].to_numpy(dtype=object), name="customs_firm_id")
    tot = firm_trade_totals(flows, refs, year, firms, inter, settings)
    d = matches.set_index("customs_firm_id").join(tot)
    d = d[(d["Y1"] + d["Y2"]) > 0]

    sv = survey.assign(firm_id=survey["firm_id"].astype(str)).set_index("firm_id")
    if year not in refs.exchange_rates.index:
        raise ValueError(f"reference/exchange_rates has no rate for {year}")
    rate = float(refs.exchange_rates.loc[year])
    S = thousand_rmb_to_usd(pd.to_numeric(sv["sales"].reindex(d["firm_id"]), errors="coerce"), rate)
    M = thousand_rmb_to_usd(
        pd.to_numeric(sv["intermediate_inputs"].reindex(d["firm_id"]), errors="coerce"), rate
    )
    imputed = (sv["intermediate_inputs_imputed"].reindex(d["firm_id"]).fillna(False).astype(bool).to_numpy()
               if "intermediate_inputs_imputed" in sv.columns else np.zeros(len(d), dtype=bool))
    terms = dvar_terms(
        d["Y1"], d["Y2"], S, M, d["IMP1"], d["IMPo"], d["Ko"], settings.foreign_content_share
    )

    if "panel_firm_id" in survey_names_index.columns:
        panel = survey_names_index.loc[survey_names_index["year"] == year].set_index("firm_id")["panel_firm_id"]
    else:
        panel = survey_panel_ids(survey_names_index).set_index("firm_id")["panel_firm_id"]
    dvar = terms["dvar"]
    in_range = pd.array(np.where(np.isnan(dvar), None, (dvar >= 0) & (dvar <= 1)), dtype="boolean")
    Y1, Y2 = d["Y1"].to_numpy(), d["Y2"].to_numpy()
    out = pd.DataFrame(
        {
            "panel_firm_id": d["firm_id"].map(panel).to_numpy(dtype=object),
            "firm_id": d["firm_id"].to_numpy(dtype=object),
            "year": np.full(len(d), int(year), dtype="int64"),
            "customs_firm_id": d.index.to_numpy(dtype=object),
            "match_step": d["match_step"].to_numpy(dtype=object),
            "dvar": dvar,
            "dvar_in_range": in_range,
            "exports_usd": terms["Y"],
            "exports_processing_usd": Y1,
            "exports_ordinary_usd": Y2,
            "imports_processing_usd": d["IMP1"].to_numpy(),
            "imports_ordinary_scaled_usd": terms["IMP2"],
            "capital_imports_scaled_usd": terms["dK2"],
            "foreign_content_usd": terms["dF1"] + terms["dF2"],
            "trade_type": np.where(Y2 == 0, "processing", np.where(Y1 == 0, "ordinary", "mixed")).astype(object),
            "intermediate_inputs_imputed": imputed,
        }
    )
    return out.sort_values("firm_id", kind="mergesort").reset_index(drop=True)


def _empty_dvar() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in DVAR_COLUMNS})
    out["year"] = out["year"].astype("int64")
    for c in DVAR_COLUMNS:
        if c.endswith("_usd") or c == "dvar":
            out[c] = out[c].astype(float)
    out["dvar_in_range"] = out["dvar_in_range"].astype("boolean")
    out["intermediate_inputs_imputed"] = out["intermediate_inputs_imputed"].astype(bool)
    return out
