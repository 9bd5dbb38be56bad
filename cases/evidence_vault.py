"""The one place where kept evidence files are sealed and opened.

Files are kept only with the victim's consent to keep evidence, encrypted at rest with the field keys
(CASEFLOW_FIELD_KEYS, caseflow/crypto.py). Every read and write of the bytes goes through `seal` and
`unseal`, which take the case, so that moving kept files under the case's own data key (envelope
encryption, the keys issue) changes these two functions and nothing else.
"""

from __future__ import annotations

from caseflow.crypto import decrypt_bytes, encrypt_bytes
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


def discard_kept_files(case: Case) -> int:
    """Deletes every kept file of the case (consent withdrawn); the hashes stay. The number deleted."""
    deleted, _per_model = EvidenceFile.objects.filter(evidence__case=case).delete()
    Evidence.objects.filter(case=case, kept=True).update(kept=False)
    return deleted
