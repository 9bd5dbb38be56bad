"""The evidence pack for the police: only with the victim's consent (403 with the reason), with a
reason, in the access log; a ZIP whose manifest is signed with the centre's Ed25519 key and checked
here with OpenSSL alone, as the police would, and whose PDF carries Korean text in an embedded font."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from accounts.models import User
from cases.actions.cases import Consents
from cases.actions.sightings import do_add_sightings
from cases.actions.takedowns import do_draft_takedowns, do_transition_takedown
from cases.models import AccessLog, Case, CaseEvent
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg
from tests.pdf import inflated_streams

pytestmark = pytest.mark.django_db


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams opened, where font names live."""
    return b"".join([pdf, *inflated_streams(pdf)])


def _pack(client, case: Case, reason: str = "Police report 2026-1234"):
    return client.post(f"/cases/{case.pk}/police-pack/", {"reason": reason})


def test_it_refuses_a_pack_without_consent(client_as, alice: User, alices_case: Case) -> None:
    response = _pack(client_as(alice), alices_case)
    assert response.status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()
    assert not CaseEvent.objects.filter(kind="police_pack_exported").exists()


def test_it_asks_for_a_reason(client_as, alice: User) -> None:
    case = open_case(alice, consents=Consents(share_with_police=True))
    response = _pack(client_as(alice), case, reason="   ")
    assert response.status_code == 400
    assert not AccessLog.objects.filter(action="export").exists()


def test_it_exports_a_pack_the_police_can_check_with_openssl(
    client_as, api_as, alice: User, platforms, tmp_path: Path
) -> None:
    case = open_case(alice, consents=Consents(share_with_police=True))
    do_add_sightings(actor=alice, case=case, lines=["https://t.me/room_police/7"])
    takedown = do_draft_takedowns(actor=alice, case=case)[0]
    do_transition_takedown(actor=alice, case=case, takedown=takedown, status="sent", channel="web_form")
    upload = io.BytesIO(jpeg(40))
    upload.name = "a.jpg"
    api_as(alice).post(f"/api/v1/cases/{case.pk}/evidence/", {"file": upload}, format="multipart")
    response = _pack(client_as(alice), case)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert case.reference not in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["case"] == case.display_reference and manifest["reason"] == "Police report 2026-1234"
    assert [p["url"] for p in manifest["places"]] == ["https://t.me/room_police/7"]
    assert manifest["evidence"][0]["pdq"][0]["hash"] and manifest["evidence"][0]["sha256"]
    assert manifest["takedowns"][0]["letter_as_sent"]["body"]
    assert any(c["what"] == "takedown_changed" for c in manifest["chain_of_custody"])
    import hashlib

    pdf = (tmp_path / "pack.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == manifest["pdf_sha256"]
    assert b"NotoSansCJK" in _inflated(pdf)  # the Korean font is embedded
    openssl = shutil.which("openssl")
    assert openssl, "openssl is part of the base system"
    verify = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "centre-public-key.pem", "-rawin"]
    ok = subprocess.run(
        [*verify, "-in", "manifest.json", "-sigfile", "manifest.sig"], cwd=tmp_path, capture_output=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # One changed byte and the signature no longer holds.
    (tmp_path / "manifest.json").write_bytes(
        (tmp_path / "manifest.json").read_bytes().replace(b"2026-1234", b"2026-1235")
    )
    bad = subprocess.run(
        [*verify, "-in", "manifest.json", "-sigfile", "manifest.sig"], cwd=tmp_path, capture_output=True
    )
    assert bad.returncode != 0
    assert AccessLog.objects.filter(case=case, user=alice, action="export").count() == 1
    event = CaseEvent.objects.get(case=case, kind="police_pack_exported")
    assert event.reason == "Police report 2026-1234" and len(event.new["manifest_sha256"]) == 64


def test_it_signs_every_pack_of_a_centre_with_the_same_key(client_as, alice: User, carol: User) -> None:
    first = open_case(alice, consents=Consents(share_with_police=True))
    second = open_case(alice, victim_name="정다온", consents=Consents(share_with_police=True))
    keys = set()
    for case, who in ((first, alice), (second, carol)):
        with zipfile.ZipFile(io.BytesIO(_pack(client_as(who), case).content)) as archive:
            keys.add(archive.read("centre-public-key.pem"))
    assert len(keys) == 1
