"""The synthetic world's own implementation of METHOD §0-§4 (plain pandas).

It is the independent truth the platform's dbt SQL is tested against: it
reads a raw root (``analytics.rawio`` layout) one year at a time, prepares
the survey and the customs lines as METHOD §0 says (under the settings'
switches), and returns

(a) ``firm_year_dvar`` (= ``marts.fct_firm_year_dvar``, METHOD §1-§3) and
(b) ``city_industry_complementarity`` (= ``marts.fct_city_industry_complementarity``,
    METHOD §4).

Modules: :mod:`.preparation` (§0), :mod:`.names` (keys), :mod:`.trade` (§1),
:mod:`.matching` (§2), :mod:`.dvar` (§3), :mod:`.complementarity` (§4).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analytics.rawio import write_parquet
from analytics.synth.memory import release_freed_memory
from analytics.synth.rawroot import RawRoot, read_reference, read_year, years_present
from analytics.settings import DEFAULT_SETTINGS, MethodSettings
from analytics.synth.truth.complementarity import (
    COMPLEMENTARITY_COLUMNS,
    PatentFlows,
    placebo_industries,
    sum_flows,
    survey_cells,
    survey_name_industry,
    year_complementarity,
    year_flows,
)
from analytics.synth.truth.dvar import DVAR_COLUMNS, _empty_dvar, firm_year_dvar, load_trade_references
from analytics.synth.truth.matching import INDEX_COLUMNS, survey_index_rows, survey_panel_ids
from analytics.synth.truth.preparation import SurveyPreparation

__all__ = [
    "COMPLEMENTARITY_COLUMNS",
    "DVAR_COLUMNS",
    "SurveyPreparation",
    "build_survey_index",
    "complementarity_truth",
    "compute_truth",
    "dvar_truth",
    "write_truth",
]

Progress = Callable[[str], None] | None


def _say(progress: Progress) -> Callable[[str], None]:
    return progress if progress is not None else (lambda _msg: None)


def build_survey_index(
    root: RawRoot,
    progress: Progress = None,
    settings: MethodSettings = DEFAULT_SETTINGS,
    preparation: SurveyPreparation | None = None,
) -> pd.DataFrame:
    """The compact survey index over every survey year present (firm_id, year,
    normalised name, normalised legal rep, city_code, industry_code) with
    ``panel_firm_id`` (METHOD §2, :func:`matching.survey_panel_ids`), of the
    survey after METHOD §0 (``preparation``, else one of ``settings``)."""
    say = _say(progress)
    prep = preparation if preparation is not None else SurveyPreparation.of_root(root, settings, progress)
    parts = []
    for y in years_present(root, "firm_survey"):
        s = prep.year(y)
        say(f"truth: firm_survey {y}: {len(s)} firm-years prepared")
        if len(s):
            parts.append(survey_index_rows(s, y))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in INDEX_COLUMNS + ["panel_firm_id"]})
    index = pd.concat(parts, ignore_index=True)
    panel = survey_panel_ids(index)
    return index.merge(panel, on="firm_id", how="left")


def dvar_truth(
    root: RawRoot,
    settings: MethodSettings = DEFAULT_SETTINGS,
    index: pd.DataFrame | None = None,
    progress: Progress = None,
    preparation: SurveyPreparation | None = None,
) -> pd.DataFrame:
    """``truth/firm_year_dvar``: :func:`dvar.firm_year_dvar` for each sample
    year, one customs year in memory at a time; sorted by (year, firm_id).
    ``index`` must come from the same settings' survey preparation."""
    say = _say(progress)
    prep = preparation if preparation is not None else SurveyPreparation.of_root(root, settings)
    index = index if index is not None else build_survey_index(root, progress, settings, prep)
    refs = load_trade_references(root)
    parts = []
    name_cache: dict = {}  # customs names recur across years: each is normalised once
    for y in settings.years:
        part = firm_year_dvar(root, y, settings, index, refs, prep.year(y), name_cache)
        say(
            f"truth: customs_transactions {y}: {len(part)} exporter-years, "
            f"{int(part['dvar'].isna().sum())} DVAR NULL, "
            f"{int((part['dvar_in_range'] == False).sum())} out of range"  # noqa: E712
        )
        if len(part):
            parts.append(part)
        release_freed_memory(root)  # a paper customs year frees about 1 GB; the next starts from there
    if not parts:
        return _empty_dvar()
    out = pd.concat(parts, ignore_index=True)
    out = out[DVAR_COLUMNS].sort_values(["year", "firm_id"], kind="mergesort").reset_index(drop=True)
    out["dvar_in_range"] = out["dvar_in_range"].astype("boolean")
    return out


