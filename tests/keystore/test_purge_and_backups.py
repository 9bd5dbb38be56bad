"""A purge destroys the case's key before its rows: a dump of the case data taken before the purge, restored
with the key store as it is now (its own older copies expired), reads every live case and nothing of the purged one."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from accounts.models import User
from cases.actions.purge import purge_case, purge_expired
from cases.actions.rights import do_request_erasure
from cases.case_keys import case_key_columns
from cases.crypto import CASE_KEY_PREFIX, ErasedError, is_erased
from cases.evidence_vault import unseal
from cases.models import Case, EvidenceFile, Guardian, Note, PlatformReply, PurgeKind, Referral
from keystore.models import CaseKey
from keystore.store import has_key
from tests.cases.conftest import open_case
from tests.evidence_media import jpeg
from tests.keystore.conftest import fill_every_column

# What only the purged case holds: none of it may be readable anywhere in the restored rows.
PURGED_PLAINTEXT = ("이하은", "010-9999-4321", "haeun@example.kr", "Only after 6pm, haeun", "Deepfakes of haeun")


def _backup(what: str, directory: Path) -> Path:
    out = StringIO()
    call_command("backup", what, to=str(directory), stdout=out)
    path = Path(out.getvalue().strip())
    assert path.is_file() and path.stat().st_size > 0
    return path


def _every_stored_text() -> str:
    """Every row of every table of the case database, as the database holds it, as one text."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label == "keystore" or not model._meta.managed:
                continue
            # Table names come from the models' _meta and are quoted.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def _case_key_values(case_id: int) -> dict[str, list[str]]:
    """Every non-empty value of the case in every column encrypted with case keys, as stored."""
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for model, owner, columns in case_key_columns():
            for column in columns:
                cursor.execute(
                    f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE "{owner}" = %s ORDER BY id',  # noqa: S608
                    [case_id],
                )
                found[f"{model._meta.db_table}.{column}"] = [value for (value,) in cursor.fetchall() if value]
    return found


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.usefixtures("platforms")  # a transactional test before this one may have flushed them
def test_it_leaves_nothing_of_a_purged_case_readable_in_a_backup_taken_before_the_purge(
    alice: User, carol: User, tmp_path: Path, api_as, client_as
) -> None:
    live = fill_every_column(alice, carol, name="김민지")
    purged = fill_every_column(
        alice,
        carol,
        name="이하은",
        contact_phone="010-9999-4321",
        contact_email="haeun@example.kr",
        summary="Deepfakes of haeun",
        safe_contact_notes="Only after 6pm, haeun",
    )
    before = _case_key_values(purged.pk)
    kept_before = bytes(EvidenceFile.objects.get(evidence__case_id=purged.pk).original)
    assert all(before.values()), [column for column, values in before.items() if not values]
    assert all(v.startswith(CASE_KEY_PREFIX) for values in before.values() for v in values)
    assert any(text in _every_stored_text() for text in PURGED_PLAINTEXT) is False  # encrypted at rest already

    # The nightly backup: the case data and the key store, each dumped on its own.
    cases_dump = _backup("cases", tmp_path / "cases")
    old_keys = _backup("keystore", tmp_path / "keys")

    record = purge_case(
        case_id=purged.pk, kind=PurgeKind.ERASURE, requested_by=alice, approved_by=carol, reason="She asked"
    )
    assert record is not None
    assert not has_key(purged.pk) and has_key(live.pk)
    # The key store's copy older than the purge has expired (README: kept shorter than the purge delay).
    old_keys.unlink()

    call_command("restore", "cases", str(cases_dump), yes=True)

    # The purged case is back as rows, and nothing of it can be read.
    assert set(Case.objects.values_list("pk", flat=True)) == {live.pk, purged.pk}
    restored = _case_key_values(purged.pk)
    assert restored == before  # the very ciphertexts of the dump, each under the destroyed key
    assert not CaseKey.objects.filter(case_id=purged.pk).exists()
    stored = _every_stored_text()
    for plaintext in PURGED_PLAINTEXT:
        assert plaintext not in stored, plaintext
    old = Case.objects.get(pk=purged.pk)
    # Its kept evidence file too: the same bytes as in the dump, which nobody can open now.
    kept = EvidenceFile.objects.get(evidence__case_id=purged.pk)
    assert bytes(kept.original) == kept_before and jpeg(purged.pk) not in kept_before
    with pytest.raises(ErasedError):
        unseal(old, kept.original)
    assert old.is_erased and old.victim_name == "" and old.contact_phone == ""
    for model in (Note, Guardian, Referral, PlatformReply):
        row: Any = model._default_manager.filter(case_id=purged.pk).first()
        assert row is not None, model
        encrypted = [f.attname for f in model._meta.concrete_fields if f.attname in {"body", "name", "reason", "text"}]
        assert all(is_erased(getattr(row, name)) for name in encrypted), model
    api = api_as(carol)
    shown = api.get(f"/api/v1/cases/{purged.pk}/").json()
    assert (shown["erased"], shown["victim_name"], shown["contact_email"]) == (True, "", "")
    page = client_as(carol).get(f"/cases/{purged.pk}/").content.decode()
    assert 'id="case-erased"' in page and "이하은" not in page

    # Every live case reads, child rows included.
    detail = api.get(f"/api/v1/cases/{live.pk}/").json()
    assert (detail["erased"], detail["victim_name"], detail["safe_contact_notes"]) == (
        False,
        "김민지",
        "Only after 6pm",
    )
    assert Note.objects.filter(case_id=live.pk).earliest("pk").body == "Called her back"
    assert Guardian.objects.get(case_id=live.pk).name == "박정희"
    assert Referral.objects.get(case_id=live.pk).reason == "Legal advice"
    assert PlatformReply.objects.get(case_id=live.pk).text == "We have received your report."
    assert unseal(live, EvidenceFile.objects.get(evidence__case_id=live.pk).original) == jpeg(live.pk)
    exported = api.post(f"/api/v1/cases/{live.pk}/export/", {"format": "json"}, format="json")
    assert exported.status_code == 200 and "박정희" in exported.content.decode()


