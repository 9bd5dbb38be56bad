"""The access table of the cases issue, over the API (the pages have their own test)."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import Case

pytestmark = pytest.mark.django_db


def _url(case: Case, suffix: str = "") -> str:
    return f"/api/v1/cases/{case.pk}/{suffix}"


def _patch(api, case: Case):
    return api.patch(_url(case), {"priority": "high", "version": case.version}, format="json")


def _note(api, case: Case):
    return api.post(_url(case, "notes/"), {"body": "Called back."}, format="json")


def _transition(api, case: Case):
    return api.post(_url(case, "transition/"), {"status": "in_progress", "version": case.version}, format="json")


READS = [
    lambda api, case: api.get(_url(case)),
    lambda api, case: api.get(_url(case, "notes/")),
    lambda api, case: api.get(_url(case, "events/")),
]
WRITES = [_patch, _note, _transition]


@pytest.mark.parametrize("read", READS)
def test_it_lets_a_counsellor_read_her_own_case(api_as, alice: User, alices_case: Case, read) -> None:
    assert read(api_as(alice), alices_case).status_code == 200


@pytest.mark.parametrize("write", WRITES)
def test_it_lets_a_counsellor_write_her_own_case(api_as, alice: User, alices_case: Case, write) -> None:
    assert write(api_as(alice), alices_case).status_code in {200, 201}


@pytest.mark.parametrize("read", READS)
def test_it_lets_a_counsellor_read_the_intake_queue(api_as, bob: User, intake_case: Case, read) -> None:
    assert read(api_as(bob), intake_case).status_code == 200


@pytest.mark.parametrize("write", WRITES)
def test_it_refuses_a_counsellor_writing_an_intake_case_she_has_not_taken(
    api_as, bob: User, intake_case: Case, write
) -> None:
    assert write(api_as(bob), intake_case).status_code == 403


def test_it_lets_a_counsellor_take_an_intake_case(api_as, bob: User, intake_case: Case) -> None:
    api = api_as(bob)
    response = api.post(
        _url(intake_case, "assign/"), {"assigned_to": bob.pk, "version": intake_case.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["assigned_to"]["id"] == bob.pk
    assert _note(api, intake_case).status_code == 201


def test_it_refuses_a_counsellor_giving_an_intake_case_to_someone_else(
    api_as, bob: User, alice: User, intake_case: Case
) -> None:
    response = api_as(bob).post(
        _url(intake_case, "assign/"), {"assigned_to": alice.pk, "version": intake_case.version}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("request_", [*READS, *WRITES])
def test_it_hides_another_counsellors_case(api_as, alice: User, bobs_case: Case, request_) -> None:
    assert request_(api_as(alice), bobs_case).status_code == 404


@pytest.mark.parametrize("request_", [*READS, *WRITES])
def test_it_hides_another_centres_case_even_from_a_supervisor(api_as, carol: User, daves_case: Case, request_) -> None:
    assert request_(api_as(carol), daves_case).status_code == 404


@pytest.mark.parametrize("request_", [*READS, *WRITES])
def test_it_lets_a_supervisor_read_and_write_every_case_of_her_centre(
    api_as, carol: User, bobs_case: Case, request_
) -> None:
    assert request_(api_as(carol), bobs_case).status_code in {200, 201}


def test_it_lets_a_supervisor_assign(api_as, carol: User, alice: User, bobs_case: Case) -> None:
    response = api_as(carol).post(_url(bobs_case, "assign/"), {"assigned_to": alice.pk, "version": 1}, format="json")
    assert response.status_code == 200
    bobs_case.refresh_from_db()
    assert bobs_case.assigned_to == alice


def test_it_refuses_assignment_by_a_counsellor(api_as, bob: User, alice: User, bobs_case: Case) -> None:
    response = api_as(bob).post(_url(bobs_case, "assign/"), {"assigned_to": alice.pk, "version": 1}, format="json")
    assert response.status_code == 403


def test_it_refuses_assignment_to_another_centre(api_as, carol: User, dave: User, bobs_case: Case) -> None:
    response = api_as(carol).post(_url(bobs_case, "assign/"), {"assigned_to": dave.pk, "version": 1}, format="json")
    assert response.status_code == 400
    assert "assigned_to" in response.json()


@pytest.mark.parametrize("request_", [*READS, *WRITES])
def test_it_refuses_case_content_to_an_administrator(api_as, erin: User, alices_case: Case, request_) -> None:
    assert request_(api_as(erin), alices_case).status_code == 403


def test_it_refuses_the_case_list_and_intake_to_an_administrator(api_as, erin: User) -> None:
    api = api_as(erin)
    assert api.get("/api/v1/cases/").status_code == 403
    assert api.post("/api/v1/cases/", {"victim_name": "X"}, format="json").status_code == 403


def test_it_lists_only_what_each_person_may_see(
    api_as, alice: User, bob: User, carol: User, dave: User, alices_case, bobs_case, intake_case, daves_case
) -> None:
    def ids(user: User) -> set[int]:
        return {row["id"] for row in api_as(user).get("/api/v1/cases/").json()["results"]}

    assert ids(alice) == {alices_case.pk, intake_case.pk}
    assert ids(bob) == {bobs_case.pk, intake_case.pk}
    assert ids(carol) == {alices_case.pk, bobs_case.pk, intake_case.pk}
    assert ids(dave) == {daves_case.pk}


def test_it_answers_404_for_a_case_that_does_not_exist(api_as, alice: User) -> None:
    api = api_as(alice)
    assert api.get("/api/v1/cases/999999/").status_code == 404
    assert api.get("/api/v1/cases/99999999999999999999999/").status_code == 404
    assert api.get("/api/v1/cases/abc/").status_code == 404


def test_it_lets_only_a_supervisor_read_the_access_log(api_as, alice: User, carol: User, alices_case: Case) -> None:
    api_as(alice).get(_url(alices_case))
    assert api_as(alice).get("/api/v1/access-log/").status_code == 403
    rows = api_as(carol).get("/api/v1/access-log/", {"case": alices_case.pk}).json()["results"]
    assert [(row["user"]["id"], row["action"]) for row in rows] == [(alice.pk, "view")]


def test_it_keeps_the_access_log_within_the_centre(
    api_as, carol: User, dave: User, daves_case: Case, alices_case: Case
) -> None:
    api_as(dave).get(_url(daves_case))
    assert api_as(carol).get("/api/v1/access-log/").json()["count"] == 0
