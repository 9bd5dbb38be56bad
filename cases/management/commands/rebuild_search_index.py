"""Re-derive every search index from the decrypted values: after CASEFLOW_INDEX_KEY changes (its
rotation is what makes an old database copy's hashes useless), or after an upgrade added an index.

    python manage.py rebuild_search_index [--batch 500]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from cases.actions.cases import INDEX_FIELDS, refresh_indexes, sync_name_grams
from cases.models import Case


class Command(BaseCommand):
    help = "Re-derive the keyed search hashes of every case from its decrypted values."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="cases per transaction")

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        done = 0
        last = 0
        fields = ["id", "centre_id", "victim_name", "contact_email", "contact_phone"]
        while True:
            with transaction.atomic():
                rows = list(Case.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:batch])
                if not rows:
                    break
                for case in rows:
                    refresh_indexes(case)
                    sync_name_grams(case)
                # Not an action: only derived hashes change, no value a person sees, so no event.
                Case.objects.bulk_update(rows, INDEX_FIELDS)
            done += len(rows)
            last = rows[-1].pk
        self.stdout.write(f"search indexes rebuilt for {done} cases")
