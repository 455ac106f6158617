"""Browser tests: a real uvicorn server on a free loopback port (same app and database as the
session), and Debian's Chromium driven by Playwright. Never downloads a browser."""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console_ui.machine import launch
from tests.helpers import serve

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "demo12345"

# screenshots are committed docs: rewritten only on request (HOTLINE_SCREENSHOTS=1), so ordinary
# test runs leave the working tree clean (Chinese renders: the browser fixture requires a CJK font)
SAVE_SHOTS = os.environ.get("HOTLINE_SCREENSHOTS") == "1"


@pytest.fixture(scope="session")
def live_server(seeded) -> Iterator[str]:
    """The API and console served by uvicorn in a background thread of this process."""
    from classifiers.routing import _classifier

    # the operator screen asks /classify as it types: load (first run: train) the model before
    # any page is timed, as the demo does at start-up
    _classifier()

    from hotline.api import create_app

    with serve(create_app(run_sweeper=False)) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium; fails (never skips) when it or a CJK font is missing (machine.py)."""
    yield from launch()


class Console:
    """One signed-in person in their own browser context."""

    def __init__(self, browser, base: str, username: str, *, viewport=(1440, 900),
                 timezone: str = "Asia/Shanghai") -> None:
        self.base, self.username = base, username
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           locale="zh-CN", timezone_id=timezone)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, token: str | None = None) -> "Console":
        """Through the sign-in form, or (faster: no password hashing) with a token already issued."""
        p = self.page
        if token:
            self.context.add_init_script(
                f"sessionStorage.getItem('hotline.token') || sessionStorage.setItem('hotline.token', {json.dumps(token)})")
            p.goto(f"{self.base}/console/#/home")
            p.wait_for_selector("#who-name")
            p.wait_for_selector("body[data-live=on]")
            return self
        p.goto(f"{self.base}/console/#/login")
        p.fill("#login-username", self.username)
        p.fill("#login-password", PASSWORD)
        p.click("#login-submit")
        p.wait_for_selector("#who-name")
        p.wait_for_selector("body[data-live=on]")
        return self

    def go(self, route: str) -> None:
        self.page.goto(f"{self.base}/console/#/{route}")

    def shot(self, name: str, *, full_page: bool = True) -> None:
        """Every run saves each screen: into test-artifacts/screenshots/, or into the committed
        docs/screenshots/ when asked (HOTLINE_SCREENSHOTS=1)."""
        folder = SCREENSHOTS if SAVE_SHOTS else ARTIFACTS
        folder.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(300)   # let charts finish their entry animation
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def console(browser, live_server, tokens):
    """console("username", viewport=(390, 844)) → a signed-in Console; all closed afterwards.
    form=True signs in through the login form instead of reusing the session's token."""
    opened: list[Console] = []

    def make(username: str, form: bool = False, token: str | None = None, **kw) -> Console:
        c = Console(browser, live_server, username, **kw).login(
            None if form else token or tokens[username])
        opened.append(c)
        return c

    yield make
    for c in opened:
        assert not c.errors, f"{c.username}: uncaught errors in the page: {c.errors}"
        c.close()
