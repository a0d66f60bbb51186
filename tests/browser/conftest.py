"""Real-browser fixtures: Playwright (Python) driving Debian's Chromium, headless.

Playwright's own browser download needs the internet, so the tests drive the system Chromium
(`apt-get install chromium`; `.ci/run` installs it). Screenshots go to `artifacts/screenshots/`
(ignored by git; CI keeps the folder); a failing test leaves a `FAILED-<test>.png` there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.stripe_connect_server import FakeStripeConnect
from tests.helpers.browser import CHROMIUM_ARGS, CHROMIUM_PATH, DEFAULT_TIMEOUT_MS, screenshot


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_call_failed = report.failed


@pytest.fixture
def chromium_browser(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A headless Chromium for one test.

    Playwright's sync API runs an event loop on this thread, which makes Django refuse ORM calls
    here ("cannot call this from an async context") although no coroutine is involved. So the
    browser lives for one test only, set up after and torn down before the test database (whose
    flush must see no loop), and the test body may use the ORM while it runs.
    """
    if not Path(CHROMIUM_PATH).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM_PATH} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, chromium_browser) -> Iterator:
    """A fresh browser context and page; console errors are collected on `page.console_errors`."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page.console_errors = []

    def remember_error(message) -> None:
        if message.type == "error":
            page.console_errors.append(message.text)

    page.on("console", remember_error)
    yield page
    if getattr(request.node, "browser_call_failed", False):
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.fixture
def connect_fake() -> Iterator[FakeStripeConnect]:
    """The loopback Stripe Connect fake, for pages that onboard and pay out."""
    fake = FakeStripeConnect().start()
    yield fake
    fake.stop()
