"""The one place where kept evidence files are sealed and opened.

Files are kept only with the victim's consent to keep evidence, encrypted at rest with the field keys
(CASEFLOW_FIELD_KEYS, caseflow/crypto.py). Every read and write of the bytes goes through `seal` and
`unseal`, which take the case, so that moving kept files under the case's own data key (envelope
encryption, the keys issue) changes these two functions and nothing else.
"""

from __future__ import annotations

from django.db import transaction

from caseflow.crypto import decrypt_bytes, encrypt_bytes, rotate_bytes
from cases.models import Case, Evidence, EvidenceFile


def seal(case: Case, data: bytes) -> bytes:
    """The bytes encrypted for keeping with `case`'s evidence."""
    return encrypt_bytes(data)


def unseal(case: Case, blob: bytes | memoryview) -> bytes:
    return decrypt_bytes(bytes(blob))


def keep_file(*, case: Case, evidence: Evidence, original: bytes, viewing: bytes, viewing_type: str) -> EvidenceFile:
    return EvidenceFile.objects.create(
        evidence=evidence,
        original=seal(case, original),
        viewing=seal(case, viewing),
        viewing_type=viewing_type,
    )


def rotate_kept_files() -> int:
    """Every kept file encrypted again with the first field key (`manage.py rotate_field_keys`)."""
    done = 0
    for pk in EvidenceFile.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            kept = EvidenceFile.objects.select_for_update().get(pk=pk)
            kept.original = rotate_bytes(bytes(kept.original))
            kept.viewing = rotate_bytes(bytes(kept.viewing))
            kept.save(update_fields=["original", "viewing"])
        done += 1
    return done


def discard_kept_files(case: Case) -> int:
    """Deletes every kept file of the case (consent withdrawn); the hashes stay. The number deleted."""
    deleted, _per_model = EvidenceFile.objects.filter(evidence__case=case).delete()
    Evidence.objects.filter(case=case, kept=True).update(kept=False)
    return deleted
