"""Replaces the case database or the key store with a dump made by `manage.py backup`.

    python manage.py restore cases /backups/cases/cases-20261128T020000Z.pgdump --yes
    python manage.py clean_case_keys          # then: keys of cases the restored dump does not hold

Stop the web and worker processes first. Restoring the case data alone, with the current key store,
reads every case whose key still exists, and none whose key was destroyed since the dump.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keystore.backups import ALIASES, BackupError, restore


class Command(BaseCommand):
    help = "Replace the case database (cases) or the key store (keystore) with a dump."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(ALIASES))
        parser.add_argument("dump", type=Path)
        parser.add_argument("--yes", action="store_true", help="really replace the current data")

    def handle(self, *args: Any, what: str, dump: Path, yes: bool, **options: Any) -> None:
        dump = Path(dump)
        if not dump.is_file():
            raise CommandError(f"no such dump: {dump}")
        if not yes:
            raise CommandError(f"this replaces every row of {what} with the dump's; add --yes to do it")
        try:
            restore(what, dump)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{what} restored from {dump}")
