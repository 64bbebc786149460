"""The one typed settings object: every METHOD switch with its default.

Every switch named in ``spec/METHOD.md`` lives here, is validated when the
object is built (``Literal`` options are checked early, pyfixest-style), and is
recorded with each run (``as_dict``).  dbt receives the same values as vars
(``dbt_vars``); the Python truth implementation and the estimation code take
the object itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

SplitWeights = Literal["equal", "trade"]
IpcLevels = Literal["section_class", "class_subclass"]
IpcCounting = Literal["main", "fractional"]
WeightDenominator = Literal["national", "partners"]
DvarOutOfRange = Literal["drop", "clip"]
Winsorisation = Literal["full_sample", "per_year"]

SAMPLE_YEARS: tuple[int, ...] = tuple(range(2000, 2015))

# HS version in force by year (METHOD §1).
HS_VERSION_BY_YEAR: dict[int, str] = {
    **{y: "HS1996" for y in (2000, 2001)},
    **{y: "HS2002" for y in range(2002, 2007)},
    **{y: "HS2007" for y in range(2007, 2012)},
    **{y: "HS2012" for y in range(2012, 2015)},
}


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
    split_weights: SplitWeights = "equal"
    indirect_import_adjustment: bool = True
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
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        check_literal("split_weights", self.split_weights, SplitWeights)
        check_literal("ipc_levels", self.ipc_levels, IpcLevels)
        check_literal("ipc_counting", self.ipc_counting, IpcCounting)
        check_literal("weight_denominator", self.weight_denominator, WeightDenominator)
        check_literal("dvar_out_of_range", self.dvar_out_of_range, DvarOutOfRange)
        check_literal("winsorisation", self.winsorisation, Winsorisation)
        if not (2000 <= self.year_start <= self.year_end <= 2014):
            raise ValueError(
                f"year range {self.year_start}-{self.year_end} must lie within 2000-2014"
            )
        if self.patent_window_years < 1:
            raise ValueError("patent_window_years must be >= 1")
        if not (0.0 <= self.foreign_content_share < 1.0):
            raise ValueError("foreign_content_share must lie in [0, 1)")
        object.__setattr__(self, "exclude_years", tuple(sorted(set(self.exclude_years))))

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
        return d

    def dbt_vars(self) -> dict:
        """The same switches as dbt vars (one source of truth)."""
        d = self.as_dict()
        d["indirect_import_adjustment"] = bool(self.indirect_import_adjustment)
        return d


DEFAULT_SETTINGS = MethodSettings()
