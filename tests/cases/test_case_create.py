"""POST /api/v1/cases/: a counsellor opens a case; bad input is a 400 naming the field."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.cases import do_open_case
from cases.models import AccessLog, Case, CaseEvent
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"

FULL = {
    "victim_name": "김민지",
    "contact_email": "minji@example.kr",
    "contact_phone": "010-1234-5678",
    "safe_contact_notes": "Text only, never call.",
    "preferred_language": "ko",
    "is_minor": True,
    "priority": "urgent",
    "harm_types": ["synthetic", "distribution"],
    "summary": "Deepfake images of her circulate in a Telegram room.",
    "consents": {"contact": True, "share_with_police": False, "hash_matching": True},
}


def test_it_opens_a_case_assigned_to_its_creator(api_as, alice: User) -> None:
    response = api_as(alice).post(URL, FULL, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "new"
    assert body["version"] == 1
    assert body["assigned_to"] == {"id": alice.pk, "full_name": "Alice Kim"}
    assert body["created_at"]
    assert body["consents"] == {
        "contact": True,
        "share_with_police": False,
        "hash_matching": True,
        "keep_evidence": False,
    }
    assert body["harm_types"] == ["distribution", "synthetic"]
    assert body["allowed_transitions"] == ["in_progress"]
    case = Case.objects.get(pk=body["id"])
    assert case.centre == alice.centre
    assert body["reference"] == case.display_reference
    assert CaseEvent.objects.filter(case=case, kind="created", actor=alice).count() == 1


def test_it_gives_short_unambiguous_non_sequential_references(alice: User) -> None:
    references = [open_case(alice, contact_phone="", contact_email="").reference for _ in range(30)]
    assert len(set(references)) == 30
    for reference in references:
        assert len(reference) == 8
        assert not set(reference) & set("01OIL")
    assert references != sorted(references)


def test_it_requires_only_the_name(api_as, alice: User) -> None:
    response = api_as(alice).post(URL, {"victim_name": "이서윤"}, format="json")
    assert response.status_code == 201
    assert response.json()["priority"] == "normal"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"victim_name": ""}, "victim_name"),
        ({"victim_name": None}, "victim_name"),
        ({"victim_name": 42}, "victim_name"),
        ({"victim_name": "Kim\x00Minji"}, "victim_name"),
        ({"victim_name": "Kim\nMinji"}, "victim_name"),
        ({"summary": "x" * 20_001}, "summary"),
        ({"summary": "bell\x07"}, "summary"),
        ({"contact_email": "minji@"}, "contact_email"),
        ({"contact_email": "minji"}, "contact_email"),
        ({"contact_phone": "call me maybe"}, "contact_phone"),
        ({"priority": "critical"}, "priority"),
        ({"priority": 5}, "priority"),
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"is_minor": "yes"}, "is_minor"),
        ({"is_minor": 1}, "is_minor"),
        ({"harm_types": ["revenge"]}, "harm_types"),
        ({"harm_types": "synthetic"}, "harm_types"),
        ({"consents": {"contact": "true"}}, "consents"),
        ({"consents": {"telepathy": True}}, "consents"),
        ({"consents": []}, "consents"),
        ({"status": "closed"}, "status"),
        ({"asigned_to": 3}, "asigned_to"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(api_as, alice: User, change: dict, field: str) -> None:
    response = api_as(alice).post(URL, {**FULL, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Case.objects.count() == 0


def test_it_accepts_a_summary_of_exactly_20000_characters(api_as, alice: User) -> None:
    response = api_as(alice).post(URL, {**FULL, "summary": "가" * 20_000}, format="json")
    assert response.status_code == 201


def test_it_refuses_malformed_json(api_as, alice: User) -> None:
    response = api_as(alice).post(URL, '{"victim_name": ', content_type="application/json")
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_it_refuses_a_body_over_one_megabyte(api_as, alice: User) -> None:
    response = api_as(alice).post(URL, {**FULL, "summary": "x" * 1_100_000}, format="json")
    assert response.status_code == 413
    assert Case.objects.count() == 0


def test_it_shows_an_open_case_with_the_same_phone_as_a_possible_duplicate(api_as, alice: User) -> None:
    earlier = open_case(alice, contact_phone="+82 10 1234 5678", contact_email="")
    response = api_as(alice).post(URL, {"victim_name": "M. Kim", "contact_phone": "010-1234-5678"}, format="json")
    body = response.json()
    assert body["possible_duplicates"] == [{"id": earlier.pk, "reference": earlier.display_reference, "status": "new"}]
    assert body["possible_duplicates_hidden"] == 0


def test_it_counts_but_does_not_reveal_duplicates_the_counsellor_may_not_see(
    api_as, alice: User, bob: User, carol: User
) -> None:
    open_case(bob, contact_email="minji@example.kr", contact_phone="")
    body = api_as(alice).post(URL, {"victim_name": "민지", "contact_email": "MINJI@example.kr"}, format="json").json()
    assert body["possible_duplicates"] == []
    assert body["possible_duplicates_hidden"] == 1
    supervisor = api_as(carol).post(URL, {"victim_name": "민지", "contact_email": "minji@example.kr"}, format="json")
    assert len(supervisor.json()["possible_duplicates"]) == 2


def test_it_ignores_closed_cases_and_other_centres_for_duplicates(api_as, alice: User, dave: User) -> None:
    open_case(dave, contact_email="minji@example.kr")
    body = api_as(alice).post(URL, {"victim_name": "민지", "contact_email": "minji@example.kr"}, format="json").json()
    assert (body["possible_duplicates"], body["possible_duplicates_hidden"]) == ([], 0)


def test_it_logs_an_intake_check_that_matched_a_colleagues_case(client_as, alice: User, bob: User) -> None:
    do_open_case(actor=bob, victim_name="X", contact_phone="010-1111-2222")
    client_as(alice).post(
        "/cases/new/",
        {"victim_name": "Y", "contact_phone": "01011112222", "preferred_language": "ko", "priority": "normal"},
    )
    log = AccessLog.objects.get()
    assert (log.user, log.case, log.action) == (alice, None, "duplicate_check")


def test_it_does_not_link_the_same_phone_across_centres(alice: User, dave: User) -> None:
    mine = do_open_case(actor=alice, victim_name="A", contact_phone="010-1234-5678")
    theirs = do_open_case(actor=dave, victim_name="A", contact_phone="010-1234-5678")
    assert mine.phone_index and mine.phone_index != theirs.phone_index
    assert mine.name_index != theirs.name_index
