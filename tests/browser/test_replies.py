"""A platform's e-mailed reply in a real browser: it appears on its request and one click confirms it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.models import PlatformReply, TakedownRequest
from tests.browser.conftest import screenshot, sign_in
from tests.cases.test_replies import inbound, reply_to, send, sent  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("platforms")]


def test_it_shows_the_reply_on_its_request_and_acknowledges_after_one_click(
    page,
    inbound,  # noqa: F811 - the fixture imported above
    sent: TakedownRequest,  # noqa: F811 - the fixture imported above
    alice: User,
    password: str,
) -> None:
    send(inbound, reply_to(sent))
    reply = PlatformReply.objects.get()
    sign_in(page, page.base, alice, password)
    page.goto(f"{page.base}/takedowns/{sent.pk}/")
    page.wait_for_selector(f"#reply-{reply.pk}")
    assert "We have received your report" in page.inner_text(f"#reply-{reply.pk}")
    assert page.inner_text(".reply-ticket") == "TG-48213"
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    screenshot(page, "reply-on-request-ko")
    page.click(f"#confirm-reply-{reply.pk}")
    page.wait_for_selector(f"#confirm-reply-{reply.pk}", state="detached")
    takedown = TakedownRequest.objects.get(pk=sent.pk)
    assert (takedown.status, takedown.ticket_number) == ("acknowledged", "TG-48213")
    assert PlatformReply.objects.get().status == "applied"
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "reply-applied-ko-390")
    assert page.console_errors == []
