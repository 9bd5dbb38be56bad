"""The one table of the key store: a case's data key, wrapped by a master key."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CaseKey(models.Model):
    """The data key of one case, encrypted (wrapped) by the master key named by `master_key_id`.

    `case_id` is the case's id in the case database: no foreign key can cross the two databases.
    Deleting the row destroys the key: the case's encrypted values can no longer be read anywhere.
    """

    case_id = models.BigIntegerField(primary_key=True)
    # The id of the master key (CASEFLOW_FIELD_KEYS) that wrapped it: rotation re-wraps the others.
    master_key_id = models.CharField(max_length=16)
    # 12-byte nonce + AES-256-GCM of the 32-byte data key, bound to the case id (keystore/wrapping.py).
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    wrapped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "case key"
        indexes = [
            # rotate_field_keys: WHERE master_key_id <> <the first key's id>, in batches.
            models.Index(fields=["master_key_id", "case_id"], name="casekey_master_idx"),
        ]

    def __str__(self) -> str:
        return f"key of case {self.case_id}"


class IndexKey(models.Model):
    """A version of the blind-index key (keyed hashes for search), wrapped like a case key.

    Version 0 is CASEFLOW_INDEX_KEY itself (its row holds no key); later versions are random keys made
    by `rebuild_search_index`, which deletes the older ones once every hash was made again: the
    hashes in a database dump older than that match nothing anybody can compute any more.
    """

    version = models.PositiveIntegerField(primary_key=True)
    master_key_id = models.CharField(max_length=16, blank=True, default="")
    wrapped = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "index key"

    def __str__(self) -> str:
        return f"index key v{self.version}"
