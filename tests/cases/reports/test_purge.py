"""The reports give the same figures before and after a purge: over the API and on the pages, for any
range of days, whether the days come from the summaries or are counted live, before and after the
next rebuild."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.actions.purge import purge_case
from cases.models import Case, Platform, PurgeKind, TakedownRequest
from cases.reports import summaries
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db

TABLE = re.compile(r"<table.*?</table>", re.S)


def _queries() -> list[str]:
    today = timezone.localdate()
    ranges = [(2020, 0), (400, 0), (45, 30), (160, 140), (36, 33), (3, 0), (0, 0)]
    queries = [
        f"from={(today - timedelta(days=first)).isoformat()}&to={(today - timedelta(days=last)).isoformat()}"
        if first != 2020
        else "from=2020-01-01"
        for first, last in ranges
    ]
    return [*queries, f"{queries[1]}&platform=PLATFORM"]


def figures(api, client, world: World) -> dict[str, object]:
    """Every history report over several ranges (JSON), the years' statistics, and the pages' tables."""
    youtube = Platform.objects.get(name="YouTube").pk
    seen: dict[str, object] = {}
    for name in ("platforms", "trends"):
        for query in _queries():
            query = query.replace("PLATFORM", str(youtube))
            answer = api.get(f"/api/v1/reports/{name}/?{query}")
            assert answer.status_code == 200, answer.content
            seen[f"api {name} {query}"] = {k: v for k, v in answer.json().items() if k != "summaries_through"}
            page = client.get(f"/reports/{name}/?{query}")
            assert page.status_code == 200
            seen[f"page {name} {query}"] = TABLE.findall(page.content.decode())
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year):
        annual = api.get(f"/api/v1/reports/annual/?year={year}").json()
        seen[f"api annual {year}"] = {k: v for k, v in annual.items() if k != "summaries_through"}
        seen[f"page annual {year}"] = TABLE.findall(client.get(f"/reports/annual/?year={year}").content.decode())
    return seen


@pytest.mark.parametrize("gone", [("a2", "a4", "b1"), ("a4",), ("b1",)])
def test_it_gives_the_same_figures_after_a_purge(
    api_as, client_as, carol: User, alice: User, world: World, report_mode: str, gone: tuple[str, ...]
) -> None:
    """a2: partly removed, refused after an escalation; a4: closed, a place never removed; b1: a minor's,
    removed after 47.5 hours and a request still waiting (not overdue). Overdue requests of now are left
    out on purpose: a purged case has nothing left to chase (README, "Retention")."""
    api, client = api_as(carol), client_as(carol)
    before = figures(api, client, world)
    for name in gone:
        purge_case(case_id=world.cases[name].pk, kind=PurgeKind.ERASURE, requested_by=alice, reason="Asked.")
    assert not Case.objects.filter(pk__in=[world.cases[name].pk for name in gone]).exists()
    assert figures(api, client, world) == before
    if report_mode == "summaries":
        # The next nightly rebuild recounts every day from the rows left and what the purge kept.
        summaries.rebuild()
        assert figures(api, client, world) == before


def test_it_would_lose_the_figures_without_what_the_purge_keeps(
    api_as, client_as, carol: User, world: World, report_mode: str
) -> None:
    """The comparison above can fail: deleting the same case without the purge changes the figures."""
    api, client = api_as(carol), client_as(carol)
    before = figures(api, client, world)
    case = world.cases["b1"]
    TakedownRequest.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).delete()
    assert figures(api, client, world) != before
