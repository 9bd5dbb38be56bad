"""A minor's guardian: recorded encrypted, never contacted until marked safe, then by their own
channel and quiet hours; portal access for a minor goes to her unless the counsellor says why not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases import reminders
from cases.actions.guardians import do_set_guardian
from cases.models import Case, CaseEvent, EventKind, Guardian, PortalAccess
from notifications.models import Channel, Notification, State
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

ClientAs = Callable[[User], Client]
FORM = {
    "name": "박정희",
    "relationship": "어머니",
    "contact_phone": "010-7777-8888",
    "contact_email": "",
    "preferred_language": "ko",
    "contact_channel": "sms",
    "quiet_start": "",
    "quiet_end": "",
    "consent_given_by": "",
    "consent_given_at": "",
    "consent_method": "",
    "version": "0",
}


@pytest.fixture
def minors_case(alice: User) -> Case:
    return open_case(alice, is_minor=True)


def _guardian_messages(case: Case) -> list[Notification]:
    return list(Notification.objects.filter(group_key=f"guardian:case:{case.pk}"))


def test_it_records_a_guardian_encrypted_and_not_safe_to_contact_by_default(
    alice: User, minors_case: Case, client_as: ClientAs
) -> None:
    answer = client_as(alice).post(f"/cases/{minors_case.pk}/guardian/", FORM)
    assert answer.status_code == 302
    guardian = Guardian.objects.get(case=minors_case)
    assert (guardian.name, guardian.contact_phone, guardian.safe_to_contact) == ("박정희", "010-7777-8888", False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, relationship, contact_phone FROM cases_guardian")
        stored = " ".join(cursor.fetchone())
    assert "박정희" not in stored and "어머니" not in stored
    assert "010-7777-8888" not in stored and "01077778888" not in stored  # four digits alone recur by chance
    event = CaseEvent.objects.get(case=minors_case, kind=EventKind.GUARDIAN_CHANGED)
    assert "박정희" not in str(event.new) and "7777" not in str(event.new)
    assert "name" in event.new["changed"]
    page = client_as(alice).get(f"/cases/{minors_case.pk}/").content.decode()
    assert 'id="guardian-safe"' in page


def test_it_never_contacts_a_guardian_not_marked_safe(alice: User, minors_case: Case) -> None:
    do_set_guardian(actor=alice, case=minors_case, version=0, details={**_details(), "safe_to_contact": False})
    with transaction.atomic():
        reminders.victim_update(minors_case)
    assert _guardian_messages(minors_case) == []


def test_it_tells_a_safe_guardian_on_their_channel_outside_their_quiet_hours(alice: User, minors_case: Case) -> None:
    now = timezone.localtime()
    quiet_start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    quiet_end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    do_set_guardian(
        actor=alice,
        case=minors_case,
        version=0,
        details={**_details(), "safe_to_contact": True, "quiet_start": quiet_start, "quiet_end": quiet_end},
    )
    with transaction.atomic():
        reminders.victim_update(minors_case)
    [message] = _guardian_messages(minors_case)
    assert (message.channel, message.address, message.template_key) == (
        Channel.SMS,
        "010-7777-8888",
        "guardian.case_updated",
    )
    # Due when their quiet hours end, not at the end of this hour.
    assert message.due_at > now and timezone.localtime(message.due_at).time() == quiet_end
    # No longer safe: what was pending is cancelled.
    guardian = Guardian.objects.get()
    do_set_guardian(actor=alice, case=minors_case, version=guardian.version, details={"safe_to_contact": False})
    message.refresh_from_db()
    assert message.state == State.CANCELLED and message.address is None


def test_it_refuses_a_stale_version_and_incomplete_consent(alice: User, minors_case: Case, client_as: ClientAs) -> None:
    client = client_as(alice)
    assert client.post(f"/cases/{minors_case.pk}/guardian/", FORM).status_code == 302
    assert client.post(f"/cases/{minors_case.pk}/guardian/", FORM).status_code == 409  # version 0 again
    answer = client.post(f"/cases/{minors_case.pk}/guardian/", {**FORM, "version": "1", "consent_given_by": "어머니"})
    assert answer.status_code == 400 and "consent_given_by" in answer.context["form"].errors
    answer = client.post(
        f"/cases/{minors_case.pk}/guardian/",
        {
            **FORM,
            "version": "1",
            "consent_given_by": "어머니 박정희",
            "consent_given_at": "2026-11-27T15:00",
            "consent_method": "phone",
        },
    )
    assert answer.status_code == 302
    guardian = Guardian.objects.get()
    assert (guardian.consent_given_by, guardian.consent_method, guardian.version) == ("어머니 박정희", "phone", 2)
    for bad, field in (
        ({"consent_given_at": "0001-01-01T00:00"}, "consent_given_at"),
        ({"name": ""}, "name"),
        ({"contact_channel": "email"}, "contact_channel"),
        ({"name": "x\x00"}, "name"),
    ):
        answer = client.post(f"/cases/{minors_case.pk}/guardian/", {**FORM, "version": "2", **bad})
        assert answer.status_code == 400 and field in answer.context["form"].errors, bad


def test_it_has_no_guardian_page_for_an_adult_or_another_centre(
    alice: User, dave: User, alices_case: Case, minors_case: Case, client_as: ClientAs
) -> None:
    assert client_as(alice).get(f"/cases/{alices_case.pk}/guardian/").status_code == 404
    assert client_as(dave).get(f"/cases/{minors_case.pk}/guardian/").status_code == 404
    assert client_as(dave).post(f"/cases/{minors_case.pk}/guardian/", FORM).status_code == 404
    assert not Guardian.objects.exists()


def test_it_issues_a_minors_portal_access_to_her(alice: User, minors_case: Case, client_as: ClientAs) -> None:
    answer = client_as(alice).post(f"/cases/{minors_case.pk}/portal/issue/")
    assert answer.status_code == 200
    assert PortalAccess.objects.get(case=minors_case).holder == "victim"


def test_it_gives_the_guardian_the_access_only_with_a_reason_and_when_safe(
    alice: User, minors_case: Case, client_as: ClientAs
) -> None:
    client = client_as(alice)
    url = f"/cases/{minors_case.pk}/portal/issue/"
    reason = "그녀가 11살이고 휴대전화가 없어 어머니가 보관"
    # No guardian yet, then one not marked safe: refused.
    assert client.post(url, {"holder": "guardian", "holder_reason": reason}).status_code == 302
    do_set_guardian(actor=alice, case=minors_case, version=0, details=_details())
    assert client.post(url, {"holder": "guardian", "holder_reason": reason}).status_code == 302
    assert not PortalAccess.objects.exists()
    do_set_guardian(
        actor=alice, case=minors_case, version=1, details={"safe_to_contact": True, "preferred_language": "en"}
    )
    # Safe, but no reason: refused.
    assert client.post(url, {"holder": "guardian", "holder_reason": "  "}).status_code == 302
    assert not PortalAccess.objects.exists()
    answer = client.post(url, {"holder": "guardian", "holder_reason": reason})
    assert answer.status_code == 200
    access = PortalAccess.objects.get()
    assert (access.holder, access.holder_reason, access.language) == ("guardian", reason, "en")
    event = CaseEvent.objects.get(kind=EventKind.PORTAL_ISSUED)
    assert event.new["holder"] == "guardian" and event.reason == reason
    with connection.cursor() as cursor:
        cursor.execute("SELECT holder_reason FROM cases_portalaccess")
        assert "휴대전화" not in cursor.fetchone()[0]


def test_it_never_gives_an_adults_access_to_a_guardian(alice: User, alices_case: Case, client_as: ClientAs) -> None:
    answer = client_as(alice).post(
        f"/cases/{alices_case.pk}/portal/issue/", {"holder": "guardian", "holder_reason": "she asked"}
    )
    assert answer.status_code == 302
    assert not PortalAccess.objects.exists()


def _details() -> dict[str, object]:
    return {
        "name": "박정희",
        "relationship": "어머니",
        "contact_phone": "010-7777-8888",
        "contact_channel": "sms",
        "preferred_language": "ko",
    }


def test_it_keeps_quiet_hours_as_times(alice: User, minors_case: Case) -> None:
    guardian = do_set_guardian(
        actor=alice, case=minors_case, version=0, details={**_details(), "quiet_start": time(22), "quiet_end": time(8)}
    )
    assert (guardian.quiet_start, guardian.quiet_end) == (time(22), time(8))
