"""Re-encrypts every encrypted value with the first key of CASEFLOW_FIELD_KEYS.

Put a new key first in CASEFLOW_FIELD_KEYS, keep the old ones after it, run this command, then drop
the old keys: nothing encrypted with them remains.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from caseflow.crypto import EncryptedTextField, rotate
from cases.evidence_vault import rotate_kept_files

BATCH = 500


def _encrypted_columns(model: type[models.Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (victim details, notes, reasons, addresses, letters, "
        "authenticator secrets) with the first key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Every installed model with an encrypted column, so that a new one can never be forgotten here.
        for model in apps.get_models():
            if _encrypted_columns(model):
                count = self._rotate(model)
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted.")
        # Kept evidence files are bytes, not text fields: cases/evidence_vault.py rotates them.
        self.stdout.write(f"cases.EvidenceFile: {rotate_kept_files()} files re-encrypted.")

    def _rotate(self, model: type[models.Model]) -> int:
        # Raw ciphertext in, raw ciphertext out: the values are never decrypted into Python objects
        # that could be logged, and no audit event is written because no value changes.
        table = connection.ops.quote_name(model._meta.db_table)
        columns = _encrypted_columns(model)
        quoted = [connection.ops.quote_name(c) for c in columns]
        done, last = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # FOR UPDATE: an edit that commits while this batch is re-encrypted waits for it,
                # instead of being overwritten by the old value re-encrypted.
                lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
                # Table and column names come from the models' _meta and are quoted; values are parameters.
                cursor.execute(
                    f"SELECT id, {', '.join(quoted)} FROM {table} WHERE id > %s ORDER BY id LIMIT %s{lock}",  # noqa: S608 # nosec B608
                    [last, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                assignments = ", ".join(f"{q} = %s" for q in quoted)
                cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 # nosec B608
                    [[*(None if v is None else rotate(v) for v in row[1:]), row[0]] for row in rows],
                )
            done += len(rows)
            last = rows[-1][0]
