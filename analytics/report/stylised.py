"""Stylised facts (METHOD §7; the paper's §2.3): Figs 1-5 and Tables 1-3.

Every group-by and join is DuckDB SQL on the warehouse; pandas and scipy are
used only to plot and for the t distribution.  Definitions (ours where the
paper is silent):

- **HHI across cities** (Figs 1-2, paper fn 7): for each 2-digit industry and
  year, ``HHI = sum_i (y_i / y)^2`` over prefecture cities i, y = survey output
  (``panel.pnl_survey_firm_years``) or invention patents
  (``marts.fct_city_industry_complementarity.invention_patents``); the figure
  plots the simple mean of the industries' HHIs within each OECD technology
  intensity group (``staging.stg_reference__industries.tech_intensity``).
- **Table 1**: in the last year of ``fct_city_industry_complementarity``, each
  industry's mean C over its city cells; ``CR4 = sum of C of the 4 cities with
  the largest C / sum of C over all cities of the industry`` (paper fn 9).
  Top/bottom 4 industries by mean C and by CR4.
- **Table 2**: city-mean C = mean of C over the city's firm-years in
  ``marts.fct_firm_panel``; cities strictly above the median city-mean C are
  "high", the others "low"; mean TFP and mean domestic intermediate share of
  the firm-years in each group, the difference and a Welch t-test (computed
  from the SQL group means, variances and counts).
- **Fig 3**: binned scatter, 20 quantile bins of C over the panel's
  firm-years (raw values, *not* residualised on fixed effects), with the OLS
  line of DVAR on C fitted to all firm-years.
- **Fig 4**: by year, mean C over the panel's firm-years and the Theil index
  of DVAR, ``T = (1/N) sum (x/mu) ln(x/mu)`` (0 ln 0 = 0).
- **Fig 5**: by year, mean C and mean DVAR of firm-years in the innovation
  centres (``fct_firm_panel.innovation_center``) and in the periphery, and the
  centre-minus-periphery gaps.
- **Table 3**: descriptive statistics of ``fct_firm_panel``: N, mean, SD, min,
  max, p10, p90 (``quantile_cont``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.report.tables import RenderedTable, stars

__all__ = [
    "StylisedFacts", "stylised_facts", "CAPTIONS", "INDUSTRY_LABELS", "INTENSITY_LABELS", "TABLE3_VARIABLES",
    "hhi", "theil", "cr4", "welch_t", "hhi_by_intensity", "table1_frame", "table2_frame", "table3_frame",
    "binned_scatter_frame", "theil_by_year_frame", "centre_periphery_frame",
]

PANEL = "marts.fct_firm_panel"
COMPLEMENTARITY = "marts.fct_city_industry_complementarity"
SURVEY = "panel.pnl_survey_firm_years"
INDUSTRIES = "staging.stg_reference__industries"

CAPTIONS = {
    "fig1": "Fig. 1. Change in regional output HHI across technology industries",
    "fig2": "Fig. 2. Regional patent HHI by technology intensity",
    "fig3": "Fig. 3. Regression scatter diagram",
    "fig4": "Fig. 4. Inter-regional technical complementarity and the Theil index of firm DVAR dispersion",
    "fig5": "Fig. 5. Technical complementarity and DVAR gaps between central and peripheral cities",
    "table1": "TABLE 1. Industry characteristics of inter-regional technical complementarity",
    "table2": "TABLE 2. Firm performance differences across cities with high vs. low technological complementarity",
    "table3": "TABLE 3. Descriptive statistics",
}

INTENSITY_LABELS = {"high": "High-tech", "medium_high": "Medium-high-tech", "medium_low": "Medium-low-tech",
                    "low": "Low-tech"}

#: GB/T 4754-2002 divisions in English, the paper's wording where it names one (Table 1).
INDUSTRY_LABELS = {
    "13": "Agricultural and sideline food processing", "14": "Food manufacturing", "15": "Beverage manufacturing",
    "16": "Tobacco products", "17": "Textile manufacturing",
    "18": "Textile, garment, and apparel manufacturing",
    "19": "Leather, furs, feathers, and related products and footwear manufacturing",
    "20": "Wood, bamboo, rattan, palm and straw products", "21": "Furniture manufacturing",
    "22": "Paper and paper products", "23": "Printing and reproduction of recorded media",
    "24": "Cultural, educational and sports goods", "25": "Petroleum processing, coking and nuclear fuel",
    "26": "Chemical raw materials and chemical products", "27": "Pharmaceutical manufacturing",
    "28": "Chemical fiber manufacturing", "29": "Rubber products", "30": "Plastic products",
    "31": "Non-metallic mineral products", "32": "Ferrous metal smelting and rolling",
    "33": "Non-ferrous metal smelting and rolling", "34": "Metal products", "35": "General equipment manufacturing",
    "36": "Special equipment manufacturing", "37": "Motor vehicle manufacturing",
    "39": "Electrical machinery and equipment manufacturing",
    "40": "Computers, communication and other electronic equipment manufacturing",
    "41": "Instrumentation manufacturing", "42": "Handicrafts and other manufacturing",
    "43": "Recycling of waste resources",
}

#: Table 3 rows: panel column -> the paper's label, in the paper's order.
TABLE3_VARIABLES = {
    "dvar": "Export DVAR", "complementarity": "Technological complementarity", "foreign_share": "Foreign share",
    "state_share": "State share", "firm_size": "Firm size", "firm_age": "Firm age", "fixed_assets": "Fixed assets",
    "capital_intensity": "Capital intensity", "general_trade_share": "General-trade share",
    "firm_patents": "Firm patents", "agglomeration": "Industrial agglomeration", "regional_patents": "Regional patents",
}


# ---------------------------------------------------------------------------
# pure reference formulas (the SQL below computes the same; tests compare)
# ---------------------------------------------------------------------------

def hhi(values) -> float:
    """Sum of squared shares."""
    v = np.asarray(values, float)
    return float(((v / v.sum()) ** 2).sum())


def theil(values) -> float:
    """Theil T index, ``(1/N) sum (x/mu) ln(x/mu)``, with 0 ln 0 = 0."""
    x = np.asarray(values, float)
    r = x / x.mean()
    return float(np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0).mean())


def cr4(values) -> float:
    """Share of the 4 largest values in the sum."""
    v = np.sort(np.asarray(values, float))[::-1]
    return float(v[:4].sum() / v.sum())


def welch_t(m1: float, v1: float, n1: int, m2: float, v2: float, n2: int) -> tuple[float, float, float]:
    """Welch's t statistic, Welch-Satterthwaite df and the two-sided p from group moments (sample variances)."""
    from scipy.stats import t as tdist

    a, b = v1 / n1, v2 / n2
    se = np.sqrt(a + b)
    t = (m1 - m2) / se
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    return float(t), float(df), float(2 * tdist.sf(abs(t), df))


