"""The staff pages: the same access table as the API, escaping, intake, case page, search."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.actions.cases import do_add_note, do_assign_case, do_transition_case, do_update_case
from cases.models import AccessLog, Case
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def _page(client: Client, case: Case, suffix: str = "") -> int:
    return client.get(f"/cases/{case.pk}/{suffix}").status_code


def _post(client: Client, case: Case, suffix: str, data: dict) -> int:
    return client.post(f"/cases/{case.pk}/{suffix}", data).status_code


def test_it_shows_a_counsellor_her_case_and_the_intake_queue(client_as, alice: User, alices_case, intake_case) -> None:
    client = client_as(alice)
    assert _page(client, alices_case) == 200
    assert _page(client, alices_case, "edit/") == 200
    assert _page(client, intake_case) == 200
    assert _page(client, intake_case, "edit/") == 403
    assert _post(client, intake_case, "notes/", {"body": "x", "kind": "session", "visibility": "internal"}) == 403


def test_it_hides_other_counsellors_and_other_centres_cases(
    client_as, alice: User, carol: User, bobs_case, daves_case
) -> None:
    for user, case in [(alice, bobs_case), (alice, daves_case), (carol, daves_case)]:
        client = client_as(user)
        assert _page(client, case) == 404
        assert _page(client, case, "edit/") == 404
        assert _post(client, case, "notes/", {"body": "x", "kind": "session", "visibility": "internal"}) == 404
        assert _post(client, case, "transition/", {"status": "in_progress", "version": 1}) == 404
        assert _post(client, case, "assign/", {"take": "1", "version": 1}) == 404


def test_it_shows_a_supervisor_every_case_of_her_centre(client_as, carol: User, bobs_case, intake_case) -> None:
    client = client_as(carol)
    assert _page(client, bobs_case) == 200
    assert _page(client, intake_case, "edit/") == 200


def test_it_refuses_case_pages_to_an_administrator(client_as, erin: User, alices_case) -> None:
    client = client_as(erin)
    assert _page(client, alices_case) == 403
    assert client.get("/cases/new/").status_code == 403
    assert client.get("/cases/search/").status_code == 403
    assert client.get("/").status_code == 302  # sent to the admin site


def test_it_logs_every_opening_of_the_case_page(client_as, alice: User, alices_case) -> None:
    client_as(alice).get(f"/cases/{alices_case.pk}/", REMOTE_ADDR="10.9.8.7")
    log = AccessLog.objects.get()
    assert (log.user, log.case, log.ip_address, log.action) == (alice, alices_case, "10.9.8.7", "view")


def test_it_files_a_case_from_the_intake_form(client_as, alice: User) -> None:
    client = client_as(alice)
    response = client.post(
        "/cases/new/",
        {
            "victim_name": "정다은",
            "contact_phone": "010-4444-5555",
            "preferred_language": "ko",
            "priority": "high",
            "harm_types": ["synthetic", "sextortion"],
            "summary": "Threatened with a fake video.",
            "consent_contact": "on",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.victim_name, case.priority, case.harm_types) == ("정다은", "high", ["sextortion", "synthetic"])
    assert case.consent_contact and not case.consent_share_with_police
    assert case.assigned_to == alice


def test_it_warns_of_a_possible_duplicate_before_filing(client_as, alice: User, bob: User) -> None:
    earlier = open_case(alice, contact_phone="010-1234-5678")
    open_case(bob, contact_phone="010 1234 5678", contact_email="")
    client = client_as(alice)
    data = {"victim_name": "M", "contact_phone": "+82-10-1234-5678", "preferred_language": "ko", "priority": "normal"}
    response = client.post("/cases/new/", data, headers={"accept-language": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert earlier.display_reference in page
    assert "1 more is assigned to a colleague" in page
    assert Case.objects.count() == 2
    # Submitting again, having seen the warning, files it.
    assert client.post("/cases/new/", {**data, "confirm_duplicates": "on"}).status_code == 302
    assert Case.objects.count() == 3


def test_it_keeps_what_was_typed_when_the_intake_form_is_wrong(client_as, alice: User) -> None:
    response = client_as(alice).post(
        "/cases/new/",
        {
            "victim_name": "",
            "contact_email": "minji@",
            "preferred_language": "ko",
            "priority": "normal",
            "summary": "Kept text",
        },
    )
    assert response.status_code == 200
    assert "Kept text" in response.content.decode()
    assert Case.objects.count() == 0


def test_it_renders_what_users_typed_inert(client_as, alice: User, alices_case) -> None:
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    do_add_note(actor=alice, case=alices_case, body=script)
    do_update_case(actor=alice, case=alices_case, version=1, changes={"victim_name": script, "summary": script})
    page = client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 3
    dashboard = client_as(alice).get("/").content.decode()
    assert "<script>alert" not in dashboard


def test_it_offers_only_legal_status_moves(client_as, alice: User, carol: User, alices_case) -> None:
    def offered(user: User) -> list[str]:
        page = client_as(user).get(f"/cases/{alices_case.pk}/").content.decode()
        return re.findall(r'data-status="(\w+)"', page)

    assert offered(alice) == ["in_progress"]
    do_transition_case(actor=alice, case=alices_case, status="in_progress")
    do_transition_case(actor=alice, case=alices_case, status="monitoring")
    assert offered(alice) == ["in_progress"]
    assert offered(carol) == ["in_progress", "closed"]


def test_it_moves_a_case_and_adds_a_note_from_the_case_page(client_as, alice: User, alices_case) -> None:
    client = client_as(alice)
    assert _post(client, alices_case, "transition/", {"status": "in_progress", "version": 1, "reason": "Called"}) == 302
    assert (
        _post(client, alices_case, "notes/", {"body": "Spoke 20 min.", "kind": "phone", "visibility": "shared"}) == 302
    )
    alices_case.refresh_from_db()
    assert alices_case.status == "in_progress"
    page = client.get(f"/cases/{alices_case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "Spoke 20 min." in page
    assert "Status: New → In progress" in page


def test_it_refuses_an_illegal_move_from_the_page_with_a_message(client_as, alice: User, alices_case) -> None:
    client = client_as(alice)
    response = client.post(
        f"/cases/{alices_case.pk}/transition/",
        {"status": "closed", "version": 1},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "cannot move from" in response.content.decode()
    alices_case.refresh_from_db()
    assert alices_case.status == "new"


def test_it_refuses_a_stale_edit_with_409_and_keeps_the_input(client_as, alice: User, carol: User, alices_case) -> None:
    do_update_case(actor=carol, case=alices_case, version=1, changes={"priority": "urgent"})
    response = client_as(alice).post(
        f"/cases/{alices_case.pk}/edit/",
        {"victim_name": "New name", "preferred_language": "ko", "priority": "low", "version": 1},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert "New name" in response.content.decode()
    alices_case.refresh_from_db()
    assert (alices_case.victim_name, alices_case.priority) == ("김민지", "urgent")


def test_it_lets_a_counsellor_take_an_intake_case(client_as, bob: User, intake_case) -> None:
    client = client_as(bob)
    assert (
        "Take this case" in client.get(f"/cases/{intake_case.pk}/", headers={"accept-language": "en"}).content.decode()
    )
    assert _post(client, intake_case, "assign/", {"take": "1", "version": intake_case.version}) == 302
    intake_case.refresh_from_db()
    assert intake_case.assigned_to == bob


def test_it_lets_a_supervisor_assign_from_the_page(client_as, carol: User, bob: User, alices_case) -> None:
    assert _post(client_as(carol), alices_case, "assign/", {"assigned_to": bob.pk, "version": 1}) == 302
    alices_case.refresh_from_db()
    assert alices_case.assigned_to == bob


def test_it_refuses_assignment_to_someone_of_another_centre(client_as, carol: User, dave: User, alices_case) -> None:
    assert _post(client_as(carol), alices_case, "assign/", {"assigned_to": dave.pk, "version": 1}) == 400
    alices_case.refresh_from_db()
    assert alices_case.assigned_to_id != dave.pk


def test_it_searches_by_post_so_nothing_lands_in_a_url(client_as, alice: User, alices_case, bobs_case) -> None:
    client = client_as(alice)
    response = client.post("/cases/search/", {"q": "010 1234 5678"})
    page = response.content.decode()
    assert alices_case.display_reference in page
    assert f"/cases/{bobs_case.pk}/" not in client.post("/cases/search/", {"q": "이하은"}).content.decode()
    assert bobs_case.display_reference not in client.post("/cases/search/", {"q": "이하은"}).content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_costs_the_dashboard_the_same_queries_for_1_case_and_50(client_as, alice: User, carol: User) -> None:
    client = client_as(alice)
    open_case(alice, priority="urgent", contact_phone="", contact_email="")
    client.get("/")
    one = _queries(client, "/")
    for index in range(49):
        case = open_case(alice, priority="urgent" if index % 2 else "normal", contact_phone="", contact_email="")
        if index % 3 == 0:
            do_assign_case(actor=carol, case=case, assignee=None)
    fifty = _queries(client, "/")
    assert one == fifty


def test_it_costs_the_case_page_the_same_queries_for_1_note_and_50(client_as, alice: User, alices_case) -> None:
    client = client_as(alice)
    do_add_note(actor=alice, case=alices_case, body="first")
    client.get(f"/cases/{alices_case.pk}/")
    one = _queries(client, f"/cases/{alices_case.pk}/")
    for index in range(49):
        do_add_note(actor=alice, case=alices_case, body=f"note {index}")
        do_update_case(
            actor=alice,
            case=alices_case,
            version=alices_case.version + index,
            changes={"priority": ["low", "high"][index % 2]},
        )
    assert _queries(client, f"/cases/{alices_case.pk}/") == one


def test_it_refuses_a_take_without_a_version(client_as, bob: User, intake_case: Case) -> None:
    client = client_as(bob)
    for version in ["", "abc", "0"]:
        client.post(f"/cases/{intake_case.pk}/assign/", {"take": "1", "version": version})
    intake_case.refresh_from_db()
    assert intake_case.assigned_to is None


def test_it_answers_a_paste_after_a_redirect_without_keeping_addresses(client_as, alice: User, alices_case) -> None:
    client = client_as(alice)
    lines = "https://t.me/secret_room/1\njavascript:alert(1)\nhttps://t.me/secret_room/1"
    response = client.post(f"/cases/{alices_case.pk}/sightings/", {"text": lines, "found_by": "counsellor"})
    assert response.status_code == 302 and response["Location"].endswith("#sightings")
    # What waits in the session names lines and ids, never an address.
    assert "secret_room" not in str(dict(client.session))
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert page.count('class="line-created"') == 1
    assert page.count('class="line-rejected"') == 1
    assert page.count('class="line-duplicate"') == 1
    assert "https://t.me/secret_room/1" in page
    # Shown once: a reload does not show the answers again, and does not paste again.
    again = client.get(response["Location"].split("#")[0]).content.decode()
    assert 'class="line-created"' not in again
    assert alices_case.sightings.count() == 1
