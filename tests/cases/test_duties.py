"""Reports the law requires: a child victim's case and a crime in progress owe a report, reminded
until it is recorded (to whom, when, by whom, their number); recorded reports reach the timeline and
the annual report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.actions.cases import do_update_case
from cases.actions.duties import do_record_duty_report, send_due_duty_reminders
from cases.models import Case, CaseEvent, DutyKind, DutyReport, EventKind, LegalDuty
from notifications.models import Channel, Notification, State
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

ClientAs = Callable[[User], Client]


def _report_form(duty: LegalDuty, user: User, **extra: str) -> dict[str, str]:
    data = {
        "authority": "police",
        "reported_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "reported_by": str(user.pk),
        "reference_number": "2026-서울경찰-001234",
        **extra,
    }
    return {f"duty{duty.pk}-{key}": value for key, value in data.items()}


def test_it_owes_a_report_for_a_child_victim_and_reminds_until_it_is_recorded(alice: User, client_as: ClientAs) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    assert (duty.kind, duty.discharged_at) == (DutyKind.CHILD_VICTIM, None)
    client = client_as(alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'id="duty-{duty.pk}"' in page
    # Nothing before the interval; then a reminder each interval, once each however often beat runs.
    assert send_due_duty_reminders(now=duty.raised_at + timedelta(hours=3)) == 0
    assert send_due_duty_reminders(now=duty.raised_at + timedelta(hours=4)) == 1
    assert send_due_duty_reminders(now=duty.raised_at + timedelta(hours=4)) == 0
    assert send_due_duty_reminders(now=duty.raised_at + timedelta(hours=8)) == 1
    reminders = Notification.objects.filter(group_key=f"duty:{duty.pk}", channel=Channel.INBOX, recipient=alice)
    assert reminders.count() == 2
    answer = client.post(f"/cases/{case.pk}/duties/{duty.pk}/report/", _report_form(duty, alice))
    assert answer.status_code == 302
    report = DutyReport.objects.get(case=case)
    assert (report.authority, report.reported_by_id, report.recorded_by_id, report.reference_number) == (
        "police",
        alice.pk,
        alice.pk,
        "2026-서울경찰-001234",
    )
    duty.refresh_from_db()
    assert duty.discharged_at is not None
    assert send_due_duty_reminders(now=duty.raised_at + timedelta(days=3)) == 0
    assert reminders.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference_number FROM cases_dutyreport")
        assert "001234" not in cursor.fetchone()[0]
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2026-서울경찰-001234" in page and 'id="duty-' not in page
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DUTY_REPORTED).count() == 1


def test_it_cancels_a_reminder_no_worker_took_when_the_report_is_recorded(alice: User) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    send_due_duty_reminders(now=timezone.now() + timedelta(hours=5))
    do_record_duty_report(
        actor=alice,
        case=case,
        duty_id=duty.pk,
        authority="child_protection",
        reported_at=timezone.now(),
        reported_by=alice,
    )
    assert set(Notification.objects.filter(group_key=f"duty:{duty.pk}").values_list("state", flat=True)) == {
        State.CANCELLED
    }


def test_it_owes_a_report_when_a_case_becomes_a_minors(alice: User, alices_case: Case) -> None:
    assert not LegalDuty.objects.exists()
    do_update_case(actor=alice, case=alices_case, version=alices_case.version, changes={"is_minor": True})
    assert LegalDuty.objects.get().kind == DutyKind.CHILD_VICTIM


def test_it_records_a_crime_in_progress_once(alice: User, alices_case: Case, client_as: ClientAs) -> None:
    client = client_as(alice)
    assert client.post(f"/cases/{alices_case.pk}/duties/crime-in-progress/").status_code == 302
    assert client.post(f"/cases/{alices_case.pk}/duties/crime-in-progress/").status_code == 302
    assert LegalDuty.objects.filter(case=alices_case, kind=DutyKind.CRIME_IN_PROGRESS).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"authority": "POLICE"}, "authority"),
        ({"reported_at": "0001-01-01T00:00"}, "reported_at"),
        ({"reported_at": "2999-01-01T00:00"}, "reported_at"),
        ({"reported_by": "dave"}, "reported_by"),
        ({"reference_number": "a\nb"}, "reference_number"),
        ({"reference_number": "x" * 101}, "reference_number"),
    ],
)
def test_it_refuses_a_bad_report_naming_the_field(
    alice: User, dave: User, client_as: ClientAs, change: dict[str, str], field: str
) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    values = {key: str(dave.pk) if value == "dave" else value for key, value in change.items()}
    answer = client_as(alice).post(f"/cases/{case.pk}/duties/{duty.pk}/report/", _report_form(duty, alice, **values))
    assert answer.status_code == 400
    assert field in answer.context["open_duties"][0][1].errors
    assert not DutyReport.objects.exists()


def test_it_keeps_duties_from_other_staff(alice: User, bob: User, dave: User, client_as: ClientAs) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    for user in (bob, dave):
        answer = client_as(user).post(f"/cases/{case.pk}/duties/{duty.pk}/report/", _report_form(duty, user))
        assert answer.status_code == 404
    other = open_case(alice, is_minor=True)
    answer = client_as(alice).post(f"/cases/{other.pk}/duties/{duty.pk}/report/", _report_form(duty, alice))
    assert answer.status_code == 404
    assert not DutyReport.objects.exists()


def test_it_counts_recorded_reports_in_the_annual_report(alice: User, carol: User, client_as: ClientAs) -> None:
    for authority in ("police", "police", "child_protection"):
        case = open_case(alice, is_minor=True)
        duty = LegalDuty.objects.get(case=case)
        do_record_duty_report(
            actor=alice, case=case, duty_id=duty.pk, authority=authority, reported_at=timezone.now(), reported_by=alice
        )
    answer = client_as(carol).get("/api/v1/reports/annual/", {"year": timezone.localdate().year})
    assert answer.status_code == 200
    tables = {table["name"]: table for table in answer.json()["tables"]}
    counts = {row["code"]: row["count"] for row in tables["duty_reports"]["rows"]}
    assert counts == {"police": 2, "child_protection": 1}
