"""The report pages: each chart drawn on the server beside its table, a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from cases.actions.takedowns import do_draft_takedowns
from cases.reports import summaries
from cases.reports.charts import Series, axis, bar_chart, column_chart
from tests.cases.conftest import open_case
from tests.cases.reports.conftest import World, after, answer, places, send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["workload", "ageing", "platforms", "trends", "annual", "referrals"]


def _queries(client, path: str) -> int:
    client.get(path)  # the first request of a process loads what later ones find ready
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _more_of_everything(world: World, alice: User) -> None:
    """Ten more cases with places and answered requests, and another counsellor."""
    UserFactory.create(email="gina@seoul.test", full_name="Gina Han", centre=world.centre, role=Role.COUNSELLOR)
    for n in range(10):
        case = open_case(alice, victim_name=f"사람{n}", harm_types=["synthetic"], is_minor=n % 2 == 0)
        places(alice, case, [f"https://t.me/more/{n}", f"https://x.com/m/status/{n}"], 20 + n, timezone.now())
        do_draft_takedowns(actor=alice, case=case)
        telegram = send(alice, case, "Telegram", timezone.now(), days=10 + n)
        answer(alice, case, telegram, "removed", at=after(telegram, hours=n + 1))
        send(alice, case, "X (Twitter)", timezone.now(), days=n)


@pytest.mark.parametrize("name", PAGES)
def test_it_costs_the_same_queries_whatever_the_data(
    client_as, alice: User, carol: User, world: World, name: str
) -> None:
    summaries.rebuild(world.now)
    client = client_as(carol)
    path = f"/reports/{name}/?from=2020-01-01" if name in ("platforms", "trends") else f"/reports/{name}/"
    before = _queries(client, path)
    _more_of_everything(world, alice)
    summaries.rebuild()
    assert _queries(client, path) == before
    assert before <= 24  # the annual page: 22, three of them the kept counts of purged cases on live days


def test_it_costs_the_same_queries_with_and_without_summaries(client_as, carol: User, world: World) -> None:
    client = client_as(carol)
    live = [_queries(client, f"/reports/{name}/") for name in PAGES]
    summaries.rebuild(world.now)
    built = [_queries(client, f"/reports/{name}/") for name in PAGES]
    # With summaries a report reads them and the live days: one query more or less, never one per row.
    assert all(abs(a - b) <= 3 for a, b in zip(live, built, strict=True))


@pytest.mark.parametrize("name", PAGES)
def test_it_draws_each_chart_beside_its_table(client_as, carol: User, world: World, name: str) -> None:
    response = client_as(carol).get(f"/reports/{name}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('<svg class="chart"') >= 1
    # No inline script and none from elsewhere: the only script is the site's own static file.
    assert re.findall(r"<script[^>]*>", text) in ([], ['<script src="/static/caseflow/staff.js" defer>'])
    # The strict CSP refuses style attributes: charts colour themselves through classes in app.css.
    assert not re.search(r"<svg[^>]*style=|<rect[^>]*style=", text)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    for section in re.findall(r'<section class="card report-section".*?</section>', text, re.S):
        assert "<table" in section and "<caption" in section


def test_it_escapes_names_in_charts(client_as, carol: User, world: World) -> None:
    evil = UserFactory.create(
        email="x@seoul.test", full_name='<script>alert(1)</script>"', centre=world.centre, role=Role.COUNSELLOR
    )
    open_case(evil)
    text = client_as(carol).get("/reports/workload/").content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_it_scales_bars_to_a_round_axis() -> None:
    counts = [axis(n) for n in (0, 1, 3, 5, 7, 12, 26, 99, 101, 2400)]
    assert counts == [(1, 1), (1, 1), (3, 1), (5, 1), (8, 2), (15, 5), (30, 10), (100, 20), (150, 50), (2500, 500)]
    assert axis(0.4, integers=False) == pytest.approx((0.4, 0.1))
    assert axis(31.5, integers=False) == pytest.approx((40, 10))
    svg = bar_chart(title="t", categories=["a", "b"], series=[Series("s", [5, 10])])
    widths = [float(w) for w in re.findall(r'<rect class="t1" x="[\d.]+" y="\d+" width="([\d.]+)" height="16">', svg)]
    assert widths[1] == pytest.approx(2 * widths[0])  # 10 is twice as long as 5
    assert bar_chart(title="t", categories=[], series=[]) == ""
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    columns = column_chart(title="c", categories=months, series=[Series("s", list(range(12)))])
    assert columns.count("<rect") == 11 + 1  # eleven non-zero columns and the legend's swatch
