"""Scales and generating parameters of the synthetic world (docs/synthetic_world.md).

Every number the generator draws from lives in :class:`SynthParams`; it is
written whole to ``truth.json`` so a reader can see the world's truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

ScaleName = Literal["tiny", "demo", "paper"]


@dataclass(frozen=True)
class Scale:
    """Size of a world."""

    name: str
    n_cities: int
    n_innovation_centres: int
    n_industries: int | None  # None: every 2-digit industry
    survey_firms_2000: int  # survey firm-years alive in 2000
    survey_firms_2014: int
    exporter_share: float  # share of survey firms that export directly
    customs_only_per_exporter: float  # customs firms absent from the survey, per matched exporter
    intermediaries: int  # trade intermediaries per year
    invention_patents_2014: int
    lines_per_exporter_year: int  # customs rows per exporter-year (about)


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 25, 5, 6, 220, 380, 0.45, 0.35, 6, 2_500, 14),
    "demo": Scale("demo", 120, 20, None, 6_500, 11_500, 0.32, 0.35, 60, 100_000, 40),
    "paper": Scale("paper", 300, 20, None, 160_000, 240_000, 0.15, 0.35, 1_500, 240_000, 250),
}


@dataclass(frozen=True)
class SynthParams:
    """The generating truth. Every field lands in truth.json."""

    seed: int = 1
    scale: str = "tiny"
    years: tuple[int, ...] = tuple(range(2000, 2015))
    survey_years: tuple[int, ...] = tuple(range(1998, 2015))

    # --- causal core (SYNTH §Causal structure 5) -------------------------
    beta: float = 0.21  # effect of C on DVAR
    lam: float = 0.02  # shock loading in DVAR: dvar -= lam * u (docs/synthetic_world.md, calibration)
    # --- C's design: spread share s within each home section ---------------
    s_cap: float = 0.42
    s_intercept: float = -2.8
    s_trend: float = 2.2  # logistic slope on (t-2000)/14
    s_iv_loading: float = 2.5  # on the normalised instrument z
    s_shock_loading: float = 1.5  # on u
    s_small_count: float = 2.0  # s * n / (n + this): tiny cells spread less
    shock_rho: float = 0.5  # persistence of the city x industry shock u
    policy_redraw: float = 0.55  # share of provincial attitudes each Five-Year Plan redraws (the instrument's jumps)
    patent_growth: float = 20.0  # 2014 / 2000 invention patents
    utility_per_invention: float = 1.2
    design_per_invention: float = 0.4
    applicant_is_survey_firm: float = 0.35
    exporter_patent_propensity: float = 0.08  # relative to non-exporters  # when the cell has survey firms
    extra_ipc_prob: float = 0.35
    # None: a cell's invention patents are Poisson, so cells without any (C = 0) get their first
    # ones as the national count grows, a city's cells together; a share: that share of cells (the
    # smallest expected counts) never has one and every other cell has at least one a year, so
    # C = 0 stays 0 (an experiment: docs/synthetic_world.md, "Where the co-movement sits")
    patent_free_cells: float | None = None
    # True (the design): no IPC subclass of the concordance (reference/ipc_industry) is given both to
    # an industry and to its placebo industry (METHOD §4: the least-linked supplier); of the two links
    # the lower-weight one is dropped. The placebo industry is then unrelated in technology as the
    # placebo test assumes: its C shares no patent with the focal industry's. False: the concordance
    # as the catalogue draws it, where one patent can enter both cells' technology vectors and the
    # placebo industry's C moves with the focal C in a city-year (the placebo was rejected in 34% of
    # 50 demo worlds; docs/synthetic_world.md, "Where the co-movement sits")
    placebo_ipc_disjoint: bool = True
    # --- DVAR equation ------------------------------------------------------
    gamma: dict = field(
        default_factory=lambda: {
            "general_trade_share": 0.42,
            "foreign_share": -0.04,
            "firm_size": 0.01,
        }
    )
    firm_effect_mean: float = 0.34
    firm_effect_sd: float = 0.14
    type_shift: dict = field(default_factory=lambda: {"processing": -0.14, "mixed": -0.05, "ordinary": 0.0})
    ordinary_headroom_shape: float = 2.0  # ordinary firms: a_i = mean - (Gamma(shape, scale) - shape*scale)
    ordinary_headroom_scale: float = 0.04  # 0.07 capped 2.3% of exporter-years at 0.99, taking ~5% off beta
    cell_effect_sd: float = 1.3  # lognormal dispersion of city x industry patenting
    year_effect_rise: float = 0.11  # d_2014 - d_2000, linear
    dvar_noise_sd: float = 0.035
    foreign_content_share: float = 0.05
    # --- trade mix ------------------------------------------------------------
    trade_type_shares: dict = field(
        default_factory=lambda: {"ordinary": 0.52, "processing": 0.12, "mixed": 0.36}
    )
    intermediary_share_mean: float = 0.12  # target s_h of national imports
    # --- production side (SYNTH §6) ---------------------------------------------
    beta_l: float = 0.30
    beta_k: float = 0.12
    beta_m: float = 0.50
    omega_rho: float = 0.70
    beta_tfp: float = 0.40  # omega_it += beta_tfp * C_jkt
    omega_sd: float = 0.15
    exit_threshold: float = -0.45  # exit when omega falls below
    markup_mean: float = 1.30
    markup_sd: float = 0.10
    investment_omega: float = 1.0  # investment rate loads on omega
    depreciation: float = 0.10
    kqs_sigma: float = 5.0
    quality_sd: float = 0.5
    # --- firm dynamics -----------------------------------------------------
    entry_rate: float = 0.10
    exit_rate: float = 0.07
    mover_share: float = 0.03
    switcher_share: float = 0.03
    rename_share: float = 0.06
    new_id_share: float = 0.02
    # --- the quirks of real deliveries that METHOD §0 prepares (synth/preparation.py)
    filtered_share: float = 0.01  # survey firm-years the standard sample filters drop
    duplicate_share: float = 0.008  # survey rows delivered twice (the copy with lower sales)
    m_reported_until: int = 2007  # later years report no intermediate inputs: the accounting items give M
    payment_null_share: float = 0.03  # of a firm's last year in those years: wage bill (or welfare) not reported
    customs_dropped_share: float = 0.0005  # extra customs lines per year without a firm id, and as many of value 0
    # the survey years whose capital components (state, foreign, HMT capital) are not reported, as in
    # the common versions: ownership shares come from the firm's nearest year, else its registration type
    capital_components_missing: tuple[int, ...] = (2008, 2009, 2010)

    def with_overrides(self, **kw) -> "SynthParams":
        return replace(self, **kw)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["years"] = list(self.years)
        d["survey_years"] = list(self.survey_years)
        d["capital_components_missing"] = list(self.capital_components_missing)
        return d
