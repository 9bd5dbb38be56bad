"""After a new master key was put first in CASEFLOW_FIELD_KEYS: re-wraps every case key with it, and
re-encrypts with it the few values that belong to no case (outbox addresses, authenticator secrets).

Put a new key first in CASEFLOW_FIELD_KEYS, keep the old ones after it, run this command, then drop
the old keys: nothing wrapped or encrypted with them remains. A case's own values are not touched:
they are encrypted with its data key, which does not change (one small row per case is re-wrapped).
Values from before case keys are first given their case's key (cases/case_keys.py).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from caseflow.crypto import EncryptedTextField, rotate
from cases import case_keys
from cases.crypto import CASE_KEY_PREFIX, CaseEncryptedTextField
from cases.evidence_vault import rotate_kept_files
from keystore import index_keys
from keystore.store import rewrap_all

BATCH = 500


def _encrypted_columns(model: type[models.Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def _caseless_columns(model: type[models.Model]) -> tuple[str, list[str]] | None:
    """(case column, columns) of a model whose rows of no case are under the master keys (a queued reply)."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, CaseEncryptedTextField) and f.master_without_case]
    return (fields[0].case_attname, [str(f.column) for f in fields]) if fields else None


class Command(BaseCommand):
    help = (
        "Re-wrap every case key with the first master key, and re-encrypt with it the values of no case "
        "(outbox addresses, authenticator secrets)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if any(case_keys.count_legacy().values()):
            keys, values = case_keys.convert()
            self.stdout.write(f"{keys} case keys made, {values} values re-encrypted with their case's key.")
        self.stdout.write(f"{rewrap_all()} case keys re-wrapped, {index_keys.rewrap_all()} index keys re-wrapped.")
        # Every installed model with a master-key column, so that a new one can never be forgotten here.
        for model in apps.get_models():
            if _encrypted_columns(model):
                count = self._rotate(model)
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted.")
            if caseless := _caseless_columns(model):
                count = self._rotate(model, *caseless)
                self.stdout.write(f"{model._meta.label}: {count} rows of no case re-encrypted.")
        # Kept evidence files are bytes, not text fields: cases/evidence_vault.py rotates those still under
        # the master keys (of a case not given its key yet); a file under its case's key is not touched.
        self.stdout.write(f"cases.EvidenceFile: {rotate_kept_files()} files re-encrypted.")

    def _rotate(self, model: type[models.Model], owner: str | None = None, columns: list[str] | None = None) -> int:
        # Raw ciphertext in, raw ciphertext out: the values are never decrypted into Python objects
        # that could be logged, and no audit event is written because no value changes. With `owner`:
        # only the rows of no case, whose values are under the master keys.
        table = connection.ops.quote_name(model._meta.db_table)
        columns = columns if columns is not None else _encrypted_columns(model)
        quoted = [connection.ops.quote_name(c) for c in columns]
        caseless = f" AND {connection.ops.quote_name(owner)} IS NULL" if owner else ""
        done, last = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # FOR UPDATE: an edit that commits while this batch is re-encrypted waits for it,
                # instead of being overwritten by the old value re-encrypted.
                lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
                # Table and column names come from the models' _meta and are quoted; values are parameters.
                cursor.execute(
                    f"SELECT id, {', '.join(quoted)} FROM {table} WHERE id > %s{caseless} ORDER BY id LIMIT %s{lock}",  # noqa: S608 # nosec B608
                    [last, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                assignments = ", ".join(f"{q} = %s" for q in quoted)
                cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 # nosec B608
                    [[*(_rotated(v) for v in row[1:]), row[0]] for row in rows],
                )
            done += len(rows)
            last = rows[-1][0]


def _rotated(value: str | None) -> str | None:
    # Empty, or sealed with a case key (a row that got its case meanwhile): nothing of the master keys.
    if not value or value.startswith(CASE_KEY_PREFIX):
        return value
    return rotate(value)
