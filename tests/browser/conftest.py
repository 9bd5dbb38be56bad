"""Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CASEFLOW_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CASEFLOW_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)", pytrace=False)
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
    # still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context in Korean; `page.base` is the live server's address."""
    context = browser.new_context(locale="ko-KR", extra_http_headers={"Accept-Language": "ko"})
    page = context.new_page()
    page.base = live_server.url
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, user, password: str) -> None:
    """Signs in through the pages as the person would: password, then her app's code if she owes one.

    A role in MFA_REQUIRED_FOR gets an authenticator app made for her first (tests.factories), so
    that pages written before two-step sign-in test what they always tested.
    """
    from accounts.mfa import owes_code
    from accounts.models import TotpDevice, totp_clock
    from tests.accounts.two_step import code
    from tests.factories import authenticator

    device = authenticator(user) if owes_code(user) else None
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_load_state()
    if device is not None:
        # A second sign-in within the same 30 s (another language's context) uses the next step's
        # code: a code is never accepted twice, and the device takes one step either side of now.
        device.refresh_from_db()
        again = device.last_t >= int(totp_clock()) // TotpDevice.STEP
        page.fill("input[name=code]", code(device, steps=1 if again else 0))
        page.click("button.primary")
        page.wait_for_load_state()
