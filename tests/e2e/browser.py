"""What every journey does in the browser: sign in with two-factor, visit a page and check it
(axe-core and reflow at 320 px), move by keyboard, catch a download."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Download, Locator, Page

from tests.liveserver import Server, fresh_code

# axe-core's impact levels that fail a page; "minor" and "moderate" are left to review.
FAILING_IMPACTS = frozenset({"serious", "critical"})
# WCAG 1.4.10 reflow: content at 320 CSS pixels wide without scrolling in two dimensions.
REFLOW_WIDTH = 320
# Pages known to scroll sideways at 320 px, each with the reason (see docs/ARCHITECTURE.md
# "Tests"): a page listed here may overflow, and each time it does the run says so at its end
# ("reflow known to fail"); any page not listed fails on overflow. None since 2026-12-04, when
# the last wide tables moved into scroll regions and single records into summary lists: add an
# entry only with a reason and a plan to remove it. Paths are matched from the start.
KNOWN_REFLOW_FAILURES: dict[str, str] = {}
KNOWN_REFLOW_SEEN: dict[str, set[str]] = {}
# Tab presses before giving up on reaching an element by keyboard.
MAX_TABS = 200

_axe = Axe()
# The service's TIME_ZONE (virtualschool/settings/base.py): its "today".
SERVICE_TIME_ZONE = ZoneInfo("Europe/London")


def service_today() -> date:
    return datetime.now(SERVICE_TIME_ZONE).date()


@dataclass
class Browser:
    server: Server
    page: Page
    artefacts: Path
    keyboard_only: bool = False
    checked: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._on_response)

    def _on_response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    # Pages --------------------------------------------------------------------------------

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)
        self.visited()

    def visited(self) -> None:
        """Check the page now showing: no server error so far, no serious or critical axe-core
        violation, no horizontal scrolling at 320 px. Then put the viewport back."""
        self.page.wait_for_load_state("load")
        assert not self.server_errors, f"server errors: {self.server_errors}"
        where = self.page.url
        problems = [
            f"{violation['impact']} {violation['id']}: {violation['help']} at "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            for violation in _axe.run(self.page).response["violations"]
            if violation["impact"] in FAILING_IMPACTS
        ]
        assert not problems, f"axe-core on {where}:\n" + "\n".join(problems)
        viewport = self.page.viewport_size
        self.page.set_viewport_size({"width": REFLOW_WIDTH, "height": viewport["height"]})
        try:
            widths = self.page.evaluate(
                "() => [document.scrollingElement.scrollWidth,"
                " document.scrollingElement.clientWidth]"
            )
            overflow = widths[0] > widths[1]
            known = _known_reflow_failure(where.removeprefix(self.server.url).split("?")[0])
            if known and overflow:
                KNOWN_REFLOW_SEEN.setdefault(known, set()).add(f"{widths[0]}px")
            elif overflow:
                raise AssertionError(
                    f"reflow at {REFLOW_WIDTH}px on {where}: the page is {widths[0]}px wide, "
                    f"{widths[0] - widths[1]}px wider than the viewport ({_widest(self.page)})"
                )
        finally:
            self.page.set_viewport_size(viewport)
        self.checked.append(where)

    # Acting: by mouse, or by keyboard alone when keyboard_only is set -----------------------

    def click(self, target: Locator) -> None:
        """Follow a link or press a button, then check the page it leads to."""
        if self.keyboard_only:
            self.focus_by_tab(target)
            tag = target.evaluate("element => element.tagName")
            # Every link and button a journey presses leads to a page.
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter" if tag == "A" else "Space")
        else:
            target.click()
        self.visited()

    def fill(self, target: Locator, value: str) -> None:
        if self.keyboard_only:
            self.focus_by_tab(target)
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(value)
        else:
            target.fill(value)

    def check(self, target: Locator) -> None:
        """Tick a checkbox or choose a radio (by keyboard: a radio group is one Tab stop, and
        the arrow keys move to, and choose, a radio within it)."""
        if self.keyboard_only:
            if target.get_attribute("type") == "radio":
                self.focus_by_tab(target, same_name=True)
                self._arrow_until(target, "ArrowDown")
                if not target.is_checked():  # Tab reaches an unchosen group's first radio
                    self.page.keyboard.press("Space")
            else:
                self.focus_by_tab(target)
                if not target.is_checked():
                    self.page.keyboard.press("Space")
        else:
            target.check()
        assert target.is_checked()

    def select(self, target: Locator, label: str) -> None:
        if self.keyboard_only:
            # A focused select steps through its options with the arrow keys.
            self.focus_by_tab(target)
            for _ in range(target.locator("option").count()):
                if target.evaluate("s => s.options[s.selectedIndex].text") == label:
                    break
                self.page.keyboard.press("ArrowDown")
        else:
            target.select_option(label=label)
        assert target.evaluate("s => s.options[s.selectedIndex].text") == label

    def focus_by_tab(self, target: Locator, *, same_name: bool = False) -> None:
        """Press Tab until the target (or, same_name, any field of its name: a radio group)
        has focus; fails if it never does (not reachable by keyboard, or hidden)."""
        target.wait_for(state="attached")
        reached = (
            "e => document.activeElement && document.activeElement.name === e.name"
            if same_name
            else "e => e === document.activeElement"
        )
        for _ in range(MAX_TABS):
            if target.evaluate(reached):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{target} was not reached by {MAX_TABS} Tab presses")

    def _arrow_until(self, target: Locator, key: str) -> None:
        for _ in range(MAX_TABS):
            if target.evaluate("e => e === document.activeElement"):
                return
            self.page.keyboard.press(key)
        raise AssertionError(f"{target} was not reached with {key}")

    def download(self, target: Locator) -> Download:
        with self.page.expect_download() as info:
            if self.keyboard_only:
                self.focus_by_tab(target)
                self.page.keyboard.press("Enter")
            else:
                target.click()
        download = info.value
        assert download.failure() is None, download.failure()
        return download

    # Signing in ---------------------------------------------------------------------------

    def sign_in(self, username: str) -> None:
        """Password, then the authenticator code from the demo secret (each code once: a
        second sign-in in the same 30 seconds waits for the next code). By keyboard too when
        keyboard_only is set."""
        page = self.page
        self.goto("/sign-in/")
        self.fill(page.get_by_label("Username"), username)
        self.fill(page.get_by_label("Password"), self.server.password)
        self.click(page.get_by_role("button", name="Sign in"))
        # A code is taken once: if this one was used already (by an earlier run against the
        # same server), the next one is.
        for _ in range(2):
            self.fill(page.get_by_label("Code"), fresh_code(self.server.totp_secret, username))
            self.click(page.get_by_role("button", name="Continue"))
            if "/sign-in/" not in page.url:
                return
        raise AssertionError(f"{username} was not signed in ({page.url})")

    def sign_out(self) -> None:
        self.click(self.page.get_by_role("button", name="Sign out"))


def _known_reflow_failure(path: str) -> str | None:
    for pattern in KNOWN_REFLOW_FAILURES:
        if re.match(pattern, path):
            return pattern
    return None


def _widest(page: Page) -> str:
    """The element sticking out furthest on the right, to say what breaks reflow."""
    return page.evaluate(
        """() => {
        let widest = null, right = 0;
        for (const element of document.body.querySelectorAll('*')) {
            const box = element.getBoundingClientRect();
            if (box.right > right) { right = box.right; widest = element; }
        }
        if (!widest) return 'nothing';
        const name = widest.tagName.toLowerCase() + (widest.id ? '#' + widest.id : '')
            + (widest.className && typeof widest.className === 'string'
               ? '.' + widest.className.trim().split(/\\s+/).join('.') : '');
        return name + ' reaches ' + Math.round(right) + 'px';
    }"""
    )
