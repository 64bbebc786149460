"""The Dagster UI of two warehouses in a real browser: `gvc ui --warehouse A`
and `--warehouse B` side by side on 127.0.0.1, each with its own run history,
each showing its own Table 7 after a run launched from it. Screenshots in
tests/artifacts/."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import duckdb

from tests.ui_server import dismiss_modals, running_ui, runs, wait_for_success
from tests.warehouses import headline

TABLE7 = "estimation/table7"


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text)]


def _estimate_page(page, base: str, screenshot: Path | None = None) -> list[float]:
    """The numbers Table 7's asset page shows, its metadata's estimate scrolled into view."""
    page.goto(f"{base}/assets/{TABLE7}", wait_until="networkidle")
    key = page.get_by_text("estimate", exact=True).first
    key.wait_for(timeout=60_000)
    key.scroll_into_view_if_needed()
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    return _numbers(page.inner_text("body"))


def materialise(page, base: str, asset: str) -> dict:
    """From the asset's page: Materialize, then wait for the run."""
    before = {r["runId"] for r in runs(base)}
    page.goto(f"{base}/assets/{asset}", wait_until="networkidle")
    dismiss_modals(page)
    page.get_by_role("button").filter(has_text=re.compile(r"^Materialize$")).first.click()
    confirm = page.get_by_role("button", name="Confirm")  # "upstream never materialised": a new instance
    try:
        confirm.wait_for(timeout=5_000)
        confirm.click()
    except Exception:  # noqa: BLE001 - no warning: the run starts straight away
        pass
    return wait_for_success(base, before)


def test_the_ui_of_each_warehouse_shows_its_own_table7(tiny_warehouse, tmp_path, page, artifacts, monkeypatch):
    """Two warehouses, each opened with `gvc ui --warehouse` and its own run
    history (``<warehouse>.dagster``, no DAGSTER_HOME): Table 7 materialised
    from each UI shows that warehouse's headline estimate, B's panel having
    half A's DVAR (so half A's 2SLS coefficient); A's UI, still up after
    B's run, shows A's number and lists A's run only. Each run carries the
    warehouse it wrote as a tag. Screenshots of both pages in tests/artifacts/."""
    root, built = tiny_warehouse
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    wh = {}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        wh[name] = tmp_path / name / "warehouse.duckdb"
        shutil.copy2(built, wh[name])
    with duckdb.connect(str(wh["b"])) as con:
        con.execute("update marts.fct_firm_panel set dvar = dvar / 2")

    shown, run_ids, bases = {}, {}, {}
    with contextlib.ExitStack() as stack:
        for name in ("a", "b"):  # A's UI stays up while B's runs
            bases[name] = base = stack.enter_context(
                running_ui(root, wh[name], tmp_path / f"ui_{name}.log", beside=True))
            run = materialise(page, base, TABLE7)
            assert run["status"] == "SUCCESS", (tmp_path / f"ui_{name}.log").read_text()[-5000:]
            assert {t["key"]: t["value"] for t in run["tags"]}.get("gvc/warehouse") == str(wh[name].resolve())
            run_ids[name] = run["runId"]
            shown[name] = _estimate_page(page, base, artifacts / f"dagster_ui_table7_warehouse_{name}.png")
        # A's UI after B's run: A's number, A's run only
        again = _estimate_page(page, bases["a"])
        assert [r["runId"] for r in runs(bases["a"])] == [run_ids["a"]]
    a, b = headline(wh["a"])[0], headline(wh["b"])[0]
    assert abs(b - a / 2) <= 1e-9 * abs(a) and abs(a) > 1e-6  # the panels differ as made
    for what, numbers in {"a": shown["a"], "b": shown["b"], "a after b's run": again}.items():
        mine, other = (a, b) if what.startswith("a") else (b, a)
        assert any(abs(x - mine) <= 1e-6 * abs(mine) for x in numbers), (what, mine, numbers)
        assert not any(abs(x - other) <= 1e-6 * abs(other) for x in numbers), (what, other, numbers)
