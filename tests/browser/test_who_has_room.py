"""A supervisor goes from seeing who has room (the workload report) to handing that counsellor the
unassigned cases: one click to the intake queue with her chosen, one to select the page, one to assign."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import User
from cases.actions.cases import do_assign_case
from cases.models import Case
from tests.browser.conftest import screenshot, sign_in
from tests.cases.conftest import open_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_it_assigns_unassigned_cases_to_who_has_room(
    browser, live_server, alice: User, bob: User, carol: User, password: str, language: str
) -> None:
    # alice has three open cases, bob one: bob has room. Two cases wait in the intake queue.
    for n in range(3):
        open_case(alice, victim_name=f"김민지{n}", contact_phone=f"010-1000-000{n}")
    open_case(bob, victim_name="이서연", contact_phone="010-2000-0000")
    waiting = []
    for n in range(2):
        case = open_case(alice, victim_name=f"박하은{n}", contact_phone=f"010-3000-000{n}")
        waiting.append(do_assign_case(actor=carol, case=case, assignee=None, version=case.version))
    context = browser.new_context(locale=f"{language}-KR", extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    sign_in(page, live_server.url, carol, password)
    page.goto(live_server.url + "/reports/workload/")
    links = page.locator("a.assign-link")
    assert links.count() == 1
    assert bob.full_name in links.first.inner_text()  # the person, for a screen reader
    links.first.click()  # 1
    page.wait_for_url(f"{live_server.url}/cases/?assigned=none&assign_to={bob.pk}")
    assert page.input_value("#bulk-assignee") == str(bob.pk)
    assert page.locator("input[name=case]").count() == 2
    page.check("#select-all")  # 2
    assert all(box.is_checked() for box in page.locator("input[name=case]").all())
    screenshot(page, f"who-has-room-{language}-1280")
    problems = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert problems == []
    page.click("#bulk button.primary")  # 3
    page.wait_for_selector("#flash li.success")
    for case in waiting:
        assert Case.objects.get(pk=case.pk).assigned_to_id == bob.pk
        assert case.display_reference in page.inner_text("#flash")
    # Back on the same list, which the two cases have left.
    assert page.url == f"{live_server.url}/cases/?assigned=none&assign_to={bob.pk}"
    assert page.locator("input[name=case]").count() == 0
    context.close()