# ---------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------

def _has(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchone()[0])


def _columns(con, qualified: str) -> set[str]:
    schema, table = qualified.split(".")
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()}


def hhi_by_intensity(con, source: str, value: str, year_start: int = 2000, year_end: int = 2014) -> pd.DataFrame:
    """Mean over industries of the across-city HHI of ``value``, per year and technology intensity.

    ``source`` is a table or subquery with city_code, industry_code, year and ``value``.
    """
    return con.execute(f"""
        with cells as (
            select year, industry_code, city_code, sum({value}) as y
            from {source}
            where year between {int(year_start)} and {int(year_end)} and {value} > 0
            group by all
        ),
        shares as (
            select year, industry_code, y / sum(y) over (partition by year, industry_code) as share from cells
        ),
        industry_hhi as (
            select year, industry_code, sum(share * share) as hhi, count(*) as n_cities
            from shares group by all
        )
        select h.year, r.tech_intensity, avg(h.hhi) as hhi, count(*) as n_industries
        from industry_hhi h join {INDUSTRIES} r using (industry_code)
        group by all order by 1, 2
    """).df()


def table1_frame(con) -> pd.DataFrame:
    """Per industry in the last year: mean C over its city cells, CR4 of C, number of cities."""
    return con.execute(f"""
        with last_year as (select max(year) as y from {COMPLEMENTARITY} where complementarity is not null),
        cells as (
            select industry_code, city_code, complementarity as c
            from {COMPLEMENTARITY}, last_year
            where year = last_year.y and complementarity is not null
        ),
        ranked as (
            select *, row_number() over (partition by industry_code order by c desc, city_code) as rk from cells
        )
        select industry_code, (select y from last_year) as year, avg(c) as mean_c,
               sum(c) filter (where rk <= 4) / nullif(sum(c), 0) as cr4, count(*) as n_cities
        from ranked group by industry_code order by mean_c desc, industry_code
    """).df()


