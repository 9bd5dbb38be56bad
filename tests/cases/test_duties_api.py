"""Reports the law requires, through the API: /api/v1/cases/{id}/duties/ lists a case's duties and
records a crime in progress; …/duties/report/ records the report that discharges one. The case page's
rules (tests/cases/test_duties.py), answered in JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.actions.duties import do_raise_crime_in_progress, send_due_duty_reminders
from cases.models import AccessLog, Case, CaseEvent, DutyReport, EventKind, LegalDuty
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
NUMBER = "2026-서울경찰-001234"


def _duties(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/duties/"


def _report(target: LegalDuty, by: User, **extra: object) -> dict[str, object]:
    return {
        "duty": target.pk,
        "authority": "police",
        "reported_at": timezone.now().isoformat(),
        "reported_by": by.pk,
        "reference_number": NUMBER,
        **extra,
    }


def test_it_lists_records_and_discharges_the_duties_of_a_case(
    api_as: ApiAs, alice: User, carol: User, bob: User
) -> None:
    case = open_case(alice, is_minor=True)
    api = api_as(alice)
    listed = api.get(_duties(case))
    assert listed.status_code == 200
    [child] = listed.json()
    assert (child["kind"], child["raised_by"], child["discharged_at"], child["report"]) == (
        "child_victim",
        None,  # the system raised it when the case was opened as a minor's
        None,
        None,
    )
    assert AccessLog.objects.filter(user=alice, case=case, action="view").exists()

    raised = api.post(_duties(case), {"kind": "crime_in_progress"}, format="json")
    assert raised.status_code == 201, raised.json()
    assert raised.json()["kind"] == "crime_in_progress" and raised.json()["raised_by"]["id"] == alice.pk
    again = api.post(_duties(case), {"kind": "crime_in_progress"}, format="json")
    assert again.status_code == 400 and "kind" in again.json()  # one open at a time
    assert LegalDuty.objects.filter(case=case).count() == 2

    # The report, by a colleague of the centre, recorded by her supervisor: the reminders stop.
    duty = LegalDuty.objects.get(case=case, kind="child_victim")
    answer = api_as(carol).post(f"{_duties(case)}report/", _report(duty, bob), format="json")
    assert answer.status_code == 201, answer.json()
    report = answer.json()["report"]
    people = (report["reported_by"]["id"], report["recorded_by"]["id"])
    assert (report["authority"], people) == ("police", (bob.pk, carol.pk))
    assert report["reference_number"] == NUMBER and answer.json()["discharged_at"] is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reference_number FROM cases_dutyreport")
        assert "001234" not in cursor.fetchone()[0]
    assert send_due_duty_reminders(now=timezone.now() + timedelta(days=3)) == 1  # only the crime in progress
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DUTY_REPORTED).count() == 1
    twice = api.post(f"{_duties(case)}report/", _report(duty, alice), format="json")
    assert twice.status_code == 400 and "duty" in twice.json()
    assert DutyReport.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"authority": "press"}, "authority"),
        ({"reported_at": "0001-01-01T00:00:00Z"}, "reported_at"),
        ({"reported_at": "2999-01-01T00:00:00Z"}, "reported_at"),
        ({"reported_at": "in the morning"}, "reported_at"),
        ({"reference_number": "a\nb"}, "reference_number"),
        ({"reference_number": "x" * 101}, "reference_number"),
        ({"reported_by": 999_999}, "reported_by"),
        ({"reported_by": "1"}, "reported_by"),
        ({"duty": 999_999}, "duty"),
        ({"duty": 2**63}, "duty"),
        ({"recorded_by": 1}, "recorded_by"),
    ],
)
def test_it_refuses_a_bad_report_naming_the_field(
    api_as: ApiAs, alice: User, extra: dict[str, object], field: str
) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    answer = api_as(alice).post(f"{_duties(case)}report/", _report(duty, alice, **extra), format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not DutyReport.objects.exists()
    duty.refresh_from_db()
    assert duty.discharged_at is None


def test_it_takes_the_report_only_from_a_member_of_the_cases_centre(
    api_as: ApiAs, alice: User, dave: User, erin: User
) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    other_case = open_case(alice, victim_name="정다온", is_minor=True)
    for reporter in (dave, erin):  # another centre's counsellor; an administrator of none
        answer = api_as(alice).post(f"{_duties(case)}report/", _report(duty, reporter), format="json")
        assert answer.status_code == 400 and "reported_by" in answer.json(), answer.json()
    # Whether an id is another centre's account or none at all, the answer is the same.
    answers = [
        api_as(alice).post(f"{_duties(case)}report/", _report(duty, alice, duty=2**62, reported_by=pk), format="json")
        for pk in (dave.pk, 999_999)
    ]
    assert [a.status_code for a in answers] == [400, 400] and answers[0].json() == answers[1].json()
    # Another case's duty through this case's address: as if it did not exist.
    elsewhere = LegalDuty.objects.get(case=other_case)
    answer = api_as(alice).post(f"{_duties(case)}report/", _report(elsewhere, alice), format="json")
    assert answer.status_code == 400 and "duty" in answer.json()
    assert not DutyReport.objects.exists()


def test_it_keeps_duties_from_other_staff(api_as: ApiAs, alice: User, bob: User, dave: User, erin: User) -> None:
    case = open_case(alice, is_minor=True)
    duty = LegalDuty.objects.get(case=case)
    for user, status in ((bob, 404), (dave, 404), (erin, 403)):
        api = api_as(user)
        assert api.get(_duties(case)).status_code == status
        assert api.post(_duties(case), {"kind": "crime_in_progress"}, format="json").status_code == status
        assert api.post(f"{_duties(case)}report/", _report(duty, alice), format="json").status_code == status
    assert LegalDuty.objects.count() == 1 and not DutyReport.objects.exists()


def test_it_refuses_raising_a_childs_duty_by_hand(api_as: ApiAs, alice: User, alices_case: Case) -> None:
    answer = api_as(alice).post(_duties(alices_case), {"kind": "child_victim"}, format="json")
    assert answer.status_code == 400 and "kind" in answer.json()
    assert not LegalDuty.objects.exists()


def test_it_lists_the_duties_in_a_fixed_number_of_queries(api_as: ApiAs, alice: User, carol: User) -> None:
    case = open_case(alice, is_minor=True)
    api = api_as(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as read:
            assert api.get(_duties(case)).status_code == 200
        return len(read)

    queries()  # the first request of a session fills caches
    few = queries()
    do_raise_crime_in_progress(actor=alice, case=case)
    for duty in LegalDuty.objects.filter(case=case):
        assert api_as(carol).post(f"{_duties(case)}report/", _report(duty, alice), format="json").status_code == 201
    do_raise_crime_in_progress(actor=alice, case=case)
    assert len(api.get(_duties(case)).json()) == 3
    assert queries() == few
