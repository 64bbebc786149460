"""Monte Carlo over synthetic worlds: the study's estimators against the generator's truth.

``gvc montecarlo --scale tiny --seeds 20`` draws worlds of seeds S..S+N-1
and runs on each the estimators the Dagster assets run, on the generator's
own analysis panel and production inputs (:mod:`analytics.synth.panel`: the
tables the marts equal, without a warehouse per world). A world is made in
memory (:func:`analytics.synth.world.generate_in_memory`: the tables
``gvc synth`` would write for the seed, each as it would read back from its
file, and their truth, without the contract's validation of the files) and
dropped after its draw, so a draw equals the one on the written files
(tests/integration/test_montecarlo_tiny.py checks seed 1). A tiny draw takes
about 4 s on a quiet machine (about 3 s to make the world, 1 s to estimate
with 49 bootstrap draws), a demo draw about a minute:

- ``beta``: Table 7 (3), 2SLS of DVAR on C instrumented by IV_jkt
  (``2sls``), and Table 4 (3), OLS with the same controls (``ols``: the
  baseline, biased toward zero by the city-industry shock), each under firm
  and city x industry clustering (Table 7 (3b), Table 5 (5b));
- ``instrument`` and ``kp_f``: the first stage of Table 7 (1), the
  instrument's coefficient and the Kleibergen-Paap rk Wald F (the truth
  states neither);
- ``placebo_complementarity``: Table 5 (5), the placebo industry's C (truth 0);
- the pooled production parameters of ``analytics.parameter_estimates``
  (``op``: beta_l, beta_k, beta_m; ``dlw``: markup_mean; ``ar1_iv``: the TFP
  channel beta_tfp and productivity's persistence omega_rho, with the firm
  block bootstrap's standard errors) and the KSW quality slope of
  ``analytics.quality_recovery`` (``ksw``, firm-clustered; 1 by design).

The truth of each parameter comes from the world's ``truth.json`` (the mean
markup is the world's realised one, so it varies by seed); the estimators
never see it. Every number of a draw follows from the world's seed alone
(the production bootstrap draws from it too), so the draws are the same
whatever the number of worker processes.

Settings (:class:`analytics.settings.MethodSettings`): the panel is
winsorised as ``fct_firm_panel`` is (``winsorisation``, ``winsor_lower``,
``winsor_upper``; DVAR outside [0, 1] dropped), and the production side uses
``depreciation``, ``kqs_sigma`` and ``production_bootstrap_draws``. DVAR and
C are the generator's own METHOD §1-§4 at the default switches (its
``truth/`` tables, which the marts equal).

:func:`summarise` turns the draws into one row per parameter x estimator x
clustering: ``truth`` (the mean of the seeds' true values), ``n`` (seeds
with an estimate), ``mean``, ``bias`` (mean of estimate - truth), ``rmse``,
``mean_se``, ``sd`` (of the estimates, ddof 1) and ``coverage`` (share of the
seeds with a standard error whose ``estimate +/- 1.96 se`` covers the truth;
for the placebo, 1 - the rejection rate of a 5% test).

Heavy imports (the generator, pyfixest, the estimators) are made inside
:func:`draw_seed`, so the report can read a run's outputs without them; the
report's table writers are imported where used, as the report imports this
module.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import multiprocessing
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.settings import MethodSettings

if TYPE_CHECKING:
    from analytics.report.tables import RenderedTable
    from analytics.synth.rawroot import RawRoot

__all__ = [
    "DRAW_COLUMNS",
    "SUMMARY_COLUMNS",
    "PARAMETERS",
    "Z95",
    "draw_seed",
    "world_estimates",
    "run_montecarlo",
    "summarise",
    "rendered_table",
    "write_outputs",
    "latest_run",
    "progress_line",
]

Progress = Callable[[str], None]

Z95 = 1.959963984540054
DRAW_COLUMNS = ["seed", "parameter", "estimator", "cluster", "truth", "estimate", "std_error", "n_obs"]
SUMMARY_COLUMNS = ["parameter", "estimator", "cluster", "truth", "n", "mean", "bias", "rmse", "mean_se", "sd",
                   "coverage"]
CLUSTERS = ("firm", "city_industry")
#: (parameter, estimator, cluster) in the order of the table
PARAMETERS: tuple[tuple[str, str, str], ...] = (
    *(("beta", "2sls", c) for c in CLUSTERS),
    *(("beta", "ols", c) for c in CLUSTERS),
    *(("instrument", "first_stage", c) for c in CLUSTERS),
    *(("kp_f", "first_stage", c) for c in CLUSTERS),
    *(("placebo_complementarity", "placebo", c) for c in CLUSTERS),
    ("beta_l", "op", "firm"),
    ("beta_k", "op", "firm"),
    ("beta_m", "op", "firm"),
    ("markup_mean", "dlw", "firm"),
    ("tfp_channel", "ar1_iv", "firm"),
    ("omega_rho", "ar1_iv", "firm"),
    ("quality_slope", "ksw", "firm"),
)
#: the estimator label of each parameter of ``analytics.parameter_estimates``
POOLED_ESTIMATORS: dict[str, str] = {"beta_l": "op", "beta_k": "op", "beta_m": "op", "markup_mean": "dlw",
                                     "tfp_channel": "ar1_iv"}
#: where each parameter's true value sits in truth.json (the others: DESIGN_TRUTH)
TRUTH_KEYS: dict[str, tuple[str, str]] = {
    "beta": ("params", "beta"),
    "beta_l": ("production_truth", "beta_l"),
    "beta_k": ("production_truth", "beta_k"),
    "beta_m": ("production_truth", "beta_m"),
    "markup_mean": ("production_truth", "markup_mean"),
    "tfp_channel": ("params", "beta_tfp"),
    "omega_rho": ("params", "omega_rho"),
}
#: true values set by the design, not written in truth.json
DESIGN_TRUTH: dict[str, float] = {"placebo_complementarity": 0.0, "quality_slope": 1.0}


# ---------------------------------------------------------------------------
# one seed
# ---------------------------------------------------------------------------

def _truth_of(parameter: str, truth: dict) -> float:
    if parameter in DESIGN_TRUTH:
        return DESIGN_TRUTH[parameter]
    if parameter not in TRUTH_KEYS:
        return math.nan
    group, name = TRUTH_KEYS[parameter]
    return float(truth.get(group, {}).get(name, math.nan))


def _row(rows: pd.DataFrame, column_id: str, term: str) -> tuple[float, float, float]:
    """(estimate, std_error, n_obs) of one term of a column's contract rows (NaN if absent)."""
    hit = rows[(rows["column_id"] == column_id) & (rows["term"] == term)]
    if hit.empty:
        return math.nan, math.nan, math.nan
    r = hit.iloc[0]
    n = r["n_obs"]
    return float(r["estimate"]), float(r["std_error"]), float(n) if pd.notna(n) else math.nan


