"""A web form's letter in a real browser: copy buttons, a warning before leaving unsaved edits, and
the confirmation that records exactly what is on the page as sent."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.models import TakedownRequest
from tests.browser.conftest import screenshot
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platforms")]


def _sign_in(page, user: User, password: str) -> None:
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("text=대시보드")


def test_it_copies_a_web_form_letter_and_asks_before_leaving_unsaved_edits(page, alice: User, password: str) -> None:
    case = open_case(alice)
    do_add_sightings(actor=alice, case=case, lines=["https://x.com/u/status/5"])
    [draft] = do_draft_takedowns(actor=alice, case=case)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base)
    _sign_in(page, alice, password)
    page.goto(f"{page.base}/takedowns/{draft.pk}/")
    assert page.get_attribute("#web-form-link", "href") == "https://help.x.com/forms"

    # The copy buttons appear with the script and put the field's text on the clipboard.
    page.click("button[data-copy=id_body]")
    page.wait_for_selector(".copy-status:not(:empty)")
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#id_body")
    page.click("button[data-copy=id_subject]")
    assert page.evaluate("navigator.clipboard.readText()") == draft.subject

    # Unsaved edits: leaving asks first, and staying keeps them.
    page.click("#id_body")
    page.keyboard.press("Control+End")
    page.keyboard.type(" 추가 문장")
    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.click(".page-head a.ref")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/takedowns/{draft.pk}/") and page.input_value("#id_body").endswith(" 추가 문장")
    screenshot(page, "takedown-web-form-ko")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "takedown-web-form-ko-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Its own button is no leaving: it saves and records what is on the page as sent, at once.
    typed = page.input_value("#id_body")
    page.fill("#id_ticket_number", "X-555")
    page.click("#confirm-submitted")
    page.wait_for_selector(".messages")
    assert dialogs == ["beforeunload"]
    sent = TakedownRequest.objects.get(pk=draft.pk)
    assert (sent.status, sent.channel, sent.ticket_number) == ("sent", "web_form", "X-555")
    assert sent.sent_body == typed
    assert page.console_errors == []