def table2_frame(con) -> pd.DataFrame:
    """Group moments (n, mean, var) of TFP and the domestic intermediate share, high vs low C cities."""
    return con.execute(f"""
        with city as (select city_code, avg(complementarity) as mean_c from {PANEL} group by city_code),
        med as (select median(mean_c) as m from city),
        firm_years as (
            select p.tfp, p.domestic_input_share,
                   case when city.mean_c > med.m then 'high' else 'low' end as grp
            from {PANEL} p join city using (city_code), med
        ),
        long as (
            select grp, 'tfp' as variable, tfp as x from firm_years
            union all
            select grp, 'domestic_input_share', domestic_input_share from firm_years
        )
        select variable, grp, count(x) as n, avg(x) as mean, var_samp(x) as var
        from long group by all order by variable, grp
    """).df()


def table3_frame(con, variables: dict[str, str] | None = None) -> pd.DataFrame:
    variables = variables or TABLE3_VARIABLES
    have = _columns(con, PANEL)
    parts = [
        f"""select {i} as ord, '{v}' as variable, count({v}) as n, avg({v}) as mean, stddev_samp({v}) as sd,
                   min({v}) as min, max({v}) as max, quantile_cont({v}, 0.1) as p10, quantile_cont({v}, 0.9) as p90
            from {PANEL}"""
        for i, v in enumerate(variables) if v in have
    ]
    df = con.execute(" union all ".join(parts) + " order by ord").df().drop(columns="ord")
    df.insert(1, "label", df["variable"].map(variables))
    return df


def binned_scatter_frame(con, bins: int = 20) -> tuple[pd.DataFrame, float, float]:
    """Mean C and DVAR in ``bins`` quantile bins of C; OLS slope and intercept on all firm-years.

    The rows are read in (C, DVAR) order and summed in that order (numpy), so
    the figure does not depend on the order the panel's rows are stored in:
    DuckDB's running sums would move the slope's last bits from one build to
    the next, and those were enough to move pixels of the line."""
    rows = con.execute(f"""
        -- ties in C (one value per city-industry-year) broken by DVAR: the bins hold the same
        -- (C, DVAR) pairs whatever order the rows come in
        select complementarity as c, dvar, ntile({int(bins)}) over (order by complementarity, dvar) as bin
        from {PANEL} where complementarity is not null and dvar is not null
        order by complementarity, dvar
    """).df()
    df = (rows.groupby("bin", sort=True)
          .agg(complementarity=("c", "mean"), dvar=("dvar", "mean"), n=("c", "size")).reset_index())
    if len(rows) < 2:
        return df, float("nan"), float("nan")
    x, y = rows["c"].to_numpy(float), rows["dvar"].to_numpy(float)
    dx, dy = x - x.mean(), y - y.mean()
    sxx = float((dx * dx).sum())
    slope = float((dx * dy).sum()) / sxx if sxx > 0 else float("nan")
    return df, slope, float(y.mean() - slope * x.mean())


def theil_by_year_frame(con) -> pd.DataFrame:
    return con.execute(f"""
        with p as (select year, dvar, complementarity from {PANEL} where dvar is not null),
        m as (select year, avg(dvar) as mu from p group by year)
        select p.year, avg(p.complementarity) as mean_c,
               avg(case when p.dvar > 0 then (p.dvar / m.mu) * ln(p.dvar / m.mu) else 0 end) as theil_dvar,
               count(*) as n
        from p join m using (year) group by p.year order by p.year
    """).df()


def centre_periphery_frame(con) -> pd.DataFrame:
    return con.execute(f"""
        select year,
               avg(complementarity) filter (where innovation_center) as c_centre,
               avg(complementarity) filter (where not innovation_center) as c_periphery,
               avg(dvar) filter (where innovation_center) as dvar_centre,
               avg(dvar) filter (where not innovation_center) as dvar_periphery,
               count(*) filter (where innovation_center) as n_centre,
               count(*) filter (where not innovation_center) as n_periphery
        from {PANEL} group by year order by year
    """).df()


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------

