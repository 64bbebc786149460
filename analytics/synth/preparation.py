"""The quirks of real deliveries that METHOD §0 prepares, written into the world.

SYNTH: the world exercises every step of the preparation, and its truth
(``analytics.synth.truth``) applies the preparation to what was written, so
under the default switches the marts equal the world's own values:

- survey firm-years that the standard sample filters drop (``filtered_share``
  of the firm-years, each broken for one rule: fewer than 8 employees, total
  assets below fixed or current assets, paid-in capital 0, founded before
  1949, a mining or utilities industry).  They are chosen before patents and
  C, among firms that neither rename nor change their legal-person code
  (the panel links and the step (c) names stay as designed), so C is
  computed on the survey as prepared;
- survey rows delivered twice (``duplicate_share``): a copy of a true row
  with lower sales (the preparation keeps the larger);
- intermediate inputs not reported after ``m_reported_until`` (every firm,
  as in the common versions of 2008-2014), with the accounting items written
  so that ``inventory - finished_goods + cost_of_sales - wage_bill -
  welfare_payable`` gives back the true M; the items are written in every
  year, consistent with the reported M.  Firm-years whose M is missing
  anyway (1%) lack their cost of sales, so M stays missing.  In a firm's last
  survey year (of those years) the wage bill or welfare payable is sometimes
  not reported (``payment_null_share``): the identity then uses the firm's
  mean over its earlier years, which the generator knows when it writes
  that year;
- capital components (state, foreign and HMT capital) not reported in the
  years ``capital_components_missing`` (every firm, as in the common versions
  of 2008-2010), and every firm's NBS ``registration_type`` written in every
  year, consistent with its true shares (:func:`registration_types`): a
  firm-year without components takes its shares from the firm's nearest year
  (equal to the truth up to rounding: a firm's shares do not change), and a
  firm seen only in those years from its registration type (1 or 0);
- customs lines without a firm id and lines of value 0
  (``customs_dropped_share`` of the year's lines each), added beside the
  true lines.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.rawio import arrow_table
from analytics.synth.config import SynthParams
from analytics.synth.truth.preparation import FILTER_RULES
from schemas.countries import ISO3_ASSIGNED

__all__ = [
    "PaymentHistory",
    "accounting_items",
    "capital_components_missing",
    "choose_filtered",
    "choose_missing_payments",
    "customs_dropped_lines",
    "customs_dropped_table",
    "duplicated_rows",
    "filtered_rows",
    "registration_types",
]

# GB/T 4754-2002 classes of mining and utilities, the divisions the survey covers beside manufacturing
NON_MANUFACTURING_CLASSES = ("0610", "0810", "0911", "4411", "4430", "4610")


# NBS registration codes the world draws from, by kind of owner (the preparation reads
# 110-151 as state, 210-240 as HMT- and 310-340 as foreign-invested, any other as neither)
REGISTRATION_CODES = {
    "state": ("110", "151"),
    "hmt": ("210", "220", "230", "240"),
    "foreign": ("310", "320", "330", "340"),
    "domestic": ("159", "160", "171", "172", "173", "174", "190"),
}
FOREIGN_INVESTED = 0.25  # the foreign share from which a firm registers as foreign-invested
STATE_CONTROLLED = 0.5


def registration_types(firms: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Each firm's 3-digit registration code from its true shares: foreign-invested
    (foreign_share >= 0.25) as HMT when HMT capital is most of its foreign capital
    (hmt_part >= 0.5), else foreign; otherwise state when state_share >= 0.5, else
    a domestic non-state code; the code within its kind drawn evenly."""
    fs = firms["foreign_share"].to_numpy(dtype=float)
    hmt = firms["hmt_part"].to_numpy(dtype=float)
    state = firms["state_share"].to_numpy(dtype=float)
    kind = np.where(fs >= FOREIGN_INVESTED, np.where(hmt >= 0.5, "hmt", "foreign"),
                    np.where(state >= STATE_CONTROLLED, "state", "domestic"))
    u = rng.random(len(firms))
    codes = np.empty(len(firms), dtype=object)
    for k, options in REGISTRATION_CODES.items():
        at = kind == k
        codes[at] = np.asarray(options, dtype=object)[(u[at] * len(options)).astype(int)]
    return codes


