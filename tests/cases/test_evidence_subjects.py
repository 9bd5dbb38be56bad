"""Evidence in the victim's rights: her export (JSON and PDF) shows her uploads and their hashes, kept
files, matches, the hashes shared with the national bank, liveness checks and police packs; erasure and
the retention purge delete them, her hashes leave the bank (also when she withdraws consent to hash
matching in the portal), and what a purge keeps holds no hash."""

from __future__ import annotations

import io
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.police import do_export_police_pack
from cases.actions.portal import do_issue_portal_access
from cases.actions.purge import purge_case
from cases.actions.sightings import do_add_sightings
from cases.models import (
    BankHash,
    Case,
    CaseEvent,
    CheckOutcome,
    Evidence,
    EvidenceFile,
    EvidenceHash,
    EvidenceMatch,
    PurgeKind,
    SightingCheck,
)
from tests.cases.conftest import open_case
from tests.cases.test_purge import close, expire
from tests.cases.test_rights import _unicode_in_pdf
from tests.evidence_media import jpeg, recompressed

pytestmark = pytest.mark.django_db

EVERYTHING = Consents(hash_matching=True, keep_evidence=True, share_with_police=True)


def _upload(api, case: Case, data: bytes) -> int:
    file = io.BytesIO(data)
    file.name = "photo.jpg"
    answer = api.post(f"/api/v1/cases/{case.pk}/evidence/", {"file": file}, format="multipart")
    assert answer.status_code == 201, answer.content
    return Evidence.objects.get(case=case, sha256=answer.json()["sha256"]).pk


def case_with_evidence(api_as, alice: User) -> Case:
    """A case whose victim consented to everything: a kept upload shared with the bank, matched by an
    upload to another case of the centre, a place checked once, a police pack exported."""
    case = open_case(alice, consents=EVERYTHING)
    _upload(api_as(alice), case, jpeg(51))
    shared = api_as(alice).post(f"/api/v1/cases/{case.pk}/evidence/share/", format="json")
    assert shared.status_code == 200 and shared.json()["shared"] >= 1
    other = open_case(alice, victim_name="정다온", consents=Consents(hash_matching=True))
    _upload(api_as(alice), other, recompressed(51))
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/room/51"])
    sighting = case.sightings.get()
    SightingCheck.objects.create(
        sighting=sighting, centre_id=case.centre_id, http_status=404, outcome=CheckOutcome.REMOVED
    )
    case.refresh_from_db()
    do_export_police_pack(actor=alice, case=case, reason="Police report 2026-123", ip_address=None)
    case.refresh_from_db()
    assert EvidenceMatch.objects.filter(matched__case=case).exists(), "the other upload did not match"
    return case


def _hashes_of(case: Case) -> set[str]:
    """Every hash value the case holds: the SHA-256 of its uploads and their PDQ hashes."""
    found = set(Evidence.objects.filter(case=case).values_list("sha256", flat=True))
    return found | set(EvidenceHash.objects.filter(case=case).values_list("pdq", flat=True))


