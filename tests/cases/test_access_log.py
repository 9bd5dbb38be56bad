"""The access log: every read of victim details or content addresses leaves one row, through pages
and the API alike; a list or a search writes one row for the request, not one per case."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.models import AccessLog, Case
from tests.cases.conftest import open_case

pytestmark = pytest.mark.django_db


def _rows(user: User) -> list[tuple[int | None, str]]:
    return list(AccessLog.objects.filter(user=user).order_by("pk").values_list("case_id", "action"))


def test_it_logs_reading_a_takedown_through_the_api_and_the_page(api_as, client_as, alice: User) -> None:
    case = open_case(alice)
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/r/1"])
    [draft] = do_draft_takedowns(actor=alice, case=case)
    assert api_as(alice).get(f"/api/v1/takedowns/{draft.pk}/").status_code == 200
    assert client_as(alice).get(f"/takedowns/{draft.pk}/").status_code == 200
    assert _rows(alice) == [(case.pk, "view"), (case.pk, "view")]


def test_it_logs_a_search_once_for_the_request(api_as, client_as, alice: User) -> None:
    for n in range(3):
        open_case(alice, victim_name="김민지", contact_phone=f"010-1234-000{n}")
    response = api_as(alice).post("/api/v1/cases/search/", {"q": "김민지"}, format="json")
    assert response.json()["count"] == 3
    assert _rows(alice) == [(None, "search")]
    client_as(alice).post("/cases/search/", {"q": "김민지"})
    assert _rows(alice) == [(None, "search"), (None, "search")]


def test_it_logs_a_list_that_shows_names_once(api_as, client_as, alice: User) -> None:
    for n in range(3):
        open_case(alice, victim_name=f"사람{n}")
    assert api_as(alice).get("/api/v1/cases/").json()["count"] == 3
    assert _rows(alice) == [(None, "list")]
    assert client_as(alice).get("/").status_code == 200
    assert _rows(alice) == [(None, "list"), (None, "list")]


def test_it_logs_the_api_duplicate_check_at_create(api_as, alice: User, bob: User) -> None:
    open_case(bob, victim_name="X", contact_phone="010-1111-2222")
    body = {"victim_name": "Y", "contact_phone": "01011112222"}
    response = api_as(alice).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201
    assert response.json()["possible_duplicates_hidden"] == 1
    assert _rows(alice) == [(None, "duplicate_check")]


def test_it_logs_no_duplicate_check_when_nothing_matched(api_as, alice: User) -> None:
    response = api_as(alice).post(
        "/api/v1/cases/", {"victim_name": "Y", "contact_phone": "010-9999-0000"}, format="json"
    )
    assert response.status_code == 201
    assert _rows(alice) == []


def test_it_refuses_a_search_in_the_url(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).get("/api/v1/cases/", {"q": "010-1234-5678"})
    assert response.status_code == 400
    assert "/api/v1/cases/search/" in response.json()["q"][0]
    assert _rows(alice) == []