def capital_components_missing(survey: pd.DataFrame, params: SynthParams) -> pd.DataFrame:
    """``survey`` (one year) without its capital components when the year is one of
    ``capital_components_missing`` (paid-in capital stays reported)."""
    if int(survey["year"].iat[0]) not in params.capital_components_missing:
        return survey
    return survey.assign(**{c: np.nan for c in ("state_capital", "foreign_capital", "hmt_capital")})


def choose_filtered(fy: pd.DataFrame, eligible_fids, params: SynthParams, rng: np.random.Generator) -> np.ndarray:
    """The sample filter each firm-year of ``fy`` is written to fail (None: none),
    ``filtered_share`` of the firm-years of ``eligible_fids``' firms, the rules
    drawn evenly."""
    n = len(fy)
    pick = fy["fid"].isin(eligible_fids).to_numpy() & (rng.random(n) < params.filtered_share)
    rules = rng.choice(np.array(FILTER_RULES, dtype=object), n)
    return np.where(pick, rules, None).astype(object)


def choose_missing_payments(fy: pd.DataFrame, params: SynthParams,
                            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(wage bill not reported, welfare payable not reported) per firm-year: a
    share of the firm_ids' last survey years after ``m_reported_until`` (not the
    first year of their firm_id, no filtered year: the fill is the mean of
    earlier years the preparation keeps)."""
    by_id = fy.groupby("firm_id")["year"]
    year = fy["year"].to_numpy()
    clean = ~fy["filter_rule"].notna().groupby(fy["firm_id"]).transform("any").to_numpy()
    candidate = ((year > params.m_reported_until) & (year == by_id.transform("max").to_numpy())
                 & (year > by_id.transform("min").to_numpy()) & clean)
    n = len(fy)
    wage = candidate & (rng.random(n) < params.payment_null_share)
    welfare = candidate & (rng.random(n) < params.payment_null_share)
    return wage, welfare


class PaymentHistory:
    """The wage bills and welfare payables written so far, per firm_id (rows the
    preparation keeps): the fill of a missing one is the firm's mean of them.
    ``firm_ids``: the only firms whose mean will be asked for (those with a
    payment left unreported); None keeps every firm's."""

    def __init__(self, firm_ids: set[str] | None = None) -> None:
        self.wage: dict[str, list[float]] = {}
        self.welfare: dict[str, list[float]] = {}
        self.firm_ids = firm_ids

    def mean(self, kind: str, firm_id: str) -> float:
        values = getattr(self, kind).get(firm_id, [])
        return float(np.sum(values) / len(values)) if values else 0.0

    def add(self, firm_ids, wage, welfare) -> None:
        if self.firm_ids is not None:
            kept = np.fromiter((i in self.firm_ids for i in firm_ids), dtype=bool, count=len(firm_ids))
            firm_ids, wage, welfare = np.asarray(firm_ids)[kept], np.asarray(wage)[kept], np.asarray(welfare)[kept]
        for fid, w, f in zip(firm_ids, wage, welfare):
            if not np.isnan(w):
                self.wage.setdefault(fid, []).append(float(w))
            if not np.isnan(f):
                self.welfare.setdefault(fid, []).append(float(f))


def _tenths(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 10).astype(np.int64)


