"""``gvc synth``: write a raw root whose generating truth is known (docs/synthetic_world.md).

Order of generation (each step needs the one before):

1. catalogue of real codes; chosen cities and industries;
2. geography: GDP, market access, plan policy, the instrument, the shock;
3. the firm registry (who exists, where, under which names); the firm-years
   to be broken for a sample filter of METHOD §0 and the payments left
   unreported (synth/preparation.py), so C sees the survey as prepared;
4. patents, year by year, written; C computed from them by the truth
   implementation of METHOD §4 with the very survey names to be written;
5. production side and the DVAR equation (needs C); exporter-years whose
   DVAR target lies above the foreign-content ceiling get a higher markup
   (production.feasible_markups), so the survey's M/S admits the target;
6. per year: customs totals that invert METHOD §3, the survey written (with
   the accounting items, M unreported from 2008, the filtered firm-years
   broken, the capital components missing in some years, some rows twice),
   the customs rows written (with lines METHOD §0
   drops);
7. reference tables, truth.json, and ``truth/`` from METHOD §0-§4 applied to
   what was written.

Every random stream is seeded by (seed, component, year), so the same seed
gives byte-identical files and one year's draws do not depend on another's
table sizes.  A raw table is held a year at a time; a customs year is
written in a thread while the next year's survey is built.

:func:`generate` writes a folder: steps 1-7 but the truth
(:func:`write_world`), the contract's validation of the raw root, then the
truth and truth.json (:func:`write_truth`).  :func:`generate_in_memory`
makes the same world into a :class:`~analytics.synth.rawroot.MemoryRoot`
(every table as it would read back from its file), without the validation:
what a Monte Carlo over worlds estimates on.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.settings import HS_VERSION_BY_YEAR, MethodSettings
from analytics.synth import firms as firms_mod
from analytics.synth import geography as geo
from analytics.synth import names as nm
from analytics.synth import patents as pat
from analytics.synth import preparation as wp
from analytics.synth import prices as px
from analytics.synth import production as prod
from analytics.synth import trade as trd
from analytics.synth import rawroot
from analytics.synth.catalogue import Catalogue, build_catalogue
from analytics.synth.memory import release_freed_memory
from analytics.synth.config import SCALES, SynthParams
from analytics.synth.rawroot import MemoryRoot, RawRoot
from analytics.synth.truth import compute_truth
from schemas.prices import validate_price_tables
from schemas.validate import validate_raw_root
from analytics.synth.truth.complementarity import (
    placebo_industries,
    survey_cells,
    survey_name_industry,
    year_complementarity,
    year_flows,
)
from analytics.synth.truth.matching import survey_index_rows

Progress = Callable[[str], None]
COMPONENTS = {"geo": 1, "registry": 2, "patents": 3, "production": 4, "customs": 5, "survey": 6, "idents": 7, "shares": 8,
              "variants": 9, "preparation": 10, "accounts": 11, "ownership": 12,
              "prices": 13}
# share of the survey's firm names and legal representatives, and of each year's
# customs firm names, written in a Unicode variant form (names.unicode_variant):
# Unicode spaces, compatibility characters, presentation-form brackets, all of
# which only METHOD §2's NFKC and White_Space removal reconcile
UNICODE_VARIANT_SHARE = 0.03
TINY_INDUSTRIES = ["17", "26", "27", "35", "39", "40"]
FIRM_WEIGHT = {"17": 2.0, "18": 1.6, "40": 1.8, "39": 1.5, "35": 1.5, "26": 1.4, "34": 1.2, "30": 1.1,
               "36": 1.1, "31": 1.1, "37": 1.0, "16": 0.1, "25": 0.3, "43": 0.2, "28": 0.4}


class _WriteBehind:
    """One write at a time in a thread of its own, while the caller goes on:
    :meth:`submit` first waits for the write before (raising its error), so
    at most one table waits to be written; :meth:`wait` waits for it, and
    :meth:`close` for the last.  Parquet writing releases the GIL: a paper
    customs year's 2.5-3 s of compression run beside the next year's survey
    (the caller waits before the next year's customs lines, whose peak would
    otherwise add to the table still being written)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer")
        self._pending: Future | None = None

    def submit(self, fn: Callable, *args) -> None:
        self.wait()
        self._pending = self._pool.submit(fn, *args)

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)


