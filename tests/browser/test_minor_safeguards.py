"""A minor's case in Chromium: the guardian recorded as not safe to contact, the report the law
requires recorded from the case page, in Korean at 390 px and English at 1280 px, checked by axe."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.models import DutyReport, Guardian
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _serious(page) -> list[str]:
    return [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("language", "width"), [("ko", 390), ("en", 390), ("en", 1280)])
def test_it_records_a_minors_guardian_and_the_report_the_law_requires(
    browser, live_server, alice: User, password: str, language: str, width: int
) -> None:
    case = open_case(alice, victim_name="이하은", is_minor=True)
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, alice, password)
    page.goto(f"{live_server.url}/cases/{case.pk}/guardian/")
    page.fill("#id_name", "이정민")
    page.fill("#id_relationship", "아버지" if language == "ko" else "father")
    page.fill("#id_contact_phone", "010-3333-4444")
    assert not page.is_checked("#id_safe_to_contact")
    assert _serious(page) == []
    screenshot(page, f"guardian-{language}-{width}-form")
    page.click("#save-guardian")
    page.wait_for_selector("#guardian-safe")
    assert Guardian.objects.get(case=case).safe_to_contact is False
    # The case page with its guardian and the report still owed holds the width.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    duty_form = page.locator("#duties form.duty-form").first
    duty_form.locator("select[name$=authority]").select_option("child_protection")
    duty_form.locator("input[name$=reference_number]").fill("아동-2026-0042")
    duty_form.locator("button[type=submit]").click()
    page.wait_for_selector("#duties .duty-reports")
    assert DutyReport.objects.get(case=case).authority == "child_protection"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert _serious(page) == []
    page.goto(f"{live_server.url}/cases/{case.pk}/#guardian")
    screenshot(page, f"minor-case-{language}-{width}")
    context.close()
