"""A counsellor's day in a real browser: file a case, add a note, start work; a colleague sees nothing."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from cases.models import Case
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user: User, password: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")


def test_it_files_a_case_adds_a_note_and_starts_work(browser, page, alice: User, bob: User, password: str) -> None:
    _sign_in(page, alice, password)
    page.click("text=새 사건")
    page.fill("#id_victim_name", "김민지")
    page.fill("#id_contact_phone", "010-1234-5678")
    page.select_option("#id_priority", "urgent")
    page.check("input[name=harm_types][value=synthetic]")
    page.fill("#id_summary", "텔레그램 방에 합성 이미지가 유포됨 <script>alert(1)</script>")
    page.check("#id_consent_contact")
    screenshot(page, "intake-ko")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert page.url == f"{page.base}/cases/{case.pk}/"
    assert case.display_reference in page.inner_text("h1")

    page.fill("#id_body", "첫 상담 전화. 삭제 요청을 시작함.")
    page.select_option("#id_kind", "phone")
    page.click("text=메모 추가")
    page.wait_for_selector("text=첫 상담 전화")

    page.click("button[data-status=in_progress]")
    page.wait_for_selector(".status.in_progress")
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert case.notes.get().body == "첫 상담 전화. 삭제 요청을 시작함."
    screenshot(page, "case-ko")
    assert page.console_errors == []

    # bob, a counsellor of the same centre, may not open alice's case: the same 404 as a missing one.
    other = browser.new_context(locale="ko-KR")
    bobs = other.new_page()
    bobs.base = page.base
    _sign_in(bobs, bob, password)
    response = bobs.goto(f"{page.base}/cases/{case.pk}/")
    assert response.status == 404
    assert "김민지" not in bobs.content()
    other.close()
