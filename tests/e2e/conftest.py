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
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import (
    KNOWN_REFLOW_FAILURES,
    KNOWN_REFLOW_SEEN,
    PROJECT_ROOT,
    Browser,
    Server,
)

ARTEFACTS = PROJECT_ROOT / ".run" / "e2e-artefacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SERVER_START_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database(base_url: str) -> tuple[str, str]:
    """A new empty database beside DATABASE_URL's, and the URL of its server's `postgres`
    database (to drop it again)."""
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "virtualschool"
    e2e_name = f"{name}_e2e"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{e2e_name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{e2e_name}"')
    return urlunsplit(parts._replace(path=f"/{e2e_name}")), admin_url


def _drop_database(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


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
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        pytest.fail("DATABASE_URL is unset: run the journeys with `make test-e2e`.")
    database_url, admin_url = _fresh_database(base_url)
    password = secrets.token_urlsafe(12)
    totp_secret = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "virtualschool.totp", "--new"],
        check=True,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    ).stdout.strip()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="virtualschool.settings.local",
        DATABASE_URL=database_url,
        DEMO_PASSWORD=password,
        DEMO_TOTP_SECRET=totp_secret,
    )
    manage = [sys.executable, "manage.py"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTEFACTS / "server.log").open("w")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        if subprocess.run(  # noqa: S603
            manage + command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        ).returncode:
            log.close()
            pytest.fail(f"manage.py {command[0]} failed: see {log.name}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(f"the server exited ({process.returncode}): see {log.name}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer /healthz in {SERVER_START_TIMEOUT}s")
            time.sleep(0.5)
        yield Server(url=url, password=password, totp_secret=totp_secret, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        _drop_database(admin_url, database_url)


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
