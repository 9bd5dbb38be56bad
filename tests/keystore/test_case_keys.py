"""Each case's values are encrypted with its own data key, kept in the key store and wrapped by the master keys."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from caseflow.crypto import encrypt as master_encrypt
from caseflow.crypto import encrypt_bytes as master_encrypt_bytes
from caseflow.errors import NotAllowedError
from cases.actions.keys import do_destroy_case_key
from cases.case_keys import case_key_columns
from cases.crypto import CASE_KEY_PREFIX, ErasedError, case_fernet
from cases.evidence_vault import unseal
from cases.models import Case, CaseEvent, EventKind, EvidenceFile, NameGram, Note, PlatformReply
from keystore.models import CaseKey
from keystore.wrapping import unwrap
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg
from tests.keystore.conftest import fill_every_column

pytestmark = pytest.mark.django_db(databases="__all__")


def _raw_values() -> dict[str, list[tuple[int, str]]]:
    """Every non-empty stored value of every case-key column, as the database holds it: (case id, value)."""
    found: dict[str, list[tuple[int, str]]] = {}
    with connection.cursor() as cursor:
        for model, owner, columns in case_key_columns():
            for column in columns:
                # Rows of a case (a platform's reply waiting in the queue has none, and the master keys).
                cursor.execute(
                    f'SELECT "{owner}", "{column}" FROM "{model._meta.db_table}" WHERE "{owner}" IS NOT NULL'  # noqa: S608
                )
                found[f"{model._meta.db_table}.{column}"] = [(cid, v) for cid, v in cursor.fetchall() if v]
    return found


def _keys_from_the_store() -> dict[int, Fernet]:
    with connections["keystore"].cursor() as cursor:
        cursor.execute("SELECT case_id, master_key_id, wrapped FROM keystore_casekey")
        return {cid: case_fernet(unwrap(cid, kid, bytes(w))) for cid, kid, w in cursor.fetchall()}


def _assert_all_under_case_keys() -> None:
    master = MultiFernet([Fernet(k) for k in settings.CASEFLOW_FIELD_KEYS])
    keys = _keys_from_the_store()
    for column, values in _raw_values().items():
        assert values, f"{column}: no value to check (the test must fill every encrypted column)"
        for case_id, value in values:
            assert value.startswith(CASE_KEY_PREFIX), column
            for token in (value, value.removeprefix(CASE_KEY_PREFIX)):
                with pytest.raises(InvalidToken):
                    master.decrypt(token.encode())
            keys[case_id].decrypt(value.removeprefix(CASE_KEY_PREFIX).encode())  # opens with its case's key
            for other_id, other in keys.items():
                if other_id != case_id:
                    with pytest.raises(InvalidToken):
                        other.decrypt(value.removeprefix(CASE_KEY_PREFIX).encode())


def test_it_encrypts_every_value_of_a_case_with_its_own_key_not_the_master_key(alice: User, carol: User) -> None:
    first = fill_every_column(alice, carol)
    second = fill_every_column(alice, carol, name="이하은")
    _assert_all_under_case_keys()
    # One key per case, wrapped by the first master key, and the values still read back.
    assert set(CaseKey.objects.values_list("case_id", flat=True)) >= {first.pk, second.pk}
    assert Case.objects.get(pk=first.pk).victim_name == "김민지"
    assert Note.objects.get(case=second).body == "Called her back"


def test_it_converts_the_cases_from_before_case_keys(alice: User, carol: User, api_as) -> None:
    case = fill_every_column(alice, carol)
    plain = {}
    # As the case was before case keys: values under the master key, no key in the store.
    with connection.cursor() as cursor:
        for model, owner, columns in case_key_columns():
            for row in model._default_manager.filter(**{owner: case.pk}):
                values = {c: getattr(row, c) for c in columns}
                plain[(model, row.pk)] = values
                sets = ", ".join(f'"{c}" = %s' for c in columns)
                cursor.execute(
                    f'UPDATE "{model._meta.db_table}" SET {sets} WHERE id = %s',  # noqa: S608
                    [*(master_encrypt(v) if v else v for v in values.values()), row.pk],
                )
        cursor.execute("UPDATE cases_case SET has_own_key = false WHERE id = %s", [case.pk])
    # Its kept evidence file as it was then, under the master keys.
    kept = EvidenceFile.objects.get(evidence__case=case)
    kept_data = unseal(case, kept.original)
    kept.original, kept.viewing = master_encrypt_bytes(kept_data), master_encrypt_bytes(unseal(case, kept.viewing))
    kept.save(update_fields=["original", "viewing"])
    CaseKey.objects.filter(case_id=case.pk).delete()
    api = api_as(alice)
    # Read and written meanwhile, the old way.
    assert api.get(f"/api/v1/cases/{case.pk}/").json()["victim_name"] == "김민지"
    assert (
        api.post(
            f"/api/v1/cases/{case.pk}/notes/", {"body": "Written before the conversion"}, format="json"
        ).status_code
        == 201
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_note WHERE case_id = %s ORDER BY id DESC LIMIT 1", [case.pk])
        assert not cursor.fetchone()[0].startswith(CASE_KEY_PREFIX)

    call_command("encrypt_with_case_keys", batch=1)
    converted = EvidenceFile.objects.get(pk=kept.pk)
    assert bytes(converted.original).startswith(CASE_KEY_PREFIX.encode())
    assert unseal(case, converted.original) == kept_data

    _assert_all_under_case_keys()
    for (model, pk), values in plain.items():
        row = model._default_manager.get(pk=pk)
        assert {c: getattr(row, c) for c in values} == values
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert (detail["victim_name"], detail["safe_contact_notes"], detail["erased"]) == (
        "김민지",
        "Only after 6pm",
        False,
    )
    notes = api.get(f"/api/v1/cases/{case.pk}/notes/").json()["results"]
    assert {n["body"] for n in notes} == {"Called her back", "Written before the conversion"}


def test_it_fetches_the_keys_of_a_whole_page_in_one_query(alice: User, carol: User, api_as, client_as) -> None:
    for i in range(3):
        open_case(alice, victim_name=f"Victim {i}")
    api, client = api_as(carol), client_as(carol)

    def keystore_queries(path: str, use_api: bool) -> tuple[int, str]:
        with CaptureQueriesContext(connections["keystore"]) as queries:
            response = (api if use_api else client).get(path)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    few = [keystore_queries("/api/v1/cases/", True)[0], keystore_queries("/cases/", False)[0]]
    for i in range(3, 30):
        open_case(alice, victim_name=f"Victim {i}")
    many_api, body = keystore_queries("/api/v1/cases/", True)
    many_page, page = keystore_queries("/cases/", False)
    assert "Victim 29" in body and "Victim 29" in page  # 25 names decrypted on each
    assert few == [many_api, many_page] == [1, 1]


def test_it_shows_an_erased_case_as_erased_and_refuses_to_change_it(
    alice: User, carol: User, api_as, client_as
) -> None:
    case = fill_every_column(alice, carol)
    other = open_case(alice, victim_name="이하은")
    with pytest.raises(NotAllowedError):
        do_destroy_case_key(actor=alice, case=case)
    do_destroy_case_key(actor=carol, case=case, reason="The victim asked for erasure")

    event = case.events.get(kind=EventKind.KEY_DESTROYED)
    assert (event.actor_id, event.reason) == (carol.pk, "")  # the reason went with the key
    assert not CaseKey.objects.filter(case_id=case.pk).exists()
    api = api_as(carol)
    detail = api.get(f"/api/v1/cases/{case.pk}/")
    assert detail.status_code == 200
    assert detail.json()["erased"] is True
    assert (detail.json()["victim_name"], detail.json()["summary"]) == ("", "")
    rows = {row["id"]: row for row in api.get("/api/v1/cases/").json()["results"]}
    assert (rows[case.pk]["erased"], rows[other.pk]["erased"], rows[other.pk]["victim_name"]) == (True, False, "이하은")
    for path in ("notes", "events", "sightings"):
        assert api.get(f"/api/v1/cases/{case.pk}/{path}/").status_code == 200, path
    page = client_as(carol).get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert 'id="case-erased"' in page.content.decode()
    # Nothing of the case shows: not her name, her guardian's, a referral's reason or a platform's reply.
    for plaintext in ("김민지", "박정희", "Legal advice", "We have received your report", "She asked by phone"):
        assert plaintext not in page.content.decode(), plaintext
    exported = api.post(f"/api/v1/cases/{case.pk}/export/", {"format": "json"}, format="json")
    assert exported.status_code == 200 and json.loads(exported.content)["erased"] is True
    for plaintext in ("김민지", "박정희", "Legal advice", "We have received your report", "She asked by phone"):
        assert plaintext not in exported.content.decode(), plaintext
    assert client_as(carol).get("/cases/").status_code == 200
    changed = api.patch(f"/api/v1/cases/{case.pk}/", {"summary": "new", "version": case.version + 2}, format="json")
    stale_or_refused = changed.status_code
    assert stale_or_refused in (400, 409)
    fresh = Case.objects.get(pk=case.pk)
    refused = api.patch(f"/api/v1/cases/{case.pk}/", {"summary": "new", "version": fresh.version}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"non_field_errors": ["파기된 사건입니다. 내용을 더 이상 읽거나 바꿀 수 없습니다."]}
    assert api.post(f"/api/v1/cases/{case.pk}/notes/", {"body": "x"}, format="json").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_it_never_leaves_a_case_without_its_key(alice: User, api_as) -> None:
    # The key store fails (its table is gone for this test): no case is created, and the answer says so.
    # Committed for real, as in production, where the key store writes outside any transaction.
    with connections["keystore"].cursor() as cursor:
        cursor.execute("ALTER TABLE keystore_casekey RENAME TO keystore_casekey_away")
    try:
        before = Case.objects.count()
        api = api_as(alice)
        api.raise_request_exception = False
        body = {"victim_name": "김민지", "contact_phone": "010-1234-5678"}
        response = api.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 500
        assert Case.objects.count() == before
        assert not NameGram.objects.exists()
        assert not CaseEvent.objects.exists()
    finally:
        with connections["keystore"].cursor() as cursor:
            cursor.execute("ALTER TABLE keystore_casekey_away RENAME TO keystore_casekey")


def test_it_cleans_the_orphan_key_of_a_case_that_was_never_committed(alice: User) -> None:
    def open_and_fail() -> Case:
        with transaction.atomic():
            case = open_case(alice)
            failed.append(case)
            raise RuntimeError("the case's transaction fails after its key was committed")

    failed: list[Case] = []
    with pytest.raises(RuntimeError):
        open_and_fail()
    orphan = failed[0]
    kept = open_case(alice, victim_name="이하은")
    assert CaseKey.objects.filter(case_id=orphan.pk).exists()  # harmless: it opens nothing that exists
    CaseKey.objects.filter(case_id__in=[orphan.pk, kept.pk]).update(created_at=timezone.now() - timedelta(hours=2))

    call_command("clean_case_keys")

    assert not CaseKey.objects.filter(case_id=orphan.pk).exists()
    assert Case.objects.get(pk=kept.pk).victim_name == "이하은"


def test_it_rewraps_one_key_per_case_and_leaves_the_case_data_alone(alice: User, carol: User, settings) -> None:
    case = fill_every_column(alice, carol)
    queued = PlatformReply.objects.create(
        centre_id=case.centre_id, status="unmatched", from_address="someone@example.com", text="Which case?"
    )
    before = _raw_values()
    old_key = settings.CASEFLOW_FIELD_KEYS[0]
    settings.CASEFLOW_FIELD_KEYS = [Fernet.generate_key().decode(), old_key]
    call_command("rotate_field_keys")
    assert _raw_values() == before  # not one case value re-encrypted
    settings.CASEFLOW_FIELD_KEYS = settings.CASEFLOW_FIELD_KEYS[:1]
    assert Case.objects.get(pk=case.pk).victim_name == "김민지"
    _assert_all_under_case_keys()
    # A reply of no case was re-encrypted with the new master key, which alone reads it now.
    assert PlatformReply.objects.get(pk=queued.pk).text == "Which case?"


def test_it_exports_every_subject_opened_with_the_cases_key(alice: User, carol: User, api_as) -> None:
    case = fill_every_column(alice, carol)
    answer = api_as(alice).post(f"/api/v1/cases/{case.pk}/export/", {"format": "json"}, format="json")
    assert answer.status_code == 200
    data = json.loads(answer.content)
    held = data["subjects"]
    assert data["erased"] is False
    assert (held["case"][0]["victim_name"], held["notes"][0]["body"]) == ("김민지", "Called her back")
    assert (held["guardian"][0]["name"], held["guardian"][0]["consent_given_by"]) == ("박정희", "박정희 (어머니)")
    assert [row.get("reference_number") for row in held["duties"] if "reference_number" in row] == ["2026-서울-0042"]
    assert held["portal_access"][0]["holder_reason"] == "She has no phone of her own"
    referral = held["referrals"][0]
    assert (referral["reason"], referral["outcome_note"], referral["attachment"]) == (
        "Legal advice",
        "Appointment on Monday",
        "The letter as sent",
    )
    assert (held["replies"][0]["from_address"], held["replies"][0]["text"]) == (
        "abuse@telegram.org",
        "We have received your report.",
    )
    assert held["erasure_requests"][0]["reason"] == "She asked by phone"
    assert "ck1:" not in answer.content.decode()


def test_it_keeps_evidence_files_under_the_cases_key(alice: User, carol: User, client_as) -> None:
    case = fill_every_column(alice, carol)
    kept = EvidenceFile.objects.select_related("evidence").get(evidence__case=case)
    data = jpeg(case.pk)
    master = MultiFernet([Fernet(k) for k in settings.CASEFLOW_FIELD_KEYS])
    for blob in (bytes(kept.original), bytes(kept.viewing)):
        assert blob.startswith(CASE_KEY_PREFIX.encode()) and data not in blob
        with pytest.raises(InvalidToken):
            master.decrypt(blob.removeprefix(CASE_KEY_PREFIX.encode()))
        _keys_from_the_store()[case.pk].decrypt(blob.removeprefix(CASE_KEY_PREFIX.encode()))
    assert unseal(case, kept.original) == data
    page = f"/cases/{case.pk}/evidence/{kept.evidence_id}/file/"
    assert client_as(carol).get(page).status_code == 200

    do_destroy_case_key(actor=carol, case=case, reason="She asked")
    with pytest.raises(ErasedError):
        unseal(case, EvidenceFile.objects.get(pk=kept.pk).original)
    assert client_as(carol).get(page).status_code == 404
