"""The Dagster UI in a real browser: `gvc ui` over a tiny warehouse on
127.0.0.1; open the asset graph, find the marts, launch the materialisation
of one year partition of fct_firm_year_dvar from its page and wait for the
run's success; then two warehouses side by side, each UI showing its own
Table 7. Screenshots in tests/artifacts/."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import duckdb

from tests.ui_server import running_ui

PARTITION = "2004"


def graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["data"]


RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"


def runs(base: str) -> list[dict]:
    return graphql(base, RUNS)["runsOrError"]["results"]


def dismiss_modals(page) -> None:
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.first.click()


def materialise_partition(page, base: str, asset: str, partition: str) -> None:
    """From the asset's page: Materialize..., a custom partition, launch."""
    page.goto(f"{base}/assets/{asset}", wait_until="networkidle")
    dismiss_modals(page)
    page.get_by_role("button", name="Materialize…").click()
    confirm = page.get_by_role("button", name="Confirm")  # "upstream never materialised" in a fresh instance
    try:
        confirm.wait_for(timeout=5_000)
        confirm.click()
    except Exception:  # noqa: BLE001 - no warning: the launch dialog comes straight away
        pass
    dialog = page.get_by_role("dialog").filter(has_text="Launch runs to materialize").first
    dialog.get_by_role("button", name="Custom").click()
    # the partition picker: a menu of checkboxes; clear it, then tick the one year
    dialog.get_by_text(re.compile(r"^(\d+ partitions? selected|Select a partition or create one)$")).first.click()
    select_all = page.get_by_role("menuitem", name=re.compile(r"^Select all"))
    for _ in range(2):
        if _selected(dialog) == 0:
            break
        select_all.click()
    page.get_by_role("menuitem", name=re.compile(f"^{partition}\\b")).first.click()
    page.keyboard.press("Escape")  # close the picker, not the dialog
    assert _selected(dialog) == 1, dialog.inner_text()
    dialog.get_by_role("button", name=re.compile("^Launch")).first.click()


def _selected(dialog) -> int:
    """The dialog's count of selected partitions ("14 partitions", "1 partition")."""
    m = re.search(r"Partition selection\s+(\d+) partitions?", dialog.inner_text())
    return int(m.group(1)) if m else -1


def wait_for_success(base: str, before: set[str], timeout: float = 400) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = [r for r in runs(base) if r["runId"] not in before]
        done = [r for r in new if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        if done:
            return done[0]
        time.sleep(3)
    raise AssertionError(f"no run finished within {timeout:.0f} s: {runs(base)}")


def test_ui_materialises_one_year_partition(tiny_warehouse, tmp_path, page, artifacts):
    root, wh = tiny_warehouse
    wh2 = tmp_path / "warehouse.duckdb"
    shutil.copy2(wh, wh2)
    with running_ui(root, wh2, tmp_path / "ui.log", home=tmp_path / "dagster_home") as base:
        # the asset graph, grouped; the marts group holds the contract's marts
        page.goto(f"{base}/asset-groups/marts/lineage", wait_until="networkidle")
        dismiss_modals(page)
        for group in ("raw", "trade", "firms", "patents", "marts", "panel", "production", "estimation", "report"):
            page.get_by_text(group, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "dagster_ui_asset_graph.png"))
        # find the contract's marts through the sidebar's filter
        page.get_by_placeholder("Jump to…").fill("fct_")
        # (names the sidebar shows whole: a long one is truncated, its full text sits in a hidden measure)
        for mart in ("fct_firm_year_dvar", "fct_data_quality", "fct_firm_panel"):
            page.get_by_text(mart, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "dagster_ui_marts.png"))

        before_rows = _count(wh2, "year <> 2004")
        before = {r["runId"] for r in runs(base)}
        materialise_partition(page, base, "fct_firm_year_dvar", PARTITION)
        run = wait_for_success(base, before)
        page.goto(f"{base}/runs/{run['runId']}", wait_until="networkidle")
        page.wait_for_timeout(2_000)
        page.screenshot(path=str(artifacts / "dagster_ui_partition_run.png"))
        assert run["status"] == "SUCCESS", (tmp_path / "ui.log").read_text()[-5000:]
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert tags.get("dagster/partition") == PARTITION, tags
    # the run wrote that year only
    assert _count(wh2, "year <> 2004") == before_rows and _count(wh2, "year = 2004") > 0


def _count(wh: Path, where: str) -> int:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(f"select count(*) from marts.fct_firm_year_dvar where {where}").fetchone()[0]
    finally:
        con.close()


TABLE7 = "estimation/table7"
HEADLINE = "select estimate from marts.fct_regression_results where table_id = 'table7' and column_id = '3' " \
           "and term = 'complementarity'"


def _headline(wh: Path) -> float:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(HEADLINE).fetchone()[0]
    finally:
        con.close()


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
    a, b = _headline(wh["a"]), _headline(wh["b"])
    assert abs(b - a / 2) <= 1e-9 * abs(a) and abs(a) > 1e-6  # the panels differ as made
    for what, numbers in {"a": shown["a"], "b": shown["b"], "a after b's run": again}.items():
        mine, other = (a, b) if what.startswith("a") else (b, a)
        assert any(abs(x - mine) <= 1e-6 * abs(mine) for x in numbers), (what, mine, numbers)
        assert not any(abs(x - other) <= 1e-6 * abs(other) for x in numbers), (what, other, numbers)