def _industry(code: str) -> str:
    return INDUSTRY_LABELS.get(str(code), str(code))


def table1(con) -> tuple[RenderedTable, pd.DataFrame]:
    df = table1_frame(con)
    top = df.sort_values(["mean_c", "industry_code"], ascending=[False, True]).head(4)
    bottom = df.sort_values(["mean_c", "industry_code"], ascending=[True, True]).head(4)
    low_cr = df.sort_values(["cr4", "industry_code"], ascending=[True, True]).head(4)
    high_cr = df.sort_values(["cr4", "industry_code"], ascending=[False, True]).head(4)
    body = []
    for i in range(max(len(top), len(bottom), len(low_cr), len(high_cr))):
        row = []
        for frame, col in ((top, "mean_c"), (bottom, "mean_c"), (low_cr, "cr4"), (high_cr, "cr4")):
            if i < len(frame):
                r = frame.iloc[i]
                row += [_industry(r["industry_code"]), f"{r[col]:.2f}"]
            else:
                row += ["", ""]
        body.append(row)
    year = int(df["year"].iloc[0]) if len(df) else None
    header = [["High-complementarity industries", "Average", "Low-complementarity industries", "Average",
               "Low concentration industries", "CR4", "High concentration industries", "CR4"]]
    note = (f"Note: mean C over each industry's city cells in {year}, the last sample year. CR4 = sum of C of the "
            "four cities with the largest C in the industry / sum of C over all the industry's cities.")
    return RenderedTable("table1", CAPTIONS["table1"].split(". ", 1)[1], header, [body], note), df


def table2(con) -> tuple[RenderedTable, pd.DataFrame]:
    df = table2_frame(con)
    labels = {"tfp": "TFP", "domestic_input_share": "Share of domestic intermediate input utilization"}
    rows, out = [], []
    for var in ("tfp", "domestic_input_share"):
        g = df[df["variable"] == var].set_index("grp")
        if not {"high", "low"} <= set(g.index):
            continue
        h, lo = g.loc["high"], g.loc["low"]
        t, dof, p = welch_t(h["mean"], h["var"], h["n"], lo["mean"], lo["var"], lo["n"])
        diff = h["mean"] - lo["mean"]
        out.append({"variable": var, "n_high": int(h["n"]), "mean_high": h["mean"], "n_low": int(lo["n"]),
                    "mean_low": lo["mean"], "difference": diff, "t": t, "df": dof, "p_value": p})
        rows.append([labels[var], f"{int(h['n']):,}", f"{h['mean']:.2f}", f"{int(lo['n']):,}", f"{lo['mean']:.2f}",
                     f"{diff:.2f}{stars(p)}"])
        rows.append(["", "", "", "", "", f"(t = {t:.2f})"])
    header = [["Variable", "Cities with high technological complementarity", "",
               "Cities with low technological complementarity", "", "Mean differential"],
              ["", "Sample size", "Mean", "Sample size", "Mean", ""]]
    note = ("Note: cities above the median of the city-mean technological complementarity (over the panel's "
            "firm-years) are high, the others low. Mean differential = high - low, Welch t statistic in "
            "parentheses; ***, **, * significant at 1%, 5%, 10%.")
    return RenderedTable("table2", CAPTIONS["table2"].split(". ", 1)[1], header, [rows], note), pd.DataFrame(out)


def table3(con) -> tuple[RenderedTable, pd.DataFrame]:
    df = table3_frame(con)

    def f(x):
        return "" if pd.isna(x) else f"{x:.2f}"

    body = [[r["label"], f"{int(r['n']):,}", f(r["mean"]), f(r["sd"]), f(r["min"]), f(r["max"]), f(r["p10"]),
             f(r["p90"])] for _, r in df.iterrows()]
    header = [["Variable", "Observations", "Mean", "SD", "Min", "Max", "p10", "p90"]]
    note = "Note: estimation sample (marts.fct_firm_panel); continuous variables winsorised as in METHOD §5."
    return RenderedTable("table3", CAPTIONS["table3"].split(". ", 1)[1], header, [body], note), df


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------

