"""The takedown pages follow the same door as the case they belong to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import Case, TakedownRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def takedown(alice: User, alices_case: Case) -> TakedownRequest:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1", "https://t.me/r/2"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    return draft


def test_it_shows_the_request_to_those_who_may_see_the_case(client_as, alice, bob, carol, dave, erin, takedown) -> None:
    url = f"/takedowns/{takedown.pk}/"
    assert client_as(alice).get(url).status_code == 200
    assert client_as(carol).get(url).status_code == 200
    assert client_as(bob).get(url).status_code == 404
    assert client_as(dave).get(url).status_code == 404
    assert client_as(erin).get(url).status_code == 403
    for user in (bob, dave):
        response = client_as(user).post(f"/takedowns/{takedown.pk}/transition/", {"status": "sent", "version": 1})
        assert response.status_code == 404
    takedown.refresh_from_db()
    assert takedown.status == "draft"


def test_it_saves_the_letter_and_records_the_answer_from_the_page(
    client_as, alice: User, takedown: TakedownRequest
) -> None:
    client = client_as(alice)
    saved = client.post(f"/takedowns/{takedown.pk}/", {"subject": "S", "body": "B\r\nhttps://t.me/r/1", "version": 1})
    assert saved.status_code == 302
    takedown.refresh_from_db()
    assert (takedown.status, takedown.body, takedown.version) == ("draft", "B\nhttps://t.me/r/1", 2)
    # "Sent" is the letter form's to record (tests/cases/test_letters.py), never a bare status move.
    refused = client.post(
        f"/takedowns/{takedown.pk}/transition/",
        {"status": "sent", "version": 2, "channel": "email"},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "Send the letter from its form on this page." in refused.content.decode()
    takedown.refresh_from_db()
    assert takedown.status == "draft"
    do_transition_takedown(actor=alice, case=takedown.case, takedown=takedown, status="sent", version=2)
    first = takedown.items.order_by("sighting_id")[0].sighting_id
    client.post(
        f"/takedowns/{takedown.pk}/transition/",
        {"status": "partially_removed", "version": 3, "removed_sightings": [first], "confirmed": "1"},
    )
    takedown.refresh_from_db()
    assert takedown.status == "partially_removed"


def test_it_lists_takedowns_due_soonest_first_with_overdue_marked(
    client_as, alice, bob, carol, takedown, bobs_case
) -> None:
    do_transition_takedown(actor=alice, case=takedown.case, takedown=takedown, status="sent")
    TakedownRequest.objects.filter(pk=takedown.pk).update(deadline_at=timezone.now() - timedelta(hours=2))
    do_add_sightings(actor=bob, case=bobs_case, lines=["https://x.com/a/status/1"])
    [other] = do_draft_takedowns(actor=bob, case=bobs_case)
    do_transition_takedown(actor=bob, case=bobs_case, takedown=other, status="sent")
    page = client_as(carol).get("/takedowns/due/", headers={"accept-language": "en"}).content.decode()
    assert page.index(f"/takedowns/{takedown.pk}/") < page.index(f"/takedowns/{other.pk}/")
    assert "overdue" in page
    alices = client_as(alice).get("/takedowns/due/").content.decode()
    assert f"/takedowns/{other.pk}/" not in alices  # bob's case is not alice's to see


def test_the_due_list_reads_the_same_queries_for_one_request_and_for_many(client_as, alice, carol, alices_case) -> None:
    def due_queries() -> tuple[int, str]:
        client = client_as(carol)
        client.get("/takedowns/due/")  # the session's first request settles what later ones find ready
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/takedowns/due/", headers={"accept-language": "en"}).content.decode()
        return len(queries), page

    do_add_sightings(actor=alice, case=alices_case, lines=["https://x.com/a/status/1"])
    [first] = do_draft_takedowns(actor=alice, case=alices_case)
    do_transition_takedown(actor=alice, case=alices_case, takedown=first, status="sent")
    one, page = due_queries()
    assert page.split("<tbody>")[1].count("<tr") == 1
    do_add_sightings(actor=alice, case=alices_case, lines=["https://www.instagram.com/p/abc/", "https://t.me/room/5"])
    for request in do_draft_takedowns(actor=alice, case=alices_case):
        do_transition_takedown(actor=alice, case=alices_case, takedown=request, status="sent")
    TakedownRequest.objects.filter(pk=first.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    many, page = due_queries()
    assert many == one
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 3
    assert rows.index(f"/takedowns/{first.pk}/") < rows.index("</tr>")  # overdue, soonest: first
    assert 'class="overdue"' in rows.split("</tr>")[0] and "overdue</span>" in rows.split("</tr>")[0]
    assert alices_case.display_reference in rows
