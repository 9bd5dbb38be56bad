"""POST /api/v1/cases/{id}/transition/: the status machine of DESIGN.md."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.actions.cases import do_transition_case
from cases.models import Case, CaseEvent, Status

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]
LEGAL = {
    ("new", "in_progress"),
    ("in_progress", "monitoring"),
    ("monitoring", "in_progress"),
    ("monitoring", "closed"),
    ("closed", "in_progress"),
}
PATH_TO = {
    "new": [],
    "in_progress": ["in_progress"],
    "monitoring": ["in_progress", "monitoring"],
    "closed": ["in_progress", "monitoring", "closed"],
}


def _bring(case: Case, status: str, supervisor: User) -> Case:
    for step in PATH_TO[status]:
        case = do_transition_case(actor=supervisor, case=case, status=step)
    return case


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("requested", ALL)
def test_it_allows_exactly_the_moves_of_the_machine(api_as, carol: User, alices_case: Case, current, requested) -> None:
    case = _bring(alices_case, current, carol)
    response = api_as(carol).post(
        f"/api/v1/cases/{case.pk}/transition/",
        {"status": requested, "reason": "test", "version": case.version},
        format="json",
    )
    case.refresh_from_db()
    if (current, requested) in LEGAL:
        assert response.status_code == 200
        assert case.status == requested
        event = CaseEvent.objects.filter(case=case, kind="status_changed").latest("pk")
        assert (event.old["status"], event.new["status"], event.reason) == (current, requested, "test")
        # Closing starts the retention period, reopening ends it: the event says so (tests/cases/test_retention.py).
        assert ("retention_until" in event.new) == (requested == "closed" or current == "closed")
    else:
        assert response.status_code == 400
        message = response.json()["status"][0]
        assert current in message and requested in message
        assert case.status == current


def test_it_refuses_an_unknown_status(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).post(
        f"/api/v1/cases/{alices_case.pk}/transition/", {"status": "done", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()


def test_it_leaves_closing_to_a_supervisor(api_as, alice: User, carol: User, alices_case: Case) -> None:
    case = _bring(alices_case, "monitoring", carol)
    response = api_as(alice).post(
        f"/api/v1/cases/{case.pk}/transition/", {"status": "closed", "version": case.version}, format="json"
    )
    assert response.status_code == 403
    assert (
        api_as(carol)
        .post(f"/api/v1/cases/{case.pk}/transition/", {"status": "closed", "version": case.version}, format="json")
        .status_code
        == 200
    )
    case.refresh_from_db()
    assert case.closed_at is not None


def test_it_leaves_reopening_to_a_supervisor(api_as, alice: User, carol: User, alices_case: Case) -> None:
    case = _bring(alices_case, "closed", carol)
    assert (
        api_as(alice)
        .post(f"/api/v1/cases/{case.pk}/transition/", {"status": "in_progress", "version": case.version}, format="json")
        .status_code
        == 403
    )


def test_it_refuses_a_stale_version(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    api.patch(f"/api/v1/cases/{alices_case.pk}/", {"priority": "high", "version": 1}, format="json")
    response = api.post(
        f"/api/v1/cases/{alices_case.pk}/transition/", {"status": "in_progress", "version": 1}, format="json"
    )
    assert response.status_code == 409
    alices_case.refresh_from_db()
    assert alices_case.status == "new"


def test_it_offers_only_the_legal_moves(api_as, alice: User, carol: User, alices_case: Case) -> None:
    case = _bring(alices_case, "monitoring", carol)
    assert api_as(alice).get(f"/api/v1/cases/{case.pk}/").json()["allowed_transitions"] == ["in_progress"]
    assert api_as(carol).get(f"/api/v1/cases/{case.pk}/").json()["allowed_transitions"] == ["in_progress", "closed"]
