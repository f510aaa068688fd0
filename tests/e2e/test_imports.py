"""A caseworker uploads an attendance file and follows the import to its report: the rows it
stored and the one it rejected."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.e2e.browser import Browser, service_today

# Of the right shape, with a wrong check letter: rejected, the rest imported.
UNKNOWN_UPN = "A999999999999"


def _school_days(count: int) -> list[date]:
    day, days = service_today() - timedelta(days=7), []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def test_attendance_upload_shows_progress_and_report(browser: Browser, tmp_path) -> None:
    page = browser.page
    browser.sign_in("caseworker")
    browser.click(page.get_by_role("link", name="My caseload", exact=True))
    upns = re.findall(r"\b[A-Z]\d{12}\b", page.locator("main table").inner_text())[:3]
    assert len(upns) == 3
    lines = ["upn,date,session,code,school_urn"]
    for upn in upns:
        for day in _school_days(5):
            lines += [f"{upn},{day.isoformat()},AM,/,", f"{upn},{day.isoformat()},PM,I,"]
    lines.append(f"{UNKNOWN_UPN},{_school_days(1)[0].isoformat()},AM,/,")
    upload = tmp_path / "attendance.csv"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")

    browser.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Imports"))
    browser.click(page.locator("main").get_by_role("link", name=re.compile("^(Upload|Import)")))
    browser.check(page.get_by_label("Attendance (school extract, CSV)"))
    page.get_by_label("Upload a file").set_input_files(upload)
    browser.check(page.get_by_label("Import the valid rows even if some rows are rejected"))
    browser.click(page.locator("main form button[type=submit]"))

    # The import's page: a progress bar while it runs (with a broker), then its report.
    assert re.search(r"/children/imports/[0-9a-f-]{36}/", page.url), page.url
    progress = page.locator("main progress, main [role=progressbar]")
    if progress.count():
        page.wait_for_function(
            "() => !document.querySelector('main progress, main [role=progressbar]')",
            timeout=60_000,
        )
        browser.visited()
    summary = page.locator("main dl").first.inner_text()
    assert re.search(r"Rows read\s+31\b", summary), summary
    assert re.search(r"Sessions read\s+30\b", summary), summary
    assert re.search(r"Children matched\s+3\b", summary), summary
    assert re.search(r"Rows rejected\s+1\b", summary), summary
    rejected = page.locator("main table").filter(has_text="Reason").inner_text()
    assert re.search(r"\b31\s+upn\b", rejected), rejected
