"""The admin's GDPR actions in Chromium (issue 17): the export downloaded from the customer
page, the objection to direct marketing, the erasure, and the audit log that names them — in
English and in Dutch. Screenshots in test-artifacts/ for a human look."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.browser.harness import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, watched_page
from tests.web_fixtures import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_admin_exports_objects_erases_and_reads_the_audit_log(
    live_server: tuple[str, World],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    own, second = world.own.id, world.customers["C1002"].id
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = watched_page(browser, problems)
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button:has-text('Log in')")
            page.goto(f"{base}/customers/{own}")
            panel = page.locator("#gdpr")
            expect(panel).to_contain_text("Personal data (GDPR)")

            with page.expect_download() as info:
                panel.locator("#gdpr-export").click()
            download = info.value
            assert download.suggested_filename.startswith(f"gdpr-{own}-")
            path = download.path()
            archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
            document = json.loads(archive.read("customer.json"))
            assert document["tables"]["customers"]["rows"][0]["name"] == "Bakkerij de Vries"
            assert "orders.csv" in archive.namelist()

            panel.locator("#gdpr-objection button").click()
            expect(page.locator("#gdpr-notice")).to_contain_text("Objection recorded")
            consent = page.locator("section[aria-labelledby=consents-title]")
            expect(consent).to_contain_text("withdrawn")
            panel.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / "gdpr-01-objection.png", full_page=True)

            page.goto(f"{base}/customers/{second}")
            page.fill("#gdpr-erase input[name=confirm]", "C1002")
            page.locator("#gdpr-erase button").click()
            expect(page.locator("#gdpr-notice")).to_contain_text("Personal data erased")
            expect(page.locator("h1")).to_have_text("(no name)")
            expect(page.locator(".customer-head")).to_contain_text("ANON-")
            page.screenshot(path=ARTIFACTS / "gdpr-02-erased.png", full_page=True)

            page.click("nav.mainnav >> text=Audit log")
            rows = page.locator("#audit tbody tr")
            expect(rows.filter(has_text="gdpr/erase")).to_contain_text("erase")
            expect(page.locator("#audit")).to_contain_text("/gdpr/export.zip")
            expect(page.locator("#audit")).not_to_contain_text("Bakkerij")
            page.screenshot(path=ARTIFACTS / "gdpr-03-audit-log.png", full_page=True)

            page.click("button[value=nl]")
            expect(page.locator("h1")).to_have_text("Auditlog")
            expect(rows.filter(has_text="gdpr/erase")).to_contain_text("wissen")
            page.screenshot(path=ARTIFACTS / "gdpr-04-audit-log-nl.png", full_page=True)
        finally:
            browser.close()
    assert problems == [], f"browser console errors: {problems}"