def _write_and_release(out: RawRoot, table: str, year: int, holder: list[pa.Table]) -> None:
    """Write the table in ``holder`` (taken out of it, so that nothing keeps
    it once written) and hand the memory it held back to the system."""
    rawroot.write_year(out, table, year, holder.pop())
    release_freed_memory(out)


def _rng(seed: int, component: str, year: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, COMPONENTS[component], year])


_PACKAGED_BOOKS: dict[str, trd.ProductBook] = {}
"""The product books of the packaged catalogue (only its products and HS
versions enter a book), built once per process."""


@functools.lru_cache(maxsize=1)
def _packaged_catalogue() -> Catalogue:
    return build_catalogue(None)


def _catalogue(reference_dir: Path | str | None) -> Catalogue:
    """The catalogue of :func:`build_catalogue`; the packaged one is built once
    per process (a copy for each world: worlds of a Monte Carlo share it)."""
    if reference_dir:
        return build_catalogue(Path(reference_dir))
    return copy.deepcopy(_packaged_catalogue())


def generate(
    out: Path | str,
    scale: str = "tiny",
    seed: int = 1,
    beta: float | None = None,
    reference_dir: Path | str | None = None,
    progress: Progress | None = None,
    overrides: dict | None = None,
) -> dict:
    """Write a complete raw root, truth.json and truth/ to ``out``; return a summary.

    ``overrides`` replaces fields of :class:`SynthParams` (and, with keys
    ``scale.<field>``, of the :class:`Scale`), for experiments; they land in
    truth.json like every other parameter.  The raw root is validated against
    the contract before its truth is computed.
    """
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = write_world(out, scale, seed, beta, reference_dir, say, overrides)
    say("validating the written raw root against the contract's pandera models")
    checked = validate_raw_root(out)
    validate_price_tables(out)  # (METHOD §0 step 5's optional tables: the world writes both)
    say(f"valid: {sum(checked.values()):,} rows in {len(checked)} tables")
    release_freed_memory(out)  # what the world and its validation freed, before the truth's peak
    summary = write_truth(out, world, say)
    summary["seconds"] = round(time.perf_counter() - t0, 1)  # not in truth.json: files stay byte-identical
    return summary


def generate_in_memory(
    scale: str = "tiny", seed: int = 1, overrides: dict | None = None, progress: Progress | None = None
) -> tuple[MemoryRoot, dict]:
    """The world :func:`generate` writes for the same arguments, kept in memory:
    ``(root, summary)``, ``root`` a :class:`~analytics.synth.rawroot.MemoryRoot`
    holding the raw tables, ``truth/`` and ``truth.json`` as the folder would,
    ``summary`` what truth.json says.  The contract's validation of the raw
    root is left out (the files of a seed are validated when written).  For a
    Monte Carlo over worlds, which estimates on each and keeps none."""
    say = progress or (lambda _m: None)
    root = MemoryRoot()
    world = write_world(root, scale, seed, None, None, say, overrides)
    return root, write_truth(root, world, say)


@dataclasses.dataclass
class WrittenWorld:
    """What the truth's self-checks and truth.json need of a world written by
    :func:`write_world`, besides the files."""

    seed: int
    scale: str
    params: SynthParams
    scale_spec: object
    cities: list[str]
    industries: list[str]
    sample_years: list[int]
    designed_c: pd.DataFrame  # the generator's C (city_code, industry_code, year, C)
    latent: pd.DataFrame  # the latent firm-years' columns the self-checks read
    rows_written: dict
    m_lowered: int
    m_identity_gap: float
    preparation: dict


