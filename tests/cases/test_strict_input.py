"""Strict input: ids are ASCII digits, versions are JSON integers, dates are bounded, every write is
version-checked; odd input is a 400 (or 404 for an id), never a 500 and never another row."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns
from cases.models import Case, Platform

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _odd_spellings(pk: int) -> list[str]:
    """Spellings of `pk` that int() reads as `pk` (the outside test reached cases 1 and 10 with them)."""
    digits = str(pk)
    return [
        quote(digits.translate(ARABIC_INDIC)),
        quote(digits.translate(FULL_WIDTH)),
        "+" + digits,
        "%20" + digits,
        digits + "%20",
        f"{digits[0]}_{digits[1:]}",
    ]


def test_it_reads_ids_as_ascii_digits_only(api_as, client_as, alice: User) -> None:
    from tests.cases.conftest import open_case

    # Eleven cases, so that the last id has at least two digits (for the underscore spelling).
    case = [open_case(alice, victim_name=f"사람{n}") for n in range(11)][-1]
    api, client = api_as(alice), client_as(alice)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    for odd in _odd_spellings(case.pk):
        assert api.get(f"/api/v1/cases/{odd}/").status_code == 404, odd
        assert api.get(f"/api/v1/cases/{odd}/notes/").status_code == 404, odd
        assert api.patch(f"/api/v1/cases/{odd}/", {"version": 1}, format="json").status_code == 404, odd
        assert client.get(f"/cases/{odd}/").status_code == 404, odd


def test_it_refuses_a_version_sent_as_a_string(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    response = api.patch(f"/api/v1/cases/{alices_case.pk}/", {"version": "1", "priority": "high"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()
    for value in [True, 1.5, "1.0", [1]]:
        body = {"version": value, "priority": "high"}
        assert api.patch(f"/api/v1/cases/{alices_case.pk}/", body, format="json").status_code == 400
    alices_case.refresh_from_db()
    assert (alices_case.priority, alices_case.version) == ("normal", 1)


def test_it_refuses_a_patched_channel_without_its_address(api_as, alice: User) -> None:
    from tests.cases.conftest import open_case

    case = open_case(alice, contact_email="", contact_phone="")
    api = api_as(alice)
    response = api.patch(f"/api/v1/cases/{case.pk}/", {"version": 1, "contact_channel": "email"}, format="json")
    assert response.status_code == 400
    assert "contact_channel" in response.json()
    response = api.patch(f"/api/v1/cases/{case.pk}/", {"version": 1, "contact_channel": "sms"}, format="json")
    assert response.status_code == 400
    # With the address in the same change it is accepted.
    body = {"version": 1, "contact_channel": "sms", "contact_phone": "010-3333-4444"}
    assert api.patch(f"/api/v1/cases/{case.pk}/", body, format="json").status_code == 200
    # And removing the address while the channel needs it is refused.
    body = {"version": 2, "contact_phone": ""}
    assert api.patch(f"/api/v1/cases/{case.pk}/", body, format="json").status_code == 400


def test_it_requires_a_version_to_move_or_assign_a_case(api_as, alice: User, carol: User, alices_case: Case) -> None:
    api = api_as(alice)
    url = f"/api/v1/cases/{alices_case.pk}/"
    missing = api.post(url + "transition/", {"status": "in_progress"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert api.post(url + "transition/", {"status": "in_progress", "version": 7}, format="json").status_code == 409
    assert api.post(url + "transition/", {"status": "in_progress", "version": 1}, format="json").status_code == 200
    supervisor = api_as(carol)
    missing = supervisor.post(url + "assign/", {"assigned_to": None}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert supervisor.post(url + "assign/", {"assigned_to": None, "version": 1}, format="json").status_code == 409
    assert supervisor.post(url + "assign/", {"assigned_to": None, "version": 2}, format="json").status_code == 200


def test_it_refuses_a_stale_sighting_change(api_as, alice: User, alices_case: Case) -> None:
    [result] = do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    assert result.sighting is not None
    api = api_as(alice)
    url = f"/api/v1/cases/{alices_case.pk}/sightings/{result.sighting.pk}/"
    missing = api.patch(url, {"is_synthetic": True}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    changed = api.patch(url, {"is_synthetic": True, "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(url, {"exposes_personal_info": True, "version": 1}, format="json")
    assert stale.status_code == 409
    assert api.get(f"/api/v1/cases/{alices_case.pk}/sightings/").json()[0]["exposes_personal_info"] is False


def test_it_refuses_a_stale_sighting_state_on_the_page(client_as, alice: User, alices_case: Case) -> None:
    [result] = do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    assert result.sighting is not None
    client = client_as(alice)
    url = f"/cases/{alices_case.pk}/sightings/{result.sighting.pk}/state/"
    client.post(url, {"state": "removed", "version": 1})
    client.post(url, {"state": "online", "version": 1})  # stale: written while the page showed version 1
    result.sighting.refresh_from_db()
    assert result.sighting.state == "removed"


def test_it_refuses_a_stale_platform_edit(api_as, erin: User, platforms: None) -> None:
    platform = Platform.objects.get(name__startswith="Telegram")
    api = api_as(erin)
    url = f"/api/v1/platforms/{platform.pk}/"
    missing = api.patch(url, {"response_hours": 12}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    version = api.get(url).json()["version"]
    assert api.patch(url, {"response_hours": 12, "version": version}, format="json").status_code == 200
    assert api.patch(url, {"response_hours": 48, "version": version}, format="json").status_code == 409
    platform.refresh_from_db()
    assert platform.response_hours == 12


def test_it_requires_a_version_to_move_a_takedown(api_as, alice: User, alices_case: Case) -> None:
    do_add_sightings(actor=alice, case=alices_case, lines=["https://t.me/r/1"])
    [draft] = do_draft_takedowns(actor=alice, case=alices_case)
    api = api_as(alice)
    missing = api.post(f"/api/v1/takedowns/{draft.pk}/transition/", {"status": "sent"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()


@pytest.mark.parametrize(
    "due_at", ["0001-01-01", "0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-14:00", "1900-01-01T00:00:00Z"]
)
def test_it_answers_a_follow_up_at_the_ends_of_time_with_400(
    api_as, alice: User, alices_case: Case, due_at: str
) -> None:
    response = api_as(alice).post(f"/api/v1/cases/{alices_case.pk}/followups/", {"due_at": due_at}, format="json")
    assert response.status_code == 400
    assert "due_at" in response.json()


@pytest.mark.parametrize("value", [2**63, -1, 0, "9" * 40])
def test_it_answers_huge_and_negative_numbers_with_400(api_as, carol: User, alices_case: Case, value: object) -> None:
    api = api_as(carol)
    body = {"assigned_to": value, "version": 1}
    assert api.post(f"/api/v1/cases/{alices_case.pk}/assign/", body, format="json").status_code == 400
    body = {"status": "in_progress", "version": value}
    assert api.post(f"/api/v1/cases/{alices_case.pk}/transition/", body, format="json").status_code == 400
