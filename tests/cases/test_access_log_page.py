"""The supervisor's access-log page: the month's reads of the centre, by person, and the monthly sign-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.access_log import seal_access_log
from cases.models import AccessAction, AccessLog, AccessReview, Case
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

PAGE = "/access-log/"


def _month(days_ago: int = 0) -> str:
    return f"{timezone.localdate() - timedelta(days=days_ago):%Y-%m}"


def test_it_lists_the_months_reads_by_person(client_as, alice: User, bob: User, carol: User, alices_case) -> None:
    client_as(alice).get(f"/cases/{alices_case.pk}/")
    bobs = open_case(bob, victim_name="이하은")
    client_as(bob).get(f"/cases/{bobs.pk}/")
    page = client_as(carol).get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert alices_case.display_reference in text and bobs.display_reference in text
    assert "김민지" not in text and "이하은" not in text  # who read which case, never the victim
    assert "사건 열람" in text and "접수일" not in text
    only_bob = client_as(carol).get(PAGE, {"user": bob.pk, "month": _month()}).content.decode()
    assert bobs.display_reference in only_bob and alices_case.display_reference not in only_bob


def test_it_shows_nothing_of_another_centre(client_as, carol: User, dave: User) -> None:
    daves = open_case(dave, victim_name="최지우")
    client_as(dave).get(f"/cases/{daves.pk}/")
    assert daves.display_reference not in client_as(carol).get(PAGE).content.decode()
    assert client_as(carol).get(PAGE, {"user": dave.pk}).status_code == 400


def test_it_is_for_supervisors_only(client, client_as, alice: User, erin: User) -> None:
    assert client_as(alice).get(PAGE).status_code == 403
    assert client_as(erin).get(PAGE).status_code == 403
    assert client_as(alice).post(f"{PAGE}review/", {"month": _month()}).status_code == 403
    assert client.get(PAGE).status_code == 302
    assert not AccessReview.objects.exists()


@pytest.mark.parametrize("month", ["2026-13", "1999-12", "0001-01", "26-01", "2026/01", "２０２６-01", "x" * 5000])
def test_it_refuses_a_month_that_makes_no_sense(client_as, carol: User, month: str) -> None:
    answer = client_as(carol).get(PAGE, {"month": month})
    assert answer.status_code == 400
    assert "has-error" in answer.content.decode()


def test_it_costs_the_same_queries_whatever_the_number_of_reads(client_as, alice: User, carol: User) -> None:
    client = client_as(carol)
    case = open_case(alice)
    client_as(alice).get(f"/cases/{case.pk}/")
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    reader = client_as(alice)
    for n in range(30):
        other = open_case(alice, victim_name=f"사람{n}")
        reader.get(f"/cases/{other.pk}/")
    seal_access_log()
    with CaptureQueriesContext(connection) as many:
        assert client.get(PAGE).status_code == 200
    assert len(many) == len(few)


def test_it_signs_a_month_off_once_and_records_who(client_as, carol: User, alice: User, alices_case: Case) -> None:
    client_as(alice).get(f"/cases/{alices_case.pk}/")
    seal_access_log()
    client = client_as(carol)
    assert 'id="sign-off"' in client.get(PAGE).content.decode()
    answer = client.post(f"{PAGE}review/", {"month": _month(), "note": "Nothing unusual."})
    assert answer.status_code == 302
    review = AccessReview.objects.get()
    assert (review.reviewed_by, review.month.isoformat()[:7], review.note) == (carol, _month(), "Nothing unusual.")
    assert review.chain_head  # the chain's head when she signed
    page = client.get(PAGE).content.decode()
    assert 'id="reviewed"' in page and "Carol Park" in page and 'id="sign-off"' not in page
    again = client.post(f"{PAGE}review/", {"month": _month()})
    assert again.status_code == 302
    assert AccessReview.objects.count() == 1


def test_it_refuses_to_sign_off_a_month_not_begun(client_as, carol: User) -> None:
    future = f"{timezone.localdate() + timedelta(days=40):%Y-%m}"
    client_as(carol).post(f"{PAGE}review/", {"month": future})
    assert not AccessReview.objects.exists()
    assert 'id="sign-off"' not in client_as(carol).get(PAGE, {"month": future}).content.decode()


def test_it_logs_reading_the_access_log(client_as, carol: User) -> None:
    client_as(carol).get(PAGE)
    assert AccessLog.objects.filter(user=carol, action=AccessAction.ACCESS_LOG, case__isnull=True).count() == 1
