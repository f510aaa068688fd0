"""A caseworker starts a looked-after child's next personal education plan with one click on
the PEP tab, and the school's designated teacher (demo user `school`) writes the plan's
education section in the portal and submits it to the virtual school."""

from __future__ import annotations

import re

from tests.e2e.browser import Browser

EDUCATION = {
    "Attendance commentary": "Attendance has improved since October (journey).",
    "Strengths": "Confident reader; helps others in science practicals.",
    "Needs": "Planning longer written work.",
    "Interventions": "Writing frame and a weekly check-in with the SENCo.",
}


def _portal_children(browser: Browser) -> tuple[str, list[str]]:
    """The designated teacher's school and the names of the children on its roll."""
    page = browser.page
    browser.click(page.locator("#portal-link"))
    school = page.locator("main .govuk-caption-l").first.inner_text().strip()
    names = page.locator("#portal-children tbody a").all_inner_texts()
    assert names, page.locator("main").inner_text()[:600]
    return school, [name.strip() for name in names]


def test_caseworker_starts_a_pep_and_the_designated_teacher_submits_it(browser: Browser) -> None:
    page = browser.page
    browser.sign_in("school")
    school, on_roll = _portal_children(browser)
    browser.sign_out()

    # The caseworker: a looked-after child of their caseload on that school's roll, whose PEP
    # tab offers to start the next plan (no plan of theirs is open).
    browser.sign_in("caseworker")
    browser.click(page.get_by_role("link", name="My caseload", exact=True))
    caseload = page.url.removeprefix(browser.server.url)
    child = None
    for name in on_roll:
        browser.goto(caseload)
        browser.fill(page.get_by_label("Search by name or UPN"), name)
        browser.click(page.get_by_role("button", name="Search"))
        found = page.locator("main table tbody tr").filter(has_text=school)
        if not found.count():
            continue  # not of this caseload
        browser.click(found.first.locator("a").first)
        browser.click(page.get_by_role("link", name="PEP", exact=True))
        if page.get_by_role("button", name="Start the next plan").count():
            child = name
            break
    assert child, f"no child of caseworker's on the roll of {school} has a plan to start"
    browser.click(page.get_by_role("button", name="Start the next plan"))
    assert re.search(r"/pep/plans/\d+/$", page.url), page.url
    assert "Plan started" in page.locator("body").inner_text()
    assert "Not started" in page.locator("main").inner_text()
    browser.sign_out()

    # The designated teacher writes the education section in the portal and submits.
    browser.sign_in("school")
    browser.click(page.locator("#portal-link"))
    browser.click(page.locator("#portal-children").get_by_role("link", name=child, exact=True))
    browser.click(page.get_by_role("link", name="Open the current plan"))
    education = page.locator("form").filter(has=page.get_by_role("button", name="Save education"))
    for label, text in EDUCATION.items():
        browser.fill(education.get_by_label(label), text)  # "Strengths (optional)"
    browser.click(education.get_by_role("button", name="Save education"))
    assert "In progress" in page.locator("main").inner_text(), page.locator("main").inner_text()[
        :800
    ]
    browser.click(page.get_by_role("button", name="Submit the plan"))
    main = page.locator("main").inner_text()
    assert "Submitted" in main, main[:800]
    assert EDUCATION["Strengths"] in main
    assert not page.get_by_role("button", name="Submit the plan").count()
