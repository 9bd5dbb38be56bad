"""A reminder that fell due shows in the header and the inbox, and leads to its case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.actions.followups import do_set_followup
from notifications import dispatcher
from tests.browser.conftest import screenshot
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_a_due_follow_up_in_the_inbox(page, alice: User, password: str) -> None:
    case = open_case(alice)
    due = timezone.now() + timedelta(minutes=5)
    do_set_followup(actor=alice, case=case, due_at=due, note="Call back")

    def publish(ids: Sequence[int]) -> int:
        for notification_id in ids:
            dispatcher.deliver(notification_id)
        return len(ids)

    # What beat and a worker do once the time has come (transactional test: on_commit runs at once).
    dispatcher.dispatch_due(now=due + timedelta(minutes=1), publish=publish)

    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", alice.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("#inbox-unread")
    assert page.inner_text("#inbox-unread") == "1"
    page.click("#inbox-link")
    page.wait_for_selector("ul.inbox li.unread")
    text = page.inner_text("ul.inbox")
    assert f"사건 {case.display_reference} 후속 조치" in text and "Call back" in text  # from the follow-up itself
    screenshot(page, "inbox-followup-ko")
    page.click("ul.inbox li a")
    page.wait_for_url(f"{page.base}/cases/{case.pk}/#followup-*")
    assert "Call back" in page.inner_text("#followups")
    # Opening it marked it read: the header's count is gone.
    assert page.locator("#inbox-unread").count() == 0
    # Snooze from the inbox to a chosen time, then mark it done from the case page.
    page.goto(page.base + "/inbox/")
    later = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.fill("ul.inbox input[type=datetime-local]", later)
    page.click("ul.inbox form:has(input[type=datetime-local]) button")
    page.wait_for_url(f"{page.base}/inbox/")
    assert "후속 조치" in page.inner_text("ul.messages")
    page.goto(f"{page.base}/cases/{case.pk}/")
    assert later.replace("T", " ") in page.inner_text("#followups")
    page.click("#followups .followup-actions form:not(.snooze) button")
    page.wait_for_url(f"{page.base}/cases/{case.pk}/#followups")
    assert "남은 후속 조치가 없습니다" in page.inner_text("#followups")
    assert "Call back" in page.inner_text("#followups ul.past")
    screenshot(page, "case-followups-done-ko")
    assert page.console_errors == []
