"""Evidence: uploads become hashes (SHA-256 of the bytes as sent, PDQ with its quality), the file is
kept only with consent, and hashes are matched across the centre's cases (Hamming distance ≤ 31)."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from django.test import Client
from PIL import Image

from accounts.models import User
from cases.actions.sightings import do_add_sightings
from cases.evidence_vault import unseal
from cases.hashing import chunks_of, hamming
from cases.models import AccessLog, Case, CaseEvent, Evidence, EvidenceFile, EvidenceHash, EvidenceMatch, Sighting
from tests import logscrub
from tests.cases.conftest import open_case
from tests.evidence_media import flat_png, jpeg, picture, recompressed, video

pytestmark = pytest.mark.django_db


def _upload(api, case: Case, data: bytes, name: str = "photo.jpg"):
    return api.post(f"/api/v1/cases/{case.pk}/evidence/", {"file": _named(data, name)}, format="multipart")


def _named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def test_it_keeps_only_the_hashes_without_consent(api_as, alice: User, alices_case: Case) -> None:
    data = jpeg(1)
    response = _upload(api_as(alice), alices_case, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["kind"] == "image" and body["media_type"] == "image/jpeg" and body["size"] == len(data)
    assert len(body["pdq"]) == 1 and len(body["pdq"][0]["pdq"]) == 64 and body["pdq"][0]["quality"] >= 50
    assert body["kept"] is False and body["matchable"] is True
    assert not EvidenceFile.objects.exists()
    assert CaseEvent.objects.filter(case=alices_case, kind="evidence_added").count() == 1


def test_it_answers_the_same_file_twice_with_the_same_evidence(api_as, alice: User, alices_case: Case) -> None:
    api = api_as(alice)
    first = _upload(api, alices_case, jpeg(1))
    again = _upload(api, alices_case, jpeg(1), name="other-name.png")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Evidence.objects.count() == 1


def test_it_keeps_the_file_encrypted_and_a_copy_without_metadata_with_consent(
    api_as, alice: User, alices_case: Case
) -> None:
    api = api_as(alice)
    patched = api.patch(
        f"/api/v1/cases/{alices_case.pk}/", {"consents": {"keep_evidence": True}, "version": 1}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam-q7x"  # Make
    exif[0x8825] = {2: (37.0, 33.0, 59.0), 1: "N"}  # GPSInfo
    data = jpeg(3, exif=exif.tobytes())
    assert b"CanaryCam-q7x" in data
    response = _upload(api, alices_case, data)
    assert response.status_code == 201 and response.json()["kept"] is True
    stored = EvidenceFile.objects.get(evidence_id=response.json()["id"])
    assert data not in bytes(stored.original) and b"CanaryCam" not in bytes(stored.original)  # encrypted at rest
    assert unseal(alices_case, stored.original) == data
    viewing = unseal(alices_case, stored.viewing)
    assert b"CanaryCam" not in viewing
    shown = Image.open(io.BytesIO(viewing))
    assert shown.format == "JPEG" and not shown.getexif() and "exif" not in shown.info
    page = api.get(f"/cases/{alices_case.pk}/evidence/{response.json()['id']}/file/")
    assert page.status_code == 200 and page["Content-Type"] == "image/jpeg" and page.content == viewing
    assert "no-store" in page["Cache-Control"]
    assert AccessLog.objects.filter(case=alices_case, action="evidence").count() == 1


def test_it_deletes_kept_files_when_consent_is_withdrawn(api_as, alice: User) -> None:
    from cases.actions.cases import Consents

    case = open_case(alice, consents=Consents(keep_evidence=True))
    api = api_as(alice)
    evidence_id = _upload(api, case, jpeg(4)).json()["id"]
    assert EvidenceFile.objects.filter(evidence_id=evidence_id).exists()
    # A PATCH of another consent leaves this one as it is.
    api.patch(f"/api/v1/cases/{case.pk}/", {"consents": {"hash_matching": True}, "version": 1}, format="json")
    assert EvidenceFile.objects.filter(evidence_id=evidence_id).exists()
    withdrawn = {"consents": {"keep_evidence": False}, "version": 2}
    response = api.patch(f"/api/v1/cases/{case.pk}/", withdrawn, format="json")
    assert response.status_code == 200, response.json()
    assert not EvidenceFile.objects.exists()
    assert Evidence.objects.get(pk=evidence_id).kept is False and EvidenceHash.objects.filter(evidence_id=evidence_id)
    assert api.get(f"/cases/{case.pk}/evidence/{evidence_id}/file/").status_code == 404


def test_it_keeps_a_file_uploaded_again_once_she_consents(api_as, client_as, alice: User, alices_case: Case) -> None:
    api, data = api_as(alice), jpeg(5)
    first = _upload(api, alices_case, data)
    assert first.status_code == 201 and first.json()["kept"] is False
    evidence_id, hashes = first.json()["id"], set(EvidenceHash.objects.values_list("pk", flat=True))
    again = _upload(api, alices_case, data)  # still without her consent: nothing more is kept
    assert (again.status_code, again.json()["kept"]) == (200, False) and not EvidenceFile.objects.exists()
    patched = api.patch(
        f"/api/v1/cases/{alices_case.pk}/", {"consents": {"keep_evidence": True}, "version": 1}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    page = client_as(alice).post(f"/cases/{alices_case.pk}/evidence/", {"file": _named(data, "a.jpg")}, follow=True)
    assert "피해자가 동의했으므로 이제 파일도 보관합니다." in page.content.decode()  # the page speaks Korean
    evidence = Evidence.objects.get()
    assert (evidence.pk, evidence.kept) == (evidence_id, True)
    assert unseal(alices_case, EvidenceFile.objects.get(evidence=evidence).original) == data
    assert set(EvidenceHash.objects.values_list("pk", flat=True)) == hashes  # the first upload's hashes
    event = CaseEvent.objects.get(case=alices_case, kind="evidence_file_kept")
    assert (event.actor, event.old, event.new) == (alice, {"kept": False}, {"evidence": evidence_id})
    assert "증거 파일 보관" in client_as(alice).get(f"/cases/{alices_case.pk}/").content.decode()  # the timeline
    once_more = _upload(api, alices_case, data)
    assert (once_more.status_code, once_more.json()["kept"], once_more.json()["created"]) == (200, True, False)
    assert CaseEvent.objects.filter(kind="evidence_file_kept").count() == 1 and EvidenceFile.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "scan.jpg"),  # a PDF named as a picture
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.png"),
        (b"GIF89a" + b"\x00" * 40, "broken.gif"),  # the right first bytes, nothing readable after them
        (b"MZ\x90\x00" + b"\x00" * 100, "photo.jpeg"),
    ],
)
def test_it_checks_the_type_by_content_not_by_name(api_as, alice: User, alices_case: Case, data, name) -> None:
    response = _upload(api_as(alice), alices_case, data, name=name)
    assert response.status_code == 400
    assert response.json()["file"] and response.json()["code"] in {"unsupported_type", "unreadable"}
    assert not Evidence.objects.exists()


def test_it_takes_a_png_named_jpg_as_a_png(api_as, alice: User, alices_case: Case) -> None:
    response = _upload(api_as(alice), alices_case, jpeg(5)[:0] + _png(5), name="holiday.jpg")
    assert response.status_code == 201 and response.json()["media_type"] == "image/png"


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    picture(seed).save(out, format="PNG")
    return out.getvalue()


def test_it_refuses_an_image_over_20_mb_but_takes_one_over_the_global_1_mb(
    api_as, alice: User, alices_case: Case
) -> None:
    api = api_as(alice)
    # Trailing bytes after the picture: readers ignore them, so the size alone decides.
    big = jpeg(6) + b"\x00" * (2 * 1024 * 1024)
    assert _upload(api, alices_case, big).status_code == 201
    huge = jpeg(7) + b"\x00" * (20 * 1024 * 1024)
    response = _upload(api, alices_case, huge)
    assert response.status_code == 413
    assert "20MB" in response.json()["file"][0].replace(" ", "")
    assert Evidence.objects.count() == 1
    # The 1 MB limit still holds everywhere else.
    text = "https://example.org/" + "a" * (1100 * 1024)
    other = api.post(f"/api/v1/cases/{alices_case.pk}/sightings/bulk/", {"text": text}, format="json")
    assert other.status_code == 413


def test_it_refuses_a_body_over_the_route_limit_before_reading_it(settings, api_as, alice, alices_case) -> None:
    settings.EVIDENCE_IMAGE_MAX_BYTES = 1024 * 1024
    settings.EVIDENCE_VIDEO_MAX_BYTES = 2 * 1024 * 1024
    response = _upload(api_as(alice), alices_case, jpeg(8) + b"\x00" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert not Evidence.objects.exists()


def test_it_never_writes_an_upload_to_a_temporary_file(settings, tmp_path, api_as, alice, alices_case) -> None:
    # Django spools uploads over 2.5 MB to FILE_UPLOAD_TEMP_DIR; a directory that does not exist would
    # fail such an upload, so a 201 here proves the bytes stayed in memory.
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "missing")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _upload(api_as(alice), alices_case, jpeg(9) + b"\x00" * (3 * 1024 * 1024))
    assert response.status_code == 201, response.content


def test_it_links_a_recompressed_copy_in_another_case(api_as, alice: User, carol: User) -> None:
    first = open_case(alice, victim_name="한가람")
    second = open_case(alice, victim_name="정다온")
    api = api_as(alice)
    _upload(api, first, jpeg(10))
    response = _upload(api, second, recompressed(10))
    body = response.json()
    assert response.status_code == 201
    assert [link["id"] for link in body["linked_cases"]] == [first.pk]
    assert 0 < body["linked_cases"][0]["distance"] <= 31
    assert body["hidden_matches"] == 0
    # Both cases see the link, and the first one was told by an event that names no case.
    listed = api.get(f"/api/v1/cases/{first.pk}/evidence/").json()
    assert [link["id"] for link in listed["results"][0]["linked_cases"]] == [second.pk]
    assert CaseEvent.objects.get(case=first, kind="evidence_matched").new == {"by_evidence": body["id"]}


def test_it_counts_a_colleagues_matching_case_without_naming_it(
    api_as, alice: User, bob: User, carol: User, bobs_case: Case, alices_case: Case
) -> None:
    _upload(api_as(bob), bobs_case, jpeg(11))
    body = _upload(api_as(alice), alices_case, recompressed(11)).json()
    assert body["linked_cases"] == [] and body["hidden_matches"] == 1
    assert bobs_case.reference not in str(body)
    # The supervisor reads every case of the centre: named for her.
    listed = api_as(carol).get(f"/api/v1/cases/{alices_case.pk}/evidence/").json()
    assert [link["id"] for link in listed["results"][0]["linked_cases"]] == [bobs_case.pk]


def test_it_never_matches_across_centres(api_as, alice: User, dave: User, alices_case: Case, daves_case: Case) -> None:
    _upload(api_as(dave), daves_case, jpeg(12))
    body = _upload(api_as(alice), alices_case, jpeg(12)).json()
    assert body["linked_cases"] == [] and body["hidden_matches"] == 0
    assert not EvidenceMatch.objects.exists()


def _flip(pdq: str, bits: list[int]) -> str:
    value = int(pdq, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


def _spread(count: int) -> list[int]:
    """`count` bits spread over all 16 chunks (two in most): the hardest case for the chunk index."""
    order = [chunk * 16 + offset for offset in (0, 7, 12) for chunk in range(16)]
    return order[:count]


def _planted(case: Case, pdq: str, *, quality: int = 100) -> Evidence:
    evidence = Evidence.objects.create(
        case=case, centre_id=case.centre_id, kind="image", media_type="image/jpeg", size=1, sha256=pdq, quality=quality
    )
    chunks = {f"c{i}": value for i, value in enumerate(chunks_of(pdq))}
    EvidenceHash.objects.create(
        evidence=evidence, case=case, centre_id=case.centre_id, pdq=pdq, quality=quality, **chunks
    )
    return evidence


@pytest.mark.parametrize(("distance", "matches"), [(0, True), (30, True), (31, True), (32, False), (40, False)])
def test_it_matches_up_to_distance_31_and_not_32(api_as, alice: User, alices_case: Case, distance, matches) -> None:
    from cases.hashing import hash_upload

    data = jpeg(13)
    pdq = hash_upload(data).hashes[0].pdq
    other = open_case(alice, victim_name="서하늘")
    near = _flip(pdq, _spread(distance))
    assert hamming(pdq, near) == distance
    # Every chunk differs by at least one bit once distance > 16: only the one-bit neighbours find it.
    planted = _planted(other, near)
    body = _upload(api_as(alice), alices_case, data).json()
    linked = [link for link in body["linked_cases"] if link["id"] == other.pk]
    assert bool(linked) is matches
    if matches:
        assert linked[0]["distance"] == distance
        assert EvidenceMatch.objects.filter(matched=planted, distance=distance).exists()


def test_it_never_matches_below_quality_50(api_as, alice: User, alices_case: Case) -> None:
    other = open_case(alice, victim_name="문보라")
    api = api_as(alice)
    first = _upload(api, other, flat_png(6)).json()
    assert first["quality"] < 50 and first["matchable"] is False
    # Another nearly blank picture: not the same bytes, the same PDQ, and still no match.
    body = _upload(api, alices_case, flat_png(1)).json()
    assert body["sha256"] != first["sha256"] and body["pdq"][0]["pdq"] == first["pdq"][0]["pdq"]
    assert body["linked_cases"] == [] and not EvidenceMatch.objects.exists()


def test_it_hashes_a_short_video_one_frame_a_second(tmp_path, api_as, alice: User, alices_case: Case) -> None:
    data = video(tmp_path, seconds=4)
    response = _upload(api_as(alice), alices_case, data, name="clip.mp4")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "video" and body["sha256"] == hashlib.sha256(data).hexdigest()
    seconds = [h["second"] for h in body["pdq"]]
    assert seconds[0] == 0 and 1 <= len(seconds) <= 4 and seconds == sorted(seconds)


def test_it_refuses_video_clearly_without_ffmpeg(settings, tmp_path, api_as, alice, alices_case) -> None:
    data = video(tmp_path, seconds=2)
    settings.EVIDENCE_FFMPEG = "/nonexistent/ffmpeg"
    response = _upload(api_as(alice), alices_case, data, name="clip.mp4")
    assert response.status_code == 400 and response.json()["code"] == "video_unsupported"
    assert "ffmpeg" in response.json()["file"][0]


def test_it_refuses_a_video_longer_than_the_limit(settings, tmp_path, api_as, alice, alices_case) -> None:
    settings.EVIDENCE_VIDEO_MAX_SECONDS = 2
    response = _upload(api_as(alice), alices_case, video(tmp_path, seconds=4), name="clip.mp4")
    assert response.status_code == 400 and response.json()["code"] == "too_long"


def test_it_keeps_a_video_without_its_metadata_with_consent(tmp_path, api_as, alice: User) -> None:
    from cases.actions.cases import Consents

    case = open_case(alice, consents=Consents(keep_evidence=True))
    data = video(tmp_path, seconds=2)
    assert b"canary-title-q7x" in data  # what the clip says of itself
    body = _upload(api_as(alice), case, data, name="clip.mp4").json()
    stored = EvidenceFile.objects.get(evidence_id=body["id"])
    viewing = unseal(case, stored.viewing)
    assert stored.viewing_type == "video/webm" and viewing[:4] == b"\x1a\x45\xdf\xa3"
    assert b"canary-title-q7x" not in viewing


def test_it_proposes_places_only_from_cases_the_counsellor_may_read(
    api_as, client_as, alice: User, bob: User, bobs_case: Case, platforms
) -> None:
    mine = open_case(alice, victim_name="한가람")
    new = open_case(alice, victim_name="정다온")
    do_add_sightings(actor=alice, case=mine, lines=["https://t.me/room_one/1"])
    do_add_sightings(actor=bob, case=bobs_case, lines=["https://t.me/room_bob/2"])
    _upload(api_as(alice), mine, jpeg(14))
    _upload(api_as(bob), bobs_case, jpeg(14, quality=70))
    api = api_as(alice)
    _upload(api, new, recompressed(14))
    proposals = api.get(f"/api/v1/cases/{new.pk}/evidence/").json()["proposals"]
    assert [p["url"] for p in proposals] == ["https://t.me/room_one/1"]
    # Bob's place cannot be slipped in by its id: refused, nothing added.
    bobs_place = Sighting.objects.get(case=bobs_case)
    client = client_as(alice)
    refused = client.post(f"/cases/{new.pk}/evidence/proposals/", {"sighting": [proposals[0]["id"], bobs_place.pk]})
    assert refused.status_code == 302 and not new.sightings.exists()
    added = client.post(f"/cases/{new.pk}/evidence/proposals/", {"sighting": [proposals[0]["id"]]})
    assert added.status_code == 302
    assert [s.url for s in new.sightings.all()] == ["https://t.me/room_one/1"]
    assert api.get(f"/api/v1/cases/{new.pk}/evidence/").json()["proposals"] == []


def test_it_shows_hashes_and_matches_on_the_case_page(client_as, alice: User, django_assert_max_num_queries) -> None:
    first = open_case(alice, victim_name="한가람")
    second = open_case(alice, victim_name="정다온")
    client = client_as(alice)
    answer = client.post(f"/cases/{first.pk}/evidence/", {"file": _named(jpeg(15), "a.jpg")})
    assert answer.status_code == 302 and answer["Location"].endswith("#evidence")
    client.post(f"/cases/{second.pk}/evidence/", {"file": _named(recompressed(15), "b.jpg")})
    page = client.get(f"/cases/{second.pk}/").content.decode()
    evidence = Evidence.objects.get(case=second)
    assert evidence.sha256 in page and evidence.hashes.get().pdq in page
    assert first.display_reference in page


def test_it_answers_a_refused_upload_on_the_page_with_400(client_as, alice: User, alices_case: Case) -> None:
    client = client_as(alice)
    response = client.post(f"/cases/{alices_case.pk}/evidence/", {"file": _named(b"just text", "a.jpg")})
    assert response.status_code == 400
    assert "evidence-error" in response.content.decode()
    missing = client.post(f"/cases/{alices_case.pk}/evidence/", {})
    assert missing.status_code == 400


def test_it_refuses_an_upload_without_the_csrf_token(alice: User, alices_case: Case) -> None:
    from tests.factories import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, alice)
    response = client.post(f"/cases/{alices_case.pk}/evidence/", {"file": _named(jpeg(16), "a.jpg")})
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_it_writes_no_hash_or_file_detail_to_the_logs(api_as, alice: User, alices_case: Case) -> None:
    data = jpeg(17)
    from cases.hashing import hash_upload

    hashed = hash_upload(data)
    recorder = logscrub.Recorder([hashed.sha256, hashed.hashes[0].pdq, "holiday-q7x"])
    root = logging.getLogger()
    root.addHandler(recorder)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        api = api_as(alice)
        assert _upload(api, alices_case, data, name="holiday-q7x.jpg").status_code == 201
        assert _upload(api, alices_case, b"junk", name="holiday-q7x.jpg").status_code == 400
    finally:
        root.removeHandler(recorder)
        root.setLevel(level)
    assert recorder.records > 0
    assert recorder.leaks == []


def test_it_rotates_kept_files_to_a_new_key(api_as, alice: User, settings) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from caseflow.crypto import UndecryptableError
    from cases.actions.cases import Consents

    case = open_case(alice, consents=Consents(keep_evidence=True))
    data = jpeg(18)
    evidence_id = _upload(api_as(alice), case, data).json()["id"]
    # Kept under the case's own key: rotating the master key re-wraps that key and leaves the file as it is.
    stored = bytes(EvidenceFile.objects.get(evidence_id=evidence_id).original)
    assert stored.startswith(b"ck1:")
    old_key, new_key = settings.CASEFLOW_FIELD_KEYS[0], Fernet.generate_key().decode()
    settings.CASEFLOW_FIELD_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=io.StringIO())
    settings.CASEFLOW_FIELD_KEYS = [new_key]
    assert bytes(EvidenceFile.objects.get(evidence_id=evidence_id).original) == stored
    assert unseal(case, EvidenceFile.objects.get(evidence_id=evidence_id).original) == data
    settings.CASEFLOW_FIELD_KEYS = [old_key]
    with pytest.raises(UndecryptableError):  # the case key is wrapped by the new master key alone
        unseal(case, EvidenceFile.objects.get(evidence_id=evidence_id).original)
