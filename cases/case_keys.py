"""Cases from before case keys: each gets its own data key, and its values (and its children's) are
encrypted again with it, in batches (`manage.py encrypt_with_case_keys`; `rotate_field_keys` runs it first).

A command rather than a data migration: it writes to two databases (the key store's table is created
by `migrate --database keystore`, which may run after the cases' migrations), it must commit batch by
batch (a 3,000,000-row table must not stay locked in one transaction for minutes) and it can be
stopped and run again. The application reads both forms meanwhile: a value without the case-key
prefix is opened with the master keys, and a case without a key keeps being written that way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import connection, models, transaction

from cases.crypto import CASE_KEY_PREFIX, CaseEncryptedTextField, decrypt, seal_with
from cases.evidence_vault import convert_kept_files, count_kept_files_under_master_keys
from cases.models import Case
from keystore import ring
from keystore.store import store_case_keys
from keystore.wrapping import new_data_key


def case_key_columns() -> list[tuple[type[models.Model], str, list[str]]]:
    """(model, column holding the case id, encrypted columns) of every model encrypted with case keys."""
    found = []
    for model in apps.get_app_config("cases").get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, CaseEncryptedTextField)]
        if fields:
            owner = fields[0].case_attname  # `case_id` (the foreign key's column) or `id`
            found.append((model, owner, [str(f.column) for f in fields]))
    return found


def _legacy_condition(columns: list[str]) -> str:
    quoted = [connection.ops.quote_name(c) for c in columns]
    return " OR ".join(f"({q} <> '' AND {q} NOT LIKE '{CASE_KEY_PREFIX}%%')" for q in quoted)


def count_legacy() -> dict[str, int]:
    """Values of a case still encrypted with the master keys, by model (a row of no case, a platform's reply
    in the queue, stays under the master keys: rotate_field_keys re-encrypts those)."""
    counts = {}
    with connection.cursor() as cursor:
        for model, owner, columns in case_key_columns():
            table = connection.ops.quote_name(model._meta.db_table)
            has_case = f"{connection.ops.quote_name(owner)} IS NOT NULL"
            # Table and column names come from the models' _meta and are quoted.
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {has_case} AND ({_legacy_condition(columns)})",  # noqa: S608 # nosec B608
                [],
            )
            counts[model._meta.label] = cursor.fetchone()[0]
    # Kept evidence files are bytes, not text columns (cases/evidence_vault.py).
    counts["cases.EvidenceFile"] = count_kept_files_under_master_keys()
    return counts


def convert(*, batch: int = 200, report: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Gives every case without one its key and re-encrypts the master-key values; (keys made, values)."""
    keys_made = values = 0
    last = 0
    while True:
        rows = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "has_own_key")[:batch])
        if not rows:
            return keys_made, values
        case_ids = [pk for pk, _has in rows]
        with ring.unit_of_work() as keys:
            keys.load(case_ids)
            without = [pk for pk, has in rows if not has]
            # A key from an earlier run that stopped before its batch committed is kept, not replaced:
            # a request may already have encrypted something with it.
            missing = {pk: new_data_key() for pk in without if keys.fernet(pk) is None}
            if missing:
                store_case_keys(missing)
                keys_made += len(missing)
            with transaction.atomic():
                if without:
                    Case.objects.filter(pk__in=without).update(has_own_key=True)
                for model, owner, columns in case_key_columns():
                    values += _reencrypt(model, owner, columns, case_ids, keys)
                values += 2 * convert_kept_files(case_ids, keys)  # the file and its viewing copy
        last = case_ids[-1]
        if report is not None:
            report(last, values)


def _reencrypt(
    model: type[models.Model], owner: str, columns: list[str], case_ids: list[int], keys: ring.KeyRing
) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in columns]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        # Raw ciphertext in and out, as rotate_field_keys does: no model instance, nothing to log.
        # Names come from the models' _meta and are quoted; values are parameters.
        cursor.execute(
            f"SELECT id, {connection.ops.quote_name(owner)}, {', '.join(quoted)} FROM {table} "  # noqa: S608 # nosec B608
            f"WHERE {connection.ops.quote_name(owner)} IN ({', '.join(['%s'] * len(case_ids))}) "
            f"AND ({_legacy_condition(columns)}){lock}",
            case_ids,
        )
        rows = cursor.fetchall()
        if not rows:
            return 0
        updates = []
        count = 0
        for row_id, case_id, *stored in rows:
            fernet = keys.fernet(case_id)
            if fernet is None:  # every case of the batch has a key by now, unless one was just destroyed
                continue
            new = []
            for value in stored:
                if value is None or value == "" or value.startswith(CASE_KEY_PREFIX):
                    new.append(value)
                else:
                    new.append(seal_with(fernet, decrypt(value)))
                    count += 1
            updates.append([*new, row_id])
        assignments = ", ".join(f"{q} = %s" for q in quoted)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", updates)  # noqa: S608 # nosec B608
        return count
