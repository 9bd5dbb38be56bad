"""Dumps the case database or the key store, each on its own schedule.

    python manage.py backup cases --to /backups/cases        # e.g. nightly, kept as long as you like
    python manage.py backup keystore --to /backups/keys      # e.g. hourly, kept less than the purge delay

Prints the path of the dump. README, "Keys and backups", gives the operating rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from keystore.backups import ALIASES, BackupError, dump


class Command(BaseCommand):
    help = "Dump the case database (cases) or the key store (keystore) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(ALIASES))
        parser.add_argument("--to", required=True, type=Path, help="directory of the dumps")

    def handle(self, *args: Any, what: str, to: Path, **options: Any) -> None:
        try:
            path = dump(what, Path(to))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(path))
