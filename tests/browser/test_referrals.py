"""Referrals in a real browser: a victim referred to legal aid and the referral accepted; an overdue
takedown request escalated to the regulator, which makes the regulator referral."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import AccessAction, AccessLog, Partner, Referral, TakedownRequest
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import add_regulator, open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platforms")]


def _serious(page) -> list[tuple[str, str]]:
    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]


def test_it_refers_a_victim_to_legal_aid_and_marks_it_accepted(page, alice: User, password: str) -> None:
    case = open_case(alice, consents=Consents(contact=True, share_with_police=False, hash_matching=False))
    legal = Partner.objects.create(
        centre_id=alice.centre_id, name="대한법률구조공단 서울", kind="legal", channel="phone", contact="132"
    )
    sign_in(page, page.base, alice, password)
    page.goto(f"{page.base}/cases/{case.pk}/")
    page.click("#referrals summary")
    page.select_option("#id_partner", str(legal.pk))
    page.fill("#id_reason", "무료 법률 상담을 원함")
    page.check("input[name=shared_items][value=victim_name]")
    page.check("input[name=shared_items][value=contact_phone]")
    screenshot(page, "referral-propose-ko")
    page.click("#propose-referral")
    page.wait_for_selector(".referral-status")
    referral = Referral.objects.get(case=case)
    assert referral.shared_items == ["victim_name", "contact_phone"]
    assert "010-1234-5678" in page.inner_text("#shared")
    assert _serious(page) == []

    page.click("button[data-status=consented]")
    page.wait_for_selector("button[data-status=sent]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-status=sent]")
    page.wait_for_selector("button[data-status=accepted]")
    page.fill("#note-accepted", "변호사 배정됨")
    page.click("button[data-status=accepted]")
    page.wait_for_selector("#referral-outcome")
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.outcome_note == "변호사 배정됨"
    assert AccessLog.objects.filter(case=case, action=AccessAction.REFERRAL).get().detail["items"] == [
        "victim_name",
        "contact_phone",
    ]
    screenshot(page, "referral-accepted-ko")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "referral-accepted-ko-390")
    assert page.console_errors == []


def test_it_escalates_an_overdue_request_to_the_regulator(page, alice: User, password: str) -> None:
    add_regulator(alice.centre_id)
    case = open_case(alice)
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/room/99"])
    [draft] = do_draft_takedowns(actor=alice, case=case)
    sent = do_transition_takedown(actor=alice, case=case, takedown=draft, status="sent")
    TakedownRequest.objects.filter(pk=sent.pk).update(deadline_at=timezone.now() - timedelta(hours=3))
    sign_in(page, page.base, alice, password)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base}])
    page.goto(f"{page.base}/takedowns/{sent.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[data-status=escalated]")
    page.wait_for_selector("button[data-status=escalated]", state="detached")
    assert "Escalated to the regulator" in page.inner_text(".page-head")
    referral = Referral.objects.get(case=case)
    assert (referral.kind, referral.status, referral.takedown_id) == ("regulator", "sent", sent.pk)
    page.goto(f"{page.base}/referrals/{referral.pk}/")
    assert "https://t.me/room/99" in page.inner_text("#shared")
    assert _serious(page) == []
    screenshot(page, "referral-regulator-en")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "referral-regulator-en-390")
    assert page.console_errors == []
