"""The generated dbt docs site in a real browser: find fct_firm_year_dvar and
its lineage (raw sources upstream, the report's exposures downstream)."""

from __future__ import annotations

import functools
import http.server
import socketserver
import threading

from orchestration.cli import main as gvc


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_docs_show_the_dvar_mart_and_its_lineage(tiny_warehouse, tmp_path, page, artifacts):
    root, wh = tiny_warehouse
    site = tmp_path / "site"
    assert gvc(["docs", "--out", str(site), "--raw", str(root), "--warehouse", str(wh)]) == 0
    # index.html fetches manifest.json and catalog.json: serve the folder on loopback
    srv = socketserver.TCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}/index.html"
        page.goto(f"{base}#!/overview")
        page.wait_for_selector("input[placeholder='Search for models...']", timeout=60_000)
        # the search box finds the mart ...
        page.fill("input[placeholder='Search for models...']", "fct_firm_year_dvar")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('body *')).some(e => e.offsetParent !== null"
            " && e.children.length === 0 && e.textContent.includes('fct_firm_year_dvar'))", timeout=30_000)
        page.screenshot(path=str(artifacts / "dbt_docs_search.png"))
        # ... and its page documents it
        page.fill("input[placeholder='Search for models...']", "")
        page.goto(f"{base}#!/model/model.gvc.fct_firm_year_dvar")
        page.reload()
        page.locator("h1:visible", has_text="fct_firm_year_dvar").wait_for(timeout=60_000)
        body = page.locator("body").inner_text()
        assert "Export DVAR per firm-year" in body and "panel_firm_id" in body
        page.screenshot(path=str(artifacts / "dbt_docs_fct_firm_year_dvar.png"))

        page.locator(".launcher-btn").first.click()  # the lineage graph
        page.wait_for_timeout(3000)
        selects = page.evaluate("Array.from(document.querySelectorAll('input')).map(e => e.value)")
        assert "+fct_firm_year_dvar+" in selects
        page.screenshot(path=str(artifacts / "dbt_docs_fct_firm_year_dvar_lineage.png"))

        # an exposure of the report: Table 7 traced back to the panel mart
        page.goto(f"{base}#!/exposure/exposure.gvc.report_table7")
        page.wait_for_selector("text=Table 7", timeout=60_000)
        assert "fct_firm_panel" in page.locator("body").inner_text()
        page.screenshot(path=str(artifacts / "dbt_docs_exposure_table7.png"))
    finally:
        srv.shutdown()
        srv.server_close()