def study_estimates(panel: pd.DataFrame) -> list[dict]:
    """The study's side of one draw: 2SLS, OLS, first stage and placebo under
    firm and city x industry clustering, from the specifications of the
    Table 4/5/7 assets (:mod:`analytics.study`)."""
    from analytics.study.baseline import placebo_spec, table4_specs
    from analytics.study.iv import first_stage_rows, first_stage_spec, iv_spec
    from analytics.study.spec import run_spec_reclustered, to_frame

    out = []

    def add(parameter, estimator, cluster, rows, column_id, term):
        est, se, n = _row(rows, column_id, term)
        out.append(dict(parameter=parameter, estimator=estimator, cluster=cluster, estimate=est, std_error=se,
                        n_obs=n))

    iv = to_frame(run_spec_reclustered(panel, iv_spec(), "city_industry", "3b")[1])
    ols_spec = next(s for s in table4_specs() if s.column_id == "3")
    ols = to_frame(run_spec_reclustered(panel, ols_spec, "city_industry", "3b")[1])
    fs = {c: to_frame(first_stage_rows(panel, first_stage_spec(cluster=c))) for c in CLUSTERS}
    placebo = to_frame(run_spec_reclustered(panel, placebo_spec(), "city_industry", "5b")[1])
    for cluster, col in (("firm", "3"), ("city_industry", "3b")):
        add("beta", "2sls", cluster, iv, col, "complementarity")
    for cluster, col in (("firm", "3"), ("city_industry", "3b")):
        add("beta", "ols", cluster, ols, col, "complementarity")
    for cluster in CLUSTERS:
        add("instrument", "first_stage", cluster, fs[cluster], "1", "instrument")
    for cluster in CLUSTERS:
        add("kp_f", "first_stage", cluster, fs[cluster], "1", "kp_rk_wald_f")
    for cluster, col in (("firm", "5"), ("city_industry", "5b")):
        add("placebo_complementarity", "placebo", cluster, placebo, col, "placebo_complementarity")
    return out


