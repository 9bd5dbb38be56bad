"""A counsellor signs in through a real browser, in Korean, and sees her dashboard."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_and_out_in_korean(page, alice: User, password: str) -> None:
    page.goto(page.base + "/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "caseflow 로그인"
    page.fill("input[name=username]", alice.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")
    assert page.url == page.base + "/"
    assert "Alice Kim" in page.inner_text("header")
    screenshot(page, "dashboard-ko")
    page.click("text=로그아웃")
    page.wait_for_selector("input[name=username]")
    assert page.console_errors == []


def test_it_switches_to_english(page, alice: User, password: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.click("button[value=en]")
    page.wait_for_selector("text=Sign in to caseflow")
    page.fill("input[name=username]", alice.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("text=No cases are assigned to you.")
    assert page.console_errors == []
