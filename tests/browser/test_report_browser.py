"""The report in a real browser, opened from disk (file://) as a user opens it:
its first section gives the question and the headline 2SLS of the warehouse
it was built from, before any table. Screenshot in tests/artifacts/."""

from __future__ import annotations

from tests.warehouses import headline


def test_the_report_opens_with_the_answer_of_its_warehouse(tiny_warehouse, page, artifacts):
    _, wh = tiny_warehouse
    estimate, low, high = headline(wh)
    page.goto((wh.parent / "reports" / "report.html").as_uri(), wait_until="load")
    answer = page.locator("#answer")
    answer.wait_for(timeout=30_000)
    first = page.locator("h2").first
    assert first.inner_text().strip() == "The answer"
    section = page.evaluate(
        """() => { let out = [], n = document.getElementById('answer').nextElementSibling;
                   while (n && n.tagName !== 'H2') { out.push(n.innerText); n = n.nextElementSibling; }
                   return out.join('\\n'); }""")
    assert "The question." in section
    assert f"{estimate:.3f}" in section and f"[{low:.3f}, {high:.3f}]" in section, section
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "report_the_answer.png"))
