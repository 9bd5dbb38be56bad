"""Retention: closing sets the last day a case is kept, reopening clears it, a supervisor extends it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_transition_case
from cases.models import Case, CaseEvent, EventKind
from cases.retention import add_years, retention_date

pytestmark = pytest.mark.django_db


def closed(case: Case, alice: User, carol: User) -> Case:
    for status in ("in_progress", "monitoring"):
        case = do_transition_case(actor=alice, case=case, status=status)
    return do_transition_case(actor=carol, case=case, status="closed")


def kept(case: Case) -> date:
    """The case's retention date, which a closed case always has."""
    assert case.retention_until is not None
    return case.retention_until


def closed_at(case: Case) -> datetime:
    assert case.closed_at is not None
    return case.closed_at


def test_it_keeps_a_year_later_on_the_same_day_or_the_28th_for_a_leap_day() -> None:
    assert add_years(date(2026, 3, 1), 5) == date(2031, 3, 1)
    assert add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


@override_settings(CASE_RETENTION_YEARS=7)
def test_it_sets_the_retention_date_at_closing_from_the_setting(api_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    expected = add_years(timezone.localdate(closed_at(case)), 7)
    answer = api_as(carol).get(f"/api/v1/cases/{case.pk}/")
    assert answer.json()["retention_until"] == expected.isoformat()
    event = CaseEvent.objects.filter(case=case, kind=EventKind.STATUS_CHANGED).latest("pk")
    assert event.new == {"status": "closed", "retention_until": expected.isoformat()}


def test_it_clears_the_retention_date_when_a_case_is_reopened(api_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    answer = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/transition/", {"status": "in_progress", "version": case.version}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["retention_until"] is None
    event = CaseEvent.objects.filter(case=case, kind=EventKind.STATUS_CHANGED).latest("pk")
    assert event.old["retention_until"] == retention_date(closed_at(case)).isoformat()


def test_it_refuses_to_set_the_retention_date_through_a_patch(api_as, alice, alices_case) -> None:
    answer = api_as(alice).patch(
        f"/api/v1/cases/{alices_case.pk}/",
        {"retention_until": "2099-01-01", "version": alices_case.version},
        format="json",
    )
    assert answer.status_code == 400
    assert "retention_until" in answer.json()
    alices_case.refresh_from_db()
    assert alices_case.retention_until is None


def test_it_lets_a_supervisor_keep_a_case_longer_with_a_reason(api_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    later = kept(case) + timedelta(days=400)
    answer = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/retention/",
        {"until": later.isoformat(), "reason": "A court case is pending.", "version": case.version},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["retention_until"] == later.isoformat()
    assert answer.json()["version"] == case.version + 1
    event = CaseEvent.objects.get(case=case, kind=EventKind.RETENTION_EXTENDED)
    assert (event.actor, event.reason) == (carol, "A court case is pending.")
    assert event.old == {"retention_until": kept(case).isoformat()}
    assert event.new == {"retention_until": later.isoformat()}


def test_it_refuses_a_stale_extension_with_409(api_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    later = (kept(case) + timedelta(days=1)).isoformat()
    answer = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/retention/",
        {"until": later, "reason": "Pending.", "version": case.version - 1},
        format="json",
    )
    assert answer.status_code == 409
    assert "version" in answer.json()
    case.refresh_from_db()
    assert case.retention_until == retention_date(closed_at(case))


@pytest.mark.parametrize(
    ("until", "reason", "field"),
    [
        ("earlier", "Pending.", "until"),
        ("same", "Pending.", "until"),
        ("0001-01-01", "Pending.", "until"),
        ("2201-01-01", "Pending.", "until"),
        ("99999-01-01", "Pending.", "until"),
        ("2040-13-01", "Pending.", "until"),
        ("later", "   ", "reason"),
        ("later", "x" * 501, "reason"),
        ("later", "line\x00break", "reason"),
    ],
)
def test_it_refuses_a_bad_extension_naming_the_field(
    api_as, alice, carol, alices_case, until: str, reason: str, field: str
) -> None:
    case = closed(alices_case, alice, carol)
    current = kept(case)
    days = {"earlier": -1, "same": 0, "later": 10}
    value = (current + timedelta(days=days[until])).isoformat() if until in days else until
    answer = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/retention/",
        {"until": value, "reason": reason, "version": case.version},
        format="json",
    )
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    case.refresh_from_db()
    assert (case.retention_until, case.version) == (current, case.version)
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.RETENTION_EXTENDED).exists()


def test_it_refuses_an_extension_of_an_open_case(api_as, carol, alices_case) -> None:
    answer = api_as(carol).post(
        f"/api/v1/cases/{alices_case.pk}/retention/",
        {"until": "2040-01-01", "reason": "Pending.", "version": alices_case.version},
        format="json",
    )
    assert answer.status_code == 400
    assert "until" in answer.json()


def test_it_leaves_extensions_to_supervisors(api_as, client_as, alice, carol, dave, erin, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    Case.objects.filter(pk=case.pk).update(assigned_to=alice)
    body = {"until": "2099-01-01", "reason": "Pending.", "version": case.version}
    assert api_as(alice).post(f"/api/v1/cases/{case.pk}/retention/", body, format="json").status_code == 403
    assert api_as(dave).post(f"/api/v1/cases/{case.pk}/retention/", body, format="json").status_code == 404
    assert api_as(erin).post(f"/api/v1/cases/{case.pk}/retention/", body, format="json").status_code == 403
    assert client_as(alice).post(f"/cases/{case.pk}/retention/", body).status_code == 403
    assert client_as(dave).post(f"/cases/{case.pk}/retention/", body).status_code == 404
    case.refresh_from_db()
    assert case.retention_until == retention_date(closed_at(case))


def test_it_extends_from_the_case_page(client_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    client = client_as(carol)
    page = client.get(f"/cases/{case.pk}/")
    assert kept(case).isoformat() in page.content.decode()
    assert 'id="extend-retention"' in page.content.decode()
    later = kept(case) + timedelta(days=30)
    answer = client.post(
        f"/cases/{case.pk}/retention/", {"until": later.isoformat(), "reason": "Pending.", "version": case.version}
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.retention_until == later


def test_it_answers_a_bad_or_stale_form_on_the_page_with_400_or_409(client_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    client = client_as(carol)
    bad = client.post(f"/cases/{case.pk}/retention/", {"until": "not a day", "reason": "", "version": case.version})
    assert bad.status_code == 400
    assert "has-error" in bad.content.decode()
    early = client.post(
        f"/cases/{case.pk}/retention/", {"until": "2001-01-01", "reason": "Pending.", "version": case.version}
    )
    assert early.status_code == 400
    later = (kept(case) + timedelta(days=1)).isoformat()
    stale = client.post(f"/cases/{case.pk}/retention/", {"until": later, "reason": "Pending.", "version": 1})
    assert stale.status_code == 409
    case.refresh_from_db()
    assert case.retention_until == retention_date(closed_at(case))


def test_it_shows_no_extension_form_to_a_counsellor(client_as, alice, carol, alices_case) -> None:
    case = closed(alices_case, alice, carol)
    Case.objects.filter(pk=case.pk).update(assigned_to=alice)
    page = client_as(alice).get(f"/cases/{case.pk}/").content.decode()
    assert kept(case).isoformat() in page
    assert 'id="extend-retention"' not in page