def production_estimates(inputs: dict[str, pd.DataFrame], settings: MethodSettings, seed: int) -> list[dict]:
    """The production side of one draw: what ``analytics.parameter_estimates``
    and ``analytics.quality_recovery`` compute (the same functions), with the
    bootstrap seeded by the world's ``seed``. omega_rho's standard error is
    the sd of the bootstrap's rho, as parameter_table's for the others."""
    from analytics import measures as ms

    opts = ms.ProductionOptions(depreciation=settings.depreciation, seed=seed,
                                n_boot=settings.production_bootstrap_draws, prices=settings.production_prices)
    survey = inputs["survey"]
    frame = ms.production_frame(survey, opts)
    c_rows = ms.attach_complementarity(frame[["panel_firm_id", "year", "industry_code"]], survey, inputs["cells"])
    out = []
    try:
        point, draws = ms.bootstrap_estimates(frame, opts, c_rows[["panel_firm_id", "year", "complementarity"]])
    except ValueError:  # not estimable (the asset writes no rows then)
        point, draws = {}, pd.DataFrame()
    table = ms.parameter_table(point, draws, opts, "analytics/parameter_estimates", "").set_index("parameter")
    for parameter in ms.PARAMETERS:
        r = table.loc[parameter] if parameter in table.index else None
        out.append(dict(parameter=parameter, estimator=POOLED_ESTIMATORS[parameter], cluster="firm",
                        estimate=math.nan if r is None else float(r["estimate"]),
                        std_error=math.nan if r is None else float(r["std_error"]),
                        n_obs=math.nan if r is None else float(r["n_obs"])))
    rho = draws["rho"].dropna().to_numpy() if "rho" in draws else np.array([])
    out.append(dict(parameter="omega_rho", estimator="ar1_iv", cluster="firm",
                    estimate=float(point.get("rho", math.nan)),
                    std_error=float(np.std(rho, ddof=1)) if len(rho) > 1 else math.nan,
                    n_obs=float(point.get("n_tfp_channel", math.nan))))
    quality = ms.firm_year_quality(inputs["lines"], sigma=settings.kqs_sigma)
    slope = ms.quality_slope(quality[["panel_firm_id", "year", "log_quality"]], inputs["quality_truth"])
    out.append(dict(parameter="quality_slope", estimator="ksw", cluster="firm", estimate=float(slope["estimate"]),
                    std_error=float(slope["std_error"]), n_obs=float(slope["n_obs"])))
    return out


def study_panel(root: RawRoot, survey: pd.DataFrame, settings: MethodSettings) -> pd.DataFrame:
    """The generator's analysis panel under the panel rules of the mart: DVAR
    in [0, 1] (the generator panel's rule; ``dvar_out_of_range = "drop"``) and
    the continuous columns winsorised per the settings, as
    ``fct_firm_panel`` and the specification curve do. ``root``: a world's
    folder or its :class:`~analytics.synth.rawroot.MemoryRoot`."""
    from analytics.study.spec_panels import WINSORISED_COLUMNS, winsorise
    from analytics.synth.panel import analysis_panel

    p = analysis_panel(root, survey)
    by = "year" if settings.winsorisation == "per_year" else None
    return winsorise(p, [c for c in WINSORISED_COLUMNS if c in p.columns], settings.winsor_lower,
                     settings.winsor_upper, by=by)