def complementarity_truth(
    root: RawRoot,
    settings: MethodSettings = DEFAULT_SETTINGS,
    index: pd.DataFrame | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """``truth/city_industry_complementarity`` (METHOD §4) for each sample
    year; each application year's patents are read once and their flows kept
    only while a window needs them.  Sorted by (year, city_code, industry_code)."""
    say = _say(progress)
    index = index if index is not None else build_survey_index(root, progress, settings)
    name_industry = survey_name_industry(index)
    ipc_industry = read_reference(root, "ipc_industry")
    placebo = placebo_industries(read_reference(root, "io_links"))
    try:
        city_list = read_reference(root, "cities")["city_code"].astype(str).tolist()
    except FileNotFoundError:
        city_list = None
    n = settings.patent_window_years
    cache: dict[int, PatentFlows] = {}
    parts = []
    for t in settings.years:
        window = list(range(t - n + 1, t + 1))
        for y in list(cache):
            if y not in window:
                del cache[y]
        for y in window:
            if y not in cache:
                pats = read_year(root, "patents", y)
                if pats.empty:
                    cache[y] = sum_flows([])
                else:
                    cache[y] = year_flows(root, y, pats, name_industry, ipc_industry, settings, city_list)
                say(f"truth: patents {y}: {cache[y].counts}")
        flows = sum_flows(cache[y] for y in window)
        cells = survey_cells(index[index["year"] == t])
        part = year_complementarity(root, t, flows, cells, placebo, settings)
        say(f"truth: complementarity {t}: {len(part)} cells, {int(part['no_patents_flag'].sum())} without patents")
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: [] for c in COMPLEMENTARITY_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["year", "city_code", "industry_code"], kind="mergesort").reset_index(drop=True)


def compute_truth(
    root: RawRoot, settings: MethodSettings = DEFAULT_SETTINGS, progress: Progress = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """METHOD §0-§4 on a raw root: ``(firm_year_dvar, city_industry_complementarity)``.

    Reads the raw root one year at a time (customs, patents); only the compact
    survey index and per-firm wage and welfare means (METHOD §0) are held
    across years.  ``progress`` receives a message per table and year.
    """
    prep = SurveyPreparation.of_root(root, settings, progress)
    index = build_survey_index(root, progress, settings, prep)
    dvar = dvar_truth(root, settings, index, progress, prep)
    comp = complementarity_truth(root, settings, index, progress)
    return dvar, comp


def write_truth(
    root: Path | str, out_dir: Path | str, settings: MethodSettings = DEFAULT_SETTINGS, progress: Progress = None
) -> tuple[Path, Path]:
    """Compute the truth of ``root`` and write ``out_dir/truth/firm_year_dvar.parquet``
    and ``out_dir/truth/city_industry_complementarity.parquet``."""
    dvar, comp = compute_truth(root, settings, progress)
    base = Path(out_dir) / "truth"
    p1 = base / "firm_year_dvar.parquet"
    p2 = base / "city_industry_complementarity.parquet"
    write_parquet(dvar, p1)
    write_parquet(comp, p2)
    return p1, p2
