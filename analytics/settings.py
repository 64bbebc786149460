"""The one typed settings object: every METHOD switch with its default.

Every switch named in ``docs/method.md`` lives here, is validated when the
object is built (``Literal`` options are checked early, pyfixest-style), and is
recorded with each run (``as_dict``).  dbt receives the same values as vars
(``dbt_vars``); the Python truth implementation and the estimation code take
the object itself.

A project changes a default in ``gvc.toml`` (table ``[method]``; another
file through ``GVC_CONFIG``), read by :func:`load_settings` -- which is how a
year is added: ``year_end = 2015`` gives the partitions, the raw schemas'
year rules and dbt's years that year.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal, get_args

SplitWeights = Literal["equal", "trade"]
IpcLevels = Literal["section_class", "class_subclass"]
IpcCounting = Literal["main", "fractional"]
WeightDenominator = Literal["national", "partners"]
DvarOutOfRange = Literal["drop", "clip"]
Winsorisation = Literal["full_sample", "per_year"]
# METHOD §0: the survey's sample filters, and intermediate inputs where the survey lacks them
SurveyFilters = Literal["standard", "none"]
ImputeIntermediateInputs = Literal["accounting", "none"]
# ... and ownership shares where the capital components are missing
ImputeOwnershipShares = Literal["nearest_year", "none"]
# ... and the production side's prices: output, inputs and capital deflated
# (reference/deflators, reference/investment_deflator; capital by perpetual
# inventory) where the deflator tables exist, or the survey's nominal values
ProductionPrices = Literal["deflated", "nominal"]
# encoding of the raw root's CSV files (CONTRACT: UTF-8; GBK accepted with the setting)
CsvEncoding = Literal["utf-8", "gbk", "gb18030"]

# HS version in force by year (METHOD §1; HS2012 was in force 2012-2016, and
# the contract's concordance links HS2002, HS2007 and HS2012 only).
HS_VERSION_BY_YEAR: dict[int, str] = {
    **{y: "HS1996" for y in (2000, 2001)},
    **{y: "HS2002" for y in range(2002, 2007)},
    **{y: "HS2007" for y in range(2007, 2012)},
    **{y: "HS2012" for y in range(2012, 2017)},
}

# Five-Year Plan in force by year (METHOD §6 IV; the contract's policy table
# has the 9th to the 12th plan).
FIVE_YEAR_PLAN_BY_YEAR: dict[int, str] = {
    **{y: "9th" for y in range(1996, 2001)},
    **{y: "10th" for y in range(2001, 2006)},
    **{y: "11th" for y in range(2006, 2011)},
    **{y: "12th" for y in range(2011, 2016)},
}

# A sample year needs an HS version with concordance links and a plan:
# 2000-2015.  Beyond, the reference tables of the contract would need HS2017
# links and the 13th plan first.
SUPPORTED_YEARS: tuple[int, int] = (
    min(HS_VERSION_BY_YEAR),
    max(y for y in HS_VERSION_BY_YEAR if y in FIVE_YEAR_PLAN_BY_YEAR),
)

CONFIG_ENV = "GVC_CONFIG"
PROJECT_CONFIG = Path(__file__).resolve().parent.parent / "gvc.toml"


# the switches the specification curve can vary (analytics.study.spec_panels), and
# the settings that size the study without changing what it estimates
SPEC_CURVE_SWITCHES: tuple[str, ...] = ("ipc_levels", "ipc_counting", "weight_denominator",
                                        "indirect_import_adjustment", "dvar_out_of_range", "winsorisation")
STUDY_SIZES: tuple[str, ...] = ("table8_bootstrap_draws", "production_bootstrap_draws", "spec_curve_switches")
# switches only the Python assets read (no dbt model does: dbt builds the real
# and the nominal values alike, and a var no model reads must not make dbt parse anew)
PYTHON_ONLY: tuple[str, ...] = ("production_prices",)


def check_literal(name: str, value: object, alias: object, what: str = "setting") -> None:
    """Raise ValueError early when ``value`` is not one of the ``Literal`` alias's values
    (every option of analytics/ is checked this way)."""
    allowed = get_args(alias)
    if value not in allowed:
        raise ValueError(f"{what} {name}={value!r} is not one of {allowed}")


@dataclass(frozen=True)
class MethodSettings:
    """METHOD switches, defaults as in the spec."""

    year_start: int = 2000
    year_end: int = 2014
    exclude_years: tuple[int, ...] = (2010,)
    survey_filters: SurveyFilters = "standard"
    impute_intermediate_inputs: ImputeIntermediateInputs = "accounting"
    impute_ownership_shares: ImputeOwnershipShares = "nearest_year"
    production_prices: ProductionPrices = "deflated"
    split_weights: SplitWeights = "equal"
    indirect_import_adjustment: bool = True
    # METHOD §0 step 6: customs codes whose 6th character is 8 (customs
    # brokers without trading rights) are intermediaries too
    broker_digit: bool = True
    foreign_content_share: float = 0.05
    dvar_out_of_range: DvarOutOfRange = "drop"
    ipc_levels: IpcLevels = "section_class"
    ipc_counting: IpcCounting = "main"
    weight_denominator: WeightDenominator = "national"
    patent_window_years: int = 1
    winsorisation: Winsorisation = "full_sample"
    winsor_lower: float = 0.005
    winsor_upper: float = 0.995
    kqs_sigma: float = 5.0
    depreciation: float = 0.10
    # the study's random seed (not METHOD's): every bootstrap draws from a
    # generator derived from it and a fixed label (analytics.seeding)
    seed: int = 0
    csv_encoding: CsvEncoding = "utf-8"
    # the study's sizes (not METHOD's): bootstrap draws of Table 8's KLS
    # columns and of the production parameters, and the switches the
    # specification curve varies (the others stay at this object's values)
    table8_bootstrap_draws: int = 199
    production_bootstrap_draws: int = 199
    spec_curve_switches: tuple[str, ...] = SPEC_CURVE_SWITCHES
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_literal("survey_filters", self.survey_filters, SurveyFilters)
        check_literal("impute_intermediate_inputs", self.impute_intermediate_inputs, ImputeIntermediateInputs)
        check_literal("impute_ownership_shares", self.impute_ownership_shares, ImputeOwnershipShares)
        check_literal("production_prices", self.production_prices, ProductionPrices)
        check_literal("split_weights", self.split_weights, SplitWeights)
        check_literal("ipc_levels", self.ipc_levels, IpcLevels)
        check_literal("ipc_counting", self.ipc_counting, IpcCounting)
        check_literal("weight_denominator", self.weight_denominator, WeightDenominator)
        check_literal("dvar_out_of_range", self.dvar_out_of_range, DvarOutOfRange)
        check_literal("winsorisation", self.winsorisation, Winsorisation)
        check_literal("csv_encoding", self.csv_encoding, CsvEncoding)
        lo, hi = SUPPORTED_YEARS
        if not (lo <= self.year_start <= self.year_end <= hi):
            raise ValueError(
                f"year range {self.year_start}-{self.year_end} must lie within {lo}-{hi} "
                f"(a year needs an HS version the concordance links to HS1996 and a Five-Year Plan "
                f"of the policy table; HS2017 links and the 13th plan are not in the contract)"
            )
        if not isinstance(self.broker_digit, bool):
            raise ValueError(f"broker_digit must be true or false, got {self.broker_digit!r}")
        if self.patent_window_years < 1:
            raise ValueError("patent_window_years must be >= 1")
        if not (0.0 <= self.foreign_content_share < 1.0):
            raise ValueError("foreign_content_share must lie in [0, 1)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be an integer in [0, 2**63), got {self.seed!r}")
        for name, least in (("table8_bootstrap_draws", 2), ("production_bootstrap_draws", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {v!r}")
        unknown = [k for k in self.spec_curve_switches if k not in SPEC_CURVE_SWITCHES]
        if unknown:
            raise ValueError(f"spec_curve_switches: {unknown} are not switches of the curve; "
                             f"choose among {SPEC_CURVE_SWITCHES}")
        object.__setattr__(self, "exclude_years", tuple(sorted(set(self.exclude_years))))
        object.__setattr__(self, "spec_curve_switches",
                           tuple(k for k in SPEC_CURVE_SWITCHES if k in self.spec_curve_switches))

    @property
    def years(self) -> tuple[int, ...]:
        """Sample years: the configured range less the excluded years."""
        return tuple(
            y
            for y in range(self.year_start, self.year_end + 1)
            if y not in self.exclude_years
        )

    @property
    def ipc_units(self) -> tuple[str, str]:
        """(g, m) levels: the coarse 'major class' g and the fine 'subclass' m."""
        return tuple(self.ipc_levels.split("_"))  # type: ignore[return-value]

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        d["exclude_years"] = list(self.exclude_years)
        d["spec_curve_switches"] = list(self.spec_curve_switches)
        return d

    def dbt_vars(self) -> dict:
        """The same switches as dbt vars (one source of truth), less the
        study's sizes and the Python-only switches, which no model reads."""
        d = self.as_dict()
        for k in STUDY_SIZES + PYTHON_ONLY:
            d.pop(k)
        d["indirect_import_adjustment"] = bool(self.indirect_import_adjustment)
        d["broker_digit"] = bool(self.broker_digit)
        return d


