"""Every staff page holds at 1280, 768 and 390 px wide in Korean and English, for a counsellor and a
supervisor, with no serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case
from tests.conftest import ensure_platforms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 768, 390)


def _pages(case_id: int, takedown_id: int, supervisor: bool) -> list[str]:
    pages = [
        "/",
        "/cases/",
        "/cases/new/",
        "/cases/search/",
        "/takedowns/due/",
        "/inbox/",
        f"/cases/{case_id}/",
        f"/cases/{case_id}/edit/",
        f"/takedowns/{takedown_id}/",
        "/accounts/mfa/",
    ]
    return [*pages, "/deliveries/failed/", "/on-call/"] if supervisor else pages


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("who", ["alice", "carol"])
def test_it_holds_every_staff_page_at_every_width(
    browser, live_server, request, password: str, language: str, who: str
) -> None:
    alice: User = request.getfixturevalue("alice")
    user: User = request.getfixturevalue(who)
    ensure_platforms()  # after the user fixtures: a transactional test's database may have been flushed
    case = open_case(alice, victim_name="김민지", priority="urgent", is_minor=True, harm_types=["synthetic"])
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/some_room/1", "https://x.com/u/status/2"])
    takedown = do_draft_takedowns(actor=alice, case=case)[0]
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server.url, user, password)  # carol enters her authenticator app's code too
    axe = Axe()
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in _pages(case.pk, takedown.pk, supervisor=who == "carol"):
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{width}px {path}: {overflow}px wider than the screen")
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append(f"{width}px {path}: {violation['id']} ({len(violation['nodes'])})")
            if width == 390 and path in ("/", f"/cases/{case.pk}/"):
                screenshot(page, f"staff-{who}-{language}-{path.strip('/').replace('/', '-') or 'dashboard'}-390")
    context.close()
    assert problems == []
