"""An immediate risk of harm from the counsellor's assessment, through the supervisor's
acknowledgement, to the plan that takes it off the dashboard: in Chromium, Korean and English."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.models import Escalation, EscalationState
from notifications import dispatcher
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _deliver_due() -> None:
    """What a worker does with what the assessment queued (no worker process in a browser test)."""

    def publish(ids: Sequence[int]) -> int:
        for notification_id in ids:
            dispatcher.deliver(notification_id)
        return len(ids)

    dispatcher.dispatch_due(publish=publish)


def _serious(page) -> list[str]:
    return [
        f"{v['id']} ({len(v['nodes'])})"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_it_takes_an_immediate_risk_from_assessment_to_acknowledgement_to_plan(
    browser, live_server, alice: User, carol: User, password: str
) -> None:
    case = open_case(alice, victim_name="김민지", is_minor=True)
    base = live_server.url

    # Alice, in Korean, on her phone: the assessment, with the crisis numbers beside it.
    counsellor = browser.new_context(locale="ko-KR", extra_http_headers={"Accept-Language": "ko"})
    page = counsellor.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, base, alice, password)
    page.goto(f"{base}/cases/{case.pk}/#risk")
    crisis = page.inner_text(".crisis-lines")
    assert "109" in crisis and "자살예방 상담전화" in crisis and "112" in crisis
    page.select_option("#id_level", "immediate")
    page.fill("#id_asked", "오늘 스스로를 해칠 계획이 있나요?")
    page.fill("#id_answer", "약을 모아 두었다고 함")
    page.click("#record-risk")
    page.wait_for_selector("#escalation.raised")
    assert page.inner_text("#risk-level") == "즉각적 위험"
    assert "당직 팀장에게 연락하고 있습니다" in page.inner_text("#escalation")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "risk-ko-390-raised")
    assert _serious(page) == []

    # The round reaches Carol's inbox; she signs in, in English, at her desk.
    _deliver_due()
    supervisor = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    desk = supervisor.new_page()
    desk.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    desk.set_viewport_size({"width": 1280, "height": 900})
    sign_in(desk, base, carol, password)
    desk.goto(base + "/")
    desk.wait_for_selector("#escalations")
    assert "waiting for a supervisor to acknowledge" in desk.inner_text("#escalations")
    assert desk.inner_text("#inbox-unread") == "1"
    desk.goto(base + "/inbox/")
    assert "Urgent: a case needs you" in desk.inner_text("main")
    screenshot(desk, "risk-en-1280-inbox")
    desk.goto(base + "/")
    desk.click("#escalations a.ref")
    desk.wait_for_selector("#acknowledge")
    assert "Suicide prevention line" in desk.inner_text(".crisis-lines")
    screenshot(desk, "risk-en-1280-to-acknowledge")
    assert _serious(desk) == []
    desk.click("#acknowledge")
    desk.wait_for_selector("#escalation.acknowledged")
    assert "Acknowledged by Carol Park" in desk.inner_text("#escalation")
    assert Escalation.objects.get(case=case).state == EscalationState.ACKNOWLEDGED
    desk.goto(base + "/")
    assert "waiting for the plan" in desk.inner_text("#escalations")
    screenshot(desk, "risk-en-1280-dashboard-waiting-for-plan")

    # Alice records the plan agreed with her: the escalation ends and leaves the dashboard.
    page.reload()
    assert "Carol Park" in page.inner_text("#escalation")
    page.select_option("#id_level", "high")
    page.fill("#id_asked", "오늘 밤 안전하게 지낼 수 있나요?")
    page.fill("#id_answer", "어머니와 함께 있겠다고 함")
    page.fill("#id_plan", "어머니가 오늘 밤 함께 있음; 내일 10시 다시 통화; 위급하면 109")
    page.click("#record-risk")
    page.wait_for_selector(".risk-history")
    assert page.query_selector("#escalation") is None
    assert "내일 10시 다시 통화" in page.inner_text(".risk-history")
    screenshot(page, "risk-ko-390-plan")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "risk-ko-1280-plan")
    assert Escalation.objects.get(case=case).state == EscalationState.RESOLVED
    desk.goto(base + "/")
    assert desk.query_selector("#escalations") is None
    desk.set_viewport_size({"width": 390, "height": 900})
    desk.goto(f"{base}/cases/{case.pk}/#risk")
    screenshot(desk, "risk-en-390-history")
    assert desk.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []
    counsellor.close()
    supervisor.close()
