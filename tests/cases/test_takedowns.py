"""Takedown requests: one draft per platform, the letter, send with a deadline, answers, overdue."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.api.takedowns import TakedownListSerializer
from cases.models import Case, Sighting, TakedownItem, TakedownRequest, TakedownStatus
from tests.cases.conftest import READERS, cases_of_every_kind, settle_kinds

pytestmark = pytest.mark.django_db

URLS = ["https://t.me/room/1", "https://t.me/room/2", "https://x.com/u/status/9", "https://leak.example/p/1"]


@pytest.fixture
def with_places(alice: User, alices_case: Case) -> Case:
    do_add_sightings(actor=alice, case=alices_case, lines=URLS)
    return alices_case


def _draft(api, case: Case) -> list[dict]:
    response = api.post(f"/api/v1/cases/{case.pk}/draft-takedowns/")
    assert response.status_code == 201, response.json()
    return response.json()


def test_it_drafts_one_request_per_platform(api_as, alice: User, with_places: Case) -> None:
    drafts = _draft(api_as(alice), with_places)
    assert sorted((d["platform"]["name"], len(d["sightings"])) for d in drafts) == [
        ("Telegram", 2),
        ("Unknown site / 기타 사이트", 1),
        ("X (Twitter)", 1),
    ]
    telegram = next(d for d in drafts if d["platform"]["name"] == "Telegram")
    assert "https://t.me/room/1\nhttps://t.me/room/2" in telegram["body"]
    # The request's token, never the case reference (the victim signs in to the portal with it).
    assert re.fullmatch(r"TD-[2-9A-HJKMNP-TW-Z]{10}", telegram["token"])
    assert telegram["token"] in telegram["subject"] and telegram["token"] in telegram["body"]
    for text in (telegram["subject"], telegram["body"]):
        assert with_places.display_reference not in text and with_places.reference not in text
    # No victim detail beyond the addresses.
    assert "김민지" not in telegram["body"] and "010" not in telegram["body"]
    # Drafting again opens nothing new: every place is already in an open request.
    assert _draft(api_as(alice), with_places) == []


def test_it_never_puts_a_place_in_two_open_requests(alice: User, with_places: Case) -> None:
    [first, *_] = do_draft_takedowns(actor=alice, case=with_places)
    other = TakedownRequest.objects.create(
        case=with_places, centre_id=with_places.centre_id, platform=first.platform, language="en", subject="", body=""
    )
    sighting = first.items.all()[0].sighting
    with pytest.raises(IntegrityError):
        TakedownItem.objects.create(takedown=other, sighting=sighting)


def test_it_writes_korean_letters_for_korean_platforms(api_as, alice: User, alices_case: Case) -> None:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://blog.naver.com/x/1"])
    [draft] = _draft(api_as(alice), alices_case)
    assert draft["language"] == "ko"
    assert "삭제" in draft["subject"]


def test_it_sends_with_a_deadline_and_keeps_the_letter_as_sent(api_as, alice: User, with_places: Case) -> None:
    api = api_as(alice)
    draft = next(d for d in _draft(api, with_places) if d["platform"]["name"] == "Telegram")
    edited = api.patch(
        f"/api/v1/takedowns/{draft['id']}/",
        {"subject": "Removal", "body": "Edited letter", "version": 1},
        format="json",
    )
    assert edited.status_code == 200
    sent = api.post(f"/api/v1/takedowns/{draft['id']}/transition/", {"status": "sent", "version": 2}, format="json")
    assert sent.status_code == 200, sent.json()
    body = sent.json()
    assert (body["status"], body["channel"], body["sent_body"]) == ("sent", "email", "Edited letter")
    takedown = TakedownRequest.objects.get(pk=draft["id"])
    assert takedown.deadline_at is not None and takedown.sent_at is not None
    assert takedown.deadline_at - takedown.sent_at == timedelta(hours=24)
    # What was sent is kept as sent: the letter can no longer be edited.
    again = api.patch(f"/api/v1/takedowns/{draft['id']}/", {"subject": "x", "body": "y", "version": 3}, format="json")
    assert again.status_code == 400


STATUSES = [s.value for s in TakedownStatus]
LEGAL = {
    ("draft", "sent"),
    ("sent", "acknowledged"),
    ("sent", "removed"),
    ("sent", "partially_removed"),
    ("sent", "refused"),
    ("sent", "escalated"),
    ("acknowledged", "removed"),
    ("acknowledged", "partially_removed"),
    ("acknowledged", "refused"),
    ("acknowledged", "escalated"),
    ("escalated", "removed"),
    ("escalated", "refused"),
}
PATH = {
    "draft": [],
    "sent": ["sent"],
    "acknowledged": ["sent", "acknowledged"],
    "escalated": ["sent", "escalated"],
    "removed": ["sent", "removed"],
    "partially_removed": ["sent", "partially_removed"],
    "refused": ["sent", "refused"],
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("requested", STATUSES)
@pytest.mark.usefixtures("regulator")
def test_it_follows_the_takedown_machine(api_as, alice: User, with_places: Case, current: str, requested: str) -> None:
    takedown = next(t for t in do_draft_takedowns(actor=alice, case=with_places) if t.platform.name == "Telegram")
    removed = [takedown.items.all()[0].sighting_id]
    for step in PATH[current]:
        if step == "escalated":
            TakedownRequest.objects.filter(pk=takedown.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
        takedown = do_transition_takedown(
            actor=alice, case=with_places, takedown=takedown, status=step, removed_sightings=removed
        )
    # Past the deadline, so that escalation is possible wherever the machine allows it.
    TakedownRequest.objects.filter(pk=takedown.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    response = api_as(alice).post(
        f"/api/v1/takedowns/{takedown.pk}/transition/",
        {"status": requested, "removed_sightings": removed, "version": takedown.version},
        format="json",
    )
    takedown.refresh_from_db()
    if (current, requested) in LEGAL:
        assert response.status_code == 200, response.json()
        assert takedown.status == requested
    else:
        assert response.status_code == 400
        assert current in response.json()["status"][0] and requested in response.json()["status"][0]
        assert takedown.status == current


@pytest.mark.usefixtures("regulator")
def test_it_escalates_only_once_overdue(api_as, alice: User, with_places: Case) -> None:
    takedown = do_draft_takedowns(actor=alice, case=with_places)[0]
    takedown = do_transition_takedown(actor=alice, case=with_places, takedown=takedown, status="sent")
    api = api_as(alice)
    body = {"status": "escalated", "version": takedown.version}
    early = api.post(f"/api/v1/takedowns/{takedown.pk}/transition/", body, format="json")
    assert early.status_code == 400
    TakedownRequest.objects.filter(pk=takedown.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    assert api.get(f"/api/v1/takedowns/{takedown.pk}/").json()["is_overdue"] is True
    assert [t["id"] for t in api.get("/api/v1/takedowns/", {"overdue": "true"}).json()["results"]] == [takedown.pk]
    assert api.post(f"/api/v1/takedowns/{takedown.pk}/transition/", body, format="json").status_code == 200
    assert api.get(f"/api/v1/takedowns/{takedown.pk}/").json()["is_overdue"] is False


def test_it_marks_places_removed_with_the_answer(alice: User, with_places: Case) -> None:
    telegram = next(t for t in do_draft_takedowns(actor=alice, case=with_places) if t.platform.name == "Telegram")
    do_transition_takedown(actor=alice, case=with_places, takedown=telegram, status="sent")
    first, second = telegram.items.order_by("sighting_id").values_list("sighting_id", flat=True)
    do_transition_takedown(
        actor=alice, case=with_places, takedown=telegram, status="partially_removed", removed_sightings=[first]
    )
    assert Sighting.objects.get(pk=first).state == "removed"
    assert Sighting.objects.get(pk=second).state == "online"
    # The place still online can go into a new request now that the old one is answered.
    [again] = do_draft_takedowns(actor=alice, case=with_places)
    assert list(again.items.values_list("sighting_id", flat=True)) == [second]


def test_it_filters_takedowns(api_as, alice: User, with_places: Case, daves_case: Case, dave: User) -> None:
    drafts = do_draft_takedowns(actor=alice, case=with_places)
    do_add_sightings(actor=dave, case=daves_case, lines=["https://t.me/other/1"])
    do_draft_takedowns(actor=dave, case=daves_case)
    api = api_as(alice)
    assert api.get("/api/v1/takedowns/").json()["count"] == len(drafts)
    telegram = next(t for t in drafts if t.platform.name == "Telegram")
    rows = api.get("/api/v1/takedowns/", {"platform": telegram.platform_id}).json()["results"]
    assert [r["id"] for r in rows] == [telegram.pk]
    assert api.get("/api/v1/takedowns/", {"status": "sent"}).json()["count"] == 0
    assert api.get("/api/v1/takedowns/", {"case": with_places.pk}).json()["count"] == len(drafts)
    assert api.get("/api/v1/takedowns/", {"status": "lost"}).status_code == 400


def test_it_hides_takedowns_of_cases_you_may_not_see(
    api_as, bob: User, carol: User, dave: User, alice: User, with_places: Case
) -> None:
    takedown = do_draft_takedowns(actor=alice, case=with_places)[0]
    for user in (bob, dave):
        api = api_as(user)
        assert api.get(f"/api/v1/takedowns/{takedown.pk}/").status_code == 404
        assert (
            api.post(
                f"/api/v1/takedowns/{takedown.pk}/transition/", {"status": "sent", "version": 1}, format="json"
            ).status_code
            == 404
        )
        assert api.get("/api/v1/takedowns/").json()["count"] == 0
    assert api_as(carol).get(f"/api/v1/takedowns/{takedown.pk}/").status_code == 200


def _overdue_request(actor: User, case: Case, url: str) -> int:
    """A request on `case` sent a day ago and past its deadline."""
    do_add_sightings(actor=actor, case=case, lines=[url])
    takedown = do_draft_takedowns(actor=actor, case=case)[0]
    do_transition_takedown(actor=actor, case=case, takedown=takedown, status="sent")
    TakedownRequest.objects.filter(pk=takedown.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    return takedown.pk


def test_it_lists_the_requests_of_exactly_the_cases_each_person_may_read(
    api_as, client_as, alice: User, bob: User, carol: User, dave: User
) -> None:
    cases = cases_of_every_kind(alice, bob, dave)
    requests = {
        name: _overdue_request(case.assigned_to or alice, case, f"https://t.me/room/{number}")
        for number, (name, case) in enumerate(cases.items())
    }
    settle_kinds(cases, alice, carol)
    people = {"alice": alice, "bob": bob, "carol": carol, "dave": dave}
    expected = {people[name]: names for name, names in READERS.items()}
    for user, names in expected.items():
        ids = {requests[name] for name in names}
        api = api_as(user)
        for query in ({}, {"overdue": "true", "ordering": "deadline"}, {"status": "sent", "page_size": 2}):
            listed, url, params = set(), "/api/v1/takedowns/", query
            while url:
                body = api.get(url, params).json()
                assert body["count"] == len(ids), (user.email, query)
                listed |= {row["id"] for row in body["results"]}
                url, params = body["next"], {}
            assert listed == ids, (user.email, query)
        page = client_as(user).get("/takedowns/due/").content.decode()
        assert {int(pk) for pk in re.findall(r'href="/takedowns/(\d+)/"', page)} == ids, user.email
        for name, pk in requests.items():
            assert (api.get(f"/api/v1/takedowns/{pk}/").status_code == 200) == (name in names), (user.email, name)


def test_it_refuses_a_stale_letter_edit(api_as, alice: User, with_places: Case) -> None:
    takedown = do_draft_takedowns(actor=alice, case=with_places)[0]
    api = api_as(alice)
    assert (
        api.patch(
            f"/api/v1/takedowns/{takedown.pk}/", {"subject": "a", "body": "b", "version": 1}, format="json"
        ).status_code
        == 200
    )
    assert (
        api.patch(
            f"/api/v1/takedowns/{takedown.pk}/", {"subject": "c", "body": "d", "version": 1}, format="json"
        ).status_code
        == 409
    )
    takedown.refresh_from_db()
    assert takedown.body == "b"


@pytest.mark.usefixtures("regulator")
def test_its_list_rows_are_what_the_serializer_writes(api_as, alice: User, carol: User, with_places: Case) -> None:
    """The list reads plain values (takedown_rows), not requests through TakedownListSerializer: every
    row must still be what the serializer writes, for a draft, a sent request, an overdue one and an
    escalated one, read by the counsellor (her rule joins the cases) and by the supervisor."""
    drafts = do_draft_takedowns(actor=alice, case=with_places)
    sent = do_transition_takedown(actor=alice, case=with_places, takedown=drafts[0], status="sent")
    late = do_transition_takedown(actor=alice, case=with_places, takedown=drafts[1], status="sent")
    TakedownRequest.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    late.refresh_from_db()
    do_transition_takedown(actor=alice, case=with_places, takedown=late, status="escalated")
    overdue = do_transition_takedown(actor=alice, case=with_places, takedown=drafts[2], status="sent")
    TakedownRequest.objects.filter(pk=overdue.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    assert sent.deadline_at is not None
    for user in (alice, carol):
        for params in ({}, {"overdue": "false", "ordering": "deadline"}, {"overdue": "true"}, {"status": "sent"}):
            listed = api_as(user).get("/api/v1/takedowns/", params).json()["results"]
            ids = [row["id"] for row in listed]
            rows = TakedownRequest.objects.select_related("case", "platform").prefetch_related("items")
            by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
            written = json.loads(
                JSONRenderer().render(TakedownListSerializer([by_id[pk] for pk in ids], many=True).data)
            )
            assert listed == written, (user.email, params)
            assert listed and all(row["case_reference"] == with_places.display_reference for row in listed)


def test_its_list_reads_the_same_queries_for_one_request_and_for_many(api_as, alice: User, with_places: Case) -> None:
    """The count, the page and the page's places: three statements after sign-in, however many rows."""
    api = api_as(alice)

    def queries() -> int:
        api.get("/api/v1/takedowns/")  # the first request of a session settles what later ones find ready
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/takedowns/").status_code == 200
        return len(captured)

    [_kept, *others] = do_draft_takedowns(actor=alice, case=with_places)
    TakedownRequest.objects.filter(pk__in=[request.pk for request in others]).delete()
    one = queries()
    assert api.get("/api/v1/takedowns/").json()["count"] == 1
    do_add_sightings(actor=alice, case=with_places, lines=["https://www.instagram.com/p/abc/", "https://t.me/r/5"])
    do_draft_takedowns(actor=alice, case=with_places)
    assert api.get("/api/v1/takedowns/").json()["count"] > 2
    assert queries() == one
