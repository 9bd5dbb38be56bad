"""Trends by month and the annual statistics, against plain Python over the same cases and places."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Platform
from tests.cases.reports import expected
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db

CASES = ["opened", "closed", "minors", "synthetic", "personal_info"]
PLACES = ["found_by_victim", "found_by_counsellor", "found_by_monitoring", "removed"]


def _months(first: date, last: date) -> list[str]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month.strftime("%Y-%m"))
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def test_it_counts_cases_and_places_by_month(api_as, carol: User, world: World, report_mode: str) -> None:
    body = api_as(carol).get("/api/v1/reports/trends/").json()
    cases, places = body["tables"]
    first, last = date.fromisoformat(body["period_from"]), date.fromisoformat(body["period_to"])
    assert last == timezone.localdate() and first.day == 1 and len(_months(first, last)) == 12
    want = expected.trends(world.centre, _months(first, last))
    assert [row["month"] for row in cases["rows"]] == list(want)
    for case_row, place_row in zip(cases["rows"], places["rows"], strict=True):
        mine = want[case_row["month"]]
        assert {k: case_row[k] for k in CASES} == {k: mine.get(k, 0) for k in CASES}, case_row["month"]
        assert {k: place_row[k] for k in PLACES} == {k: mine.get(k, 0) for k in PLACES}, place_row["month"]
        opened = mine.get("opened", 0)
        assert case_row["synthetic_share"] == (round(mine.get("synthetic", 0) / opened, 4) if opened else None)
        found = sum(mine.get(k, 0) for k in PLACES[:3])
        assert place_row["found"] == found
        assert place_row["monitoring_share"] == (
            round(mine.get("found_by_monitoring", 0) / found, 4) if found else None
        )
    assert cases["footer"]["opened"] == sum(r["opened"] for r in cases["rows"]) == 9  # Seoul's nine cases
    assert places["footer"]["removed"] == 5  # two on Telegram, one on Instagram, one on YouTube, one by hand


def test_it_counts_places_of_one_platform(api_as, carol: User, world: World, report_mode: str) -> None:
    telegram = Platform.objects.get(name="Telegram")
    body = api_as(carol).get(f"/api/v1/reports/trends/?platform={telegram.pk}").json()
    first, last = date.fromisoformat(body["period_from"]), date.fromisoformat(body["period_to"])
    want = expected.trends(world.centre, _months(first, last), "Telegram")
    places = body["tables"][1]
    for row in places["rows"]:
        assert {k: row[k] for k in PLACES} == {k: want[row["month"]].get(k, 0) for k in PLACES}
    assert places["footer"]["removed"] == 2 and places["footer"]["found_by_victim"] == 2


def test_it_reads_ten_years_by_month(api_as, carol: User, world: World, report_mode: str) -> None:
    today = timezone.localdate()
    first = today.replace(year=today.year - 10, day=1)
    body = api_as(carol).get(f"/api/v1/reports/trends/?from={first}&to={today}").json()
    assert len(body["tables"][0]["rows"]) == len(_months(first, today)) >= 120
    want = expected.trends(world.centre, _months(first, today))
    assert {row["month"]: row["opened"] for row in body["tables"][0]["rows"]} == {
        month: counts.get("opened", 0) for month, counts in want.items()
    }


def test_it_gives_the_years_figures(api_as, carol: User, world: World, report_mode: str) -> None:
    year = timezone.localdate().year
    body = api_as(carol).get(f"/api/v1/reports/annual/?year={year}").json()
    tables = {table["name"]: table for table in body["tables"]}
    want = expected.annual(world.centre, year)
    figures = {row["key"]: row for row in tables["summary"]["rows"]}
    for key in ("victims", "minors", "closed", "places_found", "places_removed"):
        assert figures[key]["value"] == want[key], key
    removed = want["places_removed"]
    monitoring = want["removed_by_finder"].get("monitoring", 0)
    assert figures["removed_from_monitoring"]["value"] == monitoring
    assert figures["removed_from_monitoring"]["share"] == round(monitoring / removed, 4)
    assert figures["removed_on_request"]["value"] == removed - monitoring
    assert {row["code"]: row["count"] for row in tables["harms"]["rows"]} == {
        harm: want["harms"].get(harm, 0)
        for harm in ("synthetic", "filming", "distribution", "sextortion", "personal_info")
    }
    assert {row["code"]: row["count"] for row in tables["removed_by_kind"]["rows"]} == want["removed_by_kind"]
    assert {row["code"]: row["count"] for row in tables["removed_by_finder"]["rows"] if row["count"]} == want[
        "removed_by_finder"
    ]
    assert {row["code"]: row["share"] for row in tables["removed_by_kind"]["rows"]} == {
        kind: round(n / removed, 4) for kind, n in want["removed_by_kind"].items()
    }
    year_requests = expected.platforms(world.centre, timezone.now(), date(year, 1, 1), date(year, 12, 31))["all"]
    assert figures["requests_sent"]["value"] == year_requests["sent"]
    median = year_requests["median_hours"]  # none in the first hours of a year: nothing was answered yet
    assert figures["median_hours"]["value"] == (None if median is None else round(median, 1))


def test_it_prints_the_year_on_one_page(client_as, carol: User, world: World) -> None:
    page = client_as(carol).get("/reports/annual/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Annual statistics {timezone.localdate().year}" in text
    assert "Victims (cases opened)" in text and "Places removed by kind of platform" in text
    # On paper: the filters and download links stay on screen (app.css hides .no-print), the centre shows.
    assert 'id="report-filters"' in text and "filters no-print" in text
    assert '<p class="muted small print-only">Printed from caseflow · Seoul Centre</p>' in text