def accounting_items(survey: pd.DataFrame, year_fy: pd.DataFrame, params: SynthParams, history: PaymentHistory,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    """``survey`` (one year, as survey_frame writes it) with current_assets,
    inventory, finished_goods, welfare_payable and cost_of_sales, M not reported
    after ``m_reported_until``, and the chosen wage bills and welfare payables not
    reported; ``history`` gets the year's reported ones.  Also returns the largest
    relative gap between the identity and the true M over the year's rows (a
    self-check: rounding only).

    The items are whole tenths of a thousand RMB, so the identity is exact in
    decimal; where a payment is missing the cost of sales carries the firm's
    mean of earlier years (not a whole tenth)."""
    s = survey.copy()
    t = int(s["year"].iat[0])
    f = year_fy.set_index("firm_id").reindex(s["firm_id"].to_numpy())
    n = len(s)
    sales = s["sales"].to_numpy(dtype=float)
    m_true = s["intermediate_inputs"].to_numpy(dtype=float)
    wage = s["wage_bill"].to_numpy(dtype=float)
    total = s["total_assets"].to_numpy(dtype=float)
    fixed = s["fixed_assets"].to_numpy(dtype=float)
    s["current_assets"] = np.round(np.maximum(total - fixed, 0.0) * rng.uniform(0.55, 0.95, n), 1)
    inventory10 = _tenths(sales * rng.uniform(0.06, 0.16, n))
    finished10 = _tenths(inventory10 / 10 * rng.uniform(0.3, 0.6, n))
    welfare10 = _tenths(wage * rng.uniform(0.10, 0.16, n))
    wage10, m10 = _tenths(np.nan_to_num(wage)), _tenths(np.nan_to_num(m_true))
    no_wage = f["null_wage"].fillna(False).to_numpy(dtype=bool)
    no_welfare = f["null_welfare"].fillna(False).to_numpy(dtype=bool)
    ids = s["firm_id"].to_numpy(dtype=object)
    wage_used, welfare_used = wage10 / 10, welfare10 / 10  # the firm's mean where the payment is not reported
    wage_used[no_wage] = [history.mean("wage", i) for i in ids[no_wage]]
    welfare_used[no_welfare] = [history.mean("welfare", i) for i in ids[no_welfare]]
    # no negative cost of sales: a smaller inventory where the payments and M are small
    room10 = np.floor((np.nan_to_num(m_true) + wage_used + welfare_used) * 10).astype(np.int64)
    inventory10 = np.minimum(inventory10, np.minimum(room10, m10 + wage10 + welfare10) + finished10)
    cost10 = m10 + wage10 + welfare10 - inventory10 + finished10
    cost = np.where(no_wage | no_welfare, m_true + wage_used + welfare_used - inventory10 / 10 + finished10 / 10,
                    cost10 / 10)
    cost = np.where(np.isnan(m_true), np.nan, cost)  # M missing anyway: the identity cannot give it
    s["inventory"] = inventory10 / 10
    s["finished_goods"] = finished10 / 10
    s["cost_of_sales"] = cost
    s["wage_bill"] = np.where(no_wage, np.nan, wage10 / 10)
    s["welfare_payable"] = np.where(no_welfare, np.nan, welfare10 / 10)
    identity = s["inventory"] - s["finished_goods"] + s["cost_of_sales"] - wage_used - welfare_used
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(identity.to_numpy() - m_true) / np.abs(m_true)
    gap = float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.0
    if t > params.m_reported_until:
        s["intermediate_inputs"] = np.nan
    kept = f["filter_rule"].isna().to_numpy()
    history.add(ids[kept], s["wage_bill"].to_numpy()[kept], s["welfare_payable"].to_numpy()[kept])
    return s, gap


def filtered_rows(survey: pd.DataFrame, year_fy: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``survey`` with each firm-year chosen by :func:`choose_filtered` broken for its rule."""
    s = survey.copy()
    rule = year_fy.set_index("firm_id")["filter_rule"].reindex(s["firm_id"].to_numpy()).to_numpy()

    def rows(name: str) -> np.ndarray:
        return np.flatnonzero(rule == name)

    r = rows("employment")
    s.loc[s.index[r], "employment"] = rng.integers(1, 8, len(r))
    r = rows("assets")
    below_fixed = rng.random(len(r)) < 0.5
    fixed = s["fixed_assets"].to_numpy()[r]
    total = s["total_assets"].to_numpy()[r]
    s.loc[s.index[r[below_fixed]], "total_assets"] = np.round(fixed[below_fixed] * rng.uniform(0.5, 0.95, below_fixed.sum()), 1)
    s.loc[s.index[r[~below_fixed]], "current_assets"] = np.round(
        total[~below_fixed] * rng.uniform(1.05, 1.5, (~below_fixed).sum()), 1)
    r = rows("paid_in_capital")
    s.loc[s.index[r], ["paid_in_capital", "state_capital", "foreign_capital", "hmt_capital"]] = 0.0
    r = rows("founding_year")
    early = rng.integers(1900, 1949, len(r))
    # every other one founded after the survey year (1-10 years, from the same draw: the
    # rest of the world keeps its values), as delivered surveys hold them
    late = s["year"].to_numpy()[r].astype(np.int64) + (early - 1900) % 10 + 1
    s.loc[s.index[r], "year_established"] = np.where(np.arange(len(r)) % 2 == 1, late, early)
    r = rows("industry")
    s.loc[s.index[r], "industry_code"] = rng.choice(np.array(NON_MANUFACTURING_CLASSES, dtype=object), len(r))
    return s


def duplicated_rows(survey: pd.DataFrame, year_fy: pd.DataFrame, params: SynthParams,
                    rng: np.random.Generator) -> pd.DataFrame:
    """``survey`` with ``duplicate_share`` of its rows (sales > 0, not filtered)
    delivered twice: the copy's sales and output lower by 10-70%, its rows next to
    the true one."""
    filtered = year_fy.set_index("firm_id")["filter_rule"].reindex(survey["firm_id"].to_numpy()).notna().to_numpy()
    sales = survey["sales"].to_numpy(dtype=float)
    pick = (sales > 0) & ~filtered & (rng.random(len(survey)) < params.duplicate_share)
    copies = survey[pick].copy()
    cut = rng.uniform(0.3, 0.9, len(copies))
    copies["sales"] = np.floor(copies["sales"].to_numpy() * cut * 10) / 10  # strictly below the true sales
    copies["output"] = np.round(copies["output"].to_numpy() * cut, 1)
    out = pd.concat([survey, copies], ignore_index=True)
    return out.sort_values("firm_id", kind="mergesort", ignore_index=True)


def customs_partners() -> set[str]:
    """The ISO3 codes customs records partners under (the ``customs_countries`` seed):
    a partner the customs' own list lacks could not be delivered in its layouts."""
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "customs_countries.csv"
    return set(pd.read_csv(seed, dtype=str)["iso3"].dropna())


def _dropped_copies(n_rows: int, partners: set, take: Callable[[np.ndarray], pd.DataFrame],
                    params: SynthParams, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The copies :func:`customs_dropped_lines` adds to a year of ``n_rows``
    lines whose partners are ``partners``; ``take(positions)`` gives those
    lines as a frame."""
    n = max(1, int(round(params.customs_dropped_share * n_rows)))
    blank = take(rng.choice(n_rows, n, replace=False))
    blank["customs_firm_id"] = None
    unused = sorted((ISO3_ASSIGNED & customs_partners()) - partners)
    n_zero = min(n, len(unused))
    zero = take(rng.choice(n_rows, n_zero, replace=False))
    zero["value_usd"] = 0.0
    zero["quantity"] = 0.0
    zero["partner_country"] = rng.choice(np.array(unused, dtype=object), n_zero, replace=False)
    return blank, zero


def customs_dropped_lines(rows: pd.DataFrame, params: SynthParams, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` (a year's customs lines) with copies of random lines added:
    ``customs_dropped_share`` of them (at least one) without a firm id, and as
    many of value 0 -- at most one per partner that customs lists and no line
    of the year has, since each value-0 copy is declared to such a partner so
    that the table's key stays unique (at paper scale the partners run out
    first: about 100 value-0 lines a year)."""
    blank, zero = _dropped_copies(len(rows), set(rows["partner_country"].dropna().unique()),
                                  lambda at: rows.iloc[at].copy(), params, rng)
    return pd.concat([rows, blank, zero], ignore_index=True)


def customs_dropped_table(rows: pa.Table, params: SynthParams, rng: np.random.Generator) -> pa.Table:
    """:func:`customs_dropped_lines` of a year's lines held as an Arrow table
    (the same draws, so the same copies), its columns' types kept (text
    dictionary-encoded or not)."""
    partners = {p for p in pc.unique(rows["partner_country"]).to_pylist() if p is not None}
    blank, zero = _dropped_copies(rows.num_rows, partners, lambda at: arrow_table(rows.take(at)).to_pandas(),
                                  params, rng)
    added = [arrow_table(d).cast(rows.schema) for d in (blank, zero)]
    return pa.concat_tables([rows, *added], promote_options="default")
