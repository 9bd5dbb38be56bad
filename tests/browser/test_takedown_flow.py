"""From pasted links to requests sent and a place marked removed, in a real browser."""

from __future__ import annotations

import pytest

from accounts.models import Centre, User
from cases.actions.letters import deliver_letter
from cases.models import Case, Sighting, TakedownRequest
from tests.browser.conftest import screenshot
from tests.cases.conftest import open_case
from tests.smtp import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platforms")]


def test_it_pastes_drafts_sends_and_marks_removed(page, alice: User, password: str, smtp: SmtpServer) -> None:
    Centre.objects.filter(pk=alice.centre_id).update(letters_from="letters@seoul-centre.test")
    case: Case = open_case(alice)
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", alice.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")

    page.goto(f"{page.base}/cases/{case.pk}/")
    page.fill(
        "#id_text",
        "https://t.me/leak_room/12?utm_source=x\nhttps://t.me/leak_room/13\njavascript:alert(1)\nhttps://x.com/u/status/5",
    )
    page.check("#id_is_synthetic")
    page.click("#add-sightings")
    page.wait_for_selector(".bulk-results")
    assert page.locator(".line-created").count() == 3
    assert page.locator(".line-rejected").count() == 1
    assert Sighting.objects.filter(case=case, is_synthetic=True).count() == 3

    page.click("#draft-requests")
    page.wait_for_selector("tr.takedown.draft")
    assert TakedownRequest.objects.filter(case=case, status="draft").count() == 2
    page.click("tr.takedown >> text=Telegram")
    page.wait_for_selector("#id_body")
    assert "https://t.me/leak_room/12" in page.input_value("#id_body")
    screenshot(page, "takedown-draft-ko")
    # Send saves and sends in one step; a worker e-mails it (here: the task's function, to a real
    # SMTP server), and the request counts as sent once the server took it.
    page.click("#send-letter")
    page.wait_for_selector("#letter-progress")
    telegram = TakedownRequest.objects.get(case=case, platform__name="Telegram")
    assert (telegram.status, telegram.mail_state) == ("draft", "pending")
    deliver_letter(telegram.pk)
    assert smtp.received[0].body_bytes() == TakedownRequest.objects.get(pk=telegram.pk).sent_body.encode()
    page.reload()
    page.wait_for_selector("button[data-status=removed]")
    telegram.refresh_from_db()
    assert telegram.status == "sent" and telegram.deadline_at is not None
    screenshot(page, "takedown-sent-answers-ko")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "takedown-sent-answers-ko-390")

    # An answer asks first: dismissing the dialog changes nothing, accepting it records the answer.
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.click("button[data-status=removed]")
    page.wait_for_timeout(300)
    telegram.refresh_from_db()
    assert telegram.status == "sent" and "Telegram" in questions[0]
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.click("button[data-status=removed]")
    page.wait_for_selector(".state.removed")
    assert "confirm-step" not in page.content()  # the dialog answered, so no second page
    assert Sighting.objects.filter(case=case, state="removed").count() == 2
    page.goto(f"{page.base}/takedowns/due/")
    page.wait_for_selector("h1")
    assert page.console_errors == []
