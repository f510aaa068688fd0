"""Browser journeys: the real server, a freshly seeded demo database, Debian's Chromium.

`make test-e2e` runs `pytest tests/e2e` (the normal suite does not recurse into this folder:
`norecursedirs` in pyproject.toml). This file, for the whole session:

- makes a new database `<name>_e2e` beside the one DATABASE_URL names (dropped first if an
  earlier run left it), migrates it and seeds the demo (`seed_demo`) with a fresh password and
  two-factor secret;
- starts `manage.py runserver --noreload` on a free port of 127.0.0.1 with `make run`'s
  settings (virtualschool.settings.local, no broker: tasks run in the web process);
- drives /usr/bin/chromium (CHROMIUM to override) through Playwright, headless;
- stops the server and drops the database at the end.

With E2E_SERVER_URL set, the journeys run against that server instead (a `make run` already
up, with its DEMO_PASSWORD and DEMO_TOTP_SECRET in the environment, and its DATABASE_URL for
the management command a journey runs, the retention sweep): nothing is started.

Every page a journey visits goes through `Browser.visited()`, which runs axe-core (the copy
axe-playwright-python ships, injected into the page: no CDN) and fails on any serious or
critical violation, and the reflow check at 320 CSS pixels (WCAG 1.4.10): the page's
scrollingElement must not be wider than its viewport. The last page of each journey is saved
as a screenshot in .run/e2e-artefacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import KNOWN_REFLOW_FAILURES, KNOWN_REFLOW_SEEN, Browser
from tests.liveserver import PROJECT_ROOT, Server, ServerError, prepared_server

ARTEFACTS = PROJECT_ROOT / ".run" / "e2e-artefacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if os.environ.get("E2E_SERVER_URL"):
        # A server already running (`make run`, say): its demo password and secret.
        yield Server(
            url=os.environ["E2E_SERVER_URL"].rstrip("/"),
            password=os.environ["DEMO_PASSWORD"],
            totp_secret=os.environ["DEMO_TOTP_SECRET"],
        )
        return
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    started = prepared_server(suffix="e2e", log_path=ARTEFACTS / "server.log")
    try:
        running = started.__enter__()
    except ServerError as error:
        pytest.fail(str(error))
    try:
        yield running
    finally:
        started.__exit__(None, None, None)


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser(request, server, chromium) -> Iterator[Browser]:
    """A fresh browser context; the last page is saved as <test name>.png."""
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1024, "height": 768})
    context.set_default_timeout(10_000)
    driver = Browser(server=server, page=context.new_page(), artefacts=ARTEFACTS)
    yield driver
    try:
        driver.page.screenshot(path=ARTEFACTS / f"{request.node.name}.png", full_page=True)
    finally:
        context.close()


def pytest_terminal_summary(terminalreporter) -> None:
    if KNOWN_REFLOW_SEEN:
        terminalreporter.section("reflow known to fail (KNOWN_REFLOW_FAILURES)")
        for pattern, widths in sorted(KNOWN_REFLOW_SEEN.items()):
            terminalreporter.line(
                f"{pattern}  {KNOWN_REFLOW_FAILURES[pattern]}; seen {', '.join(sorted(widths))}"
            )


@pytest.fixture(params=[False, True], ids=["mouse", "keyboard"])
def each_input(request, browser) -> Browser:
    """The browser, once driven by mouse and once by keyboard alone (sign-in included)."""
    browser.keyboard_only = request.param
    return browser
