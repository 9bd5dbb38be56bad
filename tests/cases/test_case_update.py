"""PATCH /api/v1/cases/{id}/: version required, stale writes refused with 409, every change audited."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def _url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/"


def test_it_changes_details_and_bumps_the_version(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).patch(
        _url(alices_case), {"priority": "urgent", "is_minor": True, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["priority"], response.json()["version"]) == ("urgent", 2)
    event = CaseEvent.objects.get(case=alices_case, kind="updated")
    assert event.actor == alice
    assert event.old == {"priority": "normal", "is_minor": False}
    assert event.new == {"priority": "urgent", "is_minor": True}


def test_it_requires_the_version(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).patch(_url(alices_case), {"priority": "urgent"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_it_refuses_a_stale_version_and_changes_nothing(api_as, alice: User, carol: User, alices_case: Case) -> None:
    assert api_as(carol).patch(_url(alices_case), {"priority": "high", "version": 1}, format="json").status_code == 200
    response = api_as(alice).patch(_url(alices_case), {"priority": "low", "summary": "x", "version": 1}, format="json")
    assert response.status_code == 409
    assert "version" in response.json()
    alices_case.refresh_from_db()
    assert (alices_case.priority, alices_case.version) == ("high", 2)
    assert alices_case.summary.startswith("Deepfake")
    assert CaseEvent.objects.filter(case=alices_case, kind="updated").count() == 1


def test_it_records_that_a_private_field_changed_without_its_values(api_as, alice: User, alices_case: Case) -> None:
    api_as(alice).patch(_url(alices_case), {"contact_phone": "010-0000-0000", "version": 1}, format="json")
    event = CaseEvent.objects.get(case=alices_case, kind="updated")
    assert event.new == {"changed": ["contact_phone"]}
    assert "010" not in repr(event.old) + repr(event.new)


def test_it_updates_consents(api_as, alice: User, alices_case: Case) -> None:
    response = api_as(alice).patch(
        _url(alices_case), {"consents": {"share_with_police": True}, "version": 1}, format="json"
    )
    assert response.json()["consents"] == {
        "contact": False,
        "share_with_police": True,
        "hash_matching": False,
        "keep_evidence": False,
    }


def test_it_refuses_put(api_as, alice: User, alices_case: Case) -> None:
    assert api_as(alice).put(_url(alices_case), {"victim_name": "x", "version": 1}, format="json").status_code == 405


@pytest.mark.parametrize(
    "body", [{"version": "one"}, {"version": 1, "status": "closed"}, {"version": 1, "priority": "x"}, {"version": 0}]
)
def test_it_refuses_bad_patches_with_400(api_as, alice: User, alices_case: Case, body: dict) -> None:
    assert api_as(alice).patch(_url(alices_case), body, format="json").status_code == 400
    alices_case.refresh_from_db()
    assert alices_case.version == 1
