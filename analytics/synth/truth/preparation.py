"""The preparation of real deliveries (METHOD §0) in pandas: survey duplicates,
sample filters, intermediate inputs by the accounting identity, and the customs
lines dropped.

The twin of dbt's ``int_survey_deduplicated``, ``int_survey_prepared`` and
``int_customs_prepared``, written apart from them so that the marts can be
tested against it:

1. of the survey rows sharing a (year, firm_id) the one with the largest sales
   stays (ties: the smallest firm name, then the smallest value of each further
   column in contract order, missing values last);
2. ``survey_filters = "standard"`` drops a firm-year with fewer than 8
   employees, total assets below current assets (not applied when current
   assets are missing) or below fixed assets, paid-in capital <= 0 (not
   applied when missing), founding year after the survey year or before 1949
   (not applied when missing), or a 2-digit industry outside manufacturing
   (13-43); :func:`survey_filter_rule` names the first rule failed;
3. ``impute_intermediate_inputs = "accounting"``: where intermediate inputs
   are missing, ``M = inventory - finished_goods + cost_of_sales - wage_bill -
   welfare_payable``, a missing wage bill or welfare payable being the firm's
   mean over its other years (same firm_id, kept rows), then 0; a missing
   item, or a result <= 0, leaves M missing;
4. ``impute_ownership_shares = "nearest_year"``: the ownership shares of a
   firm-year without capital components (paid-in capital > 0 and the state,
   foreign and HMT capital all reported) are those of the panel firm's
   nearest year with them (a tie: the earlier), else its registration type's
   (:func:`registration_type_shares`), else missing (:func:`ownership_shares`);
7. customs lines without a firm id (missing or blank) or of value 0 are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.synth.truth._frame import blank_text
from analytics.synth.rawroot import MemoryRoot, RawRoot, memo, read_year, years_present
from analytics.settings import MethodSettings

__all__ = [
    "FILTER_RULES",
    "SurveyPreparation",
    "accounting_intermediate_inputs",
    "deduplicate_survey",
    "impute_intermediate_inputs",
    "ownership_shares",
    "payment_means",
    "prepare_customs",
    "prepare_survey_year",
    "registration_type_shares",
    "survey_filter_rule",
]

FILTER_RULES = ("employment", "assets", "paid_in_capital", "founding_year", "industry")
"""The standard sample filters, in the order a row is checked against them."""

# the columns after sales and firm name that break a tie between repeated rows, in contract order
TIE_COLUMNS = [
    "legal_rep", "phone", "zip_code", "city_code", "industry_code", "year_established", "employment",
    "output", "export_delivery", "intermediate_inputs", "fixed_assets", "total_assets",
    "paid_in_capital", "state_capital", "foreign_capital", "hmt_capital", "wage_bill",
    "rd_expenditure", "subsidy", "current_assets", "inventory", "finished_goods", "cost_of_sales",
    "welfare_payable", "registration_type",
]
TEXT_COLUMNS = {"firm_id", "firm_name", "legal_rep", "phone", "zip_code", "city_code", "industry_code",
                "registration_type"}
OPTIONAL_COLUMNS = ("current_assets", "inventory", "finished_goods", "cost_of_sales", "welfare_payable",
                    "registration_type")
MIN_EMPLOYMENT = 8
FIRST_FOUNDING_YEAR = 1949
MANUFACTURING = ("13", "43")


def _typed_survey(survey: pd.DataFrame) -> pd.DataFrame:
    """The survey with numbers as numbers (a CSV file is read as text) and every
    column METHOD §0 reads present (missing values when the delivery lacks the
    column: the optional ones)."""
    s = survey.copy()
    for c in [*TIE_COLUMNS, "sales", "firm_name"]:  # the optional ones (and, in hand-made roots, others)
        if c not in s.columns:
            s[c] = None
    for c in s.columns:  # a column typed already (steps 1-3 type the same survey in turn) is left as it is
        if c in TEXT_COLUMNS:
            if not _is_text(s[c]):
                s[c] = s[c].astype(object).where(s[c].notna(), None)
        elif c == "year":
            if s[c].dtype != np.int64:
                s[c] = pd.to_numeric(s[c]).astype("int64")
        elif c in TIE_COLUMNS or c == "sales":
            if s[c].dtype != np.float64:
                s[c] = pd.to_numeric(s[c], errors="coerce").astype(float)
    return s


def _is_text(column: pd.Series) -> bool:
    """Object dtype with None for every missing value (what :func:`_typed_survey` makes of a text column)."""
    if column.dtype != object:
        return False
    values = column.to_numpy()
    return all(v is None for v in values[pd.isna(values)])


def deduplicate_survey(survey: pd.DataFrame) -> pd.DataFrame:
    """One row per (year, firm_id) (step 1), with ``duplicate_rows``: how many
    other rows of the key were left out.  Numbers typed, optional columns added."""
    s = _typed_survey(survey)
    if s.empty:
        return s.assign(duplicate_rows=pd.Series(dtype="int64"))
    # only the rows of a repeated key are ordered (a row's rank within its key depends on its key's rows alone)
    repeated = s.duplicated(["year", "firm_id"], keep=False).to_numpy()
    single = s[~repeated].assign(duplicate_rows=np.zeros((~repeated).sum(), dtype="int64"))
    if not repeated.any():
        return single
    by = ["year", "firm_id", "sales", "firm_name", *TIE_COLUMNS]
    ordered = s[repeated].sort_values(by, ascending=[True, True, False] + [True] * (len(by) - 3), na_position="last",
                                      kind="mergesort")
    size = ordered.groupby(["year", "firm_id"], sort=False)["firm_id"].transform("size")
    kept = ordered.assign(duplicate_rows=(size - 1).astype("int64")).drop_duplicates(["year", "firm_id"])
    return pd.concat([single, kept]).sort_index()


def survey_filter_rule(survey: pd.DataFrame, survey_filters: str = "standard") -> pd.Series:
    """The first standard filter (:data:`FILTER_RULES`) each row fails, None when it
    passes all or when ``survey_filters`` is ``"none"`` (step 2)."""
    rule = pd.Series(None, index=survey.index, dtype=object)
    if survey_filters == "none" or survey.empty:
        return rule
    s = _typed_survey(survey)

    def num(col: str) -> pd.Series:
        return pd.to_numeric(s[col], errors="coerce").astype(float)

    total = num("total_assets")
    code = s["industry_code"].astype(object)
    division = np.array(["" if c is None else str(c)[:2] for c in code], dtype=object)
    lo, hi = MANUFACTURING
    outside = np.array([d != "" and (d < lo or d > hi) for d in division], dtype=bool)
    established = num("year_established")
    failed = {
        "employment": num("employment") < MIN_EMPLOYMENT,
        "assets": (total < num("current_assets")) | (total < num("fixed_assets")),
        "paid_in_capital": num("paid_in_capital") <= 0,
        "founding_year": (established > num("year")) | (established < FIRST_FOUNDING_YEAR),
        "industry": pd.Series(outside, index=s.index),
    }
    for name in reversed(FILTER_RULES):  # the first failed rule is written last
        rule = rule.where(~failed[name].fillna(False).astype(bool), name)
    return rule


@dataclass(frozen=True)
class PaymentSums:
    """Per firm_id, the sums and counts of the non-missing wage bills and welfare
    payables of its kept rows (their means are the fill of step 3)."""

    wage_sum: pd.Series
    wage_n: pd.Series
    welfare_sum: pd.Series
    welfare_n: pd.Series

    @staticmethod
    def of(kept: pd.DataFrame) -> PaymentSums:
        w, f = kept["wage_bill"].astype(float), kept["welfare_payable"].astype(float)
        ids = kept["firm_id"].astype(object)
        return PaymentSums(w.groupby(ids).sum(), w.groupby(ids).count(), f.groupby(ids).sum(),
                           f.groupby(ids).count())

    @staticmethod
    def add(parts: list[PaymentSums]) -> PaymentSums:
        def total(attr: str) -> pd.Series:
            series = [getattr(p, attr) for p in parts]
            return pd.concat(series).groupby(level=0).sum() if series else pd.Series(dtype=float)
        return PaymentSums(total("wage_sum"), total("wage_n"), total("welfare_sum"), total("welfare_n"))


def payment_means(sums: PaymentSums) -> pd.DataFrame:
    """Per firm_id: ``mean_wage_bill`` and ``mean_welfare_payable`` over its kept rows
    with the value (missing when it has none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        wage = (sums.wage_sum / sums.wage_n.replace(0, np.nan)).rename("mean_wage_bill")
        welfare = (sums.welfare_sum / sums.welfare_n.replace(0, np.nan)).rename("mean_welfare_payable")
    return pd.concat([wage, welfare], axis=1)


def accounting_intermediate_inputs(survey: pd.DataFrame, means: pd.DataFrame) -> pd.Series:
    """``inventory - finished_goods + cost_of_sales - wage_bill - welfare_payable``
    of each row, a missing wage bill or welfare payable taken as the firm's mean
    (``means``, :func:`payment_means`), then 0; missing when an item is."""
    s = _typed_survey(survey)
    ids = s["firm_id"].astype(object)
    mean_w = ids.map(means["mean_wage_bill"]) if len(means) else pd.Series(np.nan, index=s.index)
    mean_f = ids.map(means["mean_welfare_payable"]) if len(means) else pd.Series(np.nan, index=s.index)
    wage = s["wage_bill"].astype(float).fillna(mean_w.astype(float)).fillna(0.0)
    welfare = s["welfare_payable"].astype(float).fillna(mean_f.astype(float)).fillna(0.0)
    return s["inventory"] - s["finished_goods"] + s["cost_of_sales"] - wage - welfare


def impute_intermediate_inputs(survey: pd.DataFrame, means: pd.DataFrame, how: str = "accounting") -> pd.DataFrame:
    """``survey`` with intermediate inputs from the accounting identity where they
    are missing and the identity gives a value > 0 (step 3), and the flag
    ``intermediate_inputs_imputed``; under ``how = "none"`` M as reported."""
    s = _typed_survey(survey)
    m = s["intermediate_inputs"].astype(float)
    if how == "none" or s.empty:
        return s.assign(intermediate_inputs=m, intermediate_inputs_imputed=False)
    identity = accounting_intermediate_inputs(s, means)
    imputed = m.isna() & (identity > 0).fillna(False).astype(bool)
    return s.assign(intermediate_inputs=m.where(~imputed, identity), intermediate_inputs_imputed=imputed)


# NBS registration codes (3 digits) whose firm is state-owned, HMT- or foreign-invested (step 4)
STATE_REGISTRATION = (110, 151)
HMT_REGISTRATION = (210, 240)
FOREIGN_REGISTRATION = (310, 340)


def registration_type_shares(registration_type: pd.Series) -> pd.DataFrame:
    """``state_share`` and ``foreign_share`` from the registration code: 110-151
    state (1, 0); 210-240 HMT and 310-340 foreign (0, 1: HMT capital counts as
    foreign); any other code (0, 0); a missing code: both missing."""
    code = pd.to_numeric(registration_type, errors="coerce")

    def within(bounds: tuple[int, int]) -> pd.Series:
        return code.between(*bounds).astype(float)

    state = within(STATE_REGISTRATION).where(code.notna())
    foreign = ((within(HMT_REGISTRATION) + within(FOREIGN_REGISTRATION)).clip(upper=1.0)).where(code.notna())
    return pd.DataFrame({"state_share": state, "foreign_share": foreign}, index=registration_type.index)


def ownership_shares(survey: pd.DataFrame, how: str = "nearest_year") -> pd.DataFrame:
    """Ownership shares of each prepared survey firm-year (step 4).

    ``survey``: year, firm_id, panel_firm_id, paid_in_capital, state_capital,
    foreign_capital, hmt_capital and (optional) registration_type, one row per
    (year, firm_id).  Returns year, firm_id, state_share = min(state / paid-in,
    1), foreign_share = min((foreign + HMT) / paid-in, 1), ownership_source
    ('components', 'nearest_year', 'registration_type' or missing) and
    ownership_year (the year whose components give the shares)."""
    s = survey[["year", "firm_id", "panel_firm_id"]].copy()
    s["year"] = s["year"].astype("int64")
    paid = survey["paid_in_capital"].astype(float)
    parts = [survey[c].astype(float) for c in ("state_capital", "foreign_capital", "hmt_capital")]
    has = (paid > 0) & parts[0].notna() & parts[1].notna() & parts[2].notna()
    s["state_share"] = (parts[0] / paid).clip(upper=1.0).where(has)
    s["foreign_share"] = ((parts[1] + parts[2]) / paid).clip(upper=1.0).where(has)
    s["ownership_source"] = pd.Series(np.where(has, "components", None), index=s.index, dtype=object)
    s["ownership_year"] = s["year"].where(has).astype("Int64")
    if how == "none":
        return s.drop(columns="panel_firm_id")
    missing = s.loc[~has, ["year", "firm_id", "panel_firm_id"]].reset_index()
    donors = s.loc[has, ["panel_firm_id", "year", "state_share", "foreign_share"]].rename(columns={"year": "donor_year"})
    pairs = missing.merge(donors, on="panel_firm_id")
    pairs["distance"] = (pairs["donor_year"] - pairs["year"]).abs()
    nearest = pairs.sort_values(["index", "distance", "donor_year"]).drop_duplicates("index").set_index("index")
    s.loc[nearest.index, ["state_share", "foreign_share"]] = nearest[["state_share", "foreign_share"]].to_numpy()
    s.loc[nearest.index, "ownership_source"] = "nearest_year"
    s.loc[nearest.index, "ownership_year"] = nearest["donor_year"].astype("int64").to_numpy()
    rest = s.index[~has & ~s.index.isin(nearest.index)]
    if "registration_type" in survey.columns and len(rest):
        reg = registration_type_shares(survey.loc[rest, "registration_type"])
        coded = reg.index[reg["state_share"].notna()]
        s.loc[coded, ["state_share", "foreign_share"]] = reg.loc[coded].to_numpy()
        s.loc[coded, "ownership_source"] = "registration_type"
    return s.drop(columns="panel_firm_id")


def prepare_customs(customs: pd.DataFrame) -> pd.DataFrame:
    """Customs lines with a firm id (not missing, not blank) and a value other than 0 (step 7)."""
    if customs.empty:
        return customs
    ids = customs["customs_firm_id"]
    has_id = ids.notna() & ~ids.isin(blank_text(pd.unique(ids.dropna())))
    value = pd.to_numeric(customs["value_usd"], errors="coerce")
    return customs[has_id & (value != 0)].reset_index(drop=True)


def prepare_survey_year(survey: pd.DataFrame, settings: MethodSettings, means: pd.DataFrame) -> pd.DataFrame:
    """One survey year after steps 1-3: deduplicated, filtered, M imputed; the
    columns of the delivery (optional ones added) and ``intermediate_inputs_imputed``."""
    d = deduplicate_survey(survey)
    return _imputed(d[survey_filter_rule(d, settings.survey_filters).isna()], settings, means)


def _imputed(kept: pd.DataFrame, settings: MethodSettings, means: pd.DataFrame) -> pd.DataFrame:
    """Step 3 on the rows steps 1-2 kept (``duplicate_rows`` dropped)."""
    kept = kept.drop(columns="duplicate_rows")
    return impute_intermediate_inputs(kept, means, settings.impute_intermediate_inputs).reset_index(drop=True)


class SurveyPreparation:
    """The survey of a raw root after METHOD §0, one year at a time.

    Built in one pass over every survey year (each year deduplicated and
    filtered, the kept rows' wage and welfare sums held per firm_id: the fill
    of step 3 needs every year); :meth:`year` then reads a year again and
    returns it prepared.  A memory root (:class:`~analytics.synth.rawroot.MemoryRoot`)
    holds the whole world anyway: its preparation is built once per settings
    and kept with it, with each year's rows of that pass, and each year is
    prepared once."""

    def __init__(self, root: RawRoot, settings: MethodSettings, means: pd.DataFrame,
                 filtered: dict[int, pd.DataFrame] | None = None) -> None:
        self.root, self.settings, self.means = root if isinstance(root, MemoryRoot) else Path(root), settings, means
        self._filtered = filtered  # a memory root's years after steps 1-2
        self._kept: dict[int, pd.DataFrame] | None = {} if isinstance(root, MemoryRoot) else None

    @classmethod
    def of_root(cls, root: RawRoot, settings: MethodSettings,
                progress: Callable[[str], None] | None = None) -> SurveyPreparation:
        return memo(root, ("survey_preparation", settings), lambda: cls._built(root, settings, progress))

    @classmethod
    def _built(cls, root: RawRoot, settings: MethodSettings,
               progress: Callable[[str], None] | None = None) -> SurveyPreparation:
        parts, filtered = [], {}
        for y in years_present(root, "firm_survey"):
            d = deduplicate_survey(read_year(root, "firm_survey", y))
            if d.empty:
                continue
            kept = d[survey_filter_rule(d, settings.survey_filters).isna()]
            parts.append(PaymentSums.of(kept))
            if isinstance(root, MemoryRoot):
                filtered[y] = kept
            if progress is not None:
                progress(f"truth: firm_survey {y}: {int(d['duplicate_rows'].sum())} repeated rows, "
                         f"{len(d) - len(kept)} firm-years filtered")
        return cls(root, settings, payment_means(PaymentSums.add(parts)),
                   filtered if isinstance(root, MemoryRoot) else None)

    def year(self, year: int) -> pd.DataFrame:
        if self._kept is None:
            return self._prepared(year)
        if year not in self._kept:
            self._kept[year] = self._prepared(year)
        return self._kept[year].copy()

    def _prepared(self, year: int) -> pd.DataFrame:
        if self._filtered is not None and year in self._filtered:
            return _imputed(self._filtered[year], self.settings, self.means)
        survey = read_year(self.root, "firm_survey", year)
        if survey.empty:
            return survey
        return prepare_survey_year(survey, self.settings, self.means)