def write_world(
    out: RawRoot,
    scale: str = "tiny",
    seed: int = 1,
    beta: float | None = None,
    reference_dir: Path | str | None = None,
    say: Callable[[str], None] = lambda _m: None,
    overrides: dict | None = None,
) -> WrittenWorld:
    """Steps 1-7 of the module doc but the truth: the raw tables, the reference
    tables and truth/firm_year_latent, written to ``out`` (a folder or a
    :class:`~analytics.synth.rawroot.MemoryRoot`) one year at a time."""
    overrides = dict(overrides or {})
    sc = dataclasses.replace(
        SCALES[scale], **{k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("scale.")}
    )
    params = SynthParams(seed=seed, scale=scale).with_overrides(
        **{k: v for k, v in overrides.items() if not k.startswith("scale.")}
    )
    if beta is not None:
        params = params.with_overrides(beta=float(beta))
    years = list(params.survey_years)
    sample_years = list(params.years)
    cat = _catalogue(reference_dir)
    if params.placebo_ipc_disjoint:  # the concordance the world writes and draws from
        cat = dataclasses.replace(
            cat, ipc_industry=pat.placebo_disjoint(cat.ipc_industry, placebo_industries(cat.io_links))
        )
    say(f"catalogue: {len(cat.cities)} cities, {len(cat.industries)} industries, {len(cat.products)} HS1996 products")

    # --- 1-2. cities, industries, geography ------------------------------------------------
    g = _rng(seed, "geo")
    chosen = geo.select_cities(cat.cities, sc.n_cities, sc.n_innovation_centres, g)
    ind_codes = TINY_INDUSTRIES if sc.n_industries else sorted(cat.industries["industry_code"])
    industries = cat.industries[cat.industries["industry_code"].isin(ind_codes)].copy()
    industries["firm_weight"] = industries["industry_code"].map(FIRM_WEIGHT).fillna(0.8)
    industries = industries.sort_values("industry_code", ignore_index=True)
    ind_codes = industries["industry_code"].tolist()
    city_year = geo.gdp_paths(chosen, years, g)
    ma = geo.market_access(city_year, chosen)
    provinces = sorted(chosen["province_code"].unique())
    policy = geo.policy_table(provinces, ind_codes, g, params.policy_redraw)
    scores = geo.policy_scores(policy, years)
    iv = geo.instrument(chosen, ma, scores, ind_codes)
    shock = geo.ar1_shock(iv, years, params.shock_rho, g)
    cells = iv.merge(shock, on=["city_code", "industry_code", "year"])
    say(f"geography: {len(chosen)} cities in {len(provinces)} provinces, {len(ind_codes)} industries, {len(years)} years")

    # --- 3. firms ------------------------------------------------------------------------------
    counties = cat.counties[cat.counties["city_code"].isin(chosen["city_code"])]
    firms, fy = firms_mod.build_registry(
        sc, params, chosen, counties, industries, cat.industry4, _rng(seed, "registry")
    )
    rv = _rng(seed, "variants")  # a stream of its own: the other draws stay as they were
    fy["firm_name"] = nm.with_unicode_variants(rv, fy["firm_name"], UNICODE_VARIANT_SHARE)
    fy["legal_rep"] = nm.with_unicode_variants(rv, fy["legal_rep"], UNICODE_VARIANT_SHARE)
    say(f"registry: {len(firms)} firms, {len(fy)} survey firm-years")
    firms["registration_type"] = wp.registration_types(firms, _rng(seed, "ownership"))
    fy["registration_type"] = fy["fid"].map(firms.set_index("fid")["registration_type"])
    # the quirks METHOD §0 prepares: firm-years broken for a sample filter (firms
    # without a rename or a new legal-person code), payments not reported
    rq = _rng(seed, "preparation")
    steady = firms.loc[(firms["rename_year"] == 0) & (firms["newid_year"] == 0), "fid"]
    fy["filter_rule"] = wp.choose_filtered(fy, steady, params, rq)
    fy["null_wage"], fy["null_welfare"] = wp.choose_missing_payments(fy, params, rq)
    say(f"preparation: {int(fy['filter_rule'].notna().sum())} firm-years to be filtered, "
        f"{int(fy['null_wage'].sum())} wage bills and {int(fy['null_welfare'].sum())} welfare payables not reported")
    # the survey as it will be prepared: county code and 4-digit industry, filtered firm-years left out
    index = pd.concat(
        [survey_index_rows(g_.assign(city_code=g_["county_code"], industry_code=g_["industry_code4"]), y)
         for y, g_ in fy[fy["filter_rule"].isna()].groupby("year")],
        ignore_index=True,
    )
    name_industry = survey_name_industry(index)

    # --- 4. patents and C ------------------------------------------------------------------------
    mix, section_weights = pat.build_ipc_mix(cat.ipc_structure, ind_codes, _rng(seed, "patents"), cat.ipc_industry)
    size_j = chosen.set_index("city_code")["size"] ** 1.15
    tech_w = industries.set_index("industry_code")["tech_intensity"].map(pat.TECH_WEIGHT)
    cell_base = chosen[["city_code"]].merge(industries[["industry_code"]], how="cross")
    lam = cell_base["city_code"].map(size_j).to_numpy() * cell_base["industry_code"].map(tech_w).to_numpy()
    cell_base["lam_share"] = lam / lam.sum()
    sd = params.cell_effect_sd
    cell_base["cell_effect"] = _rng(seed, "patents").lognormal(-sd * sd / 2, sd, len(cell_base))
    if params.patent_free_cells is not None:
        cell_base["patent_free"] = pat.patent_free(cell_base["lam_share"] * cell_base["cell_effect"],
                                                   params.patent_free_cells)
    counties_of = counties.groupby("city_code")["county_code"].apply(list).to_dict()
    city_short = {c: n.replace("市", "") for c, n in zip(cat.cities["city_code"], cat.cities["city_name"])}
    # propensity to file: skewed, and mostly among non-exporters, so exporters'
    # own-patent control stays near the paper's (Table 3: mean 0.08)
    innov = np.exp(1.5 * _rng(seed, "patents").normal(0, 1, len(firms)))
    innov *= np.where(firms["trade_type"].to_numpy() == "none", 1.0, params.exporter_patent_propensity)
    ipc_ref = cat.ipc_industry
    placebo = placebo_industries(cat.io_links)
    gen_settings = MethodSettings(exclude_years=())
    city_list = cat.cities["city_code"].tolist()
    c_parts, own_parts = [], []
    rows_written = {"patents": 0}
    for t in years:
        r = _rng(seed, "patents", t)
        cy = cell_base.merge(cells[cells["year"] == t][["city_code", "industry_code", "z", "u"]], on=["city_code", "industry_code"])
        apps = fy.loc[fy["year"] == t, ["fid", "firm_name", "city_code", "industry_code"]].copy()
        apps["innov"] = innov[apps["fid"].to_numpy()]
        pats, own = pat.patents_for_year(t, cy, mix, apps, counties_of, city_short, params, sc.invention_patents_2014, r)
        rawroot.write_year(out, "patents", t, pats)
        rows_written["patents"] += len(pats)
        flows = year_flows(out, t, pats, name_industry, ipc_ref, gen_settings, city_list)
        c_t = year_complementarity(out, t, flows, survey_cells(index[index["year"] == t]), placebo, gen_settings)
        c_parts.append(c_t)
        own_parts.append(own)
        say(f"patents {t}: {len(pats):,} applications ({int((pats['patent_type'] == 'invention').sum()):,} invention), "
            f"mean C {c_t['complementarity'].mean():.3f}")
        del pats
    release_freed_memory(out)  # the patent years' garbage, before production's peak
    comp = pd.concat(c_parts, ignore_index=True).rename(columns={"complementarity": "C"})
    cells = cells.merge(comp[["city_code", "industry_code", "year", "C", "placebo_complementarity", "invention_patents"]],
                        on=["city_code", "industry_code", "year"], how="left")
    cells["C"] = cells["C"].fillna(0.0)
    own = pd.concat(own_parts, ignore_index=True)

    # --- 5. production and DVAR targets ----------------------------------------------------------
    # each firm-year's own invention patents (0 without), looked up by (fid, year): a merge would copy the registry
    own_at = pd.Index(own["fid"].to_numpy(np.int64) * 10_000 + own["year"].to_numpy(np.int64))
    if not own_at.is_unique:
        raise ValueError("own invention counts: a (fid, year) twice")
    at = own_at.get_indexer(fy["fid"].to_numpy(np.int64) * 10_000 + fy["year"].to_numpy(np.int64))
    fy["own_inventions"] = np.append(own["own_inventions"].to_numpy(np.int64), 0)[at]  # at -1: the 0 appended
    rp = _rng(seed, "production")
    # METHOD §0 step 5: the survey reports current prices, deflated by the tables written below
    prices = px.world_prices(cat.industries["industry_code"], years, _rng(seed, "prices"))
    fy = prod.simulate_production(fy, cells, params, rp, prices)
    fy = prod.dvar_targets(fy, params, rp)
    fy = prod.feasible_markups(fy, params)  # infeasible DVAR targets: a higher markup, not a lower M
    release_freed_memory(out)
    say(f"production: {len(fy):,} firm-years, {int((fy['trade_type'] != 'none').sum()):,} exporter-years")

    # --- customs identities --------------------------------------------------------------------------
    ri = _rng(seed, "idents")
    exporters = firms[firms["trade_type"] != "none"].copy()
    kind = np.where((exporters["rename_year"] > 0) & (ri.random(len(exporters)) < 0.8), "c",
                    np.where(ri.random(len(exporters)) < 0.10, "b", "a"))
    exporters["match_kind"] = kind
    n_co = int(round(sc.customs_only_per_exporter * len(exporters)))
    n_int = sc.intermediaries
    # a customs code: 4 digits of place, then 6 whose first two stand for the zone and the kind of
    # enterprise -- the 6th character of the code, 8 for customs brokers (METHOD §0 step 6); a
    # trader's code never has it, a broker's always: a third of the intermediaries (at least one)
    # are brokers whose names carry no intermediary keyword, so only their code tells
    pool = np.arange(100_000, 1_000_000)
    serial = ri.choice(pool[(pool // 10_000) % 10 != 8], len(exporters) + n_co + n_int, replace=False)
    n_broker = max(1, n_int // 3) if n_int else 0
    serial[len(serial) - n_broker:] = ri.choice(pool[(pool // 10_000) % 10 == 8], n_broker, replace=False)
    exporters["customs_firm_id"] = [c[:4] + f"{s:06d}" for c, s in zip(exporters["county0"], serial[: len(exporters)])]
    exporters["alt_name"] = [nm.rename(ri, s) for s in exporters["name0"]]
    # kinds a and b: the survey's number in another format; c: another number
    exporters["customs_phone"] = [
        nm.phone(ri, a) if k == "c" else nm.format_phone(ri, a, loc)
        for k, a, loc in zip(kind, exporters["phone_area"], exporters["phone_local"])
    ]
    co_city = ri.choice(chosen["city_code"].to_numpy(), n_co + n_int, p=chosen["size"].to_numpy())
    co_ind = ri.choice(ind_codes, n_co + n_int)
    others = pd.DataFrame({
        "customs_firm_id": [c[:4] + f"{s:06d}" for c, s in zip(co_city, serial[len(exporters):])],
        "firm_name": [nm.firm_name(ri, city_short[c], k,
                                   "producer" if i < n_co or i >= n_co + n_int - n_broker else "intermediary")
                      for i, (c, k) in enumerate(zip(co_city, co_ind))],
        "phone": [nm.phone(ri, nm.area_code(c)) for c in co_city],
        "zip_code": [nm.zip_code(c) for c in co_city],
        "intermediary": np.arange(n_co + n_int) >= n_co,
        "first": ri.integers(2000, 2012, n_co + n_int),
        "scale_usd": np.exp(ri.normal(13.0, 1.2, n_co + n_int)),
    })
    others["last"] = np.minimum(others["first"] + ri.integers(3, 15, len(others)), 2014)
    others.loc[others["intermediary"], ["first", "last"]] = [2000, 2014]

    # --- 6. per year: survey and customs -----------------------------------------------------------
    fx = cat.exchange_rates.set_index("year")["cny_per_usd"].to_dict()
    # the products of each HS version, read by the years it is in force (the packaged catalogue's: by every world)
    books: dict[str, trd.ProductBook] = {} if reference_dir else _PACKAGED_BOOKS
    # truth/firm_year_latent is written a year at a time (rawroot.ParquetParts); only the columns the
    # self-checks of write_truth read are kept in memory
    latent_file = rawroot.ParquetParts(out, "truth/firm_year_latent.parquet")
    checked_parts = []
    cell_cols = ["city_code", "industry_code", "year", "iv", "z", "placebo_complementarity", "invention_patents"]
    cells_by_year = {int(y): g for y, g in cells[cell_cols].groupby("year", sort=False)}
    del cells

    def add_latent(rows: pd.DataFrame, quality: pd.DataFrame | None) -> None:
        """A year's latent firm-years with their cell's instrument, shock and C, and (sample
        years) their true export quality; NaN quality in the other years."""
        rows = rows.merge(cells_by_year.pop(int(rows["year"].iloc[0]), pd.DataFrame(columns=cell_cols)),
                          on=["city_code", "industry_code", "year"], how="left")
        if quality is not None:
            rows = rows.merge(quality, on=["fid", "year"], how="left")
        elif sample_years:
            rows = rows.assign(**{c: np.nan for c in trd.QUALITY_COLUMNS})
        rows = rows.sort_values(["year", "fid"], ignore_index=True)
        latent_file.add(rows)
        checked_parts.append(rows[["fid", "year", "firm_id", "dvar_target", "markup", "markup_raised", "dvar_capped"]])

    n_lowered = 0
    payments = wp.PaymentHistory(set(fy.loc[fy["null_wage"] | fy["null_welfare"], "firm_id"]))
    m_identity_gap = 0.0
    # the registry is released year by year: each year's firm-years are taken out of
    # fy, used, and kept only as that year's latent rows (without canonical_name,
    # which truth/firm_year_latent does not carry); the counts truth.json needs are taken first
    preparation_counts = {"survey_firm_years_filtered": int(fy["filter_rule"].notna().sum()),
                          "wage_bills_not_reported": int(fy["null_wage"].sum()),
                          "welfare_payables_not_reported": int(fy["null_welfare"].sum())}
    no_firms = fy.iloc[:0].copy()
    fy_by_year = {int(y): g for y, g in fy.groupby("year", sort=False)}
    del fy, firms, own, own_parts, c_parts, index, name_industry
    quirks = {"survey_duplicate_rows": 0, "customs_lines_without_firm_id": 0, "customs_lines_zero_value": 0}
    writer = _WriteBehind()  # a customs year is written while the next year's survey is built
    rows_written["customs_transactions"] = 0
    rows_written["firm_survey"] = 0
    for t in years:
        rc = _rng(seed, "customs", t)
        year_fy = fy_by_year.pop(t, no_firms)
        ex = year_fy[year_fy["trade_type"] != "none"].merge(
            exporters[["fid", "customs_firm_id", "match_kind", "alt_name", "customs_phone", "name0"]], on="fid")
        ex = trd.firm_totals(ex, fx[t], params.foreign_content_share, rc)
        n_lowered += int(ex["m_lowered"].sum()) if t in sample_years else 0
        year_fy = year_fy.merge(ex[["fid", "exports_usd", "intermediate_inputs"]].rename(
            columns={"intermediate_inputs": "m_new"}), on="fid", how="left")
        year_fy["intermediate_inputs"] = np.where(year_fy["m_new"].notna() | year_fy["exports_usd"].notna(),
                                                  year_fy["m_new"], year_fy["intermediate_inputs"])
        survey = prod.survey_frame(year_fy, fx, _rng(seed, "survey", t))
        ra = _rng(seed, "accounts", t)
        survey, gap = wp.accounting_items(survey, year_fy, params, payments, ra)
        survey = wp.capital_components_missing(survey, params)
        m_identity_gap = max(m_identity_gap, gap)
        survey = wp.filtered_rows(survey, year_fy, ra)
        n_true = len(survey)
        survey = wp.duplicated_rows(survey, year_fy, params, ra)
        quirks["survey_duplicate_rows"] += len(survey) - n_true
        rawroot.write_year(out, "firm_survey", t, survey)
        rows_written["firm_survey"] += len(survey)
        year_latent = year_fy.drop(columns=["m_new", "canonical_name"]).merge(
            ex[["fid", "customs_firm_id", "match_kind", "Y", "Y1", "Y2", "IMP1", "D", "Ko", "m_lowered"]], on="fid", how="left")
        if t not in sample_years:
            if len(year_latent):
                add_latent(year_latent, None)
            continue
        version = HS_VERSION_BY_YEAR[t]
        if version not in books:
            books[version] = trd.ProductBook(cat, t)
        book = books[version]
        rs = _rng(seed, "shares", t)
        s_h = pd.Series(np.where(rs.random(len(book.products)) < 0.6,
                                 rs.beta(2, 2 / params.intermediary_share_mean - 2, len(book.products)), 0.0),
                        index=book.products["hs6_1996"].to_numpy())
        s_h = s_h[~s_h.index.duplicated()]
        writer.wait()  # the year before is written (beside this year's survey) before its lines are built
        flows, q = trd.exporter_flows(ex, book, s_h, cat.countries, t, params.kqs_sigma, params.quality_sd,
                                      sc.lines_per_exporter_year, rc)
        if len(year_latent):
            add_latent(year_latent, q)
        del year_latent
        alive_o = others[(others["first"] <= t) & (others["last"] >= t)]
        co = alive_o[~alive_o["intermediary"]]
        loose = trd.loose_flows(co, book, co["scale_usd"].to_numpy(), rc)
        inter = alive_o[alive_o["intermediary"]]
        inter_flows = trd.intermediary_flows(pd.concat([flows, loose]), book, s_h, inter, rc)
        ident = _identities(ex, alive_o, t, _rng(seed, "idents", t))
        ident["firm_name"] = nm.with_unicode_variants(_rng(seed, "variants", t), ident["firm_name"], UNICODE_VARIANT_SHARE)
        rows = trd.customs_rows(pd.concat([flows, loose, inter_flows], ignore_index=True), ident, t, rc,
                                max_months=max(1, min(12, sc.lines_per_exporter_year // 8)))
        n_true = rows.num_rows
        rows = wp.customs_dropped_table(rows, params, _rng(seed, "preparation", t))
        added = rows.slice(n_true).select(["customs_firm_id", "value_usd"]).to_pandas()
        quirks["customs_lines_without_firm_id"] += int(added["customs_firm_id"].isna().sum())
        quirks["customs_lines_zero_value"] += int((added["value_usd"] == 0).sum())
        writer.submit(_write_and_release, out, "customs_transactions", t, [rows])
        rows_written["customs_transactions"] += rows.num_rows
        say(f"customs {t}: {rows.num_rows:,} rows, {len(ex):,} survey exporters, {len(co):,} customs-only, "
            f"{len(inter)} intermediaries; survey {t}: {len(survey):,} firms")
        del rows, flows, loose, inter_flows
        release_freed_memory(out)
    del year_fy, ex, survey, exporters, others, payments, cells_by_year
    writer.close()
    latent_file.close()
    latent = pd.concat(checked_parts, ignore_index=True)
    del checked_parts

    # --- 7. reference tables -------------------------------------------------------------------------
    city_year_out = city_year.merge(ma, on=["city_code", "year"])
    city_year_out["market_access"] = np.nan  # null: the platform computes Harris MA itself
    refs = {
        "hs_concordance": cat.hs_concordance, "hs_bec": cat.hs_bec, "trade_regimes": cat.trade_regimes[["trade_regime", "regime_class"]],
        "cities": cat.cities, "city_year": city_year_out[["city_code", "year", "gdp", "gdp_per_capita", "basic_research", "market_access"]],
        "industries": cat.industries, "ipc_industry": cat.ipc_industry, "province_industry_policy": policy,
        "io_links": cat.io_links, "hs_industry": cat.hs_industry, "exchange_rates": cat.exchange_rates,
        "intermediary_keywords": cat.intermediary_keywords,
        "deflators": prices.deflators, "investment_deflator": prices.investment,
    }
    for name, df in refs.items():
        rawroot.write_reference(out, name, df.reset_index(drop=True))
    say(f"reference: {len(refs)} tables")

    return WrittenWorld(
        seed=seed, scale=scale, params=params, scale_spec=sc, cities=sorted(chosen["city_code"]), industries=ind_codes,
        sample_years=sample_years, designed_c=comp[["city_code", "industry_code", "year", "C"]], latent=latent,
        rows_written=rows_written, m_lowered=n_lowered, m_identity_gap=m_identity_gap,
        preparation={**preparation_counts, "intermediate_inputs_reported_until": params.m_reported_until, **quirks},
    )


def write_truth(out: RawRoot, world: WrittenWorld, say: Callable[[str], None] = lambda _m: None) -> dict:
    """truth/ (METHOD §1-§4 on what :func:`write_world` wrote to ``out``), the
    self-checks and truth.json; returns truth.json's content."""
    params, sample_years, latent = world.params, world.sample_years, world.latent
    dvar_truth, comp_truth = compute_truth(out, MethodSettings(), progress=say)
    rawroot.write_parquet(out, "truth/firm_year_dvar.parquet", dvar_truth)
    rawroot.write_parquet(out, "truth/city_industry_complementarity.parquet", comp_truth)

    # self-checks: the written world reproduces the designed one
    chk = comp_truth.merge(world.designed_c, on=["city_code", "industry_code", "year"], how="left")
    c_gap = float((chk["complementarity"] - chk["C"].fillna(0)).abs().max()) if len(chk) else 0.0
    lat = latent.dropna(subset=["dvar_target"])
    dchk = dvar_truth.merge(lat[["firm_id", "year", "dvar_target", "fid"]], on=["firm_id", "year"], how="inner")
    dvar_gap = float((dchk["dvar"] - dchk["dvar_target"]).abs().quantile(0.99)) if len(dchk) else float("nan")
    mk = dchk.merge(lat[["fid", "year", "markup"]], on=["fid", "year"], how="left")["markup"]
    markup_mean = float(mk.mean()) if len(mk) else params.markup_mean
    summary = {
        "seed": world.seed, "scale": world.scale, "params": params.as_dict(),
        "scale_spec": dataclasses.asdict(world.scale_spec),
        "cities": world.cities, "industries": world.industries,
        "rows": world.rows_written,
        "exporter_years_truth": int(len(dvar_truth)),
        "matched_share_of_survey_exporters": float(len(dchk) / max(len(lat[lat["year"].isin(sample_years)]), 1)),
        "m_lowered_for_feasibility": world.m_lowered,
        "markup_raised_for_feasibility": int(latent.loc[latent["year"].isin(sample_years), "markup_raised"].sum()),
        "dvar_targets_capped_at_0.99": int(latent.loc[latent["year"].isin(sample_years), "dvar_capped"].fillna(False).sum()),
        "check_C_max_abs_gap": c_gap,
        "check_dvar_p99_abs_gap": dvar_gap,
        # METHOD §0: the accounting identity against the true M (rounding only), and the quirks written
        "check_m_identity_max_rel_gap": world.m_identity_gap,
        "preparation": world.preparation,
        # markup_mean: the mean latent markup over the matched exporter-years of truth/firm_year_dvar
        # (params.markup_mean is the mean of the firm markups drawn; raised markups lift the realised mean)
        "production_truth": {"beta_l": params.beta_l, "beta_k": params.beta_k, "beta_m": params.beta_m,
                             "beta_tfp": params.beta_tfp, "markup_mean": markup_mean, "kqs_sigma": params.kqs_sigma},
    }
    rawroot.write_text(out, "truth.json",
                       json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True, default=float) + "\n")
    return summary


def _identities(ex: pd.DataFrame, others: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """customs_firm_id -> the name, phone and zip written on its rows in year t.

    Kind 'a': the survey name of t (a messy variant that normalises the same);
    'b': another name, same phone and zip; 'c': the firm's original name after
    a rename (found in another survey year), another phone.
    """
    k = ex["match_kind"].to_numpy()
    base = np.where(k == "a", ex["canonical_name"].to_numpy(), np.where(k == "b", ex["alt_name"].to_numpy(), ex["name0"].to_numpy()))
    messy = rng.random(len(ex)) < 0.3
    name = [nm.messy_variant(rng, s) if m else s for s, m in zip(base, messy)]
    a = pd.DataFrame({"customs_firm_id": ex["customs_firm_id"].to_numpy(), "firm_name": name,
                      "phone": ex["customs_phone"].to_numpy(), "zip_code": ex["zip_code"].to_numpy()})
    b = others[["customs_firm_id", "firm_name", "phone", "zip_code"]]
    return pd.concat([a, b], ignore_index=True)