@pytest.mark.django_db(databases="__all__")
def test_it_destroys_a_purged_cases_key_before_deleting_its_rows(alice: User, carol: User) -> None:
    purged = open_case(alice, victim_name="이하은")
    kept = open_case(alice, victim_name="김민지")
    statements: list[tuple[str, str]] = []

    def watch(alias: str) -> Any:
        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements.append((alias, sql))
            return execute(sql, params, many, context)

        return wrapper

    with (
        connections["default"].execute_wrapper(watch("default")),
        connections["keystore"].execute_wrapper(watch("keystore")),
    ):
        record = do_request_erasure(actor=carol, case=purged, reason="She asked by phone")
    assert record is not None
    assert not CaseKey.objects.filter(case_id=purged.pk).exists()
    assert CaseKey.objects.filter(case_id=kept.pk).exists()
    deletes = [(alias, sql) for alias, sql in statements if sql.lstrip().upper().startswith("DELETE")]
    first_key = next(i for i, (alias, sql) in enumerate(deletes) if alias == "keystore" and "keystore_casekey" in sql)
    first_row = next(i for i, (alias, _sql) in enumerate(deletes) if alias == "default")
    assert first_key < first_row, deletes[: first_row + 1]
    # Locked first, then the key: the case row's lock comes before the key store is touched.
    lock = next(i for i, (alias, sql) in enumerate(statements) if alias == "default" and "FOR UPDATE" in sql)
    key = next(i for i, (alias, sql) in enumerate(statements) if alias == "keystore" and "DELETE" in sql.upper())
    assert lock < key


@pytest.mark.django_db(databases="__all__")
def test_it_destroys_the_key_of_every_case_the_retention_purge_removes(alice: User, carol: User) -> None:
    old = open_case(alice, victim_name="이하은")
    # Closed, and its retention date passed yesterday (test data: the years are not waited for).
    Case.objects.filter(pk=old.pk).update(
        status="closed", closed_at=timezone.now(), retention_until=timezone.localdate() - timedelta(days=1)
    )
    young = open_case(alice, victim_name="김민지")
    run = purge_expired()
    assert run.purged == 1
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not CaseKey.objects.filter(case_id=old.pk).exists()
    assert CaseKey.objects.filter(case_id=young.pk).exists()
