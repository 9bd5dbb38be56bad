"""A minor's guardian through the API: GET and PATCH /api/v1/cases/{id}/guardian/, with the case page's
rules (tests/cases/test_guardians.py): those who may change the case only, a version on every write,
bad input named, an adult's case without the route."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from accounts.models import User
from cases import reminders
from cases.actions.cases import do_assign_case
from cases.actions.guardians import do_set_guardian
from cases.models import AccessLog, Case, CaseEvent, EventKind, Guardian
from notifications.models import Notification
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User], APIClient]
GUARDIAN = {"name": "박정희", "relationship": "어머니", "contact_phone": "010-7777-8888", "contact_channel": "sms"}


@pytest.fixture
def minors_case(alice: User) -> Case:
    return open_case(alice, is_minor=True)


def _url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/guardian/"


def test_it_records_reads_and_changes_a_guardian(api_as: ApiAs, alice: User, carol: User, minors_case: Case) -> None:
    api = api_as(alice)
    assert api.get(_url(minors_case)).status_code == 404  # none recorded yet
    created = api.patch(_url(minors_case), {**GUARDIAN, "version": 0}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["contact_phone"], body["safe_to_contact"], body["version"]) == (
        "박정희",
        "010-7777-8888",
        False,  # never safe to contact until the counsellor says so
        1,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, relationship, contact_phone FROM cases_guardian")
        stored = " ".join(cursor.fetchone())
    assert "박정희" not in stored and "어머니" not in stored
    assert "010-7777-8888" not in stored and "01077778888" not in stored  # four digits alone recur by chance
    read = api_as(carol).get(_url(minors_case))
    assert read.status_code == 200 and read.json() == body
    assert AccessLog.objects.filter(user=carol, case=minors_case, action="view").exists()

    # A change names only what changes; the rest stays. The trail names the fields, never the values.
    changed = api.patch(
        _url(minors_case),
        {"safe_to_contact": True, "contact_email": " Mother@Example.KR ", "version": 1},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["contact_email"], changed.json()["version"]) == (
        "박정희",
        "mother@example.kr",
        2,
    )
    event = CaseEvent.objects.filter(case=minors_case, kind=EventKind.GUARDIAN_CHANGED).latest("pk")
    assert set(event.new["changed"]) == {"safe_to_contact", "contact_email"}
    assert "mother@example.kr" not in str(event.new)

    # The e-mail address is removed (version 3). A change still based on version 2 that asks for
    # e-mail updates would be refused for the record as it is now: it is a 409, stale, before its
    # content is judged, so the client knows to read the record again.
    removed = api.patch(_url(minors_case), {"contact_email": "", "contact_channel": "sms", "version": 2}, format="json")
    assert removed.status_code == 200 and removed.json()["version"] == 3
    stale = api.patch(_url(minors_case), {"contact_channel": "email", "version": 2}, format="json")
    assert stale.status_code == 409, stale.json()
    # A stale version is a 409 and changes nothing; so is version 0 once one is recorded.
    for version in (1, 2, 0):
        stale = api.patch(_url(minors_case), {"relationship": "이모", "version": version}, format="json")
        assert stale.status_code == 409, (version, stale.json())
    assert Guardian.objects.get().relationship == "어머니"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "박정희"}, "version"),
        ({"name": "", "version": 0}, "name"),
        ({"name": "x\x00", "version": 0}, "name"),
        ({"name": "박정희", "contact_channel": "email", "version": 0}, "contact_channel"),  # no address
        ({"name": "박정희", "consent_given_by": "어머니", "version": 0}, "consent_given_by"),  # not who, when, how
        ({"name": "박정희", "consent_given_at": "0001-01-01T00:00:00Z", "version": 0}, "consent_given_at"),
        ({"name": "박정희", "quiet_start": "25:00", "version": 0}, "quiet_start"),
        ({"name": "박정희", "safe_to_contact": "yes", "version": 0}, "safe_to_contact"),
        ({"name": "박정희", "version": "0"}, "version"),
        ({"name": "박정희", "version": 0, "case": 1}, "case"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(
    api_as: ApiAs, alice: User, minors_case: Case, data: dict[str, object], field: str
) -> None:
    answer = api_as(alice).patch(_url(minors_case), data, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Guardian.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.GUARDIAN_CHANGED).exists()


def test_it_keeps_the_guardian_from_anyone_who_may_not_change_the_case(
    api_as: ApiAs,
    alice: User,
    bob: User,
    carol: User,
    dave: User,
    erin: User,
    minors_case: Case,
    alices_case: Case,
) -> None:
    assert api_as(alice).patch(_url(minors_case), {**GUARDIAN, "version": 0}, format="json").status_code == 201
    for user, status in ((bob, 404), (dave, 404), (erin, 403)):
        api = api_as(user)
        assert api.get(_url(minors_case)).status_code == status
        assert api.patch(_url(minors_case), {"name": "x", "version": 1}, format="json").status_code == status
    assert Guardian.objects.get().name == "박정희"
    # The intake queue's case: a counsellor may read it, not change it, so not its guardian either.
    queued = do_assign_case(actor=carol, case=open_case(alice, is_minor=True, victim_name="박서연"), assignee=None)
    do_set_guardian(actor=carol, case=queued, version=0, details={"name": "박보호"})
    assert api_as(bob).get(f"/api/v1/cases/{queued.pk}/").status_code == 200
    assert api_as(bob).get(_url(queued)).status_code == 403
    assert api_as(bob).patch(_url(queued), {"name": "x", "version": 1}, format="json").status_code == 403
    # An adult's case has no guardian route at all.
    adult = api_as(alice)
    assert adult.get(_url(alices_case)).status_code == 404
    assert adult.patch(_url(alices_case), {**GUARDIAN, "version": 0}, format="json").status_code == 404
    assert Guardian.objects.filter(case=minors_case).count() == 1 and Guardian.objects.count() == 2


def test_it_tells_a_guardian_marked_safe_and_stops_when_no_longer(api_as: ApiAs, alice: User) -> None:
    case = open_case(alice, is_minor=True)
    api = api_as(alice)
    assert api.patch(_url(case), {**GUARDIAN, "safe_to_contact": True, "version": 0}, format="json").status_code == 201
    with transaction.atomic():
        reminders.victim_update(case)
    message = Notification.objects.get(group_key=f"guardian:case:{case.pk}")
    assert (message.channel, message.address) == ("sms", "010-7777-8888")
    assert api.patch(_url(case), {"safe_to_contact": False, "version": 1}, format="json").status_code == 200
    message.refresh_from_db()
    assert message.state == "cancelled" and message.address is None
