"""Notes (internal or shared) and the case's event trail, always reached through the case."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import AccessLog, Case

pytestmark = pytest.mark.django_db


def test_it_adds_and_lists_notes_newest_first(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    first = api.post(f"/api/v1/cases/{alices_case.pk}/notes/", {"body": "First call.", "kind": "phone"}, format="json")
    assert first.status_code == 201
    assert first.json()["author"] == {"id": alice.pk, "full_name": "Alice Kim"}
    api.post(
        f"/api/v1/cases/{alices_case.pk}/notes/",
        {"body": "Told her the link is gone.", "visibility": "shared"},
        format="json",
    )
    rows = api.get(f"/api/v1/cases/{alices_case.pk}/notes/").json()["results"]
    assert [(r["body"], r["visibility"]) for r in rows] == [
        ("Told her the link is gone.", "shared"),
        ("First call.", "internal"),
    ]


def test_it_does_not_bump_the_version_for_a_note(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    api.post(f"/api/v1/cases/{alices_case.pk}/notes/", {"body": "Note."}, format="json")
    assert (
        api.patch(f"/api/v1/cases/{alices_case.pk}/", {"priority": "high", "version": 1}, format="json").status_code
        == 200
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "x" * 20_001},
        {"body": "a", "visibility": "public"},
        {"body": "a", "kind": "fax"},
        {"body": ["a"]},
    ],
)
def test_it_refuses_bad_notes(api_as, alice: User, alices_case: Case, body: dict) -> None:
    response = api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/notes/", body, format="json")
    assert response.status_code == 400
    assert alices_case.notes.count() == 0


def test_it_records_every_change_as_an_event(api_as, alice: User, carol: User, alices_case: Case) -> None:
    api = api_as(alice)
    api.post(f"/api/v1/cases/{alices_case.pk}/notes/", {"body": "Note."}, format="json")
    api.post(
        f"/api/v1/cases/{alices_case.pk}/transition/",
        {"status": "in_progress", "reason": "Called", "version": 1},
        format="json",
    )
    api_as(carol).post(
        f"/api/v1/cases/{alices_case.pk}/assign/", {"assigned_to": carol.pk, "version": 2}, format="json"
    )
    events = api_as(carol).get(f"/api/v1/cases/{alices_case.pk}/events/").json()["results"]
    assert [(e["kind"], e["actor"]["id"] if e["actor"] else None) for e in events] == [
        ("created", alice.pk),
        ("note_added", alice.pk),
        ("status_changed", alice.pk),
        ("assigned", carol.pk),
    ]
    assert events[2]["old"] == {"status": "new"} and events[2]["reason"] == "Called"
    assert events[3]["new"] == {"assigned_to": carol.pk}
    # The note's text stays in the note: the trail says only that one was added.
    assert "Note." not in repr(events)


def test_it_logs_every_opening_of_a_case(api_as, alice: User, carol: User, alices_case: Case) -> None:
    api_as(alice).get(f"/api/v1/cases/{alices_case.pk}/", REMOTE_ADDR="10.2.3.4")
    api_as(alice).get(f"/api/v1/cases/{alices_case.pk}/", REMOTE_ADDR="10.2.3.4")
    rows = api_as(carol).get("/api/v1/access-log/", {"user": alice.pk}).json()["results"]
    assert len(rows) == 2
    assert rows[0]["ip_address"] == "10.2.3.4"
    assert rows[0]["case_reference"] == alices_case.display_reference


def test_it_logs_reading_notes_and_events(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    api.get(f"/api/v1/cases/{alices_case.pk}/notes/")
    api.get(f"/api/v1/cases/{alices_case.pk}/events/")
    assert AccessLog.objects.filter(case=alices_case, user=alice).count() == 2


def test_it_names_what_changed_in_the_timeline(client_as, alice: User, alices_case: Case, platforms: None) -> None:
    from cases.actions.sightings import do_add_sightings
    from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown

    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1", "https://t.me/r/2"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    draft = do_transition_takedown(actor=alice, case=alices_case, takedown=draft, status="sent")
    do_transition_takedown(actor=alice, case=alices_case, takedown=draft, status="removed")
    page = client_as(alice).get(f"/cases/{alices_case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 places added" in page
    assert "Telegram request drafted (2 places)" in page
    assert "Telegram request: Draft → Sent" in page
    assert "Telegram request: Sent → Removed" in page
    korean = client_as(alice).get(f"/cases/{alices_case.pk}/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "Telegram 요청: 발송됨 → 삭제됨" in korean
    assert "장소 2곳 추가" in korean
