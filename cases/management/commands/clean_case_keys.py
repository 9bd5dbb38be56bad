"""Deletes orphan case keys: keys in the key store whose case does not exist in the case database.

    python manage.py clean_case_keys [--older-than-minutes 60] [--dry-run]

An orphan is harmless (it opens nothing that exists): it is left when a case's transaction rolls back
after its key was committed (keystore/store.py), or by cases created after the case database's last
restore. Keys younger than `--older-than-minutes` are kept: their case may be committing right now.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cases.models import Case
from keystore.models import CaseKey
from keystore.router import KEYSTORE

BATCH = 1000


class Command(BaseCommand):
    help = "Delete the keys of cases that do not exist (left by a failed creation or a restore)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-minutes", type=int, default=60)
        parser.add_argument("--dry-run", action="store_true", help="count them, delete nothing")

    def handle(self, *args: Any, older_than_minutes: int, dry_run: bool, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
        keys = CaseKey.objects.using(KEYSTORE).filter(created_at__lt=cutoff).order_by("case_id")
        found, last = 0, -1
        while True:
            ids = list(keys.filter(case_id__gt=last).values_list("case_id", flat=True)[:BATCH])
            if not ids:
                break
            live = set(Case.objects.filter(pk__in=ids).values_list("pk", flat=True))
            orphans = [case_id for case_id in ids if case_id not in live]
            found += len(orphans)
            if orphans and not dry_run:
                CaseKey.objects.using(KEYSTORE).filter(case_id__in=orphans).delete()
            last = ids[-1]
        self.stdout.write(f"{found} orphan case keys {'found' if dry_run else 'deleted'}.")
