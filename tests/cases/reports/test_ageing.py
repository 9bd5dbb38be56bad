"""The ageing report: open cases by age and status, and the oldest ten, against plain Python."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from tests.cases.conftest import open_case
from tests.cases.reports import expected
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db


def test_it_counts_open_cases_by_age_and_status(api_as, carol: User, world: World) -> None:
    body = api_as(carol).get("/api/v1/reports/ageing/").json()
    ages, oldest = body["tables"]
    buckets, references = expected.ageing(world.centre, timezone.now())
    for row in ages["rows"]:
        want = buckets[row["bucket"]]
        assert (row["new"], row["in_progress"], row["monitoring"]) == (
            want["new"],
            want["in_progress"],
            want["monitoring"],
        ), row["bucket"]
        assert row["total"] == sum(want.values())
    assert ages["footer"]["total"] == sum(sum(counts.values()) for counts in buckets.values()) == 8
    assert [row["reference"] for row in oldest["rows"]] == references
    assert oldest["rows"][0]["reference"] == world.cases["b1"].display_reference


def test_it_puts_a_case_in_the_bucket_of_its_whole_days(api_as, carol: User, world: World) -> None:
    """Seven days and 23 hours is 7 days (0–7); eight days is 8–30."""
    for hours in (7 * 24 + 23, 8 * 24 + 1):
        case = open_case(carol)
        Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    rows = {row["bucket"]: row for row in api_as(carol).get("/api/v1/reports/ageing/").json()["tables"][0]["rows"]}
    buckets, _oldest = expected.ageing(world.centre, timezone.now())
    assert rows["0-7"]["new"] == buckets["0-7"]["new"] == 3  # a3 (today), the intake case, the new one
    assert rows["8-30"]["new"] == buckets["8-30"]["new"]


def test_it_links_the_ten_oldest_open_cases(client_as, carol: User, world: World) -> None:
    for _n in range(4):
        case = open_case(carol)
        Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=300))
    page = client_as(carol).get("/reports/ageing/")
    assert page.status_code == 200
    text = page.content.decode()
    _buckets, references = expected.ageing(world.centre, timezone.now())
    assert len(references) == 10
    for reference in references:
        assert reference in text
    assert f'href="/cases/{world.cases["b1"].pk}/"' in text
    assert world.cases["d1"].display_reference not in text  # Busan's
    assert "김민지" not in text  # no victim's name on a report
