"""Who may read which report, through the pages, the CSV downloads and the API; and what is logged."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import AccessLog
from tests.cases.reports.conftest import World

pytestmark = pytest.mark.django_db

NAMES = ["workload", "ageing", "platforms", "trends", "annual", "referrals"]
CENTRE_WIDE = ["ageing", "platforms", "trends", "annual", "referrals"]
TABLE = {
    "workload": "counsellors",
    "ageing": "ages",
    "platforms": "platforms",
    "trends": "cases",
    "annual": "summary",
    "referrals": "kinds",
}


@pytest.mark.parametrize("name", NAMES)
def test_it_opens_every_report_for_a_supervisor(api_as, client_as, carol: User, world: World, name: str) -> None:
    assert client_as(carol).get(f"/reports/{name}/").status_code == 200
    assert client_as(carol).get(f"/reports/{name}/{TABLE[name]}.csv").status_code == 200
    assert api_as(carol).get(f"/api/v1/reports/{name}/").status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_it_refuses_an_administrator(api_as, client_as, erin: User, world: World, name: str) -> None:
    assert client_as(erin).get(f"/reports/{name}/").status_code == 403
    assert client_as(erin).get(f"/reports/{name}/{TABLE[name]}.csv").status_code == 403
    assert api_as(erin).get(f"/api/v1/reports/{name}/").status_code == 403


@pytest.mark.parametrize("name", CENTRE_WIDE)
def test_it_refuses_a_counsellor_the_centres_reports(api_as, client_as, alice: User, world: World, name: str) -> None:
    assert client_as(alice).get(f"/reports/{name}/").status_code == 403
    assert client_as(alice).get(f"/reports/{name}/{TABLE[name]}.csv").status_code == 403
    assert api_as(alice).get(f"/api/v1/reports/{name}/").status_code == 403


@pytest.mark.parametrize("name", NAMES)
def test_it_refuses_a_signed_out_visitor(api, client, world: World, name: str) -> None:
    assert "/accounts/login/" in client.get(f"/reports/{name}/")["Location"]
    assert api.get(f"/api/v1/reports/{name}/").status_code in (401, 403)


def test_it_lists_the_reports_each_person_may_open(client_as, alice: User, carol: User, erin: User) -> None:
    supervisor = client_as(carol).get("/reports/").content.decode()
    assert all(f'id="report-{name}"' in supervisor for name in NAMES)
    counsellor = client_as(alice).get("/reports/").content.decode()
    assert 'id="report-workload"' in counsellor
    assert not any(f'id="report-{name}"' in counsellor for name in CENTRE_WIDE)
    assert client_as(erin).get("/reports/").status_code == 403


def test_it_links_the_reports_from_the_supervisors_header(client_as, alice: User, carol: User) -> None:
    assert 'id="reports-link"' not in client_as(alice).get("/").content.decode()
    assert 'href="/reports/" id="reports-link"' in client_as(carol).get("/").content.decode()


def test_it_answers_404_for_a_report_or_table_that_does_not_exist(client_as, api_as, carol: User) -> None:
    assert client_as(carol).get("/reports/salaries/").status_code == 404
    assert client_as(carol).get("/reports/workload/victims.csv").status_code == 404
    assert api_as(carol).get("/api/v1/reports/salaries/").status_code == 404


def test_it_logs_every_opening_and_every_export(api_as, client_as, carol: User, world: World) -> None:
    before = AccessLog.objects.count()
    client_as(carol).get("/reports/ageing/")
    api_as(carol).get("/api/v1/reports/platforms/")
    client_as(carol).get("/reports/trends/places.csv")
    client_as(carol).get("/reports/annual/summary.csv?year=2025")
    rows = list(AccessLog.objects.order_by("pk").values_list("case_id", "action", "user_id", "centre_id")[before:])
    centre = carol.centre_id
    assert rows == [
        (None, "report", carol.pk, centre),
        (None, "report", carol.pk, centre),
        (None, "export", carol.pk, centre),
        (None, "export", carol.pk, centre),
    ]


def test_it_logs_nothing_for_a_refused_report(client_as, api_as, alice: User, erin: User, world: World) -> None:
    before = AccessLog.objects.count()
    client_as(alice).get("/reports/platforms/")
    api_as(erin).get("/api/v1/reports/workload/")
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=1999-12-31", "from"),
        ("from=2026-05-01&to=2026-04-01", "__all__"),
        ("platform=999999", "platform"),
        ("year=9999", "year"),
    ],
)
def test_it_refuses_filters_that_make_no_sense(client_as, api_as, carol: User, query: str, field: str) -> None:
    name = "annual" if field == "year" else "platforms"
    response = api_as(carol).get(f"/api/v1/reports/{name}/?{query}")
    assert response.status_code == 400
    assert field in response.json()
    assert client_as(carol).get(f"/reports/{name}/?{query}").status_code == 400
    assert client_as(carol).get(f"/reports/{name}/kinds.csv?{query}").status_code == 400


def test_it_lists_every_report_in_the_api_schema(api_as, carol: User) -> None:
    schema = api_as(carol).get("/api/schema/?format=json").json()
    for name in NAMES:
        operation = schema["paths"][f"/api/v1/reports/{name}/"]["get"]
        assert operation["tags"] == ["reports"]
        assert "200" in operation["responses"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/reports/platforms/"]["get"]["parameters"]}
    assert {"from", "to", "platform"} <= parameters
