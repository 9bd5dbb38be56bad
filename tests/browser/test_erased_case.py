"""An erased case (its key destroyed) as a supervisor sees it: the case page says so, the list marks
it, nothing breaks; Korean on a phone, English at a desk, with axe."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.actions.cases import do_add_note
from cases.actions.keys import do_destroy_case_key
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_it_shows_an_erased_case_as_erased(browser, live_server, alice: User, carol: User, password: str) -> None:
    case = open_case(alice, victim_name="김민지")
    do_add_note(actor=alice, case=case, body="Called her back")
    open_case(alice, victim_name="이하은")
    do_destroy_case_key(actor=carol, case=case, reason="She asked for erasure")
    for locale, language, width, banner, badge in (
        ("ko-KR", "ko", 390, "파기된 사건입니다", "파기됨"),
        ("en-GB", "en", 1280, "This case was erased", "erased"),
    ):
        context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": language})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, live_server.url, carol, password)
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        assert banner in page.inner_text("#case-erased")
        assert "김민지" not in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        screenshot(page, f"erased-case-{language}-{width}")
        serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        page.goto(f"{live_server.url}/cases/")
        assert badge in page.inner_text("main") and "이하은" in page.inner_text("main")
        screenshot(page, f"erased-list-{language}-{width}")
        assert errors == []
        context.close()