def _text_of_every_table() -> str:
    """Every row of every table, as PostgreSQL prints it: where a kept hash would show."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label == "keystore":  # its own database (keystore/router.py), case keys only
                continue
            cursor.execute(f'SELECT t::text FROM "{model._meta.db_table}" t')  # noqa: S608 - table names of our models
            parts.extend(row[0] for row in cursor.fetchall())
    return "\n".join(parts)


def test_it_exports_the_evidence_held_as_json(api_as, alice: User) -> None:
    case = case_with_evidence(api_as, alice)
    answer = api_as(alice).post(f"/api/v1/cases/{case.pk}/export/", {"format": "json"}, format="json")
    assert answer.status_code == 200
    held = json.loads(answer.content)["subjects"]
    evidence = Evidence.objects.get(case=case)
    [upload] = held["evidence"]
    assert (upload["sha256"], upload["kept"], upload["kind"]) == (evidence.sha256, True, "image")
    assert {row["pdq"] for row in upload["hashes"]} == set(evidence.hashes.values_list("pdq", flat=True))
    assert held["kept_files"] == [
        {
            "evidence__sha256": evidence.sha256,
            "evidence__media_type": "image/jpeg",
            "evidence__size": evidence.size,
            "viewing_type": "image/jpeg",
        }
    ]
    [match] = held["evidence_matches"]
    assert match["evidence_sha256"] == evidence.sha256 and match["distance"] <= 31
    assert {row["pdq"] for row in held["hash_bank"]} == set(BankHash.objects.values_list("pdq", flat=True))
    assert [(row["sighting__url"], row["outcome"], row["http_status"]) for row in held["liveness_checks"]] == [
        ("https://t.me/room/51", "removed", 404)
    ]
    [pack] = held["police_packs"]
    assert pack["reason"] == "Police report 2026-123" and len(pack["manifest_sha256"]) == 64
    assert held["case"][0]["consent_keep_evidence"] is True
    # The other case is another victim's: nothing of it is in her export.
    other = Case.objects.exclude(pk=case.pk).get()
    text = json.dumps(held, ensure_ascii=False)
    assert other.reference not in text and "정다온" not in text
    assert Evidence.objects.get(case=other).sha256 not in text


def test_it_exports_the_evidence_in_the_pdf(client_as, api_as, alice: User) -> None:
    case = case_with_evidence(api_as, alice)
    answer = client_as(alice).post(f"/cases/{case.pk}/export/", {"format": "pdf"})
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")
    characters, _fonts = _unicode_in_pdf(answer.content)
    sha256 = Evidence.objects.get(case=case).sha256
    assert set(sha256) <= characters  # the hash is written out (glyphs that copy back as its digits)
    assert set("증거") <= characters  # the evidence sections' headings, in Korean


def test_it_erases_the_evidence_and_takes_her_hashes_out_of_the_bank(api_as, alice: User, carol: User) -> None:
    case = case_with_evidence(api_as, alice)
    hashes = _hashes_of(case)
    other = Case.objects.exclude(pk=case.pk).get()
    answer = api_as(carol).post(f"/api/v1/cases/{case.pk}/erasure/", {"reason": "She asked."}, format="json")
    assert answer.status_code == 200
    assert not BankHash.objects.exists()
    assert not Evidence.objects.filter(case_id=case.pk).exists() and not EvidenceFile.objects.exists()
    assert not EvidenceHash.objects.filter(case_id=case.pk).exists() and not SightingCheck.objects.exists()
    assert not EvidenceMatch.objects.exists()  # the other case's link to hers went with her upload
    assert Evidence.objects.filter(case=other).count() == 1  # the other victim's upload stays
    remnants = _text_of_every_table()
    assert not [value for value in hashes if value in remnants], "a hash of the erased case was kept"


def test_it_purges_the_evidence_and_keeps_no_hash_after_the_retention_period(api_as, alice: User, carol: User) -> None:
    case = close(case_with_evidence(api_as, alice), alice, carol)
    hashes = _hashes_of(case)
    expire(case)
    record = purge_case(case_id=case.pk, kind=PurgeKind.RETENTION)
    assert record is not None
    assert (record.counts["hash_bank"], record.counts["kept_files"], record.counts["liveness_checks"]) == (1, 1, 1)
    assert record.counts["evidence"] == 1 + EvidenceHash.objects.filter(case_id=case.pk).count() + 1
    assert not BankHash.objects.exists() and not EvidenceHash.objects.filter(case_id=case.pk).exists()
    remnants = _text_of_every_table()
    assert not [value for value in hashes if value in remnants], "a hash of the purged case was kept"


def test_it_takes_her_hashes_out_of_the_bank_when_she_withdraws_consent_in_the_portal(api_as, alice: User) -> None:
    case = open_case(alice, consents=EVERYTHING)
    _upload(api_as(alice), case, jpeg(52))
    assert api_as(alice).post(f"/api/v1/cases/{case.pk}/evidence/share/", format="json").status_code == 200
    assert BankHash.objects.filter(source__case=case).exists()
    issued = do_issue_portal_access(actor=alice, case=case)
    victim = Client()
    signed_in = victim.post("/portal/", {"reference": issued.reference, "passphrase": issued.passphrase})
    assert signed_in.status_code == 302
    case.refresh_from_db()
    page = victim.get("/portal/consents/")
    assert page.status_code == 200 and b'name="consent_hash_matching"' in page.content
    kept = {"consent_share_with_police": "on", "consent_keep_evidence": "on", "version": case.version}
    answer = victim.post("/portal/consents/", kept)
    assert answer.status_code == 200
    case.refresh_from_db()
    assert (case.consent_hash_matching, case.consent_share_with_police) == (False, True)
    assert EvidenceFile.objects.filter(evidence__case=case).exists()  # her other consent, untouched
    assert not BankHash.objects.exists()
    assert EvidenceHash.objects.filter(case=case).exists()  # her hashes stay with her case, out of the bank
    event = CaseEvent.objects.get(case=case, kind="hashes_withdrawn")
    assert event.actor_kind == "victim"
