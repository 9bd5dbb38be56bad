"""The daily summaries behind platforms, trends and the annual statistics: rebuilt at night, today live."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from cases.actions.sightings import do_update_sighting
from cases.actions.takedowns import do_draft_takedowns
from cases.models import ReportBuild, ReportCaseDay, ReportPlaceDay, ReportRequestDay, Sighting
from cases.reports import summaries
from cases.reports.tasks import rebuild_summaries
from tests.cases.reports import expected
from tests.cases.reports.conftest import World, answer, places, send
from tests.cases.reports.test_trends import _months

pytestmark = pytest.mark.django_db


def _rows() -> list[tuple]:
    return sorted(
        [
            *ReportCaseDay.objects.values_list("centre_id", "day", "opened", "minors", "synthetic", "closed"),
            *ReportPlaceDay.objects.values_list("centre_id", "day", "platform_id", "found_by", "found", "removed"),
            *ReportRequestDay.objects.values_list("centre_id", "day", "platform_id", "sent", "removed", "refused"),
        ],
        key=str,
    )


def _trends(api, first: str, last: str) -> dict[str, dict]:
    body = api.get(f"/api/v1/reports/trends/?from={first}&to={last}").json()
    return {row["month"]: row for row in body["tables"][1]["rows"]}


def test_it_covers_every_day_up_to_yesterday(world: World) -> None:
    build = summaries.rebuild(world.now)
    assert build.through == timezone.localdate(world.now) - timedelta(days=1)
    today = timezone.localdate(world.now)
    assert not ReportCaseDay.objects.filter(day__gte=today).exists()
    assert ReportCaseDay.objects.filter(centre=world.centre).count() > 0
    # Seoul's cases before today, day by day, as plain Python counts them.
    opened: dict = {}
    for case in world.cases.values():
        day = timezone.localdate(case.created_at)
        if case.centre_id == world.centre.pk and day < today:
            opened[day] = opened.get(day, 0) + 1
    summary = dict(ReportCaseDay.objects.filter(centre=world.centre, opened__gt=0).values_list("day", "opened"))
    assert summary == opened


def test_it_rebuilds_to_the_same_rows(world: World) -> None:
    summaries.rebuild(world.now)
    first = _rows()
    summaries.rebuild(world.now)
    assert _rows() == first


def test_it_counts_today_live_on_top_of_the_summaries(api_as, alice: User, carol: User, world: World) -> None:
    summaries.rebuild(world.now)
    a1 = world.cases["a1"]
    fresh = places(alice, a1, ["https://x.com/u/status/99"], 0, timezone.now(), found_by="victim")
    do_draft_takedowns(actor=alice, case=a1)
    request = send(alice, a1, "X (Twitter)", timezone.now(), days=0)
    answer(alice, a1, request, "removed", at=timezone.now())
    assert Sighting.objects.get(pk=fresh[0].pk).state == "removed"
    today = timezone.localdate()
    first = today - timedelta(days=400)
    body = api_as(carol).get(f"/api/v1/reports/platforms/?from={first}&to={today}").json()
    want = expected.platforms(world.centre, timezone.now(), first, today)
    x = next(row for row in body["tables"][0]["rows"] if row["platform"] == "X (Twitter)")
    assert (x["sent"], x["removed"]) == (want["X (Twitter)"]["sent"], want["X (Twitter)"]["removed"]) == (2, 1)
    rows = _trends(api_as(carol), first.isoformat(), today.isoformat())
    month = today.strftime("%Y-%m")
    assert rows[month]["removed"] == expected.trends(world.centre, _months(first, today))[month]["removed"]


def test_it_shows_a_correction_to_an_older_record_after_the_next_rebuild(
    api_as, alice: User, carol: User, world: World
) -> None:
    """As documented on the page: yesterday's counts are as of the last rebuild."""
    summaries.rebuild(world.now)
    place = Sighting.objects.filter(case=world.cases["a2"]).order_by("pk").first()
    assert place is not None and place.found_by == "monitoring"
    do_update_sighting(
        actor=alice, case=world.cases["a2"], sighting=place, changes={"found_by": "victim"}, version=place.version
    )
    today = timezone.localdate()
    first = today - timedelta(days=400)
    months = _months(first, today)
    month = timezone.localtime(place.created_at).strftime("%Y-%m")
    before = _trends(api_as(carol), first.isoformat(), today.isoformat())[month]
    assert (
        before["found_by_monitoring"] == expected.trends(world.centre, months)[month].get("found_by_monitoring", 0) + 1
    )
    call_command("rebuild_report_summaries")
    after = _trends(api_as(carol), first.isoformat(), today.isoformat())[month]
    want = expected.trends(world.centre, months)[month]
    assert (after["found_by_monitoring"], after["found_by_victim"]) == (
        want.get("found_by_monitoring", 0),
        want.get("found_by_victim", 0),
    )


def test_it_rebuilds_once_a_new_day_has_begun(world: World) -> None:
    assert rebuild_summaries() == (timezone.localdate() - timedelta(days=1)).isoformat()
    assert rebuild_summaries() is None  # the same day: nothing to do
    assert summaries.rebuild_if_stale(timezone.now() + timedelta(days=1)) is not None
    assert ReportBuild.objects.get().through == timezone.localdate()


def test_it_is_scheduled_every_hour() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["reports-rebuild-summaries"]
    assert entry["task"] == rebuild_summaries.name
    assert entry["schedule"] == timedelta(hours=1)
    assert "cases.reports.tasks" in settings.CELERY_IMPORTS


def test_it_reads_the_same_figures_from_the_summaries_as_live(api_as, carol: User, world: World) -> None:
    today = timezone.localdate()
    paths = [
        f"/api/v1/reports/platforms/?from={today - timedelta(days=400)}&to={today}",
        "/api/v1/reports/trends/",
        f"/api/v1/reports/annual/?year={today.year}",
    ]
    live = [api_as(carol).get(path).json()["tables"] for path in paths]
    summaries.rebuild(world.now)
    assert [api_as(carol).get(path).json()["tables"] for path in paths] == live
