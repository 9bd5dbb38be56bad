"""The national hash bank: the one table that crosses centres (DESIGN.md, "Nothing crosses centres").

It holds PDQ hashes and the centre that shared them, nothing else a reader can use: no case, no victim,
no file, no address. Each row also names the centre's own hash row it came from (`source`), so that the
centre can withdraw it when the victim withdraws her consent to hash matching and so that it goes with
the case when the case is purged or erased (CASCADE); that column is read only by the owning centre's
actions, never by a query that answers another centre.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Centre
from cases.models.evidence import CHUNK_FIELDS, MIN_MATCH_QUALITY, EvidenceHash


class BankHash(models.Model):
    """One PDQ hash a centre shared with the bank, with the victim's consent to hash matching."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    source = models.OneToOneField(EvidenceHash, on_delete=models.CASCADE, related_name="bank_entry")
    pdq = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField()
    shared_at = models.DateTimeField(default=timezone.now, editable=False)
    c0 = models.IntegerField()
    c1 = models.IntegerField()
    c2 = models.IntegerField()
    c3 = models.IntegerField()
    c4 = models.IntegerField()
    c5 = models.IntegerField()
    c6 = models.IntegerField()
    c7 = models.IntegerField()
    c8 = models.IntegerField()
    c9 = models.IntegerField()
    c10 = models.IntegerField()
    c11 = models.IntegerField()
    c12 = models.IntegerField()
    c13 = models.IntegerField()
    c14 = models.IntegerField()
    c15 = models.IntegerField()

    class Meta:
        indexes = [
            # cases/hash_bank.py: "known at another centre?", the same multi-index lookup as a centre's own
            # (cases/matching.py), across all centres; the asking centre's rows are left out after.
            *(
                models.Index(fields=[name], condition=Q(quality__gte=MIN_MATCH_QUALITY), name=f"bank_hash_{name}_idx")
                for name in CHUNK_FIELDS
            ),
            # The export of a centre's shared hashes, oldest first.
            models.Index(fields=["centre", "shared_at"], name="bank_hash_centre_shared_idx"),
        ]

    def __str__(self) -> str:
        return f"bank hash {self.pk}"
