"""Rotates the blind-index key: a new random version, every keyed hash made again with it, then the old
versions destroyed, so that the hashes in an older copy of the database match nothing anybody can
compute (once the key store's backups that still hold them have expired). Run it on a schedule shorter
than the purge delay (README, "Keys and backups"); `--keep-key` only re-derives (after an upgrade
that adds an index).

    python manage.py rebuild_search_index [--batch 500] [--keep-key]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.actions.cases import INDEX_FIELDS, refresh_indexes, sync_name_grams
from cases.crypto import url_index
from cases.models import Case, Sighting
from keystore import index_keys, ring


class Command(BaseCommand):
    help = "Rotate the blind-index key: re-derive every keyed search hash with a new key, then destroy the old one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="cases per transaction")
        parser.add_argument("--keep-key", action="store_true", help="re-derive with the current key, rotate nothing")

    def handle(self, *args: Any, batch: int, keep_key: bool, **options: Any) -> None:
        version = None if keep_key else index_keys.begin_rotation()
        cases = self._cases(batch)
        places = self._places(batch)
        self.stdout.write(f"search indexes rebuilt for {cases} cases and {places} places")
        if version is not None:
            destroyed = index_keys.destroy_before(version)
            self.stdout.write(f"index key version {version} in use; {destroyed} older version(s) destroyed")

    def _cases(self, batch: int) -> int:
        done, last = 0, 0
        fields = ["id", "centre_id", "victim_name", "contact_email", "contact_phone"]
        while True:
            with ring.unit_of_work(), transaction.atomic():
                rows = list(Case.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:batch])
                if not rows:
                    return done
                last = rows[-1].pk
                rows = [case for case in rows if not case.is_erased]  # nothing left to index
                for case in rows:
                    refresh_indexes(case)
                    sync_name_grams(case)
                # Not an action: only derived hashes change, no value a person sees, so no event.
                Case.objects.bulk_update(rows, INDEX_FIELDS)
            done += len(rows)

    def _places(self, batch: int) -> int:
        done, last = 0, 0
        while True:
            with ring.unit_of_work(), transaction.atomic():
                rows = list(
                    Sighting.objects.filter(pk__gt=last)
                    .order_by("pk")
                    .only("id", "case_id", "centre_id", "url")[:batch]
                )
                if not rows:
                    return done
                last = rows[-1].pk
                rows = [place for place in rows if place.url]  # an erased case's addresses read as ""
                for place in rows:
                    place.url_hash = url_index(place.centre_id, place.url)
                Sighting.objects.bulk_update(rows, ["url_hash"])
            done += len(rows)
