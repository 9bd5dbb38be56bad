"""Staff pages for a person who uses the keyboard or a screen reader: a skip link to the main content,
focus on the first field in error with a summary of the errors, messages read out from a live region,
and no serious or critical axe-core violation on a form that failed."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page) -> list[str]:
    return [
        f"{violation['id']} ({len(violation['nodes'])})"
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("path", ["/", "/cases/", "/inbox/"])
def test_it_skips_to_the_main_content_with_the_keyboard_alone(
    browser, live_server, alice: User, password: str, language: str, path: str
) -> None:
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server.url, alice, password)
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")
    focused = page.evaluate("({cls: document.activeElement.className, text: document.activeElement.innerText})")
    assert focused["cls"] == "skip-link"
    assert focused["text"] == {"ko": "본문으로 건너뛰기", "en": "Skip to main content"}[language]
    # Focused, it shows on the screen (it sits off-screen otherwise).
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab stays in the main content, past the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    context.close()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_it_moves_focus_to_the_first_field_in_error(
    browser, live_server, alice: User, password: str, language: str
) -> None:
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server.url, alice, password)
    page.goto(live_server.url + "/cases/new/")
    page.click("form.card button[type=submit].primary")  # nothing filled in
    page.wait_for_selector("[data-error-summary]")
    summary = page.locator("[data-error-summary]")
    assert summary.get_attribute("role") == "alert"
    first = page.evaluate("document.activeElement.id")
    assert first == page.locator("form.card [aria-invalid=true]").first.get_attribute("id")
    # The summary links to each field in error, by its label.
    link = summary.locator("a").first
    assert link.get_attribute("href") == f"#{first}"
    assert page.locator(f"#{first}").get_attribute("aria-describedby") == f"{first}_error"
    assert _serious(page) == []
    screenshot(page, f"intake-errors-{language}-1280")

    case = open_case(alice, victim_name="김민지")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click("#set-followup")  # no time chosen
    page.wait_for_selector("#followups [data-error-summary]")
    assert page.evaluate("document.activeElement.id") == "id_due_at"
    assert _serious(page) == []
    context.close()


def test_it_reads_out_what_an_action_did(browser, live_server, alice: User, password: str) -> None:
    context = browser.new_context(locale="ko-KR", extra_http_headers={"Accept-Language": "ko"})
    page = context.new_page()
    sign_in(page, live_server.url, alice, password)
    case = open_case(alice, victim_name="김민지")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.fill("#id_body", "전화 상담: 신고 절차 안내")
    page.click("form[action$='/notes/'] button.primary")
    page.wait_for_selector("#flash li")
    region = page.locator("#flash")
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    assert "메모" in region.inner_text()
    # A refused consent is said in words, not only shown struck through or in grey.
    assert page.locator(".consent.no").first.inner_text().endswith("거부")
    context.close()
