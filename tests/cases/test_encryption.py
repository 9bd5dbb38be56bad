"""Victim details are unreadable in the database, found again by exact match, and re-keyable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from cases.crypto import UndecryptableError, normalise_phone
from cases.models import Case, Note
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

PLAINTEXTS = ["김민지", "minji@example.kr", "010-1234-5678", "Only after 6pm", "Telegram room", "Called her back"]


def _raw_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case")
        cases = cursor.fetchall()
        cursor.execute("SELECT * FROM cases_note")
        notes = cursor.fetchall()
        cursor.execute("SELECT old, new FROM cases_caseevent")
        events = cursor.fetchall()
    return repr(cases) + repr(notes) + repr(events)


def test_it_stores_no_victim_detail_in_plaintext(alice: User, api_as) -> None:
    api = api_as(alice)
    response = api.post(
        "/api/v1/cases/",
        {
            "victim_name": "김민지",
            "contact_email": "minji@example.kr",
            "contact_phone": "010-1234-5678",
            "safe_contact_notes": "Only after 6pm",
            "summary": "Images in a Telegram room",
        },
        format="json",
    )
    case_id = response.json()["id"]
    api.post(f"/api/v1/cases/{case_id}/notes/", {"body": "Called her back"}, format="json")
    api.patch(f"/api/v1/cases/{case_id}/", {"victim_name": "김민지 (changed)", "version": 1}, format="json")
    raw = _raw_rows()
    # The phone in the forms it could take, not "1234" alone: four digits turn up by chance in the
    # rows' times and ids (about one run in a thousand).
    for text in [*PLAINTEXTS, "minji", "01012345678", "1234-5678", "1234 5678"]:
        assert text not in raw
    # Yet the application reads them back.
    case = Case.objects.get(pk=case_id)
    assert (case.victim_name, case.contact_phone) == ("김민지 (changed)", "010-1234-5678")


def test_it_finds_a_returning_victim_by_exact_name_phone_or_email(alice: User, api_as) -> None:
    case = open_case(alice, victim_name="김 민지", contact_phone="010-1234-5678", contact_email="MinJi@Example.kr")
    open_case(alice, victim_name="김민수", contact_phone="010-9999-0000", contact_email="other@example.kr")
    api = api_as(alice)
    for query in [
        "김민지",
        "  김 민지 ",
        "+82 10-1234-5678",
        "01012345678",
        "minji@example.kr",
        case.display_reference,
    ]:
        rows = api.post("/api/v1/cases/search/", {"q": query}, format="json").json()["results"]
        assert [row["id"] for row in rows] == [case.pk], query
    # Part of a name finds every name that holds it (through keyed syllable pairs); nothing else matches.
    assert api.post("/api/v1/cases/search/", {"q": "김민"}, format="json").json()["count"] == 2
    assert api.post("/api/v1/cases/search/", {"q": "민호"}, format="json").json()["count"] == 0


def test_it_normalises_phone_numbers() -> None:
    assert normalise_phone("010-1234-5678") == normalise_phone("+82 10 1234 5678") == "821012345678"
    assert normalise_phone("0082-10-1234-5678") == "821012345678"
    assert normalise_phone("+1 (415) 555-0100") == "14155550100"


def test_it_rotates_to_a_new_key_so_the_old_one_can_go(alice: User, settings) -> None:
    from cases.actions.cases import Consents, do_add_note
    from notifications.models import Notification

    case = open_case(alice, safe_contact_notes="Only after 6pm", contact_channel="sms", consents=Consents(contact=True))
    do_add_note(actor=alice, case=case, body="Called her back", visibility="shared")
    assert Notification.objects.get().address == "010-1234-5678"
    old_key = settings.CASEFLOW_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CASEFLOW_FIELD_KEYS = [new_key, old_key]
    call_command("rotate_field_keys")
    settings.CASEFLOW_FIELD_KEYS = [new_key]
    case = Case.objects.get(pk=case.pk)
    assert (case.victim_name, case.safe_contact_notes) == ("김민지", "Only after 6pm")
    assert Note.objects.get(case=case).body == "Called her back"
    assert Notification.objects.get().address == "010-1234-5678"
    # And the dropped key is really no longer needed, while a missing key is loud, not silent.
    settings.CASEFLOW_FIELD_KEYS = [old_key]
    with pytest.raises(UndecryptableError):
        _ = Case.objects.get(pk=case.pk).victim_name


def test_it_refuses_to_query_an_encrypted_field(alice: User) -> None:
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        Case.objects.filter(victim_name="김민지").count()
