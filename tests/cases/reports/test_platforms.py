"""The platforms report: requests sent, answered and escalated in a period, overdue now, hours to removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Platform
from tests.cases.reports import expected
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db

COUNTS = ["sent", "removed", "partially_removed", "refused", "escalated", "overdue"]


def _check(table: dict, want: dict, key_of) -> None:
    rows = {key_of(row): row for row in table["rows"]}
    wanted = {
        key: values for key, values in want.items() if key != "all" and key.startswith("kind:") == (key_of is _kind)
    }
    assert set(rows) == set(wanted)
    for key, row in rows.items():
        mine = wanted[key]
        assert {name: row[name] for name in COUNTS} == {name: mine.get(name, 0) for name in COUNTS}, key
        for name in ("median_hours", "p90_hours"):
            assert row[name] == (None if mine[name] is None else round(mine[name], 1)), (key, name)
        assert row["removal_rate"] == (None if mine["removal_rate"] is None else round(mine["removal_rate"], 4))
    footer = table["footer"]
    assert {name: footer[name] for name in COUNTS} == {name: want["all"].get(name, 0) for name in COUNTS}
    assert footer["median_hours"] == round(want["all"]["median_hours"], 1)


def _platform(row: dict) -> str:
    return row["platform"]


def _kind(row: dict) -> str:
    return "kind:" + row["kind_code"]


@pytest.mark.parametrize("days", [7, 60, 400])
def test_it_counts_requests_per_platform_and_kind(
    api_as, carol: User, world: World, report_mode: str, days: int
) -> None:
    today = timezone.localdate()
    first = today - timedelta(days=days)
    body = api_as(carol).get(f"/api/v1/reports/platforms/?from={first}&to={today}").json()
    by_platform, by_kind = body["tables"]
    want = expected.platforms(world.centre, timezone.now(), first, today)
    _check(by_platform, want, _platform)
    _check(by_kind, want, _kind)


def test_it_computes_median_and_p90_hours_to_removal(api_as, carol: User, world: World, report_mode: str) -> None:
    """Telegram 30 h and YouTube 47.5 h (Busan's 3 h is not Seoul's): median 38.75, p90 45.75."""
    today = timezone.localdate()
    body = api_as(carol).get(f"/api/v1/reports/platforms/?from={today - timedelta(days=400)}&to={today}").json()
    footer = body["tables"][0]["footer"]
    assert (footer["median_hours"], footer["p90_hours"]) == (38.8, 45.8)
    assert footer["removed"] == 2 and footer["partially_removed"] == 1 and footer["refused"] == 1


def test_it_filters_by_platform(api_as, carol: User, world: World, report_mode: str) -> None:
    today = timezone.localdate()
    first = today - timedelta(days=400)
    instagram = Platform.objects.get(name="Instagram")
    body = api_as(carol).get(f"/api/v1/reports/platforms/?from={first}&to={today}&platform={instagram.pk}").json()
    assert body["platform"] == instagram.pk
    rows = body["tables"][0]["rows"]
    assert [row["platform"] for row in rows] == ["Instagram"]
    want = expected.platforms(world.centre, timezone.now(), first, today, "Instagram")["Instagram"]
    assert rows[0]["partially_removed"] == want["partially_removed"] == 1
    assert rows[0]["sent"] == want["sent"] == 1


def test_it_counts_nothing_of_another_centre(api_as, dave: User, carol: User, world: World) -> None:
    today = timezone.localdate()
    body = api_as(carol).get(f"/api/v1/reports/platforms/?from={today - timedelta(days=100)}&to={today}").json()
    telegram = next(row for row in body["tables"][0]["rows"] if row["platform"] == "Telegram")
    assert telegram["sent"] == 1 and telegram["removed"] == 1  # Busan's Telegram request is Busan's
