"""Holes found in review, each closed and kept closed."""

from __future__ import annotations

import pytest
from knox.models import AuthToken

from accounts.models import Role, User
from cases.actions.cases import do_assign_case, do_open_case, do_transition_case
from cases.models import AccessLog, Case

pytestmark = pytest.mark.django_db


def test_it_stops_an_administrator_promoting_herself(client_as, erin: User) -> None:
    client = client_as(erin)
    page = client.get(f"/admin/accounts/user/{erin.pk}/change/")
    assert page.status_code == 200
    client.post(
        f"/admin/accounts/user/{erin.pk}/change/",
        {
            "email": erin.email,
            "full_name": erin.full_name,
            "preferred_language": "ko",
            "role": "supervisor",
            "centre": erin.centre_id,
            "is_active": "on",
        },
    )
    erin.refresh_from_db()
    assert erin.role == Role.ADMIN


def test_it_never_deletes_users_from_the_admin(client_as, erin: User, alice: User) -> None:
    assert client_as(erin).get(f"/admin/accounts/user/{alice.pk}/delete/").status_code in {302, 403}
    assert User.objects.filter(pk=alice.pk).exists()


def test_it_keeps_a_closed_unassigned_case_out_of_the_intake_queue(api_as, alice: User, bob: User, carol: User) -> None:
    case = do_open_case(actor=alice, victim_name="김민지")
    for status in ["in_progress", "monitoring", "closed"]:
        case = do_transition_case(actor=carol, case=case, status=status)
    do_assign_case(actor=carol, case=case, assignee=None)
    api = api_as(bob)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/assign/", {"assigned_to": bob.pk}, format="json").status_code == 404
    assert api.get("/api/v1/cases/").json()["count"] == 0


def test_it_logs_reading_notes_and_events(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    api.get(f"/api/v1/cases/{alices_case.pk}/notes/")
    api.get(f"/api/v1/cases/{alices_case.pk}/events/")
    assert AccessLog.objects.filter(case=alices_case, user=alice).count() == 2


def test_it_logs_an_intake_check_that_matched_a_colleagues_case(client_as, alice: User, bob: User) -> None:
    do_open_case(actor=bob, victim_name="X", contact_phone="010-1111-2222")
    client_as(alice).post(
        "/cases/new/",
        {"victim_name": "Y", "contact_phone": "01011112222", "preferred_language": "ko", "priority": "normal"},
    )
    log = AccessLog.objects.get()
    assert (log.user, log.case, log.action) == (alice, None, "duplicate_check")


def test_it_searches_by_post_through_the_api(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).post("/api/v1/cases/search/", {"q": "010-1234-5678"}, format="json")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [alices_case.pk]
    assert "1234" not in (response.json()["next"] or "")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/access-log/?case=9223372036854775808",
        "/api/v1/access-log/?user=-1",
        "/api/v1/cases/?created_after=9999-12-31T23:59:59-14:00",
    ],
)
def test_it_answers_odd_numbers_and_dates_with_400(api_as, carol: User, url: str) -> None:
    assert api_as(carol).get(url).status_code == 400


def test_it_refuses_a_take_without_a_version(client_as, bob: User, intake_case: Case) -> None:
    client = client_as(bob)
    for version in ["", "abc", "0"]:
        client.post(f"/cases/{intake_case.pk}/assign/", {"take": "1", "version": version})
    intake_case.refresh_from_db()
    assert intake_case.assigned_to is None


def test_it_keeps_at_most_the_token_limit(api, alice: User, password: str, settings) -> None:
    for _ in range(22):
        assert (
            api.post(
                "/api/v1/auth/token/",
                {"email": alice.email, "password": password},
                format="json",
                REMOTE_ADDR=f"10.0.{_}.1",
            ).status_code
            == 200
        )
    assert AuthToken.objects.filter(user=alice).count() == 20


def test_it_revokes_tokens_when_the_password_changes(api, alice: User, password: str) -> None:
    token = api.post("/api/v1/auth/token/", {"email": alice.email, "password": password}, format="json").json()["token"]
    alice.set_password("a completely new passphrase 9")
    alice.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_it_does_not_link_the_same_phone_across_centres(alice: User, dave: User) -> None:
    mine = do_open_case(actor=alice, victim_name="A", contact_phone="010-1234-5678")
    theirs = do_open_case(actor=dave, victim_name="A", contact_phone="010-1234-5678")
    assert mine.phone_index and mine.phone_index != theirs.phone_index
    assert mine.name_index != theirs.name_index


def test_it_ignores_invisible_characters_in_names(api_as, alice: User) -> None:
    case = do_open_case(actor=alice, victim_name="김\u200b민지", contact_phone="")
    rows = api_as(alice).get("/api/v1/cases/", {"q": "김민지"}).json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
