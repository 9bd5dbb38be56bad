"""The one place where kept evidence files are sealed and opened.

Files are kept only with the victim's consent to keep evidence, encrypted at rest with the data key of
their case (envelope encryption, cases/crypto.py), like every other value of the case: destroying the
key (a purge, an erasure) makes them unreadable in every copy of the case database. A file of a case
from before case keys, not converted yet, is under the master keys (CASEFLOW_FIELD_KEYS) until
`manage.py encrypt_with_case_keys` converts it. Every read and write of the bytes goes through `seal`
and `unseal`, which take the case.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils.translation import gettext as _

from caseflow.crypto import UndecryptableError, decrypt_bytes, encrypt_bytes, rotate_bytes
from cases.crypto import CASE_KEY_PREFIX, ErasedError
from cases.models import Case, Evidence, EvidenceFile
from keystore import ring

# Marks bytes encrypted with the case's data key; a Fernet token (base64url) never holds a colon.
CASE_KEY_BYTES = CASE_KEY_PREFIX.encode()


def _erased() -> ErasedError:
    return ErasedError(_("This case was erased: its details can no longer be read or changed."))


def seal(case: Case, data: bytes) -> bytes:
    """The bytes encrypted for keeping with `case`'s evidence, with the case's own key."""
    fernet = ring.current().fernet(case.pk)
    if fernet is not None:
        return CASE_KEY_BYTES + fernet.encrypt(data)
    if case.has_own_key:
        raise _erased()
    # A case from before case keys, not converted yet: as it was (encrypt_with_case_keys converts it).
    return encrypt_bytes(data)


def unseal(case: Case, blob: bytes | memoryview) -> bytes:
    """The kept bytes; ErasedError once the case's key was destroyed."""
    blob = bytes(blob)
    if not blob.startswith(CASE_KEY_BYTES):
        return decrypt_bytes(blob)
    fernet = ring.current().fernet(case.pk)
    if fernet is None:
        raise _erased()
    try:
        return fernet.decrypt(blob.removeprefix(CASE_KEY_BYTES))
    except Exception:  # cryptography's InvalidToken: a file that is not this case's
        raise UndecryptableError("a kept file cannot be decrypted with its case's key") from None


def keep_file(*, case: Case, evidence: Evidence, original: bytes, viewing: bytes, viewing_type: str) -> EvidenceFile:
    return EvidenceFile.objects.create(
        evidence=evidence,
        original=seal(case, original),
        viewing=seal(case, viewing),
        viewing_type=viewing_type,
    )


def under_master_keys(blob: bytes | memoryview) -> bool:
    return not bytes(blob).startswith(CASE_KEY_BYTES)


def rotate_kept_files() -> int:
    """Kept files still under the master keys encrypted again with the first of them (`manage.py
    rotate_field_keys`); a file under its case's key is not touched: the case key is re-wrapped instead."""
    done = 0
    for pk in EvidenceFile.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            kept = EvidenceFile.objects.select_for_update().get(pk=pk)
            if not under_master_keys(kept.original):
                continue
            kept.original = rotate_bytes(bytes(kept.original))
            kept.viewing = rotate_bytes(bytes(kept.viewing))
            kept.save(update_fields=["original", "viewing"])
        done += 1
    return done


def convert_kept_files(case_ids: list[int], keys: ring.KeyRing) -> int:
    """The kept files of these cases still under the master keys, encrypted again with each case's key
    (cases/case_keys.py, in its batch's transaction); the number converted."""
    done = 0
    rows = EvidenceFile.objects.select_for_update().filter(evidence__case_id__in=case_ids).select_related("evidence")
    for kept in rows:
        fernet = keys.fernet(kept.evidence.case_id)
        if fernet is None or not under_master_keys(kept.original):
            continue
        kept.original = CASE_KEY_BYTES + fernet.encrypt(decrypt_bytes(bytes(kept.original)))
        kept.viewing = CASE_KEY_BYTES + fernet.encrypt(decrypt_bytes(bytes(kept.viewing)))
        kept.save(update_fields=["original", "viewing"])
        done += 1
    return done


def count_kept_files_under_master_keys() -> int:
    """Kept files not under their case's key yet, counted by their first bytes without reading the files."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_evidencefile WHERE substr(original, 1, 4) <> %s", [CASE_KEY_BYTES])
        return int(cursor.fetchone()[0])


def discard_kept_files(case: Case) -> int:
    """Deletes every kept file of the case (consent withdrawn); the hashes stay. The number deleted."""
    deleted, _per_model = EvidenceFile.objects.filter(evidence__case=case).delete()
    Evidence.objects.filter(case=case, kept=True).update(kept=False)
    return deleted
