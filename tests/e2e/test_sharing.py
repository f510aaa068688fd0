"""An admin drafts a sharing agreement, a second admin (admin2) approves it and builds an
extract file, and the recipient's user downloads it."""

from __future__ import annotations

import re
from datetime import date

from tests.e2e.browser import Browser, service_today

NAME = "Youth support: looked-after children (journey)"


def _date(browser: Browser, legend: str, day: date) -> None:
    group = browser.page.get_by_role("group", name=re.compile(legend))
    browser.fill(group.get_by_label("Day", exact=True), str(day.day))
    browser.fill(group.get_by_label("Month", exact=True), str(day.month))
    browser.fill(group.get_by_label("Year", exact=True), str(day.year))


def test_agreement_drafted_approved_and_extract_downloaded(browser: Browser) -> None:
    page = browser.page
    today = service_today()
    browser.sign_in("admin")
    browser.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sharing"))
    browser.click(page.get_by_role("link", name="Draft an agreement"))
    browser.fill(page.get_by_label("Name of the agreement"), NAME)
    browser.select(page.get_by_label("Recipient organisation"), "Northshire Youth Support Service")
    browser.fill(page.get_by_label("Purpose"), "Tracking participation in education (journey)")
    browser.check(page.get_by_label("Article 6(1)(e): public task"))
    browser.check(page.get_by_label("None: no special category data is released"))
    browser.check(page.get_by_label("Education Act 1996, section 507B"))
    browser.check(page.get_by_label("Identity", exact=True))
    browser.check(page.get_by_label("Looked after", exact=True))
    browser.check(page.get_by_label("Every child the legal statuses and ages cover"))
    browser.check(page.get_by_label("Identifiable", exact=True))
    browser.fill(page.get_by_label("How many months the recipient may keep the data"), "12")
    browser.fill(page.get_by_label("DPIA reference"), "DPIA-JOURNEY-1")
    _date(browser, "Start date", date(today.year, 1, 1))
    _date(browser, "End date", date(today.year + 2, 12, 31))
    _date(browser, "Review date", date(today.year + 1, 6, 1))
    browser.click(page.locator("main form button[type=submit]"))
    assert NAME in page.locator("main h1, main .govuk-caption-l, main").first.inner_text()
    assert "Draft" in page.locator("main").inner_text()
    agreement_url = page.url.removeprefix(browser.server.url)
    browser.sign_out()

    browser.sign_in("admin2")
    browser.goto(agreement_url)
    browser.click(page.get_by_role("button", name=re.compile("^Approve")))
    if page.get_by_role("button", name=re.compile("^Approve")).count():  # a confirmation page
        browser.click(page.get_by_role("button", name=re.compile("^Approve")))
    assert "Approved" in page.locator("main").inner_text()
    browser.goto(agreement_url + "extracts/")
    browser.check(page.get_by_label("CSV", exact=True))
    browser.click(page.get_by_role("button", name="Generate an extract file"))
    assert "No extract file has been generated" not in page.locator("main").inner_text()
    browser.sign_out()

    browser.sign_in("youth")
    browser.goto("/sharing/extracts/")
    file_link = page.locator("main").get_by_role("link", name=re.compile("CSV|Download"))
    download = browser.download(file_link.first)
    text = download.path().read_text(encoding="utf-8-sig")
    assert text.count("\n") > 1, text[:500]
    browser.visited()