def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_INTENSITY_ORDER = ("high", "medium_high", "medium_low", "low")
_COLOURS = {"high": "#1f4e79", "medium_high": "#2e75b6", "medium_low": "#c55a11", "low": "#7f7f7f"}


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    _plt().close(fig)
    return path


def plot_hhi(df: pd.DataFrame, path: Path, title: str, ylabel: str) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for k in _INTENSITY_ORDER:
        d = df[df["tech_intensity"] == k]
        if len(d):
            ax.plot(d["year"], d["hhi"], marker="o", ms=3, color=_COLOURS[k], label=INTENSITY_LABELS[k])
    ax.set_xlabel("Year")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, path)


def plot_binned_scatter(df: pd.DataFrame, slope: float, intercept: float, path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.scatter(df["complementarity"], df["dvar"], color="#1f4e79", s=18, label="Bin means (20 quantile bins of C)")
    fit = [v for v in (slope, intercept) if v is not None and np.isfinite(v)]
    if len(fit) == 2:  # (no fit when C does not vary: one city, say)
        xs = np.linspace(df["complementarity"].min(), df["complementarity"].max(), 50)
        ax.plot(xs, intercept + slope * xs, color="#c0504d", lw=1.2, label=f"OLS fit, slope {slope:.3f}")
    ax.set_xlabel("Technological complementarity")
    ax.set_ylabel("Export DVAR")
    ax.set_title(CAPTIONS["fig3"], fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, path)


def plot_theil(df: pd.DataFrame, path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(df["year"], df["mean_c"], marker="o", ms=3, color="#1f4e79", label="Technical complementarity (mean)")
    ax.set_xlabel("Year")
    ax.set_ylabel("Technical complementarity (mean)")
    ax2 = ax.twinx()
    ax2.plot(df["year"], df["theil_dvar"], marker="s", ms=3, color="#c0504d", ls="--",
             label="Theil index of firm DVAR")
    ax2.set_ylabel("Theil index of firm DVAR")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    ax.set_title(CAPTIONS["fig4"], fontsize=9)
    return _save(fig, path)


def plot_centre_periphery(df: pd.DataFrame, path: Path) -> Path:
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.6, 4.0))
    a.plot(df["year"], df["c_centre"], marker="o", ms=3, color="#1f4e79", label="Innovation centres")
    a.plot(df["year"], df["c_periphery"], marker="o", ms=3, color="#c55a11", label="Periphery")
    a.set_xlabel("Year")
    a.set_ylabel("Technical complementarity (mean)")
    a.set_title("(a) Technical complementarity", fontsize=9)
    a.legend(frameon=False, fontsize=8)
    b.plot(df["year"], df["c_centre"] - df["c_periphery"], marker="o", ms=3, color="#1f4e79",
           label="C gap (centre - periphery)")
    b.plot(df["year"], df["dvar_centre"] - df["dvar_periphery"], marker="s", ms=3, color="#c0504d", ls="--",
           label="DVAR gap (centre - periphery)")
    b.axhline(0, color="grey", lw=0.8)
    b.set_xlabel("Year")
    b.set_ylabel("Gap, centre minus periphery")
    b.set_title("(b) Gaps in complementarity and DVAR", fontsize=9)
    b.legend(frameon=False, fontsize=8)
    fig.suptitle(CAPTIONS["fig5"], fontsize=10)
    return _save(fig, path)


# ---------------------------------------------------------------------------
# all of §7
# ---------------------------------------------------------------------------

@dataclass
class StylisedFacts:
    tables: dict[str, RenderedTable] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


_NEEDS = {
    "fig1": (SURVEY, INDUSTRIES), "fig2": (COMPLEMENTARITY, INDUSTRIES), "table1": (COMPLEMENTARITY,),
    "table2": (PANEL,), "table3": (PANEL,), "fig3": (PANEL,), "fig4": (PANEL,), "fig5": (PANEL,),
}


