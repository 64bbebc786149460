"""The Monte Carlo summary (analytics/montecarlo.py) on hand-made draws:
bias, RMSE, sd, mean SE and coverage by hand, the placebo's coverage as one
minus its rejection rate, and the columns of the CSV, Markdown and LaTeX
outputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analytics.montecarlo import (
    DRAW_COLUMNS,
    SUMMARY_COLUMNS,
    latest_run,
    order_draws,
    rendered_table,
    summarise,
    write_outputs,
)
from analytics.report.tables import to_latex, to_markdown

META = {"scale": "tiny", "seeds": 4, "first_seed": 11, "jobs": 1, "wall_seconds": 42.0,
        "finished": "2026-12-06 10:00", "command": "gvc montecarlo --scale tiny --seeds 4 --first-seed 11"}


def _draws() -> pd.DataFrame:
    rows = []
    # beta, 2SLS by firm: estimates 0.1, 0.2, 0.3, 0.4 of truth 0.2, SEs 0.05, 0.1, 0.1, 0.05
    #   errors -0.1, 0, 0.1, 0.2 -> bias 0.05, rmse sqrt(0.06 / 4); sd of (0.1..0.4) = sqrt(0.05 / 3)
    #   covered: |e| <= 1.96 se -> 0.098 (no), 0 (yes), 0.196 (yes), 0.098 (no) -> 0.5
    for seed, est, se in zip(range(11, 15), (0.1, 0.2, 0.3, 0.4), (0.05, 0.1, 0.1, 0.05)):
        rows.append((seed, "beta", "2sls", "firm", 0.2, est, se, 1000))
    # placebo (truth 0): t = 2.5, -0.5, 1.0, -3.0 -> two of four rejected at 5%: coverage 0.5
    for seed, est in zip(range(11, 15), (0.05, -0.01, 0.02, -0.06)):
        rows.append((seed, "placebo_complementarity", "placebo", "city_industry", 0.0, est, 0.02, 1000))
    # a first-stage F: no truth, no SE; the third seed not estimable
    for seed, est in zip(range(11, 15), (30.0, 50.0, np.nan, 40.0)):
        rows.append((seed, "kp_f", "first_stage", "firm", np.nan, est, np.nan, 1000))
    # a truth that varies by seed (the realised mean markup): errors 0.1, -0.1, 0.1, 0.1
    for seed, est, truth in zip(range(11, 15), (1.4, 1.2, 1.5, 1.4), (1.3, 1.3, 1.4, 1.3)):
        rows.append((seed, "markup_mean", "dlw", "firm", truth, est, 0.04, 500))
    return pd.DataFrame(rows, columns=DRAW_COLUMNS)


def _summary() -> pd.DataFrame:
    return summarise(_draws()).set_index(["parameter", "estimator", "cluster"])


def test_columns_and_order():
    s = summarise(_draws())
    assert list(s.columns) == SUMMARY_COLUMNS
    assert list(s["parameter"]) == ["beta", "placebo_complementarity", "kp_f", "markup_mean"]


def test_bias_rmse_sd_mean_se_coverage_by_hand():
    r = _summary().loc[("beta", "2sls", "firm")]
    assert r["truth"] == pytest.approx(0.2)
    assert r["n"] == 4
    assert r["mean"] == pytest.approx(0.25)
    assert r["bias"] == pytest.approx(0.05)
    assert r["rmse"] == pytest.approx(math.sqrt(0.06 / 4))
    assert r["sd"] == pytest.approx(math.sqrt(0.05 / 3))
    assert r["mean_se"] == pytest.approx(0.075)
    assert r["coverage"] == pytest.approx(0.5)


def test_truth_varying_by_seed():
    r = _summary().loc[("markup_mean", "dlw", "firm")]
    assert r["truth"] == pytest.approx(1.325)
    assert r["bias"] == pytest.approx(0.05)
    assert r["rmse"] == pytest.approx(0.1)
    # |error| 0.1 > 1.96 * 0.04 = 0.0784 in every seed
    assert r["coverage"] == 0.0


def test_placebo_coverage_is_one_minus_the_rejection_rate():
    d = _draws()
    p = d[d["parameter"] == "placebo_complementarity"]
    rejected = (np.abs(p["estimate"] / p["std_error"]) > 1.959963984540054).mean()
    r = _summary().loc[("placebo_complementarity", "placebo", "city_industry")]
    assert rejected == 0.5
    assert r["coverage"] == pytest.approx(1 - rejected)
    assert r["bias"] == pytest.approx(0.0)


def test_no_truth_no_se():
    r = _summary().loc[("kp_f", "first_stage", "firm")]
    assert r["n"] == 3  # the not-estimable seed is left out
    assert r["mean"] == pytest.approx(40.0)
    assert r["sd"] == pytest.approx(10.0)
    for c in ("truth", "bias", "rmse", "mean_se", "coverage"):
        assert np.isnan(r[c]), c


def test_draws_ordered_by_seed_then_parameter():
    d = _draws().sample(frac=1, random_state=3)
    out = order_draws(d)
    assert list(out.columns) == DRAW_COLUMNS
    assert out["seed"].is_monotonic_increasing
    first = out[out["seed"] == 11]
    # the order of analytics.montecarlo.PARAMETERS: beta, first stage, placebo, ..., markup
    assert list(first["parameter"]) == ["beta", "kp_f", "placebo_complementarity", "markup_mean"]


def test_markdown_latex_and_csv(tmp_path):
    paths = write_outputs(tmp_path, _draws(), META)
    csv = pd.read_csv(paths["csv"])
    assert list(csv.columns) == SUMMARY_COLUMNS
    assert len(csv) == 4
    assert list(pd.read_csv(paths["draws"]).columns) == DRAW_COLUMNS
    md = paths["md"].read_text()
    header = next(line for line in md.splitlines() if line.startswith("| parameter"))
    assert [c.strip() for c in header.strip("|").split("|")] == SUMMARY_COLUMNS
    assert "| beta | 2sls | firm | 0.200 | 4 | 0.250 | 0.050 |" in md
    assert "seeds 11-14" in md
    tex = paths["tex"].read_text()
    assert tex.isascii()  # no raw unicode (a Greek beta would stop pdflatex)
    assert r"parameter & estimator & cluster & truth & n & mean & bias & rmse & mean\_se & sd & coverage \\" in tex
    assert r"placebo\_complementarity & placebo & city\_industry" in tex
    assert r"\begin{tabular}" in tex and r"\end{table}" in tex
    assert paths["png"].stat().st_size > 1000
    assert json.loads(paths["json"].read_text())["seeds"] == 4


def test_latest_run_reads_what_was_written(tmp_path):
    assert latest_run(tmp_path) is None
    write_outputs(tmp_path, _draws(), META)
    summary, meta = latest_run(tmp_path)
    assert meta["first_seed"] == 11 and meta["scale"] == "tiny"
    pd.testing.assert_frame_equal(summary, summarise(_draws()), check_dtype=False)
    (tmp_path / "montecarlo.json").unlink()  # without the run record: seeds from draws.csv
    _, meta = latest_run(tmp_path)
    assert (meta["first_seed"], meta["seeds"]) == (11, 4)
    t = rendered_table(summary, meta)
    assert "seeds 11-14" in t.note and "s wall" not in t.note
    assert to_markdown(t) and to_latex(t).isascii()


def test_world_overrides_are_read_checked_and_recorded():
    from analytics.montecarlo import run_meta, world_overrides

    got = world_overrides(["patent_free_cells=0.4", "scale.n_cities=30", "capital_components_missing=[2008]"])
    assert got == {"patent_free_cells": 0.4, "scale.n_cities": 30, "capital_components_missing": [2008]}
    for bad in ("nope=1", "patent_free_cells", "seed=3"):
        with pytest.raises(ValueError, match="generator parameter"):
            world_overrides([bad])
    meta = run_meta("demo", 50, 101, 2, 10.0, {"patent_free_cells": 0.4})
    assert meta["world"] == {"patent_free_cells": 0.4}
    assert meta["command"].endswith("--jobs 2 --world patent_free_cells=0.4")
    assert "every world with patent_free_cells = 0.4" in rendered_table(summarise(_draws()), meta).note
    assert "every world with" not in rendered_table(summarise(_draws()), run_meta("demo", 4, 1, 1, 1.0)).note


def test_every_world_is_drawn_with_the_overrides(monkeypatch):
    """run_montecarlo hands the overrides to the generator of each seed's world."""
    import analytics.synth.world as world_mod
    from analytics.montecarlo import run_montecarlo

    seen = []

    def fake_generate(scale="tiny", seed=1, overrides=None, **kw):
        seen.append((seed, overrides))
        raise RuntimeError("stop here")

    monkeypatch.setattr(world_mod, "generate_in_memory", fake_generate)
    with pytest.raises(RuntimeError, match="stop here"):
        run_montecarlo("tiny", 1, first_seed=7, world={"patent_free_cells": 0.4})
    assert seen == [(7, {"patent_free_cells": 0.4})]


def test_the_command_refuses_an_unknown_world_parameter(capsys):
    from orchestration.cli import main

    assert main(["montecarlo", "--seeds", "1", "--world", "no_such=1"]) == 2
    assert "no_such" in capsys.readouterr().err
