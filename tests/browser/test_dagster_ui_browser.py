"""The Dagster UI in a real browser: `gvc ui` over a tiny warehouse on
127.0.0.1; open the asset graph, find the marts, launch the materialisation
of one year partition of fct_firm_year_dvar from its page and wait for the
run's success. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.ui_server import dismiss_modals, running_ui, runs, wait_for_success

PARTITION = "2004"


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
    # the partition picker: a menu of checkboxes; clear it, then tick the one year. On a
    # loaded machine the menu can be slow to open or close again: retried, each step waited for
    picker = dialog.get_by_text(re.compile(r"^(\d+ partitions? selected|Select a partition or create one)$")).first
    item = page.get_by_role("menuitem", name=re.compile(f"^{partition}\\b")).first
    select_all = page.get_by_role("menuitem", name=re.compile(r"^Select all"))
    for _ in range(4):
        try:
            if not item.is_visible():
                picker.click(timeout=15_000)
            item.wait_for(state="visible", timeout=15_000)
            for _ in range(3):
                if _selected(dialog) == 0:
                    break
                select_all.click(timeout=15_000)
                page.wait_for_timeout(500)  # the dialog's count follows the menu
            # clearing can close the menu under the click (seen on a loaded CI machine): then open it again
            item.click(timeout=10_000)
        except PlaywrightTimeout:  # the menu did not open, or closed: again
            continue
        page.wait_for_timeout(500)
        page.keyboard.press("Escape")  # close the picker, not the dialog
        if _selected(dialog) == 1:
            break
    assert _selected(dialog) == 1, dialog.inner_text()
    dialog.get_by_role("button", name=re.compile("^Launch")).first.click()


def _selected(dialog) -> int:
    """The dialog's count of selected partitions ("14 partitions", "1 partition")."""
    m = re.search(r"Partition selection\s+(\d+) partitions?", dialog.inner_text())
    return int(m.group(1)) if m else -1


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
