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
from keystore import index_keys
from keystore.store import rewrap_all

BATCH = 500


def _encrypted_columns(model: type[models.Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


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
