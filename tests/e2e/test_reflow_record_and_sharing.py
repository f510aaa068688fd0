"""Issue 16, small screens: every part of a child's record, and the sharing pages an admin and a
recipient use, reflow at 320 CSS pixels (WCAG 1.4.10), each checked with the widest content it
shows: the summary's status and caseworker lists, the tabs' and the history's tables, the
agreements, an agreement's tokens and changes, and the extract files (a token and a file are
made here for that). Browser.visited() does the check (and runs axe-core); none of these pages
may be a known reflow failure, so putting one back on that list fails here."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from tests.e2e.browser import KNOWN_REFLOW_FAILURES, Browser, service_today
from tests.e2e.test_sharing import _date  # the sharing journey's way of typing a date

_CHILD = re.compile(r"/children/[0-9a-f-]{36}/$")
# Each part of a child's record (its path after the child's), and what it shows when it has the
# wide content the check is about.
RECORD_PARTS = {
    "": "main:has(#status-episodes):has(#allocations)",
    "characteristics/": "main:has(.govuk-summary-list):has(.app-table-scroll table)",
    "schools/": "main .app-table-scroll table",
    "attendance/": "main .app-table-scroll table",
    "attainment/": "main .app-table-scroll table",
    "behaviour/": "main .app-table-scroll table",
    "pep/": "main .app-table-scroll table",
    "history/": "main .app-table-scroll table",
}
YOUTH_AGREEMENT = "Youth support services (s507B)"
# Seconds to wait for the extract file to be built (in the web process: no broker).
BUILD_TIMEOUT = 60


def _not_known(path: str) -> None:
    known = [pattern for pattern in KNOWN_REFLOW_FAILURES if re.match(pattern, path)]
    assert not known, f"{path} is listed in KNOWN_REFLOW_FAILURES ({known}): it must reflow"


def _children(browser: Browser) -> list[str]:
    """The paths of every child in the manager's list, page by page (the list is not checked
    here: it is not a part of a record)."""
    page = browser.page
    page.goto(browser.server.url + "/children/")
    found: list[str] = []
    while True:
        hrefs = page.locator("main a[href^='/children/']").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )
        found += [href for href in hrefs if _CHILD.match(href) and href not in found]
        following = page.locator("main .govuk-pagination__next a")
        if not following.count():
            return found
        following.click()


def test_every_part_of_a_childs_record_reflows(browser: Browser) -> None:
    """For each part, the first child of the demo whose part has the wide content is checked
    (the others are passed over unchecked, to keep this fast)."""
    page = browser.page
    browser.sign_in("manager")
    children = _children(browser)
    assert children, "the manager sees no child"
    for part, wide in RECORD_PARTS.items():
        for child in children:
            page.goto(browser.server.url + child + part)
            if page.locator(wide).count():
                _not_known(child + part)
                browser.visited()
                break
        else:
            raise AssertionError(f"no child of the demo shows {wide!r} at {part or 'summary'}")
    assert len(browser.checked) >= len(RECORD_PARTS)


def test_the_sharing_pages_reflow(browser: Browser) -> None:
    page = browser.page
    browser.sign_in("admin")
    browser.goto("/sharing/agreements/")
    _not_known("/sharing/agreements/")
    assert page.locator("main .app-table-scroll table").count()

    browser.click(page.locator("main").get_by_role("link", name=YOUTH_AGREEMENT))
    agreement = page.url.removeprefix(browser.server.url)
    browser.click(page.locator("main").get_by_role("link", name="Issue a token"))
    browser.fill(page.get_by_label("Name of the token"), "Youth support CRM (reflow check)")
    _date(browser, "Expiry date", service_today() + timedelta(days=30))
    browser.click(page.locator("main form button[type=submit]"))
    browser.goto(agreement)
    _not_known(agreement)
    assert page.locator("main .app-table-scroll #tokens").count()
    assert page.get_by_role("region", name="Changes").locator("table").count()

    browser.click(page.locator("main").get_by_role("link", name="Extract files"))
    browser.check(page.get_by_label("CSV", exact=True))
    browser.click(page.get_by_role("button", name="Generate an extract file"))
    files = page.locator("main .app-table-scroll #extracts")
    deadline = time.monotonic() + BUILD_TIMEOUT
    while "Ready" not in files.inner_text():
        assert time.monotonic() < deadline, files.inner_text()
        time.sleep(1)
        page.reload()
    _not_known(page.url.removeprefix(browser.server.url))
    browser.visited()
    browser.sign_out()

    browser.sign_in("youth")
    browser.goto("/sharing/extracts/")
    _not_known("/sharing/extracts/")
    assert page.locator("main .app-table-scroll table").count()
