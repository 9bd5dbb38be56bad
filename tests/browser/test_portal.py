"""The victim's portal in a real browser: sign in, read progress, report places, change contact,
quick exit; and an accessibility check of every portal page at phone and desktop widths."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.actions.cases import do_add_note
from cases.actions.portal import do_issue_portal_access
from cases.actions.sightings import do_add_sightings
from cases.models import Case, Sighting
from tests.browser.conftest import screenshot
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/portal/case/", "/portal/places/", "/portal/contact/", "/portal/consents/", "/portal/close/"]


def _victims_case(alice: User) -> tuple[Case, str, str]:
    case = open_case(alice, preferred_language="ko")
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/some_room/1", "https://x.com/u/status/2"])
    do_add_note(actor=alice, case=case, body="플랫폼에 삭제 요청을 보냈어요.", visibility="shared")
    issued = do_issue_portal_access(actor=alice, case=case)
    return case, issued.reference, issued.passphrase


def _sign_in(page, reference: str, passphrase: str) -> None:
    page.goto(page.base + "/portal/")
    page.fill("input[name=reference]", reference)
    page.fill("input[name=passphrase]", passphrase)
    page.click("form.card button.primary")
    page.wait_for_url("**/portal/case/")


def test_it_walks_a_victim_through_the_portal_and_out(page, settings, alice: User) -> None:
    settings.PORTAL_EXIT_URL = page.base + "/accounts/login/"
    case, reference, passphrase = _victims_case(alice)
    _sign_in(page, reference, passphrase)
    text = page.inner_text("main")
    assert "2곳 중 0곳 삭제" in text
    assert "플랫폼에 삭제 요청을 보냈어요." in text
    assert "some_room" not in page.content()
    screenshot(page, "portal-progress-ko")

    page.click("nav.portal-nav >> text=장소 알리기")
    page.fill("textarea[name=text]", "https://t.me/another_room/9\nnot a link at all")
    page.click("form.card button.primary")
    page.wait_for_selector("#results")
    assert page.locator("li.result.created").count() == 1
    assert page.locator("li.result.rejected").count() == 1
    screenshot(page, "portal-places-ko")
    assert Sighting.objects.filter(case=case, state="reported").count() == 1

    page.click("nav.portal-nav >> text=연락 방법")
    page.select_option("select[name=contact_channel]", "email")
    page.fill("input[name=contact_email]", "safe@example.kr")
    page.click("form.card button.primary")
    page.wait_for_selector("p.messages.success")
    case.refresh_from_db()
    assert (case.contact_channel, case.contact_email) == ("email", "safe@example.kr")

    page.click("#quick-exit button")
    page.wait_for_url(settings.PORTAL_EXIT_URL)
    page.go_back()
    page.wait_for_load_state()
    # Whatever Back shows, it is not her case: the session ended and no portal page was cached.
    assert case.display_reference not in page.content()
    assert "2곳 중" not in page.content()
    assert page.console_errors == []


def test_it_quick_exits_on_escape_pressed_three_times(page, settings, alice: User) -> None:
    settings.PORTAL_EXIT_URL = page.base + "/accounts/login/"
    _case, reference, passphrase = _victims_case(alice)
    _sign_in(page, reference, passphrase)
    for _ in range(3):
        page.keyboard.press("Escape")
    page.wait_for_url(settings.PORTAL_EXIT_URL)
    page.goto(page.base + "/portal/case/")
    assert page.url.endswith("/portal/")


@pytest.mark.parametrize("width", [390, 1280])
def test_it_has_no_serious_accessibility_violations(page, alice: User, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _case, reference, passphrase = _victims_case(alice)
    axe = Axe()
    page.goto(page.base + "/portal/")
    found = {"/portal/": axe.run(page).response["violations"]}
    _sign_in(page, reference, passphrase)
    for path in PAGES:
        page.goto(page.base + path)
        found[path] = axe.run(page).response["violations"]
        screenshot(page, f"portal-{path.strip('/').replace('/', '-')}-{width}")
    serious = {
        path: [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in ("serious", "critical")]
        for path, violations in found.items()
    }
    assert all(not v for v in serious.values()), serious
    # Nothing wider than the screen at a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
