"""Search: exact matches by name, phone, e-mail or reference, and names however they were typed."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.cases import do_open_case
from cases.models import Case

pytestmark = pytest.mark.django_db


def test_it_searches_by_post_through_the_api(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).post("/api/v1/cases/search/", {"q": "010-1234-5678"}, format="json")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [alices_case.pk]
    assert "1234" not in (response.json()["next"] or "")


def test_it_ignores_invisible_characters_in_names(api_as, alice: User) -> None:
    case = do_open_case(actor=alice, victim_name="김\u200b민지", contact_phone="")
    rows = api_as(alice).post("/api/v1/cases/search/", {"q": "김민지"}, format="json").json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
