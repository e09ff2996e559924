"""The "CSV" link of a list in Debian's Chromium (issue 16): an account manager filters his
customer list as he types and sorts it, the link follows the filter and the sort (htmx swaps
the results with it), and clicking it downloads the whole filtered list of his own pool.
Screenshot to test-artifacts/."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, log_in, watched_page
from tests.web_fixtures import World
from valuecenter.csv_export import BOM

pytestmark = [pytest.mark.browser]


def test_the_csv_link_downloads_the_filtered_list(
    live_server: tuple[str, World],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            log_in(page, base, "account-manager", "/customers")
            link = page.locator("a.csv-link")
            expect(link).to_have_attribute("href", "/customers/export.csv")
            page.locator("#q").press_sequentially("dr", delay=40)
            expect(page.locator("table.customers tbody tr")).to_have_count(1)
            # the search form sends its sort with the text, and the link carries both
            expect(link).to_have_attribute("href", "/customers/export.csv?q=dr&sort=name")
            page.locator("select[name=sort]").select_option("clv")
            expect(link).to_have_attribute("href", "/customers/export.csv?q=dr&sort=clv")
            page.screenshot(path=ARTIFACTS / "csv-01-filtered-customers.png")
            with page.expect_download() as download:
                link.click()
            assert re.fullmatch(r"customers-\d{8}\.csv", download.value.suggested_filename)
            path = download.value.path()
            text = path.read_text(encoding="utf-8")
            assert text.startswith(BOM)
            rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
            assert rows[0][:2] == ["Customer number", "Customer"]
            assert [r[:2] for r in rows[1:]] == [["C1003", "Drukkerij Noord"]]
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