def world_estimates(root: RawRoot, seed: int, settings: MethodSettings) -> list[dict]:
    """Every estimate of the world in ``root`` (its folder or its memory root)
    with its true value from the world's truth.json: the records of
    :func:`draw_seed`."""
    from analytics.synth.panel import production_inputs
    from analytics.synth.rawroot import read_text

    truth = json.loads(read_text(root, "truth.json"))
    inputs = production_inputs(root)
    panel = study_panel(root, inputs["survey"], settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        records = study_estimates(panel) + production_estimates(inputs, settings, seed)
    return [{"seed": seed, **r, "truth": _truth_of(r["parameter"], truth)} for r in records]


def draw_seed(seed: int, scale: str = "tiny", settings: MethodSettings | None = None,
              world: dict | None = None) -> list[dict]:
    """Every estimate of one world (seed ``seed``, scale ``scale``) with its
    true value: a list of records in :data:`DRAW_COLUMNS`. ``world``: generator
    parameters to change (``generate``'s overrides), for design experiments.

    The world is made in memory (:func:`analytics.synth.world.generate_in_memory`:
    the tables ``gvc synth`` would write for the seed, as they would read back,
    and their truth) and dropped after the draw.
    """
    from analytics.synth.world import generate_in_memory

    root, _ = generate_in_memory(scale=scale, seed=seed, overrides=world)
    return world_estimates(root, seed, settings or MethodSettings())


def _timed_draw(seed: int, scale: str, settings: MethodSettings, world: dict | None = None
                ) -> tuple[int, list[dict], float]:
    t0 = time.perf_counter()
    records = draw_seed(seed, scale, settings, world)
    return seed, records, time.perf_counter() - t0


def _fmt(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def progress_line(seed: int, done: int, total: int, records: list[dict], seconds: float) -> str:
    """``seed 7 (3/20): beta 2sls 0.214 (0.041) [city x industry se 0.052], ols ..., 3.1 s``."""
    got = {(r["parameter"], r["estimator"], r["cluster"]): r for r in records}

    def est(key) -> str:
        r = got.get(key)
        return "n/a" if r is None else f"{_fmt(r['estimate'])} ({_fmt(r['std_error'])})"

    ci_se = got.get(("beta", "2sls", "city_industry"), {}).get("std_error", math.nan)
    f = got.get(("kp_f", "first_stage", "firm"), {}).get("estimate", math.nan)
    return (f"seed {seed} ({done}/{total}): beta 2sls {est(('beta', '2sls', 'firm'))} "
            f"[city x industry se {_fmt(ci_se)}], ols {est(('beta', 'ols', 'firm'))}, KP F {_fmt(f, 1)}, "
            f"placebo {est(('placebo_complementarity', 'placebo', 'city_industry'))}, "
            f"tfp channel {est(('tfp_channel', 'ar1_iv', 'firm'))}, {seconds:.1f} s")


def run_montecarlo(scale: str, seeds: int, first_seed: int = 1, jobs: int = 1,
                   settings: MethodSettings | None = None, progress: Progress | None = None,
                   world: dict | None = None) -> pd.DataFrame:
    """Draw the worlds of seeds ``first_seed .. first_seed + seeds - 1`` and
    return every estimate (:data:`DRAW_COLUMNS`, ordered by seed and
    :data:`PARAMETERS`). ``jobs`` > 1 draws seeds in that many spawned worker
    processes; the draws do not depend on it. ``world``: generator parameters
    changed in every world (:func:`world_overrides`)."""
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    settings = settings or MethodSettings()
    say = progress or (lambda _m: None)
    todo = list(range(first_seed, first_seed + seeds))
    records: list[dict] = []
    if jobs == 1:
        for done, seed in enumerate(todo, 1):
            _, recs, secs = _timed_draw(seed, scale, settings, world)
            records += recs
            say(progress_line(seed, done, len(todo), recs, secs))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx) as pool:
            futures = [pool.submit(_timed_draw, seed, scale, settings, world) for seed in todo]
            for done, fut in enumerate(as_completed(futures), 1):
                seed, recs, secs = fut.result()
                records += recs
                say(progress_line(seed, done, len(todo), recs, secs))
    return order_draws(pd.DataFrame(records, columns=DRAW_COLUMNS))


def order_draws(draws: pd.DataFrame) -> pd.DataFrame:
    """Draws by seed, then in the order of :data:`PARAMETERS`."""
    rank = {k: i for i, k in enumerate(PARAMETERS)}
    key = [rank.get((p, e, c), len(rank)) for p, e, c in zip(draws["parameter"], draws["estimator"],
                                                            draws["cluster"].fillna(""))]
    out = draws.assign(_rank=key).sort_values(["seed", "_rank"], kind="mergesort")
    return out.drop(columns="_rank").reset_index(drop=True)[DRAW_COLUMNS]


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------

def summarise(draws: pd.DataFrame) -> pd.DataFrame:
    """One row per (parameter, estimator, cluster), in the order the draws
    first name them: :data:`SUMMARY_COLUMNS` (see the module doc)."""
    d = draws.copy()
    d["cluster"] = d["cluster"].fillna("")
    rows = []
    for (parameter, estimator, cluster), g in d.groupby(["parameter", "estimator", "cluster"], sort=False):
        est = g["estimate"].to_numpy(dtype=float)
        se = g["std_error"].to_numpy(dtype=float)
        truth = g["truth"].to_numpy(dtype=float)
        ok = np.isfinite(est)
        n = int(ok.sum())
        has_truth = ok & np.isfinite(truth)
        err = est[has_truth] - truth[has_truth]
        with_se = has_truth & np.isfinite(se)
        covered = np.abs(est[with_se] - truth[with_se]) <= Z95 * se[with_se]
        ses = se[ok & np.isfinite(se)]
        rows.append({
            "parameter": parameter, "estimator": estimator, "cluster": cluster,
            "truth": float(truth[np.isfinite(truth)].mean()) if np.isfinite(truth).any() else math.nan,
            "n": n,
            "mean": float(est[ok].mean()) if n else math.nan,
            "bias": float(err.mean()) if len(err) else math.nan,
            "rmse": float(np.sqrt((err**2).mean())) if len(err) else math.nan,
            "mean_se": float(ses.mean()) if len(ses) else math.nan,
            "sd": float(est[ok].std(ddof=1)) if n > 1 else math.nan,
            "coverage": float(covered.mean()) if len(covered) else math.nan,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------

def _cell(x, digits: int = 3) -> str:
    if isinstance(x, str):
        return x
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if 0 < abs(x) < 10 ** -digits:  # e.g. a first-stage coefficient: its digits, not 0.000
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def _seed_range(meta: dict) -> str:
    first, n = int(meta["first_seed"]), int(meta["seeds"])
    return f"seed {first}" if n == 1 else f"seeds {first}-{first + n - 1}"


def _wall(meta: dict) -> str:
    secs = meta.get("wall_seconds")
    return f", {secs:.0f} s wall" if isinstance(secs, (int, float)) and np.isfinite(secs) else ""


def rendered_table(summary: pd.DataFrame, meta: dict) -> RenderedTable:
    """The summary as a report table (Markdown, LaTeX and HTML writers of
    :mod:`analytics.report.tables`), its note saying what the columns mean."""
    from analytics.report.tables import RenderedTable
    body = [[_cell(r[c]) for c in SUMMARY_COLUMNS] for _, r in summary.iterrows()]
    note = (f"Monte Carlo over {meta['seeds']} synthetic {meta['scale']} worlds ({_seed_range(meta)}), "
            f"finished {meta['finished']}{_wall(meta)}"
            + (f", every world with {', '.join(f'{k} = {v}' for k, v in meta['world'].items())} instead of the "
               "generator's default" if meta.get("world") else "")
            + ". truth: the generator's value "
            "(mean over seeds); n: seeds with an estimate; bias: mean of estimate - truth; rmse: root mean "
            "squared error; mean_se: mean standard error; sd: standard deviation of the estimates; coverage: "
            "share of seeds whose estimate +/- 1.96 se covers the truth (placebo: 1 - rejection rate at 5%). "
            "Standard errors: CRV1 by cluster; production parameters by a firm block bootstrap; quality slope "
            "firm-clustered. First-stage rows have no truth.")
    return RenderedTable("montecarlo", f"Monte Carlo: estimators against the truth, {meta['scale']} worlds",
                         [SUMMARY_COLUMNS], [body], note)


def plot_draws(draws: pd.DataFrame, summary: pd.DataFrame, path: Path) -> Path:
    """One panel per (parameter, estimator): the seeds' estimates as a strip
    (jittered dots), the truth as a vertical red line, their mean dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = draws.copy()
    d["cluster"] = d["cluster"].fillna("")
    panels = []
    for (p, e), g in d.groupby(["parameter", "estimator"], sort=False):
        g = g[g["cluster"] == g["cluster"].iloc[0]]  # the estimate is the same under every clustering
        est = g["estimate"].to_numpy(dtype=float)
        if np.isfinite(est).any():
            panels.append((p, e, est[np.isfinite(est)], g["truth"].to_numpy(dtype=float)))
    ncol = 4
    nrow = max(1, math.ceil(len(panels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 2.1 * nrow), squeeze=False)
    jitter = np.random.default_rng(0)
    for ax, (p, e, est, truth) in zip(axes.ravel(), panels):
        ax.scatter(est, jitter.uniform(-0.3, 0.3, len(est)), s=14, alpha=0.7, color="#1f4e79")
        if np.isfinite(truth).any():
            ax.axvline(float(np.nanmean(truth)), color="#b42318", lw=1.6, label="truth")
        ax.axvline(float(est.mean()), color="#222", lw=1, ls="--", label="mean")
        ax.set_title(f"{p} ({e})", fontsize=9)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    if panels:
        axes.ravel()[0].legend(fontsize=7, loc="upper right")
    n = int(draws["seed"].nunique())
    fig.suptitle(f"Monte Carlo: estimates over {n} worlds (red: truth, dashed: mean)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def write_outputs(out: Path | str, draws: pd.DataFrame, meta: dict) -> dict[str, Path]:
    """Write ``montecarlo.csv`` (the summary), ``draws.csv``, ``montecarlo.md``,
    ``montecarlo.tex``, ``montecarlo.png`` and ``montecarlo.json`` (the run:
    scale, seeds, jobs, wall time, when it finished) into ``out``."""
    from analytics.report.tables import to_latex, to_markdown

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(draws)
    table = rendered_table(summary, meta)
    caption = f"Monte Carlo over {meta['seeds']} {meta['scale']} worlds ({_seed_range(meta)})"
    paths = {"csv": out / "montecarlo.csv", "draws": out / "draws.csv", "md": out / "montecarlo.md",
             "tex": out / "montecarlo.tex", "png": out / "montecarlo.png", "json": out / "montecarlo.json"}
    summary.to_csv(paths["csv"], index=False)
    draws.to_csv(paths["draws"], index=False)
    paths["md"].write_text(f"**{caption}**\n\n" + to_markdown(table))
    paths["tex"].write_text(to_latex(table, caption))
    plot_draws(draws, summary, paths["png"])
    paths["json"].write_text(json.dumps(meta, indent=1) + "\n")
    return paths


def run_meta(scale: str, seeds: int, first_seed: int, jobs: int, wall_seconds: float,
             world: dict | None = None) -> dict:
    world = dict(world or {})
    return {"scale": scale, "seeds": int(seeds), "first_seed": int(first_seed), "jobs": int(jobs),
            "wall_seconds": round(float(wall_seconds), 1), "world": world,
            "finished": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "command": f"gvc montecarlo --scale {scale} --seeds {seeds} --first-seed {first_seed} --jobs {jobs}"
                       + "".join(f" --world {k}={json.dumps(v)}" for k, v in world.items())}


def world_overrides(items: list[str]) -> dict:
    """``KEY=VALUE`` pairs as generator overrides: KEY a field of
    :class:`~analytics.synth.config.SynthParams` (or ``scale.<field>``),
    VALUE read as JSON (a number, ``null``, a list), else as text."""
    import dataclasses

    from analytics.synth.config import Scale, SynthParams

    known = {f.name for f in dataclasses.fields(SynthParams)} - {"seed", "scale"}
    known |= {f"scale.{f.name}" for f in dataclasses.fields(Scale)}
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or key not in known:
            raise ValueError(f"--world {item!r}: expected KEY=VALUE with KEY a generator parameter "
                             f"(e.g. patent_free_cells=0.4); known: {', '.join(sorted(known))}")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def latest_run(folder: Path | str) -> tuple[pd.DataFrame, dict] | None:
    """The summary and the run record of the Monte Carlo written to ``folder``, or None."""
    folder = Path(folder)
    csv, record = folder / "montecarlo.csv", folder / "montecarlo.json"
    if not csv.exists():
        return None
    summary = pd.read_csv(csv, keep_default_na=True, dtype={"cluster": str})
    summary["cluster"] = summary["cluster"].fillna("")
    if record.exists():
        meta = json.loads(record.read_text())
    else:  # a summary without its run record: the seeds from its draws, the date from the file
        seeds = pd.read_csv(folder / "draws.csv", usecols=["seed"])["seed"] if (folder / "draws.csv").exists() \
            else pd.Series([], dtype=int)
        meta = {"scale": "?", "seeds": int(seeds.nunique()), "first_seed": int(seeds.min()) if len(seeds) else 0,
                "finished": _dt.datetime.fromtimestamp(csv.stat().st_mtime).strftime("%Y-%m-%d %H:%M"),
                "wall_seconds": math.nan, "command": "gvc montecarlo"}
    return summary, meta

