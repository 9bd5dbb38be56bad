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


def test_it_finds_part_of_a_korean_name_by_syllable_pairs(api_as, client_as, alice: User) -> None:
    minji = do_open_case(actor=alice, victim_name="김민지", contact_phone="010-1111-2222")
    minsu = do_open_case(actor=alice, victim_name="박민수", contact_phone="010-3333-4444")
    api = api_as(alice)

    def found(q: str) -> set[int]:
        return {row["id"] for row in api.post("/api/v1/cases/search/", {"q": q}, format="json").json()["results"]}

    assert found("민지") == {minji.pk}
    assert found("민") == set()  # one syllable is no part of a name: too many people share it
    assert found("김민") == {minji.pk}
    assert found("민수") == {minsu.pk}
    assert found("민지수") == set()  # every pair must be in the same name
    page = client_as(alice).post("/cases/search/", {"q": "민지"}).content.decode()
    assert minji.display_reference in page and minsu.display_reference not in page


def test_it_finds_part_of_a_latin_name_by_letter_triples(api_as, alice: User) -> None:
    case = do_open_case(actor=alice, victim_name="Jennifer Park", contact_phone="")
    api = api_as(alice)
    rows = api.post("/api/v1/cases/search/", {"q": "NNIF"}, format="json").json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
    assert api.post("/api/v1/cases/search/", {"q": "je"}, format="json").json()["count"] == 0


def test_it_finds_a_caller_by_the_last_four_digits(api_as, alice: User, dave: User) -> None:
    case = do_open_case(actor=alice, victim_name="A", contact_phone="010-1234-5678")
    do_open_case(actor=dave, victim_name="B", contact_phone="010-9999-5678")  # another centre
    rows = api_as(alice).post("/api/v1/cases/search/", {"q": "5678"}, format="json").json()["results"]
    assert [row["id"] for row in rows] == [case.pk]


def test_it_keeps_the_pieces_current_when_the_name_changes(api_as, alice: User) -> None:
    from cases.actions.cases import do_update_case

    case = do_open_case(actor=alice, victim_name="김민지", contact_phone="")
    do_update_case(actor=alice, case=case, version=1, changes={"victim_name": "이서연"})
    api = api_as(alice)
    assert api.post("/api/v1/cases/search/", {"q": "민지"}, format="json").json()["count"] == 0
    assert api.post("/api/v1/cases/search/", {"q": "서연"}, format="json").json()["count"] == 1


def test_it_rebuilds_every_index_under_a_new_key(settings, api_as, alice: User) -> None:
    from django.core.management import call_command

    from cases.models import NameGram

    case = do_open_case(actor=alice, victim_name="김민지", contact_phone="010-1234-5678")
    old = set(NameGram.objects.filter(case=case).values_list("gram", flat=True))
    settings.CASEFLOW_INDEX_KEY = "a-new-index-key-after-rotation-0123456789abcdef"
    api = api_as(alice)
    assert api.post("/api/v1/cases/search/", {"q": "민지"}, format="json").json()["count"] == 0
    call_command("rebuild_search_index", verbosity=0)
    new = set(NameGram.objects.filter(case=case).values_list("gram", flat=True))
    assert new and not (new & old)
    for q in ["민지", "김민지", "5678", "010-1234-5678"]:
        assert api.post("/api/v1/cases/search/", {"q": q}, format="json").json()["count"] == 1, q
