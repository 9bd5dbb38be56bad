"""The versions of the blind-index key: which one makes new hashes, which ones search may still meet.

Version 0 is CASEFLOW_INDEX_KEY. `rebuild_search_index` adds a random version, makes every hash
again with it, then deletes the older versions: search uses every version still held (two only while
a rebuild runs), new hashes the newest. Loaded once per unit of work, like case keys.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from keystore import ring
from keystore.models import IndexKey
from keystore.router import KEYSTORE
from keystore.wrapping import index_context, new_data_key, unwrap, wrap


def _load() -> list[tuple[int, bytes]]:
    rows = list(IndexKey.objects.using(KEYSTORE).order_by("-version"))
    if not rows:
        return [(0, str(settings.CASEFLOW_INDEX_KEY).encode())]
    keys = []
    for row in rows:
        if row.version == 0:
            keys.append((0, str(settings.CASEFLOW_INDEX_KEY).encode()))
        else:
            context = index_context(row.version)
            keys.append((row.version, unwrap(row.version, row.master_key_id, bytes(row.wrapped), context=context)))
    return keys


def active() -> list[tuple[int, bytes]]:
    """(version, key) of every index key still held, newest first."""
    held = ring.active()
    if held is None:
        return _load()
    if held.index_keys is None:
        held.index_keys = _load()
    return held.index_keys


def newest() -> bytes:
    return active()[0][1]


def begin_rotation() -> int:
    """A new random version, newest from now on; the older ones stay until `destroy_before`."""
    with transaction.atomic(using=KEYSTORE):
        keys = IndexKey.objects.using(KEYSTORE).select_for_update()
        versions = list(keys.values_list("version", flat=True))
        if not versions:
            # The hashes made so far are CASEFLOW_INDEX_KEY's: recorded, to be destroyed like the others.
            IndexKey.objects.using(KEYSTORE).create(version=0)
            versions = [0]
        version = max(versions) + 1
        master_key_id, wrapped = wrap(version, new_data_key(), context=index_context(version))
        IndexKey.objects.using(KEYSTORE).create(version=version, master_key_id=master_key_id, wrapped=wrapped)
    _forget()
    return version


def destroy_before(version: int) -> int:
    """Deletes every older version: their hashes can no longer be computed by anyone holding the store."""
    with transaction.atomic(using=KEYSTORE):
        deleted, _ = IndexKey.objects.using(KEYSTORE).filter(version__lt=version).delete()
    _forget()
    return deleted


def rewrap_all() -> int:
    done = 0
    with transaction.atomic(using=KEYSTORE):
        for row in IndexKey.objects.using(KEYSTORE).select_for_update().exclude(version=0):
            context = index_context(row.version)
            key = unwrap(row.version, row.master_key_id, bytes(row.wrapped), context=context)
            row.master_key_id, row.wrapped = wrap(row.version, key, context=context)
            row.save(update_fields=["master_key_id", "wrapped"])
            done += 1
    return done


def _forget() -> None:
    held = ring.active()
    if held is not None:
        held.index_keys = None
