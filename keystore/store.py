"""Creating, destroying and re-wrapping case keys in the key store.

Two databases cannot commit together, so the order is chosen to make the only possible leftover
harmless: a case key is committed before the case that uses it (a case never exists without its
key; a case whose transaction rolls back leaves an orphan key, which opens nothing and is removed by
`manage.py clean_case_keys`), and destroyed before the case's rows are deleted (a purge that stops
half-way leaves rows nobody can read, and is simply run again).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, transaction
from django.utils import timezone

from caseflow.db import insert
from keystore import ring
from keystore.models import CaseKey
from keystore.router import KEYSTORE
from keystore.wrapping import current_master_id, unwrap, wrap


def store_case_key(case_id: int, data_key: bytes) -> None:
    """Commits the wrapped key of a new case (before the case itself commits).

    A row already there can only be an orphan: the key of a case whose transaction rolled back, or
    of a case created after the case database's last restore, whose id is being given out again.
    """
    master_key_id, wrapped = wrap(case_id, data_key)
    # One statement, committed on its own (the key store runs in autocommit): the orphan, if any,
    # replaced. Written by hand: the ORM's upsert took 0.6 ms of CPU to build (bench.run, cProfile).
    insert(CaseKey(case_id=case_id, master_key_id=master_key_id, wrapped=wrapped), using=KEYSTORE, replace_on="case_id")
    ring.current().add(case_id, data_key)


def store_case_keys(data_keys: dict[int, bytes]) -> None:
    """Commits the keys of many cases at once (the conversion of cases from before case keys)."""
    rows = []
    for case_id, data_key in data_keys.items():
        master_key_id, wrapped = wrap(case_id, data_key)
        rows.append(CaseKey(case_id=case_id, master_key_id=master_key_id, wrapped=wrapped))
    with transaction.atomic(using=KEYSTORE):
        CaseKey.objects.using(KEYSTORE).filter(case_id__in=list(data_keys)).delete()
        CaseKey.objects.using(KEYSTORE).bulk_create(rows)
    held = ring.current()
    for case_id, data_key in data_keys.items():
        held.add(case_id, data_key)


def destroy_case_key(case_id: int) -> bool:
    """Deletes the key (and this unit of work's copy): every value encrypted with it is unreadable."""
    with transaction.atomic(using=KEYSTORE):
        deleted, _ = CaseKey.objects.using(KEYSTORE).filter(case_id=case_id).delete()
    ring.current().forget(case_id)
    return bool(deleted)


def has_key(case_id: int) -> bool:
    return CaseKey.objects.using(KEYSTORE).filter(case_id=case_id).exists()


def rewrap_all(batch: int = 1000) -> int:
    """Re-wraps every key not wrapped by the first master key; the data it encrypts is untouched."""
    current = current_master_id()
    done, last = 0, -1
    while True:
        with transaction.atomic(using=KEYSTORE):
            rows = list(
                CaseKey.objects.using(KEYSTORE)
                .select_for_update()
                .filter(case_id__gt=last)
                .exclude(master_key_id=current)
                .order_by("case_id")[:batch]
            )
            if not rows:
                return done
            now = timezone.now()
            updates = []
            for row in rows:
                master_key_id, wrapped = wrap(row.case_id, unwrap(row.case_id, row.master_key_id, bytes(row.wrapped)))
                updates.append((master_key_id, wrapped, now, row.case_id))
            # One prepared UPDATE per key, pipelined (bulk_update's CASE over 1,000 ids is quadratic).
            with connections[KEYSTORE].cursor() as cursor:
                cursor.executemany(
                    "UPDATE keystore_casekey SET master_key_id = %s, wrapped = %s, wrapped_at = %s WHERE case_id = %s",
                    updates,
                )
        done += len(rows)
        last = rows[-1].case_id


def orphans(live_case_ids: Iterable[int], *, up_to: int) -> list[int]:
    """Keys of case ids at or below `up_to` that are not among the live cases."""
    live = set(live_case_ids)
    ids = CaseKey.objects.using(KEYSTORE).filter(case_id__lte=up_to).values_list("case_id", flat=True)
    return [case_id for case_id in ids if case_id not in live]
