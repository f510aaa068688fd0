"""An admin proposes the destruction of a child whose record is due (the demo's children in
need whose case closed over ten years ago), a second admin (admin2) approves the list, the
daily sweep runs on its planned date, and the admin downloads the destruction certificate,
which names no one."""

from __future__ import annotations

import re
from datetime import datetime

from tests.e2e.browser import Browser


def test_destruction_proposed_approved_and_certificate_downloaded(browser: Browser) -> None:
    page = browser.page
    browser.sign_in("admin")
    browser.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention"))
    assert "/retention/queue/" in page.url
    due = page.locator("main form input[type=checkbox]")
    assert due.count() >= 1, page.locator("main").inner_text()[:800]
    choice = due.first
    name = page.locator(f"label[for='{choice.get_attribute('id')}']").inner_text().strip()
    browser.check(choice)
    browser.click(page.get_by_role("button", name="Propose a destruction list"))
    assert page.url.endswith("/retention/lists/"), page.locator("main").inner_text()[:800]
    number = re.search(r"Destruction list (\d+) is proposed", page.locator("body").inner_text())
    assert number, page.locator("body").inner_text()[:800]
    listed = page.locator("main").inner_text()
    assert f"List {number.group(1)}: Proposed" in listed and name in listed
    browser.sign_out()

    browser.sign_in("admin2")
    browser.goto("/retention/lists/")
    browser.fill(page.get_by_label("Destruction list", exact=True), number.group(1))
    browser.select(page.get_by_label("Action", exact=True), "Approve")
    browser.click(page.get_by_role("button", name="Continue"))
    listed = page.locator("main").inner_text()
    assert f"List {number.group(1)}: Approved" in listed, listed[:800]
    planned = re.search(r"approved .+ by admin2; planned for (\d+ \w+ \d{4})", listed)
    assert planned, listed[:800]
    browser.sign_out()

    # The daily sweep (Celery beat in production) on the planned date destroys the child.
    on = datetime.strptime(planned.group(1), "%d %B %Y").date()  # noqa: DTZ007 - a calendar date
    swept = browser.server.manage("enforce_retention", "--as-of", on.isoformat())
    assert "To destroy: 1" in swept, swept

    browser.sign_in("admin")
    browser.goto("/retention/queue/")
    assert name not in page.locator("main").inner_text()
    browser.click(page.locator("main").get_by_role("link", name="Certificates"))
    certificates = page.locator("#certificates tbody tr")
    assert certificates.count() >= 1, page.locator("main").inner_text()[:800]
    assert name not in page.locator("main").inner_text()
    row = certificates.filter(has_text="admin / admin2").first
    download = browser.download(row.get_by_role("link", name=re.compile("^PDF")))
    assert download.path().read_bytes().startswith(b"%PDF")
    text = browser.download(row.get_by_role("link", name=re.compile("^CSV"))).path()
    assert name not in text.read_text(encoding="utf-8-sig")
