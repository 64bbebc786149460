"""Harmonised trade (METHOD §1): HS version, HS1996 concordance, BEC end use,
trade regimes."""

from __future__ import annotations

import pandas as pd

from analytics.settings import HS_VERSION_BY_YEAR

__all__ = [
    "BEC_END_USE",
    "DEFAULT_TRADE_REGIMES",
    "bec_end_use",
    "end_use",
    "end_use_table",
    "harmonise",
    "hs_version",
    "regime_class",
]

BEC_END_USE: dict[str, str] = {
    **{c: "capital" for c in ("41", "521")},
    **{c: "intermediate" for c in ("111", "121", "21", "22", "31", "322", "42", "53")},
    **{c: "consumption" for c in ("112", "122", "522", "61", "62", "63")},
}
"""METHOD §1 BEC Rev.4 basic classes (51, 321, 7 and anything else: unclassified)."""

DEFAULT_TRADE_REGIMES: dict[str, str] = {
    "10": "ordinary",
    "14": "processing",
    "15": "processing",
    "20": "capital_equipment",
    "25": "capital_equipment",
    "35": "capital_equipment",
}
"""METHOD §1 seed mapping of customs trade-mode codes; every other code is ``other``."""


def hs_version(year: int) -> str:
    """HS version in force in ``year`` (METHOD §1): HS1996 2000-01, HS2002
    2002-06, HS2007 2007-11, HS2012 2012-14."""
    try:
        return HS_VERSION_BY_YEAR[int(year)]
    except KeyError:
        raise ValueError(f"no HS version defined for year {year}") from None


def harmonise(customs_year_df: pd.DataFrame, concordance: pd.DataFrame, year: int) -> pd.DataFrame:
    """Customs rows of one year restated in HS1996 (METHOD §1).

    ``hs6`` is the first 6 digits of ``hs_code`` (the HS code of the version in
    force).  In HS1996 years ``hs6_1996 = hs6``.  Otherwise each row joins the
    ``reference/hs_concordance`` links of ``(from_version, from_hs6)``: a code
    with several links becomes several rows, ``value_usd`` multiplied by the
    link's ``weight`` (taken as given); a code with no link is kept whole with
    ``hs6_1996 = NULL`` and ``split_weight = 1``.  Returns the input columns
    plus ``hs6``, ``hs6_1996`` and ``split_weight``; row order follows the input.
    """
    df = customs_year_df.copy()
    df["hs6"] = df["hs_code"].astype(str).str[:6]
    version = hs_version(year)
    if version == "HS1996":
        df["hs6_1996"] = df["hs6"].astype(object)
        df["split_weight"] = 1.0
        return df
    links = concordance.loc[
        concordance["from_version"].astype(str) == version, ["from_hs6", "hs6_1996", "weight"]
    ].copy()
    links["from_hs6"] = links["from_hs6"].astype(str)
    links["hs6_1996"] = links["hs6_1996"].astype(str)
    links["weight"] = pd.to_numeric(links["weight"]).astype(float)
    # a left merge keeps the input row order (links of one row in table order)
    out = df.merge(links.rename(columns={"from_hs6": "hs6", "weight": "split_weight"}), on="hs6", how="left")
    out["hs6_1996"] = out["hs6_1996"].astype(object).where(out["hs6_1996"].notna(), None)
    out["split_weight"] = out["split_weight"].fillna(1.0)
    out["value_usd"] = out["value_usd"].astype(float) * out["split_weight"]
    return out.reset_index(drop=True)


def bec_end_use(bec_code: str | None) -> str | None:
    """End use of a BEC Rev.4 basic class (METHOD §1); ``None`` = unclassified."""
    if bec_code is None or (isinstance(bec_code, float) and bec_code != bec_code):
        return None
    return BEC_END_USE.get(str(bec_code).strip())


def end_use_table(hs_bec: pd.DataFrame) -> pd.Series:
    """``hs6_1996 -> end use`` from ``reference/hs_bec``.

    The end use follows the BEC code through the METHOD §1 classes
    (:data:`BEC_END_USE`); a row without a BEC code falls back to the table's
    ``end_use`` column.  Should an HS6 carry several rows, the one with the
    smallest ``bec_code`` is used (a deterministic choice; METHOD is silent).
    """
    t = hs_bec.copy()
    t["hs6_1996"] = t["hs6_1996"].astype(str)
    if "bec_code" in t.columns:
        t["bec_code"] = t["bec_code"].astype(object).where(t["bec_code"].notna(), None)
        t = t.sort_values(["hs6_1996", "bec_code"], kind="mergesort", na_position="last")
        t = t.drop_duplicates("hs6_1996")
        eu = t["bec_code"].map(bec_end_use)
        if "end_use" in t.columns:
            eu = eu.where(t["bec_code"].notna(), t["end_use"])
    else:
        t = t.drop_duplicates("hs6_1996")
        eu = t["end_use"]
    eu = eu.astype(object).where(eu.notna(), None)
    return pd.Series(eu.to_numpy(), index=pd.Index(t["hs6_1996"].to_numpy(), name="hs6_1996"), name="end_use")


def end_use(hs6_1996: pd.Series, hs_bec: pd.DataFrame | pd.Series | dict) -> pd.Series:
    """End use (``capital`` / ``intermediate`` / ``consumption`` / None) of each
    HS1996 code (METHOD §1).  A NULL code, or one absent from ``hs_bec``, has a
    NULL end use (so it is never capital).  ``hs_bec`` may be the reference
    table, the output of :func:`end_use_table` or that output as a dict."""
    if isinstance(hs_bec, dict):
        table = hs_bec
    else:
        table = (hs_bec if isinstance(hs_bec, pd.Series) else end_use_table(hs_bec)).to_dict()
    out = hs6_1996.astype(object).map(table)
    return out.astype(object).where(out.notna(), None)


def regime_class(trade_regime: pd.Series, trade_regimes: pd.DataFrame | None = None) -> pd.Series:
    """Regime class of each customs trade-mode code (METHOD §1).

    With ``reference/trade_regimes`` given, its mapping is used; otherwise the
    METHOD seed (:data:`DEFAULT_TRADE_REGIMES`).  Codes absent from the mapping
    are ``other``.
    """
    if trade_regimes is None:
        mapping = DEFAULT_TRADE_REGIMES
    else:
        mapping = dict(
            zip(trade_regimes["trade_regime"].astype(str).str.strip(), trade_regimes["regime_class"].astype(str))
        )
    out = trade_regime.astype(str).str.strip().map(mapping)
    return out.fillna("other").astype(object)
