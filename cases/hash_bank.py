"""The national hash bank: sharing a case's hashes (with the victim's consent to hash matching),
withdrawing them, asking whether a hash is known at another centre, and a centre's export.

A match in the bank says "known at another centre" and nothing more: no case, no victim, no centre
name. The answer is a yes or no computed from the bank table alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cases.hashing import MATCH_DISTANCE
from cases.matching import any_near
from cases.models import BankHash, Case, EvidenceHash
from cases.models.evidence import CHUNK_FIELDS, MIN_MATCH_QUALITY


def known_elsewhere(centre_id: int, pdqs: Iterable[str]) -> bool:
    """Whether any of these hashes is within PDQ distance 31 of a hash another centre shared."""
    others = BankHash.objects.exclude(centre_id=centre_id)
    return any(any_near(others, pdq, max_distance=MATCH_DISTANCE) for pdq in pdqs)


def share(case: Case) -> int:
    """Copies the case's matchable hashes not yet in the bank into it; the number added.

    The caller (cases/actions/hash_bank.py) has checked the victim's consent and locked the case."""
    rows = EvidenceHash.objects.filter(case=case, quality__gte=MIN_MATCH_QUALITY, bank_entry__isnull=True)
    added = BankHash.objects.bulk_create(
        [
            BankHash(
                centre_id=case.centre_id,
                source=row,
                pdq=row.pdq,
                quality=row.quality,
                **{name: getattr(row, name) for name in CHUNK_FIELDS},
            )
            for row in rows
        ]
    )
    return len(added)


def withdraw(case: Case) -> int:
    """Removes every hash of the case from the bank; the number removed."""
    deleted, _per_model = BankHash.objects.filter(source__case=case).delete()
    return deleted


def export_lines(centre_id: int) -> Iterator[str]:
    """The centre's shared hashes as platforms' hash-matching programs read them: `PDQ hex,quality`."""
    for pdq, quality in (
        BankHash.objects.filter(centre_id=centre_id).order_by("shared_at", "pk").values_list("pdq", "quality")
    ):
        yield f"{pdq},{quality}\n"