def stylised_facts(con: duckdb.DuckDBPyConnection, figures_dir: Path, year_start: int = 2000,
                   year_end: int = 2014, exclude_years: tuple[int, ...] = ()) -> StylisedFacts:
    """Compute Figs 1-5 and Tables 1-3; what lacks its input table is listed in ``missing``.
    The figures by year leave ``exclude_years`` (METHOD's sample) out as gaps, as
    every year the series has no value for."""
    res = StylisedFacts()
    figures_dir = Path(figures_dir)
    for key, needs in _NEEDS.items():
        absent = [t for t in needs if not _has(con, t)]
        if absent:
            res.missing[key] = "missing warehouse table " + ", ".join(absent)
            continue
        try:
            _one(con, key, figures_dir, year_start, year_end, res, tuple(exclude_years))
        except (duckdb.Error, KeyError, ValueError, IndexError) as err:  # a partial warehouse
            res.missing[key] = f"{type(err).__name__}: {err}"
    return res


def with_gaps(df: pd.DataFrame, exclude: tuple[int, ...] = (), by: str | None = None) -> pd.DataFrame:
    """A by-year series with a row for every year from its first to its last
    (per ``by`` group), values NaN in the years it lacks and in ``exclude``:
    a line drawn from it breaks there instead of joining across the gap."""
    if df.empty:
        return df
    years = range(int(df["year"].min()), int(df["year"].max()) + 1)
    values = [c for c in df.columns if c not in ("year", by)]
    out = []
    for key, d in (df.groupby(by, sort=False) if by else [(None, df)]):
        d = d.set_index("year").reindex(years)
        d.loc[d.index.isin(exclude), values] = np.nan
        if by:
            d[by] = key
        out.append(d.rename_axis("year").reset_index())
    return pd.concat(out, ignore_index=True)[df.columns]


def _one(con, key: str, figs: Path, y0: int, y1: int, res: StylisedFacts, exclude: tuple[int, ...] = ()) -> None:
    if key == "fig1":
        df = with_gaps(hhi_by_intensity(con, SURVEY, "output", y0, y1), exclude, "tech_intensity")
        res.frames[key] = df
        res.figures[key] = plot_hhi(df, figs / "fig1.png", CAPTIONS["fig1"], "Output HHI across cities (industry mean)")
        res.notes[key] = ("HHI of survey output across prefecture cities per 2-digit industry and year "
                          "(paper fn 7), averaged over the industries of each technology-intensity group.")
    elif key == "fig2":
        df = with_gaps(hhi_by_intensity(con, COMPLEMENTARITY, "invention_patents", y0, y1), exclude, "tech_intensity")
        res.frames[key] = df
        res.figures[key] = plot_hhi(df, figs / "fig2.png", CAPTIONS["fig2"],
                                    "Invention-patent HHI across cities (industry mean)")
        res.notes[key] = ("HHI of invention patents (industry-weighted counts) across cities per industry and "
                          "year, averaged within each technology-intensity group.")
    elif key == "table1":
        res.tables[key], res.frames[key] = table1(con)
    elif key == "table2":
        res.tables[key], res.frames[key] = table2(con)
    elif key == "table3":
        res.tables[key], res.frames[key] = table3(con)
    elif key == "fig3":
        df, slope, intercept = binned_scatter_frame(con)
        res.frames[key] = df
        res.figures[key] = plot_binned_scatter(df, slope, intercept, figs / "fig3.png")
        res.notes[key] = ("Binned scatter: mean DVAR in 20 quantile bins of C over the panel's firm-years, "
                          "raw (not residualised on firm and year fixed effects); line: OLS on all firm-years.")
    elif key == "fig4":
        df = with_gaps(theil_by_year_frame(con), exclude)
        res.frames[key] = df
        res.figures[key] = plot_theil(df, figs / "fig4.png")
        corr = df["mean_c"].corr(df["theil_dvar"]) if len(df) > 2 else float("nan")
        res.notes[key] = (f"Mean C over firm-years and the Theil T index of firm DVAR, by year; correlation of "
                          f"the two series {corr:.2f}.")
    elif key == "fig5":
        df = with_gaps(centre_periphery_frame(con), exclude)
        res.frames[key] = df
        res.figures[key] = plot_centre_periphery(df, figs / "fig5.png")
        res.notes[key] = ("Innovation centres: the 20 cities of the paper's fn 10 (fct_firm_panel.innovation_center); "
                          "means over firm-years.")
