"""The national hash bank: hashes and the centre only, shared with the victim's consent to hash
matching, answered to another centre as "known at another centre" and nothing else, withdrawn with the
consent, exported for platforms' hash-matching programs by a supervisor (audited)."""

from __future__ import annotations

import io

import pytest

from accounts.models import User
from cases.actions.cases import Consents
from cases.models import AccessLog, BankHash, Case, CaseEvent, EvidenceHash
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg, recompressed

pytestmark = pytest.mark.django_db


def _upload(api, case: Case, data: bytes):
    file = io.BytesIO(data)
    file.name = "photo.jpg"
    return api.post(f"/api/v1/cases/{case.pk}/evidence/", {"file": file}, format="multipart")


def _share(api, case: Case):
    return api.post(f"/api/v1/cases/{case.pk}/evidence/share/", format="json")


def test_it_refuses_to_share_without_consent_to_hash_matching(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    _upload(api, alices_case, jpeg(30))
    response = _share(api, alices_case)
    assert response.status_code == 403
    assert "consent" in response.json()["detail"].lower() or "동의" in response.json()["detail"]
    assert not BankHash.objects.exists()
    page = api_as(alice).post(f"/cases/{alices_case.pk}/evidence/share/")
    assert page.status_code == 403 and not BankHash.objects.exists()


def test_it_shares_hashes_and_the_centre_only(api_as, alice: User) -> None:
    case = open_case(alice, consents=Consents(hash_matching=True))
    api = api_as(alice)
    _upload(api, case, jpeg(31))
    response = _share(api, case)
    assert response.status_code == 200 and response.json() == {"shared": 1, "in_bank": 1}
    assert _share(api, case).json() == {"shared": 0, "in_bank": 1}  # twice is once
    row = BankHash.objects.get()
    assert row.centre_id == alice.centre_id and row.pdq == EvidenceHash.objects.get().pdq
    columns = {f.column for f in BankHash._meta.concrete_fields}
    assert columns == {"id", "centre_id", "source_id", "pdq", "quality", "shared_at", *(f"c{i}" for i in range(16))}
    assert CaseEvent.objects.filter(case=case, kind="hashes_shared").count() == 1


def test_it_tells_another_centre_known_elsewhere_and_nothing_more(api_as, alice: User, dave: User) -> None:
    shared = open_case(alice, consents=Consents(hash_matching=True))
    _upload(api_as(alice), shared, jpeg(32))
    _share(api_as(alice), shared)
    elsewhere = open_case(dave, victim_name="최지우", consents=Consents(hash_matching=True))
    body = _upload(api_as(dave), elsewhere, recompressed(32)).json()
    assert body["known_elsewhere"] is True
    assert body["linked_cases"] == [] and body["hidden_matches"] == 0
    text = str(body) + api_as(dave).get(f"/cases/{elsewhere.pk}/").content.decode()
    assert shared.reference not in text and shared.display_reference not in text
    assert alice.centre.name not in text
    # Not for an unrelated picture, and not without the victim's consent to hash matching.
    assert _upload(api_as(dave), elsewhere, jpeg(33)).json()["known_elsewhere"] is False
    no_consent = open_case(dave, victim_name="최하늘", contact_phone="010-3333-4444")
    assert _upload(api_as(dave), no_consent, recompressed(32)).json()["known_elsewhere"] is False


def test_it_never_counts_the_own_centres_shares_as_elsewhere(api_as, alice: User) -> None:
    first = open_case(alice, consents=Consents(hash_matching=True))
    _upload(api_as(alice), first, jpeg(34))
    _share(api_as(alice), first)
    second = open_case(alice, victim_name="정다온", consents=Consents(hash_matching=True))
    body = _upload(api_as(alice), second, recompressed(34)).json()
    assert body["known_elsewhere"] is False and [c["id"] for c in body["linked_cases"]] == [first.pk]


def test_it_withdraws_the_hashes_with_the_consent(api_as, alice: User) -> None:
    case = open_case(alice, consents=Consents(hash_matching=True))
    api = api_as(alice)
    _upload(api, case, jpeg(35))
    _share(api, case)
    response = api.patch(
        f"/api/v1/cases/{case.pk}/", {"consents": {"hash_matching": False}, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert not BankHash.objects.exists() and EvidenceHash.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case, kind="hashes_withdrawn").count() == 1


def test_it_withdraws_the_hashes_when_the_victim_withdraws_in_the_portal(api_as, alice: User) -> None:
    from cases.actions.portal import do_victim_set_consents

    case = open_case(alice, consents=Consents(hash_matching=True, share_with_police=True))
    _upload(api_as(alice), case, jpeg(36))
    _share(api_as(alice), case)
    case.refresh_from_db()
    do_victim_set_consents(
        case=case, version=case.version, hash_matching=False, share_with_police=True, keep_evidence=False
    )
    assert not BankHash.objects.exists()
    assert CaseEvent.objects.get(case=case, kind="hashes_withdrawn").actor_kind == "victim"


def test_it_removes_the_hashes_with_the_case(api_as, alice: User) -> None:
    case = open_case(alice, consents=Consents(hash_matching=True))
    _upload(api_as(alice), case, jpeg(37))
    _share(api_as(alice), case)
    Case.objects.filter(pk=case.pk).delete()  # as a purge or an erasure deletes the case
    assert not BankHash.objects.exists()


def test_it_exports_the_centres_shared_hashes_for_supervisors_only(
    client_as, api_as, alice: User, carol: User, dave: User
) -> None:
    case = open_case(alice, consents=Consents(hash_matching=True))
    _upload(api_as(alice), case, jpeg(38))
    _share(api_as(alice), case)
    theirs = open_case(dave, victim_name="최지우", consents=Consents(hash_matching=True))
    _upload(api_as(dave), theirs, jpeg(39))
    _share(api_as(dave), theirs)
    assert client_as(alice).get("/hash-bank/export/").status_code == 403
    response = client_as(carol).get("/hash-bank/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    mine = BankHash.objects.get(centre=carol.centre)
    assert response.content.decode() == f"{mine.pdq},{mine.quality}\n"  # the other centre's hash is not in it
    assert AccessLog.objects.filter(user=carol, action="export", case=None).count() == 1
