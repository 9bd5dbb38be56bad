"""A supervisor opens every report in Korean and in English, downloads a CSV, and prints the year."""

from __future__ import annotations

import pytest

from accounts.models import Centre, Role, User
from tests.browser.conftest import screenshot, sign_in
from tests.cases.reports.conftest import World, build_world
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["workload", "ageing", "platforms", "trends", "annual"]


@pytest.fixture
def world(platforms: None, centre: Centre, alice: User, bob: User, carol: User, dave: User) -> World:
    """The report tests' centre (tests/cases/reports/conftest.py)."""
    frank = UserFactory.create(email="frank@seoul.test", full_name="Frank Yoon", centre=centre, role=Role.COUNSELLOR)
    return build_world(centre, alice=alice, bob=bob, carol=carol, dave=dave, frank=frank)


def test_it_opens_every_report_in_both_languages(page, carol: User, password: str, world: World) -> None:
    sign_in(page, page.base, carol, password)  # with her authenticator app's code
    page.wait_for_selector("#reports-link")
    page.click("#reports-link")
    page.wait_for_selector("#report-annual")
    assert page.inner_text("h1") == "보고서"
    screenshot(page, "reports-index-ko")
    for name in NAMES:
        page.click(f"#report-{name}")
        page.wait_for_selector("svg.chart")
        assert page.locator("table.report").count() >= 1
        screenshot(page, f"reports-{name}-ko")
        page.go_back()
        page.wait_for_selector("#report-annual")

    page.click("#report-platforms")
    page.wait_for_selector("#platforms")
    with page.expect_download() as download:
        page.click("#platforms a[download]")
    path = download.value.path()
    body = path.read_bytes()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("플랫폼,")
    assert "Telegram" in text
    assert download.value.suggested_filename.startswith("caseflow-platforms-platforms-")

    page.click("button[value=en]")
    page.wait_for_selector("text=Requests by platform")
    for name in NAMES:
        page.goto(f"{page.base}/reports/{name}/")
        page.wait_for_selector("svg.chart")
        screenshot(page, f"reports-{name}-en")
    assert "Annual statistics" in page.inner_text("h1")
    page.emulate_media(media="print")
    assert not page.is_visible("header.topbar")
    assert not page.is_visible("#report-filters")
    screenshot(page, "reports-annual-print-en")
    assert page.console_errors == []
