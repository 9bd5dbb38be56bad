"""Without script, a change that cannot be undone is asked on a page of its own, in a real browser."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.cases import do_transition_case
from cases.models import Case
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_asks_on_a_page_before_closing_a_case_without_script(
    browser, live_server, alice: User, carol: User, password: str
) -> None:
    case: Case = open_case(alice)
    do_transition_case(actor=alice, case=case, status="in_progress")
    do_transition_case(actor=alice, case=case, status="monitoring")
    context = browser.new_context(
        locale="en-GB", java_script_enabled=False, extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, carol, password)  # with her authenticator app's code
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.click("button[data-status=closed]")
        page.wait_for_selector(".confirm-step")
        assert page.inner_text("h1") == "Close this case?"
        screenshot(page, "confirm-close-case-en")
        page.set_viewport_size({"width": 390, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        case.refresh_from_db()
        assert case.status == "monitoring"
        page.click("#confirm-yes")
        page.wait_for_selector(".status.closed")
        case.refresh_from_db()
        assert case.status == "closed"
    finally:
        context.close()
