"""POST /api/v1/cases/: a counsellor opens a case; bad input is a 400 naming the field."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User
from cases.access import cases_visible_to
from cases.actions.cases import do_assign_case, do_open_case, do_transition_case, legal_transitions
from cases.api.cases import CaseSerializer
from cases.crypto import gram_indexes
from cases.models import AccessLog, Case, CaseEvent, NameGram
from cases.selectors import search_cases
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


def test_its_answer_is_the_case_as_stored(api_as, alice: User) -> None:
    # The answer is built from the case in memory, not read back: it must say what a later read says.
    api = api_as(alice)
    created = api.post(URL, FULL, format="json").json()
    read = api.get(f"{URL}{created['id']}/").json()
    assert {k: v for k, v in created.items() if not k.startswith("possible_duplicates")} == read
    assert read["victim_name"] == "김민지"
    assert read["summary"] == FULL["summary"]


def test_it_writes_the_case_its_event_and_its_name_pieces_together(alice: User) -> None:
    case = open_case(alice, victim_name="김민지 Kim")
    stored = Case.objects.get(pk=case.pk)
    assert stored.victim_name == "김민지 Kim"
    assert stored.priority_rank == case.priority_rank
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor_id, event.actor_kind, event.reason) == ("created", alice.pk, "user", "")
    assert event.new == {"status": "new", "priority": "normal", "assigned_to": alice.pk, "is_minor": False}
    grams = set(NameGram.objects.filter(case=case).values_list("gram", flat=True))
    assert grams == gram_indexes(case.centre_id, "김민지 Kim")
    assert NameGram.objects.filter(case=case, centre_id=case.centre_id).count() == len(grams) > 0
    # Partial-name search finds it through those pieces.
    assert list(search_cases(cases_visible_to(alice), alice.centre_id, "민지")) == [case]


def test_it_takes_another_reference_when_its_random_one_is_taken(alice: User, monkeypatch) -> None:
    taken = open_case(alice, victim_name="이서윤", contact_phone="", contact_email="")
    field = Case._meta.get_field("reference")
    fresh = iter(["ABCD2345"])
    monkeypatch.setattr(field, "_get_default", lambda: taken.reference)  # the first draw clashes
    monkeypatch.setattr("cases.actions.cases.new_reference", lambda: next(fresh))
    case = open_case(alice, victim_name="최지우", contact_phone="", contact_email="")
    assert case.reference == "ABCD2345"
    assert Case.objects.get(pk=case.pk).victim_name == "최지우"
    assert Case.objects.get(pk=taken.pk).victim_name == "이서윤"  # the case holding it is untouched
    assert CaseEvent.objects.filter(case=taken).count() == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("duplicate", [False, True])
def test_it_opens_a_case_in_a_fixed_number_of_queries(alice: User, duplicate: bool) -> None:
    # API token, as the integrations and the bench use: the token and its user (1), the case with its
    # event and name pieces (1), the duplicate check (1), and the access-log row only when it matched.
    # The key store: the search-index key (1) and the case's own key (1).
    token = AuthToken.objects.create(alice)[1]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    if duplicate:
        open_case(alice, contact_phone="010-9999-0000", contact_email="")
    body = {"victim_name": "박지민", "contact_phone": "010-9999-0000", "summary": "A room shares her photos."}
    with CaptureQueriesContext(connection) as cases_db, CaptureQueriesContext(connections["keystore"]) as keys_db:
        response = api.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    statements = [q["sql"] for q in cases_db.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == (4 if duplicate else 3), statements
    assert len(keys_db.captured_queries) == 2, keys_db.captured_queries
    assert response.json()["possible_duplicates_hidden"] == 0
    assert len(response.json()["possible_duplicates"]) == (1 if duplicate else 0)


def test_a_supervisor_sees_every_open_duplicate_of_her_centre(api_as, alice: User, bob: User, carol: User) -> None:
    alices = open_case(alice, contact_phone="010-4444-0000", contact_email="")
    bobs = open_case(bob, contact_phone="010-4444-0000", contact_email="")
    body = api_as(carol).post(URL, {"victim_name": "한수아", "contact_phone": "010-4444-0000"}, format="json").json()
    assert {row["id"] for row in body["possible_duplicates"]} == {alices.pk, bobs.pk}
    assert body["possible_duplicates_hidden"] == 0


def test_it_lists_the_duplicates_she_may_see_and_counts_the_others(api_as, alice: User, bob: User, carol: User) -> None:
    """Her own case and the intake queue's are shown, newest first; a colleague's is counted; a closed
    one is neither (all of one centre, all with the same phone)."""
    phone = {"contact_phone": "010-5555-0000", "contact_email": ""}
    own = open_case(alice, **phone)
    queued = open_case(alice, **phone)
    do_assign_case(actor=carol, case=queued, assignee=None)
    open_case(bob, **phone)
    closed = open_case(alice, **phone)
    for status in ["in_progress", "monitoring", "closed"]:
        closed = do_transition_case(actor=carol, case=closed, status=status)
    body = api_as(alice).post(URL, {"victim_name": "정하은", "contact_phone": "010-5555-0000"}, format="json").json()
    assert [row["id"] for row in body["possible_duplicates"]] == [queued.pk, own.pk]
    assert body["possible_duplicates_hidden"] == 1


def test_two_answers_at_once_each_say_what_their_own_reader_may_do(alice: User, carol: User) -> None:
    """Each serializer has fields of its own (caseflow.api.FieldsBuiltOnce copies them): the statuses one
    reader may move a case to are never another's, even while both answers are written at once."""
    case = open_case(alice)
    for status in ["in_progress", "monitoring"]:  # where only a supervisor may close
        case = do_transition_case(actor=alice, case=case, status=status)
    for_her = CaseSerializer(case, context={"request": SimpleNamespace(user=alice)})
    for_the_supervisor = CaseSerializer(case, context={"request": SimpleNamespace(user=carol)})
    expected = (legal_transitions(alice, case), legal_transitions(carol, case))
    assert expected[0] != expected[1]
    assert (for_her.data["allowed_transitions"], for_the_supervisor.data["allowed_transitions"]) == expected
    later = CaseSerializer(case, context={"request": SimpleNamespace(user=carol)})
    assert (later.data["allowed_transitions"], for_her.data["allowed_transitions"]) == (expected[1], expected[0])