DEFAULT_SETTINGS = MethodSettings()


def settings_from_dict(values: dict, source: str = "<dict>") -> MethodSettings:
    """MethodSettings from ``{switch: value}``; an unknown switch or a bad value
    raises ValueError naming ``source``."""
    known = {f.name for f in fields(MethodSettings)} - {"extra"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{source}: unknown METHOD setting(s) {unknown}; known: {sorted(known)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    try:
        return MethodSettings(**values)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{source}: {err}") from err


def config_path(environ: dict | None = None) -> Path | None:
    """The settings file in force: ``$GVC_CONFIG`` (which must exist), else the
    project's ``gvc.toml`` when there is one, else None (the METHOD defaults)."""
    env = os.environ if environ is None else environ
    if env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
        if not path.is_file():
            raise FileNotFoundError(f"{CONFIG_ENV}={path}: no such settings file")
        return path
    return PROJECT_CONFIG if PROJECT_CONFIG.is_file() else None


def load_settings(path: Path | str | None = None, environ: dict | None = None) -> MethodSettings:
    """The METHOD settings of ``path`` (default :func:`config_path`): its
    ``[method]`` table over the defaults."""
    path = Path(path) if path is not None else config_path(environ)
    if path is None:
        return DEFAULT_SETTINGS
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML: {err}") from err
    unknown = sorted(set(doc) - {"method"})
    if unknown:
        raise ValueError(f"{path}: unknown table(s) {unknown}; the settings are in [method]")
    return settings_from_dict(doc.get("method", {}), str(path))
